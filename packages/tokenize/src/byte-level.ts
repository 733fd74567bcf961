/**
 * Byte-level pre-tokenization, the same as the `tokenizers` library's
 * ByteLevel pre-tokenizer (GPT-2 split pattern, add_prefix_space false):
 * text is split with the pattern, each piece's UTF-8 bytes are mapped to
 * printable characters, so every byte sequence has a spelling and decoding is
 * exact.
 */

/**
 * The library's pattern, `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
 * `\s` is written as `\p{White_Space}` because the library's regex engine
 * (Oniguruma) uses the Unicode White_Space property, while JavaScript's `\s`
 * also matches U+FEFF (a BOM) and misses U+0085; with `\s` the books' BOMs
 * would be split differently from the library.
 */
export const BYTE_LEVEL_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;

/** GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to U+0100 upwards. */
function buildByteChars(): string[] {
  const chars: string[] = new Array(256);
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    chars[b] = String.fromCharCode(printable ? b : 256 + shifted++);
  }
  return chars;
}

/** The byte-level spelling of each byte value. */
export const BYTE_CHARS: readonly string[] = Object.freeze(buildByteChars());

const encoder = new TextEncoder();

/** The byte-level spelling of a piece of text (one character per UTF-8 byte). */
export function toByteLevel(text: string): string {
  // ASCII fast path: most pieces of web text are ASCII and need no UTF-8 encoding.
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  const bytes = ascii ? null : encoder.encode(text);
  let out = '';
  if (bytes === null) for (let i = 0; i < text.length; i++) out += BYTE_CHARS[text.charCodeAt(i)]!;
  else for (const b of bytes) out += BYTE_CHARS[b]!;
  return out;
}

/** Splits text into pre-tokens (not yet byte-level mapped), in order. */
export function* preTokenize(text: string): Generator<string> {
  BYTE_LEVEL_SPLIT.lastIndex = 0;
  for (const m of text.matchAll(BYTE_LEVEL_SPLIT)) yield m[0];
}
