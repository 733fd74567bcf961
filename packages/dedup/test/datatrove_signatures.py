"""
The limit for the signature benchmark: datatrove's MinHash signature stage re-implemented with
numpy as datatrove does it (src/datatrove/pipeline/dedup/minhash.py, MinhashDedupSignature):
simplify_text (lower case, NFD, strip accents and punctuation, collapse whitespace), words, 5-gram
shingles, sha1 -> 64-bit hash per shingle, then 112 permutations (a*x + b) mod (2^61 - 1) in
uint64 numpy arrays and the minimum per permutation. Reads a JSONL file of {"text": ...} and
prints one JSON line with bytes, documents and CPU seconds (this process, one core).
"""
import hashlib
import json
import re
import struct
import sys
import time
import unicodedata

import numpy as np

MERSENNE = np.uint64((1 << 61) - 1)
MAX_HASH = np.uint64((1 << 32) - 1)
PUNCT = re.compile(r"[^\w\s]|_", re.UNICODE)
SPACES = re.compile(r"\s+")


def simplify(text):
    text = text.lower()
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    text = PUNCT.sub(" ", text)
    return SPACES.sub(" ", text).strip()


def sha1_64(s):
    return struct.unpack("<Q", hashlib.sha1(s.encode("utf-8")).digest()[:8])[0]


def main():
    texts = [json.loads(line)["text"] for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
    rng = np.random.RandomState(1)
    a, b = np.array([(rng.randint(1, int(MERSENNE), dtype=np.uint64), rng.randint(0, int(MERSENNE), dtype=np.uint64)) for _ in range(112)], dtype=np.uint64).T
    a = a.reshape(1, -1)
    b = b.reshape(1, -1)
    start = time.process_time()
    total = 0
    for text in texts:
        total += len(text.encode("utf-8"))
        words = simplify(text).split(" ")
        shingles = {" ".join(words[i:i + 5]) for i in range(max(1, len(words) - 4))}
        hashes = np.fromiter((sha1_64(s) for s in shingles), dtype=np.uint64, count=len(shingles)).reshape(-1, 1)
        phv = ((hashes * a + b) % MERSENNE) & MAX_HASH
        phv.min(axis=0)
    seconds = time.process_time() - start
    print(json.dumps({"bytes": total, "documents": len(texts), "cpu_seconds": seconds}))


main()
