import { createHash } from 'node:crypto';

/** Feistel rounds: six give a well-mixed order; each costs a few integer ops. */
const ROUNDS = 6;

/** Murmur3's 32-bit finaliser over (x xor key): the Feistel round function. */
function roundFunction(x: number, key: number): number {
  let h = (x ^ key) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A seeded permutation of [0, size) that is computed, not stored: a balanced
 * Feistel network over the smallest even power of two >= size, with cycle
 * walking back into range. Any position is O(1) to map (a few rounds, under
 * four walks on average), so a stage of billions of rows needs no permutation
 * array and a resumed loader finds its place at once.
 */
export class RowPermutation {
  readonly size: number;
  private readonly halfBits: number;
  private readonly halfSize: number;
  private readonly mask: number;
  private readonly keys: Uint32Array;

  /** `label` names the order (seed, stage, pass); the same label gives the same order everywhere. */
  constructor(size: number, label: string) {
    if (!Number.isSafeInteger(size) || size < 0 || size > 2 ** 52) throw new RangeError(`permutation size ${size} out of range`);
    this.size = size;
    let bits = 2;
    while (2 ** bits < size) bits++;
    this.halfBits = Math.ceil(bits / 2);
    this.halfSize = 2 ** this.halfBits;
    this.mask = this.halfBits >= 32 ? 0xffffffff : this.halfSize - 1;
    const digest = createHash('sha256').update(`foxden.row-order/1:${label}`).digest();
    this.keys = new Uint32Array(ROUNDS);
    for (let i = 0; i < ROUNDS; i++) this.keys[i] = digest.readUInt32LE(i * 4);
  }

  /** The row at position `index` of the order. */
  at(index: number): number {
    if (index < 0 || index >= this.size) throw new RangeError(`position ${index} outside [0, ${this.size})`);
    let x = index;
    do x = this.encrypt(x);
    while (x >= this.size);
    return x;
  }

  private encrypt(x: number): number {
    let left = Math.floor(x / this.halfSize);
    let right = x % this.halfSize;
    for (let i = 0; i < ROUNDS; i++) {
      const next = (left ^ (roundFunction(right, this.keys[i]!) & this.mask)) >>> 0;
      left = right;
      right = next;
    }
    return left * this.halfSize + right;
  }
}
