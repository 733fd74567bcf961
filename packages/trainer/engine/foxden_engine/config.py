"""Presets: model shape and training hyper-parameters, loaded from JSON."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional

PRESETS_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "presets"))


class ConfigError(ValueError):
    """A preset or option the engine refuses before training."""


@dataclass
class ModelConfig:
    layers: int
    hidden: int
    intermediate: int
    heads: int
    kv_heads: int
    norm_eps: float = 1e-5
    rope_theta: float = 10000.0
    tie_embeddings: bool = True
    vocab_size: Optional[int] = None
    init_std: float = 0.02

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads

    def validate(self) -> None:
        if self.hidden % self.heads != 0:
            raise ConfigError(f"model.hidden {self.hidden} is not a multiple of model.heads {self.heads}")
        if self.heads % self.kv_heads != 0:
            raise ConfigError(f"model.heads {self.heads} is not a multiple of model.kv_heads {self.kv_heads}")
        if self.head_dim % 2 != 0:
            raise ConfigError(f"head_dim {self.head_dim} must be even for RoPE")


@dataclass
class TrainConfig:
    batch_tokens: int = 16384
    micro_batch_tokens: int = 16384
    lr: float = 3e-4
    min_lr_ratio: float = 0.1
    warmup_steps: int = 100
    weight_decay: float = 0.1
    betas: List[float] = field(default_factory=lambda: [0.9, 0.95])
    eps: float = 1e-8
    grad_clip: float = 1.0
    checkpoint_every: int = 500
    ce_chunk_tokens: int = 4096
    stages: Dict[str, Dict[str, Any]] = field(default_factory=dict)

    def lr_scale(self, stage_index: int, stage_name: str) -> float:
        over = self.stages.get(stage_name, self.stages.get(str(stage_index), {}))
        return float(over.get("lr_scale", 1.0))


@dataclass
class Preset:
    name: str
    model: ModelConfig
    train: TrainConfig
    source: str = ""

    def to_dict(self) -> Dict[str, Any]:
        return {"name": self.name, "model": asdict(self.model), "train": asdict(self.train)}


def _pick(cls: type, raw: Dict[str, Any], where: str) -> Dict[str, Any]:
    known = set(cls.__dataclass_fields__)  # type: ignore[attr-defined]
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown keys {unknown}")
    return dict(raw)


def preset_from_dict(raw: Dict[str, Any], source: str = "") -> Preset:
    if not isinstance(raw.get("model"), dict) or not isinstance(raw.get("train"), dict):
        raise ConfigError(f"preset {source or raw.get('name')}: needs 'model' and 'train' objects")
    try:
        model = ModelConfig(**_pick(ModelConfig, raw["model"], f"preset {source} model"))
        train = TrainConfig(**_pick(TrainConfig, raw["train"], f"preset {source} train"))
    except TypeError as error:
        raise ConfigError(f"preset {source}: {error}") from error
    model.validate()
    return Preset(name=str(raw.get("name", os.path.basename(source))), model=model, train=train, source=source)


def load_preset(name_or_path: str) -> Preset:
    """A preset name (presets/<name>.json) or a path to a JSON file."""
    path = name_or_path
    if not os.path.isfile(path):
        path = os.path.join(PRESETS_DIR, f"{name_or_path}.json")
    if not os.path.isfile(path):
        names = sorted(f[:-5] for f in os.listdir(PRESETS_DIR) if f.endswith(".json")) if os.path.isdir(PRESETS_DIR) else []
        raise ConfigError(f"preset {name_or_path!r} is neither a file nor one of {names} in {PRESETS_DIR}")
    with open(path, "r", encoding="utf-8") as f:
        try:
            raw = json.load(f)
        except json.JSONDecodeError as error:
            raise ConfigError(f"preset {path}: not JSON ({error})") from error
    return preset_from_dict(raw, source=path)


def param_count(model: ModelConfig, vocab_size: int) -> int:
    """Parameters by formula (no allocation); a tied embedding counts once."""
    d, hd = model.hidden, model.head_dim
    attn = d * model.heads * hd * 2 + d * model.kv_heads * hd * 2
    mlp = 3 * d * model.intermediate
    per_layer = attn + mlp + 2 * d
    head = 0 if model.tie_embeddings else vocab_size * d
    return vocab_size * d + model.layers * per_layer + d + head


def flops_per_token(model: ModelConfig, vocab_size: int, seq_len: int) -> float:
    """Training FLOPs per token: 6N for the matmuls plus 12*L*d*T for attention scores (PaLM appendix B)."""
    return 6.0 * param_count(model, vocab_size) + 12.0 * model.layers * model.hidden * seq_len
