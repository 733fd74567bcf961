// foxden-test-needs: shared-corpus
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { CompactedStep, TaskStats } from '@foxden/core';
import { openRunDatabase } from '../src/run-database.js';
import { buildFixtureRun, loadCorpusDocs, type FixtureRun } from './fixture-run.js';
import { compareViews } from './compare-views.js';

let scratch: string;
let run: FixtureRun;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'foxden-sql-sidecar-'));
  run = await buildFixtureRun(join(scratch, 'run'), loadCorpusDocs(), { scratch });
});

after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

test('token and drop shards carry Parquet sidecars, and the views read them with DuckDB\'s Parquet reader', async () => {
  const db = await openRunDatabase(run.runDir);
  try {
    const withSidecar = db.catalog.shards.filter((s) => s.sidecar);
    assert.deepEqual([...new Set(withSidecar.map((s) => s.kind))].sort(), ['documents', 'drops', 'tokens']);
    for (const view of ['docs', 'drops']) {
      const plan = (await db.query(`EXPLAIN SELECT count(*), min(shard), max(shard_row) FROM ${view}`)).rows.map((r) => r.join(' ')).join('\n');
      assert.match(plan, /PARQUET|READ_PARQUET/i, `${view} reads Parquet`);
      // docs still scans the stage shards' segment_doc_ids (lists) for its stage column; drops reads no Arrow at all.
      if (view === 'drops') assert.doesNotMatch(plan, /foxden_shards/i, 'drops does not scan the Arrow shards');
    }
    const r = await db.query("SELECT sidecar_path, sidecar_bytes, sidecar_sha256 FROM shards WHERE kind = 'tokens' ORDER BY path");
    assert.deepEqual(r.rows, withSidecar.filter((s) => s.kind === 'tokens').map((s) => [s.sidecar!.path, s.sidecar!.bytes, s.sidecar!.sha256]));
  } finally {
    await db.close();
  }
});

test('the views over the compacted files and over the task sidecars give the same rows as the views over the Arrow shards', async () => {
  const differences = await compareViews(run.runDir);
  assert.deepEqual(differences.problems, []);
  assert.equal(differences.rows['docs'], run.tokens.length);
  assert.equal(differences.rows['drops'], run.drops.length);
  assert.deepEqual(differences.parquet, { shards: true, docs: true, drops: true, sequences: false });
  assert.deepEqual(differences.compacted, { tokens: true, drops: true });
});

test('docs.extraction: SELECT extraction, count(*) FROM docs GROUP BY 1 counts the token rows by extraction method', async () => {
  const expected = new Map<string | null, number>();
  for (const t of run.tokens) expected.set(t.extraction, (expected.get(t.extraction) ?? 0) + 1);
  for (const options of [{}, { compacted: false }, { sidecars: false }]) {
    const db = await openRunDatabase(run.runDir, options);
    try {
      const r = await db.query('SELECT extraction, count(*) FROM docs GROUP BY 1 ORDER BY 1 NULLS LAST');
      assert.deepEqual(r.rows, [...expected.entries()].sort((a, b) => (a[0] === null ? 1 : b[0] === null ? -1 : a[0] < b[0] ? -1 : 1)), JSON.stringify(options));
      assert.equal(r.columns[0]!.type, 'VARCHAR');
    } finally {
      await db.close();
    }
  }
});

test('a compacted file is read instead of its step\'s task sidecars, verified when the run is opened: a tampered one is refused by name', async () => {
  const dir = join(scratch, 'tampered-compacted');
  await cp(run.runDir, dir, { recursive: true });
  for (const [step, kind] of [['01-tokenize', 'tokens'], ['00-ingest', 'drops']] as const) {
    const record = JSON.parse(await readFile(join(dir, 'steps', step, 'compacted.json'), 'utf8')) as CompactedStep;
    const entry = record.files.find((f) => f.kind === kind)!;
    const file = join(dir, entry.path);
    const db = await openRunDatabase(dir);
    assert.ok(db.sources[kind]!.some((g) => g.compacted && g.files.includes(file)), `${kind} read from ${file}`);
    await db.close();
    const bytes = await expectRefusedWhenChanged(dir, file, /compacted Parquet file .* of step '[a-z]+' has sha256 [0-9a-f]{64}, expected [0-9a-f]{64}/);
    // The task sidecars do not depend on it.
    await (await openRunDatabase(dir, { compacted: false })).close();
    await writeFile(file, bytes);
  }
  await (await openRunDatabase(dir)).close();
});

test('a compacted file that does not hold exactly the completed tasks\' sidecars is not used: the step\'s task sidecars are read', async () => {
  const dir = join(scratch, 'stale-compacted');
  await cp(run.runDir, dir, { recursive: true });
  // A tokenize task whose marker is gone (it will be redone): the compacted file still holds its rows.
  const markers = (await readdir(join(dir, 'steps', '01-tokenize', 'done'))).sort();
  const gone = JSON.parse(await readFile(join(dir, 'steps', '01-tokenize', 'done', markers[0]!), 'utf8')) as TaskStats;
  await rm(join(dir, 'steps', '01-tokenize', 'done', markers[0]!));
  const db = await openRunDatabase(dir);
  try {
    assert.deepEqual(db.sources.tokens!.map((g) => g.compacted), [false]);
    assert.deepEqual(db.sources.drops!.map((g) => g.compacted), [true]);
    const left = run.tokens.length - gone.outputs.reduce((n, o) => n + (o.kind === 'tokens' ? o.rows : 0), 0);
    assert.equal((await db.query('SELECT count(*) FROM docs')).rows[0]![0], left);
  } finally {
    await db.close();
  }
});

test('token sidecars written before the extraction column existed read it as NULL', async () => {
  const dir = join(scratch, 'no-extraction');
  await cp(run.runDir, dir, { recursive: true });
  await rm(join(dir, 'steps', '01-tokenize', 'compacted.json'));
  const doneDir = join(dir, 'steps', '01-tokenize', 'done');
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  for (const marker of await readdir(doneDir)) {
    const stats = JSON.parse(await readFile(join(doneDir, marker), 'utf8')) as TaskStats;
    for (const shard of stats.outputs.filter((o) => o.kind === 'tokens')) {
      const file = join(dir, shard.sidecar!.path);
      await connection.run(`COPY (SELECT * EXCLUDE (extraction) FROM read_parquet('${file}')) TO '${file}.old' (FORMAT parquet)`);
      await rename(`${file}.old`, file);
      shard.sidecar = { ...shard.sidecar!, bytes: (await stat(file)).size, sha256: createHash('sha256').update(await readFile(file)).digest('hex') };
    }
    await writeFile(join(doneDir, marker), JSON.stringify(stats));
  }
  connection.closeSync();
  instance.closeSync();
  const db = await openRunDatabase(dir);
  try {
    assert.deepEqual(db.sources.tokens!.map((g) => [g.compacted, g.columns.includes('extraction')]), [[false, false]]);
    assert.deepEqual((await db.query('SELECT count(*), count(extraction) FROM docs')).rows, [[run.tokens.length, 0]]);
    assert.deepEqual((await db.query('SELECT extraction, count(*) FROM docs GROUP BY 1')).rows, [[null, run.tokens.length]]);
  } finally {
    await db.close();
  }
});

test('a tampered task sidecar is refused when the run is opened, naming the file; a run without sidecars reads its Arrow shards', async () => {
  const dir = join(scratch, 'tampered');
  await cp(run.runDir, dir, { recursive: true });
  // The task sidecars are what the views read where no step compacted them.
  for (const step of await readdir(join(dir, 'steps'))) await rm(join(dir, 'steps', step, 'compacted.json'), { force: true });
  const before = await openRunDatabase(dir);
  const token = before.catalog.shards.find((s) => s.kind === 'tokens')!;
  const drop = before.catalog.shards.find((s) => s.kind === 'drops')!;
  await before.close();
  for (const shard of [token, drop]) {
    const file = join(dir, shard.sidecar!.path);
    const bytes = await expectRefusedWhenChanged(dir, file, /Parquet sidecar .* has sha256 [0-9a-f]{64}, expected [0-9a-f]{64}/);
    await writeFile(file, bytes);
  }
  // The Arrow views do not read sidecars, so they still open.
  await (await openRunDatabase(dir, { sidecars: false })).close();

  // Markers written before sidecars existed: the views read the Arrow shards, and give the same answers.
  for (const stepDir of await readdir(join(dir, 'steps'))) {
    const doneDir = join(dir, 'steps', stepDir, 'done');
    for (const marker of await readdir(doneDir)) {
      const stats = JSON.parse(await readFile(join(doneDir, marker), 'utf8')) as TaskStats;
      for (const o of stats.outputs) delete o.sidecar;
      await writeFile(join(doneDir, marker), JSON.stringify(stats));
    }
  }
  const old = await openRunDatabase(dir);
  try {
    const plan = (await old.query('EXPLAIN SELECT count(*) FROM docs')).rows.map((r) => r.join(' ')).join('\n');
    assert.doesNotMatch(plan, /READ_PARQUET|PARQUET_SCAN/i);
    assert.equal((await old.query('SELECT count(*) FROM docs')).rows[0]![0], run.tokens.length);
  } finally {
    await old.close();
  }
});

/**
 * Flips one byte of `file`, then cuts its last byte: opening the run must
 * refuse each change naming the file. Returns the original bytes, for the
 * caller to put back.
 */
async function expectRefusedWhenChanged(dir: string, file: string, shaMessage: RegExp): Promise<Buffer> {
  const bytes = await readFile(file);
  const changed = Buffer.from(bytes);
  changed[bytes.length >> 1] = changed[bytes.length >> 1]! ^ 0x01;
  await writeFile(file, changed);
  await assert.rejects(openRunDatabase(dir), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'CORRUPT_INTERMEDIATE');
    assert.ok(e.message.includes(file), e.message);
    assert.match(e.message, shaMessage);
    return true;
  });
  await writeFile(file, bytes.subarray(0, bytes.length - 1));
  await assert.rejects(openRunDatabase(dir), (e: Error) => e.message.includes(file) && /bytes, expected/.test(e.message));
  return bytes;
}
