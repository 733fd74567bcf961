/**
 * BullMQ runner benchmarks (issue #7), each against the local runner measured in the same run:
 * 1. per-task overhead: an ingest step over 48 one-document JSONL files (tasks that do almost nothing),
 *    1 worker process with 1 thread against the local runner with 1 thread; the overhead is the
 *    difference in wall time per task;
 * 2. throughput: the demo pipeline (demo corpus at scale 0.2, 11 steps) with 1 and with 2 worker
 *    processes (1 thread each) against the local runner with 1 and 2 threads; documents read by
 *    ingest per second of wall time, per core used.
 * Redis is the one at 127.0.0.1:6379 (FOXDEN_REDIS_URL to change), under a key prefix of its own.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stepPackageUrls } from '@foxden/cli';
import { StepRegistry, loadPipeline, runPipeline, type RunSummary, type TaskExecutor } from '@foxden/pipeline';
import { WorkerPool } from '@foxden/runner-local';
import { QueueExecutor } from '../../runners/bullmq/src/index.js';
import { cleanupRedis, demoFixture, demoPipeline, startWorker, stopWorkers, testPrefix, type Spawned } from '../bullmq/helpers.js';
import { availableCores, measure, type BenchEntry, type Benchmark } from './harness.js';

const REDIS = process.env['FOXDEN_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const TINY_TASKS = 48;

async function runOnce(file: string, runDir: string, executor: (runDir: string, name: string) => Promise<TaskExecutor>) {
  const registry = await StepRegistry.load(stepPackageUrls());
  const pipeline = await loadPipeline(file, { registry, output: runDir });
  const ex = await executor(runDir, pipeline.name);
  try {
    return await measure(() => runPipeline(pipeline, registry, { executor: ex }));
  } finally {
    await ex.close();
  }
}

/** Starts n workers and waits until each has started its queue discovery. */
async function workers(n: number, prefix: string): Promise<Spawned[]> {
  const started = Array.from({ length: n }, () => startWorker(REDIS, prefix));
  for (const w of started) {
    while (!/foxden worker \d+ started/.test(w.output())) {
      if (w.child.exitCode !== null) throw new Error(`worker exited: ${w.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return started;
}

const bench: Benchmark = async (ctx) => {
  const entries: BenchEntry[] = [];
  const cores = availableCores();
  const prefix = testPrefix();
  const bull = (runDir: string, name: string) => QueueExecutor.create({ url: REDIS, prefix, runDir, pipelineName: name, pollMs: 50 });
  try {
    // 1. Per-task overhead.
    const tinyDir = join(ctx.scratchDir, 'tiny');
    await mkdir(tinyDir, { recursive: true });
    const inputs: string[] = [];
    for (let i = 0; i < TINY_TASKS; i++) {
      const f = join(tinyDir, `doc-${String(i).padStart(3, '0')}.jsonl`);
      await writeFile(f, JSON.stringify({ text: `Document ${i}: a short line of text for the per-task overhead benchmark.` }) + '\n');
      inputs.push(f);
    }
    await writeFile(join(tinyDir, 'tiny.yaml'), `name: tiny\nseed: 1\ninputs: ${JSON.stringify(inputs)}\noutput: out\nsteps:\n  - {name: ingest, type: ingest}\n`);
    const tinyFile = join(tinyDir, 'tiny.yaml');
    const local1 = await runOnce(tinyFile, join(tinyDir, 'local'), async () => new WorkerPool({ workers: 1 }));
    let pool = await workers(1, prefix);
    let bull1;
    try {
      bull1 = await runOnce(tinyFile, join(tinyDir, 'bull'), bull);
    } finally {
      await stopWorkers(pool);
    }
    const localMs = (local1.seconds * 1000) / TINY_TASKS;
    const bullMs = (bull1.seconds * 1000) / TINY_TASKS;
    ctx.log(`${TINY_TASKS} tiny tasks: local ${localMs.toFixed(1)} ms/task, bullmq ${bullMs.toFixed(1)} ms/task`);
    entries.push({
      name: 'bullmq.task-overhead', value: bullMs - localMs, unit: 'ms/task', input_bytes: 0, documents: TINY_TASKS, seconds: bull1.seconds,
      cores: 1, peak_rss_bytes: bull1.peakRss,
      limit: { name: 'local runner, 1 thread: wall time per tiny task', value: localMs, unit: 'ms/task' }, ratio: bullMs / localMs,
      notes: { bullmq_ms_per_task: bullMs, local_ms_per_task: localMs, tasks: TINY_TASKS, coordinator_poll_ms: 50, what: 'ingest of one one-line JSONL file per task; 1 worker process, concurrency 1, vs local runner with 1 thread' },
    });

    // 2. Throughput on the demo pipeline.
    const fixture = await demoFixture();
    const demoDir = join(ctx.scratchDir, 'demo');
    const file = await demoPipeline(fixture, demoDir);
    for (const n of [1, 2]) {
      const local = await runOnce(file, join(demoDir, `local-${n}`), async () => new WorkerPool({ workers: n }));
      pool = await workers(n, prefix);
      let queued;
      try {
        queued = await runOnce(file, join(demoDir, `bull-${n}`), bull);
      } finally {
        await stopWorkers(pool);
      }
      const docs = (s: RunSummary) => s.documents_in;
      const rate = docs(queued.result) / queued.seconds;
      const localRate = docs(local.result) / local.seconds;
      ctx.log(`demo pipeline, ${n} worker(s): bullmq ${rate.toFixed(1)} docs/s in ${queued.seconds.toFixed(1)} s, local ${localRate.toFixed(1)} docs/s in ${local.seconds.toFixed(1)} s`);
      entries.push({
        name: `bullmq.demo-throughput.${n}-worker${n > 1 ? 's' : ''}`, value: rate / n, unit: 'docs/s/core', input_bytes: 0, documents: docs(queued.result),
        seconds: queued.seconds, cores: n, peak_rss_bytes: queued.peakRss,
        limit: { name: `local runner, ${n} thread(s), same pipeline`, value: localRate / n, unit: 'docs/s/core' }, ratio: rate / localRate,
        notes: { docs_per_s: rate, local_docs_per_s: localRate, local_seconds: local.seconds, tasks: queued.result.tasks_run, steps: queued.result.steps.length, machine_cores: cores, corpus: 'buildDemoCorpus scale 0.2, WARC files of 1 MiB' },
      });
      await rm(join(demoDir, `local-${n}`), { recursive: true, force: true });
      await rm(join(demoDir, `bull-${n}`), { recursive: true, force: true });
    }
  } finally {
    await cleanupRedis(REDIS, prefix);
  }
  return entries;
};

export default bench;
