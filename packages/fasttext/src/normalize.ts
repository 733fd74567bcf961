/**
 * Text as a fastText classifier sees it, the same at training and at
 * prediction: one line (fastText reads one example per line), lower case,
 * punctuation split from words so "great!" and "great" share a token, and at
 * most `maxChars` characters so a 10 MB document costs no more than a long
 * one. Words and the punctuation marks are joined by single spaces.
 *
 * This runs once per document on the scoring path, where it used to cost
 * more than fastText itself: one pass over the UTF-16 code units into a
 * reused buffer, decoded once, then lower-cased once (after the spaces are
 * in place, so context-dependent case mappings such as the Greek final sigma
 * see the same neighbours at training and at prediction).
 */
export function normalizeForFastText(text: string, maxChars = 100_000): string {
  const n = Math.min(text.length, maxChars);
  // Worst case: every character is a mark preceded by a space.
  const out = scratch(2 * n);
  let o = 0;
  let inWord = false;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      inWord = false;
    } else if (isPunct(c)) {
      if (o > 0) out[o++] = 0x20;
      out[o++] = c;
      inWord = false;
    } else {
      // A word starts: one space separates it from the previous word or mark.
      if (!inWord && o > 0) out[o++] = 0x20;
      inWord = true;
      out[o++] = c;
    }
  }
  return decodeUtf16(out, o).toLowerCase();
}

let buffer = new Uint16Array(1 << 16);
function scratch(size: number): Uint16Array {
  if (buffer.length < size) buffer = new Uint16Array(Math.max(size, buffer.length * 2));
  return buffer;
}

const utf16 = new TextDecoder('utf-16le');
function decodeUtf16(units: Uint16Array, length: number): string {
  // Short strings are cheaper through fromCharCode than through the decoder's call overhead.
  if (length <= 64) return String.fromCharCode(...units.subarray(0, length));
  return utf16.decode(units.subarray(0, length));
}

function isSpace(c: number): boolean {
  return c <= 0x20 || c === 0x7f || c === 0x85 || c === 0xa0 || (c >= 0x1680 && (c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff));
}

/** . , ! ? ; : ( ) " [ ] { } < > « » “ ” */
function isPunct(c: number): boolean {
  switch (c) {
    case 0x2e: case 0x2c: case 0x21: case 0x3f: case 0x3b: case 0x3a: case 0x28: case 0x29: case 0x22:
    case 0x5b: case 0x5d: case 0x7b: case 0x7d: case 0x3c: case 0x3e: case 0xab: case 0xbb: case 0x201c: case 0x201d:
      return true;
    default:
      return false;
  }
}

/**
 * Text for language identification, as LanguageIdentifier has always fed
 * lid.176: the first `maxChars` characters (cut at the last space in the
 * second half of the window, so no word is split; 0 means the whole text),
 * line breaks turned into spaces (fastText predicts on one line only), trimmed.
 * Case is kept: lid.176 was trained on raw text.
 */
export function languageIdInput(text: string, maxChars: number): string {
  let input = text;
  if (maxChars > 0 && input.length > maxChars) {
    const cut = input.lastIndexOf(' ', maxChars);
    input = input.slice(0, cut > maxChars / 2 ? cut : maxChars);
  }
  return input.replace(/[\r\n\u2028\u2029]+/g, ' ').trim();
}
