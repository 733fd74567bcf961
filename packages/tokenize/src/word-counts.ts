import { FoxdenError, SeededRandom } from '@foxden/core';
import { BYTE_LEVEL_SPLIT } from './byte-level.js';

export interface WordCountOptions {
  /**
   * Most distinct words held at once. When the table grows past it, the
   * rarest words are pruned (count 1 first, then 2, ...) until it is at half
   * this size, so memory stays bounded however large the input. Default 4,000,000.
   */
  maxWords?: number;
  /** Fraction of input sequences (lines or documents) read, chosen with a seeded generator. Default 1 (all). */
  sampleRate?: number;
  /** Stop reading after this many UTF-16 code units of kept text. Default: no limit. */
  maxChars?: number;
  /** Seed of the sampling generator. Default 0. */
  seed?: number;
}

export interface WordCountStats {
  sequences: number;
  sequencesSampled: number;
  chars: number;
  words: number;
  /** Distinct words removed by pruning (0 when the table never filled). */
  prunedWords: number;
  /** Highest count pruned; words at or below it may be under-counted. */
  pruneThreshold: number;
}

/**
 * Streaming word counts: pre-tokenizes each sequence with the byte-level
 * split pattern and counts pieces in one table. Pieces are counted as raw
 * text (their byte-level spelling is derived once per distinct word later),
 * which is both faster and the same thing: the mapping is one to one.
 */
export class WordCounter {
  readonly counts = new Map<string, number>();
  readonly stats: WordCountStats = { sequences: 0, sequencesSampled: 0, chars: 0, words: 0, prunedWords: 0, pruneThreshold: 0 };
  private readonly maxWords: number;
  private readonly sampleRate: number;
  private readonly maxChars: number;
  private readonly random: SeededRandom;

  constructor(options: WordCountOptions = {}) {
    this.maxWords = options.maxWords ?? 4_000_000;
    this.sampleRate = options.sampleRate ?? 1;
    this.maxChars = options.maxChars ?? Number.POSITIVE_INFINITY;
    this.random = new SeededRandom(options.seed ?? 0, 'bpe-sample');
    if (!Number.isInteger(this.maxWords) || this.maxWords < 1000) throw new FoxdenError('BAD_CONFIG', `maxWords must be an integer of at least 1000, got ${this.maxWords}`);
    if (!(this.sampleRate > 0 && this.sampleRate <= 1)) throw new FoxdenError('BAD_CONFIG', `sampleRate must be in (0, 1], got ${this.sampleRate}`);
    if (!(this.maxChars > 0)) throw new FoxdenError('BAD_CONFIG', `maxChars must be positive, got ${this.maxChars}`);
  }

  /** Whether the character budget is spent; readers stop feeding then. */
  get full(): boolean {
    return this.stats.chars >= this.maxChars;
  }

  add(sequence: string): void {
    this.stats.sequences++;
    if (this.sampleRate < 1 && this.random.next() >= this.sampleRate) return;
    if (this.full) return;
    this.stats.sequencesSampled++;
    this.stats.chars += sequence.length;
    const counts = this.counts;
    const re = BYTE_LEVEL_SPLIT;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    let n = 0;
    while ((m = re.exec(sequence)) !== null) {
      const w = m[0];
      counts.set(w, (counts.get(w) ?? 0) + 1);
      n++;
    }
    this.stats.words += n;
    if (counts.size > this.maxWords) this.prune();
  }

  /** Drops the rarest words until the table is at half its limit. Deterministic: depends only on the counts. */
  private prune(): void {
    const target = this.maxWords >> 1;
    let threshold = this.stats.pruneThreshold;
    while (this.counts.size > target) {
      threshold++;
      for (const [w, c] of this.counts) {
        if (c <= threshold) {
          this.counts.delete(w);
          this.stats.prunedWords++;
        }
      }
    }
    this.stats.pruneThreshold = threshold;
  }
}
