import { ByteReader, LINE_TOO_LONG } from './byte-reader.js';
import { MAX_HEADER_LINE, cutShort, reachedStop, throwIfAborted, trailingStreamError, wholeDespiteLength, type ParseContext } from './context.js';
import { httpPayloadRecord, reject, resourcePayloadRecord, skip, type RecordBasics, type RecordPlace } from './payload.js';
import type { SourceRecord } from './types.js';

interface ArcHeader {
  url: string;
  ip: string;
  date: string;
  contentType: string;
  length: number;
}

/**
 * An ARC record header line. Fields are split on spaces and taken from the
 * right (length, content type, date, IP), so a URL with spaces in it still
 * parses. Version 2 lines carry five more fields before the length.
 */
export function parseArcHeader(line: string, version: number): ArcHeader | null {
  const f = line.trim().split(/\s+/);
  const n = f.length;
  if (n < 5 || !/^\d+$/.test(f[n - 1]!)) return null;
  const v2 = version === 2 && n >= 10;
  const tail = v2 ? 9 : 4;
  const header: ArcHeader = {
    url: f.slice(0, n - tail).join(' '),
    ip: f[n - tail]!,
    date: f[n - tail + 1]!,
    contentType: f[n - tail + 2]!,
    length: Number(f[n - 1]),
  };
  return /^\d{8,14}$/.test(header.date) ? header : null;
}

/** ARC's 14-digit date to ISO-8601 (UTC); shorter dates are padded with zeros. */
export function arcDateToIso(date: string): string {
  const d = date.padEnd(14, '0');
  return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(8, 10)}:${d.slice(10, 12)}:${d.slice(12, 14)}Z`;
}

/** What an ARC record's header line says of the record, for its payload. */
function arcBasics(header: ArcHeader): RecordBasics {
  return {
    recordType: 'response',
    date: arcDateToIso(header.date),
    meta: { arc_ip: header.ip, arc_content_type: header.contentType },
    fallbackMediaType: header.contentType,
  };
}

/**
 * Reads ARC v1 (and v2) files. Offsets are those of each record's header
 * line in the decompressed stream. The leading filedesc record is a skip
 * ('arc-filedesc'); its version block decides how header lines are split.
 */
export async function* readArc(reader: ByteReader, ctx: ParseContext): AsyncGenerator<SourceRecord> {
  let version = ctx.arcVersion ?? 1;
  for (;;) {
    throwIfAborted(ctx);
    const start = reader.offset;
    if (reachedStop(ctx, start)) return;
    const line = await reader.readLine(MAX_HEADER_LINE);
    if (line === null) break;
    if (line !== LINE_TOO_LONG && line.length === 0) continue;
    const header = line === LINE_TOO_LONG ? null : parseArcHeader(line.toString('utf8'), version);
    const startPlace: RecordPlace = { file: ctx.file, format: ctx.format, offset: start, url: null };
    if (header === null) {
      if (line === LINE_TOO_LONG) await reader.skipLine();
      await resync(reader, version);
      yield reject(startPlace, 'bad-record', `${reader.offset - start} bytes that are not an ARC record (no valid header line)`);
      continue;
    }
    const place: RecordPlace = { ...startPlace, url: header.url };
    const isFiledesc = header.url.startsWith('filedesc:');
    let record: SourceRecord;
    if ((header.length > ctx.maxRecordBytes || ctx.boundariesOnly) && !isFiledesc) {
      const skipped = await reader.skip(header.length);
      if (skipped < header.length) {
        yield cutShort(reader, place, `record declares ${header.length} bytes, only ${skipped} follow`);
        return;
      }
      record = reject(place, 'record-too-large', `record of ${header.length} bytes exceeds maxRecordBytes ${ctx.maxRecordBytes}`);
    } else {
      const block = await reader.read(header.length);
      if (block.length < header.length) {
        const basics = arcBasics(header);
        const whole = isFiledesc ? null : wholeDespiteLength(reader, block, header.length, (b) => httpPayloadRecord(b, place, basics, ctx.maxRecordBytes));
        yield whole ?? cutShort(reader, place, `record declares ${header.length} bytes, only ${block.length} follow`);
        return;
      }
      if (isFiledesc) {
        const versionField = /^\s*(\d+)/.exec(block.toString('latin1', 0, Math.min(block.length, 200)));
        if (versionField) version = ctx.arcVersion = Number(versionField[1]);
        record = skip({ ...place, url: null }, 'arc-filedesc');
      } else {
        const basics = arcBasics(header);
        record = block.subarray(0, 5).toString('latin1') === 'HTTP/'
          ? httpPayloadRecord(block, place, basics, ctx.maxRecordBytes)
          : resourcePayloadRecord(block, header.contentType, place, basics);
      }
    }
    const stray = await consumeTrailer(reader, version);
    if (stray > 0) {
      const cause = `${stray} stray bytes after the ${header.length}-byte record (the length is wrong)`;
      record = record.kind === 'reject' ? { ...record, message: `${record.message}; ${cause}` } : reject(place, 'bad-record-length', cause);
    }
    yield record;
  }
  const tail = trailingStreamError(reader, ctx);
  if (tail) yield tail;
}

/** Skips whole lines until one parses as an ARC header (or the end); returns bytes skipped. */
async function resync(reader: ByteReader, version: number): Promise<number> {
  let skipped = 0;
  for (;;) {
    const next = await reader.peekLine(MAX_HEADER_LINE);
    if (next === null) return skipped;
    if (next !== LINE_TOO_LONG && next.length > 0 && parseArcHeader(next.toString('utf8'), version) !== null) return skipped;
    skipped += await reader.skipLine();
  }
}

/**
 * Consumes the line end(s) after a record. Bytes right at the end of the
 * record that are not a line end mean its length was wrong: they are skipped
 * up to the next header line and counted (0 when clean).
 */
async function consumeTrailer(reader: ByteReader, version: number): Promise<number> {
  const first = await reader.peek(1);
  if (first.length > 0 && first[0] !== 10 && first[0] !== 13) return resync(reader, version);
  for (;;) {
    const head = await reader.peek(2);
    if (head[0] === 10) await reader.skip(1);
    else if (head[0] === 13 && head[1] === 10) await reader.skip(2);
    else return 0;
  }
}
