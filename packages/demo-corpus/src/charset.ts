/**
 * Encoders for the legacy charsets the demo pages declare. Node can decode
 * these (TextDecoder) but not encode them; these small tables avoid a new
 * dependency. A character the charset cannot hold becomes an HTML numeric
 * character reference, which is what browsers do when submitting forms and
 * keeps the page lossless for any HTML parser.
 */

export type PageCharset = 'utf-8' | 'windows-1252' | 'iso-8859-1';

/** Unicode code points of windows-1252 bytes 0x80-0x9F (undefined: byte unused). */
const WINDOWS_1252_HIGH: ReadonlyArray<number | undefined> = [
  0x20ac, undefined, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, undefined, 0x017d, undefined,
  undefined, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, undefined, 0x017e, 0x0178,
];

const WINDOWS_1252_REVERSE = new Map<number, number>();
WINDOWS_1252_HIGH.forEach((code, i) => {
  if (code !== undefined) WINDOWS_1252_REVERSE.set(code, 0x80 + i);
});

function byteFor(code: number, charset: Exclude<PageCharset, 'utf-8'>): number | undefined {
  if (code < 0x80) return code;
  if (code >= 0xa0 && code <= 0xff) return code;
  if (charset === 'windows-1252') return WINDOWS_1252_REVERSE.get(code);
  return undefined; // ISO-8859-1 proper: 0x80-0x9F are C1 controls, never text
}

/** Encodes an HTML string in `charset`; unencodable characters become `&#N;`. */
export function encodeHtml(html: string, charset: PageCharset): Buffer {
  if (charset === 'utf-8') return Buffer.from(html, 'utf8');
  // Map every character outside ASCII and Latin-1 to its byte (as a one-unit string) or a
  // character reference, then write the string as latin1: one byte per code unit.
  const mapped = html.replace(/[^\x00-\x7f\xa0-\xff]/gu, (ch) => {
    const code = ch.codePointAt(0)!;
    const byte = byteFor(code, charset);
    return byte !== undefined ? String.fromCharCode(byte) : `&#${code};`;
  });
  return Buffer.from(mapped, 'latin1');
}

/** Whether every character of `text` has a byte of its own in `charset` (no character references needed). */
export function fitsCharset(text: string, charset: PageCharset): boolean {
  if (charset === 'utf-8') return true;
  for (const ch of text) if (byteFor(ch.codePointAt(0)!, charset) === undefined) return false;
  return true;
}
