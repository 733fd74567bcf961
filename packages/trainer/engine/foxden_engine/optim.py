"""AdamW, the learning-rate schedule, gradient clipping."""

from __future__ import annotations

import inspect
import math
from typing import Iterable, List, Tuple

import torch

from .config import TrainConfig


def build_optimizer(model: torch.nn.Module, cfg: TrainConfig, device: torch.device) -> Tuple[torch.optim.Optimizer, bool]:
    """AdamW; weight decay on matrices (>= 2-D, the tied embedding included), none on norm gains.

    Decaying a norm gain pulls it toward 0, i.e. shrinks the whole layer: no benefit, so
    vectors are exempt. The embedding is a matrix like the others, and when tied it is
    also the output head, which is decayed in every LLaMA-style recipe.
    Returns (optimizer, fused).
    """
    decay: List[torch.nn.Parameter] = []
    keep: List[torch.nn.Parameter] = []
    for p in model.parameters():
        if p.requires_grad:
            (decay if p.dim() >= 2 else keep).append(p)
    groups = [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": keep, "weight_decay": 0.0}]
    kwargs = {}
    fused = device.type == "cuda" and "fused" in inspect.signature(torch.optim.AdamW).parameters
    if fused:
        kwargs["fused"] = True
    opt = torch.optim.AdamW(groups, lr=cfg.lr, betas=(float(cfg.betas[0]), float(cfg.betas[1])), eps=cfg.eps, **kwargs)
    return opt, fused


def lr_at(step: int, total_steps: int, cfg: TrainConfig, scale: float = 1.0) -> float:
    """LR for the optimizer step that makes `step` (0-based) complete steps into `step + 1`.

    Linear warm-up over warmup_steps, then cosine to min_lr_ratio * lr at total_steps.
    """
    peak = cfg.lr
    if cfg.warmup_steps > 0 and step < cfg.warmup_steps:
        return peak * scale * (step + 1) / cfg.warmup_steps
    span = max(1, total_steps - cfg.warmup_steps)
    progress = min(1.0, max(0.0, (step - cfg.warmup_steps) / span))
    ratio = cfg.min_lr_ratio + (1.0 - cfg.min_lr_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))
    return peak * ratio * scale


def set_lr(opt: torch.optim.Optimizer, lr: float) -> None:
    for group in opt.param_groups:
        group["lr"] = lr


def clip_grad_norm(params: Iterable[torch.nn.Parameter], max_norm: float) -> torch.Tensor:
    """Total grad norm as a device tensor (no host sync); clips when max_norm > 0."""
    params = [p for p in params if p.grad is not None]
    if max_norm > 0:
        kwargs = {"foreach": True} if "foreach" in inspect.signature(torch.nn.utils.clip_grad_norm_).parameters and params and params[0].is_cuda else {}
        return torch.nn.utils.clip_grad_norm_(params, max_norm, **kwargs)
    norms = [torch.linalg.vector_norm(p.grad.detach(), 2.0) for p in params]
    return torch.linalg.vector_norm(torch.stack(norms), 2.0) if norms else torch.zeros(())
