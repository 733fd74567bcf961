/**
 * A per-record gzip WARC (each record its own gzip member, as crawlers write
 * them) with a corrupt member: the member costs only its own record, every
 * record before and after it is read, the reject names the file and both
 * offsets, and a read by ranges gives exactly what the whole read gives.
 * Before, zlib's gunzip stream stopped at the first bad member and dropped
 * what it had decoded but not handed out, so one bad byte in a crawl file
 * lost the records before it in the same read and all after it.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { splitFile } from '../src/readers/split.js';
import type { SourceRecord } from '../src/readers/index.js';
import { HTTP_TYPE, httpResponse, readAll, scratchInputs, warcRecord } from './reader-kit.js';

const inputs = scratchInputs('foxden-gzip-members-');

/** Twelve response records, each gzipped alone: the members, and each one's file offset. */
function members(): { parts: Buffer[]; offsets: number[] } {
  const parts: Buffer[] = [];
  for (let i = 0; i < 12; i++) {
    const page = `<html><body><h1>Page ${i}</h1><p>${`Sentence ${i} of a page with words enough to read as text. `.repeat(30)}</p></body></html>`;
    const block = httpResponse(['Content-Type: text/html; charset=utf-8'], Buffer.from(page));
    parts.push(gzipSync(warcRecord('response', `http://example.com/${i}`, block, HTTP_TYPE)));
  }
  let at = 0;
  const offsets = parts.map((p) => ((at += p.length), at - p.length));
  return { parts, offsets };
}

const documentUrls = (records: SourceRecord[]) => records.filter((r) => r.kind === 'document').map((r) => r.url);
const rejects = (records: SourceRecord[]) => records.filter((r): r is Extract<SourceRecord, { kind: 'reject' }> => r.kind === 'reject');

/**
 * What a read by ranges gives, joined, must be the whole read, at every split size. (The range
 * holding the corrupt member is read to the end of the file, so that split sizes which put it in
 * the first range give one range.)
 */
async function assertSplitsAgree(file: string, whole: SourceRecord[]): Promise<void> {
  const size = statSync(file).size;
  let split = false;
  for (const splitBytes of [300, 700, 1_000, 2_000]) {
    const ranges = await splitFile(file, splitBytes, size);
    assert.ok(ranges !== null, `${file} is split`);
    split ||= ranges.length > 1;
    const joined: SourceRecord[] = [];
    for (const { range } of ranges) joined.push(...(await readAll(file, { range })));
    assert.deepEqual(joined.map((r) => [r.kind, r.offset, r.url]), whole.map((r) => [r.kind, r.offset, r.url]), `split every ${splitBytes} bytes`);
  }
  assert.ok(split, `${file} is read by several ranges at some split size`);
}

test('a corrupt gzip member costs only its record: the records before and after it are read, and the reject names both offsets', async () => {
  const { parts, offsets } = members();
  const clean = await readAll(inputs.write('clean.warc.gz', Buffer.concat(parts)));
  const broken = Buffer.concat(parts);
  // A byte in the middle of the sixth member's deflate data.
  const bad = offsets[5]!;
  const at = bad + Math.floor(parts[5]!.length / 2);
  broken[at] = broken[at]! ^ 0x55;
  const file = inputs.write('corrupt.warc.gz', broken);
  const records = await readAll(file);
  assert.deepEqual(documentUrls(records), documentUrls(clean).filter((u) => u !== 'http://example.com/5'));
  const [reject, ...more] = rejects(records);
  assert.equal(more.length, 0);
  assert.equal(reject!.reason, 'bad-gzip');
  assert.match(reject!.message, new RegExp(`^${file} @ offset \\d+: .*gzip member at file offset ${bad}.* reading goes on at the next whole member, at file offset ${offsets[6]}`));
  // The records after the break keep offsets that do not depend on where a read began.
  await assertSplitsAgree(file, records);
});

test("a member that fails its CRC-32 check is not handed out, though its data inflates", async () => {
  const { parts, offsets } = members();
  const broken = Buffer.concat(parts);
  const crcAt = offsets[3]! + parts[3]!.length - 8;
  broken[crcAt] = broken[crcAt]! ^ 0xff;
  const file = inputs.write('bad-crc.warc.gz', broken);
  const records = await readAll(file);
  assert.equal(documentUrls(records).length, 11);
  assert.ok(!documentUrls(records).includes('http://example.com/3'));
  assert.match(rejects(records)[0]!.message, /fails its CRC-32 or length check/);
  await assertSplitsAgree(file, records);
});

test('after the last member: zero padding is ignored as gunzip ignores it; other bytes are one reject, and every record is kept', async () => {
  const { parts } = members();
  const padded = await readAll(inputs.write('padded.warc.gz', Buffer.concat([...parts, Buffer.alloc(4096)])));
  assert.equal(documentUrls(padded).length, 12);
  assert.equal(rejects(padded).length, 0);
  const trailing = await readAll(inputs.write('trailing.warc.gz', Buffer.concat([...parts, Buffer.from('not gzip at all, appended by a careless copy')])));
  assert.equal(documentUrls(trailing).length, 12);
  const [reject, ...more] = rejects(trailing);
  assert.equal(more.length, 0);
  assert.match(reject!.message, /no gzip member header at file offset \d+; no whole gzip member follows it/);
});

test('a file cut inside a member keeps every record before the cut', async () => {
  const { parts, offsets } = members();
  const whole = Buffer.concat(parts);
  const records = await readAll(inputs.write('cut.warc.gz', whole.subarray(0, offsets[9]! + 40)));
  assert.deepEqual(documentUrls(records), Array.from({ length: 9 }, (_, i) => `http://example.com/${i}`));
  assert.equal(rejects(records).length, 1);
});

test('a member too large to decode whole streams as before, and the records after it are read', async () => {
  const page = (i: number, body: Buffer) => gzipSync(warcRecord('response', `http://example.com/${i}`, httpResponse(['Content-Type: text/html'], body), HTTP_TYPE));
  const small = (i: number) => page(i, Buffer.from(`<html><body><p>${'Words of a page to read as text here. '.repeat(20)}</p></body></html>`));
  // 65 MiB of spaces: more data than a member may hold to be decoded whole (64 MiB), a few KB compressed.
  const file = inputs.write('big-member.warc.gz', Buffer.concat([small(0), page(1, Buffer.alloc(65 << 20, 0x20)), small(2), small(3)]));
  const records = await readAll(file);
  assert.deepEqual(records.map((r) => [r.kind, r.url]), [
    ['document', 'http://example.com/0'], ['reject', 'http://example.com/1'], ['document', 'http://example.com/2'], ['document', 'http://example.com/3'],
  ]);
  assert.equal(rejects(records)[0]!.reason, 'record-too-large');
});
