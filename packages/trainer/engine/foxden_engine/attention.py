"""Document-masked causal attention over a ladder of backends.

Every backend computes the same thing: token t of a row attends to tokens s <= t
of the same segment (document_ids equal). They differ in speed and in what torch
version they need:

- flex:  flex_attention + BlockMask (torch >= 2.5, CUDA); fully-masked blocks are skipped.
- sdpa:  scaled_dot_product_attention with a dense boolean mask [R,1,T,T] (torch >= 2.0).
- eager: per-segment softmax attention (any torch); memory is sum(len^2), not T^2.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from typing import Any, Callable, List, Optional

import torch
import torch.nn.functional as F

BACKENDS = ("flex", "sdpa", "eager")


def _torch_version() -> tuple:
    parts = torch.__version__.split("+")[0].split(".")
    out = []
    for p in parts[:2]:
        digits = "".join(ch for ch in p if ch.isdigit())
        out.append(int(digits or 0))
    return tuple(out)


def flex_available(device: torch.device) -> bool:
    if device.type != "cuda" or _torch_version() < (2, 5):
        return False
    try:
        from torch.nn.attention.flex_attention import create_block_mask, flex_attention  # noqa: F401
    except ImportError:
        return False
    return True


def sdpa_available() -> bool:
    return hasattr(F, "scaled_dot_product_attention")


def available_backends(device: torch.device, head_dim: int = 64) -> List[str]:
    out = []
    # flex's Triton kernels need a power-of-two head_dim of at least 16.
    if flex_available(device) and head_dim >= 16 and head_dim & (head_dim - 1) == 0:
        out.append("flex")
    if sdpa_available():
        out.append("sdpa")
    out.append("eager")
    return out


def resolve_backend(choice: str, device: torch.device, head_dim: int = 64) -> str:
    have = available_backends(device, head_dim)
    if choice == "auto":
        # On CPU the dense sdpa mask costs T^2 per row; per-segment eager is leaner there.
        return have[0] if device.type == "cuda" else "eager"
    if choice not in BACKENDS:
        raise ValueError(f"attention backend {choice!r}: expected auto, {', '.join(BACKENDS)}")
    if choice not in have:
        raise ValueError(f"attention backend {choice!r} is not available with torch {torch.__version__} on {device.type}, head_dim {head_dim} (available: {', '.join(have)})")
    return choice


@dataclass
class AttentionMeta:
    """What a micro-batch's attention needs, built once and shared by all layers."""

    backend: str
    segments: Optional[List[List[int]]] = None  # eager
    mask: Optional[torch.Tensor] = None  # sdpa: bool [R,1,T,T], True = attend
    block_mask: Any = None  # flex


_flex_compiled: Optional[Callable[..., torch.Tensor]] = None
_flex_gqa = False


def _is_compiling() -> bool:
    compiler = getattr(torch, "compiler", None)
    if compiler is not None and hasattr(compiler, "is_compiling"):
        return bool(compiler.is_compiling())
    dynamo = getattr(torch, "_dynamo", None)
    return bool(dynamo is not None and hasattr(dynamo, "is_compiling") and dynamo.is_compiling())


def _flex_fn() -> Callable[..., torch.Tensor]:
    global _flex_compiled, _flex_gqa
    if _is_compiling():
        # Inside a compiled layer dynamo captures flex_attention itself; no nested compile.
        from torch.nn.attention.flex_attention import flex_attention

        _flex_gqa = "enable_gqa" in inspect.signature(flex_attention).parameters
        return flex_attention
    if _flex_compiled is None:
        from torch.nn.attention.flex_attention import flex_attention

        _flex_gqa = "enable_gqa" in inspect.signature(flex_attention).parameters
        # Uncompiled flex_attention is a slow reference that materialises the scores.
        _flex_compiled = torch.compile(flex_attention, dynamic=False)
    return _flex_compiled


def build_meta(backend: str, document_ids: torch.Tensor, segments: List[List[int]]) -> AttentionMeta:
    """document_ids: int [R,T] on the compute device; segments: per-row segment lengths (host lists)."""
    if backend == "eager":
        return AttentionMeta(backend, segments=segments)
    R, T = document_ids.shape
    if backend == "sdpa":
        causal = torch.ones(T, T, dtype=torch.bool, device=document_ids.device).tril_()
        same = document_ids[:, :, None] == document_ids[:, None, :]
        return AttentionMeta(backend, mask=(same & causal).unsqueeze(1))
    if backend == "flex":
        from torch.nn.attention.flex_attention import create_block_mask

        docs = document_ids

        def mask_mod(b: torch.Tensor, h: torch.Tensor, q: torch.Tensor, kv: torch.Tensor) -> torch.Tensor:
            return (docs[b, q] == docs[b, kv]) & (q >= kv)

        kwargs = {}
        if "_compile" in inspect.signature(create_block_mask).parameters:
            kwargs["_compile"] = True  # avoids materialising the R*T*T mask while building
        bm = create_block_mask(mask_mod, B=R, H=None, Q_LEN=T, KV_LEN=T, device=document_ids.device, **kwargs)
        return AttentionMeta(backend, block_mask=bm)
    raise ValueError(f"unknown attention backend {backend!r}")


def repeat_kv(x: torch.Tensor, n_rep: int) -> torch.Tensor:
    """[B,Hkv,T,D] -> [B,Hkv*n_rep,T,D]; kv head j serves query heads j*n_rep .. j*n_rep+n_rep-1 (HF repeat_kv)."""
    if n_rep == 1:
        return x
    B, H, T, D = x.shape
    return x[:, :, None, :, :].expand(B, H, n_rep, T, D).reshape(B, H * n_rep, T, D)


# Query block of the eager path: a block's scores stay in cache, and the keys after the block are never touched.
EAGER_QUERY_BLOCK = 1024


def _causal_block(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, first: int, scale: float) -> torch.Tensor:
    """Queries first..first+len(q) of a segment against its keys 0..first+len(q): causal softmax attention."""
    n_q, n_k = q.shape[-2], k.shape[-2]
    scores = torch.matmul(q, k.transpose(-1, -2)).float() * scale
    if n_k > 1:
        rows = torch.arange(first, first + n_q, device=q.device)[:, None]
        future = torch.arange(n_k, device=q.device)[None, :] > rows
        scores = scores.masked_fill(future, float("-inf"))
    return torch.matmul(torch.softmax(scores, dim=-1).to(v.dtype), v)


def _eager(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, segments: List[List[int]]) -> torch.Tensor:
    scale = 1.0 / math.sqrt(q.shape[-1])
    rows = []
    for b, lengths in enumerate(segments):
        outs = []
        at = 0
        for n in lengths:
            qs, ks, vs = q[b, :, at : at + n], k[b, :, at : at + n], v[b, :, at : at + n]
            for first in range(0, n, EAGER_QUERY_BLOCK):
                last = min(first + EAGER_QUERY_BLOCK, n)
                outs.append(_causal_block(qs[:, first:last], ks[:, :last], vs[:, :last], first, scale))
            at += n
        rows.append(torch.cat(outs, dim=1) if len(outs) > 1 else outs[0])
    return torch.stack(rows, dim=0)


def attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, meta: AttentionMeta) -> torch.Tensor:
    """q: [B,H,T,D], k/v: [B,Hkv,T,D] -> [B,H,T,D]."""
    n_rep = q.shape[1] // k.shape[1]
    if meta.backend == "flex":
        fn = _flex_fn()
        if _flex_gqa:
            return fn(q, k, v, block_mask=meta.block_mask, enable_gqa=n_rep > 1)
        return fn(q, repeat_kv(k, n_rep), repeat_kv(v, n_rep), block_mask=meta.block_mask)
    k, v = repeat_kv(k, n_rep), repeat_kv(v, n_rep)
    if meta.backend == "sdpa":
        return F.scaled_dot_product_attention(q, k, v, attn_mask=meta.mask)
    return _eager(q, k, v, meta.segments or [])
