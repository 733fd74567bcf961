// foxden-test-needs: shared-corpus
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import { FoxdenError } from '@foxden/core';
import { decodeBody, extractMainText } from '../src/extract/index.js';
import { LanguageIdentifier } from '../src/langid/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const corpus = (p: string): string => resolve(here, '../../..', '../shared/corpus', p);

/** HTTP payload of the response for `url` in a gzipped WARC (test-only scan). */
function warcPayload(path: string, url: string): Buffer {
  const buf = gunzipSync(readFileSync(corpus(path)));
  let pos = 0;
  while (pos < buf.length) {
    const end = buf.indexOf('\r\n\r\n', pos);
    const head = buf.subarray(pos, end).toString('latin1');
    const len = Number(/content-length:\s*(\d+)/i.exec(head)?.[1]);
    const block = buf.subarray(end + 4, end + 4 + len);
    if (/warc-type:\s*response/i.test(head) && head.includes(`WARC-Target-URI: ${url}\r\n`)) return block.subarray(block.indexOf('\r\n\r\n') + 4);
    pos = end + 4 + len;
    while (buf[pos] === 13 || buf[pos] === 10) pos++;
  }
  throw new Error(`${url} not found in ${path}`);
}

let lid: LanguageIdentifier;
before(async () => {
  lid = await LanguageIdentifier.create();
});
after(() => lid.close());

test('English, Japanese: whole real books (capped at maxChars), confident', () => {
  const en = gunzipSync(readFileSync(corpus('books/sentencepiece_botchan_en.txt.gz'))).toString('utf8');
  const ja = gunzipSync(readFileSync(corpus('books/sentencepiece_wagahaiwa_nekodearu_ja.txt.gz'))).toString('utf8');
  const g1 = lid.identify(en);
  assert.equal(g1.lang, 'en');
  assert.ok(g1.score > 0.9, `en score ${g1.score}`);
  const g2 = lid.identify(ja);
  assert.equal(g2.lang, 'ja');
  assert.ok(g2.score > 0.95, `ja score ${g2.score}`);
});

test('Spanish: StackOverflow en español questions from the corpus', () => {
  const docs = readFileSync(corpus('jsonl/datajuicer_stack_exchange.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { text: string });
  // Questions that open with "¿" are Spanish prose; the rest of this file mixes long code blocks in.
  const spanish = docs.filter((d) => d.text.startsWith('Q: ¿'));
  assert.ok(spanish.length >= 20, `only ${spanish.length} Spanish questions found`);
  const guesses = spanish.map((d) => lid.identify(d.text));
  assert.ok(guesses.every((g) => g.lang === 'es'), JSON.stringify(guesses.filter((g) => g.lang !== 'es')));
  const median = guesses.map((g) => g.score).sort((a, b) => a - b)[Math.floor(guesses.length / 2)]!;
  assert.ok(median > 0.85, `median es score ${median}`);
});

test('Russian: a real windows-1251 page, decoded and extracted', () => {
  const html = decodeBody(warcPayload('warc/resiliparse_warcfile.warc.gz', 'http://01spb.ru/company/'), 'windows-1251').text;
  const g = lid.identify(extractMainText(html).text);
  assert.equal(g.lang, 'ru');
  assert.ok(g.score > 0.9, `ru score ${g.score}`);
});

test('Aragonese: the whirlwind Wikipedia page is "an" (Common Crawl\'s CLD2 said "spa")', () => {
  const html = decodeBody(warcPayload('warc/cc_whirlwind_CC-MAIN-2024-22.warc.gz', 'https://an.wikipedia.org/wiki/Escopete'), 'utf-8').text;
  const g = lid.identify(extractMainText(html).text);
  // lid.176 has an "an" label, and the page is an.wikipedia.org written in Aragonese, so "an" is
  // right. Aragonese is close to Spanish, so the probability is split: it must still be the top
  // label, and well above chance (lid.176 gives it about 0.44 here).
  assert.equal(g.lang, 'an');
  assert.ok(g.score > 0.3, `an score ${g.score}`);
});

test('newlines do not cut the input; empty text is "und"', () => {
  // fastText predicts one line: without newline replacement only "Hi" would be classified.
  assert.equal(lid.identify('Hi\nesto es claramente una frase escrita en español, con muchas palabras').lang, 'es');
  assert.deepEqual(lid.identify(''), { lang: 'und', score: 0 });
  assert.deepEqual(lid.identify(' \n\t\r\n '), { lang: 'und', score: 0 });
  // Deterministic: same text, same answer, bit for bit.
  const t = 'Das ist ein deutscher Satz über das Wetter in Berlin.';
  assert.deepEqual(lid.identify(t), lid.identify(t));
  assert.equal(lid.identify(t).lang, 'de');
});

test('create: loading leaves no process listeners behind; close() twice is safe; use after close throws', async () => {
  const listeners = process.listenerCount('unhandledRejection') + process.listenerCount('uncaughtException');
  const other = await LanguageIdentifier.create({ maxChars: 0 });
  assert.equal(process.listenerCount('unhandledRejection') + process.listenerCount('uncaughtException'), listeners);
  assert.equal(other.identify('Ceci est une phrase en français, sans aucun doute.').lang, 'fr');
  other.close();
  other.close();
  assert.throws(() => other.identify('x'), FoxdenError);
});

test('create: a missing or corrupt model is a BAD_CONFIG error, not a crash', async () => {
  await assert.rejects(LanguageIdentifier.create({ modelPath: '/nonexistent/lid.176.ftz' }), (e: unknown) => e instanceof FoxdenError && e.code === 'BAD_CONFIG');
  const dir = mkdtempSync(join(tmpdir(), 'foxden-lid-'));
  try {
    const bad = join(dir, 'bad.ftz');
    writeFileSync(bad, readFileSync(corpus('warc/cc_whirlwind_CC-MAIN-2024-22.warc.wet.gz')));
    await assert.rejects(LanguageIdentifier.create({ modelPath: bad }), (e: unknown) => e instanceof FoxdenError && e.code === 'BAD_CONFIG' && e.message.includes(bad));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await assert.rejects(LanguageIdentifier.create({ maxChars: -1 }), FoxdenError);
});

test('loads and predicts inside a worker thread (the local runner\'s pool)', async () => {
  // The worker registers tsx itself (loader hooks do not reach workers on Node 20) and imports the same source.
  const code = `
    import { parentPort, workerData } from 'node:worker_threads';
    const { register } = await import(workerData.tsx);
    register();
    const { LanguageIdentifier } = await import(workerData.module);
    const lid = await LanguageIdentifier.create();
    parentPort.postMessage(workerData.texts.map((t) => lid.identify(t)));
    lid.close();
  `;
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), {
    workerData: {
      tsx: import.meta.resolve('tsx/esm/api'),
      module: new URL('../src/langid/index.ts', import.meta.url).href,
      texts: ['Bonjour à tous, ceci est une phrase en français.', 'Guten Tag, wie geht es Ihnen heute?', 'これは日本語の文です。'],
    },
  });
  const result = await new Promise<Array<{ lang: string; score: number }>>((resolveResult, reject) => {
    worker.once('message', resolveResult);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker exited with ${code} before answering`)));
  });
  await worker.terminate();
  assert.deepEqual(result.map((g) => g.lang), ['fr', 'de', 'ja']);
  for (const g of result) assert.ok(g.score > 0.8, JSON.stringify(g));
});
