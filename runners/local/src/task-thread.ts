/**
 * Worker-thread entry point: runs the tasks posted by the pool, as many at
 * once as the pool posts (its `tasksPerThread`): while one waits for I/O or
 * fastText, another computes. Before its first task the pool may ask it to
 * load the run's step modules (`preload`). Progress and log lines go back as messages
 * naming their task; the abort message aborts every task's signal so each
 * stops between batches without writing its marker.
 */
import { parentPort } from 'node:worker_threads';
import { FoxdenError } from '@foxden/core';
// The narrow entry: a task thread needs only executeTask, not the orchestrator, pipeline-file
// parsing and compaction (about 160 ms of loading in every thread).
import { executeTask, nameTaskThread, preloadStepPackages, type TaskMessage } from '@foxden/pipeline/task';

if (!parentPort) throw new Error('task-thread.js must run as a worker thread');
const port = parentPort;
nameTaskThread();
const running = new Set<AbortController>();

type PoolMessage =
  | { type: 'run'; id: number; message: TaskMessage }
  | { type: 'abort' }
  | { type: 'preload'; moduleUrls: string[] };

port.on('message', (msg: PoolMessage) => {
  if (msg.type === 'abort') {
    for (const controller of running) controller.abort();
    return;
  }
  if (msg.type === 'preload') {
    void preloadStepPackages(msg.moduleUrls);
    return;
  }
  const controller = new AbortController();
  running.add(controller);
  const signal = controller.signal;
  const id = msg.id;
  let pendingDocs = 0;
  let pendingBytes = 0;
  let lastPost = 0;
  const flush = () => {
    if (pendingDocs || pendingBytes) port.postMessage({ type: 'progress', id, documents: pendingDocs, bytes: pendingBytes });
    pendingDocs = 0;
    pendingBytes = 0;
    lastPost = performance.now();
  };
  executeTask(msg.message, {
    signal,
    progress(delta) {
      pendingDocs += delta.documents ?? 0;
      pendingBytes += delta.bytes ?? 0;
      // Batch progress messages: one per 100 ms is plenty for a progress bar.
      if (performance.now() - lastPost > 100) flush();
    },
    log(line) {
      port.postMessage({ type: 'log', id, line });
    },
  })
    .finally(() => running.delete(controller))
    .then(
      (stats) => {
        flush();
        port.postMessage({ type: 'done', id, stats });
      },
      (error: unknown) => {
        flush();
        const e = FoxdenError.from(error);
        port.postMessage({ type: 'failed', id, error: e.toJSON(), retryable: e.retryable });
      },
    );
});
