/** Test helpers: real corpus text, document shards written with ShardWriter, phases run in order. */
import { mkdtemp, readFile } from 'node:fs/promises';
import { readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import {
  DOCUMENT_COLUMNS, completeTask, mergeTaskStats, readCompletedTask, stepDirName,
  type ColumnSpec, type DocumentRecord, type ShardOutput, type StepModule, type StepOutputs, type StepSummary, type TaskContext, type TaskStats,
} from '@foxden/core';
import { ShardReader, ShardWriter } from '@foxden/shards';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../../..');
export const corpusDir = resolve(repoRoot, '../shared/corpus');

export async function tempRun(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'foxden-dedup-'));
}

/** Texts of the JSONL files of the shared corpus (plain and gzipped), in file order. */
export function corpusJsonlTexts(): { text: string; url: string | null; file: string }[] {
  const dir = join(corpusDir, 'jsonl');
  const out: { text: string; url: string | null; file: string }[] = [];
  for (const f of readdirSync(dir).sort()) {
    const raw = readFileSync(join(dir, f));
    const body = f.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    for (const line of body.split('\n')) {
      if (line.trim() === '') continue;
      const j = JSON.parse(line) as { text?: string; url?: string; metadata?: { url?: string }; meta?: { url?: string } };
      if (typeof j.text !== 'string' || j.text.trim() === '') continue;
      out.push({ text: j.text, url: j.url ?? j.metadata?.url ?? j.meta?.url ?? null, file: f });
    }
  }
  return out;
}

/** A book of the shared corpus as text. */
export function book(name: string): string {
  return gunzipSync(readFileSync(join(corpusDir, 'books', name))).toString('utf8');
}

/** Splits a text into chunks of `words` words (distinct passages of a book). */
export function passages(text: string, words: number, max: number): string[] {
  const all = text.replace(/\r/g, '').split(/\s+/).filter((w) => w.length > 0);
  const out: string[] = [];
  for (let i = 0; i + words <= all.length && out.length < max; i += words) out.push(all.slice(i, i + words).join(' '));
  return out;
}

export function doc(partial: Partial<DocumentRecord> & { id: string; text: string }): DocumentRecord {
  return { url: null, source: 'test', fetched_at: null, lang: null, lang_score: null, meta: null, ...partial };
}

/** Writes document shards as an earlier step "00-ingest" would, and returns its StepOutputs. */
export async function writeDocumentShards(runDir: string, shards: DocumentRecord[][], columns: readonly ColumnSpec[] = DOCUMENT_COLUMNS): Promise<StepOutputs> {
  const stepDir = stepDirName(0, 'ingest');
  const outputs = [];
  for (const [i, docs] of shards.entries()) {
    const w = await ShardWriter.create({ runDir, path: join(stepDir, 'documents', `ingest-${String(i).padStart(5, '0')}.arrow`), kind: 'documents', columns, batchRows: 256 });
    await w.appendAll(docs);
    outputs.push(await w.close());
  }
  return { step: 'ingest', type: 'test-ingest', columns: [...columns], shards: outputs };
}

/** The params of a step with the schema's defaults applied. */
export function withDefaults<P>(step: StepModule<P>, params: Partial<P> = {}): P {
  const props = (step.paramsSchema['properties'] ?? {}) as Record<string, { default?: unknown }>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) if ('default' in v) out[k] = v.default;
  return { ...out, ...params } as P;
}

export interface StepRun {
  stepDir: string;
  summary: StepSummary;
  stats: Record<string, TaskStats[]>;
  outputs: StepOutputs;
}

/**
 * Runs every phase of a step in order, each task once, the way a runner does: plan, run, write
 * the done marker; tasks whose marker exists are skipped (resume).
 */
export async function runStep<P>(step: StepModule<P>, runDir: string, history: StepOutputs[], params: Partial<P> = {}, name = 'dedup'): Promise<StepRun> {
  const stepDir = stepDirName(history.length, name);
  const full = withDefaults(step, params);
  const inputColumns = history[history.length - 1]?.columns ?? [...DOCUMENT_COLUMNS];
  const base = {
    runDir, stepIndex: history.length, stepName: name, stepType: step.type, stepDir, phase: '', params: full, seed: 7,
    inputs: [], inputRoot: runDir, pipelineDir: runDir, history, inputColumns, phaseOutputs: [] as ShardOutput[],
  };
  if (step.validate) await step.validate(base);
  const stats: Record<string, TaskStats[]> = {};
  const all: TaskStats[] = [];
  const carried: TaskStats[] = [];
  for (const phase of step.phases) {
    const ctx = { ...base, phase: phase.name, phaseOutputs: all.flatMap((t) => t.outputs) };
    const tasks = await phase.plan(ctx);
    stats[phase.name] = [];
    for (const task of tasks) {
      let s = await readCompletedTask(runDir, stepDir, phase.name, task.id);
      if (!s) {
        const tctx: TaskContext<P> = { ...ctx, signal: new AbortController().signal, progress: () => undefined, log: () => undefined };
        s = await phase.run(task, tctx);
        await completeTask(runDir, stepDir, phase.name, task.id, s);
      }
      stats[phase.name]!.push(s);
      all.push(s);
      if (phase.carriesDocuments) carried.push(s);
    }
  }
  const summary = mergeTaskStats(name, step.type, carried);
  summary.counters = mergeTaskStats(name, step.type, all).counters;
  const columns = step.outputColumns(inputColumns, full);
  return { stepDir, summary, stats, outputs: { step: name, type: step.type, columns, shards: all.flatMap((s) => s.outputs) } };
}

/** All rows of the shards of a kind, in path order. */
export async function readKind(runDir: string, outputs: StepOutputs, kind: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (const s of outputs.shards.filter((x) => x.kind === kind).sort((a, b) => (a.path < b.path ? -1 : 1))) {
    const r = await ShardReader.open(join(runDir, s.path), { sha256: s.sha256 });
    for await (const b of r.rowBatches()) rows.push(...b);
    await r.close();
  }
  return rows;
}

export async function fileBytes(path: string): Promise<Buffer> {
  return readFile(path);
}
