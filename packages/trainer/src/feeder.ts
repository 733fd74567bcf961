import { FoxdenError } from '@foxden/core';
import type { OpenedCurriculum } from './curriculum-input.js';
import { FEED_FORMAT, FRAME_HEADER_BYTES, FrameKind, IGNORE_LABEL, encodeStreamHeader, markerFrame, writeFrameHeader, type FeedHeader } from './feed-format.js';
import { checkStart, firstStepOf, type FeedPlan, type LoaderState, type StagePlan } from './feed-plan.js';
import { RowPermutation } from './row-order.js';
import { StageRows } from './stage-rows.js';

export interface FeederOptions {
  /** Data-parallel rank and world size: rank r takes rows r, r+W, ... of each global batch. */
  rank?: number;
  world?: number;
  /** Where to start (a checkpoint's loader state); default the first batch. */
  start?: LoaderState;
  allowDataChange?: boolean;
  /** Stop after this many batches (smoke tests, benchmarks); default all stages. */
  maxSteps?: number | null;
  /** Ids must stay below this (the model's embedding rows); default the tokenizer's vocabulary. */
  vocabSize?: number;
}

/** One batch of one rank, as the frame carries it. */
export interface BuiltBatch {
  stage: number;
  step: number;
  stageStep: number;
  tokensBefore: number;
  tokensAfter: number;
  seqLen: number;
  rows: number;
  inputIds: Int32Array;
  labels: Int32Array;
  positionIds: Int32Array;
  rowSegments: Int32Array;
  segmentLengths: Int32Array;
  /** The whole frame: header and payload, ready to write. */
  frame: Buffer[];
}

/**
 * Turns a planned curriculum into the batches of one data-parallel rank, in
 * order, from any resume point: the `foxden.feed/1` stream of docs/trainer.md.
 */
export class Feeder {
  readonly plan: FeedPlan;
  readonly start: LoaderState;
  private readonly curriculum: OpenedCurriculum;
  private readonly rank: number;
  private readonly world: number;
  private readonly maxSteps: number | null;
  private readonly vocabSize: number;

  constructor(curriculum: OpenedCurriculum, plan: FeedPlan, options: FeederOptions = {}) {
    this.curriculum = curriculum;
    this.plan = plan;
    this.rank = options.rank ?? 0;
    this.world = options.world ?? 1;
    if (!Number.isInteger(this.world) || this.world < 1 || !Number.isInteger(this.rank) || this.rank < 0 || this.rank >= this.world) {
      throw new FoxdenError('BAD_CONFIG', `rank ${this.rank} of world ${this.world}: need 0 <= rank < world`);
    }
    for (const stage of plan.stages) {
      if (stage.rowsPerBatch % this.world !== 0) {
        throw new FoxdenError('BAD_CONFIG', `stage '${stage.name}' has ${stage.rowsPerBatch} rows per ${plan.batchTokens}-token batch, which ${this.world} ranks cannot share evenly; use a batch of a multiple of ${stage.seqLen * this.world} tokens`);
      }
    }
    this.start = checkStart(plan, options.start ?? { fingerprint: plan.fingerprint, stage: 0, tokens: 0 }, options.allowDataChange);
    this.maxSteps = options.maxSteps ?? null;
    this.vocabSize = options.vocabSize ?? curriculum.manifest.tokenizer.vocab_size;
  }

  header(): FeedHeader {
    const { manifest } = this.curriculum;
    return {
      format: FEED_FORMAT, fingerprint: this.plan.fingerprint, seed: this.plan.seed, batch_tokens: this.plan.batchTokens,
      rank: this.rank, world: this.world, vocab_size: manifest.tokenizer.vocab_size,
      pad_id: this.curriculum.stages[0]?.manifest.pad_id ?? 0, tokenizer: manifest.tokenizer,
      tokenizer_path: this.curriculum.tokenizerPath, curriculum: this.curriculum.file,
      start: { stage: this.start.stage, tokens: this.start.tokens }, max_steps: this.maxSteps,
      stages: this.plan.stages.map((s) => ({
        index: s.index, name: s.name, seq_len: s.seqLen, rows: s.rows, budget_tokens: s.budgetTokens, rows_per_batch: s.rowsPerBatch, steps: s.steps,
      })),
    };
  }

  /** The stream: header, then every batch frame, stage ends and the end frame. */
  *stream(): Generator<Buffer[]> {
    yield [encodeStreamHeader(this.header())];
    let sent = 0;
    let step = firstStepOf(this.plan, this.start.stage) + this.start.tokens / this.plan.batchTokens;
    for (let s = this.start.stage; s < this.plan.stages.length; s++) {
      const stage = this.plan.stages[s]!;
      const first = s === this.start.stage ? this.start.tokens / this.plan.batchTokens : 0;
      for (const batch of this.stageBatches(stage, first, step)) {
        if (this.maxSteps !== null && sent >= this.maxSteps) break;
        yield batch.frame;
        sent++;
        step++;
      }
      if (this.maxSteps !== null && sent >= this.maxSteps) break;
      yield [markerFrame(FrameKind.StageEnd, stage.index, step)];
    }
    yield [markerFrame(FrameKind.End, this.plan.stages.length, step)];
  }

  /** The batches of one stage from its `firstStep`-th on; `step` is the global step of that batch. */
  *stageBatches(stage: StagePlan, firstStep: number, step: number): Generator<BuiltBatch> {
    const rows = new StageRows(this.curriculum.stages[stage.index]!.shards, stage.seqLen);
    const orders = new Map<number, RowPermutation>();
    const orderOf = (pass: number): RowPermutation => {
      let order = orders.get(pass);
      if (!order) {
        orders.clear();
        order = new RowPermutation(stage.rows, `${this.plan.seed}:${stage.index}:${pass}`);
        orders.set(pass, order);
      }
      return order;
    };
    try {
      for (let i = firstStep; i < stage.steps; i++) {
        const tokensBefore = i * this.plan.batchTokens;
        const positions: number[] = [];
        for (let j = this.rank; j < stage.rowsPerBatch; j += this.world) positions.push(tokensBefore / stage.seqLen + j);
        const picked = positions.map((k) => orderOf(Math.floor(k / stage.rows)).at(k % stage.rows));
        yield this.build(stage, rows, picked, { step: step + i - firstStep, stageStep: i, tokensBefore, tokensAfter: tokensBefore + this.plan.batchTokens });
      }
    } finally {
      rows.close();
    }
  }

  private build(stage: StagePlan, rows: StageRows, picked: number[], at: { step: number; stageStep: number; tokensBefore: number; tokensAfter: number }): BuiltBatch {
    const T = stage.seqLen;
    const R = picked.length;
    const head = Buffer.allocUnsafe(FRAME_HEADER_BYTES + (3 * R * T + R) * 4);
    const view = (index: number, length: number): Int32Array => new Int32Array(head.buffer, head.byteOffset + FRAME_HEADER_BYTES + index * 4, length);
    const inputIds = view(0, R * T);
    const labels = view(R * T, R * T);
    const positionIds = view(2 * R * T, R * T);
    const rowSegments = view(3 * R * T, R);
    const segments: number[] = [];
    for (let q = 0; q < R; q++) {
      const base = q * T;
      const ids = inputIds.subarray(base, base + T);
      const lengths = rows.read(picked[q]!, ids);
      let t = 0;
      let count = 0;
      const segment = (length: number): void => {
        const end = t + length;
        for (let p = 0; t < end; t++, p++) {
          const id = ids[t]!;
          if (id < 0 || id >= this.vocabSize) throw new FoxdenError('CORRUPT_INTERMEDIATE', `stage '${stage.name}' row ${picked[q]} holds token id ${id >>> 0}, outside the vocabulary of ${this.vocabSize}`);
          labels[base + t] = t + 1 < end ? ids[t + 1]! : IGNORE_LABEL;
          positionIds[base + t] = p;
        }
        segments.push(length);
        count++;
      };
      for (const length of lengths) {
        if (length <= 0 || t + length > T) throw new FoxdenError('CORRUPT_INTERMEDIATE', `stage '${stage.name}' row ${picked[q]}: segment lengths ${Array.from(lengths).join(',')} do not fit ${T} tokens`);
        segment(length);
      }
      if (t < T) {
        // Trailing padding is a segment of its own with nothing to predict.
        const padStart = t;
        segment(T - t);
        labels.fill(IGNORE_LABEL, base + padStart, base + T);
      }
      rowSegments[q] = count;
    }
    const tail = Buffer.from(Int32Array.from(segments).buffer);
    writeFrameHeader(head, {
      kind: FrameKind.Batch, stage: stage.index, seqLen: T, rows: R, segments: segments.length, step: at.step,
      tokensBefore: at.tokensBefore, tokensAfter: at.tokensAfter, stageStep: at.stageStep, payloadBytes: head.length - FRAME_HEADER_BYTES + tail.length,
    });
    return { stage: stage.index, seqLen: T, rows: R, ...at, inputIds, labels, positionIds, rowSegments, segmentLengths: new Int32Array(tail.buffer, tail.byteOffset, segments.length), frame: [head, tail] };
  }
}
