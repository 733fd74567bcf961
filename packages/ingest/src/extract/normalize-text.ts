/**
 * Text normalisation applied to every document before it is written, so that
 * hashing (exact dedup), MinHash shingles and token counts see one canonical
 * form of the same text whatever the source encoding or line-end convention.
 */

// Cc controls except \t (U+0009) and \n (U+000A); \r is handled first by line-end
// conversion. U+FEFF (a BOM or deprecated zero-width no-break space) is dropped too:
// mid-text it only appears where files were concatenated, and it breaks exact dedup.
const CONTROL_CHARS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\uFEFF]/g;
const TRAILING_SPACE = /[^\S\n]+$/gm;
// Four or more newlines are three or more blank lines: cap at two blank lines, which
// keeps chapter or section breaks distinguishable from paragraph breaks.
const BLANK_RUNS = /\n{4,}/g;

/**
 * Unicode NFC, control characters stripped (\n and \t kept), CRLF and CR turned
 * into \n, trailing whitespace trimmed per line, runs of three or more blank
 * lines collapsed to two, leading blank lines and trailing whitespace of the
 * whole text removed. U+FFFD is kept: it is evidence of undecodable bytes, and
 * {@link countReplacementChars} counts it for quality filters.
 */
export function normalizeText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(CONTROL_CHARS, '')
    .normalize('NFC')
    .replace(TRAILING_SPACE, '')
    .replace(BLANK_RUNS, '\n\n\n')
    .replace(/^\n+/, '')
    .trimEnd();
}

/** Number of U+FFFD replacement characters: bytes that did not decode in the chosen charset. */
export function countReplacementChars(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\uFFFD'); i !== -1; i = text.indexOf('\uFFFD', i + 1)) n++;
  return n;
}
