"""Atomic checkpoints: <out>/checkpoints/step-XXXXXX/{checkpoint.pt,state.json}.

Written into step-XXXXXX.tmp/, fsynced, then renamed: a crash leaves either the
previous checkpoints or a complete new one, never a half-written directory that
looks valid.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
from typing import Any, Dict, List, Optional

import torch

FORMAT = "foxden.checkpoint/1"
_NAME = re.compile(r"^step-(\d{6,})$")


def checkpoints_dir(out: str) -> str:
    return os.path.join(out, "checkpoints")


def list_checkpoints(out: str) -> List[str]:
    root = checkpoints_dir(out)
    if not os.path.isdir(root):
        return []
    found = []
    for name in os.listdir(root):
        m = _NAME.match(name)
        if m and os.path.isfile(os.path.join(root, name, "state.json")):
            found.append((int(m.group(1)), os.path.join(root, name)))
    return [p for _, p in sorted(found)]


def latest_checkpoint(out: str) -> Optional[str]:
    found = list_checkpoints(out)
    return found[-1] if found else None


def rng_state() -> Dict[str, Any]:
    state: Dict[str, Any] = {"python": random.getstate(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: Dict[str, Any]) -> None:
    random.setstate(state["python"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def model_state(model: torch.nn.Module) -> Dict[str, torch.Tensor]:
    # torch.compile(model) wraps names in "_orig_mod."; checkpoints keep the plain names.
    return {k.replace("_orig_mod.", ""): v.detach().cpu() for k, v in model.state_dict().items()}


def _fsync_file(path: str) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save_checkpoint(
    out: str, step: int, model: torch.nn.Module, optimizer: torch.optim.Optimizer, state: Dict[str, Any], keep: int = 3
) -> str:
    """state: the state.json fields besides format/step; returns the final directory."""
    root = checkpoints_dir(out)
    os.makedirs(root, exist_ok=True)
    final = os.path.join(root, f"step-{step:06d}")
    tmp = final + ".tmp"
    if os.path.exists(tmp):
        shutil.rmtree(tmp)
    os.makedirs(tmp)
    blob = {"format": FORMAT, "step": step, "model": model_state(model), "optimizer": optimizer.state_dict(), "rng": rng_state()}
    pt = os.path.join(tmp, "checkpoint.pt")
    torch.save(blob, pt)
    _fsync_file(pt)
    meta = dict(state)
    meta.update({"format": FORMAT, "step": step})
    js = os.path.join(tmp, "state.json")
    with open(js, "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=2, sort_keys=True)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    _fsync_dir(tmp)
    if os.path.exists(final):  # a rerun of the same step replaces it
        shutil.rmtree(final)
    os.rename(tmp, final)
    _fsync_dir(root)
    prune(out, keep)
    return final


def prune(out: str, keep: int) -> None:
    if keep <= 0:
        return
    for path in list_checkpoints(out)[:-keep]:
        shutil.rmtree(path, ignore_errors=True)


def read_state(ckpt_dir: str) -> Dict[str, Any]:
    path = os.path.join(ckpt_dir, "state.json")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{ckpt_dir}: no state.json (not a foxden checkpoint directory)")
    with open(path, "r", encoding="utf-8") as f:
        state = json.load(f)
    if state.get("format") != FORMAT:
        raise ValueError(f"{path}: format {state.get('format')!r}, expected {FORMAT!r}")
    return state


def load_blob(ckpt_dir: str, map_location: Any = "cpu") -> Dict[str, Any]:
    path = os.path.join(ckpt_dir, "checkpoint.pt")
    kwargs: Dict[str, Any] = {"map_location": map_location}
    # The blob holds python RNG state (tuples); torch >= 2.6 defaults to weights_only=True.
    import inspect

    if "weights_only" in inspect.signature(torch.load).parameters:
        kwargs["weights_only"] = False
    return torch.load(path, **kwargs)
