import { FoxdenError, readCompletedTask, type ShardOutput, type StepContext, type TaskSpec } from '@foxden/core';

/** A run-relative file with the sha256 its writer recorded. */
export interface FileRef {
  path: string;
  sha256: string;
  rows: number;
}

/**
 * The outputs that the completed tasks of an earlier phase of this step recorded in their done
 * markers, in task order. Phases of one step hand off through these files; a missing marker
 * means the earlier phase did not complete, which the runner's barrier rules out.
 */
export async function phaseOutputs(ctx: StepContext<any>, phase: string, taskIds: readonly string[]): Promise<{ task: string; outputs: ShardOutput[] }[]> {
  const result: { task: string; outputs: ShardOutput[] }[] = [];
  for (const id of taskIds) {
    const stats = await readCompletedTask(ctx.runDir, ctx.stepDir, phase, id);
    if (!stats) throw new FoxdenError('INTERNAL', `step '${ctx.stepName}': phase '${phase}' task ${id} has no done marker, but phase '${ctx.phase}' needs its outputs`);
    result.push({ task: id, outputs: stats.outputs });
  }
  return result;
}

/**
 * The document shards this step reads: those of the last earlier step, in path order. (A runner
 * may list the outputs of this step's finished phases as a last history entry; they are skipped,
 * which is why this is not `planPerShard`'s `history[history.length - 1]`.)
 */
export function inputShards(ctx: StepContext<any>): ShardOutput[] {
  const earlier = ctx.history.filter((h) => h.step !== ctx.stepName);
  const previous = earlier[earlier.length - 1];
  if (!previous) throw new FoxdenError('BAD_CONFIG', `step '${ctx.stepName}' needs documents from an earlier step, but it is the first step`);
  return previous.shards.filter((s) => s.kind === 'documents').sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** One task per input document shard, ids "00000", "00001", ... (the shard index). */
export function planShards(ctx: StepContext<any>, params: (shard: number) => Record<string, unknown> = () => ({})): TaskSpec[] {
  return inputShards(ctx).map((s, i) => ({ id: taskId(i), inputs: [s.path], bytes: s.bytes, params: params(i) }));
}

/** Task ids of a per-input-shard phase. */
export function shardTaskIds(ctx: StepContext<any>): string[] {
  return inputShards(ctx).map((_, i) => taskId(i));
}

export function ref(o: ShardOutput): FileRef {
  return { path: o.path, sha256: o.sha256, rows: o.rows };
}

/** The 5-digit task id of a number, as planPerShard writes it. */
export function taskId(n: number): string {
  return String(n).padStart(5, '0');
}
