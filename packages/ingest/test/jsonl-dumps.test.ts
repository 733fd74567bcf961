/**
 * JSONL dumps name their fields differently: the text is `text` (Dolma,
 * FineWeb, C4), `content` (RefinedWeb, OSCAR) or `raw_content`
 * (RedPajama-V2). By default ingest takes the first of these a record has;
 * a pipeline that names one field gets that field only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SourceDocument } from '../src/readers/index.js';
import { readAll, scratchInputs } from './reader-kit.js';

const inputs = scratchInputs('foxden-jsonl-');

const LINES = [
  // FineWeb
  { text: 'FineWeb text.', id: '<urn:uuid:1>', url: 'http://fineweb.example/', date: '2024-02-01T00:00:00Z', language: 'en' },
  // RefinedWeb
  { content: 'RefinedWeb text.', url: 'http://refinedweb.example/', timestamp: '2023-01-02T03:04:05' },
  // OSCAR 23
  { content: 'OSCAR text.', warc_headers: { 'warc-target-uri': 'http://oscar.example/', 'warc-date': '2022-11-27T10:00:00Z', 'warc-record-id': '<urn:uuid:2>' } },
  // RedPajama-V2
  { raw_content: 'RedPajama text.', doc_id: 'rp/1', meta: '{"url": "http://rp.example/"}' },
  // Both: text wins, content stays in meta.
  { text: 'The text field.', content: 'The content field.' },
  { body: 'none of the three' },
];

test('JSONL: text, content or raw_content by default, with the URL and date each dump keeps; a named field is the only one tried', async () => {
  const file = inputs.write('dumps.jsonl', LINES.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const records = await readAll(file);
  assert.deepEqual(records.map((r) => (r.kind === 'document' ? r.text : `${r.kind}:${r.reason}`)), [
    'FineWeb text.', 'RefinedWeb text.', 'OSCAR text.', 'RedPajama text.', 'The text field.', 'reject:missing-text',
  ]);
  const docs = records.slice(0, 5) as SourceDocument[];
  assert.deepEqual(docs.map((d) => [d.url, d.date]), [
    ['http://fineweb.example/', '2024-02-01T00:00:00Z'],
    ['http://refinedweb.example/', '2023-01-02T03:04:05'],
    ['http://oscar.example/', '2022-11-27T10:00:00Z'],
    ['http://rp.example/', null],
    [null, null],
  ]);
  assert.equal(docs[0]!.id, '<urn:uuid:1>');
  assert.equal(docs[4]!.meta['content'], 'The content field.');
  assert.equal('text' in docs[4]!.meta, false);
  assert.match((records[5] as { message: string }).message, /dumps\.jsonl @ offset \d+: no string field "text" or "content" or "raw_content"$/);

  const named = await readAll(file, { jsonlTextField: 'content' });
  assert.deepEqual(named.map((r) => (r.kind === 'document' ? r.text : `${r.kind}:${r.reason}`)), [
    'reject:missing-text', 'RefinedWeb text.', 'OSCAR text.', 'reject:missing-text', 'The content field.', 'reject:missing-text',
  ]);
});
