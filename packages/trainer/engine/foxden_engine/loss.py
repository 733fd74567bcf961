"""Chunked linear cross-entropy: the head and the loss without full-batch fp32 logits.

At vocab 256K a 16K-token batch has 4.2G logits; in fp32 that is 16 GiB, plus as
much again for their gradient. This computes logits one token chunk at a time and
derives both gradients in the same pass, so only one chunk's logits ever live.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Tuple

import torch

IGNORE = -100
ChunkMath = Callable[[torch.Tensor, torch.Tensor, torch.dtype], Tuple[torch.Tensor, torch.Tensor]]


def _chunk_math_eager(logits: torch.Tensor, y: torch.Tensor, grad_dtype: torch.dtype) -> Tuple[torch.Tensor, torch.Tensor]:
    """(summed loss, d loss / d logits in grad_dtype) for one chunk; in place where it can be."""
    acc = torch.promote_types(logits.dtype, torch.float32)
    z = logits.to(acc)
    lse = torch.logsumexp(z, dim=-1)
    valid = y != IGNORE
    safe = torch.where(valid, y, torch.zeros_like(y))
    target = z.gather(1, safe[:, None]).squeeze(1)
    loss = torch.where(valid, lse - target, torch.zeros_like(lse)).sum()
    # d(lse - z_y)/dz = softmax(z) - onehot(y); rows with ignored labels get zero.
    g = z.sub_(lse[:, None]).exp_()  # z is a temporary: the chunk's logits are not needed again
    g.mul_(valid[:, None].to(g.dtype))
    g.scatter_add_(1, safe[:, None], -valid[:, None].to(g.dtype))
    return loss, g.to(grad_dtype)


def _chunk_math_fusable(logits: torch.Tensor, y: torch.Tensor, grad_dtype: torch.dtype) -> Tuple[torch.Tensor, torch.Tensor]:
    """Same math written out-of-place so inductor fuses it into two passes over the logits."""
    z = logits.float()
    lse = torch.logsumexp(z, dim=-1)
    valid = y != IGNORE
    safe = torch.where(valid, y, torch.zeros_like(y))
    target = z.gather(1, safe[:, None]).squeeze(1)
    loss = torch.where(valid, lse - target, torch.zeros_like(lse)).sum()
    onehot = (torch.arange(z.shape[1], device=z.device)[None, :] == safe[:, None]).to(z.dtype)
    g = (torch.exp(z - lse[:, None]) - onehot) * valid[:, None].to(z.dtype)
    return loss, g.to(grad_dtype)


_compiled_math: Optional[ChunkMath] = None
_addmm_out_dtype: Optional[bool] = None


def _fused_math() -> ChunkMath:
    global _compiled_math
    if _compiled_math is None:
        _compiled_math = torch.compile(_chunk_math_fusable, dynamic=False)  # type: ignore[assignment]
    return _compiled_math  # type: ignore[return-value]


def _can_addmm_fp32(w: torch.Tensor) -> bool:
    """torch.addmm(out_dtype=float32) on bf16/fp16 CUDA inputs (newer torch): accumulate without a cast pass."""
    global _addmm_out_dtype
    if _addmm_out_dtype is None:
        try:
            a = torch.zeros(2, 2, dtype=w.dtype, device=w.device)
            torch.addmm(torch.zeros(2, 2, device=w.device), a, a, out_dtype=torch.float32)
            _addmm_out_dtype = True
        except (TypeError, RuntimeError):
            _addmm_out_dtype = False
    return _addmm_out_dtype


class ChunkedLinearCE(torch.autograd.Function):
    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any, hidden: torch.Tensor, weight: torch.Tensor, labels: torch.Tensor, chunk: int,
        compute_dtype: Optional[torch.dtype], fused: bool,
    ) -> torch.Tensor:
        dtype = compute_dtype or hidden.dtype
        h_all = hidden.to(dtype)
        w = weight.to(dtype)
        N = h_all.shape[0]
        acc = torch.promote_types(dtype, torch.float32)  # at least fp32 for logsumexp and sums
        math = _fused_math() if fused else _chunk_math_eager
        need_h, need_w = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        mixed = need_w and w.is_cuda and dtype in (torch.bfloat16, torch.float16) and _can_addmm_fp32(w)
        total = torch.zeros((), dtype=acc, device=hidden.device)
        grad_h = torch.empty_like(hidden) if need_h else None
        grad_w: Optional[torch.Tensor] = None
        for start in range(0, N, chunk):
            end = min(start + chunk, N)
            h = h_all[start:end]
            loss, g = math(h @ w.t(), labels[start:end], dtype)
            total = total + loss
            if grad_h is not None:
                grad_h[start:end] = (g @ w).to(hidden.dtype)
            if need_w:
                if mixed:
                    base = grad_w if grad_w is not None else torch.zeros(weight.shape, dtype=acc, device=weight.device)
                    grad_w = torch.addmm(base, g.t(), h, out_dtype=acc)
                else:
                    part = (g.t() @ h).to(acc)
                    grad_w = part if grad_w is None else grad_w.add_(part)
        if need_w and grad_w is None:
            grad_w = torch.zeros(weight.shape, dtype=acc, device=weight.device)
        ctx.save_for_backward(
            grad_h if grad_h is not None else torch.empty(0), grad_w if grad_w is not None else torch.empty(0)
        )
        ctx.weight_dtype = weight.dtype
        return total

    @staticmethod
    def backward(ctx: Any, grad_out: torch.Tensor) -> Tuple[Optional[torch.Tensor], ...]:  # type: ignore[override]
        grad_h, grad_w = ctx.saved_tensors
        gh = grad_h * grad_out.to(grad_h.dtype) if ctx.needs_input_grad[0] else None
        gw = (grad_w * grad_out.to(grad_w.dtype)).to(ctx.weight_dtype) if ctx.needs_input_grad[1] else None
        return gh, gw, None, None, None, None


def chunked_cross_entropy(
    hidden: torch.Tensor, weight: torch.Tensor, labels: torch.Tensor, chunk: int = 4096,
    compute_dtype: Optional[torch.dtype] = None, fused: bool = False,
) -> torch.Tensor:
    """SUM of token losses over labels != -100; hidden [N,d], weight [V,d], labels [N].

    The caller divides by the global label count, so the loss does not depend on
    how a batch is split into micro-batches. compute_dtype (e.g. bf16) is the
    matmul dtype; logsumexp and the loss are always at least fp32. fused=True
    compiles the per-chunk softmax math with torch.compile (torch >= 2, GPU).
    """
    return ChunkedLinearCE.apply(hidden, weight, labels, max(1, int(chunk)), compute_dtype, bool(fused))
