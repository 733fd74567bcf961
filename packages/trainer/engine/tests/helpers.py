"""Shared tiny shapes for the engine tests."""

from __future__ import annotations

import json
import os
import random
from typing import Any, Dict, List, Optional, Tuple

import torch

from feedwriter import random_rows
from foxden_engine.config import ModelConfig

TINY_MODEL = dict(layers=2, hidden=32, intermediate=48, heads=4, kv_heads=2, norm_eps=1e-5, rope_theta=10000.0,
                  tie_embeddings=True, vocab_size=None, init_std=0.05)
TINY_TRAIN = dict(batch_tokens=256, micro_batch_tokens=64, lr=3e-3, min_lr_ratio=0.1, warmup_steps=2, weight_decay=0.1,
                  betas=[0.9, 0.95], eps=1e-8, grad_clip=1.0, checkpoint_every=100, ce_chunk_tokens=37, stages={})


def tiny_config(**over: Any) -> ModelConfig:
    return ModelConfig(**{**TINY_MODEL, **over})


def write_preset(directory: str, model: Optional[Dict[str, Any]] = None, train: Optional[Dict[str, Any]] = None) -> str:
    path = os.path.join(directory, "preset.json")
    with open(path, "w") as f:
        json.dump({"name": "test-tiny", "model": {**TINY_MODEL, **(model or {})}, "train": {**TINY_TRAIN, **(train or {})}}, f)
    return path


def packed_batch(R: int, T: int, vocab: int, seed: int = 0, max_doc: Optional[int] = None) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, List[List[int]]]:
    """input_ids, labels, position_ids, document_ids, per-row segment lengths."""
    rows = random_rows(random.Random(seed), R, T, vocab, max_doc=max_doc)
    ids = torch.tensor(rows["input_ids"]).view(R, T)
    labels = torch.tensor(rows["labels"]).view(R, T)
    pos = torch.tensor(rows["position_ids"]).view(R, T)
    segs: List[List[int]] = []
    at = 0
    for n in rows["row_segments"]:
        segs.append(rows["segment_lengths"][at : at + n])
        at += n
    docs = torch.zeros(R, T, dtype=torch.int32)
    for b, lens in enumerate(segs):
        o = 0
        for j, n in enumerate(lens):
            docs[b, o : o + n] = j
            o += n
    return ids, labels, pos, docs, segs
