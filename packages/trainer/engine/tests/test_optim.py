import math
import unittest

import torch

from helpers import tiny_config
from foxden_engine.config import TrainConfig
from foxden_engine.model import FoxModel
from foxden_engine.optim import build_optimizer, clip_grad_norm, lr_at


class OptimTest(unittest.TestCase):
    def test_schedule(self) -> None:
        cfg = TrainConfig(lr=1.0, min_lr_ratio=0.1, warmup_steps=4)
        self.assertEqual([lr_at(s, 20, cfg) for s in range(4)], [0.25, 0.5, 0.75, 1.0])
        self.assertAlmostEqual(lr_at(12, 20, cfg), 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 0.5)))
        self.assertAlmostEqual(lr_at(20, 20, cfg), 0.1)
        self.assertAlmostEqual(lr_at(99, 20, cfg), 0.1)
        self.assertAlmostEqual(lr_at(12, 20, cfg, scale=0.5), 0.5 * lr_at(12, 20, cfg))

    def test_stage_lr_scale(self) -> None:
        cfg = TrainConfig(stages={"8k": {"lr_scale": 0.5}, "1": {"lr_scale": 0.25}})
        self.assertEqual(cfg.lr_scale(2, "8k"), 0.5)
        self.assertEqual(cfg.lr_scale(1, "4k"), 0.25)
        self.assertEqual(cfg.lr_scale(0, "2k"), 1.0)

    def test_decay_groups_and_clip(self) -> None:
        model = FoxModel(tiny_config(), 30)
        opt, fused = build_optimizer(model, TrainConfig(weight_decay=0.1), torch.device("cpu"))
        self.assertFalse(fused)
        decay, keep = opt.param_groups
        self.assertTrue(all(p.dim() >= 2 for p in decay["params"]) and decay["weight_decay"] == 0.1)
        self.assertTrue(all(p.dim() == 1 for p in keep["params"]) and keep["weight_decay"] == 0.0)
        for p in model.parameters():
            p.grad = torch.ones_like(p)
        n = sum(p.numel() for p in model.parameters())
        norm = clip_grad_norm(model.parameters(), 1.0)
        self.assertAlmostEqual(norm.item(), math.sqrt(n), places=2)
        total = math.sqrt(sum(float(p.grad.pow(2).sum()) for p in model.parameters()))
        self.assertAlmostEqual(total, 1.0, places=4)


if __name__ == "__main__":
    unittest.main()
