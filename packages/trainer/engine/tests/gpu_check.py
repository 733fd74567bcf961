"""Device checks (not part of the unittest suite): run on a CUDA machine.

    PYTHONPATH=packages/trainer/engine python3 packages/trainer/engine/tests/gpu_check.py equiv
    ... gpu_check.py resume
    ... gpu_check.py bench [--compile] [--steps N] [--vocab V] [--attention auto]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from feedwriter import make_header, write_feed  # noqa: E402
from helpers import packed_batch, tiny_config, write_preset  # noqa: E402
from foxden_engine import train as train_module  # noqa: E402
from foxden_engine.attention import available_backends, build_meta  # noqa: E402
from foxden_engine.loss import chunked_cross_entropy  # noqa: E402
from foxden_engine.model import FoxModel  # noqa: E402


def equiv() -> None:
    dev = torch.device("cuda")
    print("backends:", available_backends(dev), flush=True)
    torch.manual_seed(0)
    ids, labels, pos, docs, segs = packed_batch(2, 256, 300, seed=4, max_doc=90)
    cfg = tiny_config(hidden=128, heads=4, kv_heads=2, intermediate=256)
    model = FoxModel(cfg, 300).to(dev)
    ids, labels, pos, docs_d = ids.to(dev), labels.to(dev), pos.to(dev), docs.to(dev)
    for dtype in (None, torch.bfloat16):
        ref = None
        for backend in available_backends(dev):
            model.zero_grad(set_to_none=True)
            ctx = torch.autocast("cuda", dtype=dtype) if dtype else torch.autocast("cuda", enabled=False)
            with ctx:
                h = model(ids, pos, build_meta(backend, docs_d, segs))
            loss = chunked_cross_entropy(h.reshape(-1, h.shape[-1]), model.output_weight, labels.reshape(-1), 100, dtype)
            loss.backward()
            g = torch.cat([p.grad.flatten() for p in model.parameters()])
            if ref is None:
                ref = (loss.item(), g)
                print(f"{dtype} {backend}: loss {loss.item():.6f}", flush=True)
                continue
            print(f"{dtype} {backend}: loss {loss.item():.6f} diff {abs(loss.item() - ref[0]):.2e} grad maxdiff {(g - ref[1]).abs().max().item():.2e} (grad max {ref[1].abs().max().item():.2e})", flush=True)


def ce() -> None:
    torch.manual_seed(0)
    dev = torch.device("cuda")
    h = torch.randn(5000, 256, device=dev, requires_grad=True)
    w = (torch.randn(32000, 256, device=dev) * 0.05).requires_grad_()
    y = torch.randint(0, 32000, (5000,), device=dev)
    y[::7] = -100
    out = []
    for fused in (False, True):
        h.grad = w.grad = None
        loss = chunked_cross_entropy(h, w, y, 2048, torch.bfloat16, fused=fused)
        loss.backward()
        out.append((loss.item(), h.grad.clone(), w.grad.clone()))
    ref = torch.nn.functional.cross_entropy(h.detach().bfloat16().float() @ w.detach().bfloat16().float().t(), y, reduction="sum").item()
    print(f"ce eager {out[0][0]:.3f} fused {out[1][0]:.3f} fp32-ref {ref:.3f} dh {(out[0][1] - out[1][1]).abs().max().item():.2e} dw {(out[0][2] - out[1][2]).abs().max().item():.2e} (|dw| {out[0][2].abs().max().item():.2e})", flush=True)


def run(args, feed: bytes):
    out = io.StringIO()
    emit = train_module.Emitter(out)
    code = train_module.main(args, feed=io.BytesIO(feed), emit=emit)
    return code, emit.events


def resume() -> None:
    d = tempfile.mkdtemp()
    preset = write_preset(d, model={"hidden": 64})  # head_dim 16: flex's minimum
    stages = [{"name": "s64", "seq_len": 64, "steps": 3}, {"name": "s128", "seq_len": 128, "steps": 3}]
    for attention in ("flex", "sdpa", "eager"):
        base = ["--preset", preset, "--device", "cuda", "--attention", attention]
        code, a = run(base + ["--out", f"{d}/a-{attention}"], write_feed(make_header(stages, 256, 97)))
        code1, b1 = run(base + ["--out", f"{d}/b-{attention}"], write_feed(make_header(stages, 256, 97, max_steps=2)))
        ck = f"{d}/b-{attention}/checkpoints/step-000002"
        code2, b2 = run(base + ["--out", f"{d}/b-{attention}", "--resume", ck], write_feed(make_header(stages, 256, 97, start=(0, 512))))
        la = [e["loss"] for e in a if e["event"] == "step"]
        lb = [e["loss"] for e in b1 + b2 if e["event"] == "step"]
        print(attention, "codes", code, code1, code2, "start", a[0].get("attention"), a[0].get("dtype"), a[0].get("fused_adamw"))
        print("  full   ", [round(x, 5) for x in la])
        print("  resumed", [round(x, 5) for x in lb], "max diff", max(abs(x - y) for x, y in zip(la, lb)) if len(la) == len(lb) else "LEN MISMATCH", flush=True)


def bench(ns: argparse.Namespace) -> None:
    train_module.ckpt.save_checkpoint = lambda *a, **k: "(skipped in bench)"  # a 20 GB write is not what is measured
    header = make_header([{"name": "2k", "seq_len": ns.seq_len, "steps": ns.steps}], ns.batch_tokens, ns.vocab)
    t0 = time.time()
    feed = write_feed(header)
    print(f"feed {len(feed) / 1e6:.1f} MB in {time.time() - t0:.1f}s", flush=True)
    preset = ns.preset
    if ns.ce_chunk:
        from foxden_engine.config import load_preset

        raw = load_preset(ns.preset).to_dict()
        raw["train"]["ce_chunk_tokens"] = ns.ce_chunk
        preset = os.path.join(tempfile.mkdtemp(), "preset.json")
        with open(preset, "w") as f:
            json.dump(raw, f)
    args = ["--preset", preset, "--device", "cuda", "--out", tempfile.mkdtemp(), "--attention", ns.attention]
    if ns.compile:
        args.append("--compile")
    if ns.micro:
        args += ["--micro-batch-tokens", str(ns.micro)]
    t0 = time.time()
    code, events = run(args, feed)
    steps = [e for e in events if e["event"] == "step"]
    for e in events:
        if e["event"] in ("start", "preflight", "error"):
            print(json.dumps(e), flush=True)
    for e in steps:
        print(f"step {e['step']} loss {e['loss']:.4f} gn {e['grad_norm']:.3f} step_s {e['step_s']:.3f} wait {e['data_wait_s']:.4f} tok/s {e['tokens_per_s']:.0f} mfu {e['mfu']}")
    tail = steps[3:] or steps
    if tail:
        med = statistics.median(e["step_s"] for e in tail)
        mfus = [e["mfu"] for e in tail if e["mfu"] is not None]
        print(f"RESULT compile={ns.compile} ce_chunk={ns.ce_chunk} attention={events[0].get('attention')} median step_s {med:.3f} tok/s {ns.batch_tokens / med:.0f} median mfu {statistics.median(mfus) if mfus else None} peak mem {torch.cuda.max_memory_allocated() / 2**30:.1f} GiB total {time.time() - t0:.1f}s code {code}", flush=True)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=["equiv", "resume", "bench", "ce"])
    p.add_argument("--compile", action="store_true")
    p.add_argument("--steps", type=int, default=12)
    p.add_argument("--vocab", type=int, default=256000)
    p.add_argument("--seq-len", type=int, default=2048)
    p.add_argument("--batch-tokens", type=int, default=16384)
    p.add_argument("--micro", type=int, default=0)
    p.add_argument("--ce-chunk", type=int, default=0)
    p.add_argument("--preset", default="fox-1.6b")
    p.add_argument("--attention", default="auto")
    ns = p.parse_args()
    {"ce": lambda: ce(), "equiv": lambda: equiv(), "resume": lambda: resume(), "bench": lambda: bench(ns)}[ns.what]()
