import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DOCUMENT_COLUMNS, type DocumentRecord, type StepModule, type TaskSpec } from '@foxden/core';
import { ShardWriter } from '@foxden/shards';
import { fastTextBinary, normalizeForFastText } from '@foxden/fasttext';
import { trainQualityClassifier } from '../../packages/quality/src/classifier/train-classifier.js';
import { steps } from '../../packages/quality/src/step.js';
import { scrubPii } from '../../packages/quality/src/pii/scrub.js';
import { corpusDocs, spamAssassin } from '../../packages/quality/test/corpus.js';
import { WorkerPool } from '@foxden/runner-local';
import { AS_FOXDEN_RUN, measure, type BenchContext, type BenchEntry, type Benchmark } from './harness.js';

const timings: Record<string, number> = {};

type InputShard = { path: string; kind: string; rows: number; bytes: number; sha256: string };

/**
 * Runs every phase of a step over one input shard, each phase's tasks through
 * `runTasks`, and records each phase's time.
 */
async function runPhases<P>(step: StepModule<P>, runDir: string, input: InputShard, params: P, runTasks: (phase: StepModule<P>['phases'][number], context: any, tasks: TaskSpec[]) => Promise<void>) {
  const base = { runDir, stepIndex: 1, stepName: step.type, stepType: step.type, stepDir: `steps/01-${step.type}-${Math.random().toString(36).slice(2)}`, params, seed: 1, inputs: [], pipelineDir: runDir, history: [{ step: 'in', type: 'in', columns: [...DOCUMENT_COLUMNS], shards: [input] }], phaseOutputs: [], inputColumns: [...DOCUMENT_COLUMNS] };
  for (const phase of step.phases) {
    const context = { ...base, phase: phase.name };
    const t0 = performance.now();
    await runTasks(phase, context, await phase.plan(context as never));
    timings[`${step.type}/${phase.name}`] = (performance.now() - t0) / 1000;
  }
}

/** Runs all phases of a step in this process (one core) over one input shard. */
function runAll<P>(step: StepModule<P>, runDir: string, input: InputShard, params: P) {
  return runPhases(step, runDir, input, params, async (phase, context, tasks) => {
    for (const task of tasks) await phase.run(task, { ...context, signal: new AbortController().signal, progress: () => undefined, log: () => undefined });
  });
}

/**
 * Runs all phases of a step over one input shard the way `foxden run` does:
 * each task in a thread of the local runner's worker pool (the classifier's
 * figures depend on the thread's heap, which the runners size; see
 * configureTaskThreads).
 */
function runInPool<P>(pool: WorkerPool, step: StepModule<P>, runDir: string, input: InputShard, params: P) {
  const moduleUrl = import.meta.resolve('@foxden/quality/step');
  return runPhases(step, runDir, input, params, async (phase, context, tasks) => {
    const outcomes = await pool.runPhase(tasks.map((task) => ({ moduleUrl, context, task, carriesDocuments: phase.carriesDocuments })), { progress: () => undefined, taskDone: () => undefined, log: () => undefined });
    for (const o of outcomes) if (!o.ok) throw new Error(`${step.type}/${phase.name}: ${o.error.message}`);
  });
}

/** CPU seconds of this process (all threads) and of its exited children, from /proc (Linux); null elsewhere. */
function cpuSeconds(): { self: number; children: number } | null {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    const tick = 100; // USER_HZ: 100 on every Linux Node supports
    const u = process.cpuUsage();
    return { self: (u.user + u.system) / 1e6, children: (Number(fields[13]) + Number(fields[14])) / tick };
  } catch {
    return null;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function defaults(step: StepModule<any>): any {
  const props = (step.paramsSchema['properties'] ?? {}) as Record<string, { default?: unknown }>;
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, structuredClone(v.default)]));
}

/** The heuristic steps over the shared corpus, each on one core. */
async function heuristics(ctx: BenchContext): Promise<BenchEntry[]> {
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
  // A pathological input: PII scrubbing of one 10 MB line without a break (linear time, no regex backtracking blow-up),
  // against the corpus rate measured above.
  const line = 'a'.repeat(10 * 1024 * 1024);
  const pii = await measure(async () => scrubPii(line));
  const corpusRate = entries.find((e) => e.name === 'quality.pii-scrub.mb_per_s_per_core')!.value;
  const lineRate = line.length / 1e6 / pii.seconds;
  entries.push({
    name: 'quality.pii-scrub.10mb-line', value: lineRate, unit: 'MB/s/core', input_bytes: line.length, documents: 1, seconds: pii.seconds, cores: 1, peak_rss_bytes: pii.peakRss,
    limit: { name: 'pii-scrub over the corpus documents, same run', value: corpusRate, unit: 'MB/s/core' }, ratio: lineRate / corpusRate,
  });

  return entries;
}

/**
 * Trains the classifier on Spam Assassin and writes the mails to score (spam
 * and ham) as a shard and, normalised, as the binary's input file. Only paths
 * leave this function: the texts are garbage before anything is timed, as in
 * a worker, whose heap holds no corpus (a heap full of test data would make
 * every garbage collection of the step slower than it is in a run).
 */
async function classifierInput(ctx: BenchContext) {
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
  // The limit: fastText's own batch predict over a file of the same normalised texts, same process start-up included.
  const file = join(ctx.scratchDir, 'mails.txt');
  await writeFile(file, scoreDocs.map((d) => normalizeForFastText(d.text)).join('\n') + '\n');
  return { model, report, mailShard, mailBytes, n: scoreDocs.length, file };
}

const bench: Benchmark = async (ctx: BenchContext) => {
  const entries = await heuristics(ctx);
  const { model, report, mailShard, mailBytes, n, file } = await classifierInput(ctx);
  const cls = steps.find((s) => s.type === 'quality-classifier')!;
  // The step (every phase; with a threshold only `filter` plans tasks) and the binary, in alternation: this
  // machine is shared, so each figure is the median of a few rounds. CPU time counts this process (all its
  // threads) and its children (the fastText process), so it is the cost per core however the two overlap.
  const rounds = ctx.full ? 9 : 5;
  const step: { wall: number; cpu: number | null; rss: number }[] = [];
  const binary: { wall: number; cpu: number | null }[] = [];
  // One worker thread for every round, as in a run, where a thread takes task after task.
  const pool = new WorkerPool({ workers: 1, ...AS_FOXDEN_RUN });
  for (let r = 0; r < rounds; r++) {
    let cpu0 = cpuSeconds();
    const run = await measure(() => runInPool(pool, cls, ctx.scratchDir, mailShard, { ...defaults(cls), model }));
    let cpu1 = cpuSeconds();
    step.push({ wall: run.seconds, cpu: cpu0 && cpu1 ? cpu1.self + cpu1.children - cpu0.self - cpu0.children : null, rss: run.peakRss });
    cpu0 = cpuSeconds();
    const bin = await measure(async () => spawnSync(fastTextBinary(), ['predict-prob', model, file, '16'], { stdio: ['ignore', 'ignore', 'inherit'] }));
    cpu1 = cpuSeconds();
    binary.push({ wall: bin.seconds, cpu: cpu0 && cpu1 ? cpu1.children - cpu0.children : null });
  }
  await pool.close();
  const stepWall = median(step.map((x) => x.wall));
  const binWall = median(binary.map((x) => x.wall));
  const stepCpu = step.every((x) => x.cpu !== null) ? median(step.map((x) => x.cpu!)) : null;
  const binCpu = binary.every((x) => x.cpu !== null) ? median(binary.map((x) => x.cpu!)) : null;
  ctx.log(`classifier: ${n} mails; step ${stepWall.toFixed(2)} s wall${stepCpu === null ? '' : `, ${stepCpu.toFixed(2)} s CPU`}; binary ${binWall.toFixed(2)} s wall${binCpu === null ? '' : `, ${binCpu.toFixed(2)} s CPU`} (medians of ${rounds})`);
  const notes = {
    heldout_accuracy: report.heldout_accuracy, heldout_majority_baseline: report.heldout_majority_baseline, heldout_examples: report.heldout_examples,
    rounds, step_wall_seconds: step.map((x) => x.wall), binary_wall_seconds: binary.map((x) => x.wall),
    step_cpu_seconds: step.map((x) => x.cpu), binary_cpu_seconds: binary.map((x) => x.cpu),
    phase_seconds: { score: timings['quality-classifier/score'], filter: timings['quality-classifier/filter'] },
    params: 'threshold 0.5, top_fraction null (one pass: the filter phase scores)',
    includes: 'whole step, run as foxden run runs it (a worker-pool thread): Arrow read (with checksum), normalise, fastText process (start-up and model load included, as for the binary), Arrow write of documents and drops',
  };
  entries.push({
    name: 'quality.classifier.docs_per_s_per_core', value: n / stepWall, unit: 'docs/s/core', input_bytes: mailBytes, documents: n, seconds: stepWall, cores: 1, peak_rss_bytes: Math.max(...step.map((x) => x.rss)),
    limit: { name: 'fasttext predict-prob (binary, batch file), wall clock', value: n / binWall, unit: 'docs/s/core' }, ratio: binWall / stepWall,
    notes: { ...notes, clock: 'wall; the step runs one task, whose fastText process may work on a second core while the task reads and writes Arrow' },
  });
  if (stepCpu !== null && binCpu !== null) {
    entries.push({
      name: 'quality.classifier.docs_per_cpu_s', value: n / stepCpu, unit: 'docs/CPU-s', input_bytes: mailBytes, documents: n, seconds: stepCpu, cores: 1, peak_rss_bytes: Math.max(...step.map((x) => x.rss)),
      limit: { name: 'fasttext predict-prob (binary, batch file), CPU time', value: n / binCpu, unit: 'docs/CPU-s' }, ratio: binCpu / stepCpu,
      notes: { ...notes, clock: 'CPU time of this process (all threads) and its fastText child; the binary: its own CPU time' },
    });
  }
  return entries;
};

export default bench;
