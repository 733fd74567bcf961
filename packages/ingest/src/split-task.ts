import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import {
  FoxdenError, emptyTaskStats, indexTaskId, writeFileAtomic,
  type InputFile, type StepContext, type TaskContext, type TaskSpec, type TaskStats,
} from '@foxden/core';
import { indexRange, rangesFromIndex, splitKind, type RangeIndex, type SplitKind } from './readers/split.js';

/** The params of the ingest step that splitting needs. */
export interface SplitParams {
  split_bytes: number;
  max_record_bytes: number;
}

/** What one split task is asked: a range of one input. */
interface SplitTaskParams {
  input: number;
  range: number;
  kind: SplitKind;
  from: number;
  to: number | null;
}

/** Task id of a range of a split input: `<input index>-<range index>` (an unsplit input's task is just its index). */
function rangeTaskId(input: number, range: number): string {
  return `${indexTaskId(input)}-${indexTaskId(range)}`;
}

function indexPath(ctx: StepContext<SplitParams>, taskId: string): string {
  return join(ctx.runDir, ctx.stepDir, 'split', `${taskId}.json`);
}

/**
 * Plans the split phase: for each input larger than split_bytes that can be
 * split (per-record gzip or plain WARC/ARC; readers/split.ts), one task per
 * split_bytes of it. Reads at most the first MiB of such a file.
 */
export async function planSplit(ctx: StepContext<SplitParams>): Promise<TaskSpec[]> {
  const size = ctx.params.split_bytes;
  if (size <= 0) return [];
  const tasks: TaskSpec[] = [];
  for (const [i, input] of ctx.inputs.entries()) {
    if (input.bytes <= size) continue;
    const kind = await splitKind(input.path);
    if (kind === null) continue;
    const ranges = Math.ceil(input.bytes / size);
    for (let r = 0; r < ranges; r++) {
      const params: SplitTaskParams = { input: i, range: r, kind, from: r * size, to: r + 1 < ranges ? (r + 1) * size : null };
      tasks.push({ id: rangeTaskId(i, r), inputs: [input.path], bytes: Math.min(size, input.bytes - r * size), params: params as unknown as Record<string, unknown> });
    }
  }
  return tasks;
}

/** Runs one split task: walks its range (readers/split.ts indexRange) and writes what it found for the main phase's plan. */
export async function runSplitTask(task: TaskSpec, ctx: TaskContext<SplitParams>): Promise<TaskStats> {
  const p = task.params as unknown as SplitTaskParams;
  const found = await indexRange({ file: task.inputs[0]!, kind: p.kind, from: p.from, to: p.to, maxRecordBytes: ctx.params.max_record_bytes, signal: ctx.signal });
  await writeFileAtomic(indexPath(ctx, task.id), JSON.stringify(found) + '\n');
  ctx.progress({ bytes: task.bytes });
  return emptyTaskStats(ctx.stepName, task.id);
}

/**
 * Plans the main phase: one task per input, or, for an input the split
 * phase walked, one task per range that holds records, each with its start,
 * its base offset in the decompressed stream and where the next range
 * begins. At the first range whose split is not exact, that range's task
 * reads to the end of the file. Task ids are the input's index ("00003"), or
 * the input's index and the range's ("00003-00002") when it has several
 * tasks, so that task order (and shard path order) is file order, then range order.
 */
export async function planMain(ctx: StepContext<SplitParams>, splitTasks: TaskSpec[]): Promise<TaskSpec[]> {
  const byInput = new Map<number, TaskSpec[]>();
  for (const t of splitTasks) {
    const p = t.params as unknown as SplitTaskParams;
    byInput.set(p.input, [...(byInput.get(p.input) ?? []), t]);
  }
  const tasks: TaskSpec[] = [];
  for (const [i, input] of ctx.inputs.entries()) {
    const ranges = byInput.get(i);
    const planned = ranges ? await rangeTasks(ctx, i, input, ranges) : [];
    if (planned.length <= 1) tasks.push({ id: indexTaskId(i), inputs: [input.path], bytes: input.bytes });
    else tasks.push(...planned);
  }
  return tasks;
}

async function rangeTasks(ctx: StepContext<SplitParams>, i: number, input: InputFile, ranges: TaskSpec[]): Promise<TaskSpec[]> {
  const indexes: RangeIndex[] = [];
  for (const t of ranges) {
    try {
      indexes.push(JSON.parse(await readFile(indexPath(ctx, t.id), 'utf8')) as RangeIndex);
    } catch (error) {
      throw new FoxdenError('INTERNAL', `ingest: split task ${t.id} has no index file, but the main phase needs it: ${(error as Error).message}`, { cause: error });
    }
  }
  return rangesFromIndex(indexes, input.bytes).map(({ index, range, bytes }) => ({
    id: rangeTaskId(i, (ranges[index]!.params as unknown as SplitTaskParams).range), inputs: [input.path], bytes, params: { range },
  }));
}
