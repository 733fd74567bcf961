import {
  FoxdenError, addCount, indexTaskId, previousStepShards, shardPath,
  type ColumnSpec, type DocumentRecord, type StepContext, type TaskContext, type TaskSpec, type TaskStats,
} from '@foxden/core';
import { runTask } from './run-task.js';

/** What a document transform does with each document of a batch. */
export interface DocumentSink {
  /** Passes a document on (possibly changed, possibly with new columns). */
  keep(doc: DocumentRecord): void;
  /** Drops a document for a reason, with the value that decided it. */
  drop(doc: DocumentRecord, reason: string, value: string | number | null): void;
  /** Step-specific counters (e.g. PII replacements). */
  count(counter: string, n?: number): void;
}

/** Transforms one batch of documents; every document must be kept or dropped exactly once. */
export type DocumentTransform = (docs: DocumentRecord[], sink: DocumentSink) => void | Promise<void>;

export interface DocumentTaskOptions {
  /** Columns of the documents this task writes (the input columns plus what the step adds). */
  outputColumns: readonly ColumnSpec[];
  transform: DocumentTransform;
  /** Extra schema metadata for the output shard. */
  metadata?: Record<string, string>;
  /** Output kind; default "documents". */
  kind?: string;
}

/**
 * The boilerplate of every document-to-document task: stream the input
 * shards batch by batch, run the transform, write kept documents and drop
 * records to their shards, count in/out/dropped and check they balance.
 * A new filter writes only its transform.
 */
export async function runDocumentTask(task: TaskSpec, ctx: TaskContext<any>, options: DocumentTaskOptions): Promise<TaskStats> {
  return runTask(task, ctx, async (scope) => {
    const { stats } = scope;
    const kind = options.kind ?? 'documents';
    const docs = await scope.shard({ path: shardPath(ctx.stepDir, kind, ctx.phase, task.id), kind, columns: options.outputColumns, metadata: options.metadata ?? {} });
    const drops = await scope.drops();
    for await (const { batch: rows } of scope.inputBatches((reader) => reader.rowBatches())) {
      const batch = rows as DocumentRecord[];
      const decided = new Set<string>();
      const kept: DocumentRecord[] = [];
      let batchBytes = 0;
      for (const d of batch) batchBytes += d.text.length;
      const sink: DocumentSink = {
        keep(doc) {
          if (decided.has(doc.id)) throw new FoxdenError('ACCOUNTING', `step ${ctx.stepName} decided document ${doc.id} twice`);
          decided.add(doc.id);
          kept.push(doc);
        },
        drop(doc, reason, value) {
          if (decided.has(doc.id)) throw new FoxdenError('ACCOUNTING', `step ${ctx.stepName} decided document ${doc.id} twice`);
          decided.add(doc.id);
          addCount(stats.dropped, reason);
          drops.add({ id: doc.id, url: doc.url, step: ctx.stepName, reason, value: value === null ? null : String(value) });
        },
        count(counter, n = 1) {
          addCount(stats.counters, counter, n);
        },
      };
      await options.transform(batch, sink);
      if (decided.size !== batch.length) {
        const missing = batch.filter((d) => !decided.has(d.id)).map((d) => d.id);
        throw new FoxdenError('ACCOUNTING', `step ${ctx.stepName} neither kept nor dropped ${missing.length} documents (first: ${missing[0]})`);
      }
      for (const doc of kept) {
        stats.bytes_out += doc.text.length;
        await docs.append(doc);
      }
      await drops.flush();
      stats.documents_in += batch.length;
      stats.documents_out += kept.length;
      stats.bytes_in += batchBytes;
      ctx.progress({ documents: batch.length, bytes: batchBytes });
    }
  });
}

/** Plans one task per document shard of the previous step: the usual map step. */
export async function planPerShard(ctx: Pick<StepContext, 'history' | 'stepName'>): Promise<TaskSpec[]> {
  return previousStepShards(ctx, 'documents').map((s, i) => ({ id: indexTaskId(i), inputs: [s.path], bytes: s.bytes }));
}
