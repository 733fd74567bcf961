import { brotliDecompressSync, constants, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { binaryKind } from './binary.js';

/** Status line and headers of an HTTP response stored in an archive record. */
export interface HttpHead {
  status: number;
  /** Lower-cased names; repeated headers joined with ', '. */
  headers: Map<string, string>;
  /** Offset of the body within the block. */
  bodyStart: number;
}

/** Largest HTTP head we accept; real heads are a few KB. */
const MAX_HTTP_HEAD = 256 * 1024;
const STATUS_LINE = /^HTTP\/\d+(?:\.\d+)?\s+(\d{3})(?:\s|$)/;

/** Parses the head of an HTTP response block; a string is the reason it is not one. */
export function parseHttpHead(block: Buffer): HttpHead | string {
  const limit = Math.min(block.length, MAX_HTTP_HEAD);
  // The head ends at the first empty line; tolerate LF-only line ends (old crawlers).
  let end = -1;
  let bodyStart = -1;
  for (let i = block.indexOf(10); i >= 0 && i < limit; i = block.indexOf(10, i + 1)) {
    if (block[i + 1] === 10) {
      end = i;
      bodyStart = i + 2;
      break;
    }
    if (block[i + 1] === 13 && block[i + 2] === 10) {
      end = i;
      bodyStart = i + 3;
      break;
    }
  }
  if (end < 0) {
    // A head with no body at all ends at the end of the block.
    if (block.length <= MAX_HTTP_HEAD && block.length > 0) {
      end = block.length;
      bodyStart = block.length;
    } else {
      return 'no end of HTTP headers';
    }
  }
  const lines = block.toString('latin1', 0, end).split('\n');
  const statusLine = (lines[0] ?? '').replace(/\r$/, '');
  const match = STATUS_LINE.exec(statusLine);
  if (!match) return `not an HTTP status line: ${JSON.stringify(statusLine.slice(0, 80))}`;
  const headers = new Map<string, string>();
  let last: string | null = null;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.length === 0) continue;
    if ((line[0] === ' ' || line[0] === '\t') && last !== null) {
      headers.set(last, `${headers.get(last) ?? ''} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue; // a broken header line says nothing we can use; the rest may still be fine
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const prior = headers.get(name);
    headers.set(name, prior === undefined ? value : `${prior}, ${value}`);
    last = name;
  }
  return { status: Number(match[1]), headers, bodyStart };
}

/** Media type (lower case, no parameters) and charset parameter of a Content-Type value. */
export function parseContentType(value: string | undefined | null): { mediaType: string | null; charset: string | null } {
  if (value === undefined || value === null) return { mediaType: null, charset: null };
  const [type, ...params] = value.split(';');
  const mediaType = (type ?? '').trim().toLowerCase();
  let charset: string | null = null;
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    if (param.slice(0, eq).trim().toLowerCase() === 'charset') {
      const raw = param.slice(eq + 1).trim().replace(/^["']|["']$/g, '').trim();
      if (raw.length > 0) charset = raw.toLowerCase();
    }
  }
  return { mediaType: /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(mediaType) ? mediaType : null, charset };
}

/** Media types whose payload is markup or text worth extracting. */
const TEXT_MEDIA_TYPES = new Set(['text/html', 'application/xhtml+xml', 'text/xhtml', 'application/vnd.wap.xhtml+xml', 'text/plain']);

export function isTextMediaType(mediaType: string): boolean {
  return TEXT_MEDIA_TYPES.has(mediaType);
}

/** True when the first bytes look like an HTML document (for payloads without a Content-Type). */
export function sniffHtml(body: Uint8Array): boolean {
  const head = Buffer.from(body.buffer, body.byteOffset, Math.min(body.byteLength, 1024)).toString('latin1').trimStart().toLowerCase();
  return /^(?:\ufeff|ï»¿)?\s*<(?:!doctype\s+html|html|head|body|!--|title|meta)/.test(head);
}

/**
 * Whether `block` holds a whole HTTP response: a head, and at least as many
 * body bytes as its own Content-Length says. Lets a reader keep a record
 * that the archive's length says is cut short when what it holds is whole.
 */
export function httpResponseWhole(block: Buffer): boolean {
  if (block.toString('latin1', 0, 5) !== 'HTTP/') return false;
  const head = parseHttpHead(block);
  if (typeof head === 'string') return false;
  const length = head.headers.get('content-length')?.trim();
  return length !== undefined && /^\d+$/.test(length) && block.length - head.bodyStart >= Number(length);
}

export type BodyResult = { ok: true; body: Buffer } | { ok: false; reason: string; cause: string };

/**
 * De-chunks. A body that does not start with a valid chunk-size line was
 * stored already de-chunked (the Common Crawl 2008 ARC keeps the header but
 * not the framing): it is used raw. A chunk whose size overruns the body or
 * whose data is not followed by a line end keeps the chunks decoded so far
 * plus the rest raw; both cases add a note.
 */
export function dechunk(body: Buffer, notes: string[]): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  let chunks = 0;
  for (;;) {
    if (pos >= body.length) {
      if (chunks > 0) notes.push('chunked-body-without-last-chunk');
      break;
    }
    const nl = body.indexOf(10, pos);
    const sizeLine = nl < 0 || nl - pos > 1024 ? null : body.toString('latin1', pos, nl).replace(/\r$/, '');
    const hex = sizeLine === null ? '' : (sizeLine.split(';')[0] ?? '').trim();
    if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) {
      return fallback(chunks === 0 ? 'chunked-header-but-raw-body' : `bad-chunking: no chunk size at body byte ${pos}`);
    }
    const size = parseInt(hex, 16);
    const dataStart = nl + 1;
    if (size === 0) break; // trailers after the last chunk carry nothing we use
    if (dataStart + size > body.length) {
      return fallback(`bad-chunking: chunk of ${size} bytes at body byte ${pos} overruns the body (${body.length - dataStart} left)`);
    }
    parts.push(body.subarray(dataStart, dataStart + size));
    chunks++;
    pos = dataStart + size;
    if (body[pos] === 13 && body[pos + 1] === 10) pos += 2;
    else if (body[pos] === 10) pos += 1;
    else if (pos < body.length) return fallback(`bad-chunking: chunk at body byte ${dataStart - hex.length} not followed by a line end`);
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);

  function fallback(note: string): Buffer {
    notes.push(note);
    if (parts.length === 0) return body;
    return Buffer.concat([...parts, body.subarray(pos)]);
  }
}

const SYNC = { finishFlush: constants.Z_SYNC_FLUSH };

/** Undoes one Content-Encoding. */
function decodeOne(body: Buffer, encoding: string, maxBytes: number, notes: string[]): BodyResult {
  const limit = { maxOutputLength: maxBytes };
  const tooLarge = (error: unknown): boolean => (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError;
  switch (encoding) {
    case 'identity':
    case 'none':
    case '':
      return { ok: true, body };
    case 'gzip':
    case 'x-gzip': {
      if (!(body[0] === 0x1f && body[1] === 0x8b)) {
        // Crawlers that decode bodies (Common Crawl 2008, some WARC writers) keep the header.
        notes.push(`content-encoding-${encoding}-not-applied`);
        return { ok: true, body };
      }
      try {
        return { ok: true, body: gunzipSync(body, limit) };
      } catch (error) {
        if (tooLarge(error)) return { ok: false, reason: 'record-too-large', cause: `gzip body inflates past ${maxBytes} bytes` };
        try {
          // A cut-off gzip body: keep what inflates, say so.
          const partial = gunzipSync(body, { ...limit, ...SYNC });
          if (partial.length > 0) {
            notes.push(`content-encoding-gzip-incomplete: ${(error as Error).message}`);
            return { ok: true, body: partial };
          }
        } catch {
          /* reported below */
        }
        return { ok: false, reason: 'bad-content-encoding', cause: `gzip body does not inflate: ${(error as Error).message}` };
      }
    }
    case 'deflate': {
      for (const inflate of [inflateSync, inflateRawSync]) {
        try {
          return { ok: true, body: inflate(body, limit) };
        } catch (error) {
          if (tooLarge(error)) return { ok: false, reason: 'record-too-large', cause: `deflate body inflates past ${maxBytes} bytes` };
        }
      }
      if (binaryKind(body) === null) {
        notes.push('content-encoding-deflate-not-applied');
        return { ok: true, body };
      }
      return { ok: false, reason: 'bad-content-encoding', cause: 'deflate body does not inflate' };
    }
    case 'br': {
      try {
        return { ok: true, body: brotliDecompressSync(body, limit) };
      } catch (error) {
        if (tooLarge(error)) return { ok: false, reason: 'record-too-large', cause: `br body decodes past ${maxBytes} bytes` };
        if (binaryKind(body) === null) {
          notes.push('content-encoding-br-not-applied');
          return { ok: true, body };
        }
        return { ok: false, reason: 'bad-content-encoding', cause: `br body does not decode: ${(error as Error).message}` };
      }
    }
    case 'zstd': {
      try {
        const out = zstdDecompress(body);
        if (out.length > maxBytes) return { ok: false, reason: 'record-too-large', cause: `zstd body decodes past ${maxBytes} bytes` };
        return { ok: true, body: Buffer.from(out.buffer, out.byteOffset, out.byteLength) };
      } catch (error) {
        if (binaryKind(body) === null) {
          notes.push('content-encoding-zstd-not-applied');
          return { ok: true, body };
        }
        return { ok: false, reason: 'bad-content-encoding', cause: `zstd body does not decode: ${(error as Error).message}` };
      }
    }
    default:
      if (binaryKind(body) === null) {
        notes.push(`content-encoding-${encoding}-unknown-kept-raw`);
        return { ok: true, body };
      }
      return { ok: false, reason: 'bad-content-encoding', cause: `unsupported Content-Encoding ${JSON.stringify(encoding)}` };
  }
}

/**
 * The payload of an HTTP response: de-chunked, compared with Content-Length
 * (a short body is kept and noted), content-decoded (in reverse order of the
 * encodings listed).
 */
export function decodeHttpBody(raw: Buffer, headers: Map<string, string>, maxBytes: number, notes: string[]): BodyResult {
  let body = raw;
  const transfer = (headers.get('transfer-encoding') ?? '').toLowerCase();
  if (transfer.includes('chunked')) {
    body = dechunk(body, notes);
  } else {
    const declared = headers.get('content-length');
    if (declared !== undefined && /^\d+$/.test(declared.trim())) {
      const length = Number(declared.trim());
      // Crawlers cap what they store (Common Crawl 2008 kept ~128 KB of longer pages): the
      // stored part is still good text, so it is kept with a note rather than rejected.
      if (body.length < length) notes.push(`http-body-truncated: ${body.length} of ${length} bytes`);
    }
  }
  const encodings = (headers.get('content-encoding') ?? '')
    .toLowerCase()
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  for (const encoding of encodings.reverse()) {
    const decoded = decodeOne(body, encoding, maxBytes, notes);
    if (!decoded.ok) return decoded;
    body = decoded.body;
  }
  // Still gzip once the declared encodings are undone: the server compressed the body without
  // saying so (or twice). A browser would show bytes; the page is one inflate away. What does not
  // inflate stays as it is, for the caller's binary check to skip.
  if (body[0] === 0x1f && body[1] === 0x8b && body[2] === 0x08) {
    const inflated = decodeOne(body, 'gzip', maxBytes, notes);
    if (!inflated.ok) return inflated.reason === 'record-too-large' ? inflated : { ok: true, body };
    notes.push('content-encoding-gzip-undeclared');
    body = inflated.body;
  }
  return { ok: true, body };
}
