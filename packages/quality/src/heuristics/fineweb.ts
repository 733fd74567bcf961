import { duplicates } from './gopher-repetition.js';
import { splitLines, whitespaceTokens } from './text.js';
import { guardText } from './text-guard.js';
import { KEEP, drop, type Verdict } from './verdict.js';

/** Thresholds of the FineWeb quality rules (Penedo et al. 2024). A null disables a rule. */
export interface FineWebOptions {
  /** Smallest share of non-empty lines ending in terminal punctuation. Default 0.12. */
  min_terminal_punct_line_ratio: number | null;
  /** Line endings that count as terminal punctuation. Default [".", "!", "?", "\"", "'", "。", "！", "？"]. */
  terminal_punctuation: string[];
  /** Largest share of non-empty lines of at most `short_line_length` characters. Default 0.67. */
  max_short_line_ratio: number | null;
  /** Length (characters, after trimming) up to which a line is short. Default 30. */
  short_line_length: number;
  /** Largest share of characters (newlines excluded) in lines that repeat an earlier line. Default 0.01. */
  max_dup_line_char_ratio: number | null;
  /** Largest number of newlines per word. Default 0.3. */
  max_newline_per_word: number | null;
  /** Largest share of control and U+FFFD characters before the text counts as junk. Default 0.01. */
  max_invalid_char_ratio: number;
}

export const FINEWEB_DEFAULTS: Readonly<FineWebOptions> = Object.freeze({
  min_terminal_punct_line_ratio: 0.12,
  terminal_punctuation: ['.', '!', '?', '"', "'", '。', '！', '？'],
  max_short_line_ratio: 0.67,
  short_line_length: 30,
  max_dup_line_char_ratio: 0.01,
  max_newline_per_word: 0.3,
  max_invalid_char_ratio: 0.01,
});

/**
 * The FineWeb rules, over non-empty trimmed lines:
 *   fineweb:terminal-punct-lines   lines ending in terminal punctuation / lines   value: ratio
 *   fineweb:short-lines            lines of <= short_line_length chars / lines    value: ratio
 *   fineweb:dup-line-chars         chars of repeated lines / chars without "\n"   value: ratio
 *   fineweb:newline-per-word       "\n" count / whitespace tokens                 value: ratio
 */
export function finewebFilter(text: string, o: FineWebOptions = FINEWEB_DEFAULTS): Verdict {
  const guard = guardText('fineweb', text, o.max_invalid_char_ratio);
  if (guard) return guard;
  const lines = splitLines(text).map((l) => l.trim()).filter((l) => l.length > 0);
  if (o.min_terminal_punct_line_ratio !== null) {
    const n = lines.filter((l) => o.terminal_punctuation.some((p) => l.endsWith(p))).length;
    const r = n / lines.length;
    if (r < o.min_terminal_punct_line_ratio) return drop('fineweb:terminal-punct-lines', r);
  }
  if (o.max_short_line_ratio !== null) {
    const r = lines.filter((l) => l.length <= o.short_line_length).length / lines.length;
    if (r > o.max_short_line_ratio) return drop('fineweb:short-lines', r);
  }
  if (o.max_dup_line_char_ratio !== null) {
    let newlines = 0;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) newlines++;
    const r = duplicates(lines).chars / Math.max(1, text.length - newlines);
    if (r > o.max_dup_line_char_ratio) return drop('fineweb:dup-line-chars', r);
  }
  if (o.max_newline_per_word !== null) {
    let newlines = 0;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) newlines++;
    const words = whitespaceTokens(text).length;
    const r = newlines / Math.max(1, words);
    if (r > o.max_newline_per_word) return drop('fineweb:newline-per-word', r);
  }
  return KEEP;
}
