import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FoxdenError, compareText, listStepDirs, parseStepDir, readStepMarkers, type ShardOutput } from '@foxden/core';

/** One shard that a completed task of the run recorded in its done marker. */
export interface CatalogShard extends ShardOutput {
  /** Step name (from the step directory `NN-name`). */
  step: string;
  /** Position of the step in the pipeline, from 0. */
  step_index: number;
  /** Step type from run.json, or null when run.json does not list the step. */
  step_type: string | null;
  /** `<phase>-<task>` of the task that wrote it. */
  task: string;
}

/** What the SQL layer knows about a run before reading any shard. */
export interface RunCatalog {
  runDir: string;
  /** The parsed run.json, or null when the run has none yet. */
  run: Record<string, unknown> | null;
  /** The parsed summary.json, or null while the run is in progress. */
  summary: Record<string, unknown> | null;
  /** Shards of completed tasks, ordered by step index, then path. */
  shards: CatalogShard[];
}

/**
 * Reads the run layout (packages/core/src/layout.ts): run.json, summary.json
 * and every `steps/NN-name/done/*.json` marker. Only shards named in a done
 * marker are listed: a task without a marker did not complete, and its files
 * are not part of the run.
 */
export async function readRunCatalog(runDir: string): Promise<RunCatalog> {
  const info = await stat(runDir).catch(() => null);
  if (!info?.isDirectory()) throw new FoxdenError('BAD_CONFIG', `run directory ${runDir} does not exist or is not a directory`, { file: runDir });
  const run = await readJson(join(runDir, 'run.json'));
  const summary = await readJson(join(runDir, 'summary.json'));
  const types = new Map<string, string>();
  const steps = Array.isArray(run?.['steps']) ? (run['steps'] as { name?: unknown; type?: unknown }[]) : [];
  for (const s of steps) if (typeof s.name === 'string' && typeof s.type === 'string') types.set(s.name, s.type);

  const shards: CatalogShard[] = [];
  for (const stepDir of await listStepDirs(runDir)) {
    const { index: stepIndex, name: step } = parseStepDir(stepDir);
    for (const { key, stats } of await readStepMarkers(runDir, stepDir)) {
      for (const out of stats.outputs) {
        shards.push({
          step, step_index: stepIndex, step_type: types.get(step) ?? null, task: key,
          path: out.path, kind: out.kind, rows: out.rows, bytes: out.bytes, sha256: out.sha256,
          ...(out.sidecar ? { sidecar: out.sidecar } : {}),
        });
      }
    }
  }
  shards.sort((a, b) => a.step_index - b.step_index || compareText(a.path, b.path));
  return { runDir, run, summary, shards };
}

async function readJson(file: string): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new FoxdenError('CORRUPT_INTERMEDIATE', `${file} is not valid JSON: ${(error as Error).message}`, { file, cause: error });
  }
}
