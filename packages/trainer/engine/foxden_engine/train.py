"""`python3 -m foxden_engine train`: the training loop over a foxden.feed/1 stream.

stdout carries only JSON lines (events); logs go to stderr.
Exit codes: 0 done, 1 unexpected error, 2 refused (options, preset, feed, checkpoint),
3 out of memory in the preflight, 4 PyTorch missing (see __main__).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sys
import time
from typing import Any, BinaryIO, Callable, Dict, List, Optional, TextIO

import torch

from . import checkpoint as ckpt
from .attention import build_meta, resolve_backend
from .config import ConfigError, Preset, flops_per_token, load_preset, param_count
from .feed import Batch, FeedError, FeedReader, Prefetcher, StageEnd
from .loss import IGNORE, chunked_cross_entropy
from .model import FoxModel
from .optim import build_optimizer, clip_grad_norm, lr_at, set_lr

PEAK_BF16_H100_H200 = 989e12


class EngineExit(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def tune_cpu() -> None:
    """Every core for intra-op work (Debian's torch starts with one thread).

    The controller also sets glibc's MALLOC_* thresholds for the engine on the CPU:
    tensors of tens of MB are allocated and freed every micro-batch, and by default
    glibc maps each fresh and unmaps it on free, page-faulting the working set again
    every step (measured: exp over 33M floats 0.37 s, 0.014 s once the heap keeps them).
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    torch.set_num_threads(max(1, cores))


def log(msg: str) -> None:
    print(f"foxden engine: {msg}", file=sys.stderr, flush=True)


class Emitter:
    def __init__(self, stream: TextIO, enabled: bool = True) -> None:
        self.stream = stream
        self.enabled = enabled
        self.events: List[Dict[str, Any]] = []

    def __call__(self, event: str, **fields: Any) -> None:
        record = {"event": event, **fields}
        self.events.append(record)
        if self.enabled:
            self.stream.write(json.dumps(record, separators=(",", ":")) + "\n")
            self.stream.flush()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python3 -m foxden_engine train", description="Train from a foxden.feed/1 stream on stdin.")
    p.add_argument("--preset", required=True, help="preset name (presets/<name>.json) or path to a preset JSON file")
    p.add_argument("--device", default="cpu", help="cpu | cuda | cuda:N (default cpu)")
    p.add_argument("--out", required=True, help="output directory; checkpoints go to <out>/checkpoints")
    p.add_argument("--feed", default=None, help="read the feed from this file instead of stdin")
    p.add_argument("--resume", default=None, help="checkpoint directory to resume from")
    p.add_argument("--checkpoint-every", type=int, default=None, help="steps between checkpoints (default: preset train.checkpoint_every)")
    p.add_argument("--keep", type=int, default=3, help="newest checkpoints to keep (default 3; 0 keeps all)")
    p.add_argument("--compile", action="store_true", help="torch.compile the decoder layers (torch >= 2)")
    p.add_argument("--attention", default="auto", choices=["auto", "flex", "sdpa", "eager"])
    p.add_argument("--micro-batch-tokens", type=int, default=None, help="tokens per micro-batch (default: preset)")
    p.add_argument("--vocab-size", type=int, default=None, help="model vocabulary (default: preset, else the tokenizer's)")
    p.add_argument("--allow-data-change", action="store_true", help="resume against a different feed fingerprint")
    p.add_argument("--peak-tflops", type=float, default=None, help="device peak TFLOP/s for MFU (default: 989 on H100/H200)")
    p.add_argument("--dtype", default="auto", choices=["auto", "fp32", "bf16"], help="auto: bf16 autocast on CUDA, fp32 on CPU")
    p.add_argument("--seed", type=int, default=None, help="RNG seed (default: the feed header's seed)")
    return p


def resolve_vocab(preset: Preset, header: Dict[str, Any], override: Optional[int]) -> int:
    tok = header.get("tokenizer") or {}
    vocab = override or preset.model.vocab_size or header.get("vocab_size") or tok.get("vocab_size")
    if not vocab or int(vocab) <= 0:
        raise EngineExit(2, "no vocabulary size: the preset has model.vocab_size null and the feed header names none; pass --vocab-size")
    vocab = int(vocab)
    tok_vocab = tok.get("vocab_size") or header.get("vocab_size")
    if tok_vocab and int(tok_vocab) > vocab:
        raise EngineExit(2, f"tokenizer vocabulary {tok_vocab} is larger than the model's embedding {vocab} (preset {preset.name}); ids >= {vocab} would have no embedding")
    return vocab


def loader_after(batch: Batch, stages: Dict[int, Dict[str, Any]], fingerprint: str) -> Dict[str, Any]:
    budget = int(stages.get(batch.stage, {}).get("budget_tokens", 0) or 0)
    if budget and batch.tokens_after >= budget:
        return {"fingerprint": fingerprint, "stage": batch.stage + 1, "tokens": 0}
    return {"fingerprint": fingerprint, "stage": batch.stage, "tokens": batch.tokens_after}


def micro_rows(rows: int, seq_len: int, micro_tokens: int) -> int:
    m = max(1, min(rows, micro_tokens // seq_len))
    if rows % m != 0:
        raise EngineExit(2, f"micro-batch of {m} rows ({micro_tokens} tokens / seq_len {seq_len}) does not divide the rank's {rows} rows; change --micro-batch-tokens")
    return m


def _is_oom(error: BaseException) -> bool:
    oom = getattr(torch.cuda, "OutOfMemoryError", None)
    return (oom is not None and isinstance(error, oom)) or (isinstance(error, RuntimeError) and "out of memory" in str(error).lower())


def _device_name(device: torch.device) -> str:
    return torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"


class Trainer:
    def __init__(self, args: argparse.Namespace, header: Dict[str, Any], emit: Emitter) -> None:
        self.args = args
        self.header = header
        self.emit = emit
        try:
            self.preset = load_preset(args.preset)
        except ConfigError as error:
            raise EngineExit(2, str(error)) from error
        self.vocab = resolve_vocab(self.preset, header, args.vocab_size)
        self.preset.model.vocab_size = self.vocab
        self.tcfg = self.preset.train
        self.stages: Dict[int, Dict[str, Any]] = {int(s.get("index", i)): s for i, s in enumerate(header.get("stages") or [])}
        if not self.stages:
            raise EngineExit(2, "feed header lists no stages")
        self.total_steps = sum(int(s.get("steps", 0) or 0) for s in self.stages.values())
        self.fingerprint = str(header.get("fingerprint", ""))
        self.micro_tokens = int(args.micro_batch_tokens or self.tcfg.micro_batch_tokens)
        self.checkpoint_every = int(args.checkpoint_every if args.checkpoint_every is not None else self.tcfg.checkpoint_every)

        self.device = torch.device(args.device)
        if self.device.type == "cuda" and not torch.cuda.is_available():
            raise EngineExit(2, f"--device {args.device}: CUDA is not available to torch {torch.__version__}")
        if self.device.type == "cuda":
            if self.device.index is None:
                self.device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", torch.cuda.current_device())))
            torch.cuda.set_device(self.device)
        dtype = args.dtype if args.dtype != "auto" else ("bf16" if self.device.type == "cuda" else "fp32")
        self.dtype_name = dtype
        self.compute_dtype = torch.bfloat16 if dtype == "bf16" else None

        self.world, self.rank = self._init_distributed()
        if int(header.get("world", 1)) != self.world or int(header.get("rank", 0)) != self.rank:
            raise EngineExit(2, f"feed is for rank {header.get('rank')} of {header.get('world')}, this engine is rank {self.rank} of {self.world}")

        self.seed = int(args.seed if args.seed is not None else header.get("seed", 0))
        random.seed(self.seed)
        torch.manual_seed(self.seed)
        if self.device.type == "cpu":
            # Bit-identical resume on CPU; warn_only keeps ops without a deterministic kernel usable.
            torch.use_deterministic_algorithms(True, warn_only=True)
            tune_cpu()
        else:
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True

        if self.device.type == "cuda" and hasattr(torch.device, "__enter__"):
            with self.device:  # torch >= 2.0: initialise on the GPU, not 1.6B normals on the host
                self.model = FoxModel(self.preset.model, self.vocab)
        else:
            self.model = FoxModel(self.preset.model, self.vocab).to(self.device)
        try:
            self.backend = resolve_backend(args.attention, self.device, self.preset.model.head_dim)
        except ValueError as error:
            raise EngineExit(2, str(error)) from error
        self.compiled = self._maybe_compile()
        self.ddp: Optional[torch.nn.Module] = None
        if self.world > 1:
            from torch.nn.parallel import DistributedDataParallel

            self.ddp = DistributedDataParallel(self.model, device_ids=[self.device.index] if self.device.type == "cuda" else None)
        self.optimizer, self.fused = build_optimizer(self.model, self.tcfg, self.device)
        self.n_params = param_count(self.preset.model, self.vocab)
        self.peak = self._peak_flops()

        self.step = 0
        self.tokens_total = 0
        self.loader: Dict[str, Any] = {"fingerprint": self.fingerprint, **{k: int((header.get("start") or {}).get(k, 0)) for k in ("stage", "tokens")}}
        self.metrics: Dict[str, Any] = {}
        self.max_seq_len = max(int(s["seq_len"]) for s in self.stages.values())
        self.saved_step = -1
        self.resumed_from: Optional[str] = None
        for s in self.stages.values():  # refuse a bad micro-batch size before any step
            rows = int(s.get("rows_per_batch", 0) or 0) // self.world
            if rows:
                micro_rows(rows, int(s["seq_len"]), self.micro_tokens)

    # --- setup helpers -------------------------------------------------------------

    def _init_distributed(self) -> "tuple[int, int]":
        world = int(os.environ.get("WORLD_SIZE", "1"))
        if world <= 1:
            return 1, 0
        import torch.distributed as dist

        if not dist.is_initialized():
            dist.init_process_group(backend="nccl" if self.device.type == "cuda" else "gloo")
        return dist.get_world_size(), dist.get_rank()

    def _maybe_compile(self) -> bool:
        if not self.args.compile:
            return False
        if not hasattr(torch, "compile"):
            log(f"--compile ignored: torch {torch.__version__} has no torch.compile")
            return False
        if self.backend == "eager":
            log("--compile ignored with eager attention: its per-segment loop would recompile for every batch")
            return False
        dynamo = getattr(torch, "_dynamo", None)
        config = getattr(dynamo, "config", None)
        if config is not None and hasattr(config, "cache_size_limit"):
            # Every layer shares Module._call_impl's code object; each stage's seq_len is one more entry.
            config.cache_size_limit = max(int(config.cache_size_limit), 8 * max(1, len(self.stages)))
        if hasattr(torch.nn.Module, "compile"):
            self.model.compile_layers()
        else:
            self.model = torch.compile(self.model, dynamic=False)  # type: ignore[assignment]
        return True

    def _peak_flops(self) -> Optional[float]:
        if self.args.peak_tflops:
            return float(self.args.peak_tflops) * 1e12
        if self.device.type == "cuda":
            name = _device_name(self.device)
            if "H100" in name or "H200" in name:
                return PEAK_BF16_H100_H200
        return None

    @property
    def raw_model(self) -> FoxModel:
        return getattr(self.model, "_orig_mod", self.model)  # type: ignore[return-value]

    def autocast(self) -> Any:
        if self.compute_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.compute_dtype)

    # --- resume -------------------------------------------------------------------

    def resume(self, path: str) -> None:
        try:
            state = ckpt.read_state(path)
        except (OSError, ValueError) as error:
            raise EngineExit(2, f"--resume {path}: {error}") from error
        if state.get("fingerprint") != self.fingerprint and not self.args.allow_data_change:
            raise EngineExit(2, f"--resume {path}: checkpoint fingerprint {state.get('fingerprint')} differs from the feed's {self.fingerprint}; the data changed (pass --allow-data-change to resume anyway)")
        loader = state.get("loader") or {}
        start = self.header.get("start") or {}
        if (int(start.get("stage", 0)), int(start.get("tokens", 0))) != (int(loader.get("stage", -1)), int(loader.get("tokens", -1))):
            raise EngineExit(2, f"--resume {path}: the feed starts at stage {start.get('stage')} tokens {start.get('tokens')}, the checkpoint's loader is at stage {loader.get('stage')} tokens {loader.get('tokens')}")
        saved_model = (state.get("preset") or {}).get("model")
        mine = self.preset.to_dict()["model"]
        if saved_model and {k: saved_model.get(k) for k in mine if k != "init_std"} != {k: v for k, v in mine.items() if k != "init_std"}:
            raise EngineExit(2, f"--resume {path}: checkpoint model {saved_model} differs from preset {self.preset.name} {mine}")
        blob = ckpt.load_blob(path, map_location="cpu")
        self.raw_model.load_state_dict(blob["model"])
        self.optimizer.load_state_dict(blob["optimizer"])
        ckpt.set_rng_state(blob["rng"])
        self.step = int(blob["step"])
        self.tokens_total = int(state.get("tokens_total", 0))
        self.loader = {"fingerprint": self.fingerprint, "stage": int(loader["stage"]), "tokens": int(loader["tokens"])}
        self.metrics = state.get("metrics") or {}
        self.saved_step = self.step
        self.resumed_from = path

    # --- compute ------------------------------------------------------------------

    def forward_loss(self, ids: torch.Tensor, labels: torch.Tensor, pos: torch.Tensor, docs: Optional[torch.Tensor], segments: List[List[int]]) -> torch.Tensor:
        """Summed token loss of one micro-batch (device tensors)."""
        meta = build_meta(self.backend, docs if docs is not None else ids, segments)
        net = self.ddp if self.ddp is not None else self.model
        with self.autocast():
            hidden = net(ids, pos, meta)
        return chunked_cross_entropy(hidden.reshape(-1, hidden.shape[-1]), self.raw_model.output_weight, labels.reshape(-1), self.tcfg.ce_chunk_tokens, self.compute_dtype, fused=self.compiled and self.device.type == "cuda")

    def _to_device(self, t: torch.Tensor) -> torch.Tensor:
        return t.to(self.device, non_blocking=True)

    def preflight(self) -> None:
        T = self.max_seq_len
        longest = max(self.stages.values(), key=lambda s: int(s["seq_len"]))
        rank_rows = max(1, int(longest.get("rows_per_batch", 0) or (int(self.header.get("batch_tokens", T)) // T)) // self.world)
        m = max(1, min(rank_rows, self.micro_tokens // T))
        gen = torch.Generator().manual_seed(self.seed + 1)  # separate: the training RNG stays untouched
        ids = torch.randint(0, self.vocab, (m, T), generator=gen)
        labels = torch.full((m, T), IGNORE, dtype=torch.long)
        labels[:, :-1] = ids[:, 1:]
        pos = torch.arange(T).expand(m, T).contiguous()
        docs = torch.zeros(m, T, dtype=torch.int32)
        t0 = time.perf_counter()
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)
        try:
            loss = self.forward_loss(self._to_device(ids), self._to_device(labels), self._to_device(pos), self._to_device(docs) if self.backend != "eager" else None, [[T]] * m)
            loss.backward()
            if self.device.type == "cuda":
                torch.cuda.synchronize(self.device)
        except Exception as error:
            if _is_oom(error):
                raise EngineExit(3, f"out of memory in the preflight at the largest micro-batch ({m} rows x {T} tokens, preset {self.preset.name}, {self.dtype_name}): lower --micro-batch-tokens or use a smaller preset ({error})") from error
            raise
        finally:
            self.optimizer.zero_grad(set_to_none=True)
        peak_mem = torch.cuda.max_memory_allocated(self.device) if self.device.type == "cuda" else None
        self.emit("preflight", seq_len=T, rows=m, tokens=m * T, seconds=round(time.perf_counter() - t0, 3), peak_memory_bytes=peak_mem)

    def train_batch(self, batch: Batch) -> "tuple[float, float, float]":
        R, T = batch.input_ids.shape
        m = micro_rows(R, T, self.micro_tokens)
        count = int((batch.labels != IGNORE).sum())
        if self.world > 1:
            import torch.distributed as dist

            c = torch.tensor([count], dtype=torch.long, device=self.device)
            dist.all_reduce(c)
            count = int(c.item())
        # DDP averages gradients over ranks; the loss is a global sum / global count, so undo the average.
        scale = float(self.world) / max(count, 1)
        segments = batch.row_segment_lengths() if self.backend == "eager" else []
        total = torch.zeros((), dtype=torch.float32, device=self.device)
        n_micro = R // m
        for j in range(n_micro):
            rows = slice(j * m, (j + 1) * m)
            docs = self._to_device(batch.document_ids[rows]) if self.backend != "eager" else None
            sync = contextlib.nullcontext() if self.ddp is None or j == n_micro - 1 else self.ddp.no_sync()  # type: ignore[operator]
            with sync:
                loss_sum = self.forward_loss(self._to_device(batch.input_ids[rows]), self._to_device(batch.labels[rows]), self._to_device(batch.position_ids[rows]), docs, segments[rows] if segments else [])
                (loss_sum * scale).backward()
            total = total + loss_sum.detach()
        grad_norm = clip_grad_norm(self.model.parameters(), self.tcfg.grad_clip)
        name = str(self.stages.get(batch.stage, {}).get("name", batch.stage))
        lr = lr_at(self.step, self.total_steps, self.tcfg, self.tcfg.lr_scale(batch.stage, name))
        set_lr(self.optimizer, lr)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        if self.world > 1:
            import torch.distributed as dist

            dist.all_reduce(total)
        loss, gn = torch.stack([total / max(count, 1), grad_norm.detach().float().to(total.device)]).tolist()  # the one host sync per step
        return loss, gn, lr

    # --- loop ---------------------------------------------------------------------

    def save(self) -> None:
        if self.step == self.saved_step:
            return
        if self.rank == 0:
            state = {
                "fingerprint": self.fingerprint,
                "loader": self.loader,
                "preset": self.preset.to_dict(),
                "tokenizer": self.header.get("tokenizer"),
                "tokenizer_path": self.header.get("tokenizer_path"),
                "metrics": self.metrics,
                "tokens_total": self.tokens_total,
                "max_seq_len": self.max_seq_len,
                "stages": [{k: s.get(k) for k in ("index", "name", "seq_len")} for s in self.stages.values()],
            }
            path = ckpt.save_checkpoint(self.args.out, self.step, self.raw_model, self.optimizer, state, keep=self.args.keep)
            self.emit("checkpoint", step=self.step, path=path)
        if self.world > 1:
            import torch.distributed as dist

            dist.barrier()
        self.saved_step = self.step

    def start_event(self) -> None:
        self.emit(
            "start", preset=self.preset.name, params=self.n_params, vocab_size=self.vocab, layers=self.preset.model.layers,
            hidden=self.preset.model.hidden, attention=self.backend, device=str(self.device), device_name=_device_name(self.device),
            dtype=self.dtype_name, torch=torch.__version__, compile=self.compiled, fused_adamw=self.fused,
            batch_tokens=self.header.get("batch_tokens"), micro_batch_tokens=self.micro_tokens, total_steps=self.total_steps,
            start_step=self.step, start=self.header.get("start"), seed=self.seed, world=self.world, rank=self.rank,
            checkpoint_every=self.checkpoint_every, resumed_from=self.resumed_from, out=self.args.out,
        )

    def run(self, reader: FeedReader) -> None:
        feed = Prefetcher(reader.events(), depth=2, pin_memory=self.device.type == "cuda")
        last = time.perf_counter()
        feed.take_wait()
        for event in feed:
            if isinstance(event, StageEnd):
                name = self.stages.get(event.stage, {}).get("name")
                self.emit("stage_end", stage=event.stage, stage_name=name, step=self.step)
                if self.checkpoint_every > 0:  # 0: no checkpoints at all (benchmarks)
                    self.save()
                continue
            batch = event
            if batch.step != self.step:
                log(f"warning: feed batch is global step {batch.step}, the engine has completed {self.step} steps")
            loss, gn, lr = self.train_batch(batch)
            self.step += 1
            now = time.perf_counter()
            step_s = now - last
            last = now
            tokens = batch.tokens_after - batch.tokens_before
            self.tokens_total += tokens
            self.loader = loader_after(batch, self.stages, self.fingerprint)
            tps = tokens / step_s if step_s > 0 else 0.0
            mfu = tps * flops_per_token(self.preset.model, self.vocab, batch.seq_len) / (self.peak * self.world) if self.peak else None
            stage = self.stages.get(batch.stage, {})
            self.metrics = {
                "step": self.step, "stage": batch.stage, "stage_name": stage.get("name"), "seq_len": batch.seq_len,
                "loss": loss, "lr": lr, "grad_norm": gn, "tokens": tokens, "tokens_total": self.tokens_total,
                "stage_tokens": batch.tokens_after, "step_s": round(step_s, 6), "data_wait_s": round(feed.take_wait(), 6),
                "tokens_per_s": round(tps, 3), "mfu": mfu, "batch_sha256": batch.raw_sha256,
            }
            if self.rank == 0:
                self.emit("step", **self.metrics)
            if self.checkpoint_every > 0 and self.step % self.checkpoint_every == 0:
                self.save()
        if self.checkpoint_every > 0:
            self.save()
        self.emit("done", steps=self.step, tokens_total=self.tokens_total)


def run(args: argparse.Namespace, fp: BinaryIO, emit: Emitter) -> None:
    try:
        reader = FeedReader(fp, name=args.feed or "stdin")
    except FeedError as error:
        raise EngineExit(2, str(error)) from error
    trainer = Trainer(args, reader.header, emit)
    if args.resume:
        trainer.resume(args.resume)
    trainer.start_event()
    trainer.preflight()
    try:
        trainer.run(reader)
    except FeedError as error:
        raise EngineExit(2, str(error)) from error


def main(argv: List[str], feed: Optional[BinaryIO] = None, stdout: Optional[TextIO] = None, emit: Optional[Emitter] = None) -> int:
    args = build_parser().parse_args(argv)
    emitter = emit or Emitter(stdout or sys.stdout)
    opened: Optional[BinaryIO] = None
    try:
        if feed is None:
            if args.feed:
                opened = open(args.feed, "rb")
                feed = opened
            else:
                feed = sys.stdin.buffer
        run(args, feed, emitter)
        return 0
    except EngineExit as error:
        log(f"error: {error.message}")
        emitter("error", code=error.code, message=error.message)
        return error.code
    finally:
        if opened is not None:
            opened.close()
