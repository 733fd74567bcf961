// foxden-test-needs: shared-corpus
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { DuckDBInstance } from '@duckdb/node-api';
import { sha256File, stepDirName } from '@foxden/core';
import { ShardReader } from '@foxden/shards';
import { ArrowFileSync } from '../src/arrow-file-sync.js';
import { openRunDatabase, type RunDatabase } from '../src/run-database.js';
import { sqlCommand } from '../src/cli.js';
import { writeRunParquet } from '../src/write-run-parquet.js';
import { buildFixtureRun, loadCorpusDocs, repoRoot, type FixtureRun } from './fixture-run.js';

let scratch: string;
let run: FixtureRun;
let db: RunDatabase;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'foxden-sql-test-'));
  run = await buildFixtureRun(join(scratch, 'run'), loadCorpusDocs(), { scratch });
  db = await openRunDatabase(run.runDir);
});

after(async () => {
  await db?.close();
  await rm(scratch, { recursive: true, force: true });
});

/** Collects what a command writes. */
function sink(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({ write(chunk, _enc, cb) { chunks.push(Buffer.from(chunk)); cb(); } });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function one(sql: string): Promise<unknown> {
  const r = await db.query(sql);
  return r.rows[0]?.[0];
}

describe('views agree with the shards, the done markers and the run summary', () => {
  test('docs: count and token total equal the summary, the done markers and the token lists themselves', async () => {
    const tokenize = run.summary.steps.find((s) => s.step === 'tokenize')!;
    const tokenShards = db.catalog.shards.filter((s) => s.kind === 'tokens');
    assert.ok(tokenShards.length >= 2);
    // Independent count: read every token list with apache-arrow's own async reader.
    let listTokens = 0;
    let listRows = 0;
    for (const s of tokenShards) {
      const reader = await ShardReader.open(join(run.runDir, s.path), { sha256: s.sha256 });
      for await (const rows of reader.rowBatches(['tokens'])) {
        for (const r of rows) listTokens += (r['tokens'] as Uint32Array).length;
        listRows += rows.length;
      }
      await reader.close();
    }
    const r = await db.query('SELECT count(*) AS docs, sum(n_tokens) AS tokens FROM docs');
    const [docs, tokens] = r.rows[0] as [number, number];
    assert.equal(docs, tokenize.documents_out);
    assert.equal(docs, tokenShards.reduce((n, s) => n + s.rows, 0));
    assert.equal(docs, listRows);
    assert.equal(docs, run.tokens.length);
    assert.equal(tokens, tokenize.counters['tokens']);
    assert.equal(tokens, listTokens);
    assert.ok(tokens > 100_000, `a real run has many tokens, got ${tokens}`);
  });

  test('docs: the group-by-source-and-lang aggregate matches the documents written', async () => {
    const expected = new Map<string, { n: number; t: number }>();
    for (const d of run.tokens) {
      const key = `${d.source}|${d.lang}`;
      const e = expected.get(key) ?? { n: 0, t: 0 };
      e.n += 1;
      e.t += d.n_tokens;
      expected.set(key, e);
    }
    const r = await db.query('SELECT source, lang, count(*) AS n, sum(n_tokens) AS t FROM docs GROUP BY source, lang ORDER BY source, lang');
    assert.equal(r.rows.length, expected.size);
    for (const [source, lang, n, t] of r.rows as [string, string, number, number][]) {
      assert.deepEqual({ n, t }, expected.get(`${source}|${lang}`), `${source} ${lang}`);
    }
  });

  test('docs: per-document columns and the stage each document was packed into', async () => {
    const r = await db.query('SELECT id, n_tokens, quality, cluster_size, stage, shard FROM docs ORDER BY shard, shard_row');
    assert.equal(r.rows.length, run.tokens.length);
    r.rows.forEach((row, i) => {
      const d = run.tokens[i]!;
      assert.deepEqual(row.slice(0, 4), [d.id, d.n_tokens, d.quality, d.cluster_size]);
      assert.equal(row[4], run.docStage.get(d.id) ?? null);
      assert.equal(row[5], d.shard);
    });
    assert.equal(await one("SELECT count(*) FROM docs WHERE stage IS NULL"), 0);
  });

  test('drops: one row per dropped document, reasons add up to the summary', async () => {
    const ingest = run.summary.steps.find((s) => s.step === 'ingest')!;
    const r = await db.query('SELECT step, reason, count(*) FROM drops GROUP BY ALL ORDER BY ALL');
    assert.deepEqual(r.rows, Object.entries(ingest.dropped).map(([reason, n]) => ['ingest', reason, n]));
    assert.ok(run.drops.length > 0);
    const ids = (await db.query('SELECT id FROM drops ORDER BY shard, shard_row')).rows.map((x) => x[0]);
    assert.deepEqual(ids, run.drops.map((d) => d.id));
    assert.equal(ingest.documents_in, ingest.documents_out + (await one('SELECT count(*) FROM drops') as number));
  });

  test('shards: rows, bytes and sha256 equal the done markers and the files; tokens equal the token lists', async () => {
    const r = await db.query('SELECT path, kind, "rows", tokens, bytes, sha256 FROM shards');
    assert.equal(r.rows.length, db.catalog.shards.length);
    for (const [path, kind, rows, tokens, bytes, sha] of r.rows as [string, string, number, number | null, number, string][]) {
      const marker = db.catalog.shards.find((s) => s.path === path)!;
      assert.deepEqual([kind, rows, bytes, sha], [marker.kind, marker.rows, marker.bytes, marker.sha256]);
      assert.equal((await stat(join(run.runDir, path))).size, bytes);
      assert.equal(await sha256File(join(run.runDir, path)), sha);
      if (kind === 'tokens') assert.equal(tokens, run.tokens.filter((d) => d.shard === path).reduce((n, d) => n + d.n_tokens, 0));
      else if (kind === 'stage') assert.equal(tokens, await one(`SELECT sum(len(tokens)) FROM foxden_shards('stage') WHERE _shard = '${path}'`));
      else assert.equal(tokens, null);
    }
  });

  test('sequences: one row per packed sequence with stage, seq_len, segments and padding', async () => {
    const r = await db.query('SELECT stage, seq_len, segments, padding FROM sequences ORDER BY shard, shard_row');
    assert.deepEqual(r.rows, run.sequences.map((s) => [s.stage, s.seq_len, s.segments, s.padding]));
    // Every document token is in exactly one sequence piece.
    assert.equal(await one('SELECT sum(doc_tokens) FROM sequences'), await one('SELECT sum(n_tokens) FROM docs'));
  });
});

describe('table functions', () => {
  test('arrow_shard reads one file by run-relative path, like foxden_shards', async () => {
    const path = db.catalog.shards.find((s) => s.kind === 'tokens')!.path;
    const a = await db.query(`SELECT id, n_tokens, len(tokens) FROM arrow_shard('${path}')`);
    const b = await db.query(`SELECT id, n_tokens, len(tokens) FROM foxden_shards('tokens') WHERE _shard = '${path}' ORDER BY _row`);
    assert.deepEqual(a.rows, b.rows);
    assert.ok(a.rows.every((row) => row[1] === row[2]));
  });

  test('projection pushdown: only the buffers of requested columns are read', () => {
    const path = join(run.runDir, db.catalog.shards.find((s) => s.kind === 'tokens')!.path);
    const file = ArrowFileSync.open(path);
    const only = file.readBatch(0, ['n_tokens']);
    const both = file.readBatch(0, ['n_tokens', 'tokens']);
    assert.deepEqual(Array.from(only.getChild('n_tokens')!.toArray()), Array.from(both.getChild('n_tokens')!.toArray()));
    const unread = only.getChild('tokens')!.data[0]!.children[0]!.values as Uint32Array;
    const read = both.getChild('tokens')!.data[0]!.children[0]!.values as Uint32Array;
    assert.ok(read.some((v) => v !== 0));
    assert.equal(unread.length, 0, 'token ids were read although not requested');
  });

  test('extension auto-install and auto-load are off', async () => {
    const r = await db.query("SELECT current_setting('autoinstall_known_extensions'), current_setting('autoload_known_extensions')");
    assert.deepEqual(r.rows[0], [false, false]);
  });

  test('a corrupt shard is an error naming the file, and the database stays usable', async () => {
    const bad = join(scratch, 'bad.arrow');
    const good = join(run.runDir, db.catalog.shards.find((s) => s.kind === 'tokens')!.path);
    await copyFile(good, bad);
    await truncate(bad, (await stat(bad)).size - 100);
    await assert.rejects(db.query(`SELECT count(*) FROM arrow_shard('${bad}')`), (e: Error) => e.message.includes(bad) && /Arrow/.test(e.message));
    await writeFile(bad, 'not arrow at all, just text');
    await assert.rejects(db.query(`SELECT * FROM arrow_shard('${bad}')`), (e: Error) => e.message.includes(bad));
    assert.equal(await one('SELECT count(*) FROM docs'), run.tokens.length);
  });

  test('a run without stage shards still has every view; sequences is empty and stage is NULL', async () => {
    const dir = join(scratch, 'nostage');
    await mkdir(dir, { recursive: true });
    const small = await buildFixtureRun(join(dir, 'run'), loadCorpusDocs({ jsonl: ['datajuicer_redpajama-c4-refined.jsonl'], books: [] }), { scratch: dir, stages: false, tokenShards: 1 });
    const other = await openRunDatabase(small.runDir);
    try {
      assert.equal((await other.query('SELECT count(*) FROM sequences')).rows[0]![0], 0);
      assert.equal((await other.query('SELECT count(*) FROM docs WHERE stage IS NULL')).rows[0]![0], small.tokens.length);
      // A shard whose task has no done marker (a crashed task) is not part of the run.
      const listed = other.catalog.shards.find((x) => x.kind === 'tokens')!.path;
      await copyFile(join(small.runDir, listed), join(small.runDir, stepDirName(1, 'tokenize'), 'tokens', 'main-00009.arrow'));
      const again = await openRunDatabase(small.runDir);
      try {
        assert.equal((await again.query('SELECT count(*) FROM docs')).rows[0]![0], small.tokens.length);
        assert.equal((await again.query("SELECT count(*) FROM shards WHERE kind = 'tokens'")).rows[0]![0], 1);
      } finally {
        await again.close();
      }
      await other.close();
    } finally {
      await other.close();
    }
  });
});

describe('Parquet beside the run', () => {
  test('writeRunParquet writes the views without token lists, readable by a plain DuckDB, byte-identical on rewrite', async () => {
    const written = await writeRunParquet(run.runDir);
    assert.deepEqual(written.map((w) => w.view), ['shards', 'docs', 'drops', 'sequences']);
    const first = await Promise.all(written.map((w) => readFile(join(run.runDir, w.path))));
    await writeRunParquet(run.runDir);
    const second = await Promise.all(written.map((w) => readFile(join(run.runDir, w.path))));
    first.forEach((b, i) => assert.ok(b.equals(second[i]!), `${written[i]!.path} differs between two writes`));

    const plain = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    const conn = await plain.connect();
    try {
      const p = (v: string) => `'${join(run.runDir, 'parquet', `${v}.parquet`)}'`;
      const docs = (await conn.runAndReadAll(`SELECT count(*)::INTEGER, sum(n_tokens)::BIGINT FROM read_parquet(${p('docs')})`)).getRowsJS()[0]!;
      assert.deepEqual(docs.map(Number), [run.tokens.length, run.tokens.reduce((n, d) => n + d.n_tokens, 0)]);
      const cols = (await conn.runAndReadAll(`SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet(${p('docs')}))`)).getRowsJS().map((r) => r[0]);
      assert.ok(!cols.includes('tokens') && cols.includes('n_tokens') && cols.includes('stage'));
      const drops = (await conn.runAndReadAll(`SELECT count(*)::INTEGER FROM read_parquet(${p('drops')})`)).getRowsJS()[0]![0];
      assert.equal(drops, run.drops.length);
      const seqs = (await conn.runAndReadAll(`SELECT count(*)::INTEGER FROM read_parquet(${p('sequences')})`)).getRowsJS()[0]![0];
      assert.equal(seqs, run.sequences.length);
      const shards = (await conn.runAndReadAll(`SELECT count(*)::INTEGER FROM read_parquet(${p('shards')})`)).getRowsJS()[0]![0];
      assert.equal(shards, db.catalog.shards.length);
      for (const w of written) assert.equal(w.rows, Number((await conn.runAndReadAll(`SELECT count(*) FROM read_parquet(${p(w.view)})`)).getRowsJS()[0]![0]));
    } finally {
      conn.closeSync();
      plain.closeSync();
    }
  });
});

describe('foxden sql command', () => {
  test('runs a query in each format', async () => {
    const sql = 'SELECT source, count(*) AS n, sum(n_tokens) AS tokens FROM docs GROUP BY source ORDER BY source';
    const expected = (await db.query(sql)).rows;
    const json = sink();
    assert.equal(await sqlCommand([run.runDir, sql, '--format', 'json'], { stdout: json.stream }), 0);
    assert.deepEqual((JSON.parse(json.text()) as Record<string, unknown>[]).map((o) => [o['source'], o['n'], o['tokens']]), expected);
    const csv = sink();
    assert.equal(await sqlCommand([run.runDir, sql, '--format=csv'], { stdout: csv.stream }), 0);
    const lines = csv.text().trim().split('\n');
    assert.equal(lines[0], 'source,n,tokens');
    assert.deepEqual(lines.slice(1), expected.map((r) => r.join(',')));
    const table = sink();
    assert.equal(await sqlCommand([run.runDir, sql], { stdout: table.stream }), 0);
    assert.match(table.text(), new RegExp(`${expected.length} rows`));
    for (const r of expected) assert.ok(table.text().includes(String(r[0])));
  });

  test('a malformed query prints DuckDB\'s error and exits 1 without a stack trace (in a real process)', () => {
    const script = `import { sqlCommand } from ${JSON.stringify(join(repoRoot, 'packages/sql/src/cli.ts'))}; process.exitCode = await sqlCommand(process.argv.slice(1));`;
    const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, run.runDir, 'SELEC count(*) FROM docs'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(res.status, 1, res.stderr);
    assert.match(res.stderr, /Parser Error/);
    assert.doesNotMatch(res.stderr, /\n\s+at /);
    assert.equal(res.stdout, '');
  });

  test('an unknown table, a missing run and bad options', async () => {
    const err = sink();
    assert.equal(await sqlCommand([run.runDir, 'SELECT * FROM nope'], { stderr: err.stream, stdout: sink().stream }), 1);
    assert.match(err.text(), /Catalog Error.*nope/);
    const missing = sink();
    assert.equal(await sqlCommand([join(scratch, 'no-such-run'), 'SELECT 1'], { stderr: missing.stream }), 2);
    assert.match(missing.text(), /no-such-run/);
    const bad = sink();
    assert.equal(await sqlCommand([run.runDir, 'SELECT 1', '--format', 'xml'], { stderr: bad.stream }), 2);
    assert.match(bad.text(), /--format/);
    const help = sink();
    assert.equal(await sqlCommand(['--help'], { stdout: help.stream }), 0);
    assert.match(help.text(), /usage: foxden sql/);
  });

  test('interactive prompt: statements end with ";", errors do not end the session, exit code reports them', async () => {
    const stdin = new PassThrough();
    const out = sink();
    const err = sink();
    const done = sqlCommand([run.runDir, '--format', 'csv'], { stdin, stdout: out.stream, stderr: err.stream });
    stdin.end('SELECT count(*) AS n\n  FROM docs;\nSELECT broken FROM;\n.tables\nSELECT count(*) AS d FROM drops;\n.quit\nSELECT 1;\n');
    assert.equal(await done, 1);
    assert.match(out.text(), new RegExp(`^n\\n${run.tokens.length}\\n`));
    assert.match(out.text(), new RegExp(`d\\n${run.drops.length}\\n`));
    for (const v of ['docs', 'drops', 'shards', 'sequences']) assert.match(out.text(), new RegExp(`^${v},VIEW$`, 'm'));
    assert.match(err.text(), /Parser Error/);
    assert.doesNotMatch(out.text(), /^1$/m);
  });
});
