// foxden-test-needs: shared-corpus
/**
 * Real content: the ingest step of the run over every file of corpus/warc and
 * corpus/jsonl turns named records into the right documents (URL, text,
 * date, id), and every file, the broken archives of warc/edge-cases
 * included, ends in documents or in counted drops; each rejected record
 * names its file, byte offset and reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ShardReader } from '@foxden/shards';
import { CORPUS_DIR, referenceRun, sharedCorpusFixture } from './fixtures.js';
import { readMarkers } from './run-dir.js';

interface Doc { id: string; text: string; url: string | null; source: string; fetched_at: string | null; lang: string | null; meta: string | null }
interface Drop { id: string; url: string | null; step: string; reason: string; value: string | null; source: string | null; offset: number | null }

async function readKind<T>(runDir: string, stepDir: string, kind: string): Promise<T[]> {
  const out: T[] = [];
  for (const m of (await readMarkers(runDir)).filter((x) => x.stepDir === stepDir)) {
    for (const o of m.stats.outputs.filter((x) => x.kind === kind)) {
      const reader = await ShardReader.open(join(runDir, o.path), { sha256: o.sha256 });
      for await (const rows of reader.rowBatches()) out.push(...(rows as unknown as T[]));
      await reader.close();
    }
  }
  return out;
}

/** The input files of the shared-corpus pipeline, by source name (path below warc/ or jsonl/). */
async function corpusFiles(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const root of ['warc', 'jsonl']) {
    for (const e of await readdir(join(CORPUS_DIR, root), { recursive: true, withFileTypes: true })) {
      if (!e.isFile() || e.name.startsWith('LICENSE') || e.name.startsWith('README')) continue;
      const path = join(e.parentPath, e.name);
      out.set(relative(join(CORPUS_DIR, root), path).split('\\').join('/'), path);
    }
  }
  return out;
}

const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\uFEFF]/g;
/** Words of a text after NFC and control-character removal: what ingest must preserve of JSONL text (it may only change whitespace). */
const words = (text: string) => text.replace(CONTROL, '').normalize('NFC').split(/\s+/).filter(Boolean);
/** Markup that main-text extraction must not leave in a document made from an HTML page. */
const MARKUP = /<(div|span|a|img|link|meta|script|style|table|td|tr|form|input|iframe)\b[^>]*>/i;

let loaded: Promise<{ docs: Doc[]; drops: Drop[]; files: Map<string, string> }> | undefined;
function ingested() {
  loaded ??= (async () => {
    const runDir = await referenceRun((await sharedCorpusFixture()).pipelineFile);
    return {
      docs: await readKind<Doc>(runDir, 'steps/00-ingest', 'documents'),
      drops: await readKind<Drop>(runDir, 'steps/00-ingest', 'drops'),
      files: await corpusFiles(),
    };
  })();
  return loaded;
}

test('every input file ends in documents or counted drops, and nothing else is a source', async () => {
  const { docs, drops, files } = await ingested();
  const perSource = new Map<string, number>();
  for (const r of [...docs, ...drops]) perSource.set(r.source ?? '', (perSource.get(r.source ?? '') ?? 0) + 1);
  for (const source of files.keys()) assert.ok((perSource.get(source) ?? 0) > 0, `${source}: no document and no drop`);
  assert.deepEqual([...perSource.keys()].filter((s) => !files.has(s)), [], 'rows name sources that are not input files');
  const ids = [...docs, ...drops].map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length, 'a record id appears twice');
  // Documents hold text, not markup: HTML pages went through main-text extraction.
  // (Pages that show markup as their content exist: archive.org's FAQ explains HTML, so allow 1 in 100.)
  const htmlDocs = docs.filter((d) => ['text/html', 'application/xhtml+xml'].includes(JSON.parse(d.meta ?? '{}').media_type));
  assert.ok(htmlDocs.length > 250, `${htmlDocs.length} documents from HTML pages`);
  const withMarkup = htmlDocs.filter((d) => MARKUP.test(d.text)).map((d) => `${d.id}: ${d.text.match(MARKUP)![0]}`);
  assert.ok(withMarkup.length <= Math.ceil(htmlDocs.length / 100), `markup left in ${withMarkup.length} of ${htmlDocs.length} HTML documents:\n${withMarkup.join('\n')}`);
  for (const d of docs) assert.ok(d.text.trim().length > 0 && d.text === d.text.normalize('NFC'), `${d.id}: empty or not NFC`);
});

test('the whirlwind page (WARC response and WET conversion) becomes the Escopete article', async () => {
  const { docs } = await ingested();
  const pages = docs.filter((d) => d.url === 'https://an.wikipedia.org/wiki/Escopete');
  assert.deepEqual(pages.map((d) => d.source).sort(), ['cc_whirlwind_CC-MAIN-2024-22.warc.gz', 'cc_whirlwind_CC-MAIN-2024-22.warc.wet.gz']);
  const warc = pages.find((d) => d.source.endsWith('.warc.gz'))!;
  // The article's first sentence, from the HTML response (main text only: no navigation menu).
  assert.match(warc.text, /^Escopete ye un municipio d'a provincia de Guadalachara, en a comunidat autonoma de Castiella-La Mancha/);
  assert.match(warc.text, /84 habitants \(2007\)/);
  assert.ok(!warc.text.includes('Menú principal'), 'navigation boilerplate kept');
  assert.ok(warc.text.length > 500 && warc.text.length < 4000, `${warc.text.length} chars`);
  assert.equal(warc.fetched_at, '2024-05-18T01:58:10Z');
  assert.equal(JSON.parse(warc.meta!).title, 'Escopete - Biquipedia, a enciclopedia libre');
  // Aragonese; a 176-language identifier may call it Spanish, never anything else.
  assert.ok(['an', 'es'].includes(warc.lang ?? ''), `lang ${warc.lang}`);
  const wet = pages.find((d) => d.source.endsWith('.wet.gz'))!;
  assert.ok(wet.text.includes('Escopete ye un municipio'), 'WET text lacks the article');
  assert.equal(wet.fetched_at, warc.fetched_at);
});

test('Dolma and data-juicer JSONL records become documents with their ids and their text', async () => {
  const { docs, drops, files } = await ingested();
  const byId = new Map(docs.map((d) => [d.id, d]));
  let checked = 0;
  for (const [source, path] of files) {
    if (!/\.jsonl(\.gz)?$/.test(source)) continue;
    const raw = await readFile(path);
    const lines = (source.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8').split('\n').filter((l) => l.trim());
    const fromFile = docs.filter((d) => d.source === source).length + drops.filter((d) => d.source === source).length;
    assert.equal(fromFile, lines.length, `${source}: ${lines.length} lines, ${fromFile} documents + drops`);
    for (const line of lines) {
      const record = JSON.parse(line) as { id?: string; text: string };
      if (record.id === undefined) continue;
      // Given ids are kept, prefixed by the source so that ids of different files cannot collide.
      const doc = byId.get(`${source}:${record.id}`);
      assert.ok(doc, `${source}: record ${record.id} is not a document`);
      assert.deepEqual(words(doc.text), words(record.text), `${doc.id}: text changed beyond whitespace`);
      checked++;
    }
  }
  assert.ok(checked >= 30, `${checked} Dolma records checked`);
  const ccnet = byId.get('dolma_ccnet_cc_en_head-0091.jsonl.gz:http://100kinvesting.com/2016/11/28/first-teleconference-calls-invoice-factoring/');
  assert.ok(ccnet, 'the first CCNet record is missing');
  assert.equal(ccnet.lang, 'en');
});

test('the 2008 Common Crawl ARC file yields its HTML pages as text', async () => {
  const { docs, drops } = await ingested();
  const source = 'cc_crawl-2008_small-sample-1213893279526_0.arc';
  const pages = docs.filter((d) => d.source === source);
  // The filedesc header and 145 records (139 text/html): redirects, 404s and pages empty after extraction are counted drops.
  assert.ok(pages.length >= 100, `${pages.length} documents`);
  assert.ok(pages.every((d) => /^https?:\/\//.test(d.url ?? '')), 'a page without its URL');
  assert.equal(pages.length + drops.filter((d) => d.source === source).length, 1 + 145);
  const langs = new Set(pages.map((d) => d.lang));
  assert.ok(langs.has('en') && langs.size >= 3, `languages ${[...langs].join(', ')}`);
});

test('every edge-case archive ends in documents or counted rejects naming file, offset and reason', async () => {
  const { docs, drops, files } = await ingested();
  const edge = [...files.keys()].filter((s) => s.startsWith('edge-cases/'));
  assert.ok(edge.length >= 13, `${edge.length} edge-case files`);
  for (const source of edge) {
    const d = docs.filter((x) => x.source === source).length;
    const r = drops.filter((x) => x.source === source);
    assert.ok(d + r.length > 0, `${source}: neither documents nor drops`);
    for (const drop of r) {
      assert.equal(drop.step, 'ingest');
      assert.ok(Number.isInteger(drop.offset) && drop.offset! >= 0, `${source}: drop ${drop.id} without a byte offset`);
      assert.match(drop.reason, /^(reject|skip):[a-z0-9-]+$|^empty-text$/, `${source}: reason ${drop.reason}`);
      if (drop.reason.startsWith('reject:')) {
        assert.ok(drop.value?.includes(source), `${source}: reject value does not name the file: ${drop.value}`);
        assert.ok(drop.value?.includes(`offset ${drop.offset}`), `${source}: reject value does not name offset ${drop.offset}: ${drop.value}`);
        // Named by its source name, not its absolute path, so that drops do not depend on where the inputs live.
        assert.ok(!drop.value?.includes(CORPUS_DIR), `${source}: reject value names an absolute path: ${drop.value}`);
      }
    }
  }
  // The deliberately broken archives are rejects, not silent losses: the clipped gzip stream and the truncated record.
  const rejects = drops.filter((x) => x.reason.startsWith('reject:'));
  for (const source of ['edge-cases/resiliparse_clipped.warc.gz', 'edge-cases/warcio_example-trunc.warc']) {
    assert.ok(rejects.some((x) => x.source === source), `${source}: no reject (drops: ${drops.filter((x) => x.source === source).map((x) => x.reason).join(', ')})`);
  }
  // Readable records of broken or unusual archives still come through.
  for (const source of ['edge-cases/warcio_example-iana.org-chunked.warc', 'edge-cases/warcio_example.arc.gz', 'edge-cases/warcio_example-resource.warc.gz']) {
    assert.ok(docs.some((x) => x.source === source && x.text.length > 50), `${source}: no document`);
  }
  const iana = docs.find((x) => x.source === 'edge-cases/warcio_example-iana.org-chunked.warc')!;
  assert.match(iana.text, /root zone/, 'the iana.org home page text');
});
