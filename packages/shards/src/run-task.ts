import {
  FoxdenError, assertBalanced, emptyTaskStats, type ShardOutput, type TaskContext, type TaskSpec, type TaskStats,
} from '@foxden/core';
import { DropWriter } from './drop-writer.js';
import { openInputShard } from './open-input-shard.js';
import type { ShardReader } from './shard-reader.js';
import { ShardWriter, type ShardWriterOptions } from './shard-writer.js';

/** A writer a task owns only for clean-up: aborted if the task fails. */
export interface AbortableWriter {
  /** Abandons the output and removes its temporary file; must be safe after close(). */
  abort(): unknown;
}

/** A task output being written (a shard, drop or record file): closed into the task's outputs. */
export interface TaskOutputWriter extends AbortableWriter {
  close(): ShardOutput | Promise<ShardOutput>;
}

/**
 * One task in progress, as a step sees it: its stats, the writers it owns and
 * the abort check. Made by `runTask`, which does the rest.
 */
export interface TaskScope {
  readonly stats: TaskStats;
  /** Throws ABORTED (naming the task) when the run is being interrupted: call it between batches. */
  checkAborted(): void;
  /**
   * The task's input shards in order, batch by batch: each shard opened with the sha256 its
   * writer recorded and closed when read (or when the loop is left), the abort check before
   * every batch. `read` picks what to read from a shard (`reader.batches()`, `reader.rowBatches(...)`).
   */
  inputBatches<T>(read: (reader: ShardReader, input: string) => AsyncIterable<T>): AsyncGenerator<{ input: string; batch: T }>;
  /** Opens a shard writer the task owns (the run directory and `foxden.step` metadata filled in). */
  shard(options: Omit<ShardWriterOptions, 'runDir'>): Promise<ShardWriter>;
  /** Opens the task's drop writer (`drops/<phase>-<task>.arrow`), owned like a shard. */
  drops(): Promise<DropWriter>;
  /** Owns a writer: closed into the outputs when the body returns (in the order owned) unless closed before; aborted if the task fails. */
  own<W extends TaskOutputWriter>(writer: W): W;
  /** Owns a writer for clean-up only: the step closes it and records its outputs itself. */
  guard<W extends AbortableWriter>(writer: W): W;
  /** Closes an owned writer now and appends its output to the task's outputs. */
  close(writer: TaskOutputWriter): Promise<ShardOutput>;
}

/**
 * The frame of every task: run the body with a scope; when it returns, close
 * the writers still open into `stats.outputs`; if anything fails, abort every
 * writer the task owns (so no temporary file is left) and rethrow; last, check
 * that documents in = out + dropped. Timing is executeTask's.
 */
export async function runTask(task: TaskSpec, ctx: TaskContext<any>, body: (scope: TaskScope) => Promise<void>): Promise<TaskStats> {
  const stats = emptyTaskStats(ctx.stepName, task.id);
  const owned: AbortableWriter[] = [];
  const open = new Set<TaskOutputWriter>();
  const scope: TaskScope = {
    stats,
    checkAborted() {
      if (ctx.signal.aborted) throw new FoxdenError('ABORTED', `task ${task.id} of step ${ctx.stepName} aborted`);
    },
    async *inputBatches(read) {
      for (const input of task.inputs) {
        const reader = await openInputShard(ctx, input);
        try {
          for await (const batch of read(reader, input)) {
            scope.checkAborted();
            yield { input, batch };
          }
        } finally {
          await reader.close();
        }
      }
    },
    async shard(options) {
      return scope.own(await ShardWriter.create({ ...options, runDir: ctx.runDir, metadata: { 'foxden.step': ctx.stepName, ...(options.metadata ?? {}) } }));
    },
    async drops() {
      return scope.own(await DropWriter.create(task, ctx));
    },
    own(writer) {
      owned.push(writer);
      open.add(writer);
      return writer;
    },
    guard(writer) {
      owned.push(writer);
      return writer;
    },
    async close(writer) {
      if (!open.delete(writer)) throw new FoxdenError('INTERNAL', `task ${task.id} of step ${ctx.stepName} closed a writer it does not own, or closed it twice`);
      const output = await writer.close();
      stats.outputs.push(output);
      return output;
    },
  };
  try {
    await body(scope);
    for (const w of [...open]) await scope.close(w);
  } catch (error) {
    for (const w of owned) await w.abort();
    throw error;
  }
  assertBalanced(stats, `task ${task.id} of step`);
  return stats;
}
