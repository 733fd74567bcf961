import type { Prediction } from './predictor.js';

/** Messages to the predictor thread. */
export type ThreadRequest = { type: 'predict'; id: number; bytes: Uint8Array; lines: number } | { type: 'close' };

/** Messages from the predictor thread; id -1 is the start-up failure. */
export type ThreadReply =
  | { type: 'ready' }
  | { type: 'result'; id: number; predictions: Prediction[][] }
  | { type: 'failed'; id: number; error: { code: string; message: string; file?: string } };
