"""Reader for the `foxden.feed/1` batch stream (see docs/trainer.md)."""

from __future__ import annotations

import hashlib
import json
import queue
import struct
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, BinaryIO, Dict, Iterator, List, Optional, Union

import torch

STREAM_MAGIC = b"FOXFEED1"
FRAME_MAGIC = b"FXB1"
FORMAT = "foxden.feed/1"
FRAME_HEADER = struct.Struct("<4sIIIIIQQQQII")
assert FRAME_HEADER.size == 64
KIND_BATCH, KIND_STAGE_END, KIND_END = 1, 2, 3
# A frame larger than this is a corrupt header, not a batch: refuse before allocating it.
MAX_PAYLOAD = 1 << 34


class FeedError(ValueError):
    """The byte stream does not follow foxden.feed/1."""


@dataclass
class Batch:
    stage: int
    seq_len: int
    step: int
    stage_step: int
    tokens_before: int
    tokens_after: int
    input_ids: torch.Tensor  # int64 [R, T]
    labels: torch.Tensor  # int64 [R, T], -100 ignored
    position_ids: torch.Tensor  # int64 [R, T]
    row_segments: torch.Tensor  # int32 [R]
    segment_lengths: torch.Tensor  # int32 [S], row order
    document_ids: torch.Tensor  # int32 [R, T], segment index within its row
    cu_seqlens: torch.Tensor  # int32 [S + 1]
    raw_sha256: str

    @property
    def rows(self) -> int:
        return int(self.input_ids.shape[0])

    def row_segment_lengths(self) -> List[List[int]]:
        lengths = self.segment_lengths.tolist()
        out: List[List[int]] = []
        at = 0
        for n in self.row_segments.tolist():
            out.append(lengths[at : at + n])
            at += n
        return out


@dataclass
class StageEnd:
    stage: int


Event = Union[Batch, StageEnd]


def _to_int32(buf: Union[bytearray, memoryview], offset: int, count: int) -> torch.Tensor:
    if count == 0:
        return torch.zeros(0, dtype=torch.int32)
    t = torch.frombuffer(buf, dtype=torch.int32, count=count, offset=offset)
    # The stream is little-endian; only a big-endian host needs the swap.
    if sys.byteorder == "big":
        t = t.clone().view(torch.uint8).view(-1, 4).flip(1).contiguous().view(torch.int32).view(-1)
    return t


def document_ids_from_segments(row_segments: torch.Tensor, segment_lengths: torch.Tensor, rows: int, seq_len: int) -> torch.Tensor:
    counts = row_segments.long()
    first = torch.cumsum(counts, 0) - counts  # index of each row's first segment
    seg_row = torch.repeat_interleave(torch.arange(rows), counts)
    local = torch.arange(int(segment_lengths.numel())) - first[seg_row]
    return torch.repeat_interleave(local, segment_lengths.long()).to(torch.int32).view(rows, seq_len)


class FeedReader:
    """Parses a feed stream: `.header` at construction, then events.

    Iterating the reader yields only `Batch`es; `events()` also yields `StageEnd`.
    `.ended` turns True at the end frame; a stream that stops without one is an error,
    because a dead feeder must not look like a finished run.
    """

    def __init__(self, fp: BinaryIO, name: str = "feed") -> None:
        self._fp = fp
        self._name = name
        self._offset = 0
        self.ended = False
        self.stage_ends: List[int] = []
        magic = self._read_exact(8, "stream magic")
        if magic != STREAM_MAGIC:
            raise FeedError(f"{name}: bad stream magic {bytes(magic)!r}, expected {STREAM_MAGIC!r} (is this a foxden.feed/1 stream?)")
        (length,) = struct.unpack("<I", self._read_exact(4, "header length"))
        raw = self._read_exact(length, "header JSON")
        try:
            header = json.loads(bytes(raw).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise FeedError(f"{name}: stream header is not UTF-8 JSON ({error})") from error
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            got = header.get("format") if isinstance(header, dict) else type(header).__name__
            raise FeedError(f"{name}: stream format {got!r}, expected {FORMAT!r}")
        self.header: Dict[str, Any] = header

    def __enter__(self) -> "FeedReader":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def _read_exact(self, n: int, what: str) -> bytearray:
        buf = bytearray(n)
        view = memoryview(buf)
        got = 0
        while got < n:
            k = self._fp.readinto(view[got:])  # type: ignore[attr-defined]
            if not k:
                raise FeedError(
                    f"{self._name}: truncated stream: expected {n} bytes of {what} at byte {self._offset}, got {got} (feeder died?)"
                )
            got += k
        self._offset += n
        return buf

    def _read_frame_header(self) -> Optional[bytearray]:
        """None at a clean EOF between frames."""
        first = bytearray(1)
        k = self._fp.readinto(first)  # type: ignore[attr-defined]
        if not k:
            return None
        self._offset += 1
        rest = self._read_exact(63, "frame header")
        return first + rest

    def events(self) -> Iterator[Event]:
        while not self.ended:
            at = self._offset
            raw = self._read_frame_header()
            if raw is None:
                raise FeedError(f"{self._name}: stream ended at byte {at} without an end frame (kind {KIND_END}); feeder died?")
            magic, kind, stage, seq_len, rows, segs, step, before, after, stage_step, payload, _ = FRAME_HEADER.unpack(bytes(raw))
            if magic != FRAME_MAGIC:
                raise FeedError(f"{self._name}: bad frame magic {magic!r} at byte {at}, expected {FRAME_MAGIC!r}")
            if kind == KIND_END:
                self.ended = True
                if payload:
                    self._read_exact(payload, "end frame payload")
                return
            if kind == KIND_STAGE_END:
                if payload:
                    self._read_exact(payload, "stage-end payload")
                self.stage_ends.append(stage)
                yield StageEnd(stage=stage)
                continue
            if kind != KIND_BATCH:
                raise FeedError(f"{self._name}: unknown frame kind {kind} at byte {at}, expected 1, 2 or 3")
            expected = 4 * (3 * rows * seq_len + rows + segs)
            if payload != expected or payload > MAX_PAYLOAD:
                raise FeedError(f"{self._name}: batch frame at byte {at} has {payload} payload bytes, expected {expected} for R={rows} T={seq_len} S={segs}")
            body = self._read_exact(payload, f"batch payload (stage {stage}, step {step})")
            yield self._batch(body, stage, seq_len, rows, segs, step, before, after, stage_step, at)

    def _batch(self, body: bytearray, stage: int, T: int, R: int, S: int, step: int, before: int, after: int, stage_step: int, at: int) -> Batch:
        n = R * T
        ids = _to_int32(body, 0, n)
        labels = _to_int32(body, 4 * n, n)
        pos = _to_int32(body, 8 * n, n)
        row_segments = _to_int32(body, 12 * n, R).clone()
        seg_len = _to_int32(body, 12 * n + 4 * R, S).clone()
        if int(row_segments.sum()) != S or bool((seg_len <= 0).any()):
            raise FeedError(f"{self._name}: batch at byte {at}: row_segments sum to {int(row_segments.sum())}, expected S={S}, and segment lengths must be positive")
        doc = document_ids_from_segments(row_segments, seg_len, R, T) if int(seg_len.sum()) == n else None
        if doc is None or not self._rows_sum_to_T(row_segments, seg_len, T):
            raise FeedError(f"{self._name}: batch at byte {at}: the segment lengths of each row must sum to T={T}")
        cu = torch.zeros(S + 1, dtype=torch.int32)
        cu[1:] = torch.cumsum(seg_len, 0)
        return Batch(
            stage=stage, seq_len=T, step=step, stage_step=stage_step, tokens_before=before, tokens_after=after,
            input_ids=ids.view(R, T).long(), labels=labels.view(R, T).long(), position_ids=pos.view(R, T).long(),
            row_segments=row_segments, segment_lengths=seg_len, document_ids=doc, cu_seqlens=cu,
            raw_sha256=hashlib.sha256(memoryview(body)[: 4 * n]).hexdigest(),
        )

    @staticmethod
    def _rows_sum_to_T(row_segments: torch.Tensor, seg_len: torch.Tensor, T: int) -> bool:
        seg_row = torch.repeat_interleave(torch.arange(int(row_segments.numel())), row_segments.long())
        sums = torch.zeros(int(row_segments.numel()), dtype=torch.long).index_add_(0, seg_row, seg_len.long())
        return bool((sums == T).all())

    def __iter__(self) -> Iterator[Batch]:
        for event in self.events():
            if isinstance(event, Batch):
                yield event


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


_DONE = object()


class Prefetcher:
    """Reads events on a background thread so parsing the next batch overlaps compute.

    `wait_s` counts seconds the consumer spent blocked on data; `take_wait()` returns
    and resets it (per-step data wait).
    """

    def __init__(self, events: Iterator[Event], depth: int = 2, pin_memory: bool = False) -> None:
        self._queue: "queue.Queue[object]" = queue.Queue(maxsize=max(1, depth))
        self._pin = pin_memory
        self.wait_s = 0.0
        self._thread = threading.Thread(target=self._run, args=(events,), name="foxden-feed", daemon=True)
        self._thread.start()

    def _run(self, events: Iterator[Event]) -> None:
        try:
            for event in events:
                if self._pin and isinstance(event, Batch):
                    event.input_ids = event.input_ids.pin_memory()
                    event.labels = event.labels.pin_memory()
                    event.position_ids = event.position_ids.pin_memory()
                    event.document_ids = event.document_ids.pin_memory()
                self._queue.put(event)
            self._queue.put(_DONE)
        except BaseException as error:  # handed to the consumer, which raises it
            self._queue.put(_Failure(error))

    def take_wait(self) -> float:
        w, self.wait_s = self.wait_s, 0.0
        return w

    def __iter__(self) -> Iterator[Event]:
        while True:
            t0 = time.perf_counter()
            item = self._queue.get()
            self.wait_s += time.perf_counter() - t0
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item  # type: ignore[misc]
