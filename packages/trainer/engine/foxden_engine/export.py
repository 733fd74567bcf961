"""Export a checkpoint as a Hugging Face LlamaForCausalLM folder (config.json,
model.safetensors, tokenizer.json), and a small `logits` helper for checks.

model.safetensors is written by hand to the safetensors spec so export needs
neither the safetensors package nor transformers.
"""

from __future__ import annotations

import argparse
import ctypes
import hashlib
import json
import os
import shutil
import struct
import sys
from typing import Any, Dict, List, Optional, Tuple

import torch

from . import checkpoint as ckpt
from .attention import build_meta
from .config import preset_from_dict
from .model import FoxModel

SPECIAL = {
    "bos": ["<bos>", "<s>", "<|begin_of_text|>", "<|startoftext|>", "[CLS]", "<|endoftext|>"],
    "eos": ["<eos>", "</s>", "<|end_of_text|>", "<|endoftext|>", "[SEP]"],
    "pad": ["<pad>", "[PAD]", "<|pad|>"],
}
_CHUNK = 64 << 20


def log(msg: str) -> None:
    print(f"foxden engine: {msg}", file=sys.stderr, flush=True)


def load_model(ckpt_dir: str, device: str = "cpu") -> Tuple[FoxModel, Dict[str, Any]]:
    state = ckpt.read_state(ckpt_dir)
    preset = preset_from_dict(state["preset"], source=os.path.join(ckpt_dir, "state.json"))
    vocab = int(preset.model.vocab_size or 0)
    model = FoxModel(preset.model, vocab)
    model.load_state_dict(ckpt.load_blob(ckpt_dir)["model"])
    return model.to(device).eval(), state


def hf_tensors(model: FoxModel) -> List[Tuple[str, torch.Tensor]]:
    """Engine parameters under their LlamaForCausalLM names, in file order."""
    out: List[Tuple[str, torch.Tensor]] = [("model.embed_tokens.weight", model.embed_tokens.weight)]
    for i, layer in enumerate(model.layers):
        p = f"model.layers.{i}."
        out += [
            (p + "input_layernorm.weight", layer.input_layernorm.weight),
            (p + "self_attn.q_proj.weight", layer.self_attn.q_proj.weight),
            (p + "self_attn.k_proj.weight", layer.self_attn.k_proj.weight),
            (p + "self_attn.v_proj.weight", layer.self_attn.v_proj.weight),
            (p + "self_attn.o_proj.weight", layer.self_attn.o_proj.weight),
            (p + "post_attention_layernorm.weight", layer.post_attention_layernorm.weight),
            (p + "mlp.gate_proj.weight", layer.mlp.gate_proj.weight),
            (p + "mlp.up_proj.weight", layer.mlp.up_proj.weight),
            (p + "mlp.down_proj.weight", layer.mlp.down_proj.weight),
        ]
    out.append(("model.norm.weight", model.norm.weight))
    if model.lm_head is not None:
        out.append(("lm_head.weight", model.lm_head.weight))
    return [(n, t.detach().to("cpu", torch.float32).contiguous()) for n, t in out]


def _raw_bytes(t: torch.Tensor, start: int, count: int) -> bytes:
    return ctypes.string_at(t.data_ptr() + start * 4, count * 4)


def write_safetensors(path: str, tensors: List[Tuple[str, torch.Tensor]], metadata: Optional[Dict[str, str]] = None) -> None:
    """F32 tensors; 8-byte LE header length, space-padded JSON header, contiguous LE data in header order."""
    if sys.byteorder != "little":
        raise RuntimeError("safetensors export needs a little-endian host")
    header: Dict[str, Any] = {"__metadata__": metadata or {"format": "pt"}}
    offset = 0
    for name, t in tensors:
        if t.dtype != torch.float32:
            raise ValueError(f"{name}: only float32 is exported, got {t.dtype}")
        size = t.numel() * 4
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + size]}
        offset += size
    blob = json.dumps(header, separators=(",", ":")).encode("utf-8")
    blob += b" " * ((8 - len(blob) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for _, t in tensors:
            n = t.numel()
            step = max(1, _CHUNK // 4)
            for start in range(0, n, step):
                f.write(_raw_bytes(t, start, min(step, n - start)))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def special_ids(tokenizer: Optional[Dict[str, Any]]) -> Dict[str, Optional[int]]:
    ids = (tokenizer or {}).get("special_ids") or {}
    out: Dict[str, Optional[int]] = {}
    for role, names in SPECIAL.items():
        out[role] = next((int(ids[n]) for n in names if n in ids), None)
    return out


def hf_config(model: FoxModel, state: Dict[str, Any]) -> Dict[str, Any]:
    cfg = model.cfg
    sp = special_ids(state.get("tokenizer"))
    return {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": cfg.hidden,
        "intermediate_size": cfg.intermediate,
        "num_hidden_layers": cfg.layers,
        "num_attention_heads": cfg.heads,
        "num_key_value_heads": cfg.kv_heads,
        "head_dim": cfg.head_dim,
        "rms_norm_eps": cfg.norm_eps,
        "rope_theta": cfg.rope_theta,
        "rope_scaling": None,
        "max_position_embeddings": int(state.get("max_seq_len") or 8192),
        "vocab_size": model.vocab_size,
        "tie_word_embeddings": bool(cfg.tie_embeddings),
        "hidden_act": "silu",
        "attention_bias": False,
        "mlp_bias": False,
        "attention_dropout": 0.0,
        "initializer_range": cfg.init_std,
        "use_cache": True,
        "torch_dtype": "float32",
        "bos_token_id": sp["bos"],
        "eos_token_id": sp["eos"],
        "pad_token_id": sp["pad"],
    }


def _sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def copy_tokenizer(state: Dict[str, Any], out: str, explicit: Optional[str]) -> Optional[str]:
    path = explicit or state.get("tokenizer_path")
    if not path or not os.path.isfile(path):
        log(f"warning: no tokenizer.json copied ({'not found: ' + path if path else 'the checkpoint names none'}; pass --tokenizer)")
        return None
    want = ((state.get("tokenizer") or {}).get("sha256") or "").lower()
    got = _sha256_file(path)
    if want and got != want:
        raise ValueError(f"tokenizer {path} has sha256 {got}, the checkpoint was trained with {want}")
    dest = os.path.join(out, "tokenizer.json")
    shutil.copyfile(path, dest)
    return dest


def export(ckpt_dir: str, out: str, tokenizer: Optional[str] = None) -> Dict[str, Any]:
    model, state = load_model(ckpt_dir)
    os.makedirs(out, exist_ok=True)
    config = hf_config(model, state)
    with open(os.path.join(out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    tensors = hf_tensors(model)
    write_safetensors(os.path.join(out, "model.safetensors"), tensors)
    tok = copy_tokenizer(state, out, tokenizer)
    return {"event": "export", "checkpoint": ckpt_dir, "out": out, "step": state.get("step"), "tensors": len(tensors),
            "parameters": sum(t.numel() for _, t in tensors), "tokenizer": tok}


def export_main(argv: List[str]) -> int:
    p = argparse.ArgumentParser(prog="python3 -m foxden_engine export", description="Write a Hugging Face LlamaForCausalLM folder from a checkpoint.")
    p.add_argument("--checkpoint", required=True, help="checkpoint directory (…/checkpoints/step-XXXXXX)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--tokenizer", default=None, help="tokenizer.json to copy (default: the checkpoint's tokenizer_path)")
    args = p.parse_args(argv)
    try:
        summary = export(args.checkpoint, args.out, args.tokenizer)
    except (OSError, ValueError, KeyError) as error:
        log(f"error: export: {error}")
        return 2
    print(json.dumps(summary), flush=True)
    return 0


def logits_main(argv: List[str]) -> int:
    p = argparse.ArgumentParser(prog="python3 -m foxden_engine logits", description="Print a checkpoint's logits for one token sequence (a single document).")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--tokens", required=True, help="comma-separated token ids")
    p.add_argument("--all", action="store_true", help="every position, not only the last")
    args = p.parse_args(argv)
    try:
        model, _ = load_model(args.checkpoint)
        ids = torch.tensor([[int(x) for x in args.tokens.split(",") if x.strip()]], dtype=torch.long)
    except (OSError, ValueError, KeyError) as error:
        log(f"error: logits: {error}")
        return 2
    T = ids.shape[1]
    with torch.no_grad():
        out = model.logits(ids, torch.arange(T)[None], build_meta("eager", ids, [[T]]))[0]
    print(json.dumps({"logits": out.tolist() if args.all else out[-1].tolist()}), flush=True)
    return 0
