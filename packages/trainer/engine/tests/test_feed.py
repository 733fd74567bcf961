import hashlib
import io
import random
import unittest
from array import array

import torch

from feedwriter import batch_payload, frame, make_header, random_rows, stream_header, write_feed
from foxden_engine.feed import Batch, FeedError, FeedReader, Prefetcher, StageEnd


class FeedReaderTest(unittest.TestCase):
    def test_parses_batches_and_events(self) -> None:
        header = make_header([{"name": "a", "seq_len": 16, "steps": 2}, {"name": "b", "seq_len": 32, "steps": 1}], batch_tokens=64, vocab=50)
        data = write_feed(header)
        reader = FeedReader(io.BytesIO(data))
        self.assertEqual(reader.header["batch_tokens"], 64)
        events = list(reader.events())
        kinds = [type(e).__name__ for e in events]
        self.assertEqual(kinds, ["Batch", "Batch", "StageEnd", "Batch", "StageEnd"])
        self.assertTrue(reader.ended)
        b = events[1]
        assert isinstance(b, Batch)
        self.assertEqual((b.stage, b.seq_len, b.step, b.stage_step, b.tokens_before, b.tokens_after), (0, 16, 1, 1, 64, 128))
        rows = random_rows(random.Random("7-0-1"), 4, 16, 50)
        self.assertEqual(b.input_ids.dtype, torch.int64)
        self.assertEqual(b.input_ids.flatten().tolist(), rows["input_ids"])
        self.assertEqual(b.labels.flatten().tolist(), rows["labels"])
        self.assertEqual(b.position_ids.flatten().tolist(), rows["position_ids"])
        self.assertEqual(b.row_segments.tolist(), rows["row_segments"])
        self.assertEqual(b.segment_lengths.tolist(), rows["segment_lengths"])
        cu = [0]
        for n in rows["segment_lengths"]:
            cu.append(cu[-1] + n)
        self.assertEqual(b.cu_seqlens.tolist(), cu)
        # document ids: segment index within each row
        want = []
        at = 0
        for n_segs in rows["row_segments"]:
            for j, n in enumerate(rows["segment_lengths"][at : at + n_segs]):
                want += [j] * n
            at += n_segs
        self.assertEqual(b.document_ids.flatten().tolist(), want)
        self.assertEqual(b.raw_sha256, hashlib.sha256(array("i", rows["input_ids"]).tobytes()).hexdigest())
        self.assertEqual(sum(len(r) for r in b.row_segment_lengths()), len(rows["segment_lengths"]))
        self.assertEqual(isinstance(events[2], StageEnd) and events[2].stage, 0)

    def test_iteration_yields_only_batches(self) -> None:
        header = make_header([{"name": "a", "seq_len": 8, "steps": 3}], batch_tokens=16, vocab=20)
        batches = list(FeedReader(io.BytesIO(write_feed(header))))
        self.assertEqual([b.step for b in batches], [0, 1, 2])

    def test_prefetcher(self) -> None:
        header = make_header([{"name": "a", "seq_len": 8, "steps": 3}], batch_tokens=16, vocab=20)
        pf = Prefetcher(FeedReader(io.BytesIO(write_feed(header))).events())
        self.assertEqual(len(list(pf)), 4)
        self.assertGreaterEqual(pf.take_wait(), 0.0)

    def test_truncated_stream(self) -> None:
        header = make_header([{"name": "a", "seq_len": 8, "steps": 2}], batch_tokens=16, vocab=20)
        data = write_feed(header)
        for cut in (len(data) - 64 - 10, len(data) - 64 - 64 - 3):
            reader = FeedReader(io.BytesIO(data[:cut]))
            with self.assertRaises(FeedError) as ctx:
                list(reader.events())
            self.assertIn("truncated", str(ctx.exception))
        with self.assertRaisesRegex(FeedError, "truncated"):
            FeedReader(io.BytesIO(data[:20]))

    def test_missing_end_frame(self) -> None:
        header = make_header([{"name": "a", "seq_len": 8, "steps": 1}], batch_tokens=16, vocab=20)
        data = write_feed(header)[:-64]  # drop the end frame
        with self.assertRaisesRegex(FeedError, "without an end frame"):
            list(FeedReader(io.BytesIO(data)).events())

    def test_prefetcher_propagates_errors(self) -> None:
        header = make_header([{"name": "a", "seq_len": 8, "steps": 2}], batch_tokens=16, vocab=20)
        data = write_feed(header)[:-100]
        with self.assertRaises(FeedError):
            list(Prefetcher(FeedReader(io.BytesIO(data)).events()))

    def test_bad_magic_and_version(self) -> None:
        with self.assertRaisesRegex(FeedError, "FOXFEED1"):
            FeedReader(io.BytesIO(b"NOTAFEED" + b"\0" * 8))
        header = make_header([{"name": "a", "seq_len": 8, "steps": 1}], batch_tokens=16, vocab=20)
        header["format"] = "foxden.feed/2"
        with self.assertRaisesRegex(FeedError, "foxden.feed/1"):
            FeedReader(io.BytesIO(stream_header(header)))
        header["format"] = "foxden.feed/1"
        bad = stream_header(header) + b"XXXX" + b"\0" * 60
        with self.assertRaisesRegex(FeedError, "frame magic"):
            list(FeedReader(io.BytesIO(bad)).events())

    def test_inconsistent_payload(self) -> None:
        header = make_header([{"name": "a", "seq_len": 8, "steps": 1}], batch_tokens=16, vocab=20)
        rows = random_rows(random.Random(1), 2, 8, 20)
        rows["segment_lengths"][0] += 1  # row no longer sums to T
        payload = batch_payload(rows)
        data = stream_header(header) + frame(1, 0, 8, 2, len(rows["segment_lengths"]), 0, 0, 16, 0, payload) + frame(3)
        with self.assertRaisesRegex(FeedError, "sum to T"):
            list(FeedReader(io.BytesIO(data)).events())


if __name__ == "__main__":
    unittest.main()
