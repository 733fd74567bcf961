// foxden-test-needs: shared-corpus
/**
 * Reader behaviour on inputs the shared corpus does not have: broken JSONL,
 * zstd, wrong chunk sizes, garbage between records, oversize records,
 * unreadable files, aborts. Every input is built here, in a temp dir, from
 * real corpus bytes where possible (re-compressed with the real gzip / zstd).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, deflateSync, gunzipSync, gzipSync } from 'node:zlib';
import { FoxdenError } from '@foxden/core';
import { detectFormat, readSource, type SourceDocument, type SourceRecord } from '../src/readers/index.js';
import { HTTP_TYPE, httpResponse, readAll, scratchInputs, warcRecord } from './reader-kit.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const corpus = resolve(repoRoot, '../shared/corpus');
const inputs = scratchInputs('foxden-readers-');
const write = inputs.write;

function zstd(input: string, output: string): void {
  const res = spawnSync('zstd', ['-q', '-f', '-3', input, '-o', output]);
  assert.equal(res.status, 0, `zstd CLI failed: ${res.error?.message ?? res.stderr?.toString()}`);
}

const HTML = '<!doctype html><html><head><title>Synthetic page</title></head><body><p>Hello, foxden. Ünïcödé text.</p></body></html>\n';

const bodyText = (r: SourceRecord | undefined): string => Buffer.from((r as SourceDocument).body!).toString('utf8');

test('HTTP payloads: chunked, gzip, deflate, br, wrong chunk sizes, non-2xx, bad HTTP', async () => {
  const html = Buffer.from(HTML);
  const chunked = Buffer.concat([Buffer.from('10\r\n'), html.subarray(0, 16), Buffer.from('\r\n'), Buffer.from(`${(html.length - 16).toString(16)}\r\n`), html.subarray(16), Buffer.from('\r\n0\r\n\r\n')]);
  const gz = gzipSync(html);
  const gzChunked = Buffer.concat([Buffer.from(`${gz.length.toString(16)}\r\n`), gz, Buffer.from('\r\n0\r\n\r\n')]);
  // declares 0x40 bytes for a 16-byte chunk: the chunk overruns the framing
  const wrongChunk = Buffer.concat([Buffer.from('10\r\n'), html.subarray(0, 16), Buffer.from('\r\n'), Buffer.from('ffff\r\n'), html.subarray(16), Buffer.from('\r\n0\r\n\r\n')]);
  const file = write('payloads.warc', Buffer.concat([
    warcRecord('response', 'http://a.example/chunked', httpResponse(['Content-Type: text/html; charset=UTF-8', 'Transfer-Encoding: chunked'], chunked), HTTP_TYPE),
    warcRecord('response', 'http://a.example/gzip-chunked', httpResponse(['Content-Type: text/html', 'Transfer-Encoding: chunked', 'Content-Encoding: gzip'], gzChunked), HTTP_TYPE),
    warcRecord('response', 'http://a.example/deflate', httpResponse(['Content-Type: application/xhtml+xml', 'Content-Encoding: deflate'], deflateSync(html)), HTTP_TYPE),
    warcRecord('response', 'http://a.example/br', httpResponse(['Content-Type: text/plain; charset="ISO-8859-1"', 'Content-Encoding: br'], brotliCompressSync(html)), HTTP_TYPE),
    warcRecord('response', 'http://a.example/wrong-chunk', httpResponse(['Content-Type: text/html', 'Transfer-Encoding: chunked'], wrongChunk), HTTP_TYPE),
    warcRecord('response', 'http://a.example/404', httpResponse(['Content-Type: text/html'], html, '404 Not Found'), HTTP_TYPE),
    warcRecord('response', 'http://a.example/image', httpResponse(['Content-Type: image/png'], Buffer.from([0x89, 0x50, 0x4e, 0x47])), HTTP_TYPE),
    warcRecord('response', 'http://a.example/not-http', Buffer.from('this is not an HTTP response\r\n\r\nbody'), HTTP_TYPE),
    warcRecord('response', 'http://a.example/bad-gzip', httpResponse(['Content-Type: text/html', 'Content-Encoding: gzip'], Buffer.concat([gz.subarray(0, 10), Buffer.alloc(40, 0xff)])), HTTP_TYPE),
    warcRecord('response', 'http://a.example/no-type', httpResponse([], html), HTTP_TYPE),
  ]));
  const r = await readAll(file);
  assert.equal(r.length, 10);
  assert.equal(bodyText(r[0]), HTML);
  assert.equal((r[0] as SourceDocument).declaredCharset, 'utf-8');
  assert.equal(bodyText(r[1]), HTML);
  assert.equal(bodyText(r[2]), HTML);
  assert.equal((r[2] as SourceDocument).mediaType, 'application/xhtml+xml');
  assert.equal(bodyText(r[3]), HTML);
  assert.equal((r[3] as SourceDocument).declaredCharset, 'iso-8859-1');
  // wrong chunk length: the chunks before it decoded, the rest kept raw, noted; still a document
  assert.equal(r[4]!.kind, 'document');
  assert.ok(bodyText(r[4]).startsWith(HTML.slice(0, 16) + 'ffff\r\n' + HTML.slice(16, 40)));
  assert.match(String((r[4] as SourceDocument).meta.notes), /bad-chunking: chunk of 65535 bytes/);
  assert.deepEqual(r.slice(5, 7).map((x) => x.kind === 'skip' && x.reason), ['http-status-404', 'non-text-payload']);
  assert.equal(r[7]!.kind === 'reject' && r[7]!.reason, 'bad-http');
  assert.equal(r[8]!.kind === 'reject' && r[8]!.reason, 'bad-content-encoding');
  assert.match((r[8] as { message: string }).message, new RegExp(`payloads\\.warc @ offset ${r[8]!.offset}: gzip body does not inflate`));
  assert.equal(r[9]!.kind, 'document', 'HTML without Content-Type is sniffed');
  assert.deepEqual((r[9] as SourceDocument).meta.notes, ['media-type-sniffed-html']);
});

test('garbage between records, bad headers and oversize records are counted rejects; reading goes on', async () => {
  const good = (n: number) => warcRecord('resource', `http://b.example/${n}`, Buffer.from(HTML), { 'Content-Type': 'text/html' });
  const noLength = Buffer.from('WARC/1.0\r\nWARC-Type: resource\r\nWARC-Target-URI: http://b.example/no-length\r\n\r\n<html>lost</html>\r\n\r\n');
  const big = warcRecord('resource', 'http://b.example/big', Buffer.alloc(5000, 0x61), { 'Content-Type': 'text/plain' });
  const bigRequest = warcRecord('request', 'http://b.example/big', Buffer.alloc(5000, 0x61));
  const file = write('broken.warc', Buffer.concat([Buffer.from('junk before the first record\n'), good(1), Buffer.from('garbage\r\nmore garbage\r\n'), good(2), noLength, good(3), big, bigRequest, good(4)]));
  const r = await readAll(file, { maxRecordBytes: 4096 });
  const summary = r.map((x) => (x.kind === 'document' ? x.url : `${x.kind}:${x.reason}`));
  assert.deepEqual(summary, [
    'reject:bad-record', 'http://b.example/1', 'reject:bad-record', 'http://b.example/2', 'reject:bad-header', 'http://b.example/3',
    'reject:record-too-large', 'skip:warc-request', 'http://b.example/4',
  ]);
  const data = readFileSync(file);
  for (const x of r) {
    if (x.kind === 'document') assert.equal(data.toString('latin1', x.offset, x.offset + 5), 'WARC/');
  }
  assert.equal(r[0]!.offset, 0);
  // a line longer than any header that starts like a record must not stall the reader
  const longLine = write('long-line.warc', Buffer.concat([Buffer.from('WARC/1.0' + 'x'.repeat(70_000) + '\r\n'), good(5)]));
  assert.deepEqual((await readAll(longLine)).map((x) => (x.kind === 'document' ? x.url : `${x.kind}:${x.reason}`)), ['reject:bad-record', 'http://b.example/5']);
  assert.match((r[2] as { message: string }).message, /23 bytes that are not a WARC record/);
});

test('WARC offsets are positions in the decompressed stream: plain, whole-file gzip, per-record gzip and zstd agree', async () => {
  const original = join(corpus, 'warc/dolma_sample-0001.warc.gz'); // per-record gzip
  const plain = write('same.warc', gunzipSync(readFileSync(original)));
  const whole = write('same-whole.warc.gz', gzipSync(readFileSync(plain)));
  zstd(plain, inputs.path('same.warc.zst'));
  const reference = await readAll(original);
  assert.equal(reference.length, 34);
  for (const file of [plain, whole, inputs.path('same.warc.zst')]) {
    assert.equal(detectFormat(file), 'warc');
    assert.deepEqual(await readAll(file), reference, file);
  }
});

test('clipped zstd and clipped gzip streams end with a reject for the record they cut', async () => {
  const plain = write('clip.warc', gunzipSync(readFileSync(join(corpus, 'warc/dolma_sample-0000.warc.gz'))));
  zstd(plain, inputs.path('clip-full.warc.zst'));
  const full = readFileSync(inputs.path('clip-full.warc.zst'));
  const clippedZst = write('clipped.warc.zst', full.subarray(0, Math.floor(full.length / 2)));
  const gz = gzipSync(readFileSync(plain));
  const clippedGz = write('clipped.warc.gz', gz.subarray(0, Math.floor(gz.length / 2)));
  for (const [file, reason] of [[clippedZst, 'bad-zstd'], [clippedGz, 'bad-gzip']] as const) {
    const r = await readAll(file);
    const last = r.at(-1)!;
    assert.equal(last.kind === 'reject' && last.reason, reason, file);
    assert.ok(r.slice(0, -1).every((x) => x.kind !== 'reject'), 'records before the cut are fine');
    assert.ok(r.length > 5 && r.length < 48, `${r.length} records before the cut`);
  }
  const notGzip = write('not-gzip.warc.gz', Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(100, 7)]));
  const r = await readAll(notGzip);
  assert.deepEqual(r.map((x) => x.kind === 'reject' && x.reason), ['bad-gzip']);
});

test('JSONL: bad JSON and missing text are rejects with line offsets; BOM, blank lines, field options, zstd', async () => {
  const lines = [
    '\ufeff{"id": "a", "text": "first", "lang": "de", "url": "http://c.example/a", "date": "2020-01-01"}',
    '{"id": 7, "text": "second", "metadata": {"url": "http://c.example/b", "language": "fr"}, "added": "2021-01-01"}',
    '{"id": "c", "text": ',
    '',
    '   ',
    '[1, 2]',
    '{"id": "d", "body": "no text field", "meta": {"url": "http://c.example/d"}}',
    '{"text": "last, no newline"}',
  ];
  const content = lines.join('\n');
  const file = write('mixed.jsonl', content);
  const r = await readAll(file);
  const summary = r.map((x) => (x.kind === 'document' ? x.text : `${x.kind}:${x.reason}`));
  assert.deepEqual(summary, ['first', 'second', 'reject:bad-json', 'reject:bad-json', 'reject:missing-text', 'last, no newline']);
  const bytes = Buffer.from(content);
  assert.deepEqual(r.map((x) => x.offset), [0, 1, 2, 5, 6, 7].map((i) => bytes.indexOf(lines[i]!.replace('\ufeff', '')) - (i === 0 ? 3 : 0)));
  const [a, b] = r as SourceDocument[];
  assert.equal(a!.id, 'a');
  assert.equal(a!.lang, 'de');
  assert.equal(a!.date, '2020-01-01');
  assert.equal(b!.id, '7');
  assert.equal(b!.url, 'http://c.example/b');
  assert.equal(b!.lang, 'fr');
  assert.equal(b!.date, '2021-01-01');
  assert.equal(r[4]!.url, 'http://c.example/d');
  assert.match((r[2] as { message: string }).message, /mixed\.jsonl @ offset \d+: invalid JSON/);
  const custom = await readAll(file, { jsonlTextField: 'body', jsonlIdField: 'url' });
  assert.equal(custom.filter((x) => x.kind === 'document').length, 1);
  zstd(file, inputs.path('mixed.jsonl.zst'));
  const withoutMessage = (x: SourceRecord) => ({ ...x, message: undefined });
  assert.deepEqual((await readAll(inputs.path('mixed.jsonl.zst'))).map(withoutMessage), r.map(withoutMessage));
  // a line longer than maxRecordBytes is rejected and reading goes on
  const long = write('long.jsonl', `{"text": "${'x'.repeat(2000)}"}\n{"text": "short"}\n`);
  const lr = await readAll(long, { maxRecordBytes: 1000 });
  assert.deepEqual(lr.map((x) => (x.kind === 'document' ? x.text : `${x.kind}:${x.reason}`)), ['reject:record-too-large', 'short']);
});

test('detectFormat: by name, and by content where the name says nothing', () => {
  assert.equal(detectFormat('/x/CC-MAIN-1.warc.wet.gz'), 'wet');
  assert.equal(detectFormat('/x/CC-MAIN-1.warc.wat.gz'), 'wat');
  assert.equal(detectFormat('/x/a.warc.gz'), 'warc');
  assert.equal(detectFormat('/x/a.arc.gz'), 'arc');
  assert.equal(detectFormat('/x/a.json.gz'), 'jsonl');
  assert.equal(detectFormat('/x/a.jsonl.zst'), 'jsonl');
  assert.equal(detectFormat('/x/a.txt.gz'), 'text');
  const wet = write('noname1.gz', readFileSync(join(corpus, 'warc/cc_whirlwind_CC-MAIN-2024-22.warc.wet.gz')));
  assert.equal(detectFormat(wet), 'wet');
  assert.equal(detectFormat(write('noname2', readFileSync(join(corpus, 'warc/cc_crawl-2008_small-sample-1213893279526_0.arc')))), 'arc');
  assert.equal(detectFormat(write('noname3.gz', readFileSync(join(corpus, 'jsonl/dolma_provided_documents_000.jsonl.gz')))), 'jsonl');
  assert.equal(detectFormat(write('noname4', 'just some words\n')), 'text');
  zstd(inputs.path('noname2'), inputs.path('noname5.zst'));
  assert.equal(detectFormat(inputs.path('noname5.zst')), 'arc');
});

test('a read that stops before its first chunk closes its file', { skip: process.platform !== 'linux' && 'counts open files in /proc/self/fd (Linux)' }, async () => {
  // A range read skips the look at the first bytes that a whole read makes, so an abort before the
  // first record stops it before the decompressed stream has started: that stream cannot close the
  // file then, and the file stayed open until garbage collection.
  const page = httpResponse(['Content-Type: text/html'], Buffer.from(HTML));
  const record = warcRecord('response', 'https://example.com/', page, HTTP_TYPE);
  const plain = write('stop-early.warc', Buffer.concat([record, record]));
  const perRecord = write('stop-early.warc.gz', Buffer.concat([gzipSync(record), gzipSync(record)]));
  const openFiles = () => readdirSync('/proc/self/fd').length;
  const aborted = AbortSignal.abort();
  const before = openFiles();
  for (const file of [plain, perRecord]) {
    const size = statSync(file).size;
    for (let i = 0; i < 20; i++) {
      await assert.rejects(readAll(file, { range: { start: 0, end: size, base: 0 }, signal: aborted }), (e: unknown) => e instanceof FoxdenError && e.code === 'ABORTED');
    }
  }
  assert.equal(openFiles(), before, '40 aborted reads left no file open');
});

test('an unreadable file throws BAD_INPUT naming it; an abort throws ABORTED; an empty text file is a skip', async () => {
  const missing = inputs.path('does-not-exist.warc.gz');
  await assert.rejects(readAll(missing), (e: unknown) => e instanceof FoxdenError && e.code === 'BAD_INPUT' && e.message.includes(missing));
  assert.throws(() => detectFormat(inputs.path('missing-noext')), (e: unknown) => e instanceof FoxdenError && e.code === 'BAD_INPUT');
  const controller = new AbortController();
  const seen: SourceRecord[] = [];
  await assert.rejects(async () => {
    for await (const r of readSource(join(corpus, 'warc/aut_IAH-2008-archive.org.warc.gz'), { signal: controller.signal })) {
      seen.push(r);
      if (seen.length === 3) controller.abort();
    }
  }, (e: unknown) => e instanceof FoxdenError && e.code === 'ABORTED');
  assert.equal(seen.length, 3);
  assert.deepEqual((await readAll(write('empty.txt', ''))).map((x) => x.kind === 'skip' && x.reason), ['empty-file']);
  const tooBig = await readAll(join(corpus, 'books/gutenberg_Vathek.txt.gz'), { maxRecordBytes: 1000 });
  assert.deepEqual(tooBig.map((x) => x.kind === 'reject' && x.reason), ['record-too-large']);
});
