import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOCUMENT_COLUMNS, type DocumentRecord, type StepModule, type StepOutputs, type TaskStats } from '@foxden/core';
import { InProcessExecutor, resolveStepParams, runStep as runPipelineStep } from '@foxden/pipeline';
import { ShardReader, ShardWriter } from '@foxden/shards';

export interface StepRun {
  runDir: string;
  stats: TaskStats[];
  kept: Record<string, unknown>[];
  drops: Record<string, unknown>[];
  /** sha256 of every output shard, in task order. */
  checksums: string[];
}

/** Writes documents as the shard of a fake earlier step, in shards of `perShard` rows. */
export async function writeInput(runDir: string, docs: DocumentRecord[], perShard = 1000): Promise<StepOutputs> {
  const shards = [];
  for (let s = 0; s * perShard < docs.length || (s === 0 && docs.length === 0); s++) {
    const w = await ShardWriter.create({ runDir, path: `steps/00-input/documents/main-${String(s).padStart(5, '0')}.arrow`, kind: 'documents', columns: DOCUMENT_COLUMNS, batchRows: 64 });
    for (const d of docs.slice(s * perShard, (s + 1) * perShard)) await w.append(d);
    shards.push(await w.close());
  }
  return { step: 'input', type: 'test-input', columns: [...DOCUMENT_COLUMNS], shards };
}

export function doc(id: string, text: string, extra: Partial<DocumentRecord> = {}): DocumentRecord {
  return { id, text, url: `https://example.org/${id}`, source: 'test', fetched_at: null, lang: 'en', lang_score: 0.9, meta: null, ...extra };
}

/** Applies param defaults from the step's schema, as the pipeline loader does. */
export function withDefaults<P>(step: StepModule<P>, params: Partial<P>): P {
  return resolveStepParams(step, params);
}

/** This package's step entry point, from source: the executor imports the steps from it as a worker would. */
const STEP_PACKAGE = new URL('../src/step.ts', import.meta.url).href;

/** Runs every phase of a step over the input as a runner would: the orchestrator's runStep on the in-process executor. */
export async function runStep<P>(step: StepModule<P>, docs: DocumentRecord[], params: Partial<P>, options: { runDir?: string; perShard?: number } = {}): Promise<StepRun> {
  const runDir = options.runDir ?? (await mkdtemp(join(tmpdir(), 'foxden-quality-test-')));
  const input = await writeInput(runDir, docs, options.perShard);
  const base = {
    runDir, stepIndex: 1, stepName: step.type, stepType: step.type, stepDir: `steps/01-${step.type}`, phase: '', params: withDefaults(step, params) as Record<string, unknown>,
    seed: 7, inputs: [], pipelineDir: runDir, history: [input], inputColumns: [...DOCUMENT_COLUMNS], phaseOutputs: [],
  };
  const run = await runPipelineStep({ module: step, moduleUrl: STEP_PACKAGE }, base, { executor: new InProcessExecutor() });
  const stats = run.phases.filter((p) => p.carriesDocuments).flatMap((p) => p.stats);
  const kept: Record<string, unknown>[] = [];
  const drops: Record<string, unknown>[] = [];
  const checksums: string[] = [];
  for (const s of stats) {
    for (const o of s.outputs) {
      checksums.push(o.sha256);
      const r = await ShardReader.open(join(runDir, o.path), { sha256: o.sha256 });
      for await (const rows of r.rowBatches()) (o.kind === 'drops' ? drops : kept).push(...rows);
      await r.close();
    }
  }
  return { runDir, stats, kept, drops, checksums };
}

export async function fileText(path: string): Promise<string> {
  return readFile(path, 'utf8');
}
