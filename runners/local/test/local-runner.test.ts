// foxden-test-needs: shared-corpus
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FoxdenError, listStepDirs, readStepMarkers } from '@foxden/core';
import { StepRegistry, loadPipeline, runPipeline } from '@foxden/pipeline';
import { WorkerPool } from '../src/index.js';

const corpus = resolve(import.meta.dirname, '../../../../shared/corpus');

async function pipelineFile(dir: string, inputs: string[], extraSteps = ''): Promise<string> {
  const file = join(dir, 'p.yaml');
  await writeFile(file, `name: runner-test\nseed: 3\ninputs: ${JSON.stringify(inputs)}\noutput: run\nsteps:\n  - {name: ingest, type: ingest}\n${extraSteps}`);
  return file;
}

async function shardHashes(runDir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const stepDir of await listStepDirs(runDir)) {
    for (const { stats } of await readStepMarkers(runDir, stepDir)) {
      for (const o of stats.outputs) out[o.path] = o.sha256;
    }
  }
  return out;
}

const inputs = [
  join(corpus, 'warc/cc_whirlwind_CC-MAIN-2024-22.warc.gz'),
  join(corpus, 'warc/ukwa_IAH-urls-wget.warc.gz'),
  join(corpus, 'jsonl/datajuicer_redpajama-c4-refined.jsonl'),
  join(corpus, 'warc/edge-cases/resiliparse_clipped.warc.gz'),
];

test('the local runner ingests real archives, balances, resumes and redoes with --force byte-identically', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'foxden-local-'));
  const registry = await StepRegistry.load([import.meta.resolve('@foxden/ingest/step')]);
  const pipeline = await loadPipeline(await pipelineFile(dir, inputs), { registry });
  const pool = new WorkerPool({ workers: 2 });
  try {
    const first = await runPipeline(pipeline, registry, { executor: pool });
    assert.equal(first.balanced, true);
    assert.equal(first.tasks_run, 4);
    const ingest = first.steps[0]!;
    // whirlwind: 4 records (warcinfo, request, response, metadata); clipped: 1 truncated response.
    assert.ok(ingest.documents_out >= 10 + 1, `documents out ${ingest.documents_out}`);
    assert.ok((ingest.dropped['reject:truncated-record'] ?? 0) + (ingest.dropped['reject:bad-gzip'] ?? 0) >= 1, JSON.stringify(ingest.dropped));
    const hashes = await shardHashes(pipeline.output);

    const again = await runPipeline(pipeline, registry, { executor: pool });
    assert.equal(again.tasks_run, 0);
    assert.equal(again.tasks_skipped, 4);
    assert.deepEqual(again.steps, first.steps.map((s) => ({ ...s, seconds: again.steps[0]!.seconds })));

    // A task whose marker is gone (crashed before completing) is redone, and only that one.
    await rm(join(pipeline.output, 'steps/00-ingest/done/main-00001.json'));
    const resumed = await runPipeline(pipeline, registry, { executor: pool });
    assert.equal(resumed.tasks_run, 1);
    assert.deepEqual(await shardHashes(pipeline.output), hashes);

    const forced = await runPipeline(pipeline, registry, { executor: pool, force: true });
    assert.equal(forced.tasks_run, 4);
    assert.deepEqual(await shardHashes(pipeline.output), hashes);
    const summary = JSON.parse(await readFile(join(pipeline.output, 'summary.json'), 'utf8'));
    assert.equal(summary.steps[0].documents_in, ingest.documents_in);
  } finally {
    await pool.close();
  }
});

test('one worker and two workers give byte-identical shards', async () => {
  const a = await mkdtemp(join(tmpdir(), 'foxden-local-'));
  const b = await mkdtemp(join(tmpdir(), 'foxden-local-'));
  const registry = await StepRegistry.load([import.meta.resolve('@foxden/ingest/step')]);
  for (const [dir, workers] of [[a, 1], [b, 2]] as const) {
    const pool = new WorkerPool({ workers });
    try {
      await runPipeline(await loadPipeline(await pipelineFile(dir, inputs), { registry }), registry, { executor: pool });
    } finally {
      await pool.close();
    }
  }
  assert.deepEqual(await shardHashes(join(a, 'run')), await shardHashes(join(b, 'run')));
});

// A deliberately broken step (fixtures/leaky-step.ts) forgets one document: the accounting guard must stop the run.
test('a step that loses a document fails the run with an accounting error naming the step', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'foxden-local-'));
  const registry = await StepRegistry.load([import.meta.resolve('@foxden/ingest/step'), import.meta.resolve('./fixtures/leaky-step.mjs')]);
  const pipeline = await loadPipeline(await pipelineFile(dir, [inputs[2]!], '  - {name: leak, type: leaky}\n'), { registry });
  const pool = new WorkerPool({ workers: 1, attempts: 1 });
  try {
    await assert.rejects(runPipeline(pipeline, registry, { executor: pool }), (e: unknown) => {
      assert.ok(e instanceof FoxdenError);
      assert.match(e.message, /step 'leak'[\s\S]*ACCOUNTING[\s\S]*neither kept nor dropped 1 documents/);
      return true;
    });
  } finally {
    await pool.close();
  }
});

test('an aborted run keeps completed tasks and resumes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'foxden-local-'));
  const registry = await StepRegistry.load([import.meta.resolve('@foxden/ingest/step')]);
  const pipeline = await loadPipeline(await pipelineFile(dir, [join(corpus, 'warc/aut_IAH-2008-archive.org.warc.gz'), ...inputs]), { registry });
  const controller = new AbortController();
  const pool = new WorkerPool({ workers: 1, signal: controller.signal });
  let progressed = 0;
  try {
    await assert.rejects(
      runPipeline(pipeline, registry, {
        executor: pool, signal: controller.signal,
        reporter: { stepStart() {}, stepEnd() {}, log() {}, progress(d) { progressed += d.documents ?? 0; if (progressed > 0) controller.abort(); } },
      }),
      (e: unknown) => e instanceof FoxdenError && e.code === 'ABORTED',
    );
  } finally {
    await pool.close();
  }
  const markers = await readdir(join(pipeline.output, 'steps/00-ingest/done')).catch(() => []);
  assert.ok(markers.length < 5, `an interrupted run must not complete every task (${markers.length})`);
  const leftovers = (await readdir(join(pipeline.output, 'steps/00-ingest/documents')).catch(() => [] as string[])).filter((f) => f.includes('.tmp-'));
  assert.deepEqual(leftovers, [], 'an aborted task removes its temporary files');
  const pool2 = new WorkerPool({ workers: 2 });
  try {
    const resumed = await runPipeline(pipeline, registry, { executor: pool2 });
    assert.equal(resumed.tasks_run + resumed.tasks_skipped, 5);
    assert.equal(resumed.tasks_skipped, markers.length);
    assert.equal(resumed.balanced, true);
  } finally {
    await pool2.close();
  }
});
