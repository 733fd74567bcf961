// foxden-test-needs: shared-corpus
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskStats } from '@foxden/core';
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

test('the views over the sidecars give the same rows as the views over the Arrow shards', async () => {
  const differences = await compareViews(run.runDir);
  assert.deepEqual(differences.problems, []);
  assert.equal(differences.rows['docs'], run.tokens.length);
  assert.equal(differences.rows['drops'], run.drops.length);
  assert.deepEqual(differences.parquet, { shards: true, docs: true, drops: true, sequences: false });
});

test('a tampered sidecar is refused when the run is opened, naming the file; a run without sidecars reads its Arrow shards', async () => {
  const dir = join(scratch, 'tampered');
  await cp(run.runDir, dir, { recursive: true });
  const before = await openRunDatabase(dir);
  const token = before.catalog.shards.find((s) => s.kind === 'tokens')!;
  const drop = before.catalog.shards.find((s) => s.kind === 'drops')!;
  await before.close();
  for (const shard of [token, drop]) {
    const file = join(dir, shard.sidecar!.path);
    const bytes = await readFile(file);
    const changed = Buffer.from(bytes);
    changed[bytes.length >> 1] = changed[bytes.length >> 1]! ^ 0x01;
    await writeFile(file, changed);
    await assert.rejects(openRunDatabase(dir), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'CORRUPT_INTERMEDIATE');
      assert.ok(e.message.includes(file), e.message);
      assert.match(e.message, /Parquet sidecar .* has sha256 [0-9a-f]{64}, expected [0-9a-f]{64}/);
      return true;
    });
    await writeFile(file, bytes.subarray(0, bytes.length - 1));
    await assert.rejects(openRunDatabase(dir), (e: Error) => e.message.includes(file) && /bytes, expected/.test(e.message));
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
