// foxden-test-needs: shared-corpus
/**
 * The source readers against every archive and JSONL file in the shared
 * corpus, and two books. Expected counts were checked independently of this
 * code: `zcat FILE | grep -ac '^WARC-Type: response'` (and request, metadata,
 * ...), a separate Python WARC walker (zlib + Content-Length hops) that
 * classified each response by HTTP status and Content-Type, and, for the
 * 2008 ARC, a Python walk over its header lines. The corpus README's own
 * figures agree (aut: 822 records = 299 response + 261 request + 261
 * metadata + 1 warcinfo; 2008 ARC: 145 records, 139 text/html + 6 pdf).
 *
 * Decisions for the edge cases (warc/edge-cases/), one line per file:
 *
 * | file                                   | what is odd                                   | outcome |
 * | resiliparse_block-sized-records        | 3 records of WARC-Type "unknown", 16 KB each  | 3 skips 'warc-unknown-type' (well-formed, nothing to train on) |
 * | resiliparse_clipped                    | gzip stream cut inside the only record        | 1 reject 'bad-gzip' naming the offset; the half record is not passed on |
 * | warcio_example-bad-non-chunked         | whole-file gzip (one member), not per record  | read like any WARC: 1 document, 2 warcinfo, 2 request, 1 revisit |
 * | warcio_example-digest                  | 4 request records with wrong digests          | 4 skips 'warc-request' (digests are not checked) |
 * | warcio_example-iana.org-chunked        | Transfer-Encoding: chunked response           | 1 document, de-chunked (no chunk-size lines left in the body) |
 * | warcio_example-resource                | resource record (webrecorder snapshot)        | 1 document from the resource block, text/html |
 * | warcio_example-space-in-target-uri     | target URI with spaces; payload is a PNG      | URI kept as given; 1 skip 'non-text-payload' |
 * | warcio_example-trunc                   | response Content-Length 2 bytes short, the    | 1 reject 'truncated-record' (payload cannot be trusted); the |
 * |                                        | rest of the gzip body spills before next rec. | request after it is read normally |
 * | warcio_example-wget-bad-target-uri     | wget `<...>` URIs, metadata:// resources      | 1 document with the URI unwrapped; wget log/arguments: 'crawler-metadata' |
 * | warcio_example-wrong-chunks            | gzip members split mid-record; HTTP body 1    | 1 document (the HTML is complete) with meta note 'http-body-truncated' |
 * |                                        | byte short of its Content-Length              |         |
 * | warcio_example.arc.gz                  | ARC v1, per-record gzip                       | 1 document (http://example.com/), filedesc skipped 'arc-filedesc' |
 * | warcio_example.warc.gz                 | revisit record                                | 1 document, revisit skipped 'warc-revisit' |
 * | warcio_post-test                       | POST requests, JSON responses                 | 3 'warc-request' + 3 'non-text-payload' |
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { readSource, detectFormat, type SourceRecord, type SourceDocument } from '../src/readers/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const corpus = resolve(repoRoot, '../shared/corpus');
const at = (p: string): string => join(corpus, p);

async function readAll(file: string): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const r of readSource(file)) out.push(r);
  return out;
}

function tally(records: SourceRecord[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const r of records) {
    const key = r.kind === 'document' ? 'document' : `${r.kind}:${r.reason}`;
    t[key] = (t[key] ?? 0) + 1;
  }
  return t;
}

const docs = (records: SourceRecord[]): SourceDocument[] => records.filter((r): r is SourceDocument => r.kind === 'document');

/** Whole decompressed file, for independent checks of offsets (test-only; the files are small). */
function decompressed(file: string): Buffer {
  const raw = readFileSync(file);
  return raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
}

/** Expected tally per file; `records` is the record count from the independent walk. */
const EXPECTED: Record<string, { records: number; tally: Record<string, number> }> = {
  'warc/aut_IAH-2008-archive.org.warc.gz': {
    records: 822,
    // 299 responses = 130 2xx text/html|text/plain (one of them, g-images.amazon.com/robots.txt, with an empty body)
    // + 122 2xx images/css/js/xml/flash + 47 non-2xx (40x404, 5x302, 2x301)
    tally: { document: 129, 'skip:empty-payload': 1, 'skip:non-text-payload': 122, 'skip:http-status-404': 40, 'skip:http-status-302': 5, 'skip:http-status-301': 2, 'skip:warc-request': 261, 'skip:warc-metadata': 261, 'skip:warcinfo': 1 },
  },
  'warc/cc_CC-MAIN-2014-35_excerpt.warc': {
    records: 13,
    // 4 responses: 3 text/html, 1 (a 200 with no Content-Type) with an empty body
    tally: { document: 3, 'skip:empty-payload': 1, 'skip:warc-request': 4, 'skip:warc-metadata': 4, 'skip:warcinfo': 1 },
  },
  'warc/cc_CC-MAIN-2014-35_excerpt.warc.wat': { records: 9, tally: { 'skip:wat-record': 8, 'skip:warcinfo': 1 } },
  'warc/cc_CC-MAIN-2014-35_excerpt.warc.wet': { records: 4, tally: { document: 3, 'skip:warcinfo': 1 } },
  'warc/cc_crawl-2008_small-sample-1213893279526_0.arc': {
    records: 146, // 145 + the filedesc header record
    // 125 2xx text/html, 6 pdf, non-2xx html: 5x404, 3x302, 3x406, 3x301
    tally: { document: 125, 'skip:non-text-payload': 6, 'skip:http-status-404': 5, 'skip:http-status-302': 3, 'skip:http-status-406': 3, 'skip:http-status-301': 3, 'skip:arc-filedesc': 1 },
  },
  'warc/cc_whirlwind_CC-MAIN-2024-22.warc.gz': { records: 4, tally: { document: 1, 'skip:warc-request': 1, 'skip:warc-metadata': 1, 'skip:warcinfo': 1 } },
  'warc/cc_whirlwind_CC-MAIN-2024-22.warc.wat.gz': { records: 2, tally: { 'skip:wat-record': 1, 'skip:warcinfo': 1 } },
  'warc/cc_whirlwind_CC-MAIN-2024-22.warc.wet.gz': { records: 2, tally: { document: 1, 'skip:warcinfo': 1 } },
  'warc/dolma_sample-0000.warc.gz': { records: 48, tally: { document: 22, 'skip:warc-request': 22, 'skip:warc-metadata': 1, 'skip:crawler-metadata': 2, 'skip:warcinfo': 1 } },
  'warc/dolma_sample-0001.warc.gz': { records: 34, tally: { document: 15, 'skip:warc-request': 15, 'skip:warc-metadata': 1, 'skip:crawler-metadata': 2, 'skip:warcinfo': 1 } },
  'warc/resiliparse_warcfile.warc.gz': { records: 50, tally: { document: 16, 'skip:warc-request': 17, 'skip:warc-metadata': 16, 'skip:warcinfo': 1 } },
  'warc/ukwa_IAH-urls-wget.warc.gz': {
    records: 36,
    // 16 responses: 7x302 + 2x301, 3 2xx text/html, 4 2xx jpeg/gif/png/xml; 3 wget metadata:// resources
    tally: { document: 3, 'skip:http-status-302': 7, 'skip:http-status-301': 2, 'skip:non-text-payload': 4, 'skip:warc-request': 16, 'skip:crawler-metadata': 3, 'skip:warcinfo': 1 },
  },
  'warc/edge-cases/resiliparse_block-sized-records.warc.gz': { records: 3, tally: { 'skip:warc-unknown-type': 3 } },
  'warc/edge-cases/resiliparse_clipped.warc.gz': { records: 1, tally: { 'reject:bad-gzip': 1 } },
  'warc/edge-cases/warcio_example-bad-non-chunked.warc.gz': { records: 6, tally: { document: 1, 'skip:warcinfo': 2, 'skip:warc-request': 2, 'skip:warc-revisit': 1 } },
  'warc/edge-cases/warcio_example-digest.warc': { records: 4, tally: { 'skip:warc-request': 4 } },
  'warc/edge-cases/warcio_example-iana.org-chunked.warc': { records: 3, tally: { document: 1, 'skip:warc-request': 1, 'skip:warcinfo': 1 } },
  'warc/edge-cases/warcio_example-resource.warc.gz': { records: 3, tally: { document: 1, 'skip:warcinfo': 2 } },
  'warc/edge-cases/warcio_example-space-in-target-uri.warc.gz': { records: 2, tally: { 'skip:non-text-payload': 1, 'skip:warcinfo': 1 } },
  'warc/edge-cases/warcio_example-trunc.warc': { records: 4, tally: { 'reject:truncated-record': 1, 'skip:warc-request': 1, 'skip:warcinfo': 2 } },
  'warc/edge-cases/warcio_example-wget-bad-target-uri.warc.gz': { records: 6, tally: { document: 1, 'skip:warc-request': 1, 'skip:warc-metadata': 1, 'skip:crawler-metadata': 2, 'skip:warcinfo': 1 } },
  'warc/edge-cases/warcio_example-wrong-chunks.warc.gz': { records: 2, tally: { document: 1, 'skip:warc-request': 1 } },
  'warc/edge-cases/warcio_example.arc.gz': { records: 2, tally: { document: 1, 'skip:arc-filedesc': 1 } },
  'warc/edge-cases/warcio_example.warc.gz': { records: 6, tally: { document: 1, 'skip:warcinfo': 2, 'skip:warc-request': 2, 'skip:warc-revisit': 1 } },
  'warc/edge-cases/warcio_post-test.warc.gz': { records: 6, tally: { 'skip:non-text-payload': 3, 'skip:warc-request': 3 } },
  // JSONL: one document per line (`wc -l`; every line parses: checked with python json.loads)
  'jsonl/datajuicer_arxiv.jsonl': { records: 11, tally: { document: 11 } },
  'jsonl/datajuicer_redpajama-c4-refined.jsonl': { records: 10, tally: { document: 10 } },
  'jsonl/datajuicer_redpajama-cc-2023-06-refined.jsonl': { records: 10, tally: { document: 10 } },
  'jsonl/datajuicer_redpajama-pile-stackexchange-refined.jsonl': { records: 10, tally: { document: 10 } },
  'jsonl/datajuicer_stack_exchange.jsonl': { records: 70, tally: { document: 70 } },
  'jsonl/datajuicer_the-pile-nih-refined.jsonl': { records: 10, tally: { document: 10 } },
  'jsonl/datajuicer_the-pile-uspto-refined.jsonl': { records: 10, tally: { document: 10 } },
  'jsonl/dolma_ccnet_cc_en_head-0091.jsonl.gz': { records: 10, tally: { document: 10 } },
  'jsonl/dolma_ccnet_cc_en_head-0174.jsonl.gz': { records: 10, tally: { document: 10 } },
  'jsonl/dolma_provided_documents_000.jsonl.gz': { records: 10, tally: { document: 10 } },
};

function corpusFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(at(dir)).sort()) {
    const rel = `${dir}/${name}`;
    if (statSync(at(rel)).isDirectory()) out.push(...corpusFiles(rel));
    else if (!name.startsWith('LICENSE')) out.push(rel);
  }
  return out;
}

test('every archive and JSONL file in the corpus is read, every record accounted for', async () => {
  const files = [...corpusFiles('warc'), ...corpusFiles('jsonl')];
  assert.ok(files.length >= 35, `corpus has ${files.length} files; is ../shared/corpus there?`);
  for (const rel of files) {
    const expected = EXPECTED[rel];
    assert.ok(expected, `no expectation for ${rel}: add one`);
    const records = await readAll(at(rel));
    assert.equal(records.length, expected.records, `${rel}: record count`);
    assert.deepEqual(tally(records), expected.tally, `${rel}: tally`);
    for (const r of records) {
      if (r.kind === 'reject') {
        assert.ok(r.message.includes(at(rel)) && r.message.includes(`offset ${r.offset}`), `${rel}: reject message names file and offset: ${r.message}`);
      }
      if (r.kind === 'document') assert.ok((r.body?.length ?? 0) > 0 || (r.text?.length ?? 0) > 0, `${rel}: empty document at ${r.offset}`);
    }
    const offsets = records.map((r) => r.offset);
    assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b), `${rel}: offsets ascend`);
  }
});

test('WARC record offsets point at the record in the decompressed stream', async () => {
  for (const rel of ['warc/aut_IAH-2008-archive.org.warc.gz', 'warc/dolma_sample-0000.warc.gz', 'warc/cc_CC-MAIN-2014-35_excerpt.warc', 'warc/edge-cases/warcio_example-wrong-chunks.warc.gz']) {
    const data = decompressed(at(rel));
    for (const r of await readAll(at(rel))) {
      assert.equal(data.toString('latin1', r.offset, r.offset + 5), 'WARC/', `${rel} @ ${r.offset}`);
      if (r.url !== null && r.kind === 'document') {
        const header = data.toString('utf8', r.offset, data.indexOf('\r\n\r\n', r.offset));
        assert.ok(header.includes(r.url), `${rel} @ ${r.offset}: header names ${r.url}`);
      }
    }
  }
});

test('aut 2008 WARC (WARC/0.17): documents are archive.org pages with unique URLs', async () => {
  const records = await readAll(at('warc/aut_IAH-2008-archive.org.warc.gz'));
  const d = docs(records);
  assert.equal(new Set(d.map((x) => x.url)).size, d.length);
  assert.ok(d.every((x) => x.recordType === 'response' && x.meta.warc_version === 'WARC/0.17'));
  assert.ok(d.every((x) => x.date?.startsWith('2008-')), 'WARC-Date kept');
  const home = d.find((x) => x.url === 'http://www.archive.org/');
  assert.ok(home, 'http://www.archive.org/ is a document');
  assert.equal(home.mediaType, 'text/html');
  // archive.org's front page in 2008 was a redirect page to index.php
  assert.match(Buffer.from(home.body!).toString('latin1'), /URL=http:\/\/www\.archive\.org\/index\.php[\s\S]*Please visit our website at/);
  const robots = records.find((r) => r.url === 'http://g-images.amazon.com/robots.txt' && r.kind === 'skip');
  assert.equal(robots?.kind === 'skip' && robots.reason, 'empty-payload');
});

test('whirlwind triple: WARC, WET and WAT of the same page', async () => {
  const url = 'https://an.wikipedia.org/wiki/Escopete';
  const [warc] = docs(await readAll(at('warc/cc_whirlwind_CC-MAIN-2024-22.warc.gz')));
  assert.equal(warc!.url, url);
  assert.equal(warc!.mediaType, 'text/html');
  assert.equal(warc!.declaredCharset, 'utf-8');
  assert.equal(warc!.meta.http_status, 200);
  const html = Buffer.from(warc!.body!).toString('utf8');
  assert.match(html, /^<!DOCTYPE html>/i);
  assert.ok(html.includes('Escopete'));
  const [wet] = docs(await readAll(at('warc/cc_whirlwind_CC-MAIN-2024-22.warc.wet.gz')));
  assert.equal(wet!.url, url);
  assert.equal(wet!.recordType, 'conversion');
  assert.equal(wet!.lang, 'spa');
  assert.equal(wet!.date, '2024-05-18T01:58:10Z');
  assert.ok(wet!.text!.startsWith('Escopete - Biquipedia, a enciclopedia libre\n'));
  assert.equal(Buffer.byteLength(wet!.text!, 'utf8'), 4456, 'WET Content-Length');
  const wat = await readAll(at('warc/cc_whirlwind_CC-MAIN-2024-22.warc.wat.gz'));
  assert.equal(wat.find((r) => r.kind === 'skip' && r.reason === 'wat-record')?.url, url);
});

test('chunked, gzip-encoded and wget-quirk records decode to clean HTML', async () => {
  const [iana] = docs(await readAll(at('warc/edge-cases/warcio_example-iana.org-chunked.warc')));
  const ianaHtml = Buffer.from(iana!.body!).toString('utf8');
  assert.ok(ianaHtml.startsWith('<!doctype html>'), 'no chunk-size line before the HTML');
  assert.ok(ianaHtml.trimEnd().endsWith('</html>'));
  assert.doesNotMatch(ianaHtml, /\r\n[0-9a-f]{1,6}\r\n/, 'no chunk-size lines inside');
  for (const rel of ['warc/edge-cases/warcio_example.warc.gz', 'warc/edge-cases/warcio_example-bad-non-chunked.warc.gz']) {
    const [doc] = docs(await readAll(at(rel)));
    assert.equal(doc!.meta.http_content_encoding, 'gzip');
    assert.match(Buffer.from(doc!.body!).toString('utf8'), /<title>Example Domain<\/title>/, `${rel}: gzip body inflated`);
  }
  const wget = await readAll(at('warc/edge-cases/warcio_example-wget-bad-target-uri.warc.gz'));
  assert.deepEqual(docs(wget).map((d) => d.url), ['http://example.com/'], 'wget <...> unwrapped');
  const wrong = docs(await readAll(at('warc/edge-cases/warcio_example-wrong-chunks.warc.gz')));
  assert.deepEqual(wrong[0]!.meta.notes, ['http-body-truncated: 1270 of 1271 bytes']);
  assert.ok(Buffer.from(wrong[0]!.body!).toString('utf8').includes('</html>'));
  const space = await readAll(at('warc/edge-cases/warcio_example-space-in-target-uri.warc.gz'));
  assert.equal(space[1]!.url, 'file:///example with spaces.png');
});

test('edge cases: clipped gzip and truncated WARC end in counted rejects, not throws', async () => {
  const [clipped] = await readAll(at('warc/edge-cases/resiliparse_clipped.warc.gz'));
  assert.equal(clipped!.kind, 'reject');
  assert.equal(clipped!.url, 'http://www.houstonpress.com/music/a-humble-chance-the-rapper-leads-a-spiritual-awakening-at-revention-8866723');
  assert.match((clipped as { message: string }).message, /88275 bytes.*gzip/);
  const trunc = await readAll(at('warc/edge-cases/warcio_example-trunc.warc'));
  const rejected = trunc.find((r) => r.kind === 'reject')!;
  assert.equal(rejected.url, 'http://example.com/');
  assert.match((rejected as { message: string }).message, /973-byte block.*604 of 606/);
  // the request record after the broken response is still found, at its real offset
  const request = trunc.find((r) => r.kind === 'skip' && r.reason === 'warc-request')!;
  assert.equal(readFileSync(at('warc/edge-cases/warcio_example-trunc.warc')).toString('latin1', request.offset, request.offset + 8), 'WARC/1.0');
});

test('ARC files: 2008 Common Crawl sample and warcio example', async () => {
  const records = await readAll(at('warc/cc_crawl-2008_small-sample-1213893279526_0.arc'));
  const d = docs(records);
  assert.equal(d[0]!.url, 'http://cineciudad.com/pelicula/index/502');
  assert.equal(d[0]!.date, '2008-05-09T19:02:41Z');
  assert.equal(d[0]!.declaredCharset, 'utf-8');
  // Its header says chunked + gzip, but the stored body is already decoded: kept raw, noted.
  assert.deepEqual(d[0]!.meta.notes, ['chunked-header-but-raw-body', 'content-encoding-gzip-not-applied']);
  assert.match(Buffer.from(d[0]!.body!).toString('utf8'), /^<!DOCTYPE html/);
  const hosts = new Set(d.map((x) => new URL(x.url!).hostname));
  assert.ok(hosts.size > 100, `${hosts.size} hosts`);
  // every document body is markup, not gzip bytes or chunk-size lines
  for (const x of d) {
    const head = Buffer.from(x.body!).subarray(0, 400).toString('latin1');
    assert.ok(/</.test(head) && !(x.body![0] === 0x1f && x.body![1] === 0x8b), `${x.url}: body is markup`);
  }
  const data = readFileSync(at('warc/cc_crawl-2008_small-sample-1213893279526_0.arc'));
  for (const r of records) assert.ok(r.url === null || data.toString('latin1', r.offset, r.offset + r.url.length) === r.url, `offset ${r.offset} starts with its URL`);
  const small = docs(await readAll(at('warc/edge-cases/warcio_example.arc.gz')));
  assert.equal(small[0]!.url, 'http://example.com/');
  assert.equal(small[0]!.date, '2014-02-16T05:02:21Z');
  assert.match(Buffer.from(small[0]!.body!).toString('utf8'), /Example Domain/);
});

test('JSONL: Dolma and data-juicer fields map to id, url, date, lang and meta', async () => {
  const dolma = docs(await readAll(at('jsonl/dolma_ccnet_cc_en_head-0091.jsonl.gz')));
  const first = dolma[0]!;
  assert.equal(first.id, 'http://100kinvesting.com/2016/11/28/first-teleconference-calls-invoice-factoring/');
  assert.equal(first.date, '2020-03-29T09:04:10Z', 'created wins over added');
  assert.equal(first.lang, 'en');
  assert.ok(first.text!.startsWith('We will be starting to hold weekly teleconferences'));
  assert.equal(first.url, (first.meta.metadata as { url: string }).url);
  assert.equal(first.meta.source, 'common-crawl');
  assert.equal(first.meta.text, undefined, 'text is not duplicated in meta');
  const lines = gunzipSync(readFileSync(at('jsonl/dolma_ccnet_cc_en_head-0091.jsonl.gz')));
  for (const d of dolma) {
    assert.ok(d.offset === 0 || lines[d.offset - 1] === 10, 'offset is a line start');
    assert.equal(JSON.parse(lines.toString('utf8', d.offset, lines.indexOf(10, d.offset))).text, d.text);
  }
  const arxiv = docs(await readAll(at('jsonl/datajuicer_arxiv.jsonl')));
  assert.ok(arxiv.every((d) => d.url?.startsWith('https://arxiv.org/') && d.lang === 'en' && d.id === undefined));
});

test('books: the whole file is one text document, BOM stripped', async () => {
  for (const rel of ['books/gutenberg_PrideAndPrejudice.txt.gz', 'books/sentencepiece_wagahaiwa_nekodearu_ja.txt.gz']) {
    assert.equal(detectFormat(at(rel)), 'text');
    const records = await readAll(at(rel));
    assert.equal(records.length, 1);
    const d = records[0] as SourceDocument;
    assert.equal(d.kind, 'document');
    assert.equal(d.offset, 0);
    const raw = gunzipSync(readFileSync(at(rel)));
    const bom = raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf;
    assert.equal(d.text, raw.subarray(bom ? 3 : 0).toString('utf8'));
    assert.notEqual(d.text!.charCodeAt(0), 0xfeff);
  }
  const pp = (await readAll(at('books/gutenberg_PrideAndPrejudice.txt.gz')))[0] as SourceDocument;
  assert.ok(pp.text!.includes('It is a truth universally acknowledged'));
});

test('two reads give identical records (offsets, urls, payload bytes)', async () => {
  for (const rel of ['warc/dolma_sample-0001.warc.gz', 'warc/cc_crawl-2008_small-sample-1213893279526_0.arc', 'jsonl/dolma_provided_documents_000.jsonl.gz', 'warc/edge-cases/warcio_example-trunc.warc']) {
    const a = await readAll(at(rel));
    const b = await readAll(at(rel));
    assert.deepEqual(a, b, rel);
    assert.equal(new Set(a.map((r) => r.offset)).size, a.length, `${rel}: offsets unique`);
  }
  assert.equal(relative(corpus, at('warc')), 'warc');
});
