// foxden-test-needs: redis
/**
 * One conformance suite for every executor: the demo pipeline (at the e2e
 * fixtures' small scale) run through runPipeline on the in-process executor,
 * the local runner's worker threads and the BullMQ runner (a TaskWorker of
 * two threads serving a queue on the Redis at 127.0.0.1:6379) gives the same
 * run directory byte for byte: markers, shards, sidecars, manifests, Parquet
 * and the funnel (compareRuns). A new executor is one more entry in
 * EXECUTORS. On Linux it also checks that the threads running tasks carry
 * their name (TASK_THREAD_NAME), which the ingest benchmark splits CPU time by.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { stepPackageUrls } from '@foxden/cli';
import { InProcessExecutor, StepRegistry, TASK_THREAD_NAME, loadPipeline, runPipeline, type TaskExecutor } from '@foxden/pipeline';
import { QueueExecutor, TaskWorker } from '@foxden/runner-bullmq';
import { WorkerPool } from '@foxden/runner-local';
import { writeRunParquet } from '@foxden/sql';
import { REDIS, cleanupRedis, testPrefix } from '../bullmq/helpers.js';
import { demoFixture, scratchDir } from './fixtures.js';
import { compareRuns, readSummary } from './run-dir.js';

const prefix = testPrefix();

/** How many threads of this process carry the task-thread name; null off Linux (no /proc). */
function namedTaskThreads(): number | null {
  if (process.platform !== 'linux') return null;
  return readdirSync('/proc/self/task').filter((tid) => {
    try {
      return readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === TASK_THREAD_NAME;
    } catch {
      return false; // the thread ended meanwhile
    }
  }).length;
}

/**
 * The named task threads alive after each executor's run, before it stops:
 * none for the in-process executor (it runs tasks on this thread, which keeps
 * Node's name), the local pool's two, and the one or two of BullMQ's thread
 * pool (it keeps a thread per job it ran at once).
 */
const TASK_THREADS: Record<string, [min: number, max: number]> = { 'in-process': [0, 0], local: [2, 2], bullmq: [1, 2] };

/** Each executor under test: how to make one for a run directory, and what to stop after the run. */
const EXECUTORS: Record<string, (runDir: string, pipelineName: string) => Promise<{ executor: TaskExecutor; stop(): Promise<void> }>> = {
  'in-process': async () => {
    const executor = new InProcessExecutor();
    return { executor, stop: () => executor.close() };
  },
  local: async () => {
    const executor = new WorkerPool({ workers: 2 });
    return { executor, stop: () => executor.close() };
  },
  bullmq: async (runDir, pipelineName) => {
    const executor = await QueueExecutor.create({ url: REDIS, prefix, runDir, pipelineName });
    const worker = await TaskWorker.start({ url: REDIS, prefix, queue: executor.queueName, concurrency: 2 });
    return {
      executor,
      stop: async () => {
        await worker.close();
        await executor.close();
      },
    };
  },
};

test('the demo pipeline gives byte-identical runs on the in-process, worker-thread and BullMQ executors', { timeout: 10 * 60_000 }, async () => {
  const fixture = await demoFixture();
  const registry = await StepRegistry.load(stepPackageUrls());
  const dir = await scratchDir('conformance');
  const runs: Record<string, string> = {};
  try {
    for (const [name, make] of Object.entries(EXECUTORS)) {
      const runDir = join(dir, name);
      const pipeline = await loadPipeline(fixture.pipelineFile, { registry, output: runDir });
      const { executor, stop } = await make(runDir, pipeline.name);
      try {
        // As `foxden run` does: the Parquet export after the last step.
        const summary = await runPipeline(pipeline, registry, { executor, afterRun: async (d) => void (await writeRunParquet(d)) });
        assert.equal(summary.runner, executor.name);
        assert.equal(summary.balanced, true);
        assert.equal(summary.tasks_skipped, 0);
        const named = namedTaskThreads();
        const [min, max] = TASK_THREADS[name]!;
        if (named !== null) assert.ok(named >= min && named <= max, `${name}: ${named} threads named ${TASK_THREAD_NAME}, expected ${min}-${max}`);
      } finally {
        await stop();
      }
      runs[name] = runDir;
    }
    const [first, ...others] = Object.keys(runs);
    assert.ok((await readSummary(runs[first!]!)).tasks_run > 30);
    for (const other of others) assert.deepEqual(await compareRuns(runs[first!]!, runs[other]!), [], `${other} differs from ${first}`);
  } finally {
    await cleanupRedis(REDIS, prefix);
  }
  await rm(dir, { recursive: true, force: true });
});
