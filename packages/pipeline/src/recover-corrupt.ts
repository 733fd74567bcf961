import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { readStepMarkers, type StepOutputs } from '@foxden/core';

/**
 * A consumer found a file of an earlier step corrupt (a shard whose sha256 no longer matches, its
 * sidecar, an intermediate file): the error names it in its `file` field. Clears the completion
 * marker of the task that wrote it, so that the next run redoes that task (which, being
 * deterministic, writes the same bytes again) and then the consumer. Returns the tasks cleared.
 */
export async function clearProducerOfCorruptFile(runDir: string, history: readonly StepOutputs[], file: string): Promise<string[]> {
  // `file` is the path the consumer opened (under runDir) or a run-relative one.
  const names = (path: string) => path === file || resolve(runDir, path) === resolve(file);
  const cleared: string[] = [];
  for (const step of history) {
    for (const shard of step.shards) {
      if (!names(shard.path) && !(shard.sidecar && names(shard.sidecar.path))) continue;
      const stepDir = dirname(dirname(shard.path));
      for (const marker of await readStepMarkers(runDir, stepDir)) {
        if (marker.stats.outputs.some((o) => o.path === shard.path)) {
          await rm(join(runDir, marker.path), { force: true });
          cleared.push(`${step.step}/${marker.key}`);
        }
      }
    }
  }
  return cleared;
}
