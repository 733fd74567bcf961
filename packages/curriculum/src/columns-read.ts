import type { RecordBatch } from '@foxden/shards/arrow';

/**
 * The planning columns of one record batch, read straight from the Arrow
 * vectors: no row objects, and the token lists are never touched.
 */
export interface PlanningColumns {
  rows: number;
  id(i: number): string;
  source(i: number): string;
  nTokens(i: number): number;
  quality(i: number): number | null;
  url(i: number): string | null;
}

export function planningColumns(batch: RecordBatch): PlanningColumns {
  const id = batch.getChild('id')!;
  const source = batch.getChild('source')!;
  const n = batch.getChild('n_tokens')!;
  const q = batch.getChild('quality');
  const url = batch.getChild('url');
  const nValues = n.toArray() as Int32Array;
  return {
    rows: batch.numRows,
    id: (i) => id.get(i) as string,
    source: (i) => source.get(i) as string,
    nTokens: (i) => nValues[i]!,
    quality: (i) => (q ? (q.get(i) as number | null) : null),
    url: (i) => (url ? (url.get(i) as string | null) : null),
  };
}

/** Token ids of row i as a view into the batch (no copy). */
export function tokensOf(batch: RecordBatch, i: number): Uint32Array {
  const v = batch.getChild('tokens')!.get(i) as { toArray(): Uint32Array } | null;
  return v ? v.toArray() : new Uint32Array(0);
}
