/**
 * A task thread holds two tasks at once (WorkerPool's tasksPerThread), so
 * that one task's waits (I/O, fastText) are another's compute time. Shown
 * with a step whose two tasks each wait for the other to start: on one
 * thread they complete only if the thread holds both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StepRegistry, loadPipeline, runPipeline } from '@foxden/pipeline';
import { WorkerPool, type WorkerPoolOptions } from '../src/index.js';

/** Runs the rendezvous step on a fresh pool; returns the thread each task ran on, or the run's error. */
async function rendezvous(options: WorkerPoolOptions, waitMs = 20_000): Promise<Record<string, string> | Error> {
  const dir = await mkdtemp(join(tmpdir(), 'foxden-lanes-'));
  const pool = new WorkerPool(options);
  try {
    await writeFile(join(dir, 'in.jsonl'), '{"text": "unused"}\n');
    await writeFile(join(dir, 'p.yaml'), `name: lanes\ninputs: [in.jsonl]\noutput: run\nsteps:\n  - {name: pair, type: rendezvous, params: {wait_ms: ${waitMs}}}\n`);
    const registry = await StepRegistry.load([import.meta.resolve('./fixtures/rendezvous-step.mjs')]);
    const pipeline = await loadPipeline(join(dir, 'p.yaml'), { registry });
    const threads: Record<string, string> = {};
    const log = (line: string) => {
      const m = /task (\w) on thread (\d+)/.exec(line);
      if (m) threads[m[1]!] = m[2]!;
    };
    try {
      await runPipeline(pipeline, registry, { executor: pool, reporter: { stepStart() {}, progress() {}, stepEnd() {}, log } });
    } catch (error) {
      return error as Error;
    }
    return threads;
  } finally {
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  }
}

test('one thread holds two tasks at once: a task waiting for the other does not hold it up', async () => {
  const threads = await rendezvous({ workers: 1 });
  assert.ok(!(threads instanceof Error), String(threads));
  assert.deepEqual(Object.keys(threads).sort(), ['a', 'b', 'c']);
  assert.equal(new Set(Object.values(threads)).size, 1, 'all three tasks ran on the one thread');
});

test('with one task a thread, the same pair cannot meet: the first task waits alone and fails', async () => {
  const result = await rendezvous({ workers: 1, tasksPerThread: 1, attempts: 1 }, 300);
  assert.ok(result instanceof Error);
  assert.match(result.message, /task a: task b never started/);
});

test('the first tasks go one to a thread: with two threads, the pair runs on both', async () => {
  const threads = await rendezvous({ workers: 2 });
  assert.ok(!(threads instanceof Error), String(threads));
  assert.notEqual(threads['a'], threads['b']);
});

test('tasksPerThread must be a positive integer', () => {
  assert.throws(() => new WorkerPool({ tasksPerThread: 0 }), /tasksPerThread must be a positive integer, got 0/);
});
