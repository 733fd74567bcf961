/**
 * A near-duplicate test set from a real book (Moby-Dick as npm ships it, so the test runs on a
 * bare clone): pairs (original, edited copy)
 * with controlled edits (word substitutions, insertions, deletions, boilerplate headers and
 * footers) at a spread of edit intensities, each pair's TRUE Jaccard similarity of 5-gram shingle
 * sets measured exactly. Originals are distinct passages, so pairs do not link to each other.
 */
import { SeededRandom } from '@foxden/core';
import { MinHasher, jaccard } from '../src/minhash.js';
import { mobyDickParts } from '@foxden/demo-corpus';
import { doc, passages } from './helpers.js';
import type { DocumentRecord } from '@foxden/core';

export interface Pair {
  a: string;
  b: string;
  jaccard: number;
  edit: string;
}

const [BOOK_OPENING, ...BOOK_REST] = [...mobyDickParts()].map((p) => p.text);
/** Header and footer words for the boilerplate edits: the book's opening, which no passage is taken from. */
const BOILERPLATE = BOOK_OPENING!.split(/\s+/).filter((w) => w).slice(0, 400);

export function buildPairSet(count: number, words = 150, seed = 11): { docs: DocumentRecord[]; pairs: Pair[] } {
  const rng = new SeededRandom(seed, 'quality-set');
  const texts = passages(BOOK_REST.join('\n\n'), words, Math.ceil(count * 1.1) + 55);
  const vocabulary = texts.slice(-50).join(' ').split(' ');
  const hasher = new MinHasher();
  const shingles = (t: string) => Array.from(hasher.shingleHashes(hasher.shingle(t).shingles));
  const docs: DocumentRecord[] = [];
  const pairs: Pair[] = [];
  for (let i = 0; i < count && i < texts.length - 50; i++) {
    const original = texts[i]!;
    const w = original.split(' ');
    // Edit intensity in [0, 0.3] of the words, denser at light edits: true Jaccard spans about 0.15 to 1.
    const rate = Math.pow(rng.next(), 1.5) * 0.3;
    const k = Math.round(rate * w.length);
    const kind = ['substitute', 'insert', 'delete', 'boilerplate', 'mixed'][i % 5]!;
    const edited = [...w];
    const randomWord = () => vocabulary[rng.nextInt(vocabulary.length)]!;
    const substitute = (n: number) => { for (let j = 0; j < n; j++) edited[rng.nextInt(edited.length)] = randomWord(); };
    const insert = (n: number) => { for (let j = 0; j < n; j++) edited.splice(rng.nextInt(edited.length + 1), 0, randomWord()); };
    const remove = (n: number) => { for (let j = 0; j < n && edited.length > 10; j++) edited.splice(rng.nextInt(edited.length), 1); };
    if (kind === 'substitute') substitute(k);
    else if (kind === 'insert') insert(k);
    else if (kind === 'delete') remove(k);
    else if (kind === 'boilerplate') {
      const head = Math.round(k * 2 * rng.next());
      const start = rng.nextInt(BOILERPLATE.length - 2 * k - 1);
      edited.unshift(...BOILERPLATE.slice(start, start + head));
      edited.push(...BOILERPLATE.slice(start + head, start + 2 * k));
    } else {
      substitute(Math.ceil(k / 3));
      insert(Math.ceil(k / 3));
      remove(Math.ceil(k / 3));
    }
    const copy = edited.join(' ');
    const a = `p${String(i).padStart(4, '0')}-a`;
    const b = `p${String(i).padStart(4, '0')}-b`;
    docs.push(doc({ id: a, text: original, fetched_at: '2024-01-01T00:00:00Z' }), doc({ id: b, text: copy, fetched_at: '2024-02-01T00:00:00Z' }));
    pairs.push({ a, b, jaccard: jaccard(shingles(original), shingles(copy)), edit: kind });
  }
  return { docs, pairs };
}

/** Probability that LSH with b bands of r rows makes a pair of Jaccard s a candidate. */
export function sCurve(s: number, bands: number, rows: number): number {
  return 1 - Math.pow(1 - Math.pow(s, rows), bands);
}
