import { FoxdenError } from '@foxden/core';
import type { ByteReader } from './byte-reader.js';
import { httpResponseWhole } from './http.js';
import { reject, type RecordPlace } from './payload.js';
import type { RejectedRecord, SourceFormat, SourceRecord } from './types.js';

/** What every format parser gets besides the byte reader. */
export interface ParseContext {
  file: string;
  format: SourceFormat;
  maxRecordBytes: number;
  jsonlTextField: string;
  jsonlIdField: string;
  signal: AbortSignal | undefined;
  /**
   * Where the next range of a split file begins (a decompressed offset): the
   * parser stops before a record that starts there or later and records where
   * in `stoppedAt`. Undefined: read to the end.
   */
  stopAt?: number;
  /** The offset of the record start the parser stopped at (set when it stops at stopAt). */
  stoppedAt?: number;
  /** Only walk the record boundaries: payloads are skipped, not parsed (the split index). */
  boundariesOnly?: boolean;
  /** ARC header version for a range that does not start with the filedesc record (read and updated by the ARC parser). */
  arcVersion?: number;
}

/** True (and `stoppedAt` set) when a record starting at `start` belongs to the next range. */
export function reachedStop(ctx: ParseContext, start: number): boolean {
  if (ctx.stopAt === undefined || start < ctx.stopAt) return false;
  ctx.stoppedAt = start;
  return true;
}

export function throwIfAborted(ctx: ParseContext): void {
  if (ctx.signal?.aborted) throw new FoxdenError('ABORTED', `reading ${ctx.file} was aborted`, { file: ctx.file, cause: ctx.signal.reason });
}

/** Longest header line we hold; anything longer is not a header. */
export const MAX_HEADER_LINE = 64 * 1024;

/**
 * The reject for a record the stream ended inside: 'bad-gzip'/'bad-zstd' when
 * the decompressor broke (clipped or corrupt stream), 'truncated-record' when
 * the file simply ends.
 */
export function cutShort(reader: ByteReader, place: RecordPlace, what: string): RejectedRecord {
  const error = reader.streamError;
  if (error) return reject(place, `bad-${error.compression}`, `${what}: ${error.message} (at decompressed offset ${reader.offset})`);
  return reject(place, 'truncated-record', `${what}: the file ends at offset ${reader.offset}`);
}

/**
 * A record the file ends inside (no decompression error) whose block is an
 * HTTP response whole by its own Content-Length: the archive's length was
 * wrong (line ends converted after the archive was written, a miscounted
 * header), not the data cut. `build` makes the record from the block as
 * usual; a document gets a note saying so. Null when the block is not
 * whole: the record stays a reject (see cutShort).
 */
export function wholeDespiteLength(reader: ByteReader, block: Buffer, declared: number, build: (block: Buffer) => SourceRecord): SourceRecord | null {
  if (reader.streamError || !httpResponseWhole(block)) return null;
  const record = build(block);
  if (record.kind !== 'document') return record;
  const notes = Array.isArray(record.meta.notes) ? (record.meta.notes as string[]) : [];
  const note = `record-length-wrong: declares ${declared} bytes, ${block.length} follow to the end of the file, and they hold the whole HTTP response`;
  return { ...record, meta: { ...record.meta, notes: [...notes, note] } };
}

/** A decompression failure that no record reported (it fell between records). */
export function trailingStreamError(reader: ByteReader, ctx: ParseContext): RejectedRecord | null {
  const error = reader.streamError;
  if (!error) return null;
  const place = { file: ctx.file, format: ctx.format, offset: reader.offset, url: null };
  const after = reader.canResume ? 'between records' : 'no data after it can be read';
  return reject(place, `bad-${error.compression}`, `${error.message} (at decompressed offset ${reader.offset}; ${after})`);
}
