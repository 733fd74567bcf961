// Mojibake repair: UTF-8 text once decoded as Windows-1252 or Latin-1 and saved again as UTF-8.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import iconv from 'iconv-lite';
import { normalizeText, repairMojibake } from '../src/extract/index.js';
import { documentText } from '../src/ingest-task.js';
import type { SourceDocument } from '../src/readers/index.js';

/** What an upstream tool does to make mojibake: UTF-8 bytes read as Windows-1252 (or Latin-1, for bytes Windows-1252 leaves undefined). */
function garble(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => {
    const c = iconv.decode(Buffer.of(b), 'windows-1252');
    return c === '\uFFFD' ? String.fromCharCode(b) : c;
  }).join('');
}

test('mojibake is repaired: Windows-1252 and Latin-1 readings, accents, dashes, Cyrillic, Greek, a line that also holds real punctuation', () => {
  const cases = [
    'The Mona Lisa doesn’t have eyebrows — “really”.',
    'Un été à Paris: naïve café, crème brûlée.',
    'Привет, мир: это проверка.',
    'Αθήνα και Θεσσαλονίκη',
    'Price: 5 € only, 10 °C outside.',
  ];
  for (const original of cases) {
    const broken = garble(original);
    assert.notEqual(broken, original);
    assert.deepEqual(repairMojibake(broken), { text: original, repaired: true }, broken);
  }
  // Latin-1's reading of the same bytes (C1 controls where Windows-1252 has punctuation), as some pages carry it.
  assert.equal(repairMojibake('it doesn\u00e2\u0080\u0099t work').text, 'it doesn\u2019t work');
  // Mojibake beside text that was never broken: only the broken part changes.
  assert.equal(repairMojibake(`Café is good. But it ${garble('doesn’t')} work — “sure”.`).text, 'Café is good. But it doesn’t work — “sure”.');
});

test('mojibake in some lines of a long text is repaired in place, whatever the other lines hold', () => {
  const lines = [
    garble('Erste Zeile: Gemüt'),
    '北京 and 東京 are two cities → both large.',
    garble('Ihr Gemüt hat Ihren Körper verlassen…'),
    ...Array.from({ length: 200 }, (_, i) => `A plain line ${i}, café and “quotes” as written.`),
    // A no-break space read as Windows-1252 ("Â" and the space), once the space is a plain one.
    garble('What is API\u00a0documentation?').replace('\u00a0', ' '),
    garble('Last line — the end'),
  ];
  // ftfy gives the no-break space back (normalizeText keeps it; the renderer reads it as a space).
  const expected = ['Erste Zeile: Gemüt', lines[1], 'Ihr Gemüt hat Ihren Körper verlassen…', ...lines.slice(3, 203), 'What is API\u00a0documentation?', 'Last line — the end'];
  assert.deepEqual(repairMojibake(lines.join('\n')), { text: expected.join('\n'), repaired: true });
  assert.deepEqual(repairMojibake(`${lines[1]}\n${lines[3]}`), { text: `${lines[1]}\n${lines[3]}`, repaired: false });
});

test('a paragraph that ended in a no-break space, read as Windows-1252 and its space trimmed at the line end, loses the stray "Â"', () => {
  // The page's bytes hold "cats.Â\u00A0" (C3 82 C2 A0): the renderer trims the no-break space at the
  // paragraph's end, and "Â" is left at the end of the line (8 of WCXB's 2,008 pages).
  const paragraphs = ['The average premium was $62.44 for dogs and $32.21 for cats.', 'Cat insurance costs less.', 'Voilà'];
  const broken = paragraphs.map((p) => garble(`${p}\u00a0`).trimEnd()).join('\n\n');
  assert.match(broken, /cats\.Â\n/);
  assert.deepEqual(repairMojibake(broken), { text: paragraphs.join('\n\n'), repaired: true });
  // So at the end of the text, and through the extractor, as ingest reads such a page.
  assert.equal(repairMojibake(garble('It is done.\u00a0').trimEnd()).text, 'It is done.');
  // "Â" ending a word or a line on its own is text.
  for (const clean of ['ÎN ROMÂNĂ: ROMÂ', 'ÂNGULO', 'Â']) assert.equal(repairMojibake(clean).text, clean);
});

test('text without mojibake is left as it is, whatever its script or punctuation', () => {
  for (const clean of [
    'Plain ASCII text, with "straight quotes".',
    'Curly ‘quotes’ and “double quotes” — and dashes – too…',
    'CAFÉ’S MENU: PÉREZ, ÉCOLE, «guillemets», 10 °C, ± 2 µm, ½ cup, © 2024 ®',
    'Übermäßig große Straße; Ærø; Ångström; Øresund',
    'Αθήνα, Москва, 北京, 東京, 서울, العربية, עברית',
    'é» Ã Â alone',
  ]) {
    assert.deepEqual(repairMojibake(clean), { text: clean, repaired: false }, clean);
  }
});

const record = (fields: Partial<SourceDocument>): SourceDocument => ({
  kind: 'document', format: 'warc', offset: 0, recordType: 'response', url: 'https://example.org/a', date: null, mediaType: 'text/html', declaredCharset: 'utf-8', meta: {}, ...fields,
});

test('ingest repairs mojibake in extracted pages, titles and JSONL text, and records it in meta; repair_mojibake: false keeps the text', () => {
  const story = 'The council’s decision was welcomed — residents said it was “long overdue”. '.repeat(6);
  const html = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${garble('Council’s bridge')}</title></head><body><article><p>${garble(story)}</p></article></body></html>`;
  const meta: Record<string, unknown> = {};
  assert.equal(documentText(record({ body: Buffer.from(html, 'utf8') }), meta), story.trim());
  assert.equal(meta['mojibake_repaired'], true);
  assert.equal(meta['title'], 'Council’s bridge');

  const kept: Record<string, unknown> = {};
  assert.equal(documentText(record({ body: Buffer.from(html, 'utf8') }), kept, { repair: false }), normalizeText(garble(story)));
  assert.equal(kept['mojibake_repaired'], undefined);

  const jsonl: Record<string, unknown> = {};
  assert.equal(documentText(record({ format: 'jsonl', recordType: 'jsonl', mediaType: null, text: garble('naïve café') }), jsonl), 'naïve café');
  assert.equal(jsonl['mojibake_repaired'], true);
  const clean: Record<string, unknown> = {};
  assert.equal(documentText(record({ format: 'jsonl', recordType: 'jsonl', mediaType: null, text: 'naïve café' }), clean), 'naïve café');
  assert.equal(clean['mojibake_repaired'], undefined);
});

test("repair loads the build's one-file copy of ftfy's fix_encoding, which repairs as ftfy-js does and is a small part of its size", async () => {
  const require = createRequire(import.meta.url);
  const copyPath = require.resolve('@foxden/ingest/vendor/ftfy-fix-encoding');
  const ftfyPath = require.resolve('ftfy-js');
  // ftfy-js's entry holds a table of character names fix_encoding never reads: the copy leaves it out.
  assert.ok(statSync(copyPath).size * 20 < statSync(ftfyPath).size, `${copyPath} is not a small part of ${ftfyPath}`);
  const copy = (require(copyPath) as { fix_encoding: (s: string) => string }).fix_encoding;
  const ftfy = (require(ftfyPath) as { fix_encoding: (s: string) => string }).fix_encoding;
  const samples = [
    garble('The Mona Lisa doesn’t have eyebrows — “really”.'), garble('Привет, мир'), garble('Ihr Gemüt hat Ihren Körper verlassen…'),
    'it doesn\u00e2\u0080\u0099t work', 'USD per\u00c2 month', 'voil\u00c3  tout', 'Café is good — “sure”.', '北京 → 東京', 'Ã© by itself',
  ];
  for (const s of samples) assert.equal(copy(s), ftfy(s), s);
  // In a fresh thread, as a task thread meets its first mojibake: the copy is what gets loaded
  // (the built module, as task threads run it).
  const url = new URL('../dist/extract/mojibake.js', import.meta.url).href;
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     import(${JSON.stringify(url)}).then(({ repairMojibake }) => {
       const text = repairMojibake(${JSON.stringify(garble('doesn’t'))}).text;
       parentPort.postMessage({ text, loaded: Object.keys(require.cache).filter((f) => f.includes('ftfy')) });
     });`,
    { eval: true },
  );
  const reply = await new Promise<{ text: string; loaded: string[] }>((resolve, reject) => worker.once('message', resolve).once('error', reject));
  await worker.terminate();
  assert.equal(reply.text, 'doesn’t');
  assert.deepEqual(reply.loaded, [copyPath]);
});
