"""A test-side writer of foxden.feed/1 streams, written from docs/trainer.md alone."""

from __future__ import annotations

import json
import random
import struct
from array import array
from typing import Any, Dict, List, Optional, Tuple

IGNORE = -100


def stream_header(header: Dict[str, Any]) -> bytes:
    body = json.dumps(header).encode("utf-8")
    return b"FOXFEED1" + struct.pack("<I", len(body)) + body


def frame(kind: int, stage: int = 0, T: int = 0, R: int = 0, S: int = 0, step: int = 0, before: int = 0, after: int = 0,
          stage_step: int = 0, payload: bytes = b"") -> bytes:
    head = b"FXB1" + struct.pack("<IIIIIQQQQII", kind, stage, T, R, S, step, before, after, stage_step, len(payload), 0)
    assert len(head) == 64
    return head + payload


def random_rows(rng: random.Random, R: int, T: int, vocab: int, pad_id: int = 0, max_doc: Optional[int] = None) -> Dict[str, List[int]]:
    """Rows of packed documents, sometimes ending in a padding segment."""
    ids: List[int] = []
    labels: List[int] = []
    pos: List[int] = []
    row_segments: List[int] = []
    seg_lengths: List[int] = []
    max_doc = max_doc or max(1, T // 2)
    for _ in range(R):
        left = T
        lens: List[Tuple[int, bool]] = []
        pad = rng.randint(1, T // 4) if rng.random() < 0.5 and T >= 8 else 0
        left -= pad
        while left > 0:
            n = min(left, rng.randint(1, max_doc))
            lens.append((n, False))
            left -= n
        if pad:
            lens.append((pad, True))
        row_segments.append(len(lens))
        for n, is_pad in lens:
            seg_lengths.append(n)
            toks = [pad_id] * n if is_pad else [rng.randrange(1, vocab) for _ in range(n)]
            ids += toks
            labels += [IGNORE] * n if is_pad else toks[1:] + [IGNORE]
            pos += list(range(n))
    return {"input_ids": ids, "labels": labels, "position_ids": pos, "row_segments": row_segments, "segment_lengths": seg_lengths}


def batch_payload(rows: Dict[str, List[int]]) -> bytes:
    out = b""
    for key in ("input_ids", "labels", "position_ids", "row_segments", "segment_lengths"):
        a = array("i", rows[key])
        assert a.itemsize == 4
        out += a.tobytes()
    return out


def make_header(stages: List[Dict[str, Any]], batch_tokens: int, vocab: int, seed: int = 1, start: Tuple[int, int] = (0, 0),
                max_steps: Optional[int] = None, fingerprint: str = "ab" * 32, tokenizer_path: Optional[str] = None,
                tokenizer_sha256: str = "00" * 32) -> Dict[str, Any]:
    full = []
    for i, s in enumerate(stages):
        T = s["seq_len"]
        full.append({"index": i, "name": s["name"], "seq_len": T, "rows": s["steps"] * batch_tokens // T,
                     "budget_tokens": s["steps"] * batch_tokens, "rows_per_batch": batch_tokens // T, "steps": s["steps"]})
    return {
        "format": "foxden.feed/1", "fingerprint": fingerprint, "seed": seed, "batch_tokens": batch_tokens, "rank": 0, "world": 1,
        "vocab_size": vocab, "pad_id": 0,
        "tokenizer": {"name": "test", "vocab_size": vocab, "special_ids": {"<pad>": 0, "<eos>": 1, "<bos>": 2}, "sha256": tokenizer_sha256},
        "tokenizer_path": tokenizer_path, "curriculum": "/nonexistent/curriculum.json",
        "start": {"stage": start[0], "tokens": start[1]}, "max_steps": max_steps, "stages": full,
    }


def write_feed(header: Dict[str, Any], data_seed: int = 7) -> bytes:
    """The whole stream from header.start; batch (s, k) is the same bytes whatever the start."""
    out = [stream_header(header)]
    bt = header["batch_tokens"]
    vocab = header["vocab_size"]
    start_stage, start_tokens = header["start"]["stage"], header["start"]["tokens"]
    max_steps = header.get("max_steps")
    step = sum(s["steps"] for s in header["stages"][:start_stage]) + start_tokens // bt
    done = False
    for s in header["stages"][start_stage:]:
        i, T = s["index"], s["seq_len"]
        R = bt // T
        first = start_tokens // bt if i == start_stage else 0
        for k in range(first, s["steps"]):
            if max_steps is not None and step >= max_steps:
                done = True
                break
            rows = random_rows(random.Random(f"{data_seed}-{i}-{k}"), R, T, vocab)
            out.append(frame(1, i, T, R, len(rows["segment_lengths"]), step, k * bt, (k + 1) * bt, k, batch_payload(rows)))
            step += 1
        if done:
            break
        out.append(frame(2, i))
    out.append(frame(3))
    return b"".join(out)
