import { basename } from 'node:path';
import { FoxdenError } from '@foxden/core';
import { readArc } from './arc.js';
import { binaryKind, UNSUPPORTED_COMPRESSION } from './binary.js';
import { ByteReader } from './byte-reader.js';
import type { ParseContext } from './context.js';
import { detectFormat } from './detect-format.js';
import { readJsonl } from './jsonl.js';
import { openDecompressed } from './open-stream.js';
import { reject } from './payload.js';
import { readText } from './text.js';
import { DEFAULT_JSONL_TEXT_FIELDS, DEFAULT_MAX_RECORD_BYTES, type ReadSourceOptions, type RejectedRecord, type SourceRecord } from './types.js';
import { readWarc } from './warc.js';

/**
 * Streams the records of one input file: documents, skips and rejects, in
 * file order. Compression (gzip, multi-member gzip, zstd, none) is told by
 * magic bytes. Offsets are positions in the DECOMPRESSED byte stream: they
 * are the same whatever compression the file has and whatever its gzip
 * member layout, so they identify a record stably across runs and re-packs.
 *
 * A per-record problem never throws: it is a reject naming file, offset and
 * cause, and reading goes on (or ends cleanly when nothing more can be read),
 * also past a corrupt gzip member of a per-record gzip WARC or ARC file.
 * Only an unreadable file throws (FoxdenError 'BAD_INPUT'), and an aborted
 * signal (FoxdenError 'ABORTED'). Breaking out of the loop closes the file.
 *
 * With `options.range` it reads one range of a split WARC/ARC file: from the
 * range's start to the last record that starts before the next range's first
 * record, with offsets as in the whole file.
 */
export async function* readSource(file: string, options: ReadSourceOptions = {}): AsyncGenerator<SourceRecord> {
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  if (!Number.isSafeInteger(maxRecordBytes) || maxRecordBytes <= 0) {
    throw new FoxdenError('BAD_CONFIG', `maxRecordBytes must be a positive integer, got ${String(options.maxRecordBytes)}`);
  }
  const format = detectFormat(file);
  const ctx: ParseContext = {
    file,
    format,
    maxRecordBytes,
    jsonlTextField: options.jsonlTextField ?? DEFAULT_JSONL_TEXT_FIELDS,
    jsonlIdField: options.jsonlIdField ?? 'id',
    signal: options.signal,
  };
  // WARC and ARC files: split into ranges, and gzipped one member a record.
  const archive = format === 'warc' || format === 'wet' || format === 'wat' || format === 'arc';
  const range = options.range;
  if (range) {
    if (!archive) {
      throw new FoxdenError('BAD_CONFIG', `only WARC and ARC files are read by ranges, not ${format} (${file})`);
    }
    if (range.stopAt !== undefined) ctx.stopAt = range.stopAt;
    if (range.arcVersion !== undefined) ctx.arcVersion = range.arcVersion;
  }
  const stream = await openDecompressed(file, range?.start ?? 0, range?.end, archive);
  const reader = new ByteReader(stream.chunks, range?.base ?? 0);
  try {
    // A file in a compression foxden does not read would otherwise go on as a WARC of one bad record
    // or as one text document of compressed bytes: one reject that says what to run instead.
    const unsupported = range ? null : await unsupportedCompression(reader, ctx);
    if (unsupported !== null) {
      yield unsupported;
      return;
    }
    // In a per-record gzip archive, after a corrupt gzip member that a whole one follows (a
    // StreamBreak; the parser reported it with the record it cut, or between records), parsing goes
    // on with the records after it.
    switch (format) {
      case 'warc':
      case 'wet':
      case 'wat':
        do yield* readWarc(reader, ctx);
        while (reader.resume());
        break;
      case 'arc':
        do yield* readArc(reader, ctx);
        while (reader.resume());
        break;
      case 'jsonl':
        yield* readJsonl(reader, ctx);
        break;
      case 'text':
        yield* readText(reader, ctx);
        break;
    }
  } finally {
    await reader.close();
    await stream.close();
  }
}

async function unsupportedCompression(reader: ByteReader, ctx: ParseContext): Promise<RejectedRecord | null> {
  const kind = binaryKind(await reader.peek(16));
  const compression = kind === null ? undefined : UNSUPPORTED_COMPRESSION[kind];
  if (compression === undefined) return null;
  const place = { file: ctx.file, format: ctx.format, offset: 0, url: null };
  return reject(place, 'unsupported-compression', `${compression.name}-compressed; foxden reads plain, gzip and zstd files: decompress it first (${compression.command} ${basename(ctx.file)})`);
}
