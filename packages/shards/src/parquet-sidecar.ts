import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BIGINT, BOOLEAN, DOUBLE, DuckDBDataChunk, DuckDBInstance, FLOAT, INTEGER, UINTEGER, VARCHAR,
  type DuckDBAppender, type DuckDBConnection, type DuckDBType, type DuckDBValue,
} from '@duckdb/node-api';
import {
  FoxdenError, sha256File, sidecarPath, temporaryPath,
  type ColumnSpec, type ColumnType, type ShardOutput, type SidecarOutput,
} from '@foxden/core';
import { quoteIdent, sqlString } from './sql-text.js';

/** DuckDB's vector size: one data chunk holds at most this many rows. */
const CHUNK_ROWS = 2048;

const DUCKDB_TYPES: Partial<Record<ColumnType, { type: DuckDBType; sql: string }>> = {
  utf8: { type: VARCHAR, sql: 'VARCHAR' },
  float64: { type: DOUBLE, sql: 'DOUBLE' },
  float32: { type: FLOAT, sql: 'FLOAT' },
  int32: { type: INTEGER, sql: 'INTEGER' },
  int64: { type: BIGINT, sql: 'BIGINT' },
  uint32: { type: UINTEGER, sql: 'UINTEGER' },
  bool: { type: BOOLEAN, sql: 'BOOLEAN' },
};

/**
 * The columns of a shard that go into its sidecar: every column but `text`
 * and the list columns (token ids, segment lists), in the shard's order.
 */
export function sidecarColumns(columns: readonly ColumnSpec[]): ColumnSpec[] {
  return columns.filter((c) => c.name !== 'text' && DUCKDB_TYPES[c.type] !== undefined);
}

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });



/**
 * Writes the Parquet sidecar of one shard: its metadata columns (no text, no
 * lists), the same rows in the same order. Rows go batch by batch into a
 * table of its own in this thread's in-memory DuckDB (one thread, shared by
 * the thread's writers: starting a DuckDB costs about 15 ms, more than a small
 * shard's whole sidecar); close() writes the table
 * with DuckDB's Parquet writer (zstd) under a temporary name, hashes it and
 * renames it into place. One thread and one insertion order make the file a
 * function of the rows alone, so the same rows give the same bytes on every
 * runner (DuckDB's `created_by` string names its version, fixed by the lockfile).
 */
export class ParquetSidecarWriter {
  private closed = false;

  private constructor(
    /** Run-relative path of the sidecar. */
    readonly path: string,
    private readonly file: string,
    private readonly columns: readonly ColumnSpec[],
    private readonly table: string,
    private readonly connection: DuckDBConnection,
    private readonly appender: DuckDBAppender,
  ) {}

  /** Opens a sidecar for the shard at run-relative `shardPath` with the shard's `columns`. */
  static async create(runDir: string, shardPath: string, shardColumns: readonly ColumnSpec[]): Promise<ParquetSidecarWriter> {
    const columns = sidecarColumns(shardColumns);
    const path = sidecarPath(shardPath);
    const connection = await (await threadDatabase()).connect();
    const table = `sidecar_${nextTable++}`;
    try {
      const ddl = columns.map((c) => `${quoteIdent(c.name)} ${DUCKDB_TYPES[c.type]!.sql}`).join(', ');
      await connection.run(`CREATE TABLE ${table} (${ddl})`);
      const appender = await connection.createAppender(table);
      return new ParquetSidecarWriter(path, join(runDir, path), columns, table, connection, appender);
    } catch (error) {
      connection.closeSync();
      throw error;
    }
  }

  /** Appends the rows of one batch (the shard's row objects; columns not in the sidecar are ignored). */
  append(rows: readonly Record<string, unknown>[]): void {
    const types = this.columns.map((c) => DUCKDB_TYPES[c.type]!.type);
    for (let at = 0; at < rows.length; at += CHUNK_ROWS) {
      const slice = rows.slice(at, at + CHUNK_ROWS);
      const chunk = DuckDBDataChunk.create(types, slice.length);
      this.columns.forEach((c, j) => chunk.setColumnValues(j, slice.map((r) => duckdbValue(c, r[c.name]))));
      this.appender.appendDataChunk(chunk);
    }
  }

  /** Writes the Parquet file, renames it into place and returns its record. */
  async close(): Promise<SidecarOutput> {
    if (this.closed) throw new Error(`sidecar ${this.path} closed twice`);
    this.closed = true;
    const tmp = temporaryPath(this.file);
    try {
      this.appender.flushSync();
      this.appender.closeSync();
      // Insertion order is the shard's row order; one thread keeps it, and the row groups, fixed.
      await this.connection.run(`COPY ${this.table} TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
      const sha256 = await sha256File(tmp);
      const { size } = await stat(tmp);
      await rename(tmp, this.file);
      return { path: this.path, bytes: size, sha256 };
    } catch (error) {
      await rm(tmp, { force: true });
      throw FoxdenError.from(error);
    } finally {
      await this.release();
    }
  }

  /** Abandons the sidecar; nothing was written to disk yet. Safe to call after close(). */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      this.appender.closeSync();
    } catch {
      // The appender may already be invalid; the table is dropped below either way.
    }
    await this.release();
  }

  /** Drops the table (its rows are in the file now, or abandoned) and closes the connection. */
  private async release(): Promise<void> {
    try {
      await this.connection.run(`DROP TABLE IF EXISTS ${this.table}`);
    } finally {
      this.connection.closeSync();
    }
  }
}

/** This thread's DuckDB for sidecar tables, started on first use and kept for the thread's life. */
let database: Promise<DuckDBInstance> | undefined;
let nextTable = 0;

function threadDatabase(): Promise<DuckDBInstance> {
  database ??= DuckDBInstance.create(':memory:', {
    threads: '1', autoinstall_known_extensions: 'false', autoload_known_extensions: 'false', allow_community_extensions: 'false',
  });
  // A failed start is not kept: the next writer tries again.
  database.catch(() => {
    database = undefined;
  });
  return database;
}

/** A row value as the appender takes it: text as strings (UTF-8 bytes decoded), int64 as bigint. */
function duckdbValue(column: ColumnSpec, value: unknown): DuckDBValue {
  if (value === null || value === undefined) return null;
  switch (column.type) {
    case 'utf8': return value instanceof Uint8Array ? utf8.decode(value) : String(value);
    case 'int64': return BigInt(value as number | bigint);
    case 'bool': return value === true;
    default: return Number(value);
  }
}

/**
 * Checks a shard's sidecar against what its done marker recorded (size, then
 * sha256): a changed, truncated or missing sidecar is a CORRUPT_INTERMEDIATE
 * error naming the file. Returns the sidecar's absolute path.
 */
export async function verifySidecar(runDir: string, shard: Pick<ShardOutput, 'path' | 'sidecar'>): Promise<string> {
  const sidecar = shard.sidecar;
  if (!sidecar) throw new FoxdenError('INTERNAL', `shard ${shard.path} has no sidecar to verify`);
  const file = join(runDir, sidecar.path);
  const info = await stat(file).catch((e: unknown) => {
    throw new FoxdenError('CORRUPT_INTERMEDIATE', `Parquet sidecar ${file} of shard ${shard.path} cannot be read: ${(e as Error).message}`, { file, cause: e });
  });
  const refuse = (what: string) => new FoxdenError(
    'CORRUPT_INTERMEDIATE',
    `Parquet sidecar ${file} ${what}: it was changed or truncated after the task that wrote it completed; running the pipeline again with --force redoes that step`,
    { file },
  );
  if (info.size !== sidecar.bytes) throw refuse(`is ${info.size} bytes, expected ${sidecar.bytes}`);
  const actual = await sha256File(file);
  if (actual !== sidecar.sha256) throw refuse(`has sha256 ${actual}, expected ${sidecar.sha256}`);
  return file;
}
