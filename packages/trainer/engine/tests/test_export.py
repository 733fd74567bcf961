import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
from typing import Any, Dict, Tuple

import numpy as np
import torch

from helpers import tiny_config
from foxden_engine import checkpoint as ckpt
from foxden_engine.attention import build_meta
from foxden_engine.config import Preset, TrainConfig
from foxden_engine.export import export
from foxden_engine.model import FoxModel
from foxden_engine.optim import build_optimizer

ENGINE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_safetensors(path: str) -> Dict[str, np.ndarray]:
    """An independent reader of the safetensors layout."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    assert n % 8 == 0, "header not padded to 8"
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    body = data[8 + n :]
    out = {}
    end_max = 0
    for name, info in header.items():
        if name == "__metadata__":
            assert info == {"format": "pt"}
            continue
        assert info["dtype"] == "F32"
        b, e = info["data_offsets"]
        end_max = max(end_max, e)
        out[name] = np.frombuffer(body[b:e], dtype="<f4").reshape(info["shape"]).astype(np.float64)
    assert end_max == len(body), "data not contiguous to the end of the file"
    return out


def numpy_llama(cfg: Dict[str, Any], W: Dict[str, np.ndarray], ids: np.ndarray) -> np.ndarray:
    d, H, Hkv = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd, eps, T = d // H, cfg["rms_norm_eps"], len(ids)

    def rms(x: np.ndarray, w: np.ndarray) -> np.ndarray:
        return w * (x / np.sqrt((x * x).mean(-1, keepdims=True) + eps))

    def rot(x: np.ndarray) -> np.ndarray:
        h = x.shape[-1] // 2
        return np.concatenate([-x[..., h:], x[..., :h]], axis=-1)

    inv = 1.0 / (cfg["rope_theta"] ** (np.arange(0, hd, 2) / hd))
    freqs = np.outer(np.arange(T), inv)
    emb = np.concatenate([freqs, freqs], axis=-1)
    cos, sin = np.cos(emb), np.sin(emb)
    mask = np.triu(np.full((T, T), -np.inf), 1)
    x = W["model.embed_tokens.weight"][ids]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms(x, W[p + "input_layernorm.weight"])
        q = (h @ W[p + "self_attn.q_proj.weight"].T).reshape(T, H, hd).transpose(1, 0, 2)
        k = (h @ W[p + "self_attn.k_proj.weight"].T).reshape(T, Hkv, hd).transpose(1, 0, 2)
        v = (h @ W[p + "self_attn.v_proj.weight"].T).reshape(T, Hkv, hd).transpose(1, 0, 2)
        q, k = q * cos + rot(q) * sin, k * cos + rot(k) * sin
        k, v = np.repeat(k, H // Hkv, axis=0), np.repeat(v, H // Hkv, axis=0)
        s = q @ k.transpose(0, 2, 1) / np.sqrt(hd) + mask
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        o = (s @ v).transpose(1, 0, 2).reshape(T, H * hd)
        x = x + o @ W[p + "self_attn.o_proj.weight"].T
        h = rms(x, W[p + "post_attention_layernorm.weight"])
        g = h @ W[p + "mlp.gate_proj.weight"].T
        x = x + ((g / (1 + np.exp(-g))) * (h @ W[p + "mlp.up_proj.weight"].T)) @ W[p + "mlp.down_proj.weight"].T
    x = rms(x, W["model.norm.weight"])
    head = W["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else W["lm_head.weight"]
    return x @ head.T


class ExportTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="foxden-export-")

    def tearDown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def make_checkpoint(self, tied: bool, tokenizer_path: str, sha: str) -> Tuple[FoxModel, str]:
        torch.manual_seed(3)
        cfg = tiny_config(tie_embeddings=tied, vocab_size=83, init_std=0.2, rope_theta=500.0)
        model = FoxModel(cfg, 83)
        with torch.no_grad():  # non-trivial norm gains
            for name, p in model.named_parameters():
                if p.dim() == 1:
                    p.uniform_(0.5, 1.5)
        opt, _ = build_optimizer(model, TrainConfig(), torch.device("cpu"))
        preset = Preset("t", cfg, TrainConfig())
        state = {"preset": preset.to_dict(), "tokenizer": {"vocab_size": 83, "special_ids": {"<pad>": 0, "<eos>": 1, "<bos>": 2}, "sha256": sha},
                 "tokenizer_path": tokenizer_path, "max_seq_len": 128, "fingerprint": "x", "loader": {}}
        return model, ckpt.save_checkpoint(self.dir, 5, model, opt, state)

    def test_numpy_reproduces_logits(self) -> None:
        tok = os.path.join(self.dir, "tok.json")
        with open(tok, "w") as f:
            f.write('{"model": {}}')
        with open(tok, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        ids = [5, 17, 2, 44, 80, 3, 3, 9, 61, 12, 0, 7]
        for tied in (True, False):
            model, path = self.make_checkpoint(tied, tok, sha)
            out = os.path.join(self.dir, f"hf-{tied}")
            summary = export(path, out)
            self.assertEqual(summary["tokenizer"], os.path.join(out, "tokenizer.json"))
            with open(os.path.join(out, "config.json")) as f:
                cfg = json.load(f)
            self.assertEqual((cfg["architectures"], cfg["model_type"], cfg["tie_word_embeddings"]), (["LlamaForCausalLM"], "llama", tied))
            self.assertEqual((cfg["bos_token_id"], cfg["eos_token_id"], cfg["pad_token_id"], cfg["max_position_embeddings"]), (2, 1, 0, 128))
            W = read_safetensors(os.path.join(out, "model.safetensors"))
            self.assertEqual("lm_head.weight" in W, not tied)
            want = numpy_llama(cfg, W, np.array(ids))
            T = len(ids)
            with torch.no_grad():
                got = model.logits(torch.tensor([ids]), torch.arange(T)[None], build_meta("eager", torch.zeros(1, T), [[T]]))[0].double().numpy()
            self.assertLess(np.abs(got - want).max(), 1e-4)
            self.assertGreater(np.abs(want).max(), 0.1)

    def test_transformers_loads_the_folder(self) -> None:
        try:
            from transformers import LlamaForCausalLM  # type: ignore
        except Exception:
            self.skipTest("transformers is not importable")
        ids = [5, 17, 2, 44, 80, 3, 3, 9]
        T = len(ids)
        for tied in (True, False):
            model, path = self.make_checkpoint(tied, "", "")
            out = os.path.join(self.dir, f"hf-{tied}")
            export(path, out)
            hf = LlamaForCausalLM.from_pretrained(out, torch_dtype=torch.float32).eval()
            with torch.no_grad():
                got = hf(torch.tensor([ids])).logits[0]
                want = model.logits(torch.tensor([ids]), torch.arange(T)[None], build_meta("eager", torch.zeros(1, T), [[T]]))[0]
            self.assertLess((got - want).abs().max().item(), 1e-4)

    def test_tokenizer_checks(self) -> None:
        tok = os.path.join(self.dir, "tok.json")
        with open(tok, "w") as f:
            f.write("{}")
        _, path = self.make_checkpoint(True, tok, "00" * 32)
        with self.assertRaisesRegex(ValueError, "sha256"):
            export(path, os.path.join(self.dir, "bad"))
        _, path = self.make_checkpoint(True, os.path.join(self.dir, "missing.json"), "00" * 32)
        summary = export(path, os.path.join(self.dir, "missing"))
        self.assertIsNone(summary["tokenizer"])
        self.assertTrue(os.path.isfile(os.path.join(self.dir, "missing", "model.safetensors")))

    def test_cli_export_and_logits(self) -> None:
        _, path = self.make_checkpoint(True, "", "")
        env = {**os.environ, "PYTHONPATH": ENGINE_DIR, "PYTHONDONTWRITEBYTECODE": "1"}
        out = os.path.join(self.dir, "cli")
        r = subprocess.run([sys.executable, "-m", "foxden_engine", "export", "--checkpoint", path, "--out", out], env=env, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["tensors"], 2 * 9 + 2)
        r = subprocess.run([sys.executable, "-m", "foxden_engine", "logits", "--checkpoint", path, "--tokens", "1,2,3"], env=env, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(json.loads(r.stdout)["logits"]), 83)


if __name__ == "__main__":
    unittest.main()
