// foxden-test-needs: extraction-dev
/**
 * The fast extractor against Readability.js on ../shared/extraction-dev: 130
 * real pages (Mozilla Readability's test pages) with the article Readability
 * extracts. Scored as the set's README says (the Zyte article-extraction
 * benchmark's measure): lower-cased `\w+` word tokens of both sides, bag
 * precision, recall and F1 per page, averaged over pages. The expected side is
 * the text of the expected HTML rendered by the same block renderer.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { extractMainText } from '../src/extract/index.js';
import { parseLightDocument } from '../src/extract/light-dom.js';
import { htmlToText } from '../src/extract/html-to-text.js';
import { tokenPrf } from './token-f1.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const DEV_SET = resolve(repoRoot, '../shared/extraction-dev/readability-test-pages.jsonl.gz');

interface DevPage {
  id: string;
  html: string;
  expected_html: string;
}

const pages: DevPage[] = gunzipSync(readFileSync(DEV_SET)).toString('utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as DevPage);

function expectedText(page: DevPage): string {
  return htmlToText(parseLightDocument(`<html><body>${page.expected_html}</body></html>`).body);
}

function wordTokens(text: string): string[] {
  return text.toLowerCase().match(/\w+/g) ?? [];
}

/** Bag-of-tokens F1 (multiset intersection) on `\w+` tokens, as the dev set's README scores. */
function tokenF1(got: string, expected: string): number {
  return tokenPrf(got, expected, wordTokens).f1;
}

test('the fast extractor agrees with Readability.js on the 130 dev pages: mean token F1 >= 0.90, no article page empty', (t) => {
  assert.equal(pages.length, 130);
  let sum = 0;
  const empty: string[] = [];
  const worst: { id: string; f1: number }[] = [];
  const methods: Record<string, number> = {};
  for (const page of pages) {
    const expected = expectedText(page);
    const got = extractMainText(page.html);
    methods[got.method] = (methods[got.method] ?? 0) + 1;
    const f1 = tokenF1(got.text, expected);
    sum += f1;
    worst.push({ id: page.id, f1 });
    if (got.text === '' && expected.length >= 500) empty.push(page.id);
  }
  const mean = sum / pages.length;
  worst.sort((a, b) => a.f1 - b.f1);
  t.diagnostic(`mean token F1 ${mean.toFixed(4)} over ${pages.length} pages; methods ${JSON.stringify(methods)}`);
  t.diagnostic(`lowest: ${worst.slice(0, 5).map((w) => `${w.id} ${w.f1.toFixed(3)}`).join(', ')}`);
  assert.deepEqual(empty, [], 'pages with an article of 500+ characters extracted as empty');
  assert.ok(mean >= 0.9, `mean F1 ${mean.toFixed(4)} < 0.90`);
  // Most pages are found by the main-content scorer itself, not by the fallbacks.
  assert.ok((methods['main'] ?? 0) >= 0.85 * pages.length, JSON.stringify(methods));
});

test('a long post with inline links (15% of its text) is kept as the article, not replaced by the page less furniture', () => {
  const page = pages.find((p) => p.id === 'wordpress')!;
  const got = extractMainText(page.html);
  assert.equal(got.method, 'main');
  assert.ok(tokenF1(got.text, expectedText(page)) > 0.95);
});

test('extractor: readability still runs Readability.js, and both extractors give the same article on a plain news page', () => {
  const page = pages.find((p) => p.id === 'ars-1')!;
  const viaReadability = extractMainText(page.html, { extractor: 'readability' });
  const fast = extractMainText(page.html);
  assert.equal(viaReadability.method, 'readability');
  assert.equal(fast.method, 'main');
  assert.ok(tokenF1(fast.text, viaReadability.text) > 0.95);
  assert.equal(fast.title, viaReadability.title);
});
