import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import { FoxdenError } from '@foxden/core';
import { openCurriculum } from './curriculum-input.js';
import { planFeed } from './feed-plan.js';
import { Feeder } from './feeder.js';
import { loadPreset } from './presets.js';

export const FEED_HELP = `foxden train feed <run-dir|curriculum.json> [options] > stream

Writes the batches of one data-parallel rank as a foxden.feed/1 stream
(docs/trainer.md) to stdout, for foxden's engine or any PyTorch trainer
(foxden_engine.feed.FeedReader turns it into tensors).

Options:
  --rank R               this rank (default 0)
  --world W              data-parallel ranks (default 1)
  --preset NAME|FILE     takes the batch size from a preset (default tiny)
  --batch-tokens N       tokens per global batch (default: the preset's)
  --seed N               row-order seed (default: the curriculum's)
  --start-stage S        resume point: stage index (default 0)
  --start-tokens N       resume point: tokens of that stage consumed (default 0)
  --fingerprint HEX      the checkpoint's loader fingerprint, checked against this feed
  --allow-data-change    resume although the fingerprint differs
  --steps N              stop after N batches
  --stage-steps N        at most N batches of each stage (smoke runs, benchmarks; part of the fingerprint)
  --vocab-size N         the model's embedding rows (refuses a larger tokenizer)
  --tokenizer FILE       the run's tokenizer.json, if it cannot be found from run.json
  --no-verify            skip hashing the shards (sizes and paths are still checked)
`;

export interface FeedArgs {
  input: string;
  rank: number;
  world: number;
  preset: string;
  batchTokens?: number;
  seed?: number;
  startStage: number;
  startTokens: number;
  fingerprint?: string;
  allowDataChange: boolean;
  steps: number | null;
  stageSteps: number | null;
  vocabSize?: number;
  tokenizer?: string;
  verify: boolean;
}

/** An integer option of at least `min`, or undefined when not given. */
export function integerOption(value: string | undefined, name: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new FoxdenError('BAD_CONFIG', `--${name} must be an integer of at least ${min}, got '${value}'`);
  return n;
}


export function parseFeedArgs(args: string[]): FeedArgs | 'help' {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, options: {
      rank: { type: 'string' }, world: { type: 'string' }, preset: { type: 'string' }, 'batch-tokens': { type: 'string' }, seed: { type: 'string' },
      'start-stage': { type: 'string' }, 'start-tokens': { type: 'string' }, fingerprint: { type: 'string' }, 'allow-data-change': { type: 'boolean' },
      steps: { type: 'string' }, 'stage-steps': { type: 'string' }, 'vocab-size': { type: 'string' }, tokenizer: { type: 'string' }, 'no-verify': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const input = positionals[0];
  if (!input || positionals.length > 1) throw new FoxdenError('BAD_CONFIG', 'give one run directory or curriculum.json');
  const optional = <T>(key: string, value: T | undefined): Record<string, T> => (value === undefined ? {} : { [key]: value });
  return {
    input, rank: integerOption(values.rank, 'rank') ?? 0, world: integerOption(values.world, 'world') ?? 1, preset: values.preset ?? 'tiny',
    ...optional('batchTokens', integerOption(values['batch-tokens'], 'batch-tokens')), ...optional('seed', integerOption(values.seed, 'seed')),
    startStage: integerOption(values['start-stage'], 'start-stage') ?? 0, startTokens: integerOption(values['start-tokens'], 'start-tokens') ?? 0,
    ...optional('fingerprint', values.fingerprint), allowDataChange: values['allow-data-change'] ?? false,
    steps: integerOption(values.steps, 'steps') ?? null, stageSteps: integerOption(values['stage-steps'], 'stage-steps') ?? null, ...optional('vocabSize', integerOption(values['vocab-size'], 'vocab-size')),
    ...optional('tokenizer', values.tokenizer), verify: !values['no-verify'],
  };
}

/** Opens, checks and plans a curriculum into the feeder of one rank. */
export async function createFeeder(a: FeedArgs): Promise<Feeder> {
  const preset = loadPreset(a.preset);
  const curriculum = await openCurriculum(a.input, {
    verifyShards: a.verify, ...(a.tokenizer ? { tokenizer: a.tokenizer } : {}), ...(a.vocabSize === undefined ? {} : { modelVocab: a.vocabSize }),
  });
  const plan = planFeed(curriculum, { batchTokens: a.batchTokens ?? preset.train.batch_tokens, stageSteps: a.stageSteps, ...(a.seed === undefined ? {} : { seed: a.seed }) });
  return new Feeder(curriculum, plan, {
    rank: a.rank, world: a.world, maxSteps: a.steps, allowDataChange: a.allowDataChange,
    start: { fingerprint: a.fingerprint ?? plan.fingerprint, stage: a.startStage, tokens: a.startTokens },
    ...(a.vocabSize === undefined ? {} : { vocabSize: a.vocabSize }),
  });
}

function drainedOrClosed(out: Writable): Promise<void> {
  return new Promise((done) => {
    const finish = (): void => {
      out.off('drain', finish);
      out.off('close', finish);
      done();
    };
    out.on('drain', finish);
    out.on('close', finish);
  });
}

/** Writes a feeder's stream, waiting on the reader (a pipe's backpressure); stops quietly when the reader is gone. */
export async function writeFeed(feeder: Feeder, out: Writable): Promise<'done' | 'closed'> {
  let closed = false;
  const onError = (e: NodeJS.ErrnoException): void => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') closed = true;
    else throw e;
  };
  out.on('error', onError);
  try {
    for (const frame of feeder.stream()) {
      for (const part of frame) {
        if (closed) return 'closed';
        if (!out.write(part)) await drainedOrClosed(out);
      }
    }
    return closed ? 'closed' : 'done';
  } finally {
    out.off('error', onError);
  }
}

export async function feedCommand(args: string[]): Promise<number> {
  const parsed = parseFeedArgs(args);
  if (parsed === 'help') {
    process.stdout.write(FEED_HELP);
    return 0;
  }
  if (process.stdout.isTTY) throw new FoxdenError('BAD_CONFIG', 'the feed is binary: redirect stdout to a file or pipe it into a trainer');
  const feeder = await createFeeder(parsed);
  await writeFeed(feeder, process.stdout);
  return 0;
}
