/**
 * The BullMQ sandboxed processor: runs one task in a worker thread of a
 * `foxden worker` process, so CPU-bound work never starves the lock renewal
 * on the main thread. A task already complete on disk is not run again
 * (a job that runs twice changes nothing).
 */
import type { SandboxedJob } from 'bullmq';
import { FoxdenError, readCompletedTask, type TaskStats } from '@foxden/core';
import { executeTask, nameTaskThread, type TaskMessage } from '@foxden/pipeline';
import { localModuleUrl } from './module-url.js';
import type { TaskJobData } from './task-job.js';

// This module is loaded once in each worker thread of BullMQ's pool, which runs only tasks.
nameTaskThread();

export default async function processTask(job: SandboxedJob<TaskJobData, TaskStats>): Promise<TaskStats> {
  const { failure: earlier, ...data } = job.data;
  // A retry starts without the failure of the attempt before it, so a failure read later is this attempt's (or none, for a crash).
  if (earlier) await job.updateData(data).catch(() => undefined);
  const message: TaskMessage = { ...data, moduleUrl: localModuleUrl(data.moduleUrl) };
  const { runDir, stepDir, phase } = message.context;
  const done = await readCompletedTask(runDir, stepDir, phase, message.task.id);
  if (done) return done;
  let documents = 0;
  let bytes = 0;
  let last = 0;
  const controller = new AbortController();
  try {
    const stats = await executeTask(message, {
      signal: controller.signal,
      progress(delta) {
        documents += delta.documents ?? 0;
        bytes += delta.bytes ?? 0;
        const now = performance.now();
        if (now - last > 250) {
          last = now;
          void job.updateProgress({ documents, bytes });
        }
      },
      log(line) {
        void job.log(line);
      },
    });
    // The last count is sent before the job completes, so the coordinator's progress display ends at the task's true total.
    // Best effort: the task is complete (marker written) even if Redis is away right now.
    await job.updateProgress({ documents, bytes }).catch(() => undefined);
    return stats;
  } catch (error) {
    const e = FoxdenError.from(error);
    // The error's fields travel in the job's data (sandboxed errors reach the queue as a message only); the coordinator reads them there.
    await job.updateData({ ...data, failure: e.toJSON() }).catch(() => undefined);
    // The reason says the same for people: `foxden status`, the dashboard.
    const failure = new Error(`[${e.code}] ${e.message}`);
    // BullMQ fails a job at once, without further attempts, when its error is named UnrecoverableError.
    if (!e.retryable) failure.name = 'UnrecoverableError';
    throw failure;
  }
}
