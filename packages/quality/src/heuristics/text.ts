/**
 * Text splitting shared by the heuristic filters. Words are runs of
 * non-whitespace (so text without spaces, e.g. Chinese or Japanese, is one
 * "word" per run); lines are split on "\n" with a trailing "\r" removed.
 */

const WHITESPACE = /\s+/u;
/** Leading and trailing punctuation and symbols, stripped to get the bare word. */
const EDGE_PUNCT = /^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu;
const LETTER = /\p{L}/u;

/** Whitespace-separated tokens, without empty strings. */
export function whitespaceTokens(text: string): string[] {
  const out = text.split(WHITESPACE);
  if (out.length > 0 && out[0] === '') out.shift();
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

/** A token with its edge punctuation removed; '' for a token made only of symbols. */
export function bareWord(token: string): string {
  return token.replace(EDGE_PUNCT, '');
}

export function hasLetter(token: string): boolean {
  return LETTER.test(token);
}

/** Lines of a text: split on "\n", a trailing "\r" removed (CRLF files). */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.endsWith('\r')) lines[i] = l.slice(0, -1);
  }
  return lines;
}

/** Counts non-overlapping occurrences of `needle`. */
export function countOccurrences(text: string, needle: string): number {
  let n = 0;
  let at = text.indexOf(needle);
  while (at !== -1) {
    n++;
    at = text.indexOf(needle, at + needle.length);
  }
  return n;
}
