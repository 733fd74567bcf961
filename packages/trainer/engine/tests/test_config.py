import unittest

import torch

from foxden_engine.config import ConfigError, load_preset, param_count, preset_from_dict
from foxden_engine.model import FoxModel


class ConfigTest(unittest.TestCase):
    def test_fox_param_count(self) -> None:
        preset = load_preset("fox-1.6b")
        n = param_count(preset.model, 256000)
        self.assertAlmostEqual(n / 1e9, 1.665, delta=0.002)
        self.assertEqual(preset.train.batch_tokens, 16384)

    def test_formula_matches_module(self) -> None:
        preset = load_preset("tiny")
        for tied in (True, False):
            preset.model.tie_embeddings = tied
            model = FoxModel(preset.model, 1000)
            self.assertEqual(sum(p.numel() for p in model.parameters()), param_count(preset.model, 1000))

    def test_fox_on_meta_device(self) -> None:
        preset = load_preset("fox-1.6b")
        if not hasattr(torch.nn.Module, "to_empty"):
            self.skipTest("no meta-device construction")
        try:
            with torch.device("meta"):  # type: ignore[attr-defined]
                model = FoxModel(preset.model, 256000)
        except (TypeError, AttributeError):
            self.skipTest("torch.device is not a context manager in this torch")
        self.assertEqual(sum(p.numel() for p in model.parameters()), param_count(preset.model, 256000))

    def test_presets_have_the_keys_the_loader_reads(self) -> None:
        for name in ("tiny", "fox-1.6b"):
            raw = load_preset(name).to_dict()
            for key in ("batch_tokens", "micro_batch_tokens", "checkpoint_every"):
                self.assertIn(key, raw["train"])
            self.assertIn("vocab_size", raw["model"])
        tiny = load_preset("tiny")
        self.assertEqual((tiny.model.layers, tiny.model.hidden, tiny.model.intermediate, tiny.model.heads, tiny.model.kv_heads), (2, 64, 176, 4, 2))

    def test_refusals(self) -> None:
        with self.assertRaises(ConfigError):
            load_preset("no-such-preset")
        with self.assertRaises(ConfigError):
            preset_from_dict({"model": {"layers": 1, "hidden": 30, "intermediate": 8, "heads": 4, "kv_heads": 2}, "train": {}})
        with self.assertRaises(ConfigError):
            preset_from_dict({"model": {"layers": 1, "hidden": 32, "intermediate": 8, "heads": 4, "kv_heads": 2, "bogus": 1}, "train": {}})


if __name__ == "__main__":
    unittest.main()
