import { ByteReader, LINE_TOO_LONG } from './byte-reader.js';
import { cutShort, throwIfAborted, trailingStreamError, type ParseContext } from './context.js';
import { reject } from './payload.js';
import type { SourceRecord } from './types.js';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object a string of JSON holds (RedPajama-V2 keeps its `meta` so), else an empty one. */
function objectIn(value: unknown): Json {
  if (typeof value !== 'string' || !value.startsWith('{')) return {};
  try {
    const parsed: unknown = JSON.parse(value);
    return isObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
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
 * The text is the first string among the fields `ctx.jsonlTextField` names
 * (several separated by `|`: dumps name it `text`, `content` or `raw_content`).
 */
export async function* readJsonl(reader: ByteReader, ctx: ParseContext): AsyncGenerator<SourceRecord> {
  const textFields = ctx.jsonlTextField.split('|');
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
    const metadata = isObject(value.metadata) ? value.metadata : isObject(value.meta) ? value.meta : objectIn(value.meta);
    // OSCAR keeps the crawl's WARC headers beside the text.
    const warc = isObject(value.warc_headers) ? value.warc_headers : {};
    const url = firstString(value.url, metadata.url, warc['warc-target-uri']);
    const textField = textFields.find((field) => typeof value[field] === 'string');
    if (textField === undefined) {
      yield reject({ ...place, url }, 'missing-text', `no string field ${textFields.map((f) => JSON.stringify(f)).join(' or ')}`);
      continue;
    }
    const text = value[textField] as string;
    const rawId = value[ctx.jsonlIdField];
    const id = typeof rawId === 'string' ? rawId : typeof rawId === 'number' ? String(rawId) : null;
    const lang = firstString(value.lang, value.language, metadata.lang, metadata.language);
    const meta: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (key !== textField && key !== ctx.jsonlIdField) meta[key] = v;
    }
    yield {
      kind: 'document',
      format: ctx.format,
      offset: start,
      recordType: 'jsonl',
      url,
      date: firstString(value.created, value.date, value.added, value.timestamp, warc['warc-date']),
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
