import { Progress, type ProgressOptions, type ProgressStream } from '@foxden/core';
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

function rate(tokensPerS: number): string {
  return tokensPerS >= 1e6 ? `${(tokensPerS / 1e6).toFixed(2)}M` : tokensPerS >= 1e3 ? `${(tokensPerS / 1e3).toFixed(1)}k` : tokensPerS.toFixed(0);
}

/**
 * Training progress on core's `Progress`: on a TTY one line redrawn in place
 * (a bar of optimizer steps done of the run's, steps/s, ETA, then stage,
 * loss, tokens/s, MFU); otherwise a plain line at the interval
 * (FOXDEN_PROGRESS_INTERVAL, default 10 s), at each stage change and at the
 * last step (CI logs, pipes).
 */
export class TrainProgress {
  private readonly plan: FeedPlan;
  private readonly totalSteps: number;
  private readonly display: Progress;
  private started = false;
  private lastStage = -1;

  constructor(plan: FeedPlan, out: ProgressStream = process.stderr, maxSteps: number | null = null, options: Omit<ProgressOptions, 'stream' | 'unit'> = {}) {
    this.plan = plan;
    const all = plan.stages.reduce((n, s) => n + s.steps, 0);
    this.totalSteps = maxSteps === null ? all : Math.min(all, maxSteps);
    this.display = new Progress({ ...options, stream: out, unit: 'steps' });
  }

  /** What follows the counts: stage, loss, tokens/s, MFU. */
  detail(e: StepEvent): string {
    const stage = this.plan.stages[e.stage];
    const mfu = e.mfu === null || e.mfu === undefined ? '' : `, MFU ${(100 * e.mfu).toFixed(1)}%`;
    return `stage ${e.stage + 1}/${this.plan.stages.length} ${stage?.name ?? ''} (${e.seq_len}), loss ${e.loss.toFixed(4)}, ${rate(e.tokens_per_s)} tok/s${mfu}`;
  }

  step(e: StepEvent): void {
    // The rate counts from the first step this process saw (a resumed run starts past 0).
    if (!this.started) {
      this.display.start('train', this.totalSteps, { initial: e.step });
      this.started = true;
    }
    const force = e.stage !== this.lastStage || e.step === this.totalSteps;
    this.display.update(e.step, { detail: this.detail(e), force });
    this.lastStage = e.stage;
  }

  /** A message between progress lines (a checkpoint, a restart). */
  note(message: string): void {
    this.display.note(message);
  }

  end(): void {
    this.display.end();
  }
}
