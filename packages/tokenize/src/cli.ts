import { FoxdenError, Progress, formatCount, writeFileAtomic } from '@foxden/core';
import { DEFAULT_SPECIAL_TOKENS, trainBpeTokenizer } from './bpe-trainer.js';
import { loadTokenizer } from './tokenizer.js';

const HELP = `foxden tokenizer train --input <files...> --vocab-size N --out tokenizer.json [options]

Trains a byte-level BPE tokenizer (GPT-2 split pattern, all 256 bytes in the
alphabet, exact decoding) and writes a Hugging Face tokenizer.json.

Inputs: .txt or .gz text (one sequence per line), .jsonl or .jsonl.gz (the
"text" field of each record).

Options:
  --input <files...>        training files (required; several may follow one --input)
  --vocab-size N            vocabulary size including special tokens and the 256 bytes (required)
  --out <path>              where to write tokenizer.json (required)
  --special-tokens <a,b,..> special tokens, first ids in this order (default ${DEFAULT_SPECIAL_TOKENS.join(',')})
  --min-frequency N         never merge a pair seen fewer times (default 0)
  --max-words N             most distinct words held while counting (default 4000000)
  --sample-rate R           fraction of lines/records read, seeded (default 1)
  --max-chars N             stop reading after N characters of kept text (default no limit)
  --seed N                  seed of the sampling (default 0)
  -h, --help                this text
`;

/** `foxden tokenizer ...`; returns the process exit code (0 ok, 1 failed, 2 usage). */
export async function tokenizerCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'train') {
    process.stderr.write(`foxden tokenizer: unknown subcommand '${sub}'\n\n${HELP}`);
    return 2;
  }
  let opts: TrainArgs;
  try {
    opts = parseTrainArgs(rest);
  } catch (e) {
    process.stderr.write(`foxden tokenizer train: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(HELP);
    return 0;
  }
  // Progress on stderr: a bar on a terminal, a plain line every FOXDEN_PROGRESS_INTERVAL seconds (default 10) otherwise.
  const progress = new Progress();
  let phase: 'count' | 'merge' | null = null;
  try {
    const result = await trainBpeTokenizer({
      inputs: opts.inputs, vocabSize: opts.vocabSize,
      ...(opts.specialTokens ? { specialTokens: opts.specialTokens } : {}),
      ...(opts.minFrequency === undefined ? {} : { minFrequency: opts.minFrequency }),
      ...(opts.maxWords === undefined ? {} : { maxWords: opts.maxWords }),
      ...(opts.sampleRate === undefined ? {} : { sampleRate: opts.sampleRate }),
      ...(opts.maxChars === undefined ? {} : { maxChars: opts.maxChars }),
      ...(opts.seed === undefined ? {} : { seed: opts.seed }),
      log: (m) => progress.note(m),
      onProgress: (p) => {
        if (p.phase === 'count') {
          if (phase === null) progress.start('tokenizer train: counting words', null, { unit: 'texts' });
          phase = 'count';
          progress.update(p.done, { detail: `${formatCount(p.chars)} chars` });
        } else {
          if (phase !== 'merge') progress.start('tokenizer train: merging', p.total, { unit: 'merges' });
          phase = 'merge';
          progress.update(p.done, { force: p.done === p.total });
        }
      },
    });
    progress.end();
    await writeFileAtomic(opts.out, result.json);
    // Load what was written, so a file the library would refuse is never reported as a success.
    const loaded = await loadTokenizer(opts.out);
    process.stdout.write(`${opts.out}: vocabulary ${loaded.identity.vocab_size} (${result.merges} merges), sha256 ${loaded.identity.sha256}\n`);
    if (result.vocabSize < opts.vocabSize) process.stdout.write(`note: the text ran out of pairs to merge before reaching ${opts.vocabSize}\n`);
    if (result.words.prunedWords > 0) process.stdout.write(`note: ${result.words.prunedWords} rare words were pruned to bound memory (counts <= ${result.words.pruneThreshold})\n`);
    return 0;
  } catch (e) {
    progress.end();
    const err = FoxdenError.from(e);
    process.stderr.write(`foxden tokenizer train: ${err.code}: ${err.message}\n`);
    return 1;
  }
}

interface TrainArgs {
  help: boolean;
  inputs: string[];
  vocabSize: number;
  out: string;
  specialTokens?: string[];
  minFrequency?: number;
  maxWords?: number;
  sampleRate?: number;
  maxChars?: number;
  seed?: number;
}

function parseTrainArgs(args: string[]): TrainArgs {
  const inputs: string[] = [];
  const values: Record<string, string> = {};
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--help' || a === '-h') {
      help = true;
      continue;
    }
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}'`);
    const eq = a.indexOf('=');
    const name = eq === -1 ? a.slice(2) : a.slice(2, eq);
    if (name === 'input') {
      if (eq !== -1) inputs.push(a.slice(eq + 1));
      while (i + 1 < args.length && !args[i + 1]!.startsWith('--')) inputs.push(args[++i]!);
      continue;
    }
    if (!['vocab-size', 'out', 'special-tokens', 'min-frequency', 'max-words', 'sample-rate', 'max-chars', 'seed'].includes(name)) throw new Error(`unknown option --${name}`);
    const value = eq === -1 ? args[++i] : a.slice(eq + 1);
    if (value === undefined) throw new Error(`--${name} needs a value`);
    values[name] = value;
  }
  if (help) return { help, inputs, vocabSize: 0, out: '' };
  if (inputs.length === 0) throw new Error('--input is required');
  if (values['vocab-size'] === undefined) throw new Error('--vocab-size is required');
  if (values['out'] === undefined) throw new Error('--out is required');
  const int = (name: string): number | undefined => {
    const v = values[name];
    if (v === undefined) return undefined;
    const n = Number(v.replace(/_/g, ''));
    if (!Number.isInteger(n)) throw new Error(`--${name} must be an integer, got '${v}'`);
    return n;
  };
  const rate = values['sample-rate'] === undefined ? undefined : Number(values['sample-rate']);
  if (rate !== undefined && !Number.isFinite(rate)) throw new Error(`--sample-rate must be a number, got '${values['sample-rate']}'`);
  const out: TrainArgs = { help, inputs, vocabSize: int('vocab-size')!, out: values['out'] };
  if (values['special-tokens'] !== undefined) out.specialTokens = values['special-tokens'].split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const minFrequency = int('min-frequency');
  if (minFrequency !== undefined) out.minFrequency = minFrequency;
  const maxWords = int('max-words');
  if (maxWords !== undefined) out.maxWords = maxWords;
  if (rate !== undefined) out.sampleRate = rate;
  const maxChars = int('max-chars');
  if (maxChars !== undefined) out.maxChars = maxChars;
  const seed = int('seed');
  if (seed !== undefined) out.seed = seed;
  return out;
}
