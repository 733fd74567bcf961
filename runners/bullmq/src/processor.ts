/**
 * The BullMQ sandboxed processor: runs one task in a worker thread of a
 * `foxden worker` process, so CPU-bound work never starves the lock renewal
 * on the main thread. A task already complete on disk is not run again
 * (a job that runs twice changes nothing).
 */
import type { SandboxedJob } from 'bullmq';
import { FoxdenError, readCompletedTask, type TaskStats } from '@foxden/core';
import { executeTask, type TaskMessage } from '@foxden/pipeline';
import { localModuleUrl } from './module-url.js';

export default async function processTask(job: SandboxedJob<TaskMessage, TaskStats>): Promise<TaskStats> {
  const message: TaskMessage = { ...job.data, moduleUrl: localModuleUrl(job.data.moduleUrl) };
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
    // The code travels in the message: sandboxed errors reach the queue as name + message only.
    const failure = new Error(`[${e.code}] ${e.message}`);
    // BullMQ fails a job at once, without further attempts, when its error is named UnrecoverableError.
    if (!e.retryable) failure.name = 'UnrecoverableError';
    throw failure;
  }
}
