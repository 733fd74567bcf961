import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { FoxdenError, listCompletedTasks, listStepDirs, parseStepDir } from '@foxden/core';
import { bullConnection, resolveRedisOptions, type RedisOptions } from './connection.js';

export interface TaskCounts {
  waiting: number;
  active: number;
  delayed: number;
  done: number;
  failed: number;
  /** Extra attempts spent on this step's tasks (retries and stalled restarts). */
  retries: number;
}

export interface RunStatus {
  queue: string;
  steps: Record<string, TaskCounts & { errors: string[] }>;
}

/** Each step's tasks by state, from the run's queue and its completion markers. */
export async function runStatus(runDir: string, options: RedisOptions = {}): Promise<RunStatus> {
  const info = await readFile(join(runDir, 'queue.json'), 'utf8').then((t) => JSON.parse(t) as { queue: string; prefix: string }).catch(() => null);
  if (!info) throw new FoxdenError('BAD_INPUT', `${runDir} has no queue.json: it was not run with --runner bullmq`);
  const redis = resolveRedisOptions({ ...options, prefix: options.prefix ?? info.prefix });
  const queue = new Queue(info.queue, { connection: bullConnection(redis), prefix: redis.prefix });
  const steps: RunStatus['steps'] = {};
  const entry = (step: string) => (steps[step] ??= { waiting: 0, active: 0, delayed: 0, done: 0, failed: 0, retries: 0, errors: [] });
  try {
    const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'], 0, -1);
    for (const job of jobs) {
      if (!job?.id) continue;
      const step = job.id.split('.')[0]!;
      const state = await job.getState();
      const e = entry(step);
      if (state === 'active') e.active++;
      else if (state === 'delayed') e.delayed++;
      else if (state === 'failed') {
        e.failed++;
        e.errors.push(`${job.id}: ${job.failedReason}`);
      } else if (state !== 'completed') e.waiting++;
      // attemptsMade counts finished attempts: a completed or failed job's last one was not a retry.
      const finished = state === 'completed' || state === 'failed';
      e.retries += Math.max(0, (job.attemptsMade ?? 0) - (finished ? 1 : 0)) + (job.stalledCounter ?? 0);
    }
  } finally {
    await queue.close();
  }
  // Done counts come from the markers: they are the truth, and survive Redis losing its jobs.
  const ordered: RunStatus['steps'] = {};
  for (const stepDir of await listStepDirs(runDir)) {
    const step = parseStepDir(stepDir).name;
    entry(step).done = (await listCompletedTasks(runDir, stepDir)).length;
    ordered[step] = entry(step);
  }
  // Pipeline order (step directories are numbered), then steps known only from the queue.
  return { queue: info.queue, steps: { ...ordered, ...steps } };
}

export function renderStatus(status: RunStatus): string {
  const lines = [`queue ${status.queue}`, `${'step'.padEnd(22)} ${'waiting'.padStart(8)} ${'active'.padStart(7)} ${'delayed'.padStart(8)} ${'done'.padStart(6)} ${'failed'.padStart(7)} ${'retries'.padStart(8)}`];
  for (const [step, c] of Object.entries(status.steps)) {
    lines.push(`${step.padEnd(22)} ${String(c.waiting).padStart(8)} ${String(c.active).padStart(7)} ${String(c.delayed).padStart(8)} ${String(c.done).padStart(6)} ${String(c.failed).padStart(7)} ${String(c.retries).padStart(8)}`);
    for (const err of c.errors.slice(0, 5)) lines.push(`    ${err}`);
  }
  return lines.join('\n') + '\n';
}
