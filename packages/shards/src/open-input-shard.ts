import { join } from 'node:path';
import type { TaskContext } from '@foxden/core';
import { ShardReader } from './shard-reader.js';

/**
 * Opens a run-relative input shard of a task, verifying the sha256 that the
 * task which wrote it recorded: a changed or truncated intermediate fails here,
 * naming the file, before any of it is used.
 */
export async function openInputShard(ctx: TaskContext<any>, path: string): Promise<ShardReader> {
  const expected = findShardChecksum(ctx, path);
  return ShardReader.open(join(ctx.runDir, path), expected ? { sha256: expected } : {});
}

/** The sha256 recorded for a run-relative shard by the step that wrote it, if any. */
export function findShardChecksum(ctx: TaskContext<any>, path: string): string | undefined {
  for (const step of ctx.history) for (const s of step.shards) if (s.path === path) return s.sha256;
  for (const s of ctx.phaseOutputs ?? []) if (s.path === path) return s.sha256;
  return undefined;
}
