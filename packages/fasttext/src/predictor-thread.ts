import { Worker } from 'node:worker_threads';
import { FoxdenError, type ErrorCode } from '@foxden/core';
import type { EncodedLines } from './line-encoder.js';
import type { FastTextPredictorOptions, Prediction } from './predictor.js';
import type { ThreadReply, ThreadRequest } from './predictor-thread-messages.js';

/** The worker script: the built file, also when this module runs from source (tests under tsx). */
function workerScript(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../dist/predictor-thread-worker.js', here) : new URL('./predictor-thread-worker.js', here);
}

interface Pending {
  resolve(value: Prediction[][]): void;
  reject(error: Error): void;
}

/**
 * FastTextPredictor driven from a worker thread: the same predictions, but
 * the thread that writes to fastText's stdin is never busy with anything
 * else. With the plain predictor, fastText can only be fed between the
 * caller's synchronous stretches (decoding and writing Arrow batches take
 * tens of milliseconds each, while the pipe holds a few milliseconds of
 * fastText's work), so it sat idle for much of a scoring run. Encoded
 * batches are transferred, not copied.
 */
export class ThreadedFastTextPredictor {
  readonly model: string;
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | null = null;
  private closed = false;
  private readonly exited: Promise<void>;

  private constructor(model: string, worker: Worker) {
    this.model = model;
    this.worker = worker;
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (m: ThreadReply) => this.receive(m));
    worker.on('error', (error) => this.fail(new FoxdenError('INTERNAL', `fastText thread for ${model} failed: ${error.message}`, { cause: error, file: model })));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(new FoxdenError('INTERNAL', `fastText thread for ${model} exited (code ${code})`, { file: model }));
    });
  }

  /** Starts the thread and its fastText process; a model that does not load is a BAD_CONFIG error naming the file (as FastTextPredictor.create). */
  static async create(options: FastTextPredictorOptions): Promise<ThreadedFastTextPredictor> {
    // The worker is plain built JavaScript: it needs none of the parent's loaders (tsx in tests), whose start-up would cost every task.
    const worker = new Worker(workerScript(), { workerData: options, execArgv: [] });
    const ready = await new Promise<ThreadReply | Error>((resolve) => {
      worker.once('message', (m: ThreadReply) => resolve(m));
      worker.once('error', (e) => resolve(e));
      worker.once('exit', (code) => resolve(new Error(`fastText thread exited (code ${code}) before it was ready`)));
    });
    if (ready instanceof Error || ready.type !== 'ready') {
      await worker.terminate();
      if (ready instanceof Error) throw new FoxdenError('INTERNAL', `cannot start the fastText thread for ${options.model}: ${ready.message}`, { cause: ready, file: options.model });
      throw toError(ready.type === 'failed' ? ready.error : { code: 'INTERNAL', message: 'unexpected first message' });
    }
    const p = new ThreadedFastTextPredictor(options.model, worker);
    p.worker.unref();
    return p;
  }

  /** As FastTextPredictor.predictEncoded. Transferable bytes (see EncodedLines) move to the thread and are empty here afterwards; others are copied. Calls may overlap. */
  predictEncoded(batch: EncodedLines): Promise<Prediction[][]> {
    if (this.closed) return Promise.reject(new FoxdenError('INTERNAL', 'fastText predictor used after close()'));
    if (this.failure) return Promise.reject(this.failure);
    if (batch.lines === 0) return Promise.resolve([]);
    const id = this.nextId++;
    return new Promise<Prediction[][]>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      const { bytes } = batch;
      // Transferring a buffer detaches it everywhere: only when its owner says nothing else uses it (never Node's Buffer pool).
      const transfer = batch.transferable === true && !(bytes.buffer instanceof SharedArrayBuffer);
      const message: ThreadRequest = { type: 'predict', id, bytes, lines: batch.lines };
      this.worker.postMessage(message, transfer ? [bytes.buffer as ArrayBuffer] : []);
    });
  }

  /** Ends fastText and the thread; pending predictions are rejected. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.worker.ref();
    this.worker.postMessage({ type: 'close' } satisfies ThreadRequest);
    const timer = setTimeout(() => void this.worker.terminate(), 10_000);
    await this.exited;
    clearTimeout(timer);
    this.rejectAll(new FoxdenError('INTERNAL', 'fastText predictor closed with predictions pending'));
  }

  private receive(m: ThreadReply): void {
    if (m.type === 'ready') return;
    const req = this.pending.get(m.id);
    if (req === undefined) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.worker.unref();
    if (m.type === 'result') req.resolve(m.predictions);
    else {
      // The process failing fails every request after it, as with FastTextPredictor.
      const error = toError(m.error);
      this.failure ??= error;
      req.reject(error);
    }
  }

  private rejectAll(error: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const req of all) req.reject(error);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.rejectAll(this.failure);
  }
}

function toError(e: { code: string; message: string; file?: string }): FoxdenError {
  return new FoxdenError(e.code as ErrorCode, e.message, e.file ? { file: e.file } : {});
}
