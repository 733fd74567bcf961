import unittest

import torch
import torch.nn.functional as F

from foxden_engine.loss import chunked_cross_entropy


class ChunkedCETest(unittest.TestCase):
    def test_matches_full_cross_entropy(self) -> None:
        torch.manual_seed(0)
        N, d, V = 53, 16, 37
        hidden = torch.randn(N, d, dtype=torch.float64, requires_grad=True)
        weight = torch.randn(V, d, dtype=torch.float64, requires_grad=True)
        labels = torch.randint(0, V, (N,))
        labels[::5] = -100
        for chunk in (7, 16, 53, 100):
            h1, w1 = hidden.detach().clone().requires_grad_(), weight.detach().clone().requires_grad_()
            got = chunked_cross_entropy(h1, w1, labels, chunk)
            (got * 0.37).backward()
            h2, w2 = hidden.detach().clone().requires_grad_(), weight.detach().clone().requires_grad_()
            want = F.cross_entropy(h2 @ w2.t(), labels, ignore_index=-100, reduction="sum")
            (want * 0.37).backward()
            self.assertAlmostEqual(got.item(), want.item(), places=9)
            self.assertLess((h1.grad - h2.grad).abs().max().item(), 1e-10)
            self.assertLess((w1.grad - w2.grad).abs().max().item(), 1e-10)

    def test_fp32_and_all_ignored(self) -> None:
        torch.manual_seed(1)
        hidden = torch.randn(20, 8, requires_grad=True)
        weight = torch.randn(11, 8, requires_grad=True)
        labels = torch.randint(0, 11, (20,))
        labels[3:9] = -100
        got = chunked_cross_entropy(hidden, weight, labels, 6)
        want = F.cross_entropy(hidden @ weight.t(), labels, reduction="sum")
        self.assertLess(abs(got.item() - want.item()), 1e-4)
        none = chunked_cross_entropy(hidden, weight, torch.full((20,), -100), 6)
        none.backward()
        self.assertEqual(none.item(), 0.0)
        self.assertEqual(hidden.grad.abs().max().item(), 0.0)

    def test_weight_only_grad(self) -> None:
        hidden = torch.randn(10, 4)
        weight = torch.randn(6, 4, requires_grad=True)
        labels = torch.randint(0, 6, (10,))
        chunked_cross_entropy(hidden, weight, labels, 3).backward()
        w2 = weight.detach().clone().requires_grad_()
        F.cross_entropy(hidden @ w2.t(), labels, reduction="sum").backward()
        self.assertLess((weight.grad - w2.grad).abs().max().item(), 1e-5)


if __name__ == "__main__":
    unittest.main()
