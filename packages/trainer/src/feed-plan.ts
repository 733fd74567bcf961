import { createHash } from 'node:crypto';
import { FoxdenError } from '@foxden/core';
import type { OpenedCurriculum } from './curriculum-input.js';

/** One stage as the feeder walks it. */
export interface StagePlan {
  index: number;
  name: string;
  seqLen: number;
  /** Packed sequences in the stage (one pass). */
  rows: number;
  /** Tokens the stage trains on: its packed tokens, padding included (sequences x seq_len). */
  budgetTokens: number;
  rowsPerBatch: number;
  /** Batches to consume the budget, the last one completed from the next pass. */
  steps: number;
}

/** The loader's whole state: resume is O(1) from it. */
export interface LoaderState {
  fingerprint: string;
  stage: number;
  /** Tokens of the stage consumed so far, over all ranks. */
  tokens: number;
}

export interface FeedPlan {
  fingerprint: string;
  seed: number;
  batchTokens: number;
  /** The cap on each stage's steps, when one was asked for. */
  stageSteps: number | null;
  stages: StagePlan[];
}

/** sha256 of the curriculum manifest's bytes, the seed and the batch size: what makes two runs' batches the same. */
export function loaderFingerprint(curriculumSha256: string, seed: number, batchTokens: number, stageSteps: number | null = null): string {
  const identity = { format: 'foxden.loader/1', curriculum: curriculumSha256, seed, batch_tokens: batchTokens, ...(stageSteps === null ? {} : { stage_steps: stageSteps }) };
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}

/** Plans the stages in tokens: fixed tokens per optimizer step, each stage ending at its budget. */
export function planFeed(curriculum: OpenedCurriculum, options: { batchTokens: number; seed?: number; stageSteps?: number | null }): FeedPlan {
  const { batchTokens } = options;
  const stageSteps = options.stageSteps ?? null;
  const seed = options.seed ?? curriculum.manifest.seed;
  if (!Number.isSafeInteger(batchTokens) || batchTokens < 1) throw new FoxdenError('BAD_CONFIG', `batch tokens must be a positive integer, got ${batchTokens}`);
  const stages = curriculum.stages.map(({ manifest }): StagePlan => {
    if (batchTokens % manifest.seq_len !== 0) {
      throw new FoxdenError('BAD_CONFIG', `batch of ${batchTokens} tokens is not a whole number of stage '${manifest.name}' rows (seq_len ${manifest.seq_len}); use a multiple of every stage's seq_len, e.g. ${lcmOf(curriculum.stages.map((s) => s.manifest.seq_len))}`);
    }
    const full = manifest.totals.sequences === 0 ? 0 : Math.ceil(manifest.totals.tokens / batchTokens);
    // A step cap (smoke runs, benchmarks) shortens the stage's budget to whole capped batches.
    const steps = stageSteps === null ? full : Math.min(full, stageSteps);
    return {
      index: manifest.index, name: manifest.name, seqLen: manifest.seq_len, rows: manifest.totals.sequences,
      budgetTokens: steps === full ? manifest.totals.tokens : steps * batchTokens, rowsPerBatch: batchTokens / manifest.seq_len, steps,
    };
  });
  return { fingerprint: loaderFingerprint(curriculum.sha256, seed, batchTokens, stageSteps), seed, batchTokens, stageSteps, stages };
}

function lcmOf(values: number[]): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  return values.reduce((acc, v) => (acc * v) / gcd(acc, v), 1);
}

/** Global optimizer step of a stage's first batch. */
export function firstStepOf(plan: FeedPlan, stage: number): number {
  return plan.stages.slice(0, stage).reduce((n, s) => n + s.steps, 0);
}

/**
 * Checks a resume point against the plan and moves a finished stage's state
 * to the start of the next stage. A changed fingerprint is refused unless
 * the caller allows a data change.
 */
export function checkStart(plan: FeedPlan, state: LoaderState, allowDataChange = false): LoaderState {
  if (state.fingerprint !== plan.fingerprint && !allowDataChange) {
    throw new FoxdenError('BAD_CONFIG', `the checkpoint was trained on other data (loader fingerprint ${state.fingerprint.slice(0, 12)}, this curriculum, seed and batch size give ${plan.fingerprint.slice(0, 12)}); resume with the same curriculum, seed and batch tokens, or pass --allow-data-change`);
  }
  let { stage, tokens } = state;
  if (stage < 0 || stage > plan.stages.length) throw new FoxdenError('BAD_CONFIG', `resume stage ${stage} does not exist (the curriculum has ${plan.stages.length})`);
  if (tokens % plan.batchTokens !== 0) throw new FoxdenError('BAD_CONFIG', `resume point of ${tokens} tokens is not a whole number of ${plan.batchTokens}-token batches`);
  while (stage < plan.stages.length && tokens >= plan.stages[stage]!.steps * plan.batchTokens) {
    stage++;
    tokens = 0;
  }
  return { fingerprint: plan.fingerprint, stage, tokens };
}
