// foxden-test-needs: shared-corpus
/**
 * Accounting: on the demo run and on a run over all of corpus/warc and
 * corpus/jsonl, every step balances, each step reads what the previous one
 * passed on, every counted drop is a row of the drops shards, and no document
 * id is passed on twice or both passed on and dropped. The checker is shown
 * to catch a run that lost one document or passed one on twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ShardReader, ShardWriter } from '@foxden/shards';
import type { TaskStats } from '@foxden/core';
import { checkAccounting } from './accounting.js';
import { CORPUS_DIR, demoFixture, referenceRun, scratchDir, sharedCorpusFixture } from './fixtures.js';
import { readMarkers, readSummary } from './run-dir.js';

test('every step of the demo run accounts for every document', async () => {
  const runDir = await referenceRun((await demoFixture()).pipelineFile);
  const report = await checkAccounting(runDir);
  assert.deepEqual(report.problems, []);
  const names = report.steps.map((s) => s.step);
  assert.deepEqual(names, ['ingest', 'exact-dedup', 'near-dedup', 'language', 'gopher-quality', 'gopher-repetition', 'fineweb', 'pii', 'classifier', 'tokenize', 'curriculum']);
  // Real work happened at each filtering stage: the demo corpus has deliberate duplicates, spam and non-English mail.
  const dropped = (step: string) => { const s = report.steps.find((x) => x.step === step)!; return s.documents_in - s.documents_out; };
  for (const step of ['ingest', 'exact-dedup', 'near-dedup', 'language', 'gopher-quality', 'fineweb']) assert.ok(dropped(step) > 0, `${step} dropped nothing`);
  assert.ok(report.steps.at(-1)!.documents_out > 100);
});

test('a run over all of corpus/warc and corpus/jsonl accounts for every record', async () => {
  const runDir = await referenceRun((await sharedCorpusFixture()).pipelineFile);
  const report = await checkAccounting(runDir);
  assert.deepEqual(report.problems, []);
  assert.deepEqual(report.steps.map((s) => s.type), ['ingest', 'exact-dedup', 'minhash-dedup', 'gopher-quality', 'pii-scrub', 'tokenize', 'curriculum']);
  const summary = await readSummary(runDir);
  // Each input file is one ingest task (LICENSE files are not inputs).
  const files = (await readdir(CORPUS_DIR, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile() && /^(warc|jsonl)(\/|$)/.test(relative(CORPUS_DIR, e.parentPath)) && !e.name.startsWith('LICENSE'));
  assert.ok(files.length >= 35, `${files.length} input files`);
  assert.equal(summary.steps[0]!.tasks, files.length);
  assert.ok(summary.documents_in > 1000, `${summary.documents_in} records read`);
  assert.ok(summary.documents_out > 50, `${summary.documents_out} documents reached the curriculum`);
});

/** Copies a run, then rewrites one document shard of `stepDir` through `edit` and updates its marker and stats to the new file. */
async function tamperedCopy(source: string, stepDir: string, edit: (rows: Record<string, unknown>[]) => Record<string, unknown>[]): Promise<{ dir: string; runDir: string; changed: string[] }> {
  const dir = await scratchDir('tampered');
  const runDir = join(dir, 'run');
  await cp(source, runDir, { recursive: true });
  const marker = (await readMarkers(runDir)).find((m) => m.stepDir === stepDir && m.stats.outputs.some((o) => o.kind === 'documents' && o.rows >= 2));
  assert.ok(marker, `no document shard with 2 rows in ${stepDir}`);
  const output = marker.stats.outputs.find((o) => o.kind === 'documents' && o.rows >= 2)!;
  const reader = await ShardReader.open(join(runDir, output.path));
  const rows: Record<string, unknown>[] = [];
  for await (const batch of reader.rowBatches()) rows.push(...batch);
  const { 'foxden.kind': _kind, ...metadata } = reader.metadata;
  const columns = reader.columns;
  await reader.close();
  const edited = edit(rows);
  const before = new Set(rows.map((r) => String(r['id'])));
  const after = edited.map((r) => String(r['id']));
  const changed = [...before].filter((id) => after.filter((x) => x === id).length !== 1);
  const writer = await ShardWriter.create({ runDir, path: output.path, kind: 'documents', columns, metadata });
  for (const r of edited) await writer.append(r);
  const written = await writer.close();
  // The marker (and the stats file) now describe the new file, as if the step had written it.
  const stats: TaskStats = { ...marker.stats, outputs: marker.stats.outputs.map((o) => (o.path === output.path ? written : o)) };
  const json = JSON.stringify(stats, null, 2) + '\n';
  await writeFile(join(runDir, stepDir, 'done', `${marker.key}.json`), json);
  await writeFile(join(runDir, stepDir, 'stats', `${marker.key}.json`), json);
  assert.equal(JSON.parse(await readFile(join(runDir, stepDir, 'done', `${marker.key}.json`), 'utf8')).outputs.find((o: { path: string }) => o.path === output.path).rows, edited.length);
  return { dir, runDir, changed };
}

test('the accounting check reports a document that went missing or was passed on twice', async () => {
  const reference = await referenceRun((await demoFixture()).pipelineFile);

  // One row's worth removed from a document shard of the language filter.
  const lost = await tamperedCopy(reference, 'steps/03-language', (rows) => rows.filter((_r, i) => i !== 1));
  assert.equal(lost.changed.length, 1);
  const missingId = lost.changed[0]!;
  const lostReport = await checkAccounting(lost.runDir);
  const lostProblems = lostReport.problems.join('\n');
  assert.match(lostProblems, /step 'language': its document shards hold \d+ rows, summary.json says \d+ documents out/);
  assert.ok(lostReport.problems.some((p) => p.includes("step 'language'") && p.includes('lost') && p.includes(missingId)), lostProblems);
  assert.ok(lostReport.problems.some((p) => p.includes("step 'gopher-quality'") && p.includes('invented') && p.includes(missingId)), lostProblems);

  // One row written twice.
  const doubled = await tamperedCopy(reference, 'steps/03-language', (rows) => [...rows, rows[0]!]);
  const doubledReport = await checkAccounting(doubled.runDir);
  const doubledProblems = doubledReport.problems.join('\n');
  assert.ok(doubledReport.problems.some((p) => p.includes('passed on twice') && p.includes(String(doubled.changed[0]))), doubledProblems);

  // Untouched, the same copy procedure yields no problems: the reports above come from the edits.
  const same = await tamperedCopy(reference, 'steps/03-language', (rows) => rows);
  assert.deepEqual(same.changed, []);
  assert.deepEqual((await checkAccounting(same.runDir)).problems, []);
  for (const d of [lost.dir, doubled.dir, same.dir]) await rm(d, { recursive: true, force: true });
});
