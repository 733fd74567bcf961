import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { FoxdenError, type ErrorRecord, type TaskStats } from '@foxden/core';
import { configureTaskThreads, largestFirst, taskLabel, type ExecutorEvents, type TaskExecutor, type TaskMessage, type TaskOutcome } from '@foxden/pipeline';

export interface WorkerPoolOptions {
  /** Worker threads; default the machine's available parallelism. */
  workers?: number;
  /** Attempts per task for retryable errors (transient I/O, a crashed worker). Default 3. */
  attempts?: number;
  /** Aborting stops the running tasks between batches; their markers are not written. */
  signal?: AbortSignal;
  /**
   * Node options of the task threads; default this process's own. A benchmark run under tsx
   * passes none, so that its threads load the built modules as `foxden run` does, not through
   * tsx's loader (a fresh thread's start took 0.8 s through it, 0.6 s without).
   */
  execArgv?: string[];
}

/** The compiled worker entry; when this module runs from source (tests under tsx), the built one beside it. */
function workerScript(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../dist/task-thread.js', here) : new URL('./task-thread.js', here);
}

interface Slot {
  worker: Worker;
}

type WorkerReply =
  | { type: 'progress'; documents: number; bytes: number }
  | { type: 'log'; line: string }
  | { type: 'done'; id: number; stats: TaskStats }
  | { type: 'failed'; id: number; error: ErrorRecord; retryable: boolean };

/**
 * The local runner's executor: a pool of worker threads sized to the cores.
 * Each thread runs one task at a time; a thread that dies takes its task with
 * it, the task is retried on a fresh thread.
 */
export class WorkerPool implements TaskExecutor {
  readonly name = 'local';
  readonly size: number;
  private readonly attempts: number;
  private readonly signal: AbortSignal | undefined;
  private readonly execArgv: string[] | undefined;
  private slots: Slot[] = [];
  private closed = false;

  constructor(options: WorkerPoolOptions = {}) {
    const size = options.workers ?? availableParallelism();
    if (!Number.isInteger(size) || size < 1) throw new FoxdenError('BAD_CONFIG', `workers must be a positive integer, got ${size}`);
    this.size = size;
    this.attempts = options.attempts ?? 3;
    this.signal = options.signal;
    this.execArgv = options.execArgv;
  }

  private spawn(): Slot {
    configureTaskThreads();
    const worker = new Worker(workerScript(), this.execArgv === undefined ? {} : { execArgv: this.execArgv });
    const slot = { worker };
    this.slots.push(slot);
    return slot;
  }

  async runPhase(messages: readonly TaskMessage[], events: ExecutorEvents): Promise<TaskOutcome[]> {
    if (this.closed) throw new FoxdenError('INTERNAL', 'worker pool is closed');
    const outcomes: TaskOutcome[] = new Array(messages.length);
    const queue = largestFirst(messages).map((i) => ({ index: i, attempt: 0, message: messages[i]! }));
    const wanted = Math.min(this.size, messages.length);
    while (this.slots.length < wanted) this.spawn();
    const onAbort = () => {
      for (const s of this.slots) s.worker.postMessage({ type: 'abort' });
    };
    this.signal?.addEventListener('abort', onAbort);
    try {
      await Promise.all(
        this.slots.slice(0, wanted).map(async (initial) => {
          let slot = initial;
          for (;;) {
            const item = queue.shift();
            if (!item) return;
            if (this.signal?.aborted) {
              outcomes[item.index] = { ok: false, error: { code: 'ABORTED', message: 'not started: run interrupted' }, attempts: item.attempt };
              continue;
            }
            item.attempt += 1;
            const result = await this.runOne(slot, item.message, item.index, events);
            if (result.kind === 'crashed') slot = this.replace(slot);
            if (result.kind === 'done') {
              outcomes[item.index] = { ok: true, stats: result.stats };
              events.taskDone(item.message, outcomes[item.index]!);
            } else {
              const retry = result.retryable && item.attempt < this.attempts && !this.signal?.aborted;
              if (retry) {
                events.log(`retrying ${taskLabel(item.message)} (attempt ${item.attempt + 1} of ${this.attempts}): ${result.error.message}`);
                await new Promise((r) => setTimeout(r, 100 * 2 ** item.attempt));
                queue.push(item);
              } else {
                outcomes[item.index] = { ok: false, error: result.error, attempts: item.attempt };
                events.taskDone(item.message, outcomes[item.index]!);
              }
            }
          }
        }),
      );
    } finally {
      this.signal?.removeEventListener('abort', onAbort);
    }
    return outcomes;
  }

  private replace(dead: Slot): Slot {
    this.slots = this.slots.filter((s) => s !== dead);
    void dead.worker.terminate();
    const fresh = this.spawn();
    // keep the replacement at the dead slot's position for a stable pool
    this.slots = [fresh, ...this.slots.filter((s) => s !== fresh)];
    return fresh;
  }

  private runOne(slot: Slot, message: TaskMessage, id: number, events: ExecutorEvents): Promise<
    | { kind: 'done'; stats: TaskStats }
    | { kind: 'failed' | 'crashed'; retryable: boolean; error: ErrorRecord }
  > {
    return new Promise((resolve) => {
      const onMessage = (reply: WorkerReply) => {
        if (reply.type === 'progress') events.progress({ documents: reply.documents, bytes: reply.bytes });
        else if (reply.type === 'log') events.log(reply.line);
        else if (reply.id === id) {
          cleanup();
          if (reply.type === 'done') resolve({ kind: 'done', stats: reply.stats });
          else resolve({ kind: 'failed', retryable: reply.retryable, error: reply.error });
        }
      };
      const onError = (error: Error) => {
        cleanup();
        resolve({ kind: 'crashed', retryable: true, error: { code: 'TRANSIENT', message: `worker thread crashed: ${error.message}` } });
      };
      const onExit = (code: number) => {
        cleanup();
        resolve({ kind: 'crashed', retryable: true, error: { code: 'TRANSIENT', message: `worker thread exited with code ${code}` } });
      };
      const cleanup = () => {
        slot.worker.off('message', onMessage);
        slot.worker.off('error', onError);
        slot.worker.off('exit', onExit);
      };
      slot.worker.on('message', onMessage);
      slot.worker.on('error', onError);
      slot.worker.on('exit', onExit);
      slot.worker.postMessage({ type: 'run', id, message });
    });
  }

  /** Stops all threads. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots = [];
  }
}
