/**
 * Worker-thread side of ThreadedFastTextPredictor: owns one FastTextPredictor
 * (the fastText child process) and feeds it from messages. This thread does
 * nothing else, so the child's stdin is refilled the moment it has room.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FoxdenError } from '@foxden/core';
import { FastTextPredictor, type FastTextPredictorOptions } from './predictor.js';
import type { ThreadReply, ThreadRequest } from './predictor-thread-messages.js';

const port = parentPort!;
const post = (m: ThreadReply): void => port.postMessage(m);

function describe(error: unknown): { code: string; message: string; file?: string } {
  if (error instanceof FoxdenError) return { code: error.code, message: error.message, ...(error.file ? { file: error.file } : {}) };
  return { code: 'INTERNAL', message: (error as Error)?.message ?? String(error) };
}

let predictor: FastTextPredictor;
try {
  predictor = await FastTextPredictor.create(workerData as FastTextPredictorOptions);
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'failed', id: -1, error: describe(error) });
  process.exit(0);
}

port.on('message', (m: ThreadRequest) => {
  if (m.type === 'close') {
    void predictor.close().finally(() => port.close());
    return;
  }
  predictor.predictEncoded({ bytes: m.bytes, lines: m.lines }).then(
    (predictions) => post({ type: 'result', id: m.id, predictions }),
    (error: unknown) => post({ type: 'failed', id: m.id, error: describe(error) }),
  );
});
