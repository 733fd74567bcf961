import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOCUMENT_COLUMNS, FoxdenError, type TaskContext, type TaskSpec } from '@foxden/core';
import { runTask } from '../src/index.js';

const task: TaskSpec = { id: '00000', inputs: [], bytes: 0 };

async function context(signal = new AbortController().signal): Promise<TaskContext> {
  const runDir = await mkdtemp(join(tmpdir(), 'foxden-run-task-'));
  return {
    runDir, stepIndex: 1, stepName: 'kit', stepType: 'kit', stepDir: 'steps/01-kit', phase: 'main', params: {}, seed: 1, inputs: [],
    pipelineDir: runDir, history: [], phaseOutputs: [], inputColumns: [...DOCUMENT_COLUMNS], signal, progress: () => undefined, log: () => undefined,
  };
}

const doc = (id: string) => ({ id, text: id, url: null, source: 's', fetched_at: null, lang: null, lang_score: null, meta: null });

test('runTask closes open writers into the outputs in the order opened, after those the body closed itself', async () => {
  const ctx = await context();
  const stats = await runTask(task, ctx, async (scope) => {
    const a = await scope.shard({ path: 'steps/01-kit/a.arrow', kind: 'documents', columns: DOCUMENT_COLUMNS });
    const b = await scope.shard({ path: 'steps/01-kit/b.arrow', kind: 'documents', columns: DOCUMENT_COLUMNS });
    const c = await scope.shard({ path: 'steps/01-kit/c.arrow', kind: 'documents', columns: DOCUMENT_COLUMNS });
    await a.append(doc('a'));
    await c.append(doc('c'));
    await scope.close(b);
  });
  assert.deepEqual(stats.outputs.map((o) => o.path), ['steps/01-kit/b.arrow', 'steps/01-kit/a.arrow', 'steps/01-kit/c.arrow']);
  assert.equal(stats.seconds, 0, 'timing is the executor\'s');
});

test('a failing task aborts every writer it owns: no file is left', async () => {
  const ctx = await context();
  await assert.rejects(
    runTask(task, ctx, async (scope) => {
      const a = await scope.shard({ path: 'steps/01-kit/a.arrow', kind: 'documents', columns: DOCUMENT_COLUMNS });
      await a.append(doc('a'));
      await scope.drops();
      throw new FoxdenError('BAD_INPUT', 'boom');
    }),
    /boom/,
  );
  const left = await readdir(join(ctx.runDir, 'steps/01-kit'), { recursive: true, withFileTypes: true });
  assert.deepEqual(left.filter((e) => e.isFile()).map((e) => e.name), []);
});

test('checkAborted throws ABORTED naming the task once the run is interrupted', async () => {
  const controller = new AbortController();
  const ctx = await context(controller.signal);
  await assert.rejects(
    runTask(task, ctx, async (scope) => {
      scope.checkAborted();
      controller.abort();
      scope.checkAborted();
    }),
    (e: unknown) => e instanceof FoxdenError && e.code === 'ABORTED' && /task 00000 of step kit/.test(e.message),
  );
});

test('a task whose documents do not balance fails with ACCOUNTING', async () => {
  const ctx = await context();
  await assert.rejects(
    runTask(task, ctx, async (scope) => {
      scope.stats.documents_in = 3;
      scope.stats.documents_out = 2;
    }),
    (e: unknown) => e instanceof FoxdenError && e.code === 'ACCOUNTING',
  );
});
