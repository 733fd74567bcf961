/**
 * Max-heap of candidate merges ordered by count (highest first), ties broken
 * by the pair of ids (lowest first): the order of the `tokenizers` library's
 * BPE trainer, so both trainers pick the same merge at every step.
 * Each entry carries the words the pair was seen in when it was pushed.
 */
export class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];
  private words: Int32Array[] = [];

  get size(): number {
    return this.counts.length;
  }

  push(count: number, key: number, words: Int32Array): void {
    this.counts.push(count);
    this.keys.push(key);
    this.words.push(words);
    this.up(this.counts.length - 1);
  }

  /** Count, key and words of the top entry; call before pop(). */
  topCount(): number {
    return this.counts[0]!;
  }

  topKey(): number {
    return this.keys[0]!;
  }

  topWords(): Int32Array {
    return this.words[0]!;
  }

  pop(): void {
    const last = this.counts.length - 1;
    this.swap(0, last);
    this.counts.pop();
    this.keys.pop();
    this.words.pop();
    if (this.counts.length > 0) this.down(0);
  }

  /** Replaces the top's count and restores heap order (the lazy update of a stale entry). */
  updateTop(count: number): void {
    this.counts[0] = count;
    this.down(0);
  }

  private before(i: number, j: number): boolean {
    const ci = this.counts[i]!;
    const cj = this.counts[j]!;
    return ci > cj || (ci === cj && this.keys[i]! < this.keys[j]!);
  }

  private swap(i: number, j: number): void {
    const c = this.counts[i]!; this.counts[i] = this.counts[j]!; this.counts[j] = c;
    const k = this.keys[i]!; this.keys[i] = this.keys[j]!; this.keys[j] = k;
    const w = this.words[i]!; this.words[i] = this.words[j]!; this.words[j] = w;
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const n = this.counts.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < n && this.before(l, best)) best = l;
      if (r < n && this.before(r, best)) best = r;
      if (best === i) break;
      this.swap(i, best);
      i = best;
    }
  }
}
