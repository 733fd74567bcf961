/**
 * Text as the classifier sees it, the same at training and at prediction:
 * one line (fastText reads one example per line), lower case, punctuation
 * split from words so "great!" and "great" share a token, and at most
 * `maxChars` characters so a 10 MB document costs no more than a long one.
 * A single pass over character codes: this runs once per document on the
 * scoring path, where two regular-expression passes cost more than fastText.
 */
export function normalizeForFastText(text: string, maxChars = 100_000): string {
  const s = text.length > maxChars ? text.slice(0, maxChars) : text;
  const parts: string[] = [];
  let runStart = 0;
  let pendingSpace = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const space = isSpace(c);
    const punct = !space && isPunct(c);
    if (!space && !punct) continue;
    if (i > runStart) {
      if (pendingSpace && parts.length > 0) parts.push(' ');
      parts.push(s.slice(runStart, i));
      pendingSpace = false;
    }
    runStart = i + 1;
    if (space) pendingSpace = true;
    else {
      if (parts.length > 0) parts.push(' ');
      parts.push(s[i]!);
      pendingSpace = true;
    }
  }
  if (runStart < s.length) {
    if (pendingSpace && parts.length > 0) parts.push(' ');
    parts.push(s.slice(runStart));
  }
  return parts.join('').toLowerCase();
}

function isSpace(c: number): boolean {
  return c <= 0x20 || c === 0x7f || c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
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

/** Text for language identification: one line, case kept (lid.176 was trained on raw text). */
export function oneLine(text: string, maxChars = 100_000): string {
  const clipped = text.length > maxChars ? text.slice(0, maxChars) : text;
  return clipped.replace(/[\s\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ').trim();
}
