import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DOCUMENT_COLUMNS, type DocumentRecord, type StepModule } from '@foxden/core';
import { ShardWriter } from '@foxden/shards';
import { fastTextBinary, normalizeForFastText } from '@foxden/fasttext';
import { trainQualityClassifier } from '../../packages/quality/src/classifier/train-classifier.js';
import { steps } from '../../packages/quality/src/step.js';
import { corpusDocs, spamAssassin } from '../../packages/quality/test/corpus.js';
import { measure, type BenchContext, type BenchEntry, type Benchmark } from './harness.js';

const timings: Record<string, number> = {};

/** Runs all phases of a step in this process (one core) over one input shard. */
async function runAll<P>(step: StepModule<P>, runDir: string, input: { path: string; kind: string; rows: number; bytes: number; sha256: string }, params: P) {
  const base = { runDir, stepIndex: 1, stepName: step.type, stepType: step.type, stepDir: `steps/01-${step.type}-${Math.random().toString(36).slice(2)}`, params, seed: 1, inputs: [], pipelineDir: runDir, history: [{ step: 'in', type: 'in', columns: [...DOCUMENT_COLUMNS], shards: [input] }], inputColumns: [...DOCUMENT_COLUMNS] };
  for (const phase of step.phases) {
    const ctx = { ...base, phase: phase.name };
    const t0 = performance.now();
    for (const task of await phase.plan(ctx as never)) await phase.run(task, { ...ctx, signal: new AbortController().signal, progress: () => undefined, log: () => undefined } as never);
    timings[`${step.type}/${phase.name}`] = (performance.now() - t0) / 1000;
  }
}

function defaults(step: StepModule<any>): any {
  const props = (step.paramsSchema['properties'] ?? {}) as Record<string, { default?: unknown }>;
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, structuredClone(v.default)]));
}

const bench: Benchmark = async (ctx: BenchContext) => {
  const entries: BenchEntry[] = [];
  const repeat = ctx.full ? 20 : 5;
  const base = corpusDocs();
  const docs: DocumentRecord[] = [];
  for (let r = 0; r < repeat; r++) base.forEach((d, i) => docs.push({ id: `r${r}-${i}`, text: d.text, url: null, source: 'corpus', fetched_at: null, lang: 'en', lang_score: 1, meta: null }));
  const bytes = docs.reduce((n, d) => n + Buffer.byteLength(d.text), 0);
  const w = await ShardWriter.create({ runDir: ctx.scratchDir, path: 'in/docs.arrow', kind: 'documents', columns: DOCUMENT_COLUMNS });
  for (const d of docs) await w.append(d);
  const input = await w.close();
  for (const type of ['gopher-quality', 'gopher-repetition', 'c4-filter', 'fineweb-filter', 'pii-scrub']) {
    const step = steps.find((s) => s.type === type)!;
    const m = await measure(() => runAll(step, ctx.scratchDir, input, defaults(step)));
    ctx.log(`${type}: ${docs.length} docs, ${(bytes / 1e6).toFixed(1)} MB in ${m.seconds.toFixed(2)} s`);
    entries.push({ name: `quality.${type}.mb_per_s_per_core`, value: bytes / 1e6 / m.seconds, unit: 'MB/s/core', input_bytes: bytes, documents: docs.length, seconds: m.seconds, cores: 1, peak_rss_bytes: m.peakRss, notes: { docs_per_s_per_core: docs.length / m.seconds, includes: 'Arrow read + write of documents and drops' } });
  }

  // Classifier: train on Spam Assassin, score mails (spam and ham) through the step, and with the binary's own batch predict.
  const mails = spamAssassin(['spam-1', 'spam-2', 'easy-ham-1', 'hard-ham-1'], ctx.full ? 10_000 : 400);
  const labelled = join(ctx.scratchDir, 'labelled.jsonl');
  await writeFile(labelled, mails.map((m) => JSON.stringify({ label: m.group.startsWith('spam') ? 'low' : 'high', text: m.text })).join('\n') + '\n');
  const model = join(ctx.scratchDir, 'quality.bin');
  const report = await trainQualityClassifier({ input: labelled, out: model, holdout: 0.2 });
  ctx.log(`classifier held-out accuracy ${report.heldout_accuracy} (majority ${report.heldout_majority_baseline}) on ${report.heldout_examples}`);
  const scoreDocs: DocumentRecord[] = [];
  for (let r = 0; r < 4; r++) mails.forEach((m, i) => scoreDocs.push({ id: `m${r}-${i}`, text: m.text, url: null, source: 'mail', fetched_at: null, lang: 'en', lang_score: 1, meta: null }));
  const sw = await ShardWriter.create({ runDir: ctx.scratchDir, path: 'in/mails.arrow', kind: 'documents', columns: DOCUMENT_COLUMNS });
  for (const d of scoreDocs) await sw.append(d);
  const mailShard = await sw.close();
  const mailBytes = scoreDocs.reduce((n, d) => n + Buffer.byteLength(d.text), 0);
  const cls = steps.find((s) => s.type === 'quality-classifier')!;
  const stepRun = await measure(() => runAll(cls, ctx.scratchDir, mailShard, { ...defaults(cls), model }));
  // The limit: fastText's own batch predict over a file of the same normalised texts, same process start-up included.
  const file = join(ctx.scratchDir, 'mails.txt');
  await writeFile(file, scoreDocs.map((d) => normalizeForFastText(d.text)).join('\n') + '\n');
  const bin = await measure(async () => spawnSync(fastTextBinary(), ['predict-prob', model, file, '16'], { stdio: ['ignore', 'ignore', 'inherit'] }));
  const stepRate = scoreDocs.length / stepRun.seconds;
  const binRate = scoreDocs.length / bin.seconds;
  entries.push({
    name: 'quality.classifier.docs_per_s_per_core', value: stepRate, unit: 'docs/s/core', input_bytes: mailBytes, documents: scoreDocs.length, seconds: stepRun.seconds, cores: 1, peak_rss_bytes: stepRun.peakRss,
    limit: { name: 'fasttext predict-prob (binary, batch file)', value: binRate, unit: 'docs/s/core' }, ratio: stepRate / binRate,
    notes: { heldout_accuracy: report.heldout_accuracy, heldout_majority_baseline: report.heldout_majority_baseline, heldout_examples: report.heldout_examples, phase_seconds: { score: timings['quality-classifier/score'], filter: timings['quality-classifier/filter'] }, includes: 'both phases: Arrow read, normalise, pipe to fastText, score shard, filter and write' },
  });
  return entries;
};

export default bench;
