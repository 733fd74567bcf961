/**
 * foxden's extractors on trafilatura's evaluation set
 * (github.com/adbar/trafilatura, tests/): 990 real pages, most of them German,
 * a fifth to a third in other languages, each with up to six passages a
 * person marked as main text ("with") and up to six as boilerplate
 * ("without"). Scored as trafilatura's tests/eval_common.py does: a passage
 * counts as found when it occurs, whitespace collapsed, in the extracted
 * text; precision, recall, accuracy and F1 over all passages. Its published
 * table (docs/evaluation.rst) ranks the Python tools on the same pages.
 *
 * Not part of `npm run bench`: the pages are not in this repository or the
 * shared corpus. With a checkout of that repository:
 *
 *   node --import tsx test/bench/trafilatura-evaluation.ts path/to/trafilatura [--misses N]
 *
 * Each page goes through what ingest does to an HTML record: charset
 * detection (decodeBody, no declared charset), extraction, normalisation.
 * Where Debian's python3-readability is installed, readability-lxml is
 * scored on the same decoded pages in the same run (peer_readability_lxml.py).
 * --misses N prints, per extractor, N passages it lost and N boilerplate
 * passages it kept, with their files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBody, extractMainText, normalizeText, repairMojibake, EXTRACTORS } from '../../packages/ingest/src/extract/index.js';
import { readabilityLxmlTexts } from './readability-lxml-texts.js';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node --import tsx test/bench/trafilatura-evaluation.ts <checkout of adbar/trafilatura> [--misses N]');
  process.exit(2);
}
const missesAt = process.argv.indexOf('--misses');
const showMisses = missesAt > 0 ? Number(process.argv[missesAt + 1] ?? 10) : 0;

interface Item {
  file: string;
  with: string[];
  without: string[];
}
const evaldata = JSON.parse(readFileSync(join(dir, 'tests', 'evaldata.json'), 'utf8')) as Record<string, Item>;

/** As trafilatura's norm(): whitespace runs become one space, ends trimmed. */
const norm = (text: string): string => text.replace(/\s+/gu, ' ').trim();

/** The file of a page: tests/cache first, then tests/eval (as eval_common.resolve). */
function pagePath(file: string): string {
  for (const sub of ['cache', 'eval']) {
    const path = join(dir!, 'tests', sub, file);
    if (existsSync(path)) return path;
  }
  throw new Error(`${file}: not under tests/cache or tests/eval`);
}

interface Score {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  lost: string[];
  kept: string[];
}

function score(texts: Map<string, string | null>): Score {
  const s: Score = { tp: 0, fp: 0, fn: 0, tn: 0, lost: [], kept: [] };
  for (const [url, item] of Object.entries(evaldata)) {
    const text = norm(texts.get(url) ?? '');
    for (const w of item.with) {
      if (text.includes(norm(w))) s.tp++;
      else {
        s.fn++;
        s.lost.push(`${item.file}: ${w.slice(0, 100)}`);
      }
    }
    for (const w of item.without) {
      if (text.includes(norm(w))) {
        s.fp++;
        s.kept.push(`${item.file}: ${w.slice(0, 100)}`);
      } else s.tn++;
    }
  }
  return s;
}

function report(name: string, s: Score, note: string): void {
  const precision = s.tp / (s.tp + s.fp);
  const recall = s.tp / (s.tp + s.fn);
  const accuracy = (s.tp + s.tn) / (s.tp + s.tn + s.fp + s.fn);
  const f1 = (2 * precision * recall) / (precision + recall);
  console.log(
    `${name.padEnd(26)} precision ${precision.toFixed(3)}  recall ${recall.toFixed(3)}  accuracy ${accuracy.toFixed(3)}  F1 ${f1.toFixed(3)}  ${note}`,
  );
  if (showMisses > 0) {
    for (const line of s.lost.slice(0, showMisses)) console.log(`  lost: ${line}`);
    for (const line of s.kept.slice(0, showMisses)) console.log(`  kept: ${line}`);
  }
}

const urls = Object.keys(evaldata).sort();
const decoded = new Map<string, string>();
let bytes = 0;
for (const url of urls) {
  const body = readFileSync(pagePath(evaldata[url]!.file));
  bytes += body.length;
  decoded.set(url, decodeBody(body, null).text);
}
const passages = urls.reduce((n, u) => n + evaldata[u]!.with.length + evaldata[u]!.without.length, 0);
console.log(`${urls.length} pages, ${passages} passages, ${(bytes / 1e6).toFixed(1)} MB of HTML`);

for (const extractor of EXTRACTORS) {
  const texts = new Map<string, string | null>();
  const methods: Record<string, number> = {};
  let seconds = 0;
  for (const url of urls) {
    const start = performance.now();
    const found = extractMainText(decoded.get(url)!, { extractor, url });
    // As ingest writes it: mojibake repaired, then normalised.
    texts.set(url, normalizeText(repairMojibake(found.text).text));
    seconds += (performance.now() - start) / 1000;
    methods[found.method] = (methods[found.method] ?? 0) + 1;
  }
  report(`foxden ${extractor}`, score(texts), `${(bytes / 1e6 / seconds).toFixed(1)} MB/s (one pass, cold); methods ${JSON.stringify(methods)}`);
}

// The Python peer on the same decoded pages, where Debian's python3-readability is installed.
const peer = readabilityLxmlTexts(urls.map((u) => decoded.get(u)!));
if ('missing' in peer) console.log(peer.missing);
else report(peer.library, score(new Map(urls.map((u, i) => [u, peer.texts[i]!]))), `failed on ${peer.failed} pages`);
