import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DOCUMENT_COLUMNS, FoxdenError, TOKEN_COLUMNS, withColumns } from '@foxden/core';
import { ShardReader, ShardWriter } from '../src/index.js';

const columns = withColumns(DOCUMENT_COLUMNS, [{ name: 'score', type: 'float64' }, { name: 'n', type: 'int64' }, { name: 'ok', type: 'bool' }]);

function doc(i: number) {
  return {
    id: `doc-${i}`, text: `Text ${i} – ünïcödé ${'x'.repeat(i % 50)}`, url: i % 3 ? `https://e.org/${i}` : null, source: 'a.warc',
    fetched_at: null, lang: i % 2 ? 'en' : null, lang_score: i % 2 ? 0.5 : null, meta: null, score: i / 7, n: i * 1000, ok: i % 2 === 0,
  };
}

async function write(dir: string, path: string, n: number, batchRows = 100) {
  const w = await ShardWriter.create({ runDir: dir, path, kind: 'documents', columns, batchRows, metadata: { 'foxden.step': 't' } });
  for (let i = 0; i < n; i++) await w.append(doc(i));
  return w.close();
}

test('a shard round-trips every column type, nulls included, batch by batch', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'foxden-shards-'));
  const out = await write(dir, 'a/x.arrow', 1050);
  assert.equal(out.rows, 1050);
  assert.equal(out.path, 'a/x.arrow');
  assert.equal(out.sha256, createHash('sha256').update(await readFile(join(dir, 'a/x.arrow'))).digest('hex'));
  // Counted as the bytes pass on their way to the file, not read back from it.
  assert.equal(out.bytes, (await stat(join(dir, 'a/x.arrow'))).size);
  const reader = await ShardReader.open(join(dir, 'a/x.arrow'), { sha256: out.sha256 });
  assert.equal(reader.numBatches, 11);
  assert.equal(reader.metadata['foxden.kind'], 'documents');
  assert.deepEqual(reader.columns.map((c) => c.type), columns.map((c) => c.type));
  const rows: Record<string, unknown>[] = [];
  for await (const batch of reader.rowBatches()) rows.push(...batch);
  await reader.close();
  assert.equal(rows.length, 1050);
  for (const i of [0, 1, 2, 517, 1049]) {
    const expected = doc(i);
    const got = rows[i]!;
    for (const [k, v] of Object.entries(expected)) {
      if (typeof v === 'number' && k !== 'n') assert.ok(Math.abs((got[k] as number) - v) < 1e-6, `${k} of row ${i}`);
      else assert.deepEqual(got[k], v, `${k} of row ${i}`);
    }
  }
});

test('text comes back byte for byte, a leading BOM and NULs included', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'foxden-shards-'));
  const w = await ShardWriter.create({ runDir: dir, path: 'bom.arrow', kind: 'documents', columns });
  const texts = ['\uFEFFThe Project Gutenberg EBook', 'a\u0000b', '', '\uFEFF'];
  for (const [i, text] of texts.entries()) await w.append({ ...doc(i), text });
  await w.close();
  const r = await ShardReader.open(join(dir, 'bom.arrow'));
  const got: unknown[] = [];
  for await (const rows of r.rowBatches(['text', 'url'])) got.push(...rows.map((x) => x['text']));
  await r.close();
  assert.deepEqual(got, texts);
});

test('token lists hold full 32-bit ids', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'foxden-shards-'));
  const w = await ShardWriter.create({ runDir: dir, path: 't.arrow', kind: 'tokens', columns: TOKEN_COLUMNS });
  const tokens = new Uint32Array([0, 255999, 2 ** 32 - 1]);
  await w.append({ id: 'a', source: 's', url: null, lang: 'en', n_tokens: 3, tokens, quality: null, cluster_size: 1 });
  await w.close();
  const r = await ShardReader.open(join(dir, 't.arrow'));
  for await (const [row] of r.rowBatches()) assert.deepEqual(Array.from(row!['tokens'] as Uint32Array), Array.from(tokens));
  await r.close();
});

test('the same rows give byte-identical shards', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'foxden-shards-'));
  const a = await write(dir, 'a.arrow', 300);
  const b = await write(dir, 'b.arrow', 300);
  assert.equal(a.sha256, b.sha256);
  assert.deepEqual(await readFile(join(dir, 'a.arrow')), await readFile(join(dir, 'b.arrow')));
});

test('a truncated or altered shard is a CORRUPT_INTERMEDIATE error naming the file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'foxden-shards-'));
  const out = await write(dir, 'c.arrow', 300);
  const file = join(dir, 'c.arrow');
  await truncate(file, out.bytes - 100);
  await assert.rejects(ShardReader.open(file, { sha256: out.sha256 }), (e: unknown) => e instanceof FoxdenError && e.code === 'CORRUPT_INTERMEDIATE' && e.message.includes(file));
  await assert.rejects(ShardReader.open(file), (e: unknown) => e instanceof FoxdenError && e.code === 'CORRUPT_INTERMEDIATE' && e.message.includes(file));
  await writeFile(join(dir, 'junk.arrow'), 'not arrow at all, just text');
  await assert.rejects(ShardReader.open(join(dir, 'junk.arrow')), (e: unknown) => e instanceof FoxdenError && e.code === 'CORRUPT_INTERMEDIATE');
});

test('an aborted writer leaves no file behind', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'foxden-shards-'));
  const w = await ShardWriter.create({ runDir: dir, path: 'd.arrow', kind: 'documents', columns, batchRows: 10 });
  for (let i = 0; i < 25; i++) await w.append(doc(i));
  await w.abort();
  const { readdir } = await import('node:fs/promises');
  assert.deepEqual(await readdir(dir), []);
});

test('writer memory stays bounded by the batch, not the shard', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'foxden-shards-'));
  const w = await ShardWriter.create({ runDir: dir, path: 'big.arrow', kind: 'documents', columns, batchRows: 256 });
  const text = 'lorem '.repeat(2000); // 12 KB per row
  // Collect garbage before each sample, so the figure is what the writer holds, not what V8 has not yet freed.
  // ArrayBuffer memory is released by a background task after a collection, so let it run and collect again:
  // sampled straight after gc(), batches already written still count (up to ~35 MB on a busy machine).
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const held = async () => {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const before = await held();
  let peak = 0;
  for (let i = 0; i < 20_000; i++) {
    await w.append({ ...doc(i), text });
    if (i % 2000 === 1000) peak = Math.max(peak, (await held()) - before);
  }
  const out = await w.close();
  assert.ok(out.bytes > 200e6, `shard is ${out.bytes} bytes`);
  assert.equal(out.bytes, (await stat(join(dir, 'big.arrow'))).size);
  // 240 MB written; what the writer holds must stay near one batch (~3 MB), whatever the shard size.
  assert.ok(peak < 15e6, `memory grew by ${(peak / 1e6).toFixed(1)} MB while writing ${(out.bytes / 1e6).toFixed(0)} MB`);
});
