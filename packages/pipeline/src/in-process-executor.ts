import { FoxdenError } from '@foxden/core';
import { executeTask, taskLabel, type TaskMessage } from './execute-task.js';
import type { ExecutorEvents, TaskExecutor, TaskOutcome } from './run-pipeline.js';

export interface InProcessExecutorOptions {
  /** Attempts per task for retryable errors (transient I/O), as the worker pool's. Default 3. */
  attempts?: number;
  /** Aborting stops the running task between batches (its marker is not written) and starts no other. */
  signal?: AbortSignal;
}

/**
 * Runs every task in the calling thread, one after another, through the same
 * `executeTask` as the local runner's worker threads and the BullMQ workers.
 * For tests and debugging: no threads or services, a step's stack traces and
 * breakpoints are those of the caller. Each message is cloned first, so a
 * task that relies on something that would not cross a thread or a queue
 * fails here too.
 */
export class InProcessExecutor implements TaskExecutor {
  readonly name = 'in-process';
  private readonly attempts: number;
  private readonly signal: AbortSignal;
  private closed = false;

  constructor(options: InProcessExecutorOptions = {}) {
    const attempts = options.attempts ?? 3;
    if (!Number.isInteger(attempts) || attempts < 1) throw new FoxdenError('BAD_CONFIG', `attempts must be a positive integer, got ${attempts}`);
    this.attempts = attempts;
    this.signal = options.signal ?? new AbortController().signal;
  }

  async runPhase(messages: readonly TaskMessage[], events: ExecutorEvents): Promise<TaskOutcome[]> {
    if (this.closed) throw new FoxdenError('INTERNAL', 'in-process executor is closed');
    const outcomes: TaskOutcome[] = [];
    for (const message of messages) {
      const outcome = await this.runOne(message, events);
      outcomes.push(outcome);
      events.taskDone(message, outcome);
    }
    return outcomes;
  }

  private async runOne(message: TaskMessage, events: ExecutorEvents): Promise<TaskOutcome> {
    for (let attempt = 1; ; attempt++) {
      if (this.signal.aborted) return { ok: false, error: { code: 'ABORTED', message: 'not started: run interrupted' }, attempts: attempt - 1 };
      try {
        const stats = await executeTask(structuredClone(message), { signal: this.signal, progress: (d) => events.progress(d), log: (m) => events.log(m) });
        return { ok: true, stats };
      } catch (error) {
        const e = FoxdenError.from(error);
        if (!e.retryable || attempt >= this.attempts || this.signal.aborted) return { ok: false, error: e.toJSON(), attempts: attempt };
        events.log(`retrying ${taskLabel(message)} (attempt ${attempt + 1} of ${this.attempts}): ${e.message}`);
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }

  /** Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
  }
}
