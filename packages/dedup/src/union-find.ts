/**
 * Union-find over dense integer ids with path halving and union by size. Memory: 8 bytes per
 * element (parent and size, Int32Array each), allocated once for the number of documents.
 */
export class UnionFind {
  readonly parent: Int32Array;
  readonly size: Int32Array;

  constructor(n: number) {
    this.parent = new Int32Array(n);
    this.size = new Int32Array(n).fill(1);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }

  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      const gp = p[p[x]!]!;
      p[x] = gp;
      x = gp;
    }
    return x;
  }

  /** Joins the sets of a and b; returns false when they were already one set. */
  union(a: number, b: number): boolean {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return false;
    // Union by size; ties to the smaller root id, so the structure is deterministic.
    if (this.size[ra]! < this.size[rb]! || (this.size[ra] === this.size[rb] && rb < ra)) {
      const t = ra; ra = rb; rb = t;
    }
    this.parent[rb] = ra;
    this.size[ra]! += this.size[rb]!;
    return true;
  }
}
