/**
 * Text and URL normalisation shared by exact and near-duplicate detection.
 *
 * Text (documented in docs/dedup.md):
 *   1. Unicode NFKC (full-width forms, ligatures and compatibility characters fold to their plain form);
 *   2. lower case (locale-independent `toLowerCase`);
 *   3. every decimal digit (\p{Nd}) becomes `0`, so "page 3 of 7" equals "page 4 of 9";
 *   4. punctuation, symbols and control characters (\p{P}\p{S}\p{C}) separate words and are removed;
 *   5. whitespace runs collapse to one space; leading and trailing space is trimmed.
 * Characters of scripts written without spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar,
 * Tibetan) are words of one character each for shingling.
 */

/** Class of a UTF-16 code unit for tokenising: separator, word character, or a one-character word. */
export const SEPARATOR = 0;
export const WORD = 1;
export const SOLO = 2;

const CLASS = new Uint8Array(65536);
/** Case-folded, digit-folded code unit for every BMP code unit. */
const FOLD = new Uint16Array(65536);

(function buildTables(): void {
  const word = /[\p{L}\p{M}\p{N}]/u;
  const solo = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\p{Script=Tibetan}\u30FC]/u;
  const digit = /\p{Nd}/u;
  for (let c = 0; c < 65536; c++) {
    FOLD[c] = c;
    if (c >= 0xd800 && c <= 0xdfff) {
      // Astral characters (emoji, rare Han): their surrogate halves stay part of a word.
      CLASS[c] = WORD;
      continue;
    }
    const ch = String.fromCharCode(c);
    if (solo.test(ch)) CLASS[c] = SOLO;
    else if (word.test(ch)) CLASS[c] = WORD;
    else continue;
    if (digit.test(ch)) FOLD[c] = 0x30;
    else {
      const lower = ch.toLowerCase();
      if (lower.length === 1) FOLD[c] = lower.charCodeAt(0);
    }
  }
})();

export function charClass(code: number): number {
  return CLASS[code]!;
}

export function foldChar(code: number): number {
  return FOLD[code]!;
}

/** Internal: the tables, for the hot loop of the shingler. */
export const TABLES = { CLASS, FOLD };

/** The normalised text that exact dedup hashes: words joined by single spaces, as described above. */
export function normalizeText(text: string): string {
  const t = text.normalize('NFKC');
  const out = new Uint16Array(t.length);
  let n = 0;
  let inWord = false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (CLASS[c] === SEPARATOR) {
      inWord = false;
      continue;
    }
    if (!inWord && n > 0) out[n++] = 0x20;
    inWord = true;
    out[n++] = FOLD[c]!;
  }
  return UTF16.decode(out.subarray(0, n));
}

const UTF16 = new TextDecoder('utf-16le');

/**
 * Normalised URL for URL dedup: scheme and host lower-cased, `www.` dropped, default ports dropped,
 * fragment dropped, query parameters sorted, trailing slash of the path dropped, http and https the
 * same. A URL that does not parse is compared as its trimmed text. Empty or null gives null.
 */
export function normalizeUrl(url: string | null | undefined): string | null {
  if (url === null || url === undefined) return null;
  let raw = url.trim();
  if (raw.startsWith('<') && raw.endsWith('>')) raw = raw.slice(1, -1).trim();
  if (raw === '') return null;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return raw;
  }
  const host = u.hostname.toLowerCase().replace(/^www\./, '');
  const port = u.port === '' || u.port === '80' || u.port === '443' ? '' : `:${u.port}`;
  let path = u.pathname;
  while (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  if (path === '/') path = '';
  const params = [...u.searchParams.entries()].sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  const query = params.length === 0 ? '' : '?' + params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  const scheme = u.protocol === 'https:' || u.protocol === 'http:' ? 'http:' : u.protocol;
  return `${scheme}//${host}${port}${path}${query}`;
}
