import { FoxdenError } from './errors.js';

/**
 * What one task did. `documents_in = documents_out + sum(dropped)` must hold
 * for every task and therefore for every step; the run summary checks it.
 */
export interface TaskStats {
  step: string;
  task: string;
  documents_in: number;
  documents_out: number;
  /** Documents dropped, by reason. Parse failures count here too (reason `parse-error:...`). */
  dropped: Record<string, number>;
  bytes_in: number;
  bytes_out: number;
  seconds: number;
  /** Step-specific counters (records skipped by type, tokens written, ...). */
  counters: Record<string, number>;
  /** Output files with checksums, relative to the run directory. */
  outputs: ShardOutput[];
  /** What a user should know although the task succeeded (a budget accepted short); absent when none. */
  warnings?: string[];
}

export interface ShardOutput {
  path: string;
  kind: string;
  rows: number;
  bytes: number;
  sha256: string;
  /**
   * The Parquet sidecar of a document, drop or token shard (SIDECAR_KINDS):
   * its per-document metadata columns, the same rows in the same order, for
   * DuckDB's own Parquet reader. Absent for other kinds and for runs written
   * before sidecars existed.
   */
  sidecar?: SidecarOutput;
}

/** A Parquet sidecar beside its Arrow shard, recorded with the same checksum discipline. */
export interface SidecarOutput {
  /** Run-relative path: the shard's path with `.arrow` replaced by `.parquet` (sidecarPath). */
  path: string;
  bytes: number;
  sha256: string;
}

/** Shard kinds whose writer also writes a Parquet sidecar of the metadata columns. */
export const SIDECAR_KINDS: readonly string[] = Object.freeze(['documents', 'drops', 'tokens']);

/**
 * Shard kinds whose sidecars the orchestrator compacts into one Parquet file
 * per step when the step completes: those the SQL views read (`docs` reads
 * token sidecars, `drops` drop sidecars). Document sidecars stay per task.
 */
export const COMPACTED_KINDS: readonly string[] = Object.freeze(['drops', 'tokens']);

/**
 * One step's sidecars of one kind in one Parquet file
 * (`<stepDir>/compacted/<kind>.parquet`): the task sidecars' rows in shard
 * path order (task order, then each task's shards in order), plus `shard`
 * (the Arrow shard's run-relative path) and `shard_row` (the row in it).
 */
export interface CompactedSidecar {
  kind: string;
  /** Run-relative path (compactedSidecarPath). */
  path: string;
  rows: number;
  bytes: number;
  sha256: string;
  /** How many task sidecars it holds. */
  shards: number;
  /** sidecarSetDigest of the task sidecars it was made from: a reader uses the file only when its completed tasks give the same digest. */
  sources: string;
}

/** The step-level record of a step's compacted sidecars (`<stepDir>/compacted.json`, compactedRecordPath), written after the files. */
export interface CompactedStep {
  step: string;
  /** One per kind, ordered by kind. */
  files: CompactedSidecar[];
}

export interface StepSummary {
  step: string;
  type: string;
  tasks: number;
  documents_in: number;
  documents_out: number;
  dropped: Record<string, number>;
  bytes_in: number;
  bytes_out: number;
  seconds: number;
  counters: Record<string, number>;
  /** The tasks' warnings, in task order; absent when none. */
  warnings?: string[];
  /** Whether in = out + dropped holds. */
  balanced: boolean;
}

export function emptyTaskStats(step: string, task: string): TaskStats {
  return { step, task, documents_in: 0, documents_out: 0, dropped: {}, bytes_in: 0, bytes_out: 0, seconds: 0, counters: {}, outputs: [] };
}

export function addCount(map: Record<string, number>, key: string, n = 1): void {
  map[key] = (map[key] ?? 0) + n;
}

export function sumCounts(map: Record<string, number>): number {
  let total = 0;
  for (const v of Object.values(map)) total += v;
  return total;
}

/** Merges task stats into a step summary. Keys are sorted so the JSON is deterministic. */
export function mergeTaskStats(step: string, type: string, tasks: readonly TaskStats[]): StepSummary {
  const summary: StepSummary = {
    step, type, tasks: tasks.length, documents_in: 0, documents_out: 0, dropped: {},
    bytes_in: 0, bytes_out: 0, seconds: 0, counters: {}, balanced: true,
  };
  for (const t of tasks) {
    summary.documents_in += t.documents_in;
    summary.documents_out += t.documents_out;
    summary.bytes_in += t.bytes_in;
    summary.bytes_out += t.bytes_out;
    summary.seconds += t.seconds;
    for (const [k, v] of Object.entries(t.dropped)) addCount(summary.dropped, k, v);
    for (const [k, v] of Object.entries(t.counters)) addCount(summary.counters, k, v);
    if (t.warnings?.length) (summary.warnings ??= []).push(...t.warnings);
  }
  summary.dropped = sortKeys(summary.dropped);
  summary.counters = sortKeys(summary.counters);
  summary.balanced = summary.documents_in === summary.documents_out + sumCounts(summary.dropped);
  return summary;
}

/** Throws when a task or step does not balance: a document went missing or appeared from nowhere. */
export function assertBalanced(s: { step: string; documents_in: number; documents_out: number; dropped: Record<string, number> }, what = 'step'): void {
  const dropped = sumCounts(s.dropped);
  if (s.documents_in !== s.documents_out + dropped) {
    throw new FoxdenError(
      'ACCOUNTING',
      `accounting does not balance for ${what} '${s.step}': ${s.documents_in} in != ${s.documents_out} out + ${dropped} dropped (difference ${s.documents_in - s.documents_out - dropped})`,
    );
  }
}

/** Orders strings by UTF-16 code units, as `<` does: locale-independent, so sorted paths and ids are the same everywhere. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortKeys<T>(obj: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(obj).sort()) out[k] = obj[k] as T;
  return out;
}
