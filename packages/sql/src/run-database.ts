import { join, resolve, sep } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { FoxdenError, compactedSidecarPath, sidecarPath, sidecarSetDigest, stepDirName } from '@foxden/core';
import { readCompactedStep, verifyCompactedSidecar, verifySidecar } from '@foxden/shards';
import { ArrowFileSync } from './arrow-file-sync.js';
import { duckdb } from './duckdb.js';
import { readRunCatalog, type CatalogShard, type RunCatalog } from './run-catalog.js';
import { registerShardFunctions } from './table-functions.js';
import { sqlString } from '@foxden/shards';
import { BASE_COLUMNS, SHARD_TABLE, SHARD_TABLE_DDL, viewStatements, type ParquetGroup, type ViewSources } from './views.js';

export interface RunDatabaseOptions {
  /**
   * Threads DuckDB may use. Default: DuckDB's own default (all cores). The
   * shard scans themselves run on the JS thread whatever this is.
   */
  threads?: number;
  /** DuckDB memory limit, e.g. "2GB". Default: DuckDB's default (80% of RAM). */
  memoryLimit?: string;
  /**
   * Read the `docs`, `drops` and `shards` views from the shards' Parquet
   * sidecars (checked against their done markers' size and sha256 when the
   * database opens). Default true; a kind with a shard lacking a sidecar (a
   * run written before sidecars existed) is read from its Arrow shards
   * either way. false reads every view from the Arrow shards.
   */
  sidecars?: boolean;
  /**
   * Where a step has compacted its sidecars (`<step>/compacted/<kind>.parquet`,
   * recorded in `<step>/compacted.json` for exactly the step's completed
   * tasks), read that one file instead of the step's task sidecars; it is
   * verified against its record's size and sha256 when the database opens.
   * Default true; false reads the task sidecars (same rows). Has no effect
   * with `sidecars: false`.
   */
  compacted?: boolean;
}

/** A query result: column names and types, and rows as arrays in column order. */
export interface QueryResult {
  columns: { name: string; type: string }[];
  /**
   * Row values as JS values. Integers that fit a double are numbers; larger
   * ones (HUGEINT sums) stay bigint. Lists are arrays, structs are objects.
   */
  rows: unknown[][];
}

/** An in-memory DuckDB database whose views read one run's shards. */
export interface RunDatabase {
  readonly runDir: string;
  /** What was read from the run directory when the database was opened. */
  readonly catalog: RunCatalog;
  /** The Parquet files the `docs` and `drops` views read (null for a kind read from the Arrow shards). */
  readonly sources: ViewSources;
  /** Runs SQL (one or more statements; the result of the last one is returned). A DuckDB error is a BAD_CONFIG FoxdenError carrying DuckDB's message. */
  query(sql: string): Promise<QueryResult>;
  /** The underlying connection, for streaming or appending. */
  readonly connection: DuckDBConnection;
  /** Releases DuckDB; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Opens an in-memory DuckDB over a run directory: registers the
 * `arrow_shard(path)` and `foxden_shards(kind)` table functions, fills the
 * shard table from the done markers and creates the views `shards`, `docs`,
 * `drops` and `sequences` (docs/sql.md). Extension auto-install and
 * auto-load are off, so DuckDB never reaches for the network; the Parquet and
 * JSON readers are built into the bundled DuckDB.
 */
export async function openRunDatabase(runDir: string, options: RunDatabaseOptions = {}): Promise<RunDatabase> {
  const catalog = await readRunCatalog(runDir);
  const planned = await viewSources(runDir, catalog.shards, options.sidecars ?? true, options.compacted ?? true);
  const config: Record<string, string> = {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    allow_community_extensions: 'false',
  };
  if (options.threads !== undefined) {
    if (!Number.isInteger(options.threads) || options.threads < 1) throw new FoxdenError('BAD_CONFIG', `threads must be a positive integer, got ${options.threads}`);
    config['threads'] = String(options.threads);
  }
  if (options.memoryLimit !== undefined) config['memory_limit'] = options.memoryLimit;
  const instance = await duckdb.DuckDBInstance.create(':memory:', config);
  const connection = await instance.connect();
  let sources: ViewSources;
  try {
    sources = await withColumns(connection, planned, resolve(runDir) + sep);
    registerShardFunctions(connection, runDir, catalog.shards, BASE_COLUMNS);
    await connection.run(SHARD_TABLE_DDL);
    await fillShardTable(connection, runDir, catalog.shards);
    const hasStages = catalog.shards.some((s) => s.kind === 'stage');
    for (const statement of viewStatements(hasStages, sources)) await connection.run(statement);
  } catch (error) {
    connection.closeSync();
    instance.closeSync();
    throw FoxdenError.from(error);
  }
  return new DuckRunDatabase(runDir, catalog, sources, instance, connection);
}

class DuckRunDatabase implements RunDatabase {
  private closed = false;

  constructor(
    readonly runDir: string,
    readonly catalog: RunCatalog,
    readonly sources: ViewSources,
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  async query(sql: string): Promise<QueryResult> {
    if (this.closed) throw new FoxdenError('INTERNAL', 'query on a closed run database');
    let reader;
    try {
      reader = await this.connection.runAndReadAll(sql);
    } catch (error) {
      throw new FoxdenError('BAD_CONFIG', (error as Error).message, { cause: error });
    }
    const names = reader.columnNames();
    const types = reader.columnTypes();
    const columns = names.map((name, i) => ({ name, type: String(types[i]) }));
    const rows = reader.getRowsJS().map((row) => row.map(normalise));
    return { columns, rows };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** bigint -> number where exact, recursively, so results print and serialise plainly. */
function normalise(value: unknown): unknown {
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === 'object' && !(value instanceof Date) && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v)]));
  }
  return value;
}

/** Loads the shard list into the shard table, with the stage metadata read from each stage shard's footer. */
async function fillShardTable(connection: DuckDBConnection, runDir: string, shards: readonly CatalogShard[]): Promise<void> {
  const appender = await connection.createAppender(SHARD_TABLE);
  try {
    for (const s of shards) {
      appender.appendVarchar(s.path);
      appender.appendVarchar(s.kind);
      appender.appendVarchar(s.step);
      appender.appendInteger(s.step_index);
      if (s.step_type === null) appender.appendNull();
      else appender.appendVarchar(s.step_type);
      appender.appendVarchar(s.task);
      appender.appendBigInt(BigInt(s.rows));
      appender.appendBigInt(BigInt(s.bytes));
      appender.appendVarchar(s.sha256);
      if (s.kind === 'stage') {
        const meta = ArrowFileSync.open(join(runDir, s.path)).metadata;
        const index = Number(meta['foxden.stage.index']);
        const seqLen = Number(meta['foxden.stage.seq_len']);
        if (!Number.isInteger(index) || !Number.isInteger(seqLen) || meta['foxden.stage.name'] === undefined) {
          throw new FoxdenError('CORRUPT_INTERMEDIATE', `stage shard ${s.path} lacks foxden.stage.index/name/seq_len metadata`, { file: join(runDir, s.path) });
        }
        appender.appendInteger(index);
        appender.appendVarchar(meta['foxden.stage.name']);
        appender.appendInteger(seqLen);
      } else {
        appender.appendNull();
        appender.appendNull();
        appender.appendNull();
      }
      if (s.sidecar) {
        appender.appendVarchar(s.sidecar.path);
        appender.appendBigInt(BigInt(s.sidecar.bytes));
        appender.appendVarchar(s.sidecar.sha256);
        appender.appendVarchar(join(resolve(runDir), s.sidecar.path));
      } else {
        for (let i = 0; i < 4; i++) appender.appendNull();
      }
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

/** Sidecar checks run at once: each is a stat and a read of a file of a few hundred KB. */
const VERIFY_CONCURRENCY = 8;

/** One step's Parquet files of a kind, before their columns are known. */
interface PlannedGroup {
  step: string;
  files: string[];
  compacted: boolean;
}

/**
 * Decides, per kind the views read (tokens, drops), where the rows come
 * from. Parquet only when every shard of the kind has a sidecar at the
 * layout's place (sidecarPath, under its own step directory); otherwise the
 * Arrow shards. Then per step: its compacted file when the step's record
 * names one made from exactly the sidecars of the step's completed tasks
 * (same digest), else its task sidecars. Every file read is verified against
 * its record's size and sha256 (a changed one fails the open, naming the file).
 */
async function viewSources(runDir: string, shards: readonly CatalogShard[], useSidecars: boolean, useCompacted: boolean): Promise<Record<'tokens' | 'drops', PlannedGroup[] | null>> {
  const runPrefix = resolve(runDir) + sep;
  const checks: (() => Promise<unknown>)[] = [];
  const pick = async (kind: string): Promise<PlannedGroup[] | null> => {
    if (!useSidecars) return null;
    const ofKind = shards.filter((s) => s.kind === kind);
    const usable = ofKind.length > 0 && ofKind.every((s) =>
      s.sidecar !== undefined && s.path.endsWith('.arrow') && s.sidecar.path === sidecarPath(s.path)
      && s.path.startsWith(`${stepDirName(s.step_index, s.step)}/`));
    if (!usable) return null;
    const groups: PlannedGroup[] = [];
    for (const stepIndex of [...new Set(ofKind.map((s) => s.step_index))]) {
      const ofStep = ofKind.filter((s) => s.step_index === stepIndex);
      const step = ofStep[0]!.step;
      const stepDir = stepDirName(stepIndex, step);
      const record = useCompacted ? await readCompactedStep(runDir, stepDir) : null;
      const compacted = record?.files.find((f) => f.kind === kind && f.path === compactedSidecarPath(stepDir, kind)
        && f.sources === sidecarSetDigest(ofStep) && f.rows === ofStep.reduce((n, s) => n + s.rows, 0));
      if (compacted) {
        checks.push(() => verifyCompactedSidecar(runDir, step, compacted));
        groups.push({ step, files: [runPrefix + compacted.path], compacted: true });
      } else {
        for (const s of ofStep) checks.push(() => verifySidecar(runDir, s));
        groups.push({ step, files: ofStep.map((s) => runPrefix + s.sidecar!.path), compacted: false });
      }
    }
    return groups;
  };
  const planned = { tokens: await pick('tokens'), drops: await pick('drops') };
  for (let at = 0; at < checks.length; at += VERIFY_CONCURRENCY) {
    await Promise.all(checks.slice(at, at + VERIFY_CONCURRENCY).map((check) => check()));
  }
  return planned;
}

/**
 * Reads each step's column names from the footer of its first file (the
 * files of one step share their columns), so that a view column a step's
 * files lack (`extraction` in token sidecars written before it existed)
 * reads as NULL; then merges the groups with the same form and columns into
 * one `read_parquet` each.
 */
async function withColumns(connection: DuckDBConnection, planned: Record<'tokens' | 'drops', PlannedGroup[] | null>, runPrefix: string): Promise<ViewSources> {
  const merge = async (groups: PlannedGroup[] | null): Promise<ParquetGroup[] | null> => {
    if (!groups) return null;
    const merged = new Map<string, { files: string[]; compacted: boolean; columns: string[] }>();
    for (const g of groups) {
      const reader = await connection.runAndReadAll(`SELECT name FROM parquet_schema(${sqlString(g.files[0]!)}) WHERE num_children IS NULL OR num_children = 0`);
      const columns = reader.getRowsJS().map((r) => String(r[0])).sort();
      const key = `${g.compacted}\u0000${columns.join('\u0000')}`;
      const into = merged.get(key);
      if (into) into.files.push(...g.files);
      else merged.set(key, { files: [...g.files], compacted: g.compacted, columns });
    }
    return [...merged.values()];
  };
  return { tokens: await merge(planned.tokens), drops: await merge(planned.drops), runPrefix };
}
