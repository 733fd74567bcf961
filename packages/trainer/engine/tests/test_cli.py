import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from feedwriter import make_header, write_feed
from helpers import write_preset

ENGINE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class CliTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="foxden-cli-")
        self.env = {**os.environ, "PYTHONPATH": ENGINE_DIR, "PYTHONDONTWRITEBYTECODE": "1"}

    def tearDown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_train_over_stdin_prints_only_json(self) -> None:
        preset = write_preset(self.dir)
        feed = write_feed(make_header([{"name": "a", "seq_len": 32, "steps": 2}], 128, 40))
        r = subprocess.run([sys.executable, "-m", "foxden_engine", "train", "--preset", preset, "--out", os.path.join(self.dir, "o")],
                           input=feed, env=self.env, capture_output=True)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        events = [json.loads(line) for line in r.stdout.decode().splitlines()]
        self.assertEqual([e["event"] for e in events], ["start", "preflight", "step", "step", "stage_end", "checkpoint", "done"])
        self.assertEqual(events[0]["attention"], "eager")
        self.assertEqual(events[0]["dtype"], "fp32")

    def test_truncated_feed_exits_2(self) -> None:
        preset = write_preset(self.dir)
        feed = write_feed(make_header([{"name": "a", "seq_len": 32, "steps": 2}], 128, 40))
        path = os.path.join(self.dir, "cut.feed")
        with open(path, "wb") as f:
            f.write(feed[:-200])
        r = subprocess.run([sys.executable, "-m", "foxden_engine", "train", "--preset", preset, "--out", os.path.join(self.dir, "o"), "--feed", path],
                           env=self.env, capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("truncated", r.stderr)
        self.assertEqual(json.loads(r.stdout.splitlines()[-1])["event"], "error")

    def test_missing_torch_exits_4(self) -> None:
        other = shutil.which("python3")
        if not other:
            self.skipTest("no python3 on PATH")
        probe = subprocess.run([other, "-c", "import torch"], capture_output=True)
        if probe.returncode == 0:
            self.skipTest(f"{other} has torch")
        r = subprocess.run([other, "-m", "foxden_engine", "train", "--preset", "tiny", "--out", self.dir], env=self.env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn("PyTorch is not importable", r.stderr)


if __name__ == "__main__":
    unittest.main()
