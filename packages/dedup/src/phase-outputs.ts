import { FoxdenError, indexTaskId, previousStepShards, readCompletedTask, type ShardOutput, type StepContext, type TaskSpec } from '@foxden/core';

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

/** One task per input document shard, ids "00000", "00001", ... (the shard index). */
export function planShards(ctx: StepContext<any>, params: (shard: number) => Record<string, unknown> = () => ({})): TaskSpec[] {
  return previousStepShards(ctx, 'documents').map((s, i) => ({ id: indexTaskId(i), inputs: [s.path], bytes: s.bytes, params: params(i) }));
}

/** Task ids of a per-input-shard phase. */
export function shardTaskIds(ctx: StepContext<any>): string[] {
  return previousStepShards(ctx, 'documents').map((_, i) => indexTaskId(i));
}

export function ref(o: ShardOutput): FileRef {
  return { path: o.path, sha256: o.sha256, rows: o.rows };
}
