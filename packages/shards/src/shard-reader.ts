import { open, stat, type FileHandle } from 'node:fs/promises';
import { RecordBatchReader, type RecordBatch, type Schema } from '#apache-arrow';
import { FoxdenError, sha256File, type ColumnSpec } from '@foxden/core';
import { columnTypeOf } from './columns.js';

/**
 * Reads an Arrow IPC file one record batch at a time (random-access file
 * format, read through a file handle, so the shard is never loaded whole).
 */
export class ShardReader {
  readonly file: string;
  readonly schema: Schema;
  readonly metadata: Record<string, string>;
  readonly columns: ColumnSpec[];
  readonly numBatches: number;
  private readonly reader: Awaited<ReturnType<typeof openArrow>>['reader'];
  private readonly handle: FileHandle;
  private closed = false;

  private constructor(file: string, opened: Awaited<ReturnType<typeof openArrow>>) {
    this.file = file;
    const reader = opened.reader;
    this.reader = reader;
    this.handle = opened.handle;
    this.schema = reader.schema;
    this.metadata = Object.fromEntries(reader.schema.metadata);
    this.columns = reader.schema.fields.map((f) => ({ name: f.name, type: columnTypeOf(f.type), nullable: f.nullable }));
    this.numBatches = (reader as unknown as { numRecordBatches: number }).numRecordBatches;
  }

  /** Opens a shard; an unreadable or truncated file is a CORRUPT_INTERMEDIATE error naming it. */
  static async open(file: string, options: { sha256?: string } = {}): Promise<ShardReader> {
    if (options.sha256) {
      const actual = await sha256File(file).catch((e: unknown) => {
        throw new FoxdenError('CORRUPT_INTERMEDIATE', `cannot read shard ${file}: ${(e as Error).message}`, { file, cause: e });
      });
      if (actual !== options.sha256) {
        throw new FoxdenError('CORRUPT_INTERMEDIATE', `shard ${file} has sha256 ${actual}, expected ${options.sha256}: it was changed or truncated after the task that wrote it completed; running the pipeline again redoes that task`, { file });
      }
    }
    try {
      return new ShardReader(file, await openArrow(file));
    } catch (error) {
      throw new FoxdenError('CORRUPT_INTERMEDIATE', `cannot open Arrow shard ${file}: ${(error as Error).message}`, { file, cause: error });
    }
  }

  /** Counts rows by reading each batch (foxden records row counts in task outputs; this is for foreign shards). */
  async countRows(): Promise<number> {
    let n = 0;
    for await (const batch of this.batches()) n += batch.numRows;
    return n;
  }

  async *batches(): AsyncGenerator<RecordBatch> {
    for (let i = 0; i < this.numBatches; i++) {
      const batch = await this.reader.readRecordBatch(i);
      if (batch) yield batch;
    }
  }

  /**
   * Rows as plain objects, batch by batch; `columns` limits what is decoded.
   * Text columns named in `options.utf8Bytes` come as their UTF-8 bytes
   * (views into the batch, not copies) instead of strings: a step that only
   * reads text and passes it on (ShardWriter writes such bytes as they are)
   * then never decodes and re-encodes it.
   */
  async *rowBatches(columns?: readonly string[], options: { utf8Bytes?: readonly string[] } = {}): AsyncGenerator<Record<string, unknown>[]> {
    const names = columns ?? this.columns.map((c) => c.name);
    for await (const batch of this.batches()) yield batchToRows(batch, names, options.utf8Bytes);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.reader.cancel().catch(() => undefined);
    await this.handle.close().catch(() => undefined);
  }
}

async function openArrow(file: string) {
  const handle = await open(file, 'r');
  const { size } = await stat(file);
  if (size < 12) {
    await handle.close();
    throw new Error(`file is ${size} bytes, too short to be an Arrow IPC file`);
  }
  try {
    const reader = await RecordBatchReader.from(handle);
    await reader.open();
    if (!reader.isFile()) throw new Error('not an Arrow IPC file (stream format or other data)');
    return { reader, handle };
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

// apache-arrow decodes strings with a TextDecoder that strips a leading BOM;
// text must come back exactly as written (books start with U+FEFF), so decode it here.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

function decodeUtf8Column(vector: { data: readonly { valueOffsets: Int32Array; values: Uint8Array; nullCount: number; getValid(i: number): boolean; length: number }[] }, rows: Record<string, unknown>[], name: string, asBytes: boolean): void {
  let row = 0;
  for (const data of vector.data) {
    const { valueOffsets, values } = data;
    for (let i = 0; i < data.length; i++, row++) {
      if (data.nullCount > 0 && !data.getValid(i)) {
        rows[row]![name] = null;
        continue;
      }
      const bytes = values.subarray(valueOffsets[i]!, valueOffsets[i + 1]!);
      rows[row]![name] = asBytes ? bytes : utf8.decode(bytes);
    }
  }
}

/** Converts a record batch to row objects. List columns become typed arrays and text columns in `utf8Bytes` UTF-8 bytes (views, not copies; see ShardReader.rowBatches). */
export function batchToRows(batch: RecordBatch, names: readonly string[], utf8Bytes: readonly string[] = []): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = new Array(batch.numRows);
  for (let i = 0; i < batch.numRows; i++) rows[i] = {};
  for (const name of names) {
    const vector = batch.getChild(name);
    if (!vector) continue;
    if (String(vector.type) === 'Utf8') {
      decodeUtf8Column(vector as never, rows, name, utf8Bytes.includes(name));
      continue;
    }
    const isList = String(vector.type).startsWith('List');
    const isInt64 = String(vector.type) === 'Int64';
    for (let i = 0; i < batch.numRows; i++) {
      let v: unknown = vector.get(i);
      if (v !== null && isList) v = (v as { toArray(): unknown }).toArray();
      else if (typeof v === 'bigint' && isInt64) v = Number(v);
      rows[i]![name] = v;
    }
  }
  return rows;
}
