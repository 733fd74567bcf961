"""Checks an exported Hugging Face folder against the checkpoint it came from.

    python3 tests/check_export.py HF_DIR CHECKPOINT_DIR 5,17,42,...

Reads config.json and model.safetensors with this suite's independent reader and
numpy LLaMA forward (test_export.py), runs the engine's own model from the
checkpoint on the same tokens, and prints one JSON line with the largest logit
difference; exits 1 when it is 1e-4 or more. Used by the end-to-end test of
`foxden train export` on a trained run.
"""

import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_export import numpy_llama, read_safetensors  # noqa: E402
from foxden_engine.attention import build_meta  # noqa: E402
from foxden_engine.export import load_model  # noqa: E402


def main(hf_dir: str, checkpoint: str, tokens: str) -> int:
    ids = np.array([int(t) for t in tokens.split(",")], dtype=np.int64)
    with open(os.path.join(hf_dir, "config.json")) as f:
        cfg = json.load(f)
    ours = numpy_llama(cfg, read_safetensors(os.path.join(hf_dir, "model.safetensors")), ids)
    model, _ = load_model(checkpoint)
    with torch.no_grad():
        t = torch.tensor(ids)[None]
        meta = build_meta("eager", torch.zeros_like(t), [[len(ids)]])
        engine = model.logits(t, torch.arange(len(ids))[None], meta)[0].double().numpy()
    diff = float(np.abs(ours - engine).max())
    print(json.dumps({"max_abs_diff": diff, "positions": len(ids), "vocab": int(engine.shape[-1])}))
    return 0 if diff < 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
