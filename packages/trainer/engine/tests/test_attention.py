import math
import unittest

import torch
import torch.nn.functional as F

from helpers import packed_batch, tiny_config
from foxden_engine.attention import attend, available_backends, build_meta, repeat_kv, resolve_backend
from foxden_engine.loss import chunked_cross_entropy
from foxden_engine.model import FoxModel

CPU = torch.device("cpu")


def reference_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, docs: torch.Tensor) -> torch.Tensor:
    """Full T x T scores with a block-diagonal causal mask."""
    n_rep = q.shape[1] // k.shape[1]
    k = k.repeat_interleave(n_rep, dim=1)
    v = v.repeat_interleave(n_rep, dim=1)
    T = q.shape[2]
    allowed = (docs[:, :, None] == docs[:, None, :]) & torch.ones(T, T, dtype=torch.bool).tril()
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    scores = scores.masked_fill(~allowed[:, None], float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


def model_loss(model: FoxModel, backend: str, ids, labels, pos, docs, segs) -> torch.Tensor:
    h = model(ids, pos, build_meta(backend, docs, segs))
    return chunked_cross_entropy(h.reshape(-1, h.shape[-1]), model.output_weight, labels.reshape(-1), 29)


def per_token_loss(model: FoxModel, backend: str, ids, labels, pos, docs, segs) -> torch.Tensor:
    logits = model.logits(ids, pos, build_meta(backend, docs, segs))
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100, reduction="none").view(labels.shape)


class AttentionTest(unittest.TestCase):
    def setUp(self) -> None:
        torch.manual_seed(0)

    def test_repeat_kv_matches_repeat_interleave(self) -> None:
        k = torch.randn(2, 3, 5, 4)
        self.assertTrue(torch.equal(repeat_kv(k, 4), k.repeat_interleave(4, dim=1)))

    def test_backends_match_full_mask_reference(self) -> None:
        R, T, H, Hkv, D = 3, 40, 4, 2, 8
        _, _, _, docs, segs = packed_batch(R, T, 50, seed=3, max_doc=12)
        q, k, v = torch.randn(R, H, T, D), torch.randn(R, Hkv, T, D), torch.randn(R, Hkv, T, D)
        want = reference_attention(q, k, v, docs)
        for backend in available_backends(CPU):
            got = attend(q, k, v, build_meta(backend, docs, segs))
            self.assertLess((got - want).abs().max().item(), 1e-5, backend)

    def test_backends_same_loss_and_grads(self) -> None:
        ids, labels, pos, docs, segs = packed_batch(2, 48, 61, seed=5, max_doc=15)
        self.assertGreater(sum(len(s) for s in segs), 4)
        model = FoxModel(tiny_config(), 61)
        ref_loss = None
        ref_grads = None
        for backend in available_backends(CPU):
            model.zero_grad(set_to_none=True)
            loss = model_loss(model, backend, ids, labels, pos, docs, segs)
            loss.backward()
            grads = [p.grad.clone() for p in model.parameters()]
            if ref_loss is None:
                ref_loss, ref_grads = loss.item(), grads
                continue
            self.assertAlmostEqual(loss.item(), ref_loss, delta=1e-5 * max(1.0, abs(ref_loss)))
            for a, b in zip(grads, ref_grads):
                self.assertLess((a - b).abs().max().item(), 1e-5, backend)

    def test_eager_model_matches_reference_model(self) -> None:
        """The whole model with eager attention equals one that uses the full-mask reference."""
        import foxden_engine.model as model_module

        ids, labels, pos, docs, segs = packed_batch(2, 48, 61, seed=9, max_doc=15)
        model = FoxModel(tiny_config(), 61)
        eager = model_loss(model, "eager", ids, labels, pos, docs, segs)
        original = model_module.attend
        try:
            model_module.attend = lambda q, k, v, meta: reference_attention(q, k, v, docs)  # type: ignore[assignment]
            ref = model_loss(model, "eager", ids, labels, pos, docs, segs)
        finally:
            model_module.attend = original
        self.assertAlmostEqual(eager.item(), ref.item(), delta=1e-5 * abs(ref.item()))

    def test_document_isolation(self) -> None:
        ids, labels, pos, docs, segs = packed_batch(2, 64, 61, seed=11, max_doc=20)
        row = 0 if len(segs[0]) >= 3 else 1
        self.assertGreaterEqual(len(segs[row]), 3)
        model = FoxModel(tiny_config(), 61)
        # change every token of the second document of the row (and its labels accordingly)
        start, n = segs[row][0], segs[row][1]
        ids2, labels2 = ids.clone(), labels.clone()
        ids2[row, start : start + n] = (ids[row, start : start + n] * 7 + 3) % 60 + 1
        labels2[row, start : start + n - 1] = ids2[row, start + 1 : start + n]
        other = docs[row] != 1
        for backend in available_backends(CPU):
            with torch.no_grad():
                a = per_token_loss(model, backend, ids, labels, pos, docs, segs)
                b = per_token_loss(model, backend, ids2, labels2, pos, docs, segs)
            self.assertLess((a[row][other] - b[row][other]).abs().max().item(), 1e-6, backend)
            self.assertTrue(torch.equal(a[1 - row], b[1 - row]) or (a[1 - row] - b[1 - row]).abs().max().item() < 1e-6)
            changed = (a[row][~other] - b[row][~other]).abs().max().item()
            self.assertGreater(changed, 1e-4)  # the edited document itself did change

    def test_resolve_backend(self) -> None:
        self.assertEqual(resolve_backend("auto", CPU), "eager")
        self.assertEqual(resolve_backend("eager", CPU), "eager")
        with self.assertRaises(ValueError):
            resolve_backend("flex", CPU)
        with self.assertRaises(ValueError):
            resolve_backend("nope", CPU)


if __name__ == "__main__":
    unittest.main()
