import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '@foxden/core';
import { PACKERS, packStats, type Packed } from '../src/packing.js';
import { allocateBudget, cutBoundary } from '../src/sampler.js';

/** Lengths with a heavy tail, like web text: many short documents, a few very long. */
function lengths(n: number, seed: number): Int32Array {
  const r = new SeededRandom(seed, 'lengths');
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.max(1, Math.round(Math.exp(4 + 3 * r.next() + 2 * r.next() * r.next())));
  return out;
}

function coverage(p: Packed, items: Int32Array, seqLen: number): void {
  const covered = new Int32Array(items.length);
  for (let r = 0; r < p.rows; r++) {
    let fill = 0;
    for (let j = p.rowStart[r]!; j < p.rowStart[r + 1]!; j++) fill += p.pieceLength[p.rowPieces[j]!]!;
    assert.ok(fill <= seqLen && fill > 0, `row ${r} holds ${fill}`);
  }
  const used = new Uint8Array(p.pieceItem.length);
  for (let j = 0; j < p.rowPieces.length; j++) {
    assert.equal(used[p.rowPieces[j]!], 0, 'piece placed twice');
    used[p.rowPieces[j]!] = 1;
  }
  assert.ok(used.every((u) => u === 1), 'piece not placed');
  // Pieces of each item tile [0, length) in order.
  for (let q = 0; q < p.pieceItem.length; q++) {
    const i = p.pieceItem[q]!;
    assert.equal(p.pieceOffset[q], covered[i]);
    covered[i]! += p.pieceLength[q]!;
  }
  items.forEach((len, i) => assert.equal(covered[i], len));
}

test('best-fit decreasing: every token placed once, near the lower bound of rows, only long items cut', () => {
  const items = lengths(20000, 1);
  const S = 2048;
  const p = PACKERS['best-fit-decreasing'](items, { seqLen: S, pieceTokens: S, split: true, minPiece: 1 });
  coverage(p, items, S);
  const st = packStats(p, S);
  const total = items.reduce((a, b) => a + b, 0);
  assert.equal(st.content_tokens, total);
  assert.ok(st.sequences <= Math.ceil(total / S) * 1.01, `${st.sequences} rows vs lower bound ${Math.ceil(total / S)}`);
  assert.equal(st.items_split, items.filter((l) => l > S).length);
});

test('best-fit fill: documents longer than half a row, which best-fit cannot pair, pack with at most 1% padding; every token once', () => {
  // A middle stage of disjoint ranges: every document between seq_len/2 and seq_len.
  const S = 4096;
  const r = new SeededRandom(3, 'middle');
  const items = Int32Array.from({ length: 3000 }, () => S / 2 + 1 + Math.floor(r.next() * (S / 2 - 1)));
  const options = { seqLen: S, pieceTokens: S, split: false, minPiece: 1 };
  const bfd = packStats(PACKERS['best-fit-decreasing'](items, options), S);
  const p = PACKERS['best-fit-fill'](items, options);
  coverage(p, items, S);
  const st = packStats(p, S);
  const total = items.reduce((a, b) => a + b, 0);
  assert.equal(st.content_tokens, total);
  assert.ok(bfd.padding_tokens / (bfd.sequences * S) > 0.2, `best-fit alone pads ${bfd.padding_tokens / (bfd.sequences * S)}`);
  assert.ok(st.padding_tokens / (st.sequences * S) <= 0.01, `fill pads ${st.padding_tokens / (st.sequences * S)}`);
  assert.ok(st.sequences <= Math.ceil((total * 1.005) / S) + 1, `${st.sequences} rows for ${Math.ceil(total / S)} rows of tokens`);
  // A dissolved row costs at most one cut: no document is cut more than once here (each is shorter than a row).
  assert.ok(st.pieces - items.length === st.items_split, 'each cut document is in exactly two pieces');
  // Heavy-tailed lengths with splitting on: still every token once, and no more padding than best-fit alone.
  const mixed = lengths(20000, 4);
  const split = { seqLen: 2048, pieceTokens: 2048, split: true, minPiece: 1 };
  const q = PACKERS['best-fit-fill'](mixed, split);
  coverage(q, mixed, 2048);
  assert.ok(packStats(q, 2048).padding_tokens <= packStats(PACKERS['best-fit-decreasing'](mixed, split), 2048).padding_tokens);
  // Deterministic.
  assert.deepEqual(PACKERS['best-fit-fill'](items, options), p);
});

test('best-fit decreasing packs pieces into the fullest row that fits', () => {
  const p = PACKERS['best-fit-decreasing'](Int32Array.from([6, 5, 4, 3, 2]), { seqLen: 10, pieceTokens: 10, split: false, minPiece: 1 });
  // 6 -> row0 (4 left), 5 -> row1 (5 left), 4 -> row0 (0 left), 3 -> row1 (2 left), 2 -> row1 (0 left)
  assert.equal(p.rows, 2);
  assert.equal(packStats(p, 10).padding_tokens, 0);
  assert.throws(() => PACKERS['best-fit-decreasing'](Int32Array.from([11]), { seqLen: 10, pieceTokens: 10, split: false, minPiece: 1 }), /more than seq_len/);
});

test('decomposition: power-of-two pieces, one length per row, padding only at bucket tails', () => {
  const items = lengths(5000, 2).map((l) => l - (l % 64));
  const S = 4096;
  const p = PACKERS.decomposition(items, { seqLen: S, pieceTokens: S, split: true, minPiece: 64 });
  coverage(p, items, S);
  const padded = new Set<number>();
  for (let r = 0; r < p.rows; r++) {
    const lens: number[] = [];
    for (let j = p.rowStart[r]!; j < p.rowStart[r + 1]!; j++) lens.push(p.pieceLength[p.rowPieces[j]!]!);
    assert.ok(lens.every((l) => l === lens[0] && (l & (l - 1)) === 0 && l >= 64));
    if (lens.length * lens[0]! < S) padded.add(lens[0]!);
    else assert.equal(lens.length * lens[0]!, S);
  }
  assert.ok(padded.size <= 7);
});

test('concat-chunk: rows are full except the last', () => {
  const items = lengths(3000, 3);
  const p = PACKERS['concat-chunk'](items, { seqLen: 1024, pieceTokens: 1024, split: true, minPiece: 1 });
  coverage(p, items, 1024);
  assert.ok(packStats(p, 1024).padding_tokens < 1024);
});

test('budget allocation caps sources at supply x repeats and hands the rest to the others', () => {
  assert.deepEqual(allocateBudget(1000, { a: 1, b: 1 }, { a: 100, b: 5000 }), { a: 100, b: 900 });
  assert.deepEqual(allocateBudget(1001, { a: 1, b: 1 }, { a: 5000, b: 5000 }), { a: 501, b: 500 });
  assert.deepEqual(allocateBudget(1000, { a: 1, b: 0 }, { a: 300, b: 5000 }), { a: 300, b: 0 });
  // Boundary cut: key order, last taken document cut to meet the tokens exactly.
  assert.deepEqual(cutBoundary([{ key: 5, id: 'x', usable: 10 }, { key: 1, id: 'y', usable: 7 }, { key: 3, id: 'z', usable: 4 }], 15, 1), [4, 7, 4]);
});
