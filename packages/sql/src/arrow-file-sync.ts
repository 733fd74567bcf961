import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import {
  BufferRegion, DataType, Footer, Message, MessageHeader, RecordBatch, Struct, VectorLoader, makeData,
  type Field, type FileBlock, type RecordBatchHeader, type Schema,
} from '@foxden/shards/arrow';
import { FoxdenError } from '@foxden/core';

const MAGIC = 'ARROW1';

/**
 * A synchronous, random-access reader of one Arrow IPC file that reads from
 * disk only the buffers of the columns asked for.
 *
 * Why synchronous: DuckDB calls a table function's callbacks on the JS thread
 * and waits for them to return, so they cannot await a file handle. Why not
 * apache-arrow's own file reader: it reads each record batch's whole body, and
 * in a token shard the body is almost all `tokens`; `SELECT sum(n_tokens)`
 * would read every token id. Here the footer and each batch's metadata are
 * parsed with apache-arrow's own decoders, only the byte ranges of the
 * requested top-level columns are read into a compact body, and
 * apache-arrow's VectorLoader builds the vectors over it (columns not asked
 * for get empty buffers and must not be touched).
 *
 * No file descriptor is held between calls: DuckDB stops calling a scan
 * early (LIMIT) without telling it, so a held descriptor would leak.
 */
export class ArrowFileSync {
  readonly file: string;
  readonly schema: Schema;
  readonly metadata: Record<string, string>;
  readonly numBatches: number;
  private readonly blocks: FileBlock[];
  /** For each top-level field, its range of buffer indexes in a batch's buffer list. */
  private readonly bufferRanges: { start: number; end: number }[];
  private constructor(file: string, footer: Footer) {
    this.file = file;
    this.schema = footer.schema;
    this.metadata = Object.fromEntries(footer.schema.metadata);
    this.blocks = [...footer.recordBatches()];
    this.numBatches = this.blocks.length;
    let at = 0;
    this.bufferRanges = footer.schema.fields.map((f) => {
      const n = bufferCount(f.type, file, f.name);
      const range = { start: at, end: at + n };
      at += n;
      return range;
    });
  }

  /** Opens a file and reads its footer; anything that is not a readable Arrow IPC file is a CORRUPT_INTERMEDIATE error naming it. */
  static open(file: string): ArrowFileSync {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (error) {
      throw new FoxdenError('CORRUPT_INTERMEDIATE', `cannot open Arrow shard ${file}: ${(error as Error).message}`, { file, cause: error });
    }
    try {
      const size = fstatSync(fd).size;
      if (size < 18) throw new Error(`file is ${size} bytes, too short to be an Arrow IPC file`);
      const head = readAt(fd, 0, 6);
      const tail = readAt(fd, size - 10, 10);
      if (text(head) !== MAGIC || text(tail.subarray(4)) !== MAGIC) throw new Error('not an Arrow IPC file (no ARROW1 magic at both ends; stream format or truncated)');
      const footerLength = new DataView(tail.buffer, tail.byteOffset).getInt32(0, true);
      if (footerLength <= 0 || footerLength > size - 18) throw new Error(`footer length ${footerLength} is impossible for a ${size}-byte file`);
      const footer = Footer.decode(readAt(fd, size - 10 - footerLength, footerLength));
      if (footer.numDictionaries > 0) throw new Error('dictionary-encoded columns are not supported');
      return new ArrowFileSync(file, footer);
    } catch (error) {
      if (error instanceof FoxdenError) throw error;
      throw new FoxdenError('CORRUPT_INTERMEDIATE', `cannot read Arrow shard ${file}: ${(error as Error).message}`, { file, cause: error });
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Reads batch `index`, loading only the named top-level columns. The
   * returned batch has every column of the schema, but only those named hold
   * real data.
   */
  readBatch(index: number, columns: readonly string[]): RecordBatch {
    const block = this.blocks[index];
    if (!block) throw new FoxdenError('INTERNAL', `batch ${index} out of range in ${this.file} (${this.numBatches} batches)`);
    let fd: number | null = null;
    try {
      fd = openSync(this.file, 'r');
      const handle = fd;
      const metaBytes = readAt(handle, block.offset, block.metaDataLength);
      const view = new DataView(metaBytes.buffer, metaBytes.byteOffset, metaBytes.byteLength);
      // IPC message: 0xFFFFFFFF continuation, int32 metadata length, flatbuffer.
      let metaStart = 4;
      let length = view.getInt32(0, true);
      if (length === -1) {
        length = view.getInt32(4, true);
        metaStart = 8;
      }
      const message = Message.decode(metaBytes.subarray(metaStart, metaStart + length));
      if (message.headerType !== MessageHeader.RecordBatch) throw new Error(`block ${index} is not a record batch`);
      const header = message.header() as RecordBatchHeader;
      if (header.compression != null) throw new Error('compressed record batches are not supported');
      // Compact body: only the requested columns' buffers, back to back; every
      // other buffer region becomes empty, so nothing else is read or allocated.
      const bodyStart = block.offset + block.metaDataLength;
      const wanted = new Set<number>();
      this.schema.fields.forEach((field, i) => {
        if (!columns.includes(field.name)) return;
        const range = this.bufferRanges[i]!;
        for (let b = range.start; b < range.end; b++) wanted.add(b);
      });
      let total = 0;
      for (const b of wanted) total += header.buffers[b]!.length;
      const body = new Uint8Array(total);
      let at = 0;
      const regions = header.buffers.map((region, b) => {
        if (!wanted.has(b) || region.length === 0) return new BufferRegion(0, 0);
        readInto(handle, body, at, region.length, bodyStart + region.offset);
        const moved = new BufferRegion(at, region.length);
        at += region.length;
        return moved;
      });
      const children = new VectorLoader(body, header.nodes, regions, new Map(), this.schema.metadataVersion).visitMany(this.schema.fields);
      const data = makeData({ type: new Struct(this.schema.fields), length: header.length, children });
      return new RecordBatch(this.schema, data);
    } catch (error) {
      if (error instanceof FoxdenError) throw error;
      throw new FoxdenError('CORRUPT_INTERMEDIATE', `cannot read batch ${index} of Arrow shard ${this.file}: ${(error as Error).message}`, { file: this.file, offset: index, cause: error });
    } finally {
      if (fd !== null) closeSync(fd);
    }
  }
}

/** Number of IPC buffers a field of this type occupies, children included (Arrow columnar format, buffer layout per type). */
function bufferCount(type: DataType, file: string, name: string): number {
  if (DataType.isNull(type)) return 0;
  if (DataType.isUtf8(type) || DataType.isBinary(type) || DataType.isLargeUtf8(type) || DataType.isLargeBinary(type)) return 3;
  if (DataType.isList(type) || DataType.isMap(type)) return 2 + childBuffers(type.children, file, name);
  if (DataType.isFixedSizeList(type) || DataType.isStruct(type)) return 1 + childBuffers(type.children, file, name);
  if (DataType.isUnion(type) || DataType.isDictionary(type)) {
    throw new FoxdenError('CORRUPT_INTERMEDIATE', `column '${name}' of ${file} has type ${String(type)}, which the SQL layer does not read`, { file });
  }
  return 2;
}

function childBuffers(children: readonly Field[], file: string, name: string): number {
  let n = 0;
  for (const c of children) n += bufferCount(c.type, file, `${name}.${c.name}`);
  return n;
}

function readAt(fd: number, position: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  readInto(fd, out, 0, length, position);
  return out;
}

function readInto(fd: number, target: Uint8Array, offset: number, length: number, position: number): void {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, target, offset + done, length - done, position + done);
    if (n === 0) throw new Error(`unexpected end of file at byte ${position + done} (wanted ${length - done} more bytes)`);
    done += n;
  }
}

function text(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}
