#!/bin/bash
# Runs the dedup benchmarks on a machine without Node.js (the GPU host): carry the folder
# packages/dedup/dist/devbench holding this script, node.xz (xz -6 of `command -v node`),
# texts.jsonl.gz (the benchmark's corpus texts as JSONL), sig.mjs and lsh.mjs, built with
#   node_modules/.bin/esbuild packages/dedup/test/lsh-scale.ts --bundle --platform=node --format=esm \
#     --ignore-annotations --outfile=packages/dedup/dist/devbench/lsh.mjs \
#     --banner:js="import { createRequire } from 'module'; const require = createRequire(import.meta.url);"
# (--ignore-annotations keeps apache-arrow's Node adapters, which its sideEffects:false would drop), and
# sig.mjs likewise from packages/dedup/test/device-signatures.ts.
# Device benchmark for dedup: signatures vs numpy datatrove, and buckets/clusters at 5M and 20M signatures.
cd "$(dirname "$0")"
python3 - <<'PY'
import lzma, shutil, gzip
shutil.copyfileobj(lzma.open('node.xz'), open('node', 'wb'))
shutil.copyfileobj(gzip.open('texts.jsonl.gz'), open('texts.jsonl', 'wb'))
PY
chmod +x node
./node --version > $OUT/env.txt; nproc >> $OUT/env.txt; lscpu | grep -E "Model name|MHz" >> $OUT/env.txt; uptime >> $OUT/env.txt
./node sig.mjs texts.jsonl > $OUT/sig.json 2>&1
python3 ../../test/datatrove_signatures.py texts.jsonl > $OUT/numpy.json 2>&1
mkdir -p /tmp/l5 /tmp/l20
( ./node lsh.mjs /tmp/l5 5000000 20 0 generate > $OUT/gen5.json 2>&1; ./node lsh.mjs /tmp/l5 5000000 20 0 buckets > $OUT/buckets5.json 2>&1; ./node lsh.mjs /tmp/l5 5000000 20 0 clusters > $OUT/clusters5.json 2>&1 ) &
./node lsh.mjs /tmp/l20 20000000 80 0 generate > $OUT/gen20.json 2>&1
wait
./node lsh.mjs /tmp/l20 20000000 80 0 buckets > $OUT/buckets20.json 2>&1
./node lsh.mjs /tmp/l20 20000000 80 0 clusters > $OUT/clusters20.json 2>&1
du -sh /tmp/l20 >> $OUT/env.txt
echo done >> $OUT/env.txt
