/**
 * Progress for long commands (`foxden run`, `tokenizer train`, `quality
 * train`, `train`): one line redrawn in place with a bar on a terminal, plain
 * log lines at an interval otherwise (CI logs, pipes, files). Both carry the
 * count, the total when known, the rate and the ETA.
 */

/** The part of a writable stream progress needs (process.stderr, or a test's stand-in). */
export interface ProgressStream {
  write(text: string): unknown;
  /** True on a terminal: draw the bar. */
  isTTY?: boolean;
  /** Terminal width; the bar line is cut to it. */
  columns?: number;
}

export interface ProgressOptions {
  /** Where to write. Default process.stderr. */
  stream?: ProgressStream;
  /**
   * Redraw one line with a bar (true) or write plain lines (false). Default:
   * the stream is a TTY, unless FOXDEN_PROGRESS=plain (always lines) or
   * FOXDEN_PROGRESS=bar (always the bar).
   */
  bar?: boolean;
  /** Seconds between plain lines. Default FOXDEN_PROGRESS_INTERVAL, else 10. 0 writes a line on every update. */
  intervalSeconds?: number;
  /** Milliseconds between bar redraws. Default 200. */
  redrawMs?: number;
  /** What is counted, for the text: 'docs', 'steps', 'merges'; 'B' formats counts and rates as bytes. Default ''. */
  unit?: string;
  /** Clock in milliseconds, for tests. Default performance.now. */
  now?: () => number;
}

export interface ProgressUpdate {
  /** Text after the counts (`loss 3.2104`, `12 tasks of 40`). */
  detail?: string;
  /** Write a plain line now even if the interval has not passed (a stage change, the last step). */
  force?: boolean;
}

/** The default seconds between plain lines: FOXDEN_PROGRESS_INTERVAL when set to a number >= 0, else 10. */
export function progressIntervalSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env['FOXDEN_PROGRESS_INTERVAL'];
  const n = raw === undefined || raw === '' ? NaN : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : 10;
}

/** Whether progress draws a bar on `stream`: FOXDEN_PROGRESS=plain|bar decides, else whether it is a TTY. */
export function progressUsesBar(stream: ProgressStream, env: NodeJS.ProcessEnv = process.env): boolean {
  const mode = env['FOXDEN_PROGRESS'];
  if (mode === 'plain') return false;
  if (mode === 'bar') return true;
  return Boolean(stream.isTTY);
}

/**
 * One progress display. `start` begins a phase (a label and, when known, a
 * total); `update`/`add` move the count; `note` writes a message between
 * progress lines; `end` clears the bar. The rate is counted from the phase's
 * start (or its `initial` count, for a resumed run); the ETA is the rest of
 * the total at that rate.
 */
export class Progress {
  readonly bar: boolean;
  private readonly stream: ProgressStream;
  private readonly intervalMs: number;
  private readonly redrawMs: number;
  private unit: string;
  private readonly now: () => number;
  private label = '';
  private total: number | null = null;
  private count = 0;
  private initial = 0;
  private started = 0;
  private lastLine = 0;
  private lastDraw = 0;
  private detail = '';
  private drawn = false;

  constructor(options: ProgressOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.bar = options.bar ?? progressUsesBar(this.stream);
    this.intervalMs = 1000 * (options.intervalSeconds ?? progressIntervalSeconds());
    this.redrawMs = options.redrawMs ?? 200;
    this.unit = options.unit ?? '';
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * Begins a phase: `label` leads every line, `total` (null: unknown) gives
   * the percentage, bar and ETA; `initial` is where the count starts (the
   * rate counts from there), `unit` replaces the display's for this phase.
   */
  start(label: string, total: number | null = null, options: { initial?: number; unit?: string } = {}): void {
    const initial = options.initial ?? 0;
    if (options.unit !== undefined) this.unit = options.unit;
    this.clear();
    this.label = label;
    this.total = total;
    this.count = initial;
    this.initial = initial;
    this.detail = '';
    this.started = this.now();
    this.lastLine = this.started;
    this.lastDraw = 0;
  }

  /** Sets the count. */
  update(count: number, update: ProgressUpdate = {}): void {
    this.count = count;
    if (update.detail !== undefined) this.detail = update.detail;
    const now = this.now();
    if (this.bar) {
      if (update.force || now - this.lastDraw >= this.redrawMs) {
        this.lastDraw = now;
        this.draw();
      }
    } else if (update.force || now - this.lastLine >= this.intervalMs) {
      this.lastLine = now;
      this.write(`${this.label}: ${this.status()}\n`);
    }
  }

  /** Adds to the count. */
  add(n: number, update: ProgressUpdate = {}): void {
    this.update(this.count + n, update);
  }

  /** The count, the total, the rate and the ETA as text (`45% 1,234/5,000 docs, 123 docs/s, ETA 0:12`). */
  status(): string {
    const seconds = (this.now() - this.started) / 1000;
    const rate = seconds > 0 ? (this.count - this.initial) / seconds : 0;
    const parts: string[] = [];
    const unit = this.unit === 'B' ? '' : this.unit ? ` ${this.unit}` : '';
    if (this.total !== null && this.total > 0) {
      const pct = Math.min(100, (100 * this.count) / this.total);
      // A count past its total (decompressed bytes of a compressed input) shows as the total.
      parts.push(`${pct.toFixed(0)}% ${this.amount(Math.min(this.count, this.total))}/${this.amount(this.total)}${unit}`);
    } else {
      parts.push(`${this.amount(this.count)}${unit}`);
    }
    parts.push(`${this.rateText(rate)}`);
    if (this.total !== null) {
      const left = Math.max(0, this.total - this.count);
      parts.push(`ETA ${left === 0 ? formatDuration(0) : rate > 0 ? formatDuration(left / rate) : '?'}`);
    }
    return parts.join(', ') + (this.detail ? `, ${this.detail}` : '');
  }

  /** A message between progress lines (a step's result, a checkpoint). */
  note(message: string): void {
    this.clear();
    this.write(`${message}\n`);
    if (this.bar && this.label) this.draw();
  }

  /** Ends the phase: clears the bar; `message` (a summary line) is written in its place. */
  end(message?: string): void {
    this.clear();
    if (message !== undefined) this.write(`${message}\n`);
    this.label = '';
  }

  private amount(n: number): string {
    return this.unit === 'B' ? formatBytes(n) : formatCount(n);
  }

  private rateText(rate: number): string {
    return this.unit === 'B' ? `${formatBytes(rate)}/s` : this.unit ? `${formatCount(rate, true)} ${this.unit}/s` : `${formatCount(rate, true)}/s`;
  }

  private draw(): void {
    const width = 20;
    const fraction = this.total !== null && this.total > 0 ? Math.min(1, this.count / this.total) : null;
    const full = fraction === null ? 0 : Math.round(fraction * width);
    const bar = fraction === null ? '' : ` [${'#'.repeat(full)}${'-'.repeat(width - full)}]`;
    let text = `${this.label}${bar} ${this.status()}`;
    const columns = this.stream.columns;
    if (columns && columns > 10 && text.length > columns - 1) text = text.slice(0, columns - 1);
    this.write(`\r\x1b[2K${text}`);
    this.drawn = true;
  }

  private clear(): void {
    if (this.drawn) this.write('\r\x1b[2K');
    this.drawn = false;
  }

  private write(text: string): void {
    this.stream.write(text);
  }
}

/** Bytes in SI units: `512 B`, `1.5 MB`. */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** A count with thousands separators (`1,234,567`); a rate keeps one decimal below 100 and shortens above a million (`2.31M`). */
export function formatCount(n: number, rate = false): string {
  if (rate) {
    if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
    if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
    if (n < 100) return n.toFixed(1);
    return Math.round(n).toLocaleString('en-US');
  }
  return Math.round(n).toLocaleString('en-US');
}

/** `m:ss`, or `h:mm:ss` from an hour. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}
