import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

/** One queue per run: the pipeline name and a hash of the run directory. */
export function queueNameFor(pipelineName: string, runDir: string): string {
  const hash = createHash('sha256').update(resolve(runDir)).digest('hex').slice(0, 10);
  return `run-${pipelineName.replace(/[^A-Za-z0-9_.-]/g, '_')}-${hash}`;
}

/** Deterministic job id of a task (BullMQ job ids may not contain ':'), so a task is queued at most once. */
export function jobIdFor(step: string, phase: string, task: string): string {
  return `${step}.${phase}.${task}`.replace(/[^A-Za-z0-9_.-]/g, '_');
}
