import { join, resolve, sep } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { FoxdenError, sidecarPath, stepDirName } from '@foxden/core';
import { verifySidecar } from '@foxden/shards';
import { ArrowFileSync } from './arrow-file-sync.js';
import { readRunCatalog, type CatalogShard, type RunCatalog } from './run-catalog.js';
import { registerShardFunctions } from './table-functions.js';
import { BASE_COLUMNS, SHARD_TABLE, SHARD_TABLE_DDL, viewStatements, type ViewSources } from './views.js';

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
  const sources = await viewSources(runDir, catalog.shards, options.sidecars ?? true);
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
  const instance = await DuckDBInstance.create(':memory:', config);
  const connection = await instance.connect();
  try {
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
  return new DuckRunDatabase(runDir, catalog, instance, connection);
}

class DuckRunDatabase implements RunDatabase {
  private closed = false;

  constructor(
    readonly runDir: string,
    readonly catalog: RunCatalog,
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

/**
 * Decides, per kind the views read (tokens, drops), whether the rows come
 * from the Parquet sidecars: only when every shard of the kind has one at
 * the layout's place (sidecarPath, under its own step directory), and then
 * each is verified against its marker's size and sha256 (a changed sidecar
 * fails the open, naming the file).
 */
async function viewSources(runDir: string, shards: readonly CatalogShard[], useSidecars: boolean): Promise<ViewSources> {
  const runPrefix = resolve(runDir) + sep;
  const pick = async (kind: string): Promise<string[] | null> => {
    if (!useSidecars) return null;
    const ofKind = shards.filter((s) => s.kind === kind);
    const usable = ofKind.length > 0 && ofKind.every((s) =>
      s.sidecar !== undefined && s.path.endsWith('.arrow') && s.sidecar.path === sidecarPath(s.path)
      && s.path.startsWith(`${stepDirName(s.step_index, s.step)}/`));
    if (!usable) return null;
    const files: string[] = new Array(ofKind.length);
    for (let at = 0; at < ofKind.length; at += VERIFY_CONCURRENCY) {
      await Promise.all(ofKind.slice(at, at + VERIFY_CONCURRENCY).map(async (s, i) => {
        await verifySidecar(runDir, s);
        files[at + i] = runPrefix + s.sidecar!.path;
      }));
    }
    return files;
  };
  return { tokens: await pick('tokens'), drops: await pick('drops'), runPrefix };
}
