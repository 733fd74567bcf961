import type { StepSummary } from '@foxden/core';
import type { RunReporter } from '@foxden/pipeline';

export interface ConsoleReporterOptions {
  /** Where to write; default process.stderr. */
  stream?: NodeJS.WriteStream;
  /** Draw a progress bar (TTY) instead of plain log lines. Default: stream.isTTY. */
  bar?: boolean;
  /** Seconds between plain progress lines when not drawing a bar. Default 10. */
  logIntervalSeconds?: number;
}

/**
 * Progress for humans: a one-line bar on a terminal (documents, bytes, rate,
 * ETA), plain log lines otherwise (CI logs, files), and a funnel line per step.
 */
export class ConsoleReporter implements RunReporter {
  private readonly stream: NodeJS.WriteStream;
  private readonly bar: boolean;
  private readonly interval: number;
  private label = '';
  private totalBytes = 0;
  private documents = 0;
  private bytes = 0;
  private started = 0;
  private lastDraw = 0;
  private drawn = false;

  constructor(options: ConsoleReporterOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.bar = options.bar ?? Boolean(this.stream.isTTY);
    this.interval = (options.logIntervalSeconds ?? 10) * 1000;
  }

  stepStart(info: { index: number; total: number; step: string; type: string; phase: string; tasks: number; skipped: number; bytes: number }): void {
    this.clear();
    this.label = `[${info.index + 1}/${info.total}] ${info.step}${info.phase && info.phase !== 'main' ? `:${info.phase}` : ''}`;
    this.totalBytes = info.bytes;
    this.documents = 0;
    this.bytes = 0;
    this.started = performance.now();
    this.lastDraw = this.started;
    const skipped = info.skipped > 0 ? `, ${info.skipped} already complete` : '';
    this.line(`${this.label}: ${info.tasks} task(s)${skipped}, ${formatBytes(info.bytes)} to read`);
  }

  progress(delta: { documents?: number; bytes?: number }): void {
    this.documents += delta.documents ?? 0;
    this.bytes += delta.bytes ?? 0;
    const now = performance.now();
    if (this.bar && now - this.lastDraw > 200) {
      this.lastDraw = now;
      this.draw();
    } else if (!this.bar && now - this.lastDraw > this.interval) {
      this.lastDraw = now;
      this.line(`${this.label}: ${this.status()}`);
    }
  }

  stepEnd(s: StepSummary): void {
    this.clear();
    const dropped = Object.entries(s.dropped).sort((a, b) => b[1] - a[1]);
    const top = dropped.slice(0, 4).map(([k, v]) => `${k} ${v}`).join(', ');
    const more = dropped.length > 4 ? `, +${dropped.length - 4} more reasons` : '';
    this.line(`${this.label}: ${s.documents_in} in -> ${s.documents_out} out${dropped.length ? ` (dropped: ${top}${more})` : ''} in ${s.seconds.toFixed(1)} task-s`);
  }

  log(message: string): void {
    this.clear();
    this.line(message);
  }

  private status(): string {
    const seconds = (performance.now() - this.started) / 1000;
    const rate = seconds > 0 ? this.bytes / seconds : 0;
    const eta = rate > 0 && this.totalBytes > this.bytes ? (this.totalBytes - this.bytes) / rate : 0;
    const pct = this.totalBytes > 0 ? Math.min(100, (100 * this.bytes) / this.totalBytes) : 0;
    return `${pct.toFixed(0)}% ${this.documents.toLocaleString('en')} docs ${formatBytes(this.bytes)} ${formatBytes(rate)}/s ETA ${formatDuration(eta)}`;
  }

  private draw(): void {
    const pct = this.totalBytes > 0 ? Math.min(1, this.bytes / this.totalBytes) : 0;
    const width = 20;
    const full = Math.round(pct * width);
    const bar = '#'.repeat(full) + '-'.repeat(width - full);
    this.stream.write(`\r\x1b[2K${this.label} [${bar}] ${this.status()}`);
    this.drawn = true;
  }

  private clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }

  private line(text: string): void {
    this.stream.write(text + '\n');
  }
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}
