/**
 * Stable LSD radix sort of records by a 64-bit key given as two uint32 halves (hi, lo): four
 * passes of 16 bits. Returns the permutation (record indices in key order); ties keep their input
 * order, so the result is deterministic. About 10x faster than a comparator sort in JS.
 */
export function sortByKey64(hi: Uint32Array, lo: Uint32Array, n: number): Uint32Array {
  let order = new Uint32Array(n);
  let next = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const counts = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const src = pass < 2 ? lo : hi;
    const shift = (pass & 1) * 16;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(src[order[i]!]! >>> shift) & 0xffff]!++;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const idx = order[i]!;
      next[counts[(src[idx]! >>> shift) & 0xffff]!++] = idx;
    }
    const t = order;
    order = next;
    next = t;
  }
  return order;
}
