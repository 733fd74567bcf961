/**
 * foxden's extractors on the article-extraction benchmark of Zyte
 * (github.com/scrapinghub/article-extraction-benchmark): 181 real article
 * pages with the article body a person marked. Not part of `npm run bench`:
 * the pages are not in this repository or the shared corpus. With a checkout
 * of that repository:
 *
 *   node --import tsx test/bench/article-extraction-benchmark.ts path/to/article-extraction-benchmark
 *
 * writes output/foxden_fast.json and output/foxden_readability.json into the
 * checkout, where its own `python3 evaluate.py` ranks them beside the
 * published tools, and prints the benchmark's measure as computed here
 * (4-gram shingles of word tokens, precision and recall averaged over pages).
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decodeBody, extractMainText, normalizeText, EXTRACTORS } from '../../packages/ingest/src/extract/index.js';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node --import tsx test/bench/article-extraction-benchmark.ts <checkout of scrapinghub/article-extraction-benchmark>');
  process.exit(2);
}
const truth = JSON.parse(readFileSync(join(dir, 'ground-truth.json'), 'utf8')) as Record<string, { articleBody?: string; url: string }>;

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

for (const extractor of EXTRACTORS) {
  const output: Record<string, { articleBody: string }> = {};
  const methods: Record<string, number> = {};
  const precision: number[] = [];
  const recall: number[] = [];
  let bytes = 0;
  let seconds = 0;
  for (const name of readdirSync(join(dir, 'html')).filter((n) => n.endsWith('.html.gz')).sort()) {
    const key = name.slice(0, -'.html.gz'.length);
    const body = gunzipSync(readFileSync(join(dir, 'html', name)));
    const start = performance.now();
    const found = extractMainText(decodeBody(body, null).text, { extractor, url: truth[key]?.url ?? null });
    const text = normalizeText(found.text);
    seconds += (performance.now() - start) / 1000;
    bytes += body.length;
    methods[found.method] = (methods[found.method] ?? 0) + 1;
    output[key] = { articleBody: text };
    const [tp, fp, fn] = matching(truth[key]?.articleBody ?? '', text);
    if (tp + fp > 0) precision.push(fp === 0 && fn === 0 ? 1 : tp / (tp + fp));
    if (tp + fn > 0) recall.push(fp === 0 && fn === 0 ? 1 : tp / (tp + fn));
  }
  writeFileSync(join(dir, 'output', `foxden_${extractor}.json`), JSON.stringify({ version: 'foxden', output }));
  const p = mean(precision);
  const r = mean(recall);
  console.log(
    `${extractor}: F1 ${((2 * p * r) / (p + r)).toFixed(3)}, precision ${p.toFixed(3)}, recall ${r.toFixed(3)} over ${Object.keys(output).length} pages; ` +
      `${(bytes / 1e6 / seconds).toFixed(1)} MB/s of HTML (one pass, cold); methods ${JSON.stringify(methods)}`,
  );
}
