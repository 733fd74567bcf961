import { addCount, shardPath, type ColumnSpec, type TaskContext, type TaskSpec, type TaskStats } from '@foxden/core';
import { runTask, type ShardReader } from '@foxden/shards';
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
 * A document row as this task reads it: every text column as its UTF-8 bytes,
 * written out as read (stats count text in UTF-16 units, as every step does;
 * a dropped document's id and url are decoded for its drop record).
 */
interface ClassifiedRow {
  id: Uint8Array;
  url: Uint8Array | null;
  text: Uint8Array | null;
  [column: string]: unknown;
}
const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

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
  return runTask(task, ctx, async (scope) => {
    const { stats } = scope;
    const docs = await scope.shard({ path: shardPath(ctx.stepDir, 'documents', ctx.phase, task.id), kind: 'documents', columns: options.outputColumns });
    const drops = await scope.drops();
    const threshold = options.threshold === null ? null : Math.fround(options.threshold);
    const ahead: { batch: ClassifiedRow[]; lengths: Uint32Array; scores: Promise<Float32Array> }[] = [];
    const decideOldest = async (): Promise<void> => {
      const { batch, lengths, scores: pending } = ahead.shift()!;
      const scores = await pending;
      let kept = 0;
      let bytes = 0;
      for (let i = 0; i < batch.length; i++) {
        const doc = batch[i]!;
        const score = scores[i]!;
        bytes += lengths[i]!;
        if (threshold !== null && score < threshold) {
          addCount(stats.dropped, 'quality:below-threshold');
          drops.add({ id: utf8.decode(doc.id), url: doc.url === null ? null : utf8.decode(doc.url), step: ctx.stepName, reason: 'quality:below-threshold', value: String(Number(score.toPrecision(6))) });
          continue;
        }
        kept++;
        stats.bytes_out += lengths[i]!;
        await docs.append({ ...doc, quality: score });
      }
      await drops.flush();
      addCount(stats.counters, 'quality:scored', batch.length);
      stats.documents_in += batch.length;
      stats.documents_out += kept;
      stats.bytes_in += bytes;
      ctx.progress({ documents: batch.length, bytes });
    };
    // Text stays UTF-8 bytes: fastText's lines are built from them and kept documents are written from them, never decoded.
    const readBytes = (reader: ShardReader) => reader.rowBatches(undefined, { utf8Bytes: reader.columns.filter((c) => c.type === 'utf8').map((c) => c.name) });
    for await (const { batch: rows } of scope.inputBatches(readBytes)) {
      const batch = rows as ClassifiedRow[];
      const texts = batch.map((d) => d.text ?? EMPTY);
      const lengths = new Uint32Array(batch.length);
      const scores = options.scorer.score(texts, lengths);
      // Awaited in decideOldest; a failure meanwhile must not count as an unhandled rejection.
      scores.catch(() => undefined);
      ahead.push({ batch, lengths, scores });
      while (ahead.length >= BATCHES_AHEAD) await decideOldest();
    }
    while (ahead.length > 0) await decideOldest();
  });
}
