/**
 * Real dumps repeat JSONL ids. Two documents with one id used to fail exact
 * dedup's accounting ("decided document ... twice") and with it the run.
 * They also carry mojibake (UTF-8 once read as Windows-1252), which ingest
 * repairs and records in the document's meta.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { ShardReader } from '@foxden/shards';
import { join } from 'node:path';
import { it } from 'node:test';
import { demoFixture, derivePipeline, foxdenOk, scratchDir } from './fixtures.ts';

/** "It’s “café” — naïve." as a tool that read its UTF-8 bytes as Windows-1252 wrote it. */
const MOJIBAKE = 'It\u00e2\u20ac\u2122s \u00e2\u20ac\u0153caf\u00c3\u00a9\u00e2\u20ac\u009d \u00e2\u20ac\u201d na\u00c3\u00afve.';

it('a JSONL file with repeated ids and mojibake runs through the demo pipeline: every document kept with a unique id, the same text removed as a duplicate, the mojibake repaired', { timeout: 600_000 }, async () => {
  const demo = await demoFixture();
  const brown = demo.inputs.find((f) => f.endsWith('brown.jsonl'));
  assert.ok(brown, 'the demo corpus has brown.jsonl');
  const records = readFileSync(brown, 'utf8').split('\n').filter(Boolean).slice(0, 24).map((l) => JSON.parse(l) as { id: string; text: string });
  // Records 1 and 2 take record 0's id with other texts; record 3 repeats record 4's id and text exactly.
  records[1]!.id = records[0]!.id;
  records[2]!.id = records[0]!.id;
  records[3] = { ...records[4]! };
  records[5]!.text = `${MOJIBAKE}\n\n${records[5]!.text}`;
  const dir = await scratchDir('duplicate-ids');
  const input = join(dir, 'dump.jsonl');
  writeFileSync(input, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const pipeline = join(dir, 'demo.yaml');
  // 24 documents cannot fill the demo's curriculum budgets: the shortfall is accepted, as a warning.
  await derivePipeline('pipelines/demo.yaml', pipeline, { inputs: [input], tokenizer: demo.tokenizer, classifier: demo.classifier, curriculum: { on_shortfall: 'warn' } });
  const run = join(dir, 'run');
  await foxdenOk(['run', pipeline, '--out', run, '--workers', '1'], 'the demo pipeline over a dump with repeated ids');

  const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')) as { balanced: boolean; steps: { step: string; documents_in: number; documents_out: number; dropped: Record<string, number>; counters: Record<string, number> }[] };
  assert.equal(summary.balanced, true);
  const [ingest, exact] = summary.steps;
  assert.equal(ingest!.documents_in, 24);
  assert.equal(ingest!.documents_out, 24, 'no record is lost to a repeated id');
  assert.equal(ingest!.counters['repeated_ids'], 3);
  assert.equal(exact!.step, 'exact-dedup');
  assert.equal(Object.values(exact!.dropped).reduce((a, b) => a + b, 0), 1, 'only the exact copy is removed');
  assert.equal(ingest!.counters['mojibake_repaired'], 1);
  const list: string[] = [];
  const repaired: { text: string; meta: Record<string, unknown> }[] = [];
  const shards = join(run, 'steps', '00-ingest', 'documents');
  for (const file of readdirSync(shards).filter((f) => f.endsWith('.arrow'))) {
    const reader = await ShardReader.open(join(shards, file));
    for await (const batch of reader.rowBatches(['id', 'text', 'meta'])) {
      for (const r of batch) {
        list.push(String(r['id']));
        const meta = JSON.parse(String(r['meta'] ?? '{}')) as Record<string, unknown>;
        if (meta['mojibake_repaired'] === true) repaired.push({ text: String(r['text']), meta });
      }
    }
    await reader.close();
  }
  assert.equal(repaired.length, 1);
  assert.ok(repaired[0]!.text.startsWith('It’s “café” — naïve.\n'), repaired[0]!.text.slice(0, 80));
  assert.equal(new Set(list).size, 24);
  assert.ok(list.includes(`dump.jsonl:${records[0]!.id}`));
  assert.ok(list.some((id) => id.startsWith(`dump.jsonl:${records[0]!.id}@`)), 'a repeat is qualified by its offset');
});
