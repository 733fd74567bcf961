import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { stepDirName, writeFileAtomic } from '@foxden/core';
import { stepFingerprints, type ResolvedPipeline } from './load-pipeline.js';
import type { RunReporter } from './run-pipeline.js';

/** `run.json`: what a run was made from, read back by the next run to find what changed. */
interface RunRecord {
  pipeline: string;
  seed: number;
  inputs: { source: string; path: string; bytes: number }[];
  steps: { name: string; type: string; params: Record<string, unknown>; fingerprint: string }[];
}

/**
 * Brings a run directory up to date with the pipeline before any task runs:
 * the outputs of the first step whose configuration (fingerprint or name)
 * changed since the last run, and of every step after it, are removed, and
 * `run.json` is rewritten. Steps before it keep their outputs and are resumed.
 */
export async function reconcileRunDirectory(pipeline: ResolvedPipeline, reporter: RunReporter): Promise<void> {
  const runDir = pipeline.output;
  const fingerprints = stepFingerprints(pipeline);
  const previous = await readRunRecord(runDir);
  const firstChanged = pipeline.steps.findIndex((step, i) => {
    const before = previous?.steps[i];
    return !(before && before.fingerprint === fingerprints[i] && before.name === step.name);
  });
  const unchanged = firstChanged === -1 ? pipeline.steps.length : firstChanged;
  const keep = new Set(pipeline.steps.slice(0, unchanged).map((s, i) => stepDirName(i, s.name).slice('steps/'.length)));
  for (const dir of await readdir(join(runDir, 'steps')).catch(() => [] as string[])) {
    if (keep.has(dir)) continue;
    if (previous) reporter.log(`configuration changed: removing outputs of ${dir}`);
    await rm(join(runDir, 'steps', dir), { recursive: true, force: true });
  }
  const record: RunRecord = {
    pipeline: pipeline.name,
    seed: pipeline.seed,
    inputs: pipeline.inputs.map((i) => ({ source: i.source, path: i.path, bytes: i.bytes })),
    steps: pipeline.steps.map((s, i) => ({ name: s.name, type: s.type, params: s.params, fingerprint: fingerprints[i]! })),
  };
  await writeFileAtomic(join(runDir, 'run.json'), JSON.stringify(record, null, 2) + '\n');
}

async function readRunRecord(runDir: string): Promise<RunRecord | null> {
  try {
    return JSON.parse(await readFile(join(runDir, 'run.json'), 'utf8')) as RunRecord;
  } catch {
    return null;
  }
}
