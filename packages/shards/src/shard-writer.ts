import { createHash, type Hash } from 'node:crypto';
import { closeSync, renameSync, rmSync, writevSync } from 'node:fs';
import { join, relative } from 'node:path';
import { AsyncByteQueue, RecordBatch, RecordBatchFileWriter, type Schema } from '#apache-arrow';
import { SIDECAR_KINDS, openForWriting, temporaryPath, type ColumnSpec, type ShardOutput } from '@foxden/core';
import { arrowSchema, buildColumn, structData } from './columns.js';
import { ParquetSidecarWriter } from './parquet-sidecar.js';

/** The file is written in pieces of about this many bytes (see FileSink). */
const WRITE_BYTES = 1 << 20;

export interface ShardWriterOptions {
  /** Run-relative path of the shard; the file is `join(runDir, path)`. */
  path: string;
  runDir: string;
  /** What the shard holds ("documents", "drops", "tokens", ...); recorded in metadata and outputs. */
  kind: string;
  columns: readonly ColumnSpec[];
  /** Schema metadata (tokenizer identity, step name). Keys are sorted when written. */
  metadata?: Record<string, string>;
  /** Rows per record batch. Default 1024. */
  batchRows?: number;
  /** A batch is also flushed once its text reaches this many bytes. Default 8 MiB. */
  batchBytes?: number;
  /**
   * Whether to write the Parquet sidecar (the metadata columns as
   * `<name>.parquet`, recorded in the output's `sidecar`). Default: true for
   * the kinds in SIDECAR_KINDS (documents, drops, tokens), false otherwise.
   */
  sidecar?: boolean;
}

/**
 * Writes an Arrow IPC file batch by batch, so memory holds one batch however
 * large the shard grows. The file is written under a temporary name and
 * renamed when complete; the sha256 is computed from the bytes as they pass.
 * Writes are synchronous (see FileSink), so a failed write throws from the
 * append or close that caused it.
 * Document, drop and token shards also get a Parquet sidecar of their
 * metadata columns (parquet-sidecar.ts), written and renamed before close()
 * returns, so a task's done marker never names a sidecar that is not complete.
 */
export class ShardWriter {
  readonly path: string;
  readonly kind: string;
  private readonly file: string;
  private readonly tmp: string;
  private readonly schema: Schema;
  private readonly columns: readonly ColumnSpec[];
  private readonly batchRows: number;
  private readonly batchBytes: number;
  private readonly writer: RecordBatchFileWriter;
  private readonly sink: FileSink;
  private pending: Record<string, unknown>[] = [];
  private pendingBytes = 0;
  private rowCount = 0;
  private closed = false;
  private readonly runDir: string;
  private readonly sidecar: ParquetSidecarWriter | null;

  private constructor(options: ShardWriterOptions, file: string, tmp: string, fd: number, sidecar: ParquetSidecarWriter | null) {
    this.sidecar = sidecar;
    this.path = options.path;
    this.kind = options.kind;
    this.runDir = options.runDir;
    this.file = file;
    this.tmp = tmp;
    this.columns = options.columns;
    this.schema = arrowSchema(options.columns, { 'foxden.kind': options.kind, ...(options.metadata ?? {}) });
    this.batchRows = options.batchRows ?? 1024;
    this.batchBytes = options.batchBytes ?? 8 * 1024 * 1024;
    this.sink = new FileSink(fd);
    // autoDestroy (the default, made explicit): finish() writes the footer and then closes the sink.
    this.writer = new RecordBatchFileWriter({ autoDestroy: true });
    // Given a byte queue, the writer writes into it; FileSink is one that writes to the file instead of queueing.
    this.writer.reset(this.sink, this.schema);
  }

  static async create(options: ShardWriterOptions): Promise<ShardWriter> {
    const file = join(options.runDir, options.path);
    const tmp = temporaryPath(file);
    const fd = openForWriting(tmp);
    const withSidecar = options.sidecar ?? SIDECAR_KINDS.includes(options.kind);
    try {
      const sidecar = withSidecar ? ParquetSidecarWriter.create(options.runDir, options.path, options.columns) : null;
      return new ShardWriter(options, file, tmp, fd, sidecar);
    } catch (error) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      throw error;
    }
  }

  get rows(): number {
    return this.rowCount + this.pending.length;
  }

  async append(row: Record<string, unknown>): Promise<void> {
    this.pending.push(row);
    const text = row['text'];
    if (typeof text === 'string') this.pendingBytes += text.length;
    const tokens = row['tokens'] as ArrayLike<number> | undefined;
    if (tokens && typeof tokens.length === 'number') this.pendingBytes += tokens.length * 4;
    if (this.pending.length >= this.batchRows || this.pendingBytes >= this.batchBytes) this.flush();
  }

  async appendAll(rows: Iterable<Record<string, unknown>>): Promise<void> {
    for (const row of rows) await this.append(row);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    const children = this.columns.map((c) => buildColumn(c, rows.map((r) => r[c.name])));
    this.writer.write(new RecordBatch(this.schema, structData(this.schema, children, rows.length)));
    this.sidecar?.append(children, rows.length);
    this.rowCount += rows.length;
  }

  /** Finishes the file, renames it into place and returns its record for the task's outputs. */
  async close(): Promise<ShardOutput> {
    if (this.closed) throw new Error(`shard ${this.path} closed twice`);
    this.closed = true;
    try {
      this.flush();
      // Writes the footer and closes the sink, which writes what it holds and closes the file.
      this.writer.finish();
      renameSync(this.tmp, this.file);
    } catch (error) {
      this.sink.abandon();
      rmSync(this.tmp, { force: true });
      this.sidecar?.abort();
      throw error;
    }
    const output: ShardOutput = { path: relative(this.runDir, this.file), kind: this.kind, rows: this.rowCount, bytes: this.sink.bytes, sha256: this.sink.hash.digest('hex') };
    if (this.sidecar) output.sidecar = await this.sidecar.close();
    return output;
  }

  /** Abandons the shard and removes its temporary file. Safe to call after close(). */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sink.abandon();
    rmSync(this.tmp, { force: true });
    this.sidecar?.abort();
  }
}

/**
 * Where Arrow's writer puts the file's bytes: straight into the file, in
 * synchronous writes of about WRITE_BYTES, hashed and counted as they pass.
 * Arrow's writer emits each message as many small chunks (metadata, every
 * buffer, its padding); through a file stream each write was a round trip to
 * libuv's thread pool that the task thread waited for, and a task of the
 * ingest step waited for a few dozen of them (open, writes, close) per shard.
 * A write of a megabyte to the page cache costs less than waking up for it.
 * Held bytes are at most one piece, so memory stays at about one batch.
 */
class FileSink extends AsyncByteQueue {
  readonly hash: Hash = createHash('sha256');
  bytes = 0;
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private fd: number | null;

  constructor(fd: number) {
    super();
    this.fd = fd;
  }

  override write(value: Uint8Array): void {
    if (this.fd === null || value.byteLength === 0) return;
    this.hash.update(value);
    this.bytes += value.byteLength;
    this.held.push(value);
    this.heldBytes += value.byteLength;
    if (this.heldBytes >= WRITE_BYTES) this.writeHeld();
  }

  override close(): void {
    if (this.fd !== null) {
      this.writeHeld();
      closeSync(this.fd);
      this.fd = null;
    }
    return super.close();
  }

  /** Closes the file without writing what is held (the shard is being thrown away). Safe to call twice. */
  abandon(): void {
    this.held = [];
    this.heldBytes = 0;
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private writeHeld(): void {
    const pieces = this.held;
    const bytes = this.heldBytes;
    this.held = [];
    this.heldBytes = 0;
    if (bytes === 0) return;
    // libuv writes every piece, going on after short writes, or throws (a full disk): a short count is a bug.
    const written = writevSync(this.fd!, pieces);
    if (written !== bytes) throw new Error(`wrote ${written} of ${bytes} bytes to a shard file`);
  }
}
