/**
 * Text splitting shared by the heuristic filters. Words are runs of
 * non-whitespace (so text without spaces, e.g. Chinese or Japanese, is one
 * "word" per run); lines are split on "\n" with a trailing "\r" removed.
 */

const WHITESPACE = /\s+/u;
/** Leading punctuation and symbols, stripped to get the bare word (trailing ones: see bareWord). */
const LEADING_PUNCT = /^[\p{P}\p{S}]+/u;
const PUNCT_OR_SYMBOL = /^[\p{P}\p{S}]$/u;
const LETTER = /\p{L}/u;

/** Whitespace-separated tokens, without empty strings. */
export function whitespaceTokens(text: string): string[] {
  const out = text.split(WHITESPACE);
  if (out.length > 0 && out[0] === '') out.shift();
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

/**
 * A token with its edge punctuation removed; '' for a token made only of
 * symbols. The trailing run is found from the end, code point by code point:
 * `/[\p{P}\p{S}]+$/` tries every start inside a run of punctuation that does
 * not end the token, so a 50,000-character token of "=" before a letter took 3 s.
 */
export function bareWord(token: string): string {
  const word = token.replace(LEADING_PUNCT, '');
  let end = word.length;
  while (end > 0) {
    let start = end - 1;
    const low = word.charCodeAt(start);
    if (low >= 0xdc00 && low <= 0xdfff && start > 0) {
      const high = word.charCodeAt(start - 1);
      if (high >= 0xd800 && high <= 0xdbff) start--;
    }
    if (!PUNCT_OR_SYMBOL.test(word.slice(start, end))) break;
    end = start;
  }
  return end === word.length ? word : word.slice(0, end);
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
