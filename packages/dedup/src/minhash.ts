import { FoxdenError, SeededRandom, fmix32 } from '@foxden/core';
import { TABLES } from './normalize.js';

export interface MinHasherOptions {
  /** Number of LSH bands. Default 14. */
  numBands?: number;
  /** Rows (hash functions) per band. Default 8; numBands x rowsPerBand = 112 hash functions. */
  rowsPerBand?: number;
  /** Tokens per shingle: words, or single characters of scripts written without spaces. Default 5. */
  ngram?: number;
  /** Seed of the hash functions; documents compared must share it. Default 1. */
  seed?: number;
}

/** What shingling found in one document; `shingles` is 0 for a document without any word. */
export interface ShingleInfo {
  tokens: number;
  /** Tokens that were single characters of a script without spaces. */
  soloTokens: number;
  shingles: number;
}

/**
 * MinHash signatures with 32-bit arithmetic throughout.
 *
 * Tokens (normalised words, see normalize.ts) are hashed with FNV-1a over folded UTF-16 code
 * units and finalised with murmur3's fmix32. A shingle is `ngram` consecutive tokens; its 32-bit
 * hash x mixes the token hashes (multiply-xor, then fmix32). Hash function i is
 * h_i(x) = (a_i * x + b_i) mod 2^32 with a_i odd (a bijection of 32-bit words), read as a signed
 * 32-bit integer; the signature keeps the minimum of each h_i over the document's shingles. The
 * a_i and b_i come from SeededRandom(seed, 'minhash'). A document with fewer tokens than `ngram`
 * (but at least one) has a single shingle of all its tokens; a document without tokens has no
 * signature.
 */
export class MinHasher {
  readonly numBands: number;
  readonly rowsPerBand: number;
  readonly numHashes: number;
  readonly ngram: number;
  readonly seed: number;
  private readonly a: Int32Array;
  private readonly b: Int32Array;
  private shingleBuf = new Int32Array(4096);
  private tokenBuf = new Int32Array(4096);

  constructor(options: MinHasherOptions = {}) {
    this.numBands = options.numBands ?? 14;
    this.rowsPerBand = options.rowsPerBand ?? 8;
    this.ngram = options.ngram ?? 5;
    this.seed = options.seed ?? 1;
    for (const [name, v] of [['numBands', this.numBands], ['rowsPerBand', this.rowsPerBand], ['ngram', this.ngram]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new FoxdenError('BAD_CONFIG', `minhash ${name} must be a positive integer, got ${v}`);
    }
    this.numHashes = this.numBands * this.rowsPerBand;
    const rng = new SeededRandom(this.seed, 'minhash');
    this.a = new Int32Array(this.numHashes);
    this.b = new Int32Array(this.numHashes);
    for (let i = 0; i < this.numHashes; i++) {
      this.a[i] = rng.nextUint32() | 1;
      this.b[i] = rng.nextUint32() | 0;
    }
  }

  /** Hashes the shingles of `text` into an internal buffer; returns what it found. */
  shingle(text: string): ShingleInfo {
    const t = text.normalize('NFKC');
    const CLASS = TABLES.CLASS;
    const FOLD = TABLES.FOLD;
    const len = t.length;
    // Pass 1: token hashes. A text has at most len/1 tokens; grow the buffer once per document.
    if (this.tokenBuf.length < len + 1) this.tokenBuf = new Int32Array(Math.max(len + 1, this.tokenBuf.length * 2));
    const tok = this.tokenBuf;
    let tokens = 0;
    let solo = 0;
    let h = 0x811c9dc5 | 0;
    let inWord = false;
    for (let i = 0; i < len; i++) {
      const c = t.charCodeAt(i);
      const cls = CLASS[c]!;
      if (cls === 1) {
        h = Math.imul(h ^ FOLD[c]!, 0x01000193);
        inWord = true;
      } else {
        if (inWord) {
          tok[tokens++] = fmix32(h) | 0;
          h = 0x811c9dc5 | 0;
          inWord = false;
        }
        if (cls === 2) {
          tok[tokens++] = fmix32(Math.imul(0x811c9dc5 ^ FOLD[c]!, 0x01000193)) | 0;
          solo++;
        }
      }
    }
    if (inWord) tok[tokens++] = fmix32(h) | 0;
    // Pass 2: shingle hashes over `ngram` consecutive tokens (or all tokens of a short document).
    const n = this.ngram;
    const count = tokens === 0 ? 0 : tokens < n ? 1 : tokens - n + 1;
    const width = tokens < n ? tokens : n;
    if (this.shingleBuf.length < count) this.shingleBuf = new Int32Array(Math.max(count, this.shingleBuf.length * 2));
    const buf = this.shingleBuf;
    for (let j = 0; j < count; j++) {
      let s = 0x2545f491;
      for (let k = j; k < j + width; k++) s = Math.imul(s ^ tok[k]!, 0x9e3779b1) ^ (s >>> 15);
      buf[j] = fmix32(s ^ width) | 0;
    }
    return { tokens, soloTokens: solo, shingles: count };
  }

  /** The hashes of the shingles found by the last `shingle` call. */
  shingleHashes(count: number): Int32Array {
    return this.shingleBuf.subarray(0, count);
  }

  /**
   * Computes the signature of `text` into `out` (numHashes values). Returns what shingling found;
   * when it found no shingle, `out` is left filled with the maximum value and must not be used.
   */
  signature(text: string, out: Int32Array): ShingleInfo {
    const info = this.shingle(text);
    this.signatureOf(this.shingleBuf, info.shingles, out);
    return info;
  }

  /**
   * MinHash of `count` shingle hashes: four hash functions per pass over the shingles, so that
   * four independent int32 min chains keep the CPU busy (about 3x a one-function loop).
   */
  signatureOf(shingles: Int32Array, count: number, out: Int32Array): void {
    const a = this.a;
    const b = this.b;
    const total = this.numHashes;
    let i = 0;
    for (; i + 4 <= total; i += 4) {
      const a0 = a[i]!, a1 = a[i + 1]!, a2 = a[i + 2]!, a3 = a[i + 3]!;
      const b0 = b[i]!, b1 = b[i + 1]!, b2 = b[i + 2]!, b3 = b[i + 3]!;
      let m0 = 0x7fffffff, m1 = 0x7fffffff, m2 = 0x7fffffff, m3 = 0x7fffffff;
      for (let j = 0; j < count; j++) {
        const x = shingles[j]!;
        const v0 = (Math.imul(a0, x) + b0) | 0;
        const v1 = (Math.imul(a1, x) + b1) | 0;
        const v2 = (Math.imul(a2, x) + b2) | 0;
        const v3 = (Math.imul(a3, x) + b3) | 0;
        m0 = v0 < m0 ? v0 : m0;
        m1 = v1 < m1 ? v1 : m1;
        m2 = v2 < m2 ? v2 : m2;
        m3 = v3 < m3 ? v3 : m3;
      }
      out[i] = m0; out[i + 1] = m1; out[i + 2] = m2; out[i + 3] = m3;
    }
    for (; i < total; i++) {
      const ai = a[i]!;
      const bi = b[i]!;
      let m = 0x7fffffff;
      for (let j = 0; j < count; j++) {
        const v = (Math.imul(ai, shingles[j]!) + bi) | 0;
        if (v < m) m = v;
      }
      out[i] = m;
    }
  }

  /**
   * The 64-bit key of band `band` of a signature, as two 32-bit halves written to out[0], out[1]:
   * two independently seeded multiply-xor mixes of the band's rows, so that buckets at 5 billion
   * documents do not collide by chance.
   */
  bandKey(sig: Int32Array, band: number, out: Uint32Array): void {
    const r = this.rowsPerBand;
    let h1 = 0x9747b28c ^ band;
    let h2 = 0x1b873593 ^ Math.imul(band, 0x85ebca6b);
    for (let k = band * r; k < (band + 1) * r; k++) {
      const v = sig[k]!;
      h1 = Math.imul(h1 ^ v, 0xcc9e2d51);
      h1 = (h1 << 13) | (h1 >>> 19);
      h2 = Math.imul(h2 ^ v, 0x27d4eb2f);
      h2 = (h2 << 17) | (h2 >>> 15);
    }
    out[0] = fmix32(h1 ^ r);
    out[1] = fmix32(h2 ^ Math.imul(r, 0x165667b1));
  }
}

/** Fraction of equal positions of two signatures: the MinHash estimate of their Jaccard similarity. */
export function estimateJaccard(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/** True Jaccard similarity of two sets of shingle hashes (for tests and verification reports). */
export function jaccard(a: Iterable<number>, b: Iterable<number>): number {
  const sa = new Set(a);
  const sb = new Set(b);
  let inter = 0;
  for (const x of sa) if (sb.has(x)) inter++;
  const union = sa.size + sb.size - inter;
  return union === 0 ? 1 : inter / union;
}
