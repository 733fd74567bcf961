/**
 * Bytes that are labelled text but are not. Servers send PDFs, images and
 * archives as `text/html`, compress bodies without saying so, and input
 * folders hold files in compressions foxden does not read. None of these may
 * become a document of mojibake: each is a counted skip or reject that says
 * what was found, or, for a gzipped body, the page inflated.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { binaryKind } from '../src/readers/binary.js';
import type { SourceDocument, SourceRecord } from '../src/readers/index.js';
import { HTTP_TYPE, httpResponse, readAll, scratchInputs, warcRecord } from './reader-kit.js';

const inputs = scratchInputs('foxden-binary-');
const write = inputs.write;

/** Deterministic bytes that look like compressed data: a SHA-256 chain. */
function noise(n: number, seed = 'foxden'): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0, size = 0; size < n; i++, size += 32) parts.push(createHash('sha256').update(`${seed}:${i}`).digest());
  return Buffer.concat(parts).subarray(0, n);
}

const PAGE = `<!doctype html><html><head><title>Spring planting</title></head><body><article><p>${'Sow the beans once the soil is warm, and water them every other day. '.repeat(20)}</p></article></body></html>\n`;
const html = Buffer.from(PAGE);
const response = (path: string, type: string, body: Buffer, headers: string[] = []) =>
  warcRecord('response', `http://binary.example/${path}`, httpResponse([`Content-Type: ${type}`, ...headers], body), HTTP_TYPE);
const bodyText = (r: SourceRecord | undefined): string => Buffer.from((r as SourceDocument).body!).toString('utf8');
const detailOf = (r: SourceRecord | undefined): string | undefined => (r?.kind === 'skip' ? `${r.reason}: ${r.detail}` : `${r?.kind}`);

test('binaryKind: magic numbers, control bytes, and text that only starts like a magic number', () => {
  assert.equal(binaryKind(Buffer.concat([Buffer.from('%PDF-1.7\n'), noise(200)])), 'pdf');
  assert.equal(binaryKind(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), noise(200)])), 'png');
  assert.equal(binaryKind(Buffer.concat([Buffer.from('RIFF'), Buffer.from([1, 2, 0, 0]), Buffer.from('WEBPVP8 '), noise(100)])), 'riff');
  assert.equal(binaryKind(Buffer.concat([Buffer.from('BZh91AY&SY'), noise(100)])), 'bzip2');
  assert.equal(binaryKind(noise(2000)), 'binary');
  // Text that begins as a magic number does, then goes on as text.
  for (const text of ['BMW and Audi both', 'GIF89 is an old format', 'ID3 tags in MP3 files', 'BZh is not a word', 'RIFF raff and riff', 'PK is short for']) {
    assert.equal(binaryKind(Buffer.from(text.repeat(20))), null, text);
  }
  // A few stray control bytes in a real page, ESC sequences of ISO-2022-JP, UTF-16 with and without a BOM.
  assert.equal(binaryKind(Buffer.from(PAGE.slice(0, 200) + '\u0000\u000b\u0001' + PAGE.slice(200))), null);
  assert.equal(binaryKind(Buffer.from(`<p>\u001b$B$3$s$K$A$O\u001b(B</p>`.repeat(40), 'latin1')), null);
  assert.equal(binaryKind(Buffer.from(PAGE, 'utf16le')), null);
  assert.equal(binaryKind(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(PAGE, 'utf16le')])), null);
  assert.equal(binaryKind(Buffer.alloc(0)), null);
});

test('a payload labelled text whose bytes are an image, a PDF, an archive or noise is a counted skip naming what it holds', async () => {
  const file = write('mislabelled.warc', Buffer.concat([
    response('page', 'text/html; charset=utf-8', html),
    response('png', 'text/html', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), noise(3000)])),
    response('jpeg', 'text/html', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF'), noise(3000)])),
    response('pdf', 'text/html; charset=utf-8', Buffer.concat([Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n', 'latin1'), noise(3000)])),
    response('zip', 'application/xhtml+xml', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), noise(3000)])),
    response('noise', 'text/plain', noise(4000)),
    response('utf16', 'text/html; charset=utf-16le', Buffer.from(PAGE, 'utf16le')),
    warcRecord('resource', 'http://binary.example/resource.pdf', Buffer.concat([Buffer.from('%PDF-1.5\n'), noise(2000)]), { 'Content-Type': 'text/html' }),
  ]));
  const r = await readAll(file);
  assert.equal(r.length, 8, 'one record out for each record in');
  assert.equal(bodyText(r[0]), PAGE);
  assert.deepEqual(r.slice(1, 6).map(detailOf), [
    'binary-payload: png bytes labelled text/html',
    'binary-payload: jpeg bytes labelled text/html',
    'binary-payload: pdf bytes labelled text/html',
    'binary-payload: zip bytes labelled application/xhtml+xml',
    'binary-payload: binary bytes labelled text/plain',
  ]);
  assert.equal(r[6]!.kind, 'document', 'UTF-16 without a byte-order mark is text, not binary');
  assert.equal(detailOf(r[7]), 'binary-payload: pdf bytes labelled text/html');
});

test('a body gzipped without Content-Encoding, or gzipped twice, is inflated and noted; one that does not inflate is skipped', async () => {
  const file = write('undeclared-gzip.warc', Buffer.concat([
    response('undeclared', 'text/html; charset=utf-8', gzipSync(html)),
    response('twice', 'text/html', gzipSync(gzipSync(html)), ['Content-Encoding: gzip']),
    response('broken', 'text/html', Buffer.concat([gzipSync(html).subarray(0, 10), noise(400)])),
  ]));
  const r = await readAll(file);
  assert.equal(r.length, 3);
  for (const doc of r.slice(0, 2)) {
    assert.equal(bodyText(doc), PAGE);
    assert.deepEqual((doc as SourceDocument).meta.notes, ['content-encoding-gzip-undeclared']);
  }
  assert.equal(detailOf(r[2]), 'binary-payload: gzip bytes labelled text/html');
});

test('an input in a compression foxden does not read is one reject that says what to run; a binary file read as text is one reject', async () => {
  const cases: [name: string, bytes: Buffer, expected: RegExp][] = [
    ['crawl.warc.lz4', Buffer.concat([Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x40, 0x40, 0xc0]), noise(500)]), /^crawl\.warc\.lz4 @ offset 0: LZ4-compressed; .* \(lz4 -d crawl\.warc\.lz4\)$/],
    ['dump.jsonl.bz2', Buffer.concat([Buffer.from('BZh91AY&SY'), noise(500)]), /^dump\.jsonl\.bz2 @ offset 0: bzip2-compressed; .* \(bunzip2 dump\.jsonl\.bz2\)$/],
    ['pages.warc.xz', Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), noise(500)]), /@ offset 0: xz-compressed; .* \(unxz pages\.warc\.xz\)$/],
    ['export.zip', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), noise(500)]), /@ offset 0: zip-compressed; .* \(unzip export\.zip\)$/],
    // gzip outside, xz inside: the check reads the decompressed bytes.
    ['wrapped.gz', gzipSync(Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), noise(500)])), /xz-compressed; .* \(unxz wrapped\.gz\)$/],
  ];
  for (const [name, bytes, expected] of cases) {
    const r = await readAll(write(name, bytes));
    assert.equal(r.length, 1, name);
    assert.equal(r[0]!.kind === 'reject' && r[0]!.reason, 'unsupported-compression', name);
    assert.match((r[0] as { message: string }).message.replace(`${inputs.dir}/`, ''), expected);
  }
  const pdf = await readAll(write('report', Buffer.concat([Buffer.from('%PDF-1.6\n'), noise(800)])));
  assert.deepEqual(pdf.map((x) => x.kind === 'reject' && [x.reason, x.message.replace(`${inputs.dir}/`, '')]), [['binary-file', 'report @ offset 0: pdf bytes, not text']]);
  const junk = await readAll(write('notes.txt', noise(800)));
  assert.equal(junk[0]!.kind === 'reject' && junk[0]!.reason, 'binary-file');
  // A text file with a stray NUL is still text.
  const text = await readAll(write('essay.txt', Buffer.from(`${'An essay on bees. '.repeat(50)}\u0000 The end.`)));
  assert.equal(text[0]!.kind, 'document');
});
