import { isAscii, isUtf8 as isWholeUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';
import { utf16ByteOrder } from '../readers/binary.js';

// Required, not imported: both packages are CommonJS, and Node runs its export lexer over a
// CommonJS package an ES module imports (cjs-module-lexer, JavaScript run cold). Required, the two
// load in 7-14 ms each instead of 16-31 ms, in every task thread's start (docs/benchmarks.md,
// twenty-third session).
const requireFromHere = createRequire(import.meta.url);
const { detect: chardetDetect } = requireFromHere('chardet') as typeof import('chardet');
const iconv = requireFromHere('iconv-lite') as typeof import('iconv-lite');

export interface DecodedBody {
  text: string;
  /** Canonical lower-case name of the charset used, e.g. "utf-8", "windows-1251". */
  charset: string;
  /** Which evidence chose the charset. */
  charsetSource: 'bom' | 'http' | 'meta' | 'detected' | 'default';
}

/** Bytes scanned for a `<meta charset>` declaration (the HTML standard's prescan looks at 1024; real pages put it later). */
const META_SCAN_BYTES = 4096;
/** Bytes given to chardet: enough for a stable answer, bounded so huge bodies cost no more. */
const DETECT_SAMPLE_BYTES = 64 * 1024;

const META_CHARSET = /<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([a-z0-9_:.()+-]+)/i;

/**
 * Labels that browsers decode differently from their literal meaning (WHATWG
 * Encoding Standard): pages declaring them are written for the browser's
 * behaviour, so decoding literally would mangle e.g. curly quotes (0x93/0x94).
 */
const LABEL_ALIASES: Record<string, string> = {
  'iso-8859-1': 'windows-1252',
  'iso8859-1': 'windows-1252',
  latin1: 'windows-1252',
  'l1': 'windows-1252',
  'us-ascii': 'windows-1252',
  ascii: 'windows-1252',
  'iso-8859-9': 'windows-1254',
  'iso-8859-11': 'windows-874',
  'tis-620': 'windows-874',
  gb2312: 'gbk',
  'gb_2312-80': 'gbk',
  'x-gbk': 'gbk',
  'x-sjis': 'shift_jis',
  'ms_kanji': 'shift_jis',
  'windows-31j': 'shift_jis',
  'ks_c_5601-1987': 'euc-kr',
  'x-euc-jp': 'euc-jp',
  unicode: 'utf-16le',
  'utf8': 'utf-8',
  'unicode-1-1-utf-8': 'utf-8',
  'x-user-defined': 'windows-1252',
};

/**
 * Turns a declared charset label into a name iconv-lite can decode, or null
 * when the label is unknown (a typo, "none", a made-up name): the caller then
 * moves on to the next kind of evidence rather than failing.
 */
export function resolveCharset(label: string | null | undefined): string | null {
  if (!label) return null;
  const clean = label.trim().replace(/^["']|["']$/g, '').trim().toLowerCase();
  if (clean === '') return null;
  const name = LABEL_ALIASES[clean] ?? clean;
  return iconv.encodingExists(name) ? name : null;
}

/**
 * Decodes HTTP payload bytes. Evidence in order: a byte-order mark, the NUL
 * bytes of UTF-16 without one, the HTTP-declared charset, a `<meta charset>`
 * or http-equiv declaration in the first 4 KB, detection (valid UTF-8 first,
 * then chardet), and finally UTF-8 with U+FFFD for bad bytes. Unknown charset
 * names fall through to the next kind of evidence. Never throws on any input.
 */
export function decodeBody(body: Uint8Array, declaredCharset: string | null): DecodedBody {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);

  const bom = bomCharset(buf);
  if (bom !== null) return { text: decodeAs(buf, bom), charset: bom, charsetSource: 'bom' };

  // UTF-16 without a byte-order mark: read by the order of its NUL bytes, whatever a label says
  // (a label can only be right here if it names UTF-16; an ASCII-compatible one would give the
  // markup back as text, a NUL between every two letters).
  const utf16 = utf16ByteOrder(buf);
  if (utf16 !== null) return { text: decodeAs(buf, utf16), charset: utf16, charsetSource: /^utf-?16/i.test(declaredCharset ?? '') ? 'http' : 'detected' };

  const http = resolveCharset(declaredCharset);
  if (http !== null) return { text: decodeAs(buf, asciiCompatible(http)), charset: asciiCompatible(http), charsetSource: 'http' };

  const meta = resolveCharset(META_CHARSET.exec(buf.subarray(0, META_SCAN_BYTES).toString('latin1'))?.[1]);
  if (meta !== null) return { text: decodeAs(buf, asciiCompatible(meta)), charset: asciiCompatible(meta), charsetSource: 'meta' };

  const detected = detectCharset(buf);
  if (detected !== null) return { text: decodeAs(buf, detected), charset: detected, charsetSource: 'detected' };

  return { text: decodeAs(buf, 'utf-8'), charset: 'utf-8', charsetSource: 'default' };
}

function bomCharset(buf: Buffer): string | null {
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return 'utf-8';
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return 'utf-16le';
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) return 'utf-16be';
  return null;
}

/**
 * A UTF-16 declaration on a body that has no BOM is wrong in practice (the
 * declaration itself was readable as ASCII), so decode as UTF-8, as browsers do.
 */
function asciiCompatible(name: string): string {
  return /^utf-?16/.test(name) ? 'utf-8' : name;
}

function detectCharset(buf: Buffer): string | null {
  const sample = buf.subarray(0, DETECT_SAMPLE_BYTES);
  // Valid UTF-8 (pure ASCII included) is almost never another encoding by accident,
  // and chardet is both slower and less sure on it. A multi-byte character cut at
  // the sample's end must not count as invalid, so only whole bodies are checked strictly.
  if (isUtf8(sample, sample.length < buf.length)) return 'utf-8';
  let guess: string | null = null;
  try {
    // Markup is ASCII and drowns the statistics of the text bytes (a windows-1251 page scored as
    // ISO-8859-1 before this), so chardet sees the page with scripts, styles and tags removed.
    // latin1 maps bytes 1:1, so the round trip leaves the text bytes untouched.
    const textOnly = Buffer.from(
      sample.toString('latin1').replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ').replace(/<[^>]*>/g, ' ').replace(/&[a-z#0-9]+;/gi, ' '),
      'latin1',
    );
    guess = chardetDetect(textOnly.length >= 64 ? textOnly : sample);
  } catch {
    return null;
  }
  const name = resolveCharset(guess);
  return name === null ? null : asciiCompatible(name);
}

function isUtf8(bytes: Buffer, truncated: boolean): boolean {
  let end = bytes.length;
  if (truncated) {
    // Step back over a trailing partial sequence (at most 3 continuation bytes).
    let i = end - 1;
    while (i >= 0 && end - i <= 4 && ((bytes[i] ?? 0) & 0xc0) === 0x80) i--;
    if (i >= 0 && ((bytes[i] ?? 0) & 0xc0) === 0xc0) end = i;
  }
  // simdutf's validation (node:buffer), without building the string a strict TextDecoder would.
  return isWholeUtf8(bytes.subarray(0, end));
}

/**
 * Charsets that decode every byte below 0x80 as that ASCII character. Not
 * all do: ISO-2022-JP and UTF-7 spell other characters in ASCII bytes, and
 * UTF-16 pairs them.
 */
const ASCII_SUPERSET = /^(utf-8|windows-125\d|iso-8859-\d+|koi8-[ru])$/;

function decodeAs(buf: Buffer, charset: string): string {
  // Half the pages of a crawl are pure ASCII: for them latin1 builds the same
  // string about 2.5x faster than a UTF-8 or code-page decoder (one pass of
  // simdutf's ASCII check first, far cheaper than either).
  if (ASCII_SUPERSET.test(charset) && isAscii(buf)) return buf.toString('latin1');
  // Node's own UTF-8 decoding gives the string iconv-lite's utf-8 codec gives (bad bytes as U+FFFD,
  // a leading BOM dropped: checked on 20,000 made-up byte strings, and on every page of the shared
  // corpus and the extraction sets) without iconv-lite's StringDecoder round: the corpus's UTF-8
  // bodies decode in 42 ms instead of 49. Most of what is left is V8 building two-byte strings.
  if (charset === 'utf-8') {
    const text = buf.toString('utf8');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }
  // iconv-lite strips a leading BOM for the Unicode charsets and replaces bad bytes with U+FFFD.
  return iconv.decode(buf, charset);
}
