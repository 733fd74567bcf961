import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { FoxdenError, hashString32, sha256File } from '@foxden/core';
import { FastTextPredictor, normalizeForFastText, trainFastText, type FastTextTrainOptions } from '@foxden/fasttext';

export interface TrainClassifierOptions extends Omit<FastTextTrainOptions, 'input' | 'output' | 'onProgress'> {
  /** JSONL file, one {"label": "...", "text": "..."} per line. */
  input: string;
  /** Where the model goes. */
  out: string;
  /** Share of examples held out for the accuracy report (chosen by a seeded hash of the line number). Default 0.1. */
  holdout?: number;
  /** Seed of the held-out split. Default 0. */
  seed?: number;
  /** Characters of each text used (see normalizeForFastText). Default 100000. */
  maxChars?: number;
  /**
   * Progress for a display: `read` (bytes of the input read of its size),
   * `train` (epochs done of `epoch`, fractional, with fastText's average
   * loss), `evaluate` (held-out examples scored). Default: none.
   */
  onProgress?: (progress: TrainClassifierProgress) => void;
}

export interface TrainClassifierProgress {
  phase: 'read' | 'train' | 'evaluate';
  done: number;
  total: number;
  loss?: number | null;
}

export interface TrainClassifierReport {
  model: string;
  sha256: string;
  examples: number;
  train_examples: number;
  heldout_examples: number;
  /** Examples per label, all lines. */
  labels: Record<string, number>;
  /** Lines that were not a usable example, with the first few reasons. */
  rejected: number;
  reject_samples: string[];
  /** Share of held-out examples whose most likely label is right; null without a held-out split. */
  heldout_accuracy: number | null;
  /** Accuracy of always answering the most frequent training label, for comparison. */
  heldout_majority_baseline: number | null;
  seconds: number;
}

/**
 * Trains a fastText quality classifier from labelled JSONL and reports its
 * accuracy on a held-out split. Streams the input; memory holds one batch of
 * held-out examples at a time.
 */
export async function trainQualityClassifier(options: TrainClassifierOptions): Promise<TrainClassifierReport> {
  const started = performance.now();
  const holdout = options.holdout ?? 0.1;
  if (!(holdout >= 0 && holdout < 1)) throw new FoxdenError('BAD_CONFIG', `holdout must be in [0, 1), got ${holdout}`);
  const seed = options.seed ?? 0;
  const maxChars = options.maxChars ?? 100_000;
  const work = await mkdtemp(join(tmpdir(), 'foxden-quality-train-'));
  try {
    const trainFile = join(work, 'train.txt');
    const testFile = join(work, 'heldout.txt');
    const train = createWriteStream(trainFile);
    const test = createWriteStream(testFile);
    const labels: Record<string, number> = {};
    const trainLabels: Record<string, number> = {};
    const rejects: string[] = [];
    let rejected = 0;
    let examples = 0;
    let nTrain = 0;
    let nTest = 0;
    const onProgress = options.onProgress;
    const size = onProgress ? (await stat(options.input)).size : 0;
    const input = createReadStream(options.input, { encoding: 'utf8' });
    const lines = createInterface({ input, crlfDelay: Infinity });
    let lineNo = 0;
    try {
      for await (const line of lines) {
        lineNo++;
        if (onProgress && (lineNo & 255) === 0) onProgress({ phase: 'read', done: input.bytesRead, total: size });
        if (line.trim().length === 0) continue;
        const reject = (why: string): void => {
          rejected++;
          if (rejects.length < 10) rejects.push(`${options.input}:${lineNo}: ${why}`);
        };
        let record: unknown;
        try {
          record = JSON.parse(line);
        } catch (error) {
          reject(`not JSON (${(error as Error).message})`);
          continue;
        }
        const { label, text } = (record ?? {}) as { label?: unknown; text?: unknown };
        if (typeof label !== 'string' || !/^[^\s]+$/.test(label)) {
          reject('label missing or contains whitespace');
          continue;
        }
        if (typeof text !== 'string') {
          reject('text missing');
          continue;
        }
        const normalized = normalizeForFastText(text, maxChars);
        if (normalized.length === 0) {
          reject('text empty');
          continue;
        }
        examples++;
        labels[label] = (labels[label] ?? 0) + 1;
        const heldOut = hashString32(`${seed}:${lineNo}`) / 4294967296 < holdout;
        if (heldOut) {
          nTest++;
          await write(test, `${label}\t${normalized}\n`);
        } else {
          nTrain++;
          trainLabels[label] = (trainLabels[label] ?? 0) + 1;
          await write(train, `__label__${label} ${normalized}\n`);
        }
      }
    } finally {
      await Promise.all([end(train), end(test)]);
    }
    if (nTrain === 0) throw new FoxdenError('BAD_INPUT', `${options.input} has no usable training examples (${rejected} rejected${rejects[0] ? `; first: ${rejects[0]}` : ''})`, { file: options.input });
    if (Object.keys(trainLabels).length < 2) throw new FoxdenError('BAD_INPUT', `${options.input} needs at least two labels in the training split, found ${Object.keys(trainLabels).join(', ')}`, { file: options.input });
    onProgress?.({ phase: 'read', done: size, total: size });
    const epochs = options.epoch ?? 10;
    const { onProgress: _unused, ...fastTextOptions } = options;
    await trainFastText({
      ...fastTextOptions, input: trainFile, output: options.out,
      ...(onProgress ? { onProgress: (p: { fraction: number; loss: number | null }) => onProgress({ phase: 'train', done: p.fraction * epochs, total: epochs, loss: p.loss }) } : {}),
    });
    const majority = Object.entries(trainLabels).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
    const evaluation = nTest > 0 ? await evaluate(options.out, testFile, majority, options.binary ?? null, (done) => onProgress?.({ phase: 'evaluate', done, total: nTest })) : null;
    return {
      model: options.out,
      sha256: await sha256File(options.out),
      examples, train_examples: nTrain, heldout_examples: nTest, labels: sortObject(labels), rejected, reject_samples: rejects,
      heldout_accuracy: evaluation ? evaluation.accuracy : null,
      heldout_majority_baseline: evaluation ? evaluation.majority : null,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function evaluate(model: string, testFile: string, majority: string, binary: string | null, progress: (done: number) => void): Promise<{ accuracy: number; majority: number }> {
  const predictor = await FastTextPredictor.create({ model, k: 1, binary });
  let right = 0;
  let baseline = 0;
  let total = 0;
  try {
    let batch: { label: string; text: string }[] = [];
    const flush = async (): Promise<void> => {
      const predictions = await predictor.predict(batch.map((b) => b.text));
      batch.forEach((b, i) => {
        if (predictions[i]?.[0]?.label === b.label) right++;
        if (b.label === majority) baseline++;
        total++;
      });
      batch = [];
      progress(total);
    };
    for await (const line of createInterface({ input: createReadStream(testFile, { encoding: 'utf8' }), crlfDelay: Infinity })) {
      const tab = line.indexOf('\t');
      batch.push({ label: line.slice(0, tab), text: line.slice(tab + 1) });
      if (batch.length >= 256) await flush();
    }
    if (batch.length > 0) await flush();
  } finally {
    await predictor.close();
  }
  return { accuracy: right / total, majority: baseline / total };
}

function write(stream: WriteStream, data: string): Promise<void> | void {
  if (!stream.write(data)) return new Promise((resolve) => stream.once('drain', () => resolve()));
}

function end(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => resolve());
  });
}

function sortObject(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
