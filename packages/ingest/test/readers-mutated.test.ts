/**
 * Broken archives as crawls and copies break them, made on purpose: a
 * seeded generator cuts, flips, inserts, drops and repeats bytes of small
 * archives (plain WARC, per-record gzip WARC, whole-file gzip WARC, ARC,
 * JSONL),
 * and sets Content-Length headers wrong. Whatever the damage, reading a
 * file never throws, gives its records in file order, and reading it split
 * into ranges gives exactly the records of reading it whole: the promise
 * that a broken record is a counted reject, and that output does not depend
 * on how a file is split.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { SourceRecord } from '../src/readers/types.js';
import { splitFile } from '../src/readers/split.js';
import { SeededRandom } from '@foxden/core';
import { HTTP_TYPE, httpResponse, readAll, scratchInputs, warcRecord } from './reader-kit.js';

const { write } = scratchInputs('foxden-mutated-');

/** Mutants per archive: enough to meet every kind of damage many times, few enough to run in seconds. */
const MUTANTS = 40;
const SEED = 20261206;
/** Small, so a Content-Length set far too large is refused rather than read. */
const MAX_RECORD_BYTES = 1 << 20;

const page = (n: number) => Buffer.from(`<!DOCTYPE html><html><head><title>Page ${n}</title></head><body><nav><a href="/">Home</a></nav>` +
  `<article><h1>Story ${n}</h1>${'<p>The harbour bridge will be rebuilt over two years, the council said on Tuesday. </p>'.repeat(3 + (n % 5))}</article></body></html>`);

/** A small crawl: responses (plain, chunked, gzip-encoded, not found, an image), requests, metadata and a revisit. */
function records(): Buffer[] {
  const out: Buffer[] = [warcRecord('warcinfo', null, Buffer.from('software: foxden test\r\n'), { 'Content-Type': 'application/warc-fields' })];
  for (let n = 0; n < 12; n++) {
    const uri = `https://news.example/${n}`;
    out.push(warcRecord('request', uri, Buffer.from(`GET /${n} HTTP/1.1\r\nHost: news.example\r\n\r\n`), { 'Content-Type': 'application/http; msgtype=request' }));
    const html = page(n);
    const response =
      n % 4 === 1 ? httpResponse(['Content-Type: text/html; charset=utf-8', 'Transfer-Encoding: chunked'], Buffer.from(`${html.length.toString(16)}\r\n${html.toString('latin1')}\r\n0\r\n\r\n`, 'latin1'))
      : n % 4 === 2 ? httpResponse(['Content-Type: text/html', 'Content-Encoding: gzip'], gzipSync(html))
      : n % 7 === 3 ? httpResponse(['Content-Type: text/html'], html, '404 Not Found')
      : n % 6 === 0 ? httpResponse(['Content-Type: image/png'], Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]))
      : httpResponse(['Content-Type: text/html; charset=utf-8'], html);
    out.push(warcRecord('response', uri, response, HTTP_TYPE));
    out.push(warcRecord('metadata', uri, Buffer.from(`fetchTimeMs: ${100 + n}\r\n`), { 'Content-Type': 'application/warc-fields' }));
  }
  out.push(warcRecord('revisit', 'https://news.example/0', Buffer.alloc(0), { 'WARC-Profile': 'http://netpreserve.org/warc/1.1/revisit/identical-payload-digest' }));
  return out;
}

/** One kind of damage to `data`, and what it was (for the failure message). */
function damage(data: Buffer, r: SeededRandom): { data: Buffer; what: string } {
  const at = r.nextInt(data.length);
  const span = Math.min(r.nextInt(4000), data.length - at);
  switch (r.nextInt(7)) {
    case 0:
      return { data: data.subarray(0, at), what: `cut off at ${at}` };
    case 1: {
      const out = Buffer.from(data);
      const flips = 1 + r.nextInt(16);
      for (let i = 0; i < flips; i++) out[r.nextInt(out.length)] = r.nextInt(256);
      return { data: out, what: `${flips} bytes changed` };
    }
    case 2: {
      const junk = Buffer.alloc(1 + r.nextInt(3000));
      for (let i = 0; i < junk.length; i++) junk[i] = r.nextInt(256);
      return { data: Buffer.concat([data.subarray(0, at), junk, data.subarray(at)]), what: `${junk.length} random bytes inserted at ${at}` };
    }
    case 3:
      return { data: Buffer.concat([data.subarray(0, at), data.subarray(at + span)]), what: `${span} bytes dropped at ${at}` };
    case 4:
      return { data: Buffer.concat([data.subarray(0, at + span), data.subarray(at, at + span), data.subarray(at + span)]), what: `${span} bytes repeated at ${at}` };
    case 5: {
      const out = Buffer.from(data);
      out.fill(0, at, at + span);
      return { data: out, what: `${span} bytes zeroed at ${at}` };
    }
    default: {
      // A record whose header gives the wrong length: a little off, or far past the end of the file.
      const text = data.toString('latin1');
      const lengths = [...text.matchAll(/Content-Length: (\d+)/g)];
      if (lengths.length === 0) return { data: data.subarray(0, at), what: `cut off at ${at}` };
      const m = lengths[r.nextInt(lengths.length)]!;
      const wrong = r.nextInt(10) === 0 ? Number(m[1]) + 1_000_000_000 : Math.max(0, Number(m[1]) + r.nextInt(401) - 200);
      return {
        data: Buffer.from(text.slice(0, m.index) + `Content-Length: ${wrong}` + text.slice(m.index! + m[0].length), 'latin1'),
        what: `Content-Length ${m[1]} set to ${wrong} at ${m.index}`,
      };
    }
  }
}

/** Gzip each WARC record on its own, as Common Crawl writes them (a record starts at a "WARC/1." line). */
function perRecordGzip(plain: Buffer): Buffer {
  const text = plain.toString('latin1');
  const starts = [0];
  for (const m of text.matchAll(/\r?\n(?=WARC\/1\.)/g)) starts.push(m.index! + m[0].length);
  return Buffer.concat(starts.map((s, i) => gzipSync(plain.subarray(s, starts[i + 1] ?? plain.length))));
}

/** What identifies a record's reading: kind, offset, address, reason, and a digest of what it carries. */
function fingerprint(r: SourceRecord): string {
  if (r.kind === 'document') return `document ${r.offset} ${r.url} ${createHash('sha256').update(r.body ?? r.text ?? '').digest('hex').slice(0, 16)}`;
  return `${r.kind} ${r.offset} ${r.url} ${r.reason}`;
}

/** Reads `file` whole (and split, where it can be) and checks the promises above; returns the whole read. */
async function checkMutant(file: string, what: string, splittable: boolean): Promise<SourceRecord[]> {
  let whole: SourceRecord[];
  try {
    whole = await readAll(file, { maxRecordBytes: MAX_RECORD_BYTES });
  } catch (e) {
    assert.fail(`${what}: reading the whole file threw ${(e as Error).message}`);
  }
  for (let i = 1; i < whole.length; i++) {
    assert.ok(whole[i]!.offset >= whole[i - 1]!.offset, `${what}: record ${i} at ${whole[i]!.offset} after one at ${whole[i - 1]!.offset}`);
  }
  for (const r of whole) if (r.kind === 'reject') assert.ok(r.message.includes(file), `${what}: a reject's message names the file: ${r.message}`);
  if (!splittable) return whole;
  const size = statSync(file).size;
  const want = whole.map(fingerprint);
  for (const parts of [3, 7]) {
    const ranges = await splitFile(file, Math.max(1, Math.ceil(size / parts)), size, MAX_RECORD_BYTES);
    if (ranges === null) return whole;
    const got: string[] = [];
    for (const { range } of ranges) got.push(...(await readAll(file, { range, maxRecordBytes: MAX_RECORD_BYTES })).map(fingerprint));
    assert.deepEqual(got, want, `${what}: read in ${ranges.length} ranges (split in ${parts}), the records differ from the whole file's`);
  }
  return whole;
}

test('damaged WARC files (plain, gzip per record, gzip whole) never throw, keep file order, and read the same split as whole', async () => {
  const plain = Buffer.concat(records());
  // Undamaged: the crawl's pages are its documents, all 12 but the picture and the page not found.
  const clean = await readAll(write('clean.warc', plain));
  assert.equal(clean.filter((x) => x.kind === 'document').length, 10);
  assert.equal(clean.filter((x) => x.kind === 'reject').length, 0);
  const r = new SeededRandom(SEED);
  let rejects = 0;
  for (let i = 0; i < MUTANTS; i++) {
    // Damage to the records themselves, then written three ways; and damage to the compressed bytes.
    const broken = damage(plain, r);
    for (const [name, data, splittable] of [
      ['plain.warc', broken.data, true],
      ['per-record.warc.gz', perRecordGzip(broken.data), true],
      ['whole.warc.gz', gzipSync(broken.data), false],
    ] as const) {
      const file = write(`${i}-${name}`, data);
      rejects += (await checkMutant(file, `mutant ${i} (${broken.what}) as ${name}`, splittable)).filter((x) => x.kind === 'reject').length;
    }
    const compressed = damage(perRecordGzip(plain), r);
    await checkMutant(write(`${i}-gz-damaged.warc.gz`, compressed.data), `mutant ${i} (${compressed.what} in the gzip bytes)`, true);
  }
  // The damage is real: most mutants break some record.
  assert.ok(rejects > MUTANTS, `only ${rejects} rejects over ${MUTANTS * 3} damaged files`);
});

/** An ARC v1 file's records: the filedesc record, then each response with its header line. */
function arcRecords(): Buffer[] {
  const arc = (url: string, type: string, block: Buffer) => Buffer.concat([Buffer.from(`${url} 192.0.2.7 20080618031439 ${type} ${block.length}\n`), block, Buffer.from('\n')]);
  const out = [arc('filedesc://news.arc', 'text/plain', Buffer.from('1 0 foxden\nURL IP-address Archive-date Content-type Archive-length\n'))];
  for (let n = 0; n < 12; n++) {
    const html = page(n);
    const response = n % 6 === 0 ? httpResponse(['Content-Type: image/gif'], Buffer.from('GIF89a\x01\x00'))
      : n % 7 === 3 ? httpResponse(['Content-Type: text/html'], html, '404 Not Found')
      : httpResponse(['Content-Type: text/html; charset=iso-8859-1'], html);
    out.push(arc(`https://news.example/${n}`, n % 6 === 0 ? 'image/gif' : 'text/html', response));
  }
  return out;
}

test('damaged ARC files (plain and gzip per record) never throw, keep file order, and read the same split as whole', async () => {
  const members = arcRecords();
  const plain = Buffer.concat(members);
  const perRecord = Buffer.concat(members.map((m) => gzipSync(m)));
  // Undamaged, the pages are documents (less two pictures and two pages not found), and the rest skips.
  for (const [name, data] of [['clean.arc', plain], ['clean.arc.gz', perRecord]] as const) {
    const read = await readAll(write(name, data));
    assert.deepEqual(read.map((x) => x.kind).sort(), [...Array(8).fill('document'), ...Array(5).fill('skip')], name);
  }
  const r = new SeededRandom(SEED + 2);
  for (let i = 0; i < MUTANTS; i++) {
    const broken = damage(plain, r);
    await checkMutant(write(`${i}-news.arc`, broken.data), `mutant ${i} (${broken.what}) as ARC`, true);
    const compressed = damage(perRecord, r);
    await checkMutant(write(`${i}-news.arc.gz`, compressed.data), `mutant ${i} (${compressed.what} in the gzip bytes) as ARC`, true);
  }
});

test('damaged JSON Lines files (plain and gzip) never throw and keep file order', async () => {
  const lines = Array.from({ length: 30 }, (_, n) => JSON.stringify({ id: `doc-${n}`, text: `Document ${n}: ${'the harbour bridge will be rebuilt. '.repeat(1 + (n % 6))}`, url: `https://news.example/${n}` }));
  const jsonl = Buffer.from(lines.join('\n') + '\n');
  const r = new SeededRandom(SEED + 1);
  for (let i = 0; i < MUTANTS; i++) {
    const broken = damage(jsonl, r);
    await checkMutant(write(`${i}-docs.jsonl`, broken.data), `mutant ${i} (${broken.what}) as JSONL`, false);
    await checkMutant(write(`${i}-docs.jsonl.gz`, gzipSync(broken.data)), `mutant ${i} (${broken.what}) as gzip JSONL`, false);
    const compressed = damage(gzipSync(jsonl), r);
    await checkMutant(write(`${i}-gz-damaged.jsonl.gz`, compressed.data), `mutant ${i} (${compressed.what} in the gzip bytes) as gzip JSONL`, false);
  }
  // Undamaged, every line is a document.
  const clean = await readAll(write('clean.jsonl.gz', gzipSync(jsonl)));
  assert.equal(clean.filter((x) => x.kind === 'document').length, 30);
});
