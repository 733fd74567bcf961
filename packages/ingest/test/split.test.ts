/**
 * Splitting archives into ranges (readers/split.ts) on synthetic files: a
 * per-record-gzip and a plain WARC whose payloads hold false boundaries (a
 * stored gzip member of a WARC record, `WARC/1.0` lines), with garbage
 * between records and a truncated last record, read by ranges at many split
 * sizes, give exactly the records of one whole-file read.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { readSource, type SourceRecord } from '../src/readers/index.js';
import { splitFile, splitKind } from '../src/readers/split.js';

const dir = mkdtempSync(join(tmpdir(), 'foxden-split-'));

function warcRecord(type: string, uri: string, block: Buffer): Buffer {
  const head = `WARC/1.0\r\nWARC-Type: ${type}\r\nWARC-Target-URI: ${uri}\r\nWARC-Date: 2024-01-01T00:00:00Z\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: ${block.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), block, Buffer.from('\r\n\r\n')]);
}

function response(i: number, body: Buffer | string): Buffer {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const http = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${b.length}\r\n\r\n`), b]);
  return warcRecord('response', `http://example.com/${i}`, http);
}

/** Records with traps: an embedded (stored, so verbatim) gzip member of a WARC record, WARC/1.0 lines inside a payload. */
function records(): Buffer[] {
  const inner = gzipSync(response(999, '<html><body><p>inner page</p></body></html>'), { level: 0 });
  const out: Buffer[] = [];
  for (let i = 0; i < 60; i++) {
    if (i % 7 === 3) out.push(response(i, Buffer.concat([Buffer.from('<html><body><pre>'), inner, inner, Buffer.from('</pre></body></html>')])));
    else if (i % 7 === 5) out.push(response(i, `<html><body><pre>\nWARC/1.0\r\nWARC-Type: response\r\nContent-Length: 5\r\n\r\nhello\r\n\r\n</pre><p>page ${i}</p></body></html>`));
    else out.push(response(i, `<html><body><p>page ${i} ${'text '.repeat(20 + i * 13)}</p></body></html>`));
  }
  return out;
}

async function readAll(file: string): Promise<string[]> {
  const out: string[] = [];
  for await (const r of readSource(file)) out.push(show(r));
  return out;
}

function show(r: SourceRecord): string {
  return JSON.stringify({ ...r, body: r.kind === 'document' && r.body ? Buffer.from(r.body).toString('base64') : undefined });
}

async function checkSplits(file: string, sizes: number[]): Promise<void> {
  const whole = await readAll(file);
  const bytes = statSync(file).size;
  let most = 0;
  for (const size of sizes) {
    const ranges = await splitFile(file, size, bytes);
    assert.ok(ranges, `${file} can be split`);
    most = Math.max(most, ranges.length);
    const parts: string[] = [];
    for (const { range } of ranges) for await (const r of readSource(file, { range })) parts.push(show(r));
    assert.equal(parts.length, whole.length, `split ${size}: record count`);
    parts.forEach((p, i) => assert.equal(p, whole[i], `split ${size}: record ${i}`));
    assert.equal(ranges.reduce((n, r) => n + r.bytes, 0), bytes, `split ${size}: the ranges cover the file`);
  }
  assert.ok(most > 10, `some split makes many ranges (${most})`);
}

const SIZES = [500, 1000, 1777, 4096, 10_000, 50_000];

it('per-record gzip WARC with false members, garbage and a truncated end: ranges read exactly the whole-file records', async () => {
  const recs = records();
  const members = recs.map((r) => gzipSync(r));
  members.splice(20, 0, gzipSync(Buffer.from('garbage that is no WARC record\r\n')));
  const last = gzipSync(response(100, 'cut'));
  const file = join(dir, 'members.warc.gz');
  writeFileSync(file, Buffer.concat([...members, last.subarray(0, last.length - 12)]));
  assert.equal(await splitKind(file), 'gzip-members');
  const whole = await readAll(file);
  assert.ok(whole.some((r) => r.includes('"reject"')), 'the garbage and the cut end are rejects');
  await checkSplits(file, SIZES);
});

it('plain WARC with WARC/1.0 lines in payloads and garbage between records: ranges read exactly the whole-file records', async () => {
  const recs = records();
  recs.splice(30, 0, Buffer.from('stray bytes\nWARC/1.0 is not a header here\n'));
  const file = join(dir, 'plain.warc');
  writeFileSync(file, Buffer.concat(recs));
  assert.equal(await splitKind(file), 'plain');
  await checkSplits(file, SIZES);
});

it('whole-file gzip, JSONL and text are never split', async () => {
  const whole = join(dir, 'whole.warc.gz');
  writeFileSync(whole, gzipSync(Buffer.concat(records())));
  assert.equal(await splitKind(whole), null);
  const jsonl = join(dir, 'a.jsonl');
  writeFileSync(jsonl, '{"text":"a"}\n');
  assert.equal(await splitKind(jsonl), null);
});

/** Bytes read through FileHandle.read while `fn` runs (the split walk reads its windows that way). */
async function bytesReadDuring(fn: () => Promise<unknown>): Promise<number> {
  const probe = await open(join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as { read: (...args: unknown[]) => Promise<{ bytesRead: number }> };
  await probe.close();
  const read = proto.read;
  let total = 0;
  proto.read = async function (this: unknown, ...args: unknown[]) {
    const result = await read.apply(this, args);
    total += result.bytesRead;
    return result;
  };
  try {
    await fn();
  } finally {
    proto.read = read;
  }
  return total;
}

it('a gzip magic inside a member is tried once, not read on to the end of the file', async () => {
  // Stored (level 0) members keep their bytes, so the gzip magic followed by a byte that is not 8
  // (deflate) sits inside members, as it turns up by chance in compressed data; the same file with
  // other bytes in its place is the baseline. 12 MB: three times the 4 MiB the walk reads at once,
  // so that a member window grown on a false start costs reads.
  const write = (name: string, filler: Buffer) => {
    const body = (i: number) => Buffer.concat([Buffer.from(`<html><body><p>page ${i} `), ...Array.from({ length: 10_000 }, () => filler), Buffer.from('</p></body></html>')]);
    const file = join(dir, name);
    writeFileSync(file, Buffer.concat(Array.from({ length: 200 }, (_, i) => gzipSync(response(i, body(i)), { level: 0 }))));
    return file;
  };
  const withMagic = write('magic.warc.gz', Buffer.from([0x1f, 0x8b, 0x00, 0x20, 0x61, 0x20]));
  const without = write('plain-bytes.warc.gz', Buffer.from('x y a '));
  const bytes = statSync(withMagic).size;
  assert.ok(bytes > 2 * (4 << 20) && bytes === statSync(without).size, `${bytes} bytes`);
  await checkSplits(withMagic, [1_000_000]);
  const read = await bytesReadDuring(() => splitFile(withMagic, 1_000_000, bytes));
  const baseline = await bytesReadDuring(() => splitFile(without, 1_000_000, bytes));
  assert.ok(read <= baseline * 1.25, `${read} bytes read to split, against ${baseline} for the same file without the false magic`);
});
