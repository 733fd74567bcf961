import { ByteReader, LINE_TOO_LONG } from './byte-reader.js';
import { cutShort, throwIfAborted, trailingStreamError, type ParseContext } from './context.js';
import { reject } from './payload.js';
import type { SourceRecord } from './types.js';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstString(...values: unknown[]): string | null {
  for (const v of values) if (typeof v === 'string' && v.length > 0) return v;
  return null;
}

/**
 * Reads JSON Lines (plain, gzip or zstd): one document per line, with the
 * line's byte offset in the decompressed stream. Lines holding only
 * whitespace are not records and are passed over; every other line is a
 * document or a reject ('bad-json', 'missing-text', 'record-too-large').
 */
export async function* readJsonl(reader: ByteReader, ctx: ParseContext): AsyncGenerator<SourceRecord> {
  let first = true;
  let streamErrorReported = false;
  for (;;) {
    throwIfAborted(ctx);
    const start = reader.offset;
    const line = await reader.readLine(ctx.maxRecordBytes);
    if (line === null) break;
    const place = { file: ctx.file, format: ctx.format, offset: start, url: null };
    if (line === LINE_TOO_LONG) {
      await reader.skipLine();
      yield reject(place, 'record-too-large', `line longer than maxRecordBytes ${ctx.maxRecordBytes}`);
      continue;
    }
    let bytes = line;
    if (first && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    first = false;
    const source = bytes.toString('utf8');
    if (source.trim().length === 0) continue;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (error) {
      if (reader.streamError && (await reader.atEnd())) {
        // The last line is cut by a broken compressed stream: that is the cause, not the JSON.
        streamErrorReported = true;
        yield cutShort(reader, place, 'JSONL line is cut off');
        break;
      }
      yield reject(place, 'bad-json', `invalid JSON: ${(error as Error).message}`);
      continue;
    }
    if (!isObject(value)) {
      yield reject(place, 'bad-json', `line is JSON ${Array.isArray(value) ? 'array' : typeof value}, not an object`);
      continue;
    }
    const metadata = isObject(value.metadata) ? value.metadata : isObject(value.meta) ? value.meta : {};
    const url = firstString(value.url, metadata.url);
    const text = value[ctx.jsonlTextField];
    if (typeof text !== 'string') {
      yield reject({ ...place, url }, 'missing-text', `no string field ${JSON.stringify(ctx.jsonlTextField)}`);
      continue;
    }
    const rawId = value[ctx.jsonlIdField];
    const id = typeof rawId === 'string' ? rawId : typeof rawId === 'number' ? String(rawId) : null;
    const lang = firstString(value.lang, value.language, metadata.lang, metadata.language);
    const meta: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (key !== ctx.jsonlTextField && key !== ctx.jsonlIdField) meta[key] = v;
    }
    yield {
      kind: 'document',
      format: ctx.format,
      offset: start,
      recordType: 'jsonl',
      url,
      date: firstString(value.created, value.date, value.added),
      mediaType: 'text/plain',
      declaredCharset: null,
      text,
      ...(id !== null ? { id } : {}),
      ...(lang !== null ? { lang } : {}),
      meta,
    };
  }
  if (!streamErrorReported) {
    const tail = trailingStreamError(reader, ctx);
    if (tail) yield tail;
  }
}
