import { splitLines, whitespaceTokens } from './text.js';
import { guardText } from './text-guard.js';
import { KEEP, drop, type Verdict } from './verdict.js';

/** Thresholds of the Gopher repetition rules. A null disables a rule. */
export interface GopherRepetitionOptions {
  /** Largest share of lines that repeat an earlier line. Default 0.3. */
  max_dup_line_fraction: number | null;
  /** Largest share of paragraphs (split on blank lines) that repeat an earlier one. Default 0.3. */
  max_dup_paragraph_fraction: number | null;
  /** Largest share of characters in repeated lines. Default 0.2. */
  max_dup_line_char_fraction: number | null;
  /** Largest share of characters in repeated paragraphs. Default 0.2. */
  max_dup_paragraph_char_fraction: number | null;
  /** Largest share of characters in the most common 2-, 3-, 4-gram. Default [0.20, 0.18, 0.16]. */
  max_top_ngram_char_fraction: number[];
  /** Largest share of characters in duplicated 5- to 10-grams. Default [0.15, 0.14, 0.13, 0.12, 0.11, 0.10]. */
  max_dup_ngram_char_fraction: number[];
  /** Largest share of control and U+FFFD characters before the text counts as junk. Default 0.01. */
  max_invalid_char_ratio: number;
}

export const GOPHER_REPETITION_DEFAULTS: Readonly<GopherRepetitionOptions> = Object.freeze({
  max_dup_line_fraction: 0.3,
  max_dup_paragraph_fraction: 0.3,
  max_dup_line_char_fraction: 0.2,
  max_dup_paragraph_char_fraction: 0.2,
  max_top_ngram_char_fraction: [0.2, 0.18, 0.16],
  max_dup_ngram_char_fraction: [0.15, 0.14, 0.13, 0.12, 0.11, 0.1],
  max_invalid_char_ratio: 0.01,
});

/**
 * The Gopher repetition rules. Character shares are taken over the length of
 * the whole text (UTF-16 code units). Lines and paragraphs are compared after
 * trimming; empty ones are ignored. N-grams are over whitespace tokens, and
 * their characters are the characters of their words (separators not counted):
 *   gopher:dup-line-fraction, gopher:dup-paragraph-fraction        value: share of elements
 *   gopher:dup-line-chars, gopher:dup-paragraph-chars              value: share of characters
 *   gopher:top-2-gram .. gopher:top-4-gram   the most frequent n-gram (occurring at least twice),
 *                                            its characters times its count / text length
 *   gopher:dup-5-gram .. gopher:dup-10-gram  characters of words covered by n-grams that occur
 *                                            more than once, each word counted once / text length
 */
export function gopherRepetition(text: string, o: GopherRepetitionOptions = GOPHER_REPETITION_DEFAULTS): Verdict {
  const guard = guardText('gopher', text, o.max_invalid_char_ratio);
  if (guard) return guard;
  const total = text.length;

  const paragraphs = text.split(/\n[ \t\r]*\n/).map((p) => p.trim()).filter((p) => p.length > 0);
  const para = duplicates(paragraphs);
  if (o.max_dup_paragraph_fraction !== null && paragraphs.length > 0) {
    const r = para.elements / paragraphs.length;
    if (r > o.max_dup_paragraph_fraction) return drop('gopher:dup-paragraph-fraction', r);
  }
  if (o.max_dup_paragraph_char_fraction !== null) {
    const r = para.chars / total;
    if (r > o.max_dup_paragraph_char_fraction) return drop('gopher:dup-paragraph-chars', r);
  }
  const lines = splitLines(text).map((l) => l.trim()).filter((l) => l.length > 0);
  const line = duplicates(lines);
  if (o.max_dup_line_fraction !== null && lines.length > 0) {
    const r = line.elements / lines.length;
    if (r > o.max_dup_line_fraction) return drop('gopher:dup-line-fraction', r);
  }
  if (o.max_dup_line_char_fraction !== null) {
    const r = line.chars / total;
    if (r > o.max_dup_line_char_fraction) return drop('gopher:dup-line-chars', r);
  }

  const needNgrams = o.max_top_ngram_char_fraction.length > 0 || o.max_dup_ngram_char_fraction.length > 0;
  if (!needNgrams) return KEEP;
  const words = whitespaceTokens(text);
  const { ids, lengths } = wordIds(words);
  for (let i = 0; i < o.max_top_ngram_char_fraction.length; i++) {
    const n = i + 2;
    const limit = o.max_top_ngram_char_fraction[i]!;
    const r = topNgramChars(ids, lengths, n) / total;
    if (r > limit) return drop(`gopher:top-${n}-gram`, r);
  }
  for (let i = 0; i < o.max_dup_ngram_char_fraction.length; i++) {
    const n = i + 5;
    const limit = o.max_dup_ngram_char_fraction[i]!;
    const r = duplicatedNgramChars(ids, lengths, n) / total;
    if (r > limit) return drop(`gopher:dup-${n}-gram`, r);
  }
  return KEEP;
}

/** Elements that repeat an earlier element, and their characters. */
export function duplicates(items: readonly string[]): { elements: number; chars: number } {
  const seen = new Set<string>();
  let elements = 0;
  let chars = 0;
  for (const x of items) {
    if (seen.has(x)) {
      elements++;
      chars += x.length;
    } else seen.add(x);
  }
  return { elements, chars };
}

/** Maps words to dense ids so that n-grams hash as numbers rather than joined strings. */
function wordIds(words: readonly string[]): { ids: Int32Array; lengths: Int32Array } {
  const map = new Map<string, number>();
  const ids = new Int32Array(words.length);
  const lengths = new Int32Array(words.length);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    let id = map.get(w);
    if (id === undefined) {
      id = map.size;
      map.set(w, id);
    }
    ids[i] = id;
    lengths[i] = w.length;
  }
  return { ids, lengths };
}

/**
 * A 52-bit key of the n-gram starting at `start`: two independent 26-bit
 * multiplicative hashes. Collisions are possible in principle but at 2^-52
 * per pair they do not change a decision in practice; the key is deterministic.
 */
function ngramKey(ids: Int32Array, start: number, n: number): number {
  let a = 0x811c9dc5;
  let b = 0x2545f491;
  for (let j = start; j < start + n; j++) {
    const x = ids[j]!;
    a = Math.imul(a ^ x, 0x01000193);
    b = Math.imul(b ^ (x + 0x9e3779b9), 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (a >>> 6) * 67108864 + (b >>> 6);
}

/** Characters of the most frequent n-gram times its count, when it occurs at least twice; 0 otherwise. */
function topNgramChars(ids: Int32Array, lengths: Int32Array, n: number): number {
  if (ids.length < n) return 0;
  const counts = new Map<number, number>();
  let bestCount = 0;
  let bestChars = 0;
  for (let i = 0; i + n <= ids.length; i++) {
    const key = ngramKey(ids, i, n);
    const c = (counts.get(key) ?? 0) + 1;
    counts.set(key, c);
    let chars = 0;
    for (let j = i; j < i + n; j++) chars += lengths[j]!;
    // Ties on count go to the n-gram with more characters, so the result does not depend on order.
    if (c > bestCount || (c === bestCount && chars * c > bestChars)) {
      bestCount = c;
      bestChars = chars * c;
    }
  }
  return bestCount >= 2 ? bestChars : 0;
}

/** Characters of the words covered by n-grams that occur more than once (each word counted once). */
function duplicatedNgramChars(ids: Int32Array, lengths: Int32Array, n: number): number {
  if (ids.length < n) return 0;
  const counts = new Map<number, number>();
  const keys = new Float64Array(ids.length - n + 1);
  for (let i = 0; i + n <= ids.length; i++) {
    const key = ngramKey(ids, i, n);
    keys[i] = key;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const covered = new Uint8Array(ids.length);
  for (let i = 0; i < keys.length; i++) {
    if ((counts.get(keys[i]!) ?? 0) > 1) covered.fill(1, i, i + n);
  }
  let chars = 0;
  for (let i = 0; i < covered.length; i++) if (covered[i]) chars += lengths[i]!;
  return chars;
}
