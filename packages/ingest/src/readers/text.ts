import { binaryKind } from './binary.js';
import { ByteReader } from './byte-reader.js';
import { cutShort, type ParseContext } from './context.js';
import { reject, skip } from './payload.js';
import type { SourceRecord } from './types.js';

/**
 * A plain text file (books, dumps) is one document at offset 0, UTF-8 with a
 * BOM stripped. It must fit maxRecordBytes; a file cut by a broken
 * compressed stream is rejected rather than passed on half-read.
 */
export async function* readText(reader: ByteReader, ctx: ParseContext): AsyncGenerator<SourceRecord> {
  const place = { file: ctx.file, format: ctx.format, offset: 0, url: null };
  const data = await reader.read(ctx.maxRecordBytes + 1);
  if (data.length > ctx.maxRecordBytes) {
    const rest = await reader.skip(Number.MAX_SAFE_INTEGER);
    yield reject(place, 'record-too-large', `text file of ${data.length + rest} bytes exceeds maxRecordBytes ${ctx.maxRecordBytes}`);
    return;
  }
  if (reader.streamError) {
    yield cutShort(reader, place, `text file is cut off after ${data.length} bytes`);
    return;
  }
  if (data.length === 0) {
    yield skip(place, 'empty-file');
    return;
  }
  // Any file whose name and first bytes say nothing else is read as text: a PDF or an image among
  // the inputs must not become a document of mojibake.
  const binary = binaryKind(data);
  if (binary !== null) {
    yield reject(place, 'binary-file', `${binary} bytes, not text`);
    return;
  }
  const body = data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf ? data.subarray(3) : data;
  yield {
    kind: 'document',
    format: ctx.format,
    offset: 0,
    recordType: 'text',
    url: null,
    date: null,
    mediaType: 'text/plain',
    declaredCharset: null,
    text: new TextDecoder('utf-8').decode(body),
    meta: {},
  };
}
