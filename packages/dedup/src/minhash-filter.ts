import { join } from 'node:path';
import { indexTaskId, withColumns, type ColumnSpec, type StepContext, type TaskContext, type TaskSpec, type TaskStats } from '@foxden/core';
import { ShardReader, runDocumentTask } from '@foxden/shards';
import { clusterSuffix } from './minhash-clusters.js';
import type { MinHashDedupParams } from './minhash-params.js';
import { phaseOutputs, planShards, ref, type FileRef } from './phase-outputs.js';

export const MINHASH_COLUMNS: readonly ColumnSpec[] = Object.freeze([
  { name: 'cluster_id', type: 'utf8', nullable: true },
  { name: 'cluster_size', type: 'int32', nullable: false },
]);

export function minhashOutputColumns(inputColumns: readonly ColumnSpec[]): ColumnSpec[] {
  return withColumns(inputColumns, MINHASH_COLUMNS);
}

export async function planFilter(ctx: StepContext<MinHashDedupParams>): Promise<TaskSpec[]> {
  const [clusters] = await phaseOutputs(ctx, 'clusters', [indexTaskId(0)]);
  return planShards(ctx, (shard) => {
    const f = clusters!.outputs.find((o) => o.path.endsWith(clusterSuffix(shard)));
    return { clusters: f ? ref(f) : null };
  });
}

/**
 * Phase `filter`, per input shard: keeps the keeper of each cluster and documents in no cluster,
 * drops the others with reason `near-duplicate` and the keeper's id as value (the keeper's id is
 * the cluster id). Kept documents get `cluster_id` (null outside a cluster) and `cluster_size`.
 */
export async function runFilter(task: TaskSpec, ctx: TaskContext<MinHashDedupParams>): Promise<TaskStats> {
  const f = task.params?.['clusters'] as FileRef | null;
  const byRow = new Map<number, { id: string; size: number; keep: boolean }>();
  if (f) {
    const reader = await ShardReader.open(join(ctx.runDir, f.path), { sha256: f.sha256 });
    try {
      for await (const rows of reader.rowBatches()) {
        for (const r of rows) byRow.set(r['row'] as number, { id: r['cluster_id'] as string, size: r['cluster_size'] as number, keep: r['keep'] as boolean });
      }
    } finally {
      await reader.close();
    }
  }
  let row = 0;
  return runDocumentTask(task, ctx, {
    outputColumns: minhashOutputColumns(ctx.inputColumns),
    transform(docs, sink) {
      for (const doc of docs) {
        const c = byRow.get(row++);
        if (c && !c.keep) {
          sink.drop(doc, 'near-duplicate', c.id);
          continue;
        }
        doc.cluster_id = c ? c.id : null;
        doc.cluster_size = c ? c.size : 1;
        if (c) sink.count('minhash_kept_cluster_representatives');
        sink.keep(doc);
      }
    },
  });
}
