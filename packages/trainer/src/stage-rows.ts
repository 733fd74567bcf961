import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { Footer, Message, MessageHeader, Type, type DataType, type Field } from '@foxden/shards/arrow';
import { FoxdenError } from '@foxden/core';
import type { StageShard } from './curriculum-input.js';

/** Shards held open at once; a shuffled order touches every shard, so more would only hold descriptors. */
const MAX_OPEN_SHARDS = 64;

/** Where one record batch's columns of interest lie in the file. */
interface BatchLayout {
  rows: number;
  /** File offsets of the buffers (absolute), read lazily. */
  tokenOffsetsAt: number;
  tokenValuesAt: number;
  segmentOffsetsAt: number;
  segmentValuesAt: number;
  /** Loaded on first use: list offsets (rows + 1 each). */
  tokenOffsets?: Int32Array;
  segmentOffsets?: Int32Array;
}

interface ShardIndex {
  file: string;
  /** Null while closed (evicted from the open set). */
  fd: number | null;
  batches: BatchLayout[];
  /** First row of each batch within the shard. */
  batchStarts: number[];
}

/** Number of IPC buffers a column of this type takes, its children included, in Arrow's depth-first order. */
function bufferCount(type: DataType): number {
  switch (type.typeId) {
    case Type.List: return 2 + bufferCount((type.children[0] as Field).type);
    case Type.Utf8: case Type.Binary: return 3;
    case Type.Int: case Type.Float: case Type.Bool: return 2;
    default: throw new Error(`unsupported column type ${String(type)}`);
  }
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buffer, done, length - done, position + done);
    if (n === 0) throw new Error(`unexpected end of file at byte ${position + done}`);
    done += n;
  }
  return buffer;
}

function int32s(buffer: Buffer): Int32Array {
  return new Int32Array(buffer.buffer, buffer.byteOffset, buffer.byteLength >> 2);
}

/**
 * Random access to the rows of a stage's shards, one row at a time and
 * straight from the file: it reads the Arrow IPC footer and each record
 * batch's metadata once, then a row is one positioned read of its tokens
 * (seq_len x 4 bytes, into the caller's buffer) and one of its segment
 * lengths. Nothing is decoded or held per row, so a shuffled order over a
 * stage of any size costs the same as a sequential one.
 */
export class StageRows {
  readonly seqLen: number;
  readonly rows: number;
  private readonly shards: readonly StageShard[];
  private readonly shardStarts: number[] = [];
  /** Each shard's layout, read on first use and kept (tens of bytes per record batch). */
  private readonly indexes: (ShardIndex | undefined)[] = [];
  /** Shards with an open descriptor, least recently used first: a stage may have more shards than a process may open files. */
  private readonly open = new Set<number>();

  constructor(shards: readonly StageShard[], seqLen: number) {
    this.seqLen = seqLen;
    this.shards = shards;
    let start = 0;
    for (const shard of shards) {
      this.shardStarts.push(start);
      start += shard.sequences;
    }
    this.rows = start;
  }

  private shard(s: number): ShardIndex {
    let index = this.indexes[s];
    if (index === undefined) {
      index = StageRows.index(this.shards[s]!);
      this.indexes[s] = index;
    } else if (index.fd === null) {
      index.fd = openSync(index.file, 'r');
    }
    this.open.delete(s);
    this.open.add(s);
    if (this.open.size > MAX_OPEN_SHARDS) {
      const oldest = this.open.values().next().value as number;
      this.open.delete(oldest);
      const evicted = this.indexes[oldest]!;
      closeSync(evicted.fd!);
      evicted.fd = null;
      // List offsets are re-read when the shard is next used: memory stays bounded by the open shards.
      for (const batch of evicted.batches) {
        delete batch.tokenOffsets;
        delete batch.segmentOffsets;
      }
    }
    return index;
  }

  private static index(shard: StageShard): ShardIndex {
    const fd = openSync(shard.file, 'r');
    try {
      const fail = (why: string): FoxdenError => new FoxdenError('CORRUPT_INTERMEDIATE', `${shard.file}: not a readable stage shard: ${why}`, { file: shard.file });
      const size = fstatSync(fd).size;
      const tail = readAt(fd, size - 10, 10);
      if (tail.toString('latin1', 4) !== 'ARROW1') throw fail('no Arrow IPC file footer');
      const footerLength = tail.readInt32LE(0);
      const footer = Footer.decode(readAt(fd, size - 10 - footerLength, footerLength));
      const fields = footer.schema.fields;
      let buffer = 0;
      const first: Record<string, number> = {};
      for (const field of fields) {
        first[field.name] = buffer;
        buffer += bufferCount(field.type);
      }
      const tokens = first['tokens'];
      const segments = first['segment_lengths'];
      if (tokens === undefined || segments === undefined) throw fail('no tokens or segment_lengths column');
      const batches: BatchLayout[] = [];
      const batchStarts: number[] = [];
      let rows = 0;
      for (const block of footer.recordBatches()) {
        const meta = readAt(fd, Number(block.offset), block.metaDataLength);
        // Encapsulated message: 0xFFFFFFFF continuation, int32 length, flatbuffer (older writers omit the continuation).
        const skip = meta.readInt32LE(0) === -1 ? 8 : 4;
        const message = Message.decode(meta.subarray(skip));
        if (message.headerType !== MessageHeader.RecordBatch) throw fail('a footer block is not a record batch');
        const header = message.header() as unknown as { length: number; buffers: { offset: number; length: number }[]; compression: unknown };
        if (header.compression) throw fail('compressed record batches are not supported');
        const body = Number(block.offset) + block.metaDataLength;
        const at = (i: number): number => body + Number(header.buffers[i]!.offset);
        // List<T>: [validity, offsets] then the child's [validity, values].
        batches.push({
          rows: Number(header.length),
          tokenOffsetsAt: at(tokens + 1), tokenValuesAt: at(tokens + 3),
          segmentOffsetsAt: at(segments + 1), segmentValuesAt: at(segments + 3),
        });
        batchStarts.push(rows);
        rows += Number(header.length);
      }
      if (rows !== shard.sequences) throw fail(`holds ${rows} rows, the manifest says ${shard.sequences}`);
      return { file: shard.file, fd, batches, batchStarts };
    } catch (e) {
      closeSync(fd);
      if (e instanceof FoxdenError) throw e;
      throw new FoxdenError('CORRUPT_INTERMEDIATE', `${shard.file}: not a readable stage shard: ${(e as Error).message}`, { file: shard.file, cause: e });
    }
  }

  /**
   * Reads row `row` of the stage: its tokens into `tokens` (length seq_len)
   * and returns its segment lengths (trailing padding not included).
   */
  read(row: number, tokens: Int32Array): Int32Array {
    if (row < 0 || row >= this.rows) throw new RangeError(`row ${row} outside the stage's ${this.rows} rows`);
    const s = upperBound(this.shardStarts, row) - 1;
    const shard = this.shard(s);
    const inShard = row - this.shardStarts[s]!;
    const b = upperBound(shard.batchStarts, inShard) - 1;
    const batch = shard.batches[b]!;
    const i = inShard - shard.batchStarts[b]!;
    const fd = shard.fd!;
    batch.tokenOffsets ??= int32s(readAt(fd, batch.tokenOffsetsAt, (batch.rows + 1) * 4));
    batch.segmentOffsets ??= int32s(readAt(fd, batch.segmentOffsetsAt, (batch.rows + 1) * 4));
    const start = batch.tokenOffsets[i]!;
    const length = batch.tokenOffsets[i + 1]! - start;
    if (length !== this.seqLen) {
      throw new FoxdenError('CORRUPT_INTERMEDIATE', `${shard.file}: row ${inShard} has ${length} tokens, the stage's seq_len is ${this.seqLen}`, { file: shard.file, offset: inShard });
    }
    const into = Buffer.from(tokens.buffer, tokens.byteOffset, tokens.byteLength);
    const n = readSync(fd, into, 0, length * 4, batch.tokenValuesAt + start * 4);
    if (n !== length * 4) throw new FoxdenError('CORRUPT_INTERMEDIATE', `${shard.file}: row ${inShard} is cut short`, { file: shard.file, offset: inShard });
    const segStart = batch.segmentOffsets[i]!;
    const segCount = batch.segmentOffsets[i + 1]! - segStart;
    return int32s(readAt(fd, batch.segmentValuesAt + segStart * 4, segCount * 4));
  }

  close(): void {
    for (const s of this.open) {
      const index = this.indexes[s]!;
      closeSync(index.fd!);
      index.fd = null;
    }
    this.open.clear();
  }
}

/** First index whose value is greater than `x` (values ascending). */
function upperBound(values: readonly number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
