/**
 * What a user sees of binary bytes among the inputs: a PDF served as
 * `text/html`, a page gzipped without Content-Encoding, an LZ4-compressed
 * WARC and a PDF in the input folder go through `foxden run` as counted
 * drops whose reason and value say what was found (and, for the LZ4 file,
 * what to run), or as the inflated page; the step balances, and `foxden sql`
 * shows it all.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { HTTP_TYPE, httpResponse, warcRecord } from '../../packages/ingest/test/reader-kit.ts';
import { foxdenOk, scratchDir } from './fixtures.ts';

const PAGE = `<!doctype html><html><head><title>Tide tables</title></head><body><article><p>${'High water at the harbour comes about fifty minutes later each day. '.repeat(12)}</p></article></body></html>\n`;
const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1'), Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 151 + 7) % 256))]);

it('binary inputs and payloads end as drops that say what they hold, gzipped pages as documents, and the step balances', { timeout: 300_000 }, async () => {
  const dir = await scratchDir('binary-inputs');
  const inputs = join(dir, 'inputs');
  mkdirSync(inputs);
  const response = (path: string, body: Buffer) => warcRecord('response', `http://tides.example/${path}`, httpResponse(['Content-Type: text/html'], body), HTTP_TYPE);
  writeFileSync(join(inputs, 'crawl.warc'), Buffer.concat([response('page', Buffer.from(PAGE)), response('tables.pdf', PDF), response('gzipped', gzipSync(PAGE))]));
  writeFileSync(join(inputs, 'other.warc.lz4'), Buffer.concat([Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x40, 0x40, 0xc0]), PDF]));
  writeFileSync(join(inputs, 'tables'), PDF);
  const pipeline = join(dir, 'p.yaml');
  writeFileSync(pipeline, `name: binary\ninputs: [${JSON.stringify(inputs)}]\noutput: run\nsteps:\n  - {name: ingest, type: ingest}\n`);
  const run = join(dir, 'run');
  await foxdenOk(['run', pipeline, '--out', run, '--workers', '1'], 'ingest of binary inputs');

  const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')) as { balanced: boolean; steps: { documents_in: number; documents_out: number; dropped: Record<string, number> }[] };
  assert.equal(summary.balanced, true);
  assert.deepEqual([summary.steps[0]!.documents_in, summary.steps[0]!.documents_out], [5, 2]);
  assert.deepEqual(summary.steps[0]!.dropped, { 'skip:binary-payload': 1, 'reject:unsupported-compression': 1, 'reject:binary-file': 1 });

  const drops = JSON.parse((await foxdenOk(['sql', run, 'SELECT source, url, reason, value FROM drops ORDER BY source', '--format', 'json'], 'foxden sql')).stdout) as Record<string, string | null>[];
  assert.deepEqual(drops, [
    { source: 'crawl.warc', url: 'http://tides.example/tables.pdf', reason: 'skip:binary-payload', value: 'pdf bytes labelled text/html' },
    { source: 'other.warc.lz4', url: null, reason: 'reject:unsupported-compression', value: 'other.warc.lz4 @ offset 0: LZ4-compressed; foxden reads plain, gzip and zstd files: decompress it first (lz4 -d other.warc.lz4)' },
    { source: 'tables', url: null, reason: 'reject:binary-file', value: 'tables @ offset 0: pdf bytes, not text' },
  ]);
  const docs = JSON.parse((await foxdenOk(['sql', run, "SELECT url, text, meta->>'notes' AS notes FROM foxden_shards('documents') ORDER BY url", '--format', 'json'], 'foxden sql')).stdout) as { url: string; text: string; notes: string | null }[];
  assert.deepEqual(docs.map((d) => d.url), ['http://tides.example/gzipped', 'http://tides.example/page']);
  assert.equal(docs[0]!.text, docs[1]!.text, 'the gzipped page gives the same text');
  assert.match(docs[0]!.text, /^High water at the harbour/);
  assert.equal(docs[0]!.notes, '["content-encoding-gzip-undeclared"]');
});
