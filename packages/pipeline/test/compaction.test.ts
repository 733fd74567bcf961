/**
 * The orchestrator compacts each completed step's token and drop sidecars
 * into one Parquet file per kind (real pipeline runs through runPipeline,
 * real ShardWriter sidecars, real DuckDB): the file holds the sidecars' rows
 * in shard order, is recorded with size and sha256, is not rewritten when
 * nothing changed, is repaired after a crash between the last task and the
 * compaction or after being tampered with, and is dropped before any task of
 * its step runs again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  compactedRecordPath, compactedSidecarPath, sha256File, sidecarSetDigest, stepDirName,
  type CompactedStep, type TaskStats,
} from '@foxden/core';
import { executeTask } from '../src/execute-task.js';
import { runPipeline, type TaskExecutor } from '../src/run-pipeline.js';
import { StepRegistry } from '../src/registry.js';
import type { ResolvedPipeline } from '../src/load-pipeline.js';

const stepsUrl = new URL('./compaction-steps.ts', import.meta.url).href;
let scratch: string;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'foxden-compaction-'));
});

after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function pipelineIn(runDir: string, tasks = 6): ResolvedPipeline {
  return {
    name: 'compaction-test', description: null, file: join(runDir, 'pipeline.yaml'), dir: runDir, seed: 1, inputs: [], output: runDir,
    steps: [{ name: 'emit', type: 'emit', params: { tasks, rows: 40 } }],
  };
}

/** Runs tasks one after another in this process; `beforePhase` sees the run directory as the tasks find it. */
function inProcessExecutor(beforePhase: () => Promise<void> = async () => undefined): TaskExecutor & { ran: number } {
  const executor = {
    name: 'in-process',
    ran: 0,
    async runPhase(messages: Parameters<TaskExecutor['runPhase']>[0]) {
      await beforePhase();
      const outcomes = [];
      for (const m of messages) {
        const stats = await executeTask(m, { signal: new AbortController().signal, progress: () => undefined, log: () => undefined });
        executor.ran += 1;
        outcomes.push({ ok: true as const, stats });
      }
      return outcomes;
    },
    async close() {},
  };
  return executor;
}

async function run(runDir: string, options: { force?: boolean; beforePhase?: () => Promise<void>; tasks?: number } = {}) {
  const registry = await StepRegistry.load([stepsUrl]);
  const executor = inProcessExecutor(options.beforePhase);
  const summary = await runPipeline(pipelineIn(runDir, options.tasks), registry, { executor, force: options.force ?? false });
  return { summary, ran: executor.ran };
}

const stepDir = stepDirName(0, 'emit');
const readRecord = async (runDir: string) => JSON.parse(await readFile(join(runDir, compactedRecordPath(stepDir)), 'utf8')) as CompactedStep;

async function markerOutputs(runDir: string, tasks = 6) {
  const outputs = [];
  for (let i = 0; i < tasks; i++) {
    const stats = JSON.parse(await readFile(join(runDir, stepDir, 'done', `main-${String(i).padStart(5, '0')}.json`), 'utf8')) as TaskStats;
    outputs.push(...stats.outputs);
  }
  return outputs;
}

async function rowsOf(sql: string): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowsJS();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

test('a completed step has one compacted file per kind: the task sidecars\' rows in shard order, with shard and shard_row, recorded with size and sha256', async () => {
  const runDir = join(scratch, 'basic');
  await run(runDir);
  const record = await readRecord(runDir);
  assert.deepEqual(record.files.map((f) => [f.kind, f.path, f.shards]), [
    ['drops', compactedSidecarPath(stepDir, 'drops'), 6],
    ['tokens', compactedSidecarPath(stepDir, 'tokens'), 6],
  ]);
  const outputs = await markerOutputs(runDir);
  for (const f of record.files) {
    const file = join(runDir, f.path);
    assert.equal((await stat(file)).size, f.bytes);
    assert.equal(await sha256File(file), f.sha256);
    const ofKind = outputs.filter((o) => o.kind === f.kind).sort((a, b) => (a.path < b.path ? -1 : 1));
    assert.equal(f.sources, sidecarSetDigest(ofKind));
    assert.equal(f.rows, ofKind.reduce((n, o) => n + o.rows, 0));
    // Row for row what the sidecars hold, in path order, with the shard and the row in it.
    const compacted = await rowsOf(`SELECT * FROM read_parquet('${file}')`);
    const expected: unknown[][] = [];
    for (const o of ofKind) {
      for (const row of await rowsOf(`SELECT * FROM read_parquet('${join(runDir, o.sidecar!.path)}', file_row_number = true)`)) {
        expected.push([...row.slice(0, -1), o.path, row[row.length - 1]]);
      }
    }
    assert.deepEqual(compacted, expected);
  }
  const columns = (await rowsOf(`DESCRIBE SELECT * FROM read_parquet('${join(runDir, compactedSidecarPath(stepDir, 'tokens'))}')`)).map((r) => r[0]);
  assert.deepEqual(columns, ['id', 'source', 'url', 'lang', 'n_tokens', 'quality', 'cluster_size', 'extraction', 'shard', 'shard_row']);
});

test('resume: nothing changed, nothing rewritten; after a crash between the last task and the compaction, or a tampered file, the next run repairs it byte for byte', async () => {
  const runDir = join(scratch, 'resume');
  await run(runDir);
  const record = await readRecord(runDir);
  const tokens = join(runDir, compactedSidecarPath(stepDir, 'tokens'));
  const bytes = await readFile(tokens);
  const mtime = (await stat(tokens)).mtimeMs;

  const again = await run(runDir);
  assert.equal(again.ran, 0);
  assert.equal((await stat(tokens)).mtimeMs, mtime, 'an intact compacted file is kept');

  // The state a crash after the last task's marker and before the compaction leaves: no record, no files
  // (or a file without its record, or a temporary file of a compaction cut short).
  await rm(join(runDir, compactedRecordPath(stepDir)));
  await rm(join(runDir, stepDir, 'compacted'), { recursive: true });
  const repaired = await run(runDir);
  assert.equal(repaired.ran, 0, 'no task is redone');
  assert.deepEqual(await readRecord(runDir), record);
  assert.ok((await readFile(tokens)).equals(bytes), 'the repaired file has the same bytes');

  await rm(join(runDir, compactedRecordPath(stepDir)));
  await writeFile(`${tokens}.tmp-999999-1`, 'half a file');
  await run(runDir);
  assert.deepEqual(await readRecord(runDir), record);
  assert.ok((await readFile(tokens)).equals(bytes));

  const changed = Buffer.from(bytes);
  changed[bytes.length >> 1] = changed[bytes.length >> 1]! ^ 0x01;
  await writeFile(tokens, changed);
  await run(runDir);
  assert.ok((await readFile(tokens)).equals(bytes), 'a tampered compacted file is rewritten');
});

test('a step redone (--force, or a task whose marker is gone) drops its compacted files before its tasks run, and compacts again after', async () => {
  const runDir = join(scratch, 'redo');
  await run(runDir);
  const record = await readRecord(runDir);
  const seen: string[] = [];
  const look = async () => {
    const hasRecord = await stat(join(runDir, compactedRecordPath(stepDir))).then(() => true, () => false);
    const hasDir = await stat(join(runDir, stepDir, 'compacted')).then(() => true, () => false);
    seen.push(`record ${hasRecord}, files ${hasDir}`);
  };
  const forced = await run(runDir, { force: true, beforePhase: look });
  assert.equal(forced.ran, 6);
  assert.deepEqual(seen, ['record false, files false']);
  assert.deepEqual(await readRecord(runDir), record, 'redone deterministically, compacted to the same bytes');

  seen.length = 0;
  await rm(join(runDir, stepDir, 'done', 'main-00003.json'));
  const one = await run(runDir, { beforePhase: look });
  assert.equal(one.ran, 1);
  assert.deepEqual(seen, ['record false, files false']);
  assert.deepEqual(await readRecord(runDir), record);

  // More tasks (a changed configuration invalidates the step directory): a new file of all of them.
  const more = await run(runDir, { tasks: 8 });
  assert.equal(more.ran, 8);
  const grown = await readRecord(runDir);
  assert.deepEqual(grown.files.map((f) => f.shards), [8, 8]);
  assert.equal(grown.files[1]!.sources, sidecarSetDigest((await markerOutputs(runDir, 8)).filter((o) => o.kind === 'tokens')));
});

test('the same run in two directories gives byte-identical compacted files and records', async () => {
  const [a, b] = [join(scratch, 'same-a'), join(scratch, 'same-b')];
  await run(a);
  await run(b);
  assert.equal(await readFile(join(a, compactedRecordPath(stepDir)), 'utf8'), await readFile(join(b, compactedRecordPath(stepDir)), 'utf8'));
  for (const kind of ['tokens', 'drops']) {
    assert.ok((await readFile(join(a, compactedSidecarPath(stepDir, kind)))).equals(await readFile(join(b, compactedSidecarPath(stepDir, kind)))), kind);
  }
});
