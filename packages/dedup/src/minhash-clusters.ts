import { join } from 'node:path';
import { FoxdenError, addCount, indexTaskId, type StepContext, type TaskContext, type TaskSpec, type TaskStats } from '@foxden/core';
import { runTask, ShardReader } from '@foxden/shards';
import { compareKeep, type KeepCandidate } from './keep-rule.js';
import type { MinHashDedupParams } from './minhash-params.js';
import { phaseOutputs, ref, shardTaskIds, type FileRef } from './phase-outputs.js';
import { RecordFileReader, corrupt } from './record-file.js';
import { UnionFind } from './union-find.js';

export const CLUSTER_COLUMNS = [
  { name: 'row', type: 'int32', nullable: false },
  { name: 'cluster_id', type: 'utf8', nullable: false },
  { name: 'cluster_size', type: 'int32', nullable: false },
  { name: 'keep', type: 'bool', nullable: false },
] as const;

export function clusterSuffix(shard: number): string {
  return `.s${indexTaskId(shard)}.arrow`;
}

/** One task: all candidate pairs, every shard's doc info (and signatures when verifying). */
export async function planClusters(ctx: StepContext<MinHashDedupParams>): Promise<TaskSpec[]> {
  const sigOuts = await phaseOutputs(ctx, 'signatures', shardTaskIds(ctx));
  const bucketOuts = await phaseOutputs(ctx, 'buckets', Array.from({ length: ctx.params.num_bands }, (_, b) => indexTaskId(b)));
  const pick = (outputs: typeof sigOuts[number]['outputs'], kind: string, task: string): FileRef => {
    const f = outputs.find((o) => o.kind === kind);
    if (!f) throw new FoxdenError('INTERNAL', `task ${task} of step '${ctx.stepName}' recorded no ${kind} output`);
    return ref(f);
  };
  const docs = sigOuts.map((o) => pick(o.outputs, 'minhash-docs', o.task));
  const sigs = ctx.params.verify ? sigOuts.map((o) => pick(o.outputs, 'minhash-sigs', o.task)) : [];
  const pairs = bucketOuts.map((o) => pick(o.outputs, 'minhash-pairs', o.task));
  const bytes = pairs.reduce((n, p) => n + p.rows * 16, 0);
  return [{ id: indexTaskId(0), inputs: [...pairs, ...docs, ...sigs].map((f) => f.path), bytes, params: { pairs, docs, sigs } }];
}

/** Random access to the full signatures of each shard, for verification; digests checked at first use. */
class SignatureStore {
  private readonly readers = new Map<number, RecordFileReader>();
  readonly a: Uint32Array;
  readonly b: Uint32Array;
  constructor(private readonly runDir: string, private readonly files: FileRef[], private readonly words: number) {
    this.a = new Uint32Array(words);
    this.b = new Uint32Array(words);
  }
  private reader(shard: number): RecordFileReader {
    let r = this.readers.get(shard);
    if (!r) {
      const f = this.files[shard];
      if (!f) throw new FoxdenError('INTERNAL', `no signature file for shard ${shard}`);
      const file = join(this.runDir, f.path);
      r = RecordFileReader.open(file, this.words, 4096);
      r.verifyWhole();
      if (r.count !== f.rows) throw corrupt(file, `holds ${r.count} signatures, its writer recorded ${f.rows}`);
      this.readers.set(shard, r);
    }
    return r;
  }
  /** Estimated Jaccard similarity of two documents: the fraction of equal signature values. */
  similarity(shardA: number, rowA: number, shardB: number, rowB: number): number {
    this.reader(shardA).readRecord(rowA, this.a);
    this.reader(shardB).readRecord(rowB, this.b);
    let same = 0;
    for (let i = 0; i < this.words; i++) if (this.a[i] === this.b[i]) same++;
    return same / this.words;
  }
  close(): void {
    for (const r of this.readers.values()) r.close();
  }
}

/**
 * Phase `clusters`, one task: union-find over the candidate pairs of all bands (each verified
 * against the threshold first when `verify` is on; pairs already in one cluster are not checked
 * again), then, per cluster, the keeper by the keep rule. Writes, for each input shard with
 * clustered documents, minhash-clusters/clusters-00000.s<shard>.arrow: (row, cluster_id,
 * cluster_size, keep), where cluster_id is the keeper's document id.
 * Memory: 8 bytes per document for union-find, plus one keeper per cluster.
 */
export async function runClusters(task: TaskSpec, ctx: TaskContext<MinHashDedupParams>): Promise<TaskStats> {
  return runTask(task, ctx, async (scope) => {
    const { stats } = scope;
    const params = task.params as { pairs: FileRef[]; docs: FileRef[]; sigs: FileRef[] };
    const offsets: number[] = [0];
    for (const d of params.docs) offsets.push(offsets[offsets.length - 1]! + d.rows);
    const total = offsets[offsets.length - 1]!;
    if (total > 0x7fffffff) throw new FoxdenError('BAD_CONFIG', `${total} documents exceed one clusters task (2^31); see docs/dedup.md for the sharded clustering at this scale`);
    const uf = new UnionFind(total);
    const store = ctx.params.verify ? new SignatureStore(ctx.runDir, params.sigs, ctx.params.num_bands * ctx.params.rows_per_band) : null;
    const threshold = ctx.params.threshold;
    let candidates = 0, rejected = 0, joins = 0;
    try {
      for (const p of params.pairs) {
        const reader = RecordFileReader.open(join(ctx.runDir, p.path), 4, 65536);
        try {
          if (reader.count !== p.rows) throw corrupt(reader.file, `holds ${reader.count} pairs, its writer recorded ${p.rows}`);
          for (let chunk = reader.next(); chunk !== null; chunk = reader.next()) {
            scope.checkAborted();
            for (let i = 0; i < chunk.length; i += 4) {
              const sa = chunk[i]!, ra = chunk[i + 1]!, sb = chunk[i + 2]!, rb = chunk[i + 3]!;
              const oa = offsets[sa], ob = offsets[sb];
              if (oa === undefined || ob === undefined || ra >= params.docs[sa]!.rows || rb >= params.docs[sb]!.rows) throw corrupt(reader.file, `pair names a document outside the input (${sa}:${ra}, ${sb}:${rb})`);
              candidates++;
              const a = oa + ra, b = ob + rb;
              if (store) {
                if (uf.find(a) === uf.find(b)) continue;
                if (store.similarity(sa, ra, sb, rb) < threshold) {
                  rejected++;
                  continue;
                }
              }
              if (uf.union(a, b)) joins++;
            }
          }
        } finally {
          reader.close();
        }
      }
    } finally {
      store?.close();
    }
    addCount(stats.counters, 'minhash_candidate_pairs_read', candidates);
    if (store) addCount(stats.counters, 'minhash_pairs_rejected_by_verification', rejected);

    // Keepers: read id and fetched_at of clustered documents only.
    const keepers = new Map<number, KeepCandidate>();
    const clusteredRows: Int32Array[] = [];
    for (let s = 0; s < params.docs.length; s++) {
      const rows: number[] = [];
      for (let r = 0, g = offsets[s]!; g < offsets[s + 1]!; r++, g++) if (uf.size[uf.find(g)]! > 1) rows.push(r);
      clusteredRows.push(Int32Array.from(rows));
      if (rows.length === 0) continue;
      const f = params.docs[s]!;
      const reader = await ShardReader.open(join(ctx.runDir, f.path), { sha256: f.sha256 });
      try {
        let base = 0;
        let k = 0;
        for await (const batch of reader.batches()) {
          const ids = batch.getChild('id')!;
          const fetched = batch.getChild('fetched_at')!;
          for (; k < rows.length && rows[k]! < base + batch.numRows; k++) {
            const r = rows[k]!;
            const root = uf.find(offsets[s]! + r);
            const c: KeepCandidate = { id: ids.get(r - base) as string, fetched_at: (fetched.get(r - base) as string | null) ?? null, shard: s, row: r };
            const best = keepers.get(root);
            if (!best || compareKeep(c, best) < 0) keepers.set(root, c);
          }
          base += batch.numRows;
        }
        if (base !== f.rows) throw corrupt(reader.file, `holds ${base} rows, its writer recorded ${f.rows}`);
      } finally {
        await reader.close();
      }
    }
    addCount(stats.counters, 'minhash_clusters', keepers.size);
    let clustered = 0;
    for (let s = 0; s < params.docs.length; s++) {
      const rows = clusteredRows[s]!;
      if (rows.length === 0) continue;
      clustered += rows.length;
      const w = await scope.shard({
        path: join(ctx.stepDir, 'minhash-clusters', `clusters-${task.id}${clusterSuffix(s)}`), kind: 'minhash-clusters', columns: [...CLUSTER_COLUMNS], batchRows: 8192,
      });
      for (const r of rows) {
        const root = uf.find(offsets[s]! + r);
        const best = keepers.get(root)!;
        await w.append({ row: r, cluster_id: best.id, cluster_size: uf.size[root]!, keep: best.shard === s && best.row === r });
      }
      await scope.close(w);
    }
    addCount(stats.counters, 'minhash_clustered_documents', clustered);
    addCount(stats.counters, 'minhash_unions', joins);
  });
}
