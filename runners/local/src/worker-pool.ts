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
  /**
   * Tasks each thread holds at once; default 2. A task spends part of its time waiting (its
   * file's first bytes from libuv's gunzip, its last language batch from fastText, the writes at
   * its end); with a second task in hand the thread computes through those waits instead of
   * sleeping through them. A thread takes its second task only while the queue holds at least
   * one more task for every thread, so that the end of a phase is shared out one task a thread.
   */
  tasksPerThread?: number;
}

/** The compiled worker entry; when this module runs from source (tests under tsx), the built one beside it. */
function workerScript(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../dist/task-thread.js', here) : new URL('./task-thread.js', here);
}

/** One task thread; a crashed thread's worker is replaced in place, so every task it held sees the new one. */
interface Slot {
  worker: Worker;
}

/** What a task thread posts; `id` names the task, as a thread holds several. */
type WorkerReply =
  | { type: 'progress'; id: number; documents: number; bytes: number }
  | { type: 'log'; id: number; line: string }
  | { type: 'done'; id: number; stats: TaskStats }
  | { type: 'failed'; id: number; error: ErrorRecord; retryable: boolean };

/**
 * The local runner's executor: a pool of worker threads sized to the cores.
 * Each thread holds up to `tasksPerThread` tasks at once; a thread that dies
 * takes its tasks with it, and they are retried on a fresh thread.
 */
export class WorkerPool implements TaskExecutor {
  readonly name = 'local';
  readonly size: number;
  private readonly attempts: number;
  private readonly signal: AbortSignal | undefined;
  private readonly execArgv: string[] | undefined;
  private readonly tasksPerThread: number;
  private slots: Slot[] = [];
  /** Step modules every thread has been asked to load (prepare). */
  private readonly preloaded = new Set<string>();
  private closed = false;

  constructor(options: WorkerPoolOptions = {}) {
    const size = options.workers ?? availableParallelism();
    if (!Number.isInteger(size) || size < 1) throw new FoxdenError('BAD_CONFIG', `workers must be a positive integer, got ${size}`);
    this.size = size;
    this.attempts = options.attempts ?? 3;
    this.signal = options.signal;
    this.execArgv = options.execArgv;
    this.tasksPerThread = options.tasksPerThread ?? 2;
    if (!Number.isInteger(this.tasksPerThread) || this.tasksPerThread < 1) {
      throw new FoxdenError('BAD_CONFIG', `tasksPerThread must be a positive integer, got ${this.tasksPerThread}`);
    }
  }

  /** Starts threads until the pool has `count`. */
  private startThreads(count: number): void {
    while (this.slots.length < count) this.slots.push({ worker: this.startWorker() });
  }

  private startWorker(): Worker {
    configureTaskThreads();
    return new Worker(workerScript(), this.execArgv === undefined ? {} : { execArgv: this.execArgv });
  }

  /**
   * Starts every thread of the pool now, and has each load the step modules
   * at `moduleUrls` (in that order) while it waits for tasks. runPipeline
   * calls it before planning the run's first phase, and `foxden run` with
   * no modules before it loads the pipeline, so that a thread's start (its
   * isolate, Node's bootstrap, the step's modules: about 0.3 s of a core
   * each) overlaps the main thread's work instead of following it. Threads
   * that a phase with fewer tasks than threads leaves idle were started all
   * the same (about 24 MB each with the ingest step loaded): a later phase
   * uses them.
   */
  prepare(moduleUrls: readonly string[] = []): void {
    if (this.closed) return;
    this.startThreads(this.size);
    const fresh = moduleUrls.filter((url) => !this.preloaded.has(url));
    if (fresh.length === 0) return;
    for (const url of fresh) this.preloaded.add(url);
    for (const slot of this.slots) slot.worker.postMessage({ type: 'preload', moduleUrls: fresh });
  }

  async runPhase(messages: readonly TaskMessage[], events: ExecutorEvents): Promise<TaskOutcome[]> {
    if (this.closed) throw new FoxdenError('INTERNAL', 'worker pool is closed');
    const outcomes: TaskOutcome[] = new Array(messages.length);
    const queue = largestFirst(messages).map((i) => ({ index: i, attempt: 0, message: messages[i]! }));
    const wanted = Math.min(this.size, messages.length);
    this.startThreads(wanted);
    const onAbort = () => {
      for (const s of this.slots) s.worker.postMessage({ type: 'abort' });
    };
    this.signal?.addEventListener('abort', onAbort);
    // Lanes in the order thread 0, 1, ... then each thread's second lane: the first tasks go one to a thread.
    const threads = this.slots.slice(0, wanted);
    const lanes = Array.from({ length: this.tasksPerThread }, (_, lane) => threads.map((slot) => ({ slot, lane }))).flat();
    try {
      await Promise.all(
        lanes.map(async ({ slot, lane }) => {
          for (;;) {
            // A thread's further lanes take a task only while every thread can still get one more.
            if (lane > 0 && queue.length < wanted) return;
            const item = queue.shift();
            if (!item) return;
            if (this.signal?.aborted) {
              outcomes[item.index] = { ok: false, error: { code: 'ABORTED', message: 'not started: run interrupted' }, attempts: item.attempt };
              continue;
            }
            outcomes[item.index] = await this.runWithRetries(slot, item, events);
            events.taskDone(item.message, outcomes[item.index]!);
          }
        }),
      );
    } finally {
      this.signal?.removeEventListener('abort', onAbort);
    }
    return outcomes;
  }

  /** Runs one task on `slot`'s thread until it succeeds or fails for good; a retry waits a backoff first, and none follows an abort. */
  private async runWithRetries(slot: Slot, item: { index: number; attempt: number; message: TaskMessage }, events: ExecutorEvents): Promise<TaskOutcome> {
    for (;;) {
      item.attempt += 1;
      const worker = slot.worker;
      const result = await this.runOne(worker, item.message, item.index, events);
      if (result.kind === 'crashed') this.replace(slot, worker);
      if (result.kind === 'done') return { ok: true, stats: result.stats };
      if (!result.retryable || item.attempt >= this.attempts || this.signal?.aborted) return { ok: false, error: result.error, attempts: item.attempt };
      events.log(`retrying ${taskLabel(item.message)} (attempt ${item.attempt + 1} of ${this.attempts}): ${result.error.message}`);
      await new Promise((r) => setTimeout(r, 100 * 2 ** item.attempt));
    }
  }

  /** Gives `slot` a fresh thread in place of `dead`, once: its other tasks crashed with it and come here too. */
  private replace(slot: Slot, dead: Worker): void {
    if (slot.worker !== dead) return;
    void dead.terminate();
    slot.worker = this.startWorker();
  }

  private runOne(worker: Worker, message: TaskMessage, id: number, events: ExecutorEvents): Promise<
    | { kind: 'done'; stats: TaskStats }
    | { kind: 'failed' | 'crashed'; retryable: boolean; error: ErrorRecord }
  > {
    return new Promise((resolve) => {
      const onMessage = (reply: WorkerReply) => {
        if (reply.id !== id) return;
        if (reply.type === 'progress') events.progress({ documents: reply.documents, bytes: reply.bytes });
        else if (reply.type === 'log') events.log(reply.line);
        else {
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
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage({ type: 'run', id, message });
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
