import { isWhiteSpace } from './whitespace.js';

/**
 * Text normalisation applied to every document before it is written, so that
 * hashing (exact dedup), MinHash shingles and token counts see one canonical
 * form of the same text whatever the source encoding or line-end convention.
 */

// Cc controls except \t (U+0009) and \n (U+000A); \r is handled first by line-end
// conversion. U+FEFF (a BOM or deprecated zero-width no-break space) is dropped too:
// mid-text it only appears where files were concatenated, and it breaks exact dedup.
// So is U+00AD, the soft hyphen: a hint where a line may break, invisible otherwise.
// Sites that hyphenate for layout put one in most long words ("Ita\u00ADli\u00ADens"),
// which would split those words for the tokenizer, dedup shingles and the quality
// filters' word counts, and make the page's text differ from the same text unhyphenated.
const CONTROL_CHARS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u00AD\uFEFF]/g;
// Four or more newlines are three or more blank lines: cap at two blank lines, which
// keeps chapter or section breaks distinguishable from paragraph breaks.
const BLANK_RUNS = /\n{4,}/g;

/**
 * Unicode NFC, control characters and soft hyphens stripped (\n and \t kept), CRLF and CR turned
 * into \n, trailing whitespace trimmed per line, runs of three or more blank
 * lines collapsed to two, leading blank lines and trailing whitespace of the
 * whole text removed. U+FFFD is kept: it is evidence of undecodable bytes, and
 * {@link countReplacementChars} counts it for quality filters.
 */
export function normalizeText(text: string): string {
  return trimLineEnds(text.replace(/\r\n?/g, '\n').replace(CONTROL_CHARS, '').normalize('NFC'))
    .replace(BLANK_RUNS, '\n\n\n')
    .replace(/^\n+/, '')
    .trimEnd();
}

/**
 * Removes whitespace at the ends of lines: what `text.replace(/[^\S\n]+$/gm, '')`
 * removes, in time linear in the text. That expression tries every start
 * position inside a run of spaces that does not end a line, so a line of
 * 50,000 spaces before its text took 3 s and one of 200,000 took 49 s (JSONL
 * and text inputs reach here unchanged). Each line is read backwards from its
 * end, only as far as its trailing whitespace goes.
 */
export function trimLineEnds(text: string): string {
  // To the expression, U+2028 and U+2029 end lines too (and are whitespace themselves).
  if (text.indexOf('\u2028') !== -1 || text.indexOf('\u2029') !== -1) return trimLineEndsAndSeparators(text);
  let out = '';
  let from = 0;
  for (let lineStart = 0; lineStart <= text.length; ) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    let trimmed = lineEnd;
    while (trimmed > lineStart && isWhiteSpace(text.charCodeAt(trimmed - 1))) trimmed--;
    if (trimmed < lineEnd) {
      out += text.slice(from, trimmed);
      from = lineEnd;
    }
    lineStart = lineEnd + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

/**
 * trimLineEnds for a text holding U+2028 or U+2029, run by run as the
 * expression matches: a run of whitespace that ends a line (before \n or at
 * the end) goes whole; one that does not goes up to the last separator inside
 * it, if that follows the run's first character.
 */
function trimLineEndsAndSeparators(text: string): string {
  let out = '';
  let from = 0;
  let i = 0;
  while (i < text.length) {
    if (!isSpaceInLine(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    let lastSeparator = -1;
    for (; i < text.length && isSpaceInLine(text.charCodeAt(i)); i++) {
      const c = text.charCodeAt(i);
      if (c === 0x2028 || c === 0x2029) lastSeparator = i;
    }
    const end = i === text.length || text.charCodeAt(i) === 10 ? i : lastSeparator > start ? lastSeparator : start;
    if (end > start) {
      out += text.slice(from, start);
      from = end;
    }
  }
  return from === 0 ? text : out + text.slice(from);
}

/** Whitespace other than \n. */
function isSpaceInLine(c: number): boolean {
  return c !== 10 && isWhiteSpace(c);
}

/** Number of U+FFFD replacement characters: bytes that did not decode in the chosen charset. */
export function countReplacementChars(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\uFFFD'); i !== -1; i = text.indexOf('\uFFFD', i + 1)) n++;
  return n;
}
