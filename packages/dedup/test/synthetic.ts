/**
 * A large synthetic signature set, written exactly as the signatures phase writes it (sorted band
 * runs, doc-info shards, done markers), so that the buckets and clusters phases can be measured
 * at millions of documents without computing millions of real signatures first.
 * Document g of the set has band keys mix(g, band); a planted near-duplicate of an earlier
 * document shares that document's keys in a random half of the bands (at least one), so every
 * planted pair is found and the clusters are known.
 */
import { join } from 'node:path';
import { completeTask, emptyTaskStats, fmix32, indexTaskId, stepDirName, type StepOutputs, type TaskStats } from '@foxden/core';
import { ShardWriter } from '@foxden/shards';
import { bandSuffix, DOCINFO_COLUMNS } from '../src/minhash-signatures.js';
import { sortByKey64 } from '../src/radix-sort.js';
import { RecordFileWriter } from '../src/record-file.js';

export interface SyntheticOptions {
  documents: number;
  shards: number;
  bands: number;
  /** Fraction of documents that are planted near-duplicates of an earlier one. */
  duplicates: number;
  seed?: number;
}

/** Source document of g (itself when g is not a planted duplicate), and whether band b is shared. */
export function sourceOf(g: number, o: SyntheticOptions): number {
  const h = (fmix32(g ^ Math.imul(o.seed ?? 5, 0x9e3779b1)) >>> 0) / 4294967296;
  if (g === 0 || h >= o.duplicates) return g;
  return (fmix32(g + 0x1234567) >>> 0) % g;
}

function sharesBand(g: number, b: number, bands: number): boolean {
  return b === g % bands || (fmix32(g * 31 + b * 7919) & 1) === 1;
}

/** The document whose key g carries in band b: its source's key where it shares the band, followed back. */
export function keyOwner(g: number, b: number, o: SyntheticOptions): number {
  let x = g;
  for (;;) {
    const s = sourceOf(x, o);
    if (s === x || !sharesBand(x, b, o.bands)) return x;
    x = s;
  }
}

/** The final representative of g: follow planted copies back to an original. */
export function rootOf(g: number, o: SyntheticOptions): number {
  let x = g;
  for (let s = sourceOf(x, o); s !== x; s = sourceOf(x, o)) x = s;
  return x;
}

export async function writeSyntheticSignatures(runDir: string, o: SyntheticOptions, stepName = 'dedup'): Promise<{ history: StepOutputs[]; stepDir: string }> {
  const stepDir = stepDirName(1, stepName);
  const perShard = Math.ceil(o.documents / o.shards);
  const ingest: StepOutputs = { step: 'ingest', type: 'synthetic', columns: [], shards: [] };
  for (let s = 0; s < o.shards; s++) {
    const first = s * perShard;
    const n = Math.max(0, Math.min(perShard, o.documents - first));
    ingest.shards.push({ path: `steps/00-ingest/documents/ingest-${indexTaskId(s)}.arrow`, kind: 'documents', rows: n, bytes: n * 1000, sha256: '' });
    const stats: TaskStats = emptyTaskStats(stepName, indexTaskId(s));
    const hi = new Uint32Array(n);
    const lo = new Uint32Array(n);
    for (let b = 0; b < o.bands; b++) {
      for (let r = 0; r < n; r++) {
        const k = keyOwner(first + r, b, o);
        hi[r] = fmix32(k * 0x3c6ef372 + b) >>> 0;
        lo[r] = fmix32(k ^ Math.imul(b + 1, 0x27d4eb2f)) >>> 0;
      }
      const order = sortByKey64(hi, lo, n);
      const w = new RecordFileWriter(runDir, join(stepDir, 'minhash-bands', `signatures-${indexTaskId(s)}${bandSuffix(b)}`), 'minhash-bands', 3, 65536);
      for (let k = 0; k < n; k++) {
        const i = order[k]!;
        w.push3(hi[i]!, lo[i]!, i);
      }
      stats.outputs.push(w.close());
    }
    const docs = await ShardWriter.create({ runDir, path: join(stepDir, 'minhash-docs', `signatures-${indexTaskId(s)}.arrow`), kind: 'minhash-docs', columns: [...DOCINFO_COLUMNS], batchRows: 65536 });
    for (let r = 0; r < n; r++) await docs.append({ id: `doc-${first + r}`, fetched_at: null });
    stats.outputs.push(await docs.close());
    await completeTask(runDir, stepDir, 'signatures', indexTaskId(s), stats);
  }
  return { history: [ingest], stepDir };
}
