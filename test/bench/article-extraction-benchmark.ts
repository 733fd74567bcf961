/**
 * foxden's extractors on article-extraction benchmarks scored the way Zyte's
 * is (word 4-gram shingles, precision and recall averaged over pages):
 *
 * - Zyte's own (github.com/scrapinghub/article-extraction-benchmark): 181
 *   real article pages with the article body a person marked; its layout is
 *   html/<id>.html.gz and ground-truth.json.
 * - tiptopjaw's web-content-extraction-benchmark
 *   (github.com/tiptopjaw/web-content-extraction-benchmark): 1,000 pages of
 *   2025-2026 (articles, forums and Q&A, documentation, product, service and
 *   listing pages), gold text drafted by a language model and checked by
 *   people; its layout is release/html/<id>.html.gz and
 *   benchmark/ground-truth/<id>.json.
 * - WCXB (github.com/Murrough-Foley/web-content-extraction-benchmark): the
 *   same kind of pages, 1,497 for development and 511 held out for testing
 *   (disjoint from tiptopjaw's 1,000), one folder per split with
 *   ground-truth/<id>.json and html/<id>.html.gz: give the split's folder.
 *   Its own measure (evaluate.py: bag-of-words F1 per page, averaged) is
 *   printed beside Zyte's, with both by page type.
 *
 * Not part of `npm run bench`: the pages are not in this repository or the
 * shared corpus. With a checkout of either repository:
 *
 *   node --import tsx test/bench/article-extraction-benchmark.ts path/to/checkout
 *
 * writes foxden_fast.json and foxden_readability.json into the checkout's
 * output folder (where Zyte's own `python3 evaluate.py` ranks them beside the
 * published tools), and prints the measure as computed here, for foxden's
 * two extractors and, where Debian's python3-readability is installed,
 * readability-lxml on the same decoded pages in the same run.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decodeBody, extractMainText, normalizeText, repairMojibake, EXTRACTORS } from '../../packages/ingest/src/extract/index.js';
import { readabilityLxmlTexts } from './readability-lxml-texts.js';
import { tokenPrf } from '../../packages/ingest/test/token-f1.js';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node --import tsx test/bench/article-extraction-benchmark.ts <checkout of scrapinghub/article-extraction-benchmark or tiptopjaw/web-content-extraction-benchmark>');
  process.exit(2);
}

interface Gold {
  articleBody: string;
  url: string;
  /** The page's type where the benchmark labels it (article, forum, product, ...). */
  type?: string;
}

interface Benchmark {
  /** Gold article text and address by page id. */
  truth: Map<string, Gold>;
  htmlDir: string;
  outputDir: string;
}

/** Gold in one JSON file per page (tiptopjaw's and WCXB's layout), with each page's type. */
function perPageGold(goldDir: string, htmlDir: string, outputDir: string): Benchmark {
  const truth = new Map<string, Gold>();
  for (const name of readdirSync(goldDir).filter((n) => n.endsWith('.json'))) {
    const page = JSON.parse(readFileSync(join(goldDir, name), 'utf8')) as {
      file_id?: string; url?: string; ground_truth: { main_content?: string }; _internal?: { page_type?: { primary?: string } | string };
    };
    const kind = page._internal?.page_type;
    const type = (typeof kind === 'string' ? kind : kind?.primary) ?? 'article';
    truth.set(page.file_id ?? name.slice(0, -'.json'.length), { articleBody: page.ground_truth.main_content ?? '', url: page.url ?? '', type: type === 'category' ? 'collection' : type });
  }
  return { truth, htmlDir, outputDir };
}

function loadBenchmark(root: string): Benchmark {
  if (existsSync(join(root, 'ground-truth.json'))) {
    const json = JSON.parse(readFileSync(join(root, 'ground-truth.json'), 'utf8')) as Record<string, { articleBody?: string; url: string }>;
    const truth = new Map<string, Gold>(Object.entries(json).map(([id, t]) => [id, { articleBody: t.articleBody ?? '', url: t.url }]));
    return { truth, htmlDir: join(root, 'html'), outputDir: join(root, 'output') };
  }
  const perPage = join(root, 'benchmark', 'ground-truth');
  if (existsSync(perPage)) return perPageGold(perPage, join(root, 'release', 'html'), join(root, 'release', 'output'));
  const split = join(root, 'ground-truth');
  if (existsSync(split) && existsSync(join(root, 'html'))) return perPageGold(split, join(root, 'html'), join(root, 'output'));
  throw new Error(`${root}: neither ground-truth.json (Zyte's layout), benchmark/ground-truth/ (tiptopjaw's) nor ground-truth/ and html/ (a WCXB split)`);
}

const bench = loadBenchmark(dir);
mkdirSync(bench.outputDir, { recursive: true });
// Pages with both HTML and gold, in id order, decoded as ingest decodes an HTML record without a declared charset.
const ids = readdirSync(bench.htmlDir).filter((n) => n.endsWith('.html.gz')).map((n) => n.slice(0, -'.html.gz'.length)).filter((id) => bench.truth.has(id)).sort();
const pages = ids.map((id) => {
  const body = gunzipSync(readFileSync(join(bench.htmlDir, `${id}.html.gz`)));
  return { id, bytes: body.length, html: decodeBody(body, null).text };
});

/** The benchmark's tokens: runs of word characters (Python's `\w`), case kept. */
function shingles(text: string): Map<string, number> {
  const tokens = text.match(/[\p{L}\p{N}_]+/gu) ?? [];
  const out = new Map<string, number>();
  for (let i = 0; i < Math.max(1, tokens.length - 3); i++) {
    const key = tokens.slice(i, i + 4).join('\u0001');
    if (key !== '') out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

/** Per page: true positives, false positives and false negatives over shingles, normalised to sum to 1. */
function matching(gold: string, got: string): [number, number, number] {
  const g = shingles(gold);
  const p = shingles(got);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const key of new Set([...g.keys(), ...p.keys()])) {
    const a = g.get(key) ?? 0;
    const b = p.get(key) ?? 0;
    tp += Math.min(a, b);
    fp += Math.max(0, b - a);
    fn += Math.max(0, a - b);
  }
  const sum = tp + fp + fn;
  return sum > 0 ? [tp / sum, fp / sum, fn / sum] : [0, 0, 0];
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Precision and recall averaged over pages, and F1 of the two, as Zyte's evaluate.py. */
function scoreAll(texts: Map<string, string>, subset = pages): { f1: number; precision: number; recall: number } {
  const precision: number[] = [];
  const recall: number[] = [];
  for (const { id } of subset) {
    const [tp, fp, fn] = matching(bench.truth.get(id)!.articleBody, texts.get(id) ?? '');
    if (tp + fp > 0) precision.push(fp === 0 && fn === 0 ? 1 : tp / (tp + fp));
    if (tp + fn > 0) recall.push(fp === 0 && fn === 0 ? 1 : tp / (tp + fn));
  }
  const p = mean(precision);
  const r = mean(recall);
  return { f1: (2 * p * r) / (p + r), precision: p, recall: r };
}

/** WCXB's measure (its evaluate.py): F1 of the bags of lower-cased words of one page, averaged over pages. */
const words = (text: string): string[] => text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
const wordF1 = (gold: string, got: string): number => tokenPrf(got, gold, words).f1;

/** Zyte's measure and WCXB's, over all pages and by page type where the benchmark labels types. */
function report(name: string, texts: Map<string, string>, note: string): string {
  const scored = (subset: typeof pages) => {
    const s = scoreAll(texts, subset);
    const words = mean(subset.map(({ id }) => wordF1(bench.truth.get(id)!.articleBody, texts.get(id) ?? '')));
    return `F1 ${s.f1.toFixed(3)}, precision ${s.precision.toFixed(3)}, recall ${s.recall.toFixed(3)}; word F1 ${words.toFixed(3)}`;
  };
  const lines = [`${name}: ${scored(pages)} over ${pages.length} pages; ${note}`];
  const types = [...new Set(pages.map(({ id }) => bench.truth.get(id)!.type).filter((t): t is string => t !== undefined))].sort();
  if (types.length > 1) {
    for (const type of types) {
      const subset = pages.filter(({ id }) => bench.truth.get(id)!.type === type);
      lines.push(`  ${type} (${subset.length}): ${scored(subset)}`);
    }
  }
  return lines.join('\n');
}

for (const extractor of EXTRACTORS) {
  const texts = new Map<string, string>();
  const methods: Record<string, number> = {};
  let bytes = 0;
  let seconds = 0;
  for (const page of pages) {
    const start = performance.now();
    const found = extractMainText(page.html, { extractor, url: bench.truth.get(page.id)!.url || null });
    // As ingest writes it: mojibake repaired, then normalised.
    const text = normalizeText(repairMojibake(found.text).text);
    seconds += (performance.now() - start) / 1000;
    bytes += page.bytes;
    methods[found.method] = (methods[found.method] ?? 0) + 1;
    texts.set(page.id, text);
  }
  const output = Object.fromEntries([...texts].map(([id, text]) => [id, { articleBody: text }]));
  writeFileSync(join(bench.outputDir, `foxden_${extractor}.json`), JSON.stringify({ version: 'foxden', output }));
  console.log(report(extractor, texts, `${(bytes / 1e6 / seconds).toFixed(1)} MB/s of HTML (one pass, cold); methods ${JSON.stringify(methods)}`));
}

// The Python peer on the same decoded pages, where Debian's python3-readability is installed.
const peer = readabilityLxmlTexts(pages.map((p) => p.html));
if ('missing' in peer) console.log(peer.missing);
else console.log(report(peer.library, new Map(pages.map((p, i) => [p.id, normalizeText(peer.texts[i] ?? '')])), `failed on ${peer.failed} pages`));
