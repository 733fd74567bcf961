import { ByteReader, LINE_TOO_LONG } from './byte-reader.js';
import { MAX_HEADER_LINE, cutShort, reachedStop, throwIfAborted, trailingStreamError, wholeDespiteLength, type ParseContext } from './context.js';
import { httpPayloadRecord, reject, resourcePayloadRecord, skip, type RecordBasics, type RecordPlace } from './payload.js';
import type { SourceRecord } from './types.js';

const WARC_MAGIC = Buffer.from('WARC/', 'latin1');
const NEXT_RECORD = Buffer.from('\nWARC/', 'latin1');
/** More header lines than any real record has; beyond it the "header" is data. */
const MAX_HEADER_LINES = 1024;

/** WARC-Type -> skip reason, for records that never carry a document. */
function skipReason(type: string, ctx: ParseContext): string | null {
  switch (type) {
    case 'warcinfo':
      return 'warcinfo';
    case 'request':
      return 'warc-request';
    case 'metadata':
      return ctx.format === 'wat' ? 'wat-record' : 'warc-metadata';
    case 'revisit':
      return 'warc-revisit';
    case 'continuation':
      return 'warc-continuation';
    case 'response':
    case 'resource':
    case 'conversion':
      return null;
    default:
      return 'warc-unknown-type';
  }
}

/** wget writes `<http://...>`; WARC 1.1 says plain. Spaces and junk are kept as given, never parsed here. */
export function cleanTargetUri(value: string | undefined): string | null {
  if (value === undefined) return null;
  let uri = value.trim();
  if (uri.startsWith('<') && uri.endsWith('>')) uri = uri.slice(1, -1).trim();
  return uri.length === 0 ? null : uri;
}

/**
 * Reads WARC 0.17/1.0/1.1 records (also WET and WAT files, which are WARC).
 * Offsets are those of each record's `WARC/` version line in the decompressed
 * stream. A record whose Content-Length does not match its data (stray bytes
 * right after its block, before the next `WARC/` line) is rejected, since its
 * payload cannot be trusted; the reader then goes on at the next record.
 * Garbage after a properly ended record is a separate 'bad-record' reject.
 */
export async function* readWarc(reader: ByteReader, ctx: ParseContext): AsyncGenerator<SourceRecord> {
  for (;;) {
    throwIfAborted(ctx);
    const start = reader.offset;
    if (reachedStop(ctx, start)) return;
    const first = await reader.readLine(MAX_HEADER_LINE);
    if (first === null) break;
    if (first !== LINE_TOO_LONG && first.length === 0) continue; // blank lines between records
    const startPlace: RecordPlace = { file: ctx.file, format: ctx.format, offset: start, url: null };
    if (first === LINE_TOO_LONG || !startsWith(first, WARC_MAGIC)) {
      if (first === LINE_TOO_LONG) await reader.skipLine(); // always move on: a long line may start with WARC/
      await resync(reader);
      yield reject(startPlace, 'bad-record', `${reader.offset - start} bytes that are not a WARC record (no WARC/ version line)`);
      continue;
    }
    const version = first.toString('latin1').trim();
    const fields = new Map<string, string>();
    let headerProblem: string | null = null;
    for (let n = 0; ; n++) {
      const line = await reader.readLine(MAX_HEADER_LINE);
      if (line === null) {
        yield cutShort(reader, startPlace, 'record header is cut off');
        return; // the stream error, if any, was reported with the record it cut
      }
      if (line === LINE_TOO_LONG || n > MAX_HEADER_LINES) {
        if (line === LINE_TOO_LONG) await reader.skipLine();
        headerProblem = 'header block too long or not a header';
        break;
      }
      if (line.length === 0) break;
      const text = line.toString('utf8');
      if ((text[0] === ' ' || text[0] === '\t') && fields.size > 0) continue; // folded continuation: no field we use is folded
      const colon = text.indexOf(':');
      if (colon <= 0) continue;
      fields.set(text.slice(0, colon).trim().toLowerCase(), text.slice(colon + 1).trim());
    }
    const place: RecordPlace = { ...startPlace, url: cleanTargetUri(fields.get('warc-target-uri')) };
    const lengthText = fields.get('content-length');
    if (headerProblem === null && (lengthText === undefined || !/^\d+$/.test(lengthText))) {
      headerProblem = `missing or invalid Content-Length ${JSON.stringify(lengthText ?? null)}`;
    }
    if (headerProblem !== null) {
      await resync(reader);
      yield reject(place, 'bad-header', headerProblem);
      continue;
    }
    const length = Number(lengthText);
    const type = (fields.get('warc-type') ?? '').trim().toLowerCase();
    const reason = skipReason(type, ctx);
    let record: SourceRecord;
    if (reason !== null || length > ctx.maxRecordBytes || ctx.boundariesOnly) {
      const skipped = await reader.skip(length);
      if (skipped < length) {
        yield cutShort(reader, place, `record declares ${length} bytes, only ${skipped} follow`);
        return; // the stream error, if any, was reported with the record it cut
      }
      record = reason !== null || ctx.boundariesOnly ? skip(place, reason ?? 'boundaries-only') : reject(place, 'record-too-large', `record block of ${length} bytes exceeds maxRecordBytes ${ctx.maxRecordBytes}`);
    } else {
      const block = await reader.read(length);
      if (block.length < length) {
        const whole = wholeDespiteLength(reader, block, length, (b) => warcDocument(type, version, b, fields, place, ctx));
        yield whole ?? cutShort(reader, place, `record declares ${length} bytes, only ${block.length} follow`);
        return; // the stream error, if any, was reported with the record it cut
      }
      record = warcDocument(type, version, block, fields, place, ctx);
    }
    const stray = await consumeTrailer(reader);
    if (stray > 0) record = withStrayBytes(record, place, stray, length);
    yield record;
  }
  const tail = trailingStreamError(reader, ctx);
  if (tail) yield tail;
}

function warcDocument(type: string, version: string, block: Buffer, fields: Map<string, string>, place: RecordPlace, ctx: ParseContext): SourceRecord {
  const meta: Record<string, unknown> = { warc_version: version };
  const recordId = fields.get('warc-record-id');
  if (recordId !== undefined) meta.warc_record_id = recordId;
  // The crawler cut the payload on purpose (length/time limits): the stored part is kept, marked.
  const truncated = fields.get('warc-truncated');
  if (truncated !== undefined) meta.warc_truncated = truncated;
  const basics: RecordBasics = {
    recordType: type,
    date: fields.get('warc-date') ?? null,
    meta,
    fallbackMediaType: fields.get('warc-identified-payload-type') ?? null,
  };
  const contentType = fields.get('content-type') ?? null;
  if (type === 'conversion') {
    const mediaType = (contentType ?? 'text/plain').split(';')[0]!.trim().toLowerCase();
    if (mediaType !== 'text/plain') return skip(place, 'non-text-payload');
    const refersTo = fields.get('warc-refers-to');
    if (refersTo !== undefined) meta.warc_refers_to = refersTo;
    const languages = fields.get('warc-identified-content-language');
    if (languages !== undefined) meta.identified_content_language = languages;
    const lang = languages?.split(',')[0]?.trim();
    return {
      kind: 'document',
      format: place.format,
      offset: place.offset,
      recordType: type,
      url: place.url,
      date: basics.date,
      mediaType: 'text/plain',
      declaredCharset: null,
      text: new TextDecoder('utf-8').decode(block),
      ...(lang ? { lang } : {}),
      meta,
    };
  }
  if (type === 'resource') {
    // wget stores its own log and arguments as resource records under metadata://
    if (place.url?.startsWith('metadata:')) return skip(place, 'crawler-metadata');
    return resourcePayloadRecord(block, contentType, place, basics);
  }
  // response
  if ((contentType ?? '').toLowerCase().includes('application/http') || startsWith(block, HTTP_MAGIC)) {
    return httpPayloadRecord(block, place, basics, ctx.maxRecordBytes);
  }
  return resourcePayloadRecord(block, contentType, place, basics);
}

const HTTP_MAGIC = Buffer.from('HTTP/', 'latin1');

function startsWith(buf: Buffer, prefix: Buffer): boolean {
  return buf.length >= prefix.length && buf.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

/** Moves to the next `WARC/` line start (or the end); returns bytes skipped. */
async function resync(reader: ByteReader): Promise<number> {
  if (startsWith(await reader.peek(WARC_MAGIC.length), WARC_MAGIC)) return 0;
  const { skipped, found } = await reader.skipUntil(NEXT_RECORD);
  if (!found) return skipped;
  await reader.skip(1);
  return skipped + 1;
}

/**
 * Consumes the CRLFCRLF after a block and any further blank lines. Returns
 * the count of bytes found right at the end of the block that are neither a
 * line end nor a `WARC/` line (0 when clean): those mean the Content-Length
 * was wrong. Garbage that starts after a proper line end is left for the
 * main loop, which rejects it on its own ('bad-record').
 */
async function consumeTrailer(reader: ByteReader): Promise<number> {
  const first = await reader.peek(WARC_MAGIC.length);
  if (first.length > 0 && first[0] !== 10 && first[0] !== 13 && !startsWith(first, WARC_MAGIC)) return resync(reader);
  for (;;) {
    const head = await reader.peek(2);
    if (head[0] === 10) await reader.skip(1);
    else if (head[0] === 13 && head[1] === 10) await reader.skip(2);
    else return 0;
  }
}

/**
 * A block followed directly by bytes that are not a line end has a wrong
 * Content-Length, so its payload cannot be trusted: it becomes a reject,
 * 'truncated-record' when its HTTP body was also short of its own
 * Content-Length (the block was cut), 'bad-record-length' otherwise.
 */
function withStrayBytes(record: SourceRecord, place: RecordPlace, stray: number, length: number): SourceRecord {
  const cause = `${stray} unexpected bytes between the end of the ${length}-byte block declared by Content-Length and the next record`;
  if (record.kind === 'reject') return { ...record, message: `${record.message}; ${cause}` };
  const notes = record.kind === 'document' && Array.isArray(record.meta.notes) ? (record.meta.notes as string[]) : [];
  const short = notes.find((n) => n.startsWith('http-body-truncated'));
  if (short !== undefined) return reject(place, 'truncated-record', `${cause}; ${short}`);
  return reject(place, 'bad-record-length', cause);
}
