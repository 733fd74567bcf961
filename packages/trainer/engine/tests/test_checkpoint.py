import io
import json
import os
import random
import shutil
import tempfile
import unittest
from typing import Any, Dict, List, Optional, Tuple

import torch

from feedwriter import make_header, write_feed
from helpers import tiny_config, write_preset
from foxden_engine import checkpoint as ckpt
from foxden_engine.config import TrainConfig
from foxden_engine.model import FoxModel
from foxden_engine.optim import build_optimizer
from foxden_engine.train import Emitter, main

STAGES = [{"name": "s64", "seq_len": 64, "steps": 3}, {"name": "s128", "seq_len": 128, "steps": 3}]
BATCH_TOKENS = 256
VOCAB = 97


def run_engine(args: List[str], feed: bytes) -> Tuple[int, List[Dict[str, Any]]]:
    out = io.StringIO()
    emit = Emitter(out)
    code = main(args, feed=io.BytesIO(feed), emit=emit)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines == emit.events
    return code, lines


def steps(events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [e for e in events if e["event"] == "step"]


class CheckpointTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="foxden-ckpt-")
        self.preset = write_preset(self.dir)

    def tearDown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def base_args(self, out: str, *extra: str) -> List[str]:
        return ["--preset", self.preset, "--device", "cpu", "--out", os.path.join(self.dir, out), "--attention", "eager", *extra]

    def test_round_trip(self) -> None:
        torch.manual_seed(0)
        model = FoxModel(tiny_config(), 50)
        opt, _ = build_optimizer(model, TrainConfig(), torch.device("cpu"))
        model(torch.randint(0, 50, (1, 8)), torch.arange(8)[None], __import__("foxden_engine.attention", fromlist=["x"]).build_meta("eager", torch.zeros(1, 8), [[8]])).sum().backward()
        opt.step()
        random.seed(5)
        torch.manual_seed(6)
        path = ckpt.save_checkpoint(self.dir, 7, model, opt, {"fingerprint": "f", "loader": {"fingerprint": "f", "stage": 0, "tokens": 8}})
        self.assertTrue(path.endswith("step-000007"))
        expect_py, expect_torch = random.random(), torch.rand(3)
        model2 = FoxModel(tiny_config(), 50)
        opt2, _ = build_optimizer(model2, TrainConfig(), torch.device("cpu"))
        blob = ckpt.load_blob(path)
        model2.load_state_dict(blob["model"])
        opt2.load_state_dict(blob["optimizer"])
        ckpt.set_rng_state(blob["rng"])
        self.assertEqual(random.random(), expect_py)
        self.assertTrue(torch.equal(torch.rand(3), expect_torch))
        for a, b in zip(model.state_dict().values(), model2.state_dict().values()):
            self.assertTrue(torch.equal(a, b))
        s1, s2 = opt.state_dict()["state"], opt2.state_dict()["state"]
        for k in s1:
            for name in s1[k]:
                self.assertTrue(torch.equal(torch.as_tensor(s1[k][name]), torch.as_tensor(s2[k][name])))
        state = ckpt.read_state(path)
        self.assertEqual((state["format"], state["step"]), ("foxden.checkpoint/1", 7))

    def test_latest_ignores_tmp_and_prunes(self) -> None:
        root = ckpt.checkpoints_dir(self.dir)
        model = FoxModel(tiny_config(), 20)
        opt, _ = build_optimizer(model, TrainConfig(), torch.device("cpu"))
        for s in (1, 2, 3, 4):
            ckpt.save_checkpoint(self.dir, s, model, opt, {}, keep=2)
        os.makedirs(os.path.join(root, "step-000009.tmp"))
        self.assertEqual(sorted(os.listdir(root)), ["step-000003", "step-000004", "step-000009.tmp"])
        self.assertEqual(os.path.basename(ckpt.latest_checkpoint(self.dir) or ""), "step-000004")

    def test_resume_is_bit_identical(self) -> None:
        full = write_feed(make_header(STAGES, BATCH_TOKENS, VOCAB))
        code, events_a = run_engine(self.base_args("a"), full)
        self.assertEqual(code, 0)
        a = steps(events_a)
        self.assertEqual(len(a), 6)
        self.assertEqual([e["stage"] for e in a], [0, 0, 0, 1, 1, 1])
        self.assertEqual(events_a[-1], {"event": "done", "steps": 6, "tokens_total": 6 * BATCH_TOKENS})
        self.assertEqual([e["event"] for e in events_a[:2]], ["start", "preflight"])
        # the stage-end checkpoint hands the loader to the next stage
        state3 = ckpt.read_state(os.path.join(self.dir, "a", "checkpoints", "step-000003"))
        self.assertEqual(state3["loader"], {"fingerprint": "ab" * 32, "stage": 1, "tokens": 0})
        self.assertEqual(state3["preset"]["model"]["vocab_size"], VOCAB)
        self.assertEqual(state3["metrics"]["step"], 3)

        k1 = 2
        part1 = write_feed(make_header(STAGES, BATCH_TOKENS, VOCAB, max_steps=k1))
        code, events_b1 = run_engine(self.base_args("b"), part1)
        self.assertEqual(code, 0)
        ck = os.path.join(self.dir, "b", "checkpoints", f"step-{k1:06d}")
        state = ckpt.read_state(ck)
        self.assertEqual(state["loader"], {"fingerprint": "ab" * 32, "stage": 0, "tokens": k1 * BATCH_TOKENS})
        part2 = write_feed(make_header(STAGES, BATCH_TOKENS, VOCAB, start=(0, k1 * BATCH_TOKENS)))
        code, events_b2 = run_engine(self.base_args("b", "--resume", ck), part2)
        self.assertEqual(code, 0)
        b = steps(events_b1) + steps(events_b2)
        self.assertEqual([e["step"] for e in b], [1, 2, 3, 4, 5, 6])
        for key in ("loss", "grad_norm", "lr", "batch_sha256", "tokens_total", "stage_tokens"):
            self.assertEqual([e[key] for e in a], [e[key] for e in b], key)
        sa = ckpt.load_blob(os.path.join(self.dir, "a", "checkpoints", "step-000006"))["model"]
        sb = ckpt.load_blob(os.path.join(self.dir, "b", "checkpoints", "step-000006"))["model"]
        for k in sa:
            self.assertTrue(torch.equal(sa[k], sb[k]), k)

        # a different fingerprint is refused unless --allow-data-change
        other = write_feed(make_header(STAGES, BATCH_TOKENS, VOCAB, start=(0, k1 * BATCH_TOKENS), fingerprint="cd" * 32))
        code, ev = run_engine(self.base_args("c", "--resume", ck), other)
        self.assertEqual(code, 2)
        self.assertIn("fingerprint", ev[-1]["message"])
        code, _ = run_engine(self.base_args("c", "--resume", ck, "--allow-data-change"), other)
        self.assertEqual(code, 0)
        # a feed that does not start where the checkpoint stopped is refused
        wrong = write_feed(make_header(STAGES, BATCH_TOKENS, VOCAB, start=(1, 0)))
        code, ev = run_engine(self.base_args("d", "--resume", ck), wrong)
        self.assertEqual(code, 2)
        self.assertIn("starts at stage 1", ev[-1]["message"])

    def test_step_event_fields_and_checkpoint_every(self) -> None:
        feed = write_feed(make_header(STAGES[:1], BATCH_TOKENS, VOCAB))
        code, events = run_engine(self.base_args("e", "--checkpoint-every", "2", "--keep", "0"), feed)
        self.assertEqual(code, 0)
        step = steps(events)[0]
        for key in ("step", "stage", "stage_name", "seq_len", "loss", "lr", "grad_norm", "tokens", "tokens_total", "stage_tokens",
                    "step_s", "data_wait_s", "tokens_per_s", "mfu", "batch_sha256"):
            self.assertIn(key, step)
        self.assertEqual((step["step"], step["stage_name"], step["tokens"], step["mfu"]), (1, "s64", BATCH_TOKENS, None))
        self.assertEqual([e["step"] for e in events if e["event"] == "checkpoint"], [2, 3])
        self.assertEqual([e["event"] for e in events[-3:]], ["stage_end", "checkpoint", "done"])

    def test_vocab_refusal(self) -> None:
        feed = write_feed(make_header(STAGES[:1], BATCH_TOKENS, VOCAB))
        code, events = run_engine(self.base_args("f", "--vocab-size", "50"), feed)
        self.assertEqual(code, 2)
        self.assertEqual(events[-1]["event"], "error")
        self.assertIn("larger than the model", events[-1]["message"])

    def test_micro_batch_must_divide_rows(self) -> None:
        feed = write_feed(make_header(STAGES[:1], BATCH_TOKENS, VOCAB))
        code, events = run_engine(self.base_args("g", "--micro-batch-tokens", "192"), feed)
        self.assertEqual(code, 2)
        self.assertIn("does not divide", events[-1]["message"])


if __name__ == "__main__":
    unittest.main()
