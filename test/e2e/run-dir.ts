/**
 * Reading a run directory the way a user's tools would: completion markers,
 * the outputs they record, the summary. Comparison of two runs byte for byte.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseTaskKey, readStepMarkers, stepDirName, type ShardOutput, type StepSummary, type TaskStats } from '@foxden/core';
import type { RunSummary } from '@foxden/pipeline';

export interface RunRecordStep {
  name: string;
  type: string;
  params: Record<string, unknown>;
}

export interface MarkerEntry {
  /** Run-relative step directory, e.g. "steps/03-language". */
  stepDir: string;
  step: string;
  type: string;
  /** Marker file name without .json, "<phase>-<task>". */
  key: string;
  phase: string;
  stats: TaskStats;
}

export async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

export async function readSummary(runDir: string): Promise<RunSummary> {
  return readJson<RunSummary>(join(runDir, 'summary.json'));
}

export async function readRunSteps(runDir: string): Promise<RunRecordStep[]> {
  return (await readJson<{ steps: RunRecordStep[] }>(join(runDir, 'run.json'))).steps;
}

/** Every completion marker of the run, in step order then marker name order. */
export async function readMarkers(runDir: string): Promise<MarkerEntry[]> {
  const steps = await readRunSteps(runDir);
  const out: MarkerEntry[] = [];
  for (const [i, s] of steps.entries()) {
    const stepDir = stepDirName(i, s.name);
    for (const { key, stats } of await readStepMarkers(runDir, stepDir)) {
      out.push({ stepDir, step: s.name, type: s.type, key, phase: parseTaskKey(key).phase, stats });
    }
  }
  return out;
}

export interface RecordedOutput extends ShardOutput {
  step: string;
  marker: string;
}

/** The outputs recorded by all markers, by run-relative path. */
export async function recordedOutputs(runDir: string): Promise<Map<string, RecordedOutput>> {
  const out = new Map<string, RecordedOutput>();
  for (const m of await readMarkers(runDir)) {
    for (const o of m.stats.outputs) out.set(o.path, { ...o, step: m.step, marker: `${m.stepDir}/done/${m.key}.json` });
  }
  return out;
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** All files under `dir`, run-relative, sorted. */
export async function listRunFiles(dir: string, sub = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, sub), { withFileTypes: true }).catch(() => [])) {
    const rel = sub ? join(sub, e.name) : e.name;
    if (e.isDirectory()) out.push(...(await listRunFiles(dir, rel)));
    else out.push(rel);
  }
  return out.sort();
}

/** Temporary files (`*.tmp-<pid>-<n>`) anywhere in the run directory. */
export async function temporaryFiles(runDir: string): Promise<string[]> {
  return (await listRunFiles(runDir)).filter((f) => /\.tmp-/.test(f));
}

/** A summary without what legitimately differs between two runs of the same pipeline (timings, run directory, tasks skipped). */
export function comparableSummary(summary: RunSummary): unknown {
  return {
    pipeline: summary.pipeline,
    seed: summary.seed,
    documents_in: summary.documents_in,
    documents_out: summary.documents_out,
    balanced: summary.balanced,
    steps: summary.steps.map((s: StepSummary) => ({ ...s, seconds: 0 })),
  };
}

/**
 * Differences between two runs of the same pipeline, as lines (empty when
 * they agree): the same completion markers, the same outputs with the same
 * sha256, every output file byte-identical (and matching its recorded
 * sha256), the same manifests (curriculum.json, stage manifests) and Parquet
 * files (the run's export, each step's compacted sidecars and their record),
 * and summaries equal up to timings.
 */
export async function compareRuns(expectedDir: string, actualDir: string): Promise<string[]> {
  const problems: string[] = [];
  const [ma, mb] = [await readMarkers(expectedDir), await readMarkers(actualDir)];
  const keys = (ms: MarkerEntry[]) => ms.map((m) => `${m.stepDir}/${m.key}`);
  const [ka, kb] = [keys(ma), keys(mb)];
  for (const k of ka) if (!kb.includes(k)) problems.push(`marker ${k} missing from ${actualDir}`);
  for (const k of kb) if (!ka.includes(k)) problems.push(`marker ${k} only in ${actualDir}`);
  const byKey = new Map(mb.map((m) => [`${m.stepDir}/${m.key}`, m]));
  for (const a of ma) {
    const b = byKey.get(`${a.stepDir}/${a.key}`);
    if (!b) continue;
    const strip = (s: TaskStats) => ({ ...s, seconds: 0 });
    if (JSON.stringify(strip(a.stats)) !== JSON.stringify(strip(b.stats))) problems.push(`marker ${a.stepDir}/${a.key}: stats differ (apart from seconds)`);
  }
  const [oa, ob] = [await recordedOutputs(expectedDir), await recordedOutputs(actualDir)];
  for (const [path, a] of oa) {
    const b = ob.get(path);
    if (!b) {
      problems.push(`output ${path} missing from ${actualDir}`);
      continue;
    }
    if (a.sha256 !== b.sha256) problems.push(`output ${path}: recorded sha256 ${a.sha256.slice(0, 12)} vs ${b.sha256.slice(0, 12)}`);
    const [fa, fb] = [await readFile(join(expectedDir, path)), await readFile(join(actualDir, path))];
    if (!fa.equals(fb)) problems.push(`output ${path}: files differ (${fa.length} vs ${fb.length} bytes)`);
    if (sha256(fb) !== b.sha256) problems.push(`output ${path} in ${actualDir}: file sha256 ${sha256(fb).slice(0, 12)} is not the recorded ${b.sha256.slice(0, 12)}`);
    // The Parquet sidecar (document, drop and token shards): the same bytes, matching its record.
    if (a.sidecar || b.sidecar) {
      if (!a.sidecar || !b.sidecar) {
        problems.push(`output ${path}: sidecar recorded in only one run`);
      } else {
        const [sa, sb] = [await readFile(join(expectedDir, a.sidecar.path)), await readFile(join(actualDir, b.sidecar.path))];
        if (!sa.equals(sb)) problems.push(`sidecar ${b.sidecar.path}: files differ (${sa.length} vs ${sb.length} bytes)`);
        if (sha256(sb) !== b.sidecar.sha256) problems.push(`sidecar ${b.sidecar.path} in ${actualDir}: file sha256 ${sha256(sb).slice(0, 12)} is not the recorded ${b.sidecar.sha256.slice(0, 12)}`);
      }
    }
  }
  for (const path of ob.keys()) if (!oa.has(path)) problems.push(`output ${path} only in ${actualDir}`);
  // Manifests and Parquet (the run's export and each step's compacted sidecars with their record) are
  // checked by name too: a trainer or SQL client reads them directly.
  const extra = async (dir: string) => (await listRunFiles(dir)).filter((f) =>
    f === 'curriculum.json' || /\/manifests\/[^/]+\.json$/.test(f) || f.startsWith('parquet/') || /^steps\/[^/]+\/compacted(\.json$|\/)/.test(f));
  const [ea, eb] = [await extra(expectedDir), await extra(actualDir)];
  if (JSON.stringify(ea) !== JSON.stringify(eb)) problems.push(`manifest/parquet files differ: ${JSON.stringify(ea)} vs ${JSON.stringify(eb)}`);
  for (const f of ea) {
    if (!eb.includes(f)) continue;
    const [fa, fb] = [await readFile(join(expectedDir, f)), await readFile(join(actualDir, f))];
    if (!fa.equals(fb)) problems.push(`${f}: files differ (${fa.length} vs ${fb.length} bytes)`);
  }
  const [sa, sb] = [await readSummary(expectedDir).catch(() => null), await readSummary(actualDir).catch(() => null)];
  if (!sa || !sb) problems.push(`summary.json missing from ${sa ? actualDir : expectedDir}`);
  else if (JSON.stringify(comparableSummary(sa)) !== JSON.stringify(comparableSummary(sb))) problems.push('summary.json: counts differ');
  return problems;
}
