// foxden-test-needs: extraction-dev, shared-corpus
/**
 * The fast parser (src/extract/fast-parser.ts) reports what htmlparser2's own
 * does, event for event, on real pages: the 130 pages of ../shared/extraction-dev
 * with their expected articles, and every HTML response of the shared corpus's
 * archives (old and new markup, several charsets, broken pages).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { corpusHtmlPages } from './corpus-pages.js';
import { bothParsers } from './parser-events.js';

const shared = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared');

function firstDifference(fast: string[], reference: string[]): string {
  const at = fast.findIndex((e, i) => e !== reference[i]);
  const i = at < 0 ? Math.min(fast.length, reference.length) : at;
  return `event ${i}: fast ${fast[i] ?? '(none)'}; htmlparser2 ${reference[i] ?? '(none)'}`;
}

test('fast parser: the same events as htmlparser2 on the 130 dev pages and their expected articles', () => {
  const lines = gunzipSync(readFileSync(resolve(shared, 'extraction-dev/readability-test-pages.jsonl.gz'))).toString('utf8').split('\n');
  const pages = lines.filter((l) => l !== '').map((l) => JSON.parse(l) as { id: string; html: string; expected_html: string });
  assert.equal(pages.length, 130);
  let events = 0;
  for (const page of pages) {
    for (const [part, html] of [['page', page.html], ['expected article', page.expected_html]] as const) {
      const { fast, reference } = bothParsers(html);
      if (fast.length !== reference.length || fast.some((e, i) => e !== reference[i])) assert.fail(`${page.id} (${part}): ${firstDifference(fast, reference)}`);
      events += fast.length;
    }
  }
  assert.ok(events > 100_000, `only ${events} events`);
});

test('fast parser: the same events as htmlparser2 on every HTML response of the shared corpus', async () => {
  let pages = 0;
  for await (const { file, offset, url, html } of corpusHtmlPages(resolve(shared, 'corpus/warc'))) {
    pages++;
    const { fast, reference } = bothParsers(html);
    if (fast.length !== reference.length || fast.some((e, i) => e !== reference[i])) assert.fail(`${file} @ ${offset} ${url}: ${firstDifference(fast, reference)}`);
  }
  assert.ok(pages > 100, `only ${pages} HTML pages read`);
});
