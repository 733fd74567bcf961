import { FoxdenError } from '@foxden/core';
import { BYTE_CHARS, toByteLevel } from './byte-level.js';
import { PairHeap } from './pair-heap.js';
import { readTrainingTexts } from './text-sources.js';
import { WordCounter, type WordCountOptions, type WordCountStats } from './word-counts.js';

/** Special tokens a trained tokenizer gets when none are named: Gemma's order, so `<pad>` is id 0. */
export const DEFAULT_SPECIAL_TOKENS: readonly string[] = Object.freeze(['<pad>', '<eos>', '<bos>', '<unk>']);

/** Pair keys pack two ids into one number: a * 2^21 + b keeps (a, b) order and stays below 2^53. */
const KEY_SHIFT = 2 ** 21;
/** Largest vocabulary the trainer builds (ids must fit 21 bits in a pair key). */
export const MAX_TRAINED_VOCAB = KEY_SHIFT;

export interface BpeTrainerOptions extends WordCountOptions {
  /** Training text: file paths (see readTrainingTexts for formats) or an (async) iterable of texts. Required. */
  inputs: readonly string[] | AsyncIterable<string> | Iterable<string>;
  /** Vocabulary size including special tokens and the 256 byte tokens, as in `tokenizers`. Required. */
  vocabSize: number;
  /** Special tokens, given the first ids in this order. Default DEFAULT_SPECIAL_TOKENS (`<pad>`, `<eos>`, `<bos>`, `<unk>`). */
  specialTokens?: readonly string[];
  /** A pair seen fewer times than this is never merged. Default 0 (the library's default: merge until the vocabulary is full). */
  minFrequency?: number;
  /** Progress messages. Default: none. */
  log?: (message: string) => void;
  /** Progress counts for a display: texts read while counting words (total unknown), then merges done of those wanted. Default: none. */
  onProgress?: (progress: BpeProgress) => void;
}

/** Where training is: `count` (texts and characters read so far) or `merge` (merges done of `total`). */
export type BpeProgress =
  | { phase: 'count'; done: number; total: null; chars: number }
  | { phase: 'merge'; done: number; total: number };

/** The parts of tokenizer.json that the trainer writes. */
export interface TokenizerJson {
  version: string;
  truncation: null;
  padding: null;
  added_tokens: { id: number; content: string; single_word: boolean; lstrip: boolean; rstrip: boolean; normalized: boolean; special: boolean }[];
  normalizer: null;
  pre_tokenizer: Record<string, unknown>;
  post_processor: null;
  decoder: Record<string, unknown>;
  model: {
    type: 'BPE'; dropout: null; unk_token: null; continuing_subword_prefix: null; end_of_word_suffix: null;
    fuse_unk: boolean; byte_fallback: boolean; ignore_merges: boolean;
    vocab: Record<string, number>; merges: [string, string][];
  };
}

export interface BpeTrainingResult {
  /** tokenizer.json text, ready to write; byte-identical for the same input and options. */
  json: string;
  tokenizer: TokenizerJson;
  /** Final vocabulary size (smaller than asked when the text runs out of pairs). */
  vocabSize: number;
  merges: number;
  words: WordCountStats & { distinct: number };
  seconds: { counting: number; merging: number };
}

/**
 * Trains a byte-level BPE tokenizer (the GPT-2 / Llama-3 family) with any
 * vocabulary size, in the same way as the `tokenizers` library's BpeTrainer:
 * same split pattern, same alphabet order, same merge order and tie-breaking,
 * so on the same words it learns the same merges. The library's binding only
 * exposes its default trainer (30,000 tokens, no options), hence this one.
 *
 * All 256 bytes are in the alphabet, so every byte sequence can be encoded;
 * the decoder is byte-level, so decoding gives the text back exactly.
 */
export async function trainBpeTokenizer(options: BpeTrainerOptions): Promise<BpeTrainingResult> {
  const specials = [...(options.specialTokens ?? DEFAULT_SPECIAL_TOKENS)];
  const vocabSize = options.vocabSize;
  const minFrequency = options.minFrequency ?? 0;
  const log = options.log ?? (() => undefined);
  const onProgress = options.onProgress;
  if (new Set(specials).size !== specials.length) throw new FoxdenError('BAD_CONFIG', `special tokens must be distinct, got ${JSON.stringify(specials)}`);
  if (specials.some((s) => s.length === 0)) throw new FoxdenError('BAD_CONFIG', 'special tokens must not be empty');
  const floor = specials.length + 256;
  if (!Number.isInteger(vocabSize) || vocabSize < floor || vocabSize > MAX_TRAINED_VOCAB) {
    throw new FoxdenError('BAD_CONFIG', `vocabSize must be an integer from ${floor} (special tokens + 256 bytes) to ${MAX_TRAINED_VOCAB}, got ${vocabSize}`);
  }
  if (!Number.isInteger(minFrequency) || minFrequency < 0) throw new FoxdenError('BAD_CONFIG', `minFrequency must be a non-negative integer, got ${minFrequency}`);

  // 1. Word counts, streamed.
  const t0 = performance.now();
  const counter = new WordCounter(options);
  const source = isFileList(options.inputs) ? readTrainingTexts(options.inputs) : options.inputs;
  for await (const text of source as AsyncIterable<string>) {
    if (typeof text !== 'string') throw new FoxdenError('BAD_INPUT', `training input yielded ${typeof text}, expected a string`);
    counter.add(text);
    if (onProgress && (counter.stats.sequences & 255) === 0) onProgress({ phase: 'count', done: counter.stats.sequences, total: null, chars: counter.stats.chars });
    if (counter.full) break;
  }
  onProgress?.({ phase: 'count', done: counter.stats.sequences, total: null, chars: counter.stats.chars });
  const countSeconds = (performance.now() - t0) / 1000;
  log(`counted ${counter.stats.words} words (${counter.counts.size} distinct) in ${counter.stats.chars} chars, ${countSeconds.toFixed(2)} s`);

  // 2. Vocabulary: special tokens, then the byte alphabet by code point (the library sorts its alphabet so).
  const idToToken: string[] = [];
  const tokenToId = new Map<string, number>();
  const addToken = (t: string): number => {
    const id = idToToken.length;
    idToToken.push(t);
    tokenToId.set(t, id);
    return id;
  };
  for (const s of specials) addToken(s);
  const alphabet = [...BYTE_CHARS].sort((a, b) => a.charCodeAt(0) - b.charCodeAt(0));
  // A special token spelled like a single byte character would collide; the library keeps the first id.
  for (const c of alphabet) if (!tokenToId.has(c)) addToken(c);
  const charId = new Int32Array(512).fill(-1);
  for (const c of alphabet) charId[c.charCodeAt(0)] = tokenToId.get(c)!;

  // 3. Words as id sequences in one pool; merging only shortens them, so they are rewritten in place.
  const nWords = counter.counts.size;
  const wordCount = new Float64Array(nWords);
  const wordStart = new Int32Array(nWords);
  const wordLen = new Int32Array(nWords);
  let poolSize = 0;
  const spellings: string[] = new Array(nWords);
  {
    let i = 0;
    for (const [w, c] of counter.counts) {
      const s = toByteLevel(w);
      spellings[i] = s;
      wordCount[i] = c;
      wordStart[i] = poolSize;
      wordLen[i] = s.length;
      poolSize += s.length;
      i++;
    }
  }
  counter.counts.clear();
  const pool = new Int32Array(poolSize);
  for (let i = 0; i < nWords; i++) {
    const s = spellings[i]!;
    const start = wordStart[i]!;
    for (let j = 0; j < s.length; j++) pool[start + j] = charId[s.charCodeAt(j)]!;
  }
  spellings.length = 0;

  // 4. Pair counts and where each pair occurs.
  const t1 = performance.now();
  const pairCount = new Map<number, number>();
  let where = new Map<number, number[]>();
  for (let i = 0; i < nWords; i++) {
    const start = wordStart[i]!;
    const end = start + wordLen[i]!;
    const c = wordCount[i]!;
    for (let j = start; j + 1 < end; j++) {
      const key = pool[j]! * KEY_SHIFT + pool[j + 1]!;
      pairCount.set(key, (pairCount.get(key) ?? 0) + c);
      const list = where.get(key);
      if (list === undefined) where.set(key, [i]);
      else if (list[list.length - 1] !== i) list.push(i);
    }
  }
  const heap = new PairHeap();
  for (const [key, list] of where) {
    const c = pairCount.get(key)!;
    if (c > 0) heap.push(c, key, Int32Array.from(list));
  }
  where = new Map();

  // 5. Merge the most frequent pair until the vocabulary is full.
  const merges: [string, string][] = [];
  const wantedMerges = Math.max(0, vocabSize - tokenToId.size);
  const bump = (key: number, delta: number): void => {
    pairCount.set(key, (pairCount.get(key) ?? 0) + delta);
  };
  while (tokenToId.size < vocabSize && heap.size > 0) {
    const key = heap.topKey();
    const current = pairCount.get(key) ?? 0;
    if (heap.topCount() !== current) {
      // Stale entry: counts changed since it was pushed. Re-queue with the true count (lazy update).
      heap.updateTop(current);
      continue;
    }
    if (current < 1 || minFrequency > current) break;
    const words = heap.topWords();
    heap.pop();
    const a = Math.floor(key / KEY_SHIFT);
    const b = key - a * KEY_SHIFT;
    const text = idToToken[a]! + idToToken[b]!;
    const c = tokenToId.get(text) ?? addToken(text);
    merges.push([idToToken[a]!, idToToken[b]!]);

    const created = new Map<number, number[]>();
    const note = (k: number, i: number): void => {
      const list = created.get(k);
      if (list === undefined) created.set(k, [i]);
      else if (list[list.length - 1] !== i) list.push(i);
    };
    for (let wi = 0; wi < words.length; wi++) {
      const i = words[wi]!;
      const start = wordStart[i]!;
      const end = start + wordLen[i]!;
      const n = wordCount[i]!;
      let w = start;
      let r = start;
      // Left to right, non-overlapping, as the library's Word::merge; each change is weighted by the word's count.
      while (r < end) {
        if (pool[r] === a && r + 1 < end && pool[r + 1] === b) {
          if (w > start) {
            const prev = pool[w - 1]!;
            bump(prev * KEY_SHIFT + a, -n);
            bump(prev * KEY_SHIFT + c, n);
            note(prev * KEY_SHIFT + c, i);
          }
          if (r + 2 < end) {
            const next = pool[r + 2]!;
            bump(b * KEY_SHIFT + next, -n);
            bump(c * KEY_SHIFT + next, n);
            note(c * KEY_SHIFT + next, i);
          }
          pool[w++] = c;
          r += 2;
        } else {
          pool[w++] = pool[r++]!;
        }
      }
      wordLen[i] = w - start;
    }
    for (const [k, list] of created) {
      const count = pairCount.get(k)!;
      if (count > 0) heap.push(count, k, Int32Array.from(list));
    }
    if (merges.length % 5000 === 0) log(`${merges.length} merges, vocabulary ${tokenToId.size}`);
    onProgress?.({ phase: 'merge', done: merges.length, total: wantedMerges });
  }
  const mergeSeconds = (performance.now() - t1) / 1000;
  log(`${merges.length} merges in ${mergeSeconds.toFixed(2)} s; vocabulary ${tokenToId.size}`);

  const vocab: Record<string, number> = {};
  for (let id = 0; id < idToToken.length; id++) vocab[idToToken[id]!] = id;
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  const tokenizer: TokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content) => ({ id: tokenToId.get(content)!, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: null,
    decoder: byteLevel,
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges,
    },
  };
  return {
    json: JSON.stringify(tokenizer) + '\n',
    tokenizer,
    vocabSize: idToToken.length,
    merges: merges.length,
    words: { ...counter.stats, distinct: nWords },
    seconds: { counting: countSeconds, merging: mergeSeconds },
  };
}

function isFileList(inputs: BpeTrainerOptions['inputs']): inputs is readonly string[] {
  return Array.isArray(inputs);
}
