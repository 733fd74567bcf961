import { drop, type Verdict } from './verdict.js';

/**
 * Checks shared by every heuristic filter, run before its own rules: empty
 * text, and text that is mostly not text (binary junk decoded as text, or
 * invalid UTF-8 that the decoder turned into U+FFFD). Rule names are
 * `<prefix>:empty` and `<prefix>:invalid-chars` (value: the share of such characters).
 */
export function guardText(prefix: string, text: string, maxInvalidRatio: number): Verdict | null {
  if (text.trim().length === 0) return drop(`${prefix}:empty`, text.length);
  if (maxInvalidRatio >= 1) return null;
  let invalid = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // C0 controls other than tab, newline, carriage return, form feed; DEL; U+FFFD (decoder replacement).
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c) || c === 0x7f || c === 0xfffd) invalid++;
  }
  const ratio = invalid / text.length;
  return ratio > maxInvalidRatio ? drop(`${prefix}:invalid-chars`, ratio) : null;
}
