import { splitLines } from './text.js';
import { guardText } from './text-guard.js';
import { drop, type Verdict } from './verdict.js';

/** The C4 rules (Raffel et al. 2020); each one can be switched off. */
export interface C4Options {
  /** Keep only lines ending in one of `terminal_punctuation` (and not in an ellipsis). Default true. */
  require_terminal_punctuation: boolean;
  /** Line endings that count as terminal punctuation. Default [".", "!", "?", "\"", "'"]. */
  terminal_punctuation: string[];
  /** Drop lines with fewer whitespace-separated words; 0 disables. Default 3. */
  min_words_per_line: number;
  /** Drop lines containing a word longer than this; 0 disables. Default 1000. */
  max_word_length: number;
  /** Drop lines containing "javascript" (any case). Default true. */
  filter_javascript: boolean;
  /** Drop lines with cookie, terms-of-use or privacy-policy phrases. Default true. */
  filter_policy: boolean;
  /** Drop documents containing "lorem ipsum" (any case). Default true. */
  filter_lorem_ipsum: boolean;
  /** Drop documents containing a curly brace "{" or "}". Default true. */
  filter_curly_brace: boolean;
  /** Fewest sentences in the kept lines; 0 disables. Default 5. */
  min_sentences: number;
  /** Remove citation markers such as [1], [12], [edit], [citation needed] before the line rules. Default true. */
  strip_citations: boolean;
  /** Largest share of control and U+FFFD characters before the text counts as junk. Default 0.01. */
  max_invalid_char_ratio: number;
}

export const C4_DEFAULTS: Readonly<C4Options> = Object.freeze({
  require_terminal_punctuation: true,
  terminal_punctuation: ['.', '!', '?', '"', "'"],
  min_words_per_line: 3,
  max_word_length: 1000,
  filter_javascript: true,
  filter_policy: true,
  filter_lorem_ipsum: true,
  filter_curly_brace: true,
  min_sentences: 5,
  strip_citations: true,
  max_invalid_char_ratio: 0.01,
});

/** Phrases that mark cookie banners and legal boilerplate (from the C4 and datatrove filters). */
export const POLICY_PHRASES: readonly string[] = [
  'terms of use', 'privacy policy', 'cookie policy', 'uses cookies', 'use of cookies', 'use cookies',
];

const CITATION = /\[\d{1,4}\]|\[edit\]|\[citation needed\]/gi;

/** Line counters the C4 step records (lines removed per rule). */
export type C4LineCounter = 'c4:line-too-long-word' | 'c4:line-no-terminal-punct' | 'c4:line-too-few-words' | 'c4:line-javascript' | 'c4:line-policy' | 'c4:citations-stripped';

/**
 * Applies the C4 rules. Document rules drop the whole document:
 *   c4:lorem-ipsum, c4:curly-brace      value: the offset of the first match
 *   c4:too-few-sentences                value: sentences in the kept lines
 * Line rules remove lines and count them through `count`; the kept lines,
 * trimmed and joined with "\n", become the new text. Sentences are counted as
 * runs of [.!?] followed by whitespace, a quote or the end of the line; a kept
 * line counts at least one.
 */
export function c4Filter(text: string, o: C4Options = C4_DEFAULTS, count: (counter: C4LineCounter, n?: number) => void = () => undefined): Verdict {
  const guard = guardText('c4', text, o.max_invalid_char_ratio);
  if (guard) return guard;
  if (o.filter_lorem_ipsum) {
    const at = text.toLowerCase().indexOf('lorem ipsum');
    if (at !== -1) return drop('c4:lorem-ipsum', at);
  }
  if (o.filter_curly_brace) {
    const open = text.indexOf('{');
    const close = text.indexOf('}');
    const at = open === -1 ? close : close === -1 ? open : Math.min(open, close);
    if (at !== -1) return drop('c4:curly-brace', at);
  }
  const kept: string[] = [];
  let sentences = 0;
  for (const raw of splitLines(text)) {
    let line = raw.trim();
    if (line.length === 0) continue;
    if (o.strip_citations) {
      const before = line.length;
      line = line.replace(CITATION, '');
      if (line.length !== before) {
        count('c4:citations-stripped');
        line = line.replace(/[ \t]{2,}/g, ' ').trim();
      }
    }
    const words = line.length === 0 ? [] : line.split(/\s+/);
    if (o.max_word_length > 0 && words.some((w) => w.length > o.max_word_length)) {
      count('c4:line-too-long-word');
      continue;
    }
    if (o.require_terminal_punctuation && !endsTerminal(line, o.terminal_punctuation)) {
      count('c4:line-no-terminal-punct');
      continue;
    }
    if (o.min_words_per_line > 0 && words.length < o.min_words_per_line) {
      count('c4:line-too-few-words');
      continue;
    }
    const lower = line.toLowerCase();
    if (o.filter_javascript && lower.includes('javascript')) {
      count('c4:line-javascript');
      continue;
    }
    if (o.filter_policy && POLICY_PHRASES.some((p) => lower.includes(p))) {
      count('c4:line-policy');
      continue;
    }
    sentences += Math.max(1, countSentences(line));
    kept.push(line);
  }
  if (o.min_sentences > 0 && sentences < o.min_sentences) return drop('c4:too-few-sentences', sentences);
  return { keep: true, text: kept.join('\n') };
}

function endsTerminal(line: string, terminal: readonly string[]): boolean {
  if (line.endsWith('...') || line.endsWith('…')) return false;
  return terminal.some((p) => line.endsWith(p));
}

/** Runs of sentence-ending punctuation followed by whitespace, a closing quote or bracket, or the end. */
export function countSentences(line: string): number {
  const m = line.match(/[.!?。！？]+(?=["'”’)\]]*(?:\s|$))/gu);
  return m ? m.length : 0;
}
