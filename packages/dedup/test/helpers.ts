/** Test helpers: real corpus text, document shards written with ShardWriter, phases run in order. */
import { mkdtemp, readFile } from 'node:fs/promises';
import { readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import {
  DOCUMENT_COLUMNS, stepDirName, type ColumnSpec, type DocumentRecord, type StepModule, type StepOutputs, type StepSummary, type TaskStats,
} from '@foxden/core';
import { InProcessExecutor, resolveStepParams, runStep as runPipelineStep } from '@foxden/pipeline';
import { ShardReader, ShardWriter } from '@foxden/shards';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../../..');
export const corpusDir = resolve(repoRoot, '../shared/corpus');
/** This package's step entry point, from source: the executor imports the steps from it as a worker would. */
const STEP_PACKAGE = new URL('../src/step.ts', import.meta.url).href;

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

export interface StepRun {
  stepDir: string;
  summary: StepSummary;
  /** Task stats by phase, in task order. */
  stats: Record<string, TaskStats[]>;
  outputs: StepOutputs;
}

/**
 * Runs a step of this package after `history` the way a runner does (the orchestrator's runStep on
 * the in-process executor): params with the schema's defaults, every phase in order, done markers
 * written, tasks whose marker exists skipped (resume).
 */
export async function runStep<P>(step: StepModule<P>, runDir: string, history: StepOutputs[], params: Partial<P> = {}, name = 'dedup'): Promise<StepRun> {
  const stepDir = stepDirName(history.length, name);
  const base = {
    runDir, stepIndex: history.length, stepName: name, stepType: step.type, stepDir, phase: '', params: resolveStepParams(step, params) as Record<string, unknown>,
    seed: 7, inputs: [], pipelineDir: runDir, history, inputColumns: history[history.length - 1]?.columns ?? [...DOCUMENT_COLUMNS], phaseOutputs: [],
  };
  const run = await runPipelineStep({ module: step, moduleUrl: STEP_PACKAGE }, base, { executor: new InProcessExecutor() });
  return { stepDir, summary: run.summary, stats: Object.fromEntries(run.phases.map((p) => [p.phase, p.stats])), outputs: run.outputs };
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
