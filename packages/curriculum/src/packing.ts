import { FoxdenError, GrowableArray } from '@foxden/core';
import type { PackingPolicy } from './params.js';

/**
 * Packing: items (document copies, by their token lengths) into rows of
 * exactly seq_len tokens. One interface, three policies. A policy sees only
 * lengths, never tokens, so it can be tested and benchmarked at any scale;
 * the pack phase copies the tokens afterwards.
 */

export interface PackOptions {
  seqLen: number;
  /** Length of the pieces a split item is cut into (best-fit decreasing); <= seqLen. */
  pieceTokens: number;
  /** Whether items longer than pieceTokens may be cut (best-fit decreasing). */
  split: boolean;
  /** Smallest power-of-two piece (decomposition). */
  minPiece: number;
}

/** Rows of pieces. Piece p is tokens [pieceOffset[p], +pieceLength[p]) of item pieceItem[p]. */
export interface Packed {
  rows: number;
  pieceItem: Int32Array;
  pieceOffset: Int32Array;
  pieceLength: Int32Array;
  /** Row r holds pieces rowPieces[rowStart[r]] .. rowPieces[rowStart[r + 1] - 1], in order. */
  rowStart: Int32Array;
  rowPieces: Int32Array;
}

export interface PackStats {
  sequences: number;
  content_tokens: number;
  padding_tokens: number;
  pieces: number;
  /** Items that ended up in more than one piece (document truncations). */
  items_split: number;
}

export type Packer = (lengths: ArrayLike<number>, options: PackOptions) => Packed;

/** Int32 columns that grow: packing millions of pieces without arrays of objects. */
type IntList = GrowableArray<Int32Array>;
const intList = (): IntList => new GrowableArray(Int32Array);

class PieceList {
  item = intList();
  offset = intList();
  length = intList();
  add(item: number, offset: number, length: number): number {
    this.item.push(item);
    this.offset.push(offset);
    this.length.push(length);
    return this.item.length - 1;
  }
  get count(): number {
    return this.item.length;
  }
}

function finish(pieces: PieceList, rowStart: IntList, rowPieces: IntList): Packed {
  return {
    rows: rowStart.length - 1,
    pieceItem: pieces.item.toArray(), pieceOffset: pieces.offset.toArray(), pieceLength: pieces.length.toArray(),
    rowStart: rowStart.toArray(), rowPieces: rowPieces.toArray(),
  };
}

function checkLength(len: number, i: number): void {
  if (!(Number.isInteger(len) && len >= 0)) throw new FoxdenError('INTERNAL', `packing: item ${i} has length ${len}`);
}

/**
 * Best-fit decreasing (Ding et al. 2024, "Fewer Truncations Improve Language
 * Modeling"): only items longer than pieceTokens are cut; pieces, longest
 * first, go to the open row with the least room that still fits them. The
 * open rows are indexed by remaining room in a segment tree, so each piece
 * costs O(log seqLen) and the whole O(n log seqLen).
 */
export const packBestFitDecreasing: Packer = (lengths, options) => {
  const S = options.seqLen;
  const pieces = new PieceList();
  for (let i = 0; i < lengths.length; i++) {
    const len = lengths[i]!;
    checkLength(len, i);
    if (len === 0) continue;
    if (len > S && !options.split) throw new FoxdenError('BAD_CONFIG', `packing: item ${i} has ${len} tokens, more than seq_len ${S}, and splitting is off`);
    const step = len > options.pieceTokens && options.split ? options.pieceTokens : len;
    for (let off = 0; off < len; off += step) pieces.add(i, off, Math.min(step, len - off));
  }
  // Counting sort by length, descending; stable, so ties stay in item/offset order.
  const n = pieces.count;
  const plen = pieces.length.data;
  const counts = new Int32Array(S + 2);
  for (let p = 0; p < n; p++) counts[S - plen[p]!]!++;
  for (let k = 1; k < counts.length; k++) counts[k]! += counts[k - 1]!;
  const order = new Int32Array(n);
  for (let p = n - 1; p >= 0; p--) order[--counts[S - plen[p]!]!] = p;

  let P = 1;
  while (P < S + 1) P <<= 1;
  const tree = new Int32Array(2 * P);
  const binsAt: number[][] = [];
  const binRemaining = intList();
  // Bin of each piece in placement order; rows are rebuilt from it at the end.
  const placedBin = new Int32Array(n);
  const bump = (cap: number, delta: number): void => {
    for (let i = cap + P; i >= 1; i >>= 1) tree[i]! += delta;
  };
  const findFirst = (lo: number): number => {
    let i = lo + P;
    if (tree[i]! > 0) return lo;
    let found = false;
    while (i > 1) {
      if ((i & 1) === 0 && tree[i + 1]! > 0) {
        i += 1;
        found = true;
        break;
      }
      i >>= 1;
    }
    if (!found) return -1;
    while (i < P) i = tree[2 * i]! > 0 ? 2 * i : 2 * i + 1;
    return i - P;
  };
  for (let k = 0; k < n; k++) {
    const p = order[k]!;
    const len = plen[p]!;
    const cap = len === S ? -1 : findFirst(len);
    let bin: number;
    if (cap < 0) {
      bin = binRemaining.length;
      binRemaining.push(S);
    } else {
      bin = binsAt[cap]!.pop()!;
      bump(cap, -1);
    }
    placedBin[k] = bin;
    const left = binRemaining.data[bin]! - len;
    binRemaining.data[bin] = left;
    if (left > 0) {
      (binsAt[left] ??= []).push(bin);
      bump(left, 1);
    }
  }
  const bins = binRemaining.length;
  const start = new Int32Array(bins + 1);
  for (let k = 0; k < n; k++) start[placedBin[k]! + 1]!++;
  for (let b = 0; b < bins; b++) start[b + 1]! += start[b]!;
  const fillAt = start.slice(0, bins);
  const rows = new Int32Array(n);
  for (let k = 0; k < n; k++) rows[fillAt[placedBin[k]!]!++] = order[k]!;
  return {
    rows: bins,
    pieceItem: pieces.item.toArray(), pieceOffset: pieces.offset.toArray(), pieceLength: pieces.length.toArray(),
    rowStart: start, rowPieces: rows,
  };
};

/**
 * Dataset decomposition (Pouransari et al. 2024): each item is cut into
 * power-of-two pieces (seqLen pieces first, then the binary digits of the
 * rest, down to minPiece; the caller has already dropped the tail below it).
 * Every segment holds one document piece and no segment is padded; a row of
 * seqLen tokens holds seqLen / 2^i pieces of the same length 2^i, which is
 * the paper's fixed-tokens-per-batch bucket laid out in a fixed-shape row.
 * Only the last row of each length bucket can be padded.
 */
export const packDecomposition: Packer = (lengths, options) => {
  const S = options.seqLen;
  const pieces = new PieceList();
  const buckets = new Map<number, IntList>();
  const put = (len: number, p: number): void => {
    let b = buckets.get(len);
    if (!b) buckets.set(len, (b = intList()));
    b.push(p);
  };
  for (let i = 0; i < lengths.length; i++) {
    const len = lengths[i]!;
    checkLength(len, i);
    let off = 0;
    while (len - off >= S) {
      put(S, pieces.add(i, off, S));
      off += S;
    }
    for (let bit = S >> 1; bit >= options.minPiece; bit >>= 1) {
      if ((len - off) & bit) {
        put(bit, pieces.add(i, off, bit));
        off += bit;
      }
    }
    if (off !== len) throw new FoxdenError('INTERNAL', `decomposition: item ${i} length ${len} is not a multiple of ${options.minPiece}`);
  }
  const rowStart = intList();
  const rowPieces = intList();
  rowStart.push(0);
  for (const len of [...buckets.keys()].sort((a, b) => b - a)) {
    const list = buckets.get(len)!;
    const perRow = S / len;
    for (let j = 0; j < list.length; j++) {
      rowPieces.push(list.data[j]!);
      if ((j + 1) % perRow === 0 || j === list.length - 1) rowStart.push(rowPieces.length);
    }
  }
  return finish(pieces, rowStart, rowPieces);
};

/**
 * Concatenate-and-chunk, the baseline: items end to end in the given order
 * (the caller shuffles them), cut every seqLen tokens wherever that falls.
 * Only the very last row is padded; most documents are cut.
 */
export const packConcatChunk: Packer = (lengths, options) => {
  const S = options.seqLen;
  const pieces = new PieceList();
  const rowStart = intList();
  const rowPieces = intList();
  rowStart.push(0);
  let fill = 0;
  for (let i = 0; i < lengths.length; i++) {
    const len = lengths[i]!;
    checkLength(len, i);
    let off = 0;
    while (off < len) {
      const take = Math.min(len - off, S - fill);
      rowPieces.push(pieces.add(i, off, take));
      off += take;
      fill += take;
      if (fill === S) {
        rowStart.push(rowPieces.length);
        fill = 0;
      }
    }
  }
  if (fill > 0) rowStart.push(rowPieces.length);
  return finish(pieces, rowStart, rowPieces);
};

/** Padding the fill policy leaves in the rows it keeps from best-fit, as a share of the stage's content. */
const FILL_KEPT_PADDING = 0.005;

/**
 * Best-fit decreasing, then no room left unused: BFD cannot pair documents
 * longer than half a row (a 4K stage of 1K-4K-token documents is a quarter
 * padding), so the rows with the most padding are dissolved, worst first,
 * until the rows kept hold at most 0.5% padding, and their pieces are laid
 * end to end into full rows, cut where a row ends. Each dissolved row costs
 * at most one cut; only the last row of the stage can be short. Every token
 * of every item is still placed exactly once.
 */
export const packBestFitFill: Packer = (lengths, options) => {
  const S = options.seqLen;
  const bfd = packBestFitDecreasing(lengths, options);
  let content = 0;
  const padding = new Int32Array(bfd.rows);
  for (let r = 0; r < bfd.rows; r++) {
    let used = 0;
    for (let k = bfd.rowStart[r]!; k < bfd.rowStart[r + 1]!; k++) used += bfd.pieceLength[bfd.rowPieces[k]!]!;
    padding[r] = S - used;
    content += used;
  }
  let kept = 0;
  for (let r = 0; r < bfd.rows; r++) kept += padding[r]!;
  const byPadding = Array.from({ length: bfd.rows }, (_, r) => r).filter((r) => padding[r]! > 0).sort((a, b) => padding[b]! - padding[a]! || a - b);
  const dissolved = new Uint8Array(bfd.rows);
  for (const r of byPadding) {
    if (kept <= FILL_KEPT_PADDING * content) break;
    dissolved[r] = 1;
    kept -= padding[r]!;
  }
  // Rows kept as they are, then the dissolved rows' pieces end to end, cut at every row boundary.
  const placed: { item: number; offset: number; length: number; row: number }[] = [];
  let row = 0;
  for (let r = 0; r < bfd.rows; r++) {
    if (dissolved[r]) continue;
    for (let k = bfd.rowStart[r]!; k < bfd.rowStart[r + 1]!; k++) {
      const p = bfd.rowPieces[k]!;
      placed.push({ item: bfd.pieceItem[p]!, offset: bfd.pieceOffset[p]!, length: bfd.pieceLength[p]!, row });
    }
    row++;
  }
  let fill = 0;
  for (let r = 0; r < bfd.rows; r++) {
    if (!dissolved[r]) continue;
    for (let k = bfd.rowStart[r]!; k < bfd.rowStart[r + 1]!; k++) {
      const p = bfd.rowPieces[k]!;
      let offset = bfd.pieceOffset[p]!;
      let left = bfd.pieceLength[p]!;
      while (left > 0) {
        const take = Math.min(left, S - fill);
        placed.push({ item: bfd.pieceItem[p]!, offset, length: take, row });
        offset += take;
        left -= take;
        fill += take;
        if (fill === S) {
          row++;
          fill = 0;
        }
      }
    }
  }
  const rows = fill > 0 ? row + 1 : row;
  // Pieces numbered by (item, offset), so that an item's pieces are consecutive as packStats expects;
  // within a row they keep their placement order.
  const order = Array.from({ length: placed.length }, (_, i) => i).sort((a, b) => placed[a]!.item - placed[b]!.item || placed[a]!.offset - placed[b]!.offset);
  const pieces = new PieceList();
  const numberOf = new Int32Array(placed.length);
  for (const i of order) numberOf[i] = pieces.add(placed[i]!.item, placed[i]!.offset, placed[i]!.length);
  const rowStart = new Int32Array(rows + 1);
  for (const q of placed) rowStart[q.row + 1]!++;
  for (let r = 0; r < rows; r++) rowStart[r + 1]! += rowStart[r]!;
  const at = rowStart.slice(0, rows);
  const rowPieces = new Int32Array(placed.length);
  for (let i = 0; i < placed.length; i++) rowPieces[at[placed[i]!.row]!++] = numberOf[i]!;
  return { rows, pieceItem: pieces.item.toArray(), pieceOffset: pieces.offset.toArray(), pieceLength: pieces.length.toArray(), rowStart, rowPieces };
};

export const PACKERS: Record<PackingPolicy, Packer> = {
  'best-fit-fill': packBestFitFill,
  'best-fit-decreasing': packBestFitDecreasing,
  decomposition: packDecomposition,
  'concat-chunk': packConcatChunk,
};

/** Counts what a packing did: rows, padding, pieces and split items. */
export function packStats(packed: Packed, seqLen: number): PackStats {
  let content = 0;
  for (let p = 0; p < packed.pieceLength.length; p++) content += packed.pieceLength[p]!;
  let split = 0;
  const item = packed.pieceItem;
  // Pieces of one item are created consecutively by every policy.
  for (let p = 1; p < item.length; p++) if (item[p] === item[p - 1] && (p < 2 || item[p - 2] !== item[p])) split++;
  return { sequences: packed.rows, content_tokens: content, padding_tokens: packed.rows * seqLen - content, pieces: item.length, items_split: split };
}
