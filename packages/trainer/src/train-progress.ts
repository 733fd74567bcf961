import type { FeedPlan } from './feed-plan.js';

/** One `step` event of the engine (a line of metrics.jsonl). */
export interface StepEvent {
  event: 'step';
  step: number;
  stage: number;
  stage_name: string;
  seq_len: number;
  loss: number;
  lr: number;
  tokens: number;
  tokens_total: number;
  stage_tokens: number;
  step_s: number;
  data_wait_s: number;
  tokens_per_s: number;
  mfu: number | null;
  batch_sha256: string;
}

const PLAIN_EVERY_MS = 10_000;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function rate(tokensPerS: number): string {
  return tokensPerS >= 1e6 ? `${(tokensPerS / 1e6).toFixed(2)}M` : tokensPerS >= 1e3 ? `${(tokensPerS / 1e3).toFixed(1)}k` : tokensPerS.toFixed(0);
}

/**
 * Training progress: one line redrawn in place on a TTY (stage, step, loss,
 * tokens/s, MFU, ETA), a plain line every ten seconds and at each stage
 * change otherwise (CI logs, pipes).
 */
export class TrainProgress {
  private readonly plan: FeedPlan;
  private readonly totalSteps: number;
  private readonly out: NodeJS.WriteStream;
  private readonly tty: boolean;
  private lastPlain = 0;
  private lastStage = -1;
  private recentRate = 0;

  constructor(plan: FeedPlan, out: NodeJS.WriteStream = process.stderr, maxSteps: number | null = null) {
    this.plan = plan;
    const all = plan.stages.reduce((n, s) => n + s.steps, 0);
    this.totalSteps = maxSteps === null ? all : Math.min(all, maxSteps);
    this.out = out;
    this.tty = Boolean(out.isTTY);
  }

  line(e: StepEvent): string {
    const stage = this.plan.stages[e.stage];
    this.recentRate = this.recentRate === 0 ? e.tokens_per_s : 0.9 * this.recentRate + 0.1 * e.tokens_per_s;
    const left = (this.totalSteps - e.step) * this.plan.batchTokens;
    const mfu = e.mfu === null || e.mfu === undefined ? '' : `  MFU ${(100 * e.mfu).toFixed(1)}%`;
    return `stage ${e.stage + 1}/${this.plan.stages.length} ${stage?.name ?? ''} (${e.seq_len})  step ${e.step}/${this.totalSteps}  loss ${e.loss.toFixed(4)}  ${rate(e.tokens_per_s)} tok/s${mfu}  ETA ${duration(left / this.recentRate)}`;
  }

  step(e: StepEvent): void {
    const text = this.line(e);
    const now = Date.now();
    if (this.tty) {
      this.out.write(`\r\x1b[2K${text}`);
    } else if (e.stage !== this.lastStage || now - this.lastPlain >= PLAIN_EVERY_MS || e.step === this.totalSteps) {
      this.out.write(`${text}\n`);
      this.lastPlain = now;
    }
    this.lastStage = e.stage;
  }

  /** A message between progress lines (a checkpoint, a restart). */
  note(message: string): void {
    this.out.write(this.tty ? `\r\x1b[2K${message}\n` : `${message}\n`);
  }

  end(): void {
    if (this.tty) this.out.write('\n');
  }
}
