import {
  FoxdenError, addCount, emptyTaskStats, shardPath,
  type ColumnSpec, type DocumentRecord, type TaskContext, type TaskSpec, type TaskStats,
} from '@foxden/core';
import { DropWriter, finishDocumentTask, openInputShard, ShardWriter } from '@foxden/shards';
import type { QualityScorer } from './quality-scorer.js';

export interface ScoreAndFilterOptions {
  /** Columns of the documents written: the input columns and `quality`. */
  outputColumns: readonly ColumnSpec[];
  scorer: QualityScorer;
  /** Documents scoring below this (float32) are dropped as quality:below-threshold; null keeps all. */
  threshold: number | null;
}

/**
 * Batches read, encoded and handed to fastText before the oldest is decided:
 * with 2, fastText scores batch N+1 while this thread writes batch N and
 * reads batch N+2, so neither process waits for the other. Memory holds this
 * many batches.
 */
const BATCHES_AHEAD = 2;

/**
 * Scores and filters one task's documents in a single pass (the
 * threshold-only mode of the quality classifier). It writes exactly what
 * runDocumentTask would (same shard paths, same rows in the same order, drop
 * records per batch, the same accounting) but keeps the next batch with
 * fastText while it writes the current one; runDocumentTask awaits each
 * batch's transform before reading the next, which would leave fastText idle
 * during every Arrow read and write.
 */
export async function runScoreAndFilter(task: TaskSpec, ctx: TaskContext<any>, options: ScoreAndFilterOptions): Promise<TaskStats> {
  const started = performance.now();
  const stats = emptyTaskStats(ctx.stepName, task.id);
  const docs = await ShardWriter.create({
    runDir: ctx.runDir, path: shardPath(ctx.stepDir, 'documents', ctx.phase, task.id),
    kind: 'documents', columns: options.outputColumns, metadata: { 'foxden.step': ctx.stepName },
  });
  const drops = await DropWriter.create(task, ctx);
  const threshold = options.threshold === null ? null : Math.fround(options.threshold);
  const ahead: { batch: DocumentRecord[]; bytes: number; scores: Promise<Float32Array> }[] = [];
  const decideOldest = async (): Promise<void> => {
    const { batch, bytes, scores: pending } = ahead.shift()!;
    const scores = await pending;
    let kept = 0;
    for (let i = 0; i < batch.length; i++) {
      const doc = batch[i]!;
      const score = scores[i]!;
      if (threshold !== null && score < threshold) {
        addCount(stats.dropped, 'quality:below-threshold');
        drops.add({ id: doc.id, url: doc.url, step: ctx.stepName, reason: 'quality:below-threshold', value: String(Number(score.toPrecision(6))) });
        continue;
      }
      kept++;
      stats.bytes_out += doc.text.length;
      await docs.append({ ...doc, quality: score });
    }
    await drops.flush();
    addCount(stats.counters, 'quality:scored', batch.length);
    stats.documents_in += batch.length;
    stats.documents_out += kept;
    stats.bytes_in += bytes;
    ctx.progress({ documents: batch.length, bytes });
  };
  return finishDocumentTask(task, stats, started, [docs, drops], async () => {
    for (const input of task.inputs) {
      const reader = await openInputShard(ctx, input);
      try {
        for await (const rows of reader.rowBatches()) {
          if (ctx.signal.aborted) throw new FoxdenError('ABORTED', `task ${task.id} of step ${ctx.stepName} aborted`);
          const batch = rows as DocumentRecord[];
          const texts = batch.map((d) => d.text ?? '');
          let bytes = 0;
          for (const t of texts) bytes += t.length;
          const scores = options.scorer.score(texts);
          // Awaited in decideOldest; a failure meanwhile must not count as unhandled.
          scores.catch(() => undefined);
          ahead.push({ batch, bytes, scores });
          while (ahead.length >= BATCHES_AHEAD) await decideOldest();
        }
      } finally {
        await reader.close();
      }
    }
    while (ahead.length > 0) await decideOldest();
  });
}
