import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StepRegistry, largestFirst, loadPipeline, runPipeline } from '@foxden/pipeline';
import { WorkerPool } from '../src/index.js';

test('largestFirst orders by input bytes, ties in plan order', () => {
  const tasks = [5, 100, 5, 7, 100].map((bytes, i) => ({ task: { id: String(i), inputs: [], bytes } }));
  assert.deepEqual(largestFirst(tasks), [1, 4, 3, 0, 2]);
  assert.deepEqual(largestFirst([]), []);
});

test('the worker pool starts the largest task first', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'foxden-order-'));
  try {
    await writeFile(join(dir, 'in.jsonl'), '{"text": "unused"}\n');
    await writeFile(join(dir, 'p.yaml'), 'name: order\ninputs: [in.jsonl]\noutput: run\nsteps:\n  - {name: sized, type: sized}\n');
    const registry = await StepRegistry.load([import.meta.resolve('./fixtures/sized-step.mjs')]);
    const pipeline = await loadPipeline(join(dir, 'p.yaml'), { registry });
    const pool = new WorkerPool({ workers: 1 });
    const started: string[] = [];
    try {
      const summary = await runPipeline(pipeline, registry, {
        executor: pool,
        reporter: { stepStart() {}, progress() {}, stepEnd() {}, log: (line) => { if (line.includes('started')) started.push(line.replace(/.*started /, '')); } },
      });
      assert.equal(summary.tasks_run, 3);
    } finally {
      await pool.close();
    }
    assert.deepEqual(started, ['00001', '00002', '00000']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
