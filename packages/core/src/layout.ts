import { createHash } from 'node:crypto';
import { open, readFile, readdir, rm, stat } from 'node:fs/promises';
import { closeSync, mkdirSync, openSync, realpathSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FoxdenError } from './errors.js';
import { compareText, type TaskStats } from './stats.js';

/**
 * Where everything of a run lives. One place decides the layout so that every
 * runner, the inspector and the SQL views agree on it.
 *
 *   <run>/run.json                         the resolved pipeline
 *   <run>/steps/NN-name/<kind>/<phase>-<task>.arrow
 *   <run>/steps/NN-name/stats/<phase>-<task>.json
 *   <run>/steps/NN-name/done/<phase>-<task>.json   completion marker (written last)
 *   <run>/steps/NN-name/compacted/<kind>.parquet   the step's sidecars of a kind in one file
 *   <run>/steps/NN-name/compacted.json     their record (written after them, when the step completes)
 *   <run>/summary.json                     the merged run summary
 */
export function stepDirName(index: number, name: string): string {
  return join('steps', `${String(index).padStart(2, '0')}-${name}`);
}

/** The index and step name of a step directory (`steps/NN-name` or `NN-name`). */
export function parseStepDir(stepDir: string): { index: number; name: string } {
  const base = stepDir.slice(stepDir.lastIndexOf('/') + 1);
  const dash = base.indexOf('-');
  return { index: Number(base.slice(0, dash)), name: base.slice(dash + 1) };
}

/**
 * A task's key within its step, `<phase>-<task id>`: the name of its marker,
 * stats file and shards, and `TaskStats.task`. Phase names have no `-`
 * (task ids may), so the first `-` separates the two.
 */
export function taskKey(phase: string, taskId: string): string {
  return `${phase}-${taskId}`;
}

/** The phase and task id of a task key (see taskKey). */
export function parseTaskKey(key: string): { phase: string; taskId: string } {
  const dash = key.indexOf('-');
  if (dash <= 0) throw new FoxdenError('INTERNAL', `'${key}' is not a task key (<phase>-<task id>)`);
  return { phase: key.slice(0, dash), taskId: key.slice(dash + 1) };
}

/** The task id of the n-th task of a phase that plans one task per input (shard, band, group): "00000", "00001", ... */
export function indexTaskId(n: number): string {
  return String(n).padStart(5, '0');
}

export function shardPath(stepDir: string, kind: string, phase: string, taskId: string, ext = 'arrow'): string {
  return join(stepDir, kind, `${taskKey(phase, taskId)}.${ext}`);
}

export function statsPath(stepDir: string, phase: string, taskId: string): string {
  return join(stepDir, 'stats', `${taskKey(phase, taskId)}.json`);
}

export function markerPath(stepDir: string, phase: string, taskId: string): string {
  return join(stepDir, 'done', `${taskKey(phase, taskId)}.json`);
}

/**
 * The Parquet sidecar of a shard: `<name>.arrow` -> `<name>.parquet` (any
 * other name gets `.parquet` appended). The SQL views map a sidecar back to
 * its shard by this rule.
 */
export function sidecarPath(shardPath: string): string {
  return shardPath.endsWith('.arrow') ? `${shardPath.slice(0, -'.arrow'.length)}.parquet` : `${shardPath}.parquet`;
}

/** The step-level record of a step's compacted sidecars (CompactedStep). */
export function compactedRecordPath(stepDir: string): string {
  return join(stepDir, 'compacted.json');
}

/** The compacted sidecar of one kind of a step: `<stepDir>/compacted/<kind>.parquet`. */
export function compactedSidecarPath(stepDir: string, kind: string): string {
  return join(stepDir, 'compacted', `${kind}.parquet`);
}

/**
 * A digest of a set of task sidecars: sha256 over `<shard path>\t<sidecar
 * sha256>\n` in shard path order. A compacted file records the digest of the
 * sidecars it was made from; a reader that finds the same digest for the
 * completed tasks of the step knows the file holds exactly their rows.
 */
export function sidecarSetDigest(shards: readonly { path: string; sidecar?: { sha256: string } | undefined }[]): string {
  const hash = createHash('sha256');
  const sorted = [...shards].sort((a, b) => compareText(a.path, b.path));
  for (const s of sorted) hash.update(`${s.path}\t${s.sidecar?.sha256 ?? '-'}\n`);
  return hash.digest('hex');
}

/** A temporary name beside `path`, unique per process and call, so concurrent or crashed writers never collide. */
let tmpCounter = 0;
export function temporaryPath(path: string): string {
  tmpCounter += 1;
  return `${path}.tmp-${process.pid}-${tmpCounter}`;
}

/**
 * Writes a file under a temporary name and renames it into place, so readers
 * never see half a file. The directory is made when missing.
 *
 * Synchronous underneath: the files written this way are small (markers,
 * stats, sidecars, manifests), and every task writes several. Through
 * fs/promises each was four or five round trips to libuv's thread pool
 * (mkdir, open, write, close, rename) that the task's thread slept through
 * and woke up from, which cost more than the writes.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = temporaryPath(path);
  const fd = openForWriting(tmp);
  try {
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      for (let at = 0; at < bytes.byteLength; ) at += writeSync(fd, bytes, at, bytes.byteLength - at);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

/**
 * Opens `path` for writing (created or truncated) and returns its descriptor;
 * its directory is made only when the open finds it missing, which saves a
 * call per file in the usual case where it exists.
 */
export function openForWriting(path: string): number {
  try {
    return openSync(path, 'w');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    mkdirSync(dirname(path), { recursive: true });
    return openSync(path, 'w');
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  // One buffer, read into again and again: a stream would allocate a fresh chunk per read, and
  // megabytes of short-lived buffers per shard make V8 collect garbage far more often.
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

export async function fileExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Records a finished task: stats first, then the marker. A task whose marker
 * exists is complete; one without is redone from scratch on the next run.
 */
export async function completeTask(runDir: string, stepDir: string, phase: string, taskId: string, stats: TaskStats): Promise<void> {
  const json = JSON.stringify(stats, null, 2) + '\n';
  await writeFileAtomic(join(runDir, statsPath(stepDir, phase, taskId)), json);
  await writeFileAtomic(join(runDir, markerPath(stepDir, phase, taskId)), json);
}

/** The stats of a completed task, or null when it has not completed. */
export async function readCompletedTask(runDir: string, stepDir: string, phase: string, taskId: string): Promise<TaskStats | null> {
  try {
    return JSON.parse(await readFile(join(runDir, markerPath(stepDir, phase, taskId)), 'utf8')) as TaskStats;
  } catch {
    return null;
  }
}

/** The step directories of a run (`steps/NN-name`, run-relative), in pipeline order. */
export async function listStepDirs(runDir: string): Promise<string[]> {
  const names = await readdir(join(runDir, 'steps')).catch(() => [] as string[]);
  return names.filter((d) => /^\d+-.+/.test(d)).sort().map((d) => join('steps', d));
}

/** The keys (`<phase>-<task id>`) of a step's completed tasks, sorted; none when the step has not started. */
export async function listCompletedTasks(runDir: string, stepDir: string): Promise<string[]> {
  const names = await readdir(join(runDir, stepDir, 'done')).catch(() => [] as string[]);
  return names.filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)).sort();
}

/** A completed task of a step, as its done marker records it. */
export interface StepMarker {
  /** `<phase>-<task id>`. */
  key: string;
  /** The marker file, run-relative. */
  path: string;
  stats: TaskStats;
}

/**
 * The done markers of a step, in key order: what every reader of a run (the
 * orchestrator, the inspector, the SQL catalog, the report, the queue
 * status) takes as the step's completed tasks. A marker removed while this
 * reads (a task being redone) is left out; one that is not a task's stats is
 * a CORRUPT_INTERMEDIATE error naming it.
 */
export async function readStepMarkers(runDir: string, stepDir: string): Promise<StepMarker[]> {
  const markers: StepMarker[] = [];
  for (const key of await listCompletedTasks(runDir, stepDir)) {
    const path = join(stepDir, 'done', `${key}.json`);
    let text: string;
    try {
      text = await readFile(join(runDir, path), 'utf8');
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') continue;
      throw error;
    }
    let stats: Partial<TaskStats>;
    try {
      stats = JSON.parse(text) as Partial<TaskStats>;
    } catch (error) {
      throw new FoxdenError('CORRUPT_INTERMEDIATE', `done marker ${join(runDir, path)} is not valid JSON: ${(error as Error).message}`, { file: join(runDir, path), cause: error });
    }
    if (!stats || !Array.isArray(stats.outputs)) {
      throw new FoxdenError('CORRUPT_INTERMEDIATE', `done marker ${join(runDir, path)} has no outputs list`, { file: join(runDir, path) });
    }
    markers.push({ key, path, stats: stats as TaskStats });
  }
  return markers;
}

/** Removes a task's marker so that it runs again (`--force`). */
export async function clearTask(runDir: string, stepDir: string, phase: string, taskId: string): Promise<void> {
  await rm(join(runDir, markerPath(stepDir, phase, taskId)), { force: true });
}

/**
 * Path of a JSON schema in the repository's schemas/ (the contracts between
 * packages). Found from this module's real path (src/ and dist/ sit at the
 * same depth): a package loaded through its node_modules/@foxden symlink, as
 * BullMQ's sandboxed processors may load it, would otherwise look in
 * node_modules/schemas.
 */
export function schemaFile(name: string): string {
  return join(dirname(realpathSync(fileURLToPath(import.meta.url))), '../../../schemas', name);
}
