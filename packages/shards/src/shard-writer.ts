import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RecordBatch, RecordBatchFileWriter, type Schema } from 'apache-arrow';
import { SIDECAR_KINDS, temporaryPath, type ColumnSpec, type ShardOutput } from '@foxden/core';
import { arrowSchema, buildColumn, structData } from './columns.js';
import { ParquetSidecarWriter } from './parquet-sidecar.js';

/** The file is written in pieces of about this many bytes (see hashAndCoalesce). */
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
  private readonly done: Promise<void>;
  private readonly hash = createHash('sha256');
  private bytesWritten = 0;
  private pending: Record<string, unknown>[] = [];
  private pendingBytes = 0;
  private rowCount = 0;
  private closed = false;
  private sink: ReturnType<typeof createWriteStream>;
  private readonly runDir: string;
  private readonly sidecar: ParquetSidecarWriter | null;

  private constructor(options: ShardWriterOptions, sidecar: ParquetSidecarWriter | null) {
    this.sidecar = sidecar;
    this.path = options.path;
    this.kind = options.kind;
    this.runDir = options.runDir;
    this.file = join(options.runDir, options.path);
    this.tmp = temporaryPath(this.file);
    this.columns = options.columns;
    this.schema = arrowSchema(options.columns, { 'foxden.kind': options.kind, ...(options.metadata ?? {}) });
    this.batchRows = options.batchRows ?? 1024;
    this.batchBytes = options.batchBytes ?? 8 * 1024 * 1024;
    this.writer = new RecordBatchFileWriter();
    this.writer.reset(undefined, this.schema);
    this.sink = createWriteStream(this.tmp);
    this.done = pipeline(this.writer.toNodeStream(), this.hashAndCoalesce(), this.sink);
    // A failed pipeline is reported by close(); keep it from being an unhandled rejection meanwhile.
    this.done.catch(() => undefined);
  }

  /**
   * Hashes and counts the file's bytes as they pass, and hands them on in
   * pieces of about WRITE_BYTES. Arrow's writer emits each message as many
   * small chunks (metadata, every buffer, its padding), and each chunk that
   * reached the file stream on its own was one write in the thread pool, a
   * round trip this thread waited for: about 55 per task of the ingest step,
   * most of its time closing a small shard. Held bytes are at most one piece.
   */
  private hashAndCoalesce(): Transform {
    let held: Buffer[] = [];
    let heldBytes = 0;
    const take = (): Buffer => {
      const piece = held.length === 1 ? held[0]! : Buffer.concat(held, heldBytes);
      held = [];
      heldBytes = 0;
      return piece;
    };
    return new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        this.hash.update(chunk);
        this.bytesWritten += chunk.length;
        held.push(chunk);
        heldBytes += chunk.length;
        cb(null, heldBytes >= WRITE_BYTES ? take() : undefined);
      },
      flush: (cb) => cb(null, heldBytes > 0 ? take() : undefined),
    });
  }

  static async create(options: ShardWriterOptions): Promise<ShardWriter> {
    await mkdir(dirname(join(options.runDir, options.path)), { recursive: true });
    const withSidecar = options.sidecar ?? SIDECAR_KINDS.includes(options.kind);
    const sidecar = withSidecar ? ParquetSidecarWriter.create(options.runDir, options.path, options.columns) : null;
    return new ShardWriter(options, sidecar);
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
    if (this.pending.length >= this.batchRows || this.pendingBytes >= this.batchBytes) await this.flush();
  }

  async appendAll(rows: Iterable<Record<string, unknown>>): Promise<void> {
    for (const row of rows) await this.append(row);
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    const children = this.columns.map((c) => buildColumn(c, rows.map((r) => r[c.name])));
    this.writer.write(new RecordBatch(this.schema, structData(this.schema, children, rows.length)));
    this.sidecar?.append(children, rows.length);
    this.rowCount += rows.length;
    await this.drain();
  }

  /**
   * Backpressure. Arrow's writer queues encoded bytes without limit and its
   * Node stream adapter pulls them as fast as the file accepts them, so a
   * fast producer would let the queue grow with the shard. Wait until the
   * queue is empty and the file stream has room: memory stays at about one batch.
   */
  private async drain(): Promise<void> {
    const queue = (this.writer as unknown as { _sink?: { _values?: unknown[] } })._sink;
    for (let spins = 0; ; spins++) {
      const queued = queue?._values?.length ?? 0;
      if (queued === 0 && !this.sink.writableNeedDrain) return;
      if (this.sink.writableNeedDrain) await new Promise<void>((resolve) => this.sink.once('drain', () => resolve()));
      else await new Promise<void>((resolve) => setImmediate(resolve));
      if (spins > 1e6) return;
    }
  }

  /** Finishes the file, renames it into place and returns its record for the task's outputs. */
  async close(): Promise<ShardOutput> {
    if (this.closed) throw new Error(`shard ${this.path} closed twice`);
    this.closed = true;
    try {
      await this.flush();
      this.writer.finish();
      await this.done;
      await rename(this.tmp, this.file);
    } catch (error) {
      this.sidecar?.abort();
      throw error;
    }
    const output: ShardOutput = { path: relative(this.runDir, this.file), kind: this.kind, rows: this.rowCount, bytes: this.bytesWritten, sha256: this.hash.digest('hex') };
    if (this.sidecar) output.sidecar = await this.sidecar.close();
    return output;
  }

  /** Abandons the shard and removes its temporary file. Safe to call after close(). */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Closing (not aborting) the Arrow writer ends its byte queue cleanly; the
    // half-written temporary file is then removed.
    this.writer.close();
    await this.done.catch(() => undefined);
    await rm(this.tmp, { force: true });
    this.sidecar?.abort();
  }
}
