/**
 * Worker-thread entry point: runs tasks posted by the pool, one at a time.
 * Progress and log lines go back as messages; the abort message aborts the
 * task's signal so it stops between batches without writing its marker.
 */
import { parentPort } from 'node:worker_threads';
import { FoxdenError } from '@foxden/core';
// The narrow entry: a task thread needs only executeTask, not the orchestrator, pipeline-file
// parsing and compaction (about 160 ms of loading in every thread).
import { executeTask, nameTaskThread, type TaskMessage } from '@foxden/pipeline/task';

if (!parentPort) throw new Error('task-thread.js must run as a worker thread');
const port = parentPort;
nameTaskThread();
let controller: AbortController | null = null;

port.on('message', (msg: { type: 'run'; id: number; message: TaskMessage } | { type: 'abort' }) => {
  if (msg.type === 'abort') {
    controller?.abort();
    return;
  }
  controller = new AbortController();
  const signal = controller.signal;
  let pendingDocs = 0;
  let pendingBytes = 0;
  let lastPost = 0;
  const flush = () => {
    if (pendingDocs || pendingBytes) port.postMessage({ type: 'progress', documents: pendingDocs, bytes: pendingBytes });
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
      port.postMessage({ type: 'log', line });
    },
  }).then(
    (stats) => {
      flush();
      port.postMessage({ type: 'done', id: msg.id, stats });
    },
    (error: unknown) => {
      flush();
      const e = FoxdenError.from(error);
      port.postMessage({ type: 'failed', id: msg.id, error: e.toJSON(), retryable: e.retryable });
    },
  );
});
