/**
 * What `\s` matches in a JavaScript regular expression, as a test on one
 * UTF-16 code unit: tab, line feed, vertical tab, form feed, carriage return,
 * space, no-break space, the other Unicode space separators, the line and
 * paragraph separators and U+FEFF. For loops that must not build a string
 * (or backtrack) to ask what a regular expression would.
 */
export function isWhiteSpace(c: number): boolean {
  if (c <= 0xa0) return c === 32 || (c >= 9 && c <= 13) || c === 0xa0;
  return c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * A text from which lines were taken out, tidied: runs of blank lines become
 * one (paragraphs stay separated by exactly one), and none is left at either end.
 */
export function collapseBlankLines(text: string): string {
  return text.replace(/\n{3,}/g, '\n\n').replace(/^\n+|\n+$/g, '');
}
