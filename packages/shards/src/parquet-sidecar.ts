import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { RecordBatch, Table, tableToIPC, type Data, type Schema } from '#apache-arrow';
import { initSync as instantiateParquetWasm, Compression, Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm/esm';
import {
  FoxdenError, sha256File, sidecarPath, writeFileAtomic,
  type ColumnSpec, type ColumnType, type ShardOutput, type SidecarOutput,
} from '@foxden/core';
import { arrowSchema, structData } from './columns.js';
import { loadOnce } from './load-once.js';

/** The column types a sidecar carries: the scalar ones (lists stay in the Arrow shard). */
const SIDECAR_TYPES: ReadonlySet<ColumnType> = new Set(['utf8', 'float64', 'float32', 'int32', 'int64', 'uint32', 'bool']);

/**
 * The columns of a shard that go into its sidecar: every column but `text`
 * and the list columns (token ids, segment lists), in the shard's order.
 */
export function sidecarColumns(columns: readonly ColumnSpec[]): ColumnSpec[] {
  return columns.filter((c) => c.name !== 'text' && SIDECAR_TYPES.has(c.type));
}

/**
 * parquet-wasm's WebAssembly, loaded when the first sidecar of a thread is
 * created and awaited when it is written. `WebAssembly.compile` compiles
 * its 5 MB on V8's helper threads while the task reads its input; the
 * package's Node build compiled it on the importing thread as the module
 * loaded, about 75 ms of every task thread's start. Both builds ship the same
 * .wasm file, so the bytes written are the same.
 */
const loadParquetWasm = loadOnce(async () => {
  const bytes = await readFile(createRequire(import.meta.url).resolve('parquet-wasm/esm/parquet_wasm_bg.wasm'));
  // Compiled here and instantiated with initSync: the package's async init asks
  // `typeof Request` and `typeof Response` whatever it is given, and in Node the
  // first such question loads undici (fetch), about 25 ms of a thread's start.
  return instantiateParquetWasm({ module: await WebAssembly.compile(bytes) });
});

/** The one WebAssembly call this file makes (the project's TypeScript libraries do not declare the global). */
declare const WebAssembly: { compile(bytes: Uint8Array): Promise<unknown> };

/** Written into every sidecar's footer instead of the writer's default, which names its version. */
const CREATED_BY = 'foxden sidecar writer (parquet-wasm)';

/**
 * Writes the Parquet sidecar of one shard: its metadata columns (no text, no
 * lists), the same rows in the same order. The shard writer hands over the
 * Arrow column data of each batch it writes; the sidecar keeps the columns it
 * carries (a few hundred bytes a row, as DuckDB's in-memory table did
 * before) and close() writes them with arrow-rs's Parquet writer compiled to
 * WebAssembly (parquet-wasm: zstd, one row group per million rows),
 * in this thread, with no round trip through a database or the thread pool:
 * about 1 ms for a small shard where DuckDB took 3.3. Then it hashes the
 * bytes in memory and writes them atomically (writeFileAtomic). The same rows
 * give the same bytes on every runner (the writer's version is fixed by the
 * lockfile, and `created_by` does not name it).
 */
export class ParquetSidecarWriter {
  private batches: RecordBatch[] = [];
  private closed = false;

  private constructor(
    /** Run-relative path of the sidecar. */
    readonly path: string,
    private readonly file: string,
    private readonly schema: Schema,
    /** For each sidecar column, its index among the shard's columns. */
    private readonly picks: readonly number[],
  ) {}

  /** Opens a sidecar for the shard at run-relative `shardPath` with the shard's `columns`. */
  static create(runDir: string, shardPath: string, shardColumns: readonly ColumnSpec[]): ParquetSidecarWriter {
    const columns = sidecarColumns(shardColumns);
    const path = sidecarPath(shardPath);
    const picks = columns.map((c) => shardColumns.indexOf(c));
    void loadParquetWasm();
    return new ParquetSidecarWriter(path, join(runDir, path), arrowSchema(columns), picks);
  }

  /** Takes one batch of the shard: its column data, in the shard's column order, and its row count. */
  append(shardChildren: readonly Data[], rows: number): void {
    if (this.closed) throw new Error(`sidecar ${this.path} appended to after close`);
    const children = this.picks.map((i) => shardChildren[i]!);
    this.batches.push(new RecordBatch(this.schema, structData(this.schema, children, rows)));
  }

  /** Writes the Parquet file, renames it into place and returns its record. */
  async close(): Promise<SidecarOutput> {
    if (this.closed) throw new Error(`sidecar ${this.path} closed twice`);
    this.closed = true;
    try {
      await loadParquetWasm();
      const table = this.batches.length > 0 ? new Table(this.batches) : new Table(this.schema);
      this.batches = [];
      const properties = new WriterPropertiesBuilder().setCompression(Compression.ZSTD).setCreatedBy(CREATED_BY).build();
      // Both the WebAssembly table and the properties are consumed (freed) by the write.
      const bytes = writeParquet(WasmTable.fromIPCStream(tableToIPC(table, 'stream')), properties);
      await writeFileAtomic(this.file, bytes);
      return { path: this.path, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
    } catch (error) {
      throw FoxdenError.from(error);
    }
  }

  /** Abandons the sidecar; nothing was written to disk yet. Safe to call after close(). */
  abort(): void {
    this.closed = true;
    this.batches = [];
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
