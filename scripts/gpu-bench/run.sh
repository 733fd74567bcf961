#!/usr/bin/env bash
# The trainer on a GPU (docs/benchmarks.md): fox-1.6b (vocabulary 256,000) on a
# real curriculum, STEPS steps at each of 2K, 4K and 8K, through `foxden train`
# (the feeder process piping batches into the engine). Runs on a machine with
# PyTorch and no Node.js, from what scripts/gpu-bench/prepare.mjs put in .gl/.
# Writes $OUT/gpu-metrics.jsonl (every engine event), $OUT/gpu-summary.json and the
# engine event log.
set -uo pipefail
OUT=${OUT:-/tmp/gpu-out}
STEPS=${STEPS:-100}
mkdir -p "$OUT"
python3 - <<'PY'
import lzma, os, shutil, tarfile
with lzma.open('.gl/node.xz') as src, open('.gl/node', 'wb') as dst:
    shutil.copyfileobj(src, dst)
os.chmod('.gl/node', 0o755)
with tarfile.open('.gl/run.tar.xz') as t:
    t.extractall('.gl')
PY
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu-name.txt"
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' | tee -a "$OUT/gpu-name.txt"
export PYTHONPATH=$PWD/.gl/trainer/engine
# foxden train itself: feeder process -> engine, STEPS steps of each stage in one engine process, no checkpoints.
timeout "${TRAIN_TIMEOUT:-480}" .gl/node .gl/trainer/dist/train-main.js .gl/run --preset fox-1.6b --device cuda --compile --vocab-size 256000 \
  --stage-steps "$STEPS" --checkpoint-every 0 --out /tmp/gpu-train > "$OUT/gpu-train.log" 2>&1
echo "train exit $?"; tail -5 "$OUT/gpu-train.log"
cp /tmp/gpu-train/metrics.jsonl "$OUT/gpu-metrics.jsonl"; cp /tmp/gpu-train/engine.log "$OUT/gpu-engine.log"
python3 - "$OUT" <<'PY'
import json, sys, statistics
out = sys.argv[1]
summary = {}
events = [json.loads(l) for l in open(f"{out}/gpu-metrics.jsonl") if l.startswith("{")]
start = next((e for e in events if e.get("event") == "start"), {})
summary["start"] = start
for stage in (0, 1, 2):
    steps = [e for e in events if e.get("event") == "step" and e["stage"] == stage]
    warm = steps[10:] if len(steps) > 20 else steps
    if not warm:
        continue
    step_s = sum(e["step_s"] for e in warm)
    summary[f"stage{stage}"] = {
        "seq_len": warm[0]["seq_len"], "steps_measured": len(warm), "attention": start.get("attention"),
        "tokens_per_s": statistics.median(e["tokens_per_s"] for e in warm),
        "mfu": statistics.median(e["mfu"] for e in warm if e.get("mfu") is not None) if any(e.get("mfu") for e in warm) else None,
        "data_wait_share": sum(e["data_wait_s"] for e in warm) / step_s,
        "first_loss": steps[0]["loss"], "last_loss": steps[-1]["loss"],
    }
json.dump(summary, open(f"{out}/gpu-summary.json", "w"), indent=2)
print(json.dumps(summary, indent=2))
PY
