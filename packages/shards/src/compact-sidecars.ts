import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve, sep } from 'node:path';
import {
  COMPACTED_KINDS, FoxdenError, compareText, compactedRecordPath, compactedSidecarPath, sha256File, sidecarPath, sidecarSetDigest,
  temporaryPath, writeFileAtomic, type CompactedSidecar, type CompactedStep, type ShardOutput,
} from '@foxden/core';
import { loadOnce } from './load-once.js';
import { sqlString } from './sql-text.js';

/**
 * Whether a shard's sidecar can go into a compacted file: it has one, at the
 * layout's place beside an `.arrow` shard, so that the shard path can be
 * computed back from the sidecar's file name (the SQL views rely on the same rule).
 */
export function compactableShard(shard: Pick<ShardOutput, 'path' | 'sidecar'>): boolean {
  return shard.sidecar !== undefined && shard.path.endsWith('.arrow') && shard.sidecar.path === sidecarPath(shard.path);
}

/** The record of a step's compacted sidecars, or null when there is none (or it cannot be parsed: then it is rewritten). */
export async function readCompactedStep(runDir: string, stepDir: string): Promise<CompactedStep | null> {
  const text = await readFile(join(runDir, compactedRecordPath(stepDir)), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    const record = JSON.parse(text) as CompactedStep;
    return Array.isArray(record.files) ? record : null;
  } catch {
    return null;
  }
}

/**
 * Removes a step's compacted sidecars: the record first (so no reader takes
 * a file that is about to go), then the files. A step that is redone or
 * invalidated calls this before its tasks run.
 */
export async function removeStepCompaction(runDir: string, stepDir: string): Promise<void> {
  await rm(join(runDir, compactedRecordPath(stepDir)), { force: true });
  await rm(join(runDir, stepDir, 'compacted'), { recursive: true, force: true });
}

/**
 * Compacts the Parquet sidecars of a completed step into one file per kind
 * (COMPACTED_KINDS): `<stepDir>/compacted/<kind>.parquet`, the sidecars' rows
 * in shard path order with `shard` and `shard_row` added, then records each
 * file's rows, size, sha256 and the digest of the sidecars it holds in
 * `<stepDir>/compacted.json`. DuckDB streams the rows from the sidecars to
 * the new file (`COPY (SELECT ... FROM read_parquet([...])) TO`, one thread,
 * so the order and the bytes are a function of the sidecars alone); no row
 * passes through JS. Each file is written under a temporary name and renamed,
 * the record last.
 *
 * Idempotent: a kind whose recorded file was made from the same sidecars and
 * is on disk with its recorded size and sha256 is kept, so calling it again
 * after a crash (or on every resume) writes only what is missing. A kind with
 * a shard lacking a sidecar is not compacted (the views read the Arrow shards
 * for it). Returns the record, or null when the step has nothing to compact.
 *
 * `outputs` are the outputs of every completed task of the step (any kinds, any order).
 */
export async function compactStepSidecars(runDir: string, stepDir: string, step: string, outputs: readonly ShardOutput[]): Promise<CompactedStep | null> {
  const previous = await readCompactedStep(runDir, stepDir);
  const files: CompactedSidecar[] = [];
  for (const kind of [...COMPACTED_KINDS].sort()) {
    const shards = outputs.filter((o) => o.kind === kind).sort((a, b) => compareText(a.path, b.path));
    if (shards.length === 0 || !shards.every(compactableShard)) continue;
    const sources = sidecarSetDigest(shards);
    const path = compactedSidecarPath(stepDir, kind);
    const kept = previous?.files.find((f) => f.kind === kind && f.path === path && f.sources === sources);
    if (kept && (await intact(join(runDir, path), kept))) {
      files.push(kept);
      continue;
    }
    files.push(await writeCompacted(runDir, path, kind, shards, sources));
  }
  const record: CompactedStep = { step, files };
  if (files.length === 0) {
    await removeStepCompaction(runDir, stepDir);
    return null;
  }
  const json = JSON.stringify(record, null, 2) + '\n';
  const file = join(runDir, compactedRecordPath(stepDir));
  if ((await readFile(file, 'utf8').catch(() => null)) !== json) await writeFileAtomic(file, json);
  // Files of kinds no longer compacted (and temporary files of a crashed compaction) go.
  const wanted = new Set(files.map((f) => basename(f.path)));
  for (const name of await readdir(join(runDir, stepDir, 'compacted')).catch(() => [] as string[])) {
    if (!wanted.has(name)) await rm(join(runDir, stepDir, 'compacted', name), { force: true });
  }
  return record;
}

/**
 * Starts loading DuckDB (about 150 ms of module loading and a native
 * library) without waiting for it. The orchestrator calls it as a step's
 * tasks start: its thread waits on the workers then, and the step's
 * compaction finds DuckDB loaded instead of paying for it after the last
 * task. Loaded lazily, not at the top of this module: task threads import
 * this package for its writers and never compact.
 */
export function preloadCompaction(): void {
  void loadDuckDB();
}

/**
 * A failed load is reported by the compaction that needs it, and tried again by the next.
 *
 * Required, not imported: @duckdb/node-api is CommonJS, and Node reads a CommonJS package that an
 * ES module imports with its export lexer first (cjs-module-lexer, JavaScript run cold, following
 * every re-export). That doubled the load: 285-314 ms against 144-157 ms, 348 against 176 ms of
 * CPU, in every `foxden run` (docs/benchmarks.md, twenty-third session).
 */
const loadDuckDB = loadOnce(async () => createRequire(import.meta.url)('@duckdb/node-api') as typeof import('@duckdb/node-api'));

async function intact(file: string, recorded: CompactedSidecar): Promise<boolean> {
  const info = await stat(file).catch(() => null);
  if (!info || info.size !== recorded.bytes) return false;
  return (await sha256File(file)) === recorded.sha256;
}

async function writeCompacted(runDir: string, path: string, kind: string, shards: readonly ShardOutput[], sources: string): Promise<CompactedSidecar> {
  const file = join(runDir, path);
  const tmp = temporaryPath(file);
  const prefix = resolve(runDir) + sep;
  const list = shards.map((s) => sqlString(prefix + s.sidecar!.path)).join(', ');
  const { DuckDBInstance } = await loadDuckDB();
  // One thread keeps the sidecars' order (the list's, then each file's rows) and fixes the row groups.
  const instance = await DuckDBInstance.create(':memory:', {
    threads: '1', autoinstall_known_extensions: 'false', autoload_known_extensions: 'false', allow_community_extensions: 'false',
  });
  try {
    const connection = await instance.connect();
    try {
      await mkdir(dirname(file), { recursive: true });
      // union_by_name: a resumed step may mix sidecars written before and after a column was added.
      const rows = await connection.runAndReadAll(`COPY (
          SELECT * EXCLUDE (filename, file_row_number),
            regexp_replace(substr(filename, ${prefix.length + 1}), '\\.parquet$', '.arrow') AS shard,
            file_row_number AS shard_row
          FROM read_parquet([${list}], filename = true, file_row_number = true, union_by_name = true)
        ) TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
      const count = Number(rows.getRowsJS()[0]?.[0] ?? -1);
      const expected = shards.reduce((n, s) => n + s.rows, 0);
      if (count !== expected) {
        throw new FoxdenError('CORRUPT_INTERMEDIATE', `compacting ${kind} sidecars into ${file}: read ${count} rows, the markers record ${expected}`, { file });
      }
      const sha256 = await sha256File(tmp);
      const { size } = await stat(tmp);
      await rename(tmp, file);
      return { kind, path, rows: expected, bytes: size, sha256, shards: shards.length, sources };
    } finally {
      connection.closeSync();
    }
  } catch (error) {
    await rm(tmp, { force: true });
    throw FoxdenError.from(error);
  } finally {
    instance.closeSync();
  }
}

/**
 * Checks a compacted sidecar against its step's record (size, then sha256):
 * a changed, truncated or missing file is a CORRUPT_INTERMEDIATE error naming
 * it. Returns the file's absolute path.
 */
export async function verifyCompactedSidecar(runDir: string, step: string, compacted: CompactedSidecar): Promise<string> {
  const file = join(runDir, compacted.path);
  const info = await stat(file).catch((e: unknown) => {
    throw new FoxdenError('CORRUPT_INTERMEDIATE', `compacted Parquet file ${file} of step '${step}' cannot be read: ${(e as Error).message}`, { file, cause: e });
  });
  const refuse = (what: string) => new FoxdenError(
    'CORRUPT_INTERMEDIATE',
    `compacted Parquet file ${file} of step '${step}' ${what}: it was changed or truncated after the step completed; running the pipeline again rewrites it`,
    { file },
  );
  if (info.size !== compacted.bytes) throw refuse(`is ${info.size} bytes, expected ${compacted.bytes}`);
  const actual = await sha256File(file);
  if (actual !== compacted.sha256) throw refuse(`has sha256 ${actual}, expected ${compacted.sha256}`);
  return file;
}
