import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StepRegistry, loadPipeline, runPipeline } from '@foxden/pipeline';
import { WorkerPool } from '../src/index.js';

/** The ids of the worker threads (not the main thread, id 0) that have imported the fixture, in order. */
async function workerImports(log: string): Promise<number[]> {
  if (!existsSync(log)) return [];
  return (await readFile(log, 'utf8')).split('\n').filter((l) => l !== '').map(Number).filter((id) => id !== 0);
}

async function withRun(fail: boolean, body: (ctx: { dir: string; log: string; url: string }) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'foxden-prepare-'));
  try {
    await writeFile(join(dir, 'in.jsonl'), '{"text": "unused"}\n');
    await writeFile(join(dir, 'p.yaml'), 'name: prepare\ninputs: [in.jsonl]\noutput: run\nsteps:\n  - {name: loads, type: loads}\n');
    const log = join(dir, 'imports.log');
    const url = `${import.meta.resolve('./fixtures/loads-step.mjs')}?log=${encodeURIComponent(log)}${fail ? '&fail=1' : ''}`;
    await body({ dir, log, url });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('prepare starts every thread and loads the step modules before any task is posted; tasks reuse them', async () => {
  await withRun(false, async ({ dir, log, url }) => {
    const pool = new WorkerPool({ workers: 2 });
    try {
      pool.prepare([url]);
      const deadline = Date.now() + 30_000;
      while ((await workerImports(log)).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const before = await workerImports(log);
      assert.equal(before.length, 2, 'both threads imported the step module with no task posted');
      assert.equal(new Set(before).size, 2, 'one import in each of two threads');

      const registry = await StepRegistry.load([url]);
      const pipeline = await loadPipeline(join(dir, 'p.yaml'), { registry });
      const summary = await runPipeline(pipeline, registry, { executor: pool });
      assert.equal(summary.tasks_run, 4);
      assert.deepEqual(await workerImports(log), before, 'the four tasks ran on the preloaded module: no thread imported it again');
    } finally {
      await pool.close();
    }
  });
});

test('a step module that fails to preload fails its tasks with its own error, as without prepare', async () => {
  await withRun(true, async ({ dir, url }) => {
    const pool = new WorkerPool({ workers: 1, attempts: 1 });
    try {
      pool.prepare([url]);
      const registry = await StepRegistry.load([url]);
      const pipeline = await loadPipeline(join(dir, 'p.yaml'), { registry });
      await assert.rejects(runPipeline(pipeline, registry, { executor: pool }), (error: Error) => {
        assert.match(error.message, /4 of 4 tasks failed/);
        assert.match(error.message, /00000 .*failed after 1 attempt\(s\): \[INTERNAL\] this step module does not load in worker threads/);
        return true;
      });
    } finally {
      await pool.close();
    }
  });
});
