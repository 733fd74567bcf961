import { Progress, formatBytes, formatCount, type ProgressStream, type StepSummary } from '@foxden/core';
import type { RunReporter } from './run-pipeline.js';

export interface ConsoleReporterOptions {
  /** Where to write; default process.stderr. */
  stream?: ProgressStream;
  /** Draw a progress bar (TTY) instead of plain log lines. Default: the stream is a TTY (FOXDEN_PROGRESS=plain|bar overrides). */
  bar?: boolean;
  /** Seconds between plain progress lines when not drawing a bar. Default FOXDEN_PROGRESS_INTERVAL, else 10. */
  logIntervalSeconds?: number;
}

/**
 * Progress of `foxden run` for humans, on either runner: per step and phase a
 * start line, then a bar on a terminal (bytes read of the phase's total,
 * tasks done, documents, rate, ETA) or a plain line every interval otherwise
 * (CI logs, pipes), and a funnel line when the step ends. Built on core's
 * `Progress`, as the trainer's and the tokenizer's progress are.
 */
export class ConsoleReporter implements RunReporter {
  private readonly progressDisplay: Progress;
  private label = '';
  private tasks = 0;
  private tasksDone = 0;
  private documents = 0;
  private started = 0;

  constructor(options: ConsoleReporterOptions = {}) {
    this.progressDisplay = new Progress({
      unit: 'B',
      ...(options.stream ? { stream: options.stream } : {}),
      ...(options.bar === undefined ? {} : { bar: options.bar }),
      ...(options.logIntervalSeconds === undefined ? {} : { intervalSeconds: options.logIntervalSeconds }),
    });
  }

  stepStart(info: { index: number; total: number; step: string; type: string; phase: string; tasks: number; skipped: number; bytes: number }): void {
    this.label = `[${info.index + 1}/${info.total}] ${info.step}${info.phase && info.phase !== 'main' ? `:${info.phase}` : ''}`;
    this.tasks = info.tasks;
    this.tasksDone = info.skipped;
    this.documents = 0;
    this.started = performance.now();
    const skipped = info.skipped > 0 ? `, ${info.skipped} already complete` : '';
    this.progressDisplay.end(`${this.label}: ${info.tasks} task(s)${skipped}, ${formatBytes(info.bytes)} to read`);
    this.progressDisplay.start(this.label, info.bytes > 0 ? info.bytes : null);
  }

  progress(delta: { documents?: number; bytes?: number }): void {
    this.documents += delta.documents ?? 0;
    this.progressDisplay.add(delta.bytes ?? 0, { detail: this.detail() });
  }

  /** A task of the phase finished (the CLI forwards the executor's taskDone here). */
  taskDone(): void {
    this.tasksDone += 1;
    this.progressDisplay.add(0, { detail: this.detail(), force: this.tasksDone === this.tasks });
  }

  stepEnd(s: StepSummary): void {
    const dropped = Object.entries(s.dropped).sort((a, b) => b[1] - a[1]);
    const top = dropped.slice(0, 4).map(([k, v]) => `${k} ${v}`).join(', ');
    const more = dropped.length > 4 ? `, +${dropped.length - 4} more reasons` : '';
    this.progressDisplay.end(`${this.label}: ${s.documents_in} in -> ${s.documents_out} out${dropped.length ? ` (dropped: ${top}${more})` : ''} in ${s.seconds.toFixed(1)} task-s`);
  }

  log(message: string): void {
    this.progressDisplay.note(message);
  }

  private detail(): string {
    const seconds = (performance.now() - this.started) / 1000;
    const rate = seconds > 0 ? this.documents / seconds : 0;
    return `${this.tasksDone}/${this.tasks} tasks, ${formatCount(this.documents)} docs (${formatCount(rate, true)} docs/s)`;
  }
}
