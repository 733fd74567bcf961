import { fmix32, hashString32 } from '@foxden/core';

/**
 * The supply side of the seeded budget sampler (sampler.ts): each document's
 * sampling key, and the per-group summary the scan phase builds, document by
 * document, of what each stage could take: documents, usable tokens and a
 * histogram of tokens by key bucket, in memory that does not grow with the corpus.
 */

/** Histogram resolution: the top KEY_BITS bits of a key select its bucket. */
export const KEY_BITS = 10;
export const KEY_BUCKETS = 1 << KEY_BITS;

/** The sampling key of a document: uniform, stable for an id and a seed. */
export function documentKey(id: string, seed: number): number {
  return fmix32(hashString32(id) ^ fmix32(Math.imul(seed | 0, 0x9e3779b1) ^ 0x5bd1e995));
}

export const keyBucket = (key: number): number => key >>> (32 - KEY_BITS);

/** Per stage and source group: documents, usable tokens, and tokens per key bucket. */
export interface SupplyCell {
  documents: number;
  tokens: number;
  hist: number[];
}

/** What the scan of one shard group found; written as JSON, merged by the plan phase. */
export interface GroupSummary {
  group: string;
  rows: number;
  /** Documents no stage selects, by drop reason. */
  not_selected: Record<string, number>;
  /** Index = stage index; key = mixture group. */
  stages: Record<string, SupplyCell>[];
}

/** Accumulates a GroupSummary document by document. */
export class SummaryBuilder {
  private readonly cells: Map<string, { documents: number; tokens: number; hist: Float64Array }>[];
  private rows = 0;
  private readonly notSelected: Record<string, number> = {};

  constructor(private readonly group: string, stageCount: number) {
    this.cells = Array.from({ length: stageCount }, () => new Map());
  }

  add(stage: number, mixGroup: string, usable: number, key: number): void {
    this.rows++;
    const stageCells = this.cells[stage]!;
    let cell = stageCells.get(mixGroup);
    if (!cell) {
      cell = { documents: 0, tokens: 0, hist: new Float64Array(KEY_BUCKETS) };
      stageCells.set(mixGroup, cell);
    }
    cell.documents++;
    cell.tokens += usable;
    cell.hist[keyBucket(key)]! += usable;
  }

  reject(reason: string): void {
    this.rows++;
    this.notSelected[reason] = (this.notSelected[reason] ?? 0) + 1;
  }

  toJSON(): GroupSummary {
    return {
      group: this.group,
      rows: this.rows,
      not_selected: Object.fromEntries(Object.entries(this.notSelected).sort(([a], [b]) => (a < b ? -1 : 1))),
      stages: this.cells.map((m) => Object.fromEntries([...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, c]) => [k, { documents: c.documents, tokens: c.tokens, hist: Array.from(c.hist) }]))),
    };
  }
}
