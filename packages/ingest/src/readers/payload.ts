import { binaryKind } from './binary.js';
import { decodeHttpBody, isTextMediaType, parseContentType, parseHttpHead, sniffHtml } from './http.js';
import type { RejectedRecord, SkippedRecord, SourceDocument, SourceFormat, SourceRecord } from './types.js';

/** Where a record sits, for ids and for messages that name file, offset and cause. */
export interface RecordPlace {
  file: string;
  format: SourceFormat;
  offset: number;
  url: string | null;
}

/** What the archive record says about itself, before its payload is looked at. */
export interface RecordBasics {
  recordType: string;
  date: string | null;
  meta: Record<string, unknown>;
  /** Media type from the archive header (ARC content-type field, WARC-Identified-Payload-Type), used when HTTP has none. */
  fallbackMediaType?: string | null;
}

export function skip(place: RecordPlace, reason: string, detail?: string): SkippedRecord {
  const record: SkippedRecord = { kind: 'skip', format: place.format, offset: place.offset, url: place.url, reason };
  if (detail !== undefined) record.detail = detail;
  return record;
}

/**
 * The skip for a payload labelled as text whose bytes are not (a PDF, an
 * image or an archive served as `text/html`), or null when they are text.
 */
function binaryPayload(place: RecordPlace, body: Uint8Array, label: string | null): SkippedRecord | null {
  const kind = binaryKind(body);
  return kind === null ? null : skip(place, 'binary-payload', `${kind} bytes labelled ${label ?? 'with no media type'}`);
}

export function reject(place: RecordPlace, reason: string, cause: string): RejectedRecord {
  return { kind: 'reject', format: place.format, offset: place.offset, url: place.url, reason, message: `${place.file} @ offset ${place.offset}: ${cause}` };
}

/**
 * A body that is a view into a larger read buffer would keep that whole
 * buffer (up to a MiB) alive as long as the document lives; consumers batch
 * documents, so the body gets its own copy.
 */
function detach(body: Buffer): Buffer {
  return body.byteLength === body.buffer.byteLength ? body : Buffer.from(body);
}

function withNotes(meta: Record<string, unknown>, notes: string[]): Record<string, unknown> {
  return notes.length === 0 ? meta : { ...meta, notes };
}

/**
 * The document in an HTTP response block (WARC response record, ARC record):
 * status and media type decide first (cheap), then the body is de-chunked and
 * decoded.
 */
export function httpPayloadRecord(block: Buffer, place: RecordPlace, basics: RecordBasics, maxBytes: number): SourceRecord {
  const head = parseHttpHead(block);
  if (typeof head === 'string') return reject(place, 'bad-http', head);
  if (head.status < 200 || head.status > 299) return skip(place, `http-status-${head.status}`);
  const declared = head.headers.get('content-type');
  const { mediaType: httpType, charset } = parseContentType(declared);
  const mediaType = httpType ?? parseContentType(basics.fallbackMediaType).mediaType;
  if (mediaType !== null && !isTextMediaType(mediaType)) return skip(place, 'non-text-payload');
  const notes: string[] = [];
  const decoded = decodeHttpBody(block.subarray(head.bodyStart), head.headers, maxBytes, notes);
  if (!decoded.ok) return reject(place, decoded.reason, decoded.cause);
  if (decoded.body.length === 0) return skip(place, 'empty-payload');
  if (mediaType === null) {
    if (!sniffHtml(decoded.body)) return skip(place, 'non-text-payload');
    notes.push('media-type-sniffed-html');
  }
  const binary = binaryPayload(place, decoded.body, mediaType);
  if (binary !== null) return binary;
  const meta: Record<string, unknown> = { ...basics.meta, http_status: head.status };
  const encoding = head.headers.get('content-encoding');
  if (encoding !== undefined) meta.http_content_encoding = encoding;
  const doc: SourceDocument = {
    kind: 'document',
    format: place.format,
    offset: place.offset,
    recordType: basics.recordType,
    url: place.url,
    date: basics.date,
    mediaType,
    declaredCharset: charset,
    body: detach(decoded.body),
    meta: withNotes(meta, notes),
  };
  return doc;
}

/** The document in a block that is the payload itself (WARC resource record, non-HTTP ARC record). */
export function resourcePayloadRecord(block: Buffer, contentType: string | null, place: RecordPlace, basics: RecordBasics): SourceRecord {
  const { mediaType, charset } = parseContentType(contentType ?? basics.fallbackMediaType);
  const notes: string[] = [];
  if (block.length === 0) return skip(place, 'empty-payload');
  if (mediaType === null || !isTextMediaType(mediaType)) {
    if (mediaType !== null || !sniffHtml(block)) return skip(place, 'non-text-payload');
    notes.push('media-type-sniffed-html');
  }
  const binary = binaryPayload(place, block, mediaType);
  if (binary !== null) return binary;
  return {
    kind: 'document',
    format: place.format,
    offset: place.offset,
    recordType: basics.recordType,
    url: place.url,
    date: basics.date,
    mediaType,
    declaredCharset: charset,
    body: detach(block),
    meta: withNotes(basics.meta, notes),
  };
}
