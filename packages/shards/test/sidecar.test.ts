import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DuckDBInstance } from '@duckdb/node-api';
import { DROP_COLUMNS, TOKEN_COLUMNS, type ShardOutput } from '@foxden/core';
import { ShardReader, ShardWriter, verifySidecar } from '../src/index.js';
import { columns, doc } from './sidecar-rows.js';


async function writeDocs(dir: string, path: string, n: number, batchRows = 100): Promise<ShardOutput> {
  const w = await ShardWriter.create({ runDir: dir, path, kind: 'documents', columns, batchRows });
  for (let i = 0; i < n; i++) await w.append(doc(i));
  return w.close();
}

async function duckRows(file: string): Promise<{ names: string[]; rows: unknown[][] }> {
  const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet('${file}')`);
    return { names: reader.columnNames(), rows: reader.getRowsJS() };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

test('a document shard gets a Parquet sidecar of its metadata columns: same rows, same order, no text, recorded with size and sha256', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'foxden-sidecar-'));
  const out = await writeDocs(dir, 'steps/00-x/documents/main-00000.arrow', 5000, 333);
  assert.ok(out.sidecar);
  assert.equal(out.sidecar.path, 'steps/00-x/documents/main-00000.parquet');
  const file = join(dir, out.sidecar.path);
  const bytes = await readFile(file);
  assert.equal(out.sidecar.bytes, bytes.length);
  assert.equal(out.sidecar.sha256, createHash('sha256').update(bytes).digest('hex'));
  const { names, rows } = await duckRows(file);
  assert.deepEqual(names, columns.filter((c) => c.name !== 'text').map((c) => c.name));
  const reader = await ShardReader.open(join(dir, out.path), { sha256: out.sha256 });
  const arrowRows: Record<string, unknown>[] = [];
  for await (const batch of reader.rowBatches(names)) arrowRows.push(...batch);
  await reader.close();
  assert.equal(rows.length, arrowRows.length);
  rows.forEach((row, i) => {
    names.forEach((name, j) => {
      const expected = arrowRows[i]![name];
      const got = typeof row[j] === 'bigint' ? Number(row[j]) : row[j];
      assert.deepEqual(got, expected ?? null, `${name} of row ${i}`);
    });
  });
  assert.equal(await verifySidecar(dir, out), file);
});

test('drop and token shards get sidecars without the token lists; other kinds get none unless asked', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'foxden-sidecar-'));
  const tokens = await ShardWriter.create({ runDir: dir, path: 't.arrow', kind: 'tokens', columns: TOKEN_COLUMNS });
  await tokens.append({ id: 'a', source: 's', url: null, lang: 'en', n_tokens: 3, tokens: Uint32Array.of(1, 2, 3), quality: null, cluster_size: 2 });
  const t = await tokens.close();
  assert.deepEqual((await duckRows(join(dir, t.sidecar!.path))).names, ['id', 'source', 'url', 'lang', 'n_tokens', 'quality', 'cluster_size', ...TOKEN_COLUMNS.slice(8).map((c) => c.name)]);
  const drops = await ShardWriter.create({ runDir: dir, path: 'd.arrow', kind: 'drops', columns: DROP_COLUMNS });
  await drops.append({ id: 'a', url: null, step: 's', reason: 'r', value: null, source: 'f', offset: 2 ** 40 });
  const d = await drops.close();
  assert.deepEqual((await duckRows(join(dir, d.sidecar!.path))).rows, [['a', null, 's', 'r', null, 'f', 2n ** 40n]]);
  const other = await ShardWriter.create({ runDir: dir, path: 'o.arrow', kind: 'signatures', columns: [{ name: 'x', type: 'int32' }] });
  await other.append({ x: 1 });
  assert.equal((await other.close()).sidecar, undefined);
  const asked = await ShardWriter.create({ runDir: dir, path: 'q.arrow', kind: 'signatures', columns: [{ name: 'x', type: 'int32' }], sidecar: true });
  await asked.append({ x: 1 });
  assert.equal((await asked.close()).sidecar?.path, 'q.parquet');
  assert.deepEqual((await readdir(dir)).sort(), ['d.arrow', 'd.parquet', 'o.arrow', 'q.arrow', 'q.parquet', 't.arrow', 't.parquet']);
});

test('sidecars are deterministic: the same rows give the same bytes, in this thread and in a worker thread', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'foxden-sidecar-'));
  const a = await writeDocs(dir, 'a.arrow', 3000);
  const b = await writeDocs(dir, 'b.arrow', 3000);
  assert.equal(a.sidecar!.sha256, b.sidecar!.sha256);
  // A worker thread, as the local runner runs tasks: the built package (dist), the same rows.
  const script = `
    import { workerData, parentPort } from 'node:worker_threads';
    import { ShardWriter } from '@foxden/shards';
    const doc = ${doc.toString()};
    const w = await ShardWriter.create({ runDir: workerData.dir, path: 'w.arrow', kind: 'documents', columns: workerData.columns, batchRows: 100 });
    for (let i = 0; i < 3000; i++) await w.append(doc(i));
    parentPort.postMessage(await w.close());
  `;
  const scriptFile = join(fileURLToPath(new URL('.', import.meta.url)), `.sidecar-worker-${process.pid}.mjs`);
  await writeFile(scriptFile, script);
  const worker = new Worker(scriptFile, { workerData: { dir, columns } });
  const w = await new Promise<ShardOutput>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  await rm(scriptFile);
  assert.equal(w.sidecar!.sha256, a.sidecar!.sha256, 'a worker thread writes the same sidecar bytes');
  assert.equal(w.sha256, a.sha256);
});

test('a tampered, truncated or missing sidecar is refused with an error naming the file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'foxden-sidecar-'));
  const out = await writeDocs(dir, 'x.arrow', 500);
  const file = join(dir, out.sidecar!.path);
  const bytes = await readFile(file);
  const flipped = Buffer.from(bytes);
  flipped[100] = flipped[100]! ^ 0xff;
  await writeFile(file, flipped);
  await assert.rejects(verifySidecar(dir, out), (e: Error & { code?: string }) => e.message.includes(file) && /sha256/.test(e.message) && e.code === 'CORRUPT_INTERMEDIATE');
  await writeFile(file, bytes.subarray(0, bytes.length - 10));
  await assert.rejects(verifySidecar(dir, out), (e: Error) => e.message.includes(file) && /bytes, expected/.test(e.message));
  await writeFile(file, bytes);
  await verifySidecar(dir, out);
  await rm(file);
  await assert.rejects(verifySidecar(dir, out), (e: Error) => e.message.includes(file));
});

test('an aborted shard leaves neither shard nor sidecar nor temporary file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'foxden-sidecar-'));
  const w = await ShardWriter.create({ runDir: dir, path: 'x.arrow', kind: 'documents', columns, batchRows: 10 });
  for (let i = 0; i < 55; i++) await w.append(doc(i));
  await w.abort();
  await w.abort();
  assert.deepEqual(await readdir(dir), []);
});
