import { bareWord, countOccurrences, hasLetter, splitLines, whitespaceTokens } from './text.js';
import { guardText } from './text-guard.js';
import { KEEP, drop, type Verdict } from './verdict.js';

/** Thresholds of the Gopher quality rules (Rae et al. 2021, MassiveText). A null disables a rule. */
export interface GopherQualityOptions {
  /** Fewest words (tokens with a letter or digit after stripping edge punctuation). Default 50. */
  min_words: number | null;
  /** Most words. Default 100000. */
  max_words: number | null;
  /** Smallest mean word length in characters. Default 3. */
  min_mean_word_length: number | null;
  /** Largest mean word length in characters. Default 10. */
  max_mean_word_length: number | null;
  /** Largest ratio of '#' characters to words. Default 0.1. */
  max_hash_ratio: number | null;
  /** Largest ratio of ellipses ("..." or "…") to words. Default 0.1. */
  max_ellipsis_ratio: number | null;
  /** Largest share of non-empty lines starting with a bullet. Default 0.9. */
  max_bullet_lines_ratio: number | null;
  /** Largest share of non-empty lines ending with an ellipsis. Default 0.3. */
  max_ellipsis_lines_ratio: number | null;
  /** Smallest share of whitespace tokens containing a letter. Default 0.8. */
  min_alpha_words_ratio: number | null;
  /** Fewest stop-word occurrences. Default 2. */
  min_stop_words: number | null;
  /** Stop words (lower case). Default the, be, to, of, and, that, have, with. */
  stop_words: string[];
  /** Largest share of control and U+FFFD characters before the text counts as junk. Default 0.01. */
  max_invalid_char_ratio: number;
}

export const GOPHER_QUALITY_DEFAULTS: Readonly<GopherQualityOptions> = Object.freeze({
  min_words: 50,
  max_words: 100_000,
  min_mean_word_length: 3,
  max_mean_word_length: 10,
  max_hash_ratio: 0.1,
  max_ellipsis_ratio: 0.1,
  max_bullet_lines_ratio: 0.9,
  max_ellipsis_lines_ratio: 0.3,
  min_alpha_words_ratio: 0.8,
  min_stop_words: 2,
  stop_words: ['the', 'be', 'to', 'of', 'and', 'that', 'have', 'with'],
  max_invalid_char_ratio: 0.01,
});

/** Characters that make a line a bullet-point line when they start it (after indentation). */
export const BULLETS: readonly string[] = ['•', '-', '*', '‣', '◦', '⁃', '▪', '●', '○', '■', '□', '–'];

/**
 * Applies the Gopher quality rules in a fixed order and returns the first that
 * fails, with its value. Rules and their names:
 *   gopher:word-count         words outside [min_words, max_words]       value: words
 *   gopher:mean-word-length   mean bare-word length outside the range    value: mean
 *   gopher:hash-ratio         '#' count / words                         value: ratio
 *   gopher:ellipsis-ratio     ("..." + "…") count / words               value: ratio
 *   gopher:bullet-lines       lines starting with a bullet / lines      value: ratio
 *   gopher:ellipsis-lines     lines ending with an ellipsis / lines     value: ratio
 *   gopher:alpha-words        tokens with a letter / tokens             value: ratio
 *   gopher:stop-words         stop-word occurrences                     value: count
 */
export function gopherQuality(text: string, o: GopherQualityOptions = GOPHER_QUALITY_DEFAULTS): Verdict {
  const guard = guardText('gopher', text, o.max_invalid_char_ratio);
  if (guard) return guard;
  const tokens = whitespaceTokens(text);
  const stop = new Set(o.stop_words.map((w) => w.toLowerCase()));
  let words = 0;
  let wordChars = 0;
  let alphaTokens = 0;
  let stopCount = 0;
  for (const t of tokens) {
    if (hasLetter(t)) alphaTokens++;
    const w = bareWord(t);
    if (w.length === 0) continue;
    words++;
    // Length in code points, so that a letter outside the BMP counts once.
    wordChars += codePointLength(w);
    if (stop.has(w.toLowerCase())) stopCount++;
  }
  if (o.min_words !== null && words < o.min_words) return drop('gopher:word-count', words);
  if (o.max_words !== null && words > o.max_words) return drop('gopher:word-count', words);
  const mean = words === 0 ? 0 : wordChars / words;
  if (o.min_mean_word_length !== null && mean < o.min_mean_word_length) return drop('gopher:mean-word-length', mean);
  if (o.max_mean_word_length !== null && mean > o.max_mean_word_length) return drop('gopher:mean-word-length', mean);
  // Ratios to words: with no words (min_words disabled) any symbol makes the ratio infinite.
  const perWord = (n: number): number => (words === 0 ? (n === 0 ? 0 : Infinity) : n / words);
  if (o.max_hash_ratio !== null) {
    const r = perWord(countOccurrences(text, '#'));
    if (r > o.max_hash_ratio) return drop('gopher:hash-ratio', r);
  }
  if (o.max_ellipsis_ratio !== null) {
    const r = perWord(countOccurrences(text, '...') + countOccurrences(text, '…'));
    if (r > o.max_ellipsis_ratio) return drop('gopher:ellipsis-ratio', r);
  }
  if (o.max_bullet_lines_ratio !== null || o.max_ellipsis_lines_ratio !== null) {
    let lines = 0;
    let bullets = 0;
    let ellipses = 0;
    for (const raw of splitLines(text)) {
      const line = raw.trim();
      if (line.length === 0) continue;
      lines++;
      if (BULLETS.some((b) => line.startsWith(b))) bullets++;
      if (line.endsWith('...') || line.endsWith('…')) ellipses++;
    }
    if (o.max_bullet_lines_ratio !== null && lines > 0 && bullets / lines > o.max_bullet_lines_ratio) {
      return drop('gopher:bullet-lines', bullets / lines);
    }
    if (o.max_ellipsis_lines_ratio !== null && lines > 0 && ellipses / lines > o.max_ellipsis_lines_ratio) {
      return drop('gopher:ellipsis-lines', ellipses / lines);
    }
  }
  if (o.min_alpha_words_ratio !== null) {
    const r = tokens.length === 0 ? 0 : alphaTokens / tokens.length;
    if (r < o.min_alpha_words_ratio) return drop('gopher:alpha-words', r);
  }
  if (o.min_stop_words !== null && stopCount < o.min_stop_words) return drop('gopher:stop-words', stopCount);
  return KEEP;
}

function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) n--;
  }
  return n;
}
