import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FoxdenError } from '@foxden/core';
import { readCheckpoint } from './checkpoints.js';
import { openCurriculum } from './curriculum-input.js';
import { FEED_HELP, feedCommand, integerOption } from './feed-command.js';
import { planFeed } from './feed-plan.js';
import { loadPreset, ENGINE_DIR } from './presets.js';
import { findPythonWithTorch } from './python.js';
import { TrainController } from './train-controller.js';

const HELP = `foxden train <run-dir|curriculum.json> [options]
foxden train feed <run-dir|curriculum.json> [options] > stream
foxden train export <checkpoint-dir> --out <dir> [--tokenizer tokenizer.json]

Trains a Fox-1-shaped model on a curriculum, stage after stage, in PyTorch
(docs/trainer.md). Counts in tokens: every optimizer step sees --batch-tokens
tokens, each stage ends at its budget from its manifest.

Options:
  --preset NAME|FILE       tiny (tests, CPU) or fox-1.6b, or a preset JSON you copied (default tiny)
  --device cpu|cuda        (default cuda when PyTorch sees one, else cpu)
  --out DIR                checkpoints, metrics.jsonl, engine.log (default <run-dir>/train)
  --resume                 go on from the newest checkpoint in --out
  --steps N                stop after N optimizer steps in all (smoke runs)
  --stage-steps N          train at most N steps of each stage (smoke runs through every stage, benchmarks)
  --batch-tokens N         tokens per optimizer step (default: the preset's)
  --micro-batch-tokens N   tokens per forward/backward (default: the preset's)
  --checkpoint-every N     steps between checkpoints (default: the preset's; 0: none at all, for benchmarks)
  --seed N                 row-order and init seed (default: the curriculum's)
  --vocab-size N           embedding rows (default: the preset's, else the tokenizer's)
  --attention KIND         auto|flex|sdpa|eager (default auto: the best this torch has)
  --compile                torch.compile the model (CUDA)
  --peak-tflops X          peak for MFU (default 989 on H100/H200, none on CPU)
  --python PATH            interpreter with torch (default FOXDEN_PYTHON, python3, /usr/bin/python3)
  --tokenizer FILE         the run's tokenizer.json when run.json does not lead to it
  --allow-data-change      resume although the curriculum, seed or batch size changed
  --max-restarts N         restarts of a dead engine from its last checkpoint (default 3)
  -h, --help               this text
`;

const EXPORT_HELP = `foxden train export <checkpoint-dir> --out <dir> [--tokenizer tokenizer.json] [--python PATH]

Writes a Hugging Face LlamaForCausalLM folder: config.json, model.safetensors
and the run's tokenizer.json.
`;

const count = (value: string | undefined, name: string): number | undefined => integerOption(value, name, 1);

function cudaAvailable(python: string): boolean {
  const probe = spawnSync(python, ['-c', 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)'], { timeout: 120_000 });
  return probe.status === 0;
}

async function train(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, options: {
      preset: { type: 'string' }, device: { type: 'string' }, out: { type: 'string' }, resume: { type: 'boolean' }, steps: { type: 'string' }, 'stage-steps': { type: 'string' },
      'batch-tokens': { type: 'string' }, 'micro-batch-tokens': { type: 'string' }, 'checkpoint-every': { type: 'string' }, seed: { type: 'string' },
      'vocab-size': { type: 'string' }, attention: { type: 'string' }, compile: { type: 'boolean' }, 'peak-tflops': { type: 'string' },
      python: { type: 'string' }, tokenizer: { type: 'string' }, 'allow-data-change': { type: 'boolean' }, 'max-restarts': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const input = positionals[0];
  if (!input || positionals.length > 1) throw new FoxdenError('BAD_CONFIG', 'give one run directory or curriculum.json (see foxden train --help)');
  if (values.device !== undefined && values.device !== 'cpu' && values.device !== 'cuda') throw new FoxdenError('BAD_CONFIG', `--device must be cpu or cuda, got '${values.device}'`);
  const preset = loadPreset(values.preset ?? 'tiny');
  const { python, torchVersion } = findPythonWithTorch(values.python);
  const device = (values.device as 'cpu' | 'cuda' | undefined) ?? (cudaAvailable(python) ? 'cuda' : 'cpu');
  const explicitVocab = count(values['vocab-size'], 'vocab-size') ?? preset.model.vocab_size ?? undefined;
  const curriculum = await openCurriculum(input, {
    ...(explicitVocab === undefined ? {} : { modelVocab: explicitVocab }), ...(values.tokenizer ? { tokenizer: values.tokenizer } : {}),
  });
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  const plan = planFeed(curriculum, {
    batchTokens: count(values['batch-tokens'], 'batch-tokens') ?? preset.train.batch_tokens, stageSteps: count(values['stage-steps'], 'stage-steps') ?? null,
    ...(seed === undefined ? {} : { seed }),
  });
  const out = values.out ?? join(curriculum.root, 'train');
  const engineArgs = [
    ...(values.compile ? ['--compile'] : []), ...(values.attention ? ['--attention', values.attention] : []),
    ...(values['peak-tflops'] ? ['--peak-tflops', values['peak-tflops']] : []), ...(seed === undefined ? [] : ['--seed', String(seed)]),
  ];
  process.stderr.write(`foxden train: ${curriculum.file}: ${plan.stages.map((s) => `${s.name} ${s.steps} steps x ${s.rowsPerBatch} rows of ${s.seqLen}`).join(', ')}; ${plan.batchTokens} tokens per step; ${device}, torch ${torchVersion} (${python}); out ${out}\n`);
  const result = await new TrainController({
    curriculum, plan, preset, python, out, device, vocabSize: explicitVocab ?? curriculum.manifest.tokenizer.vocab_size,
    resume: values.resume ?? false, steps: count(values.steps, 'steps') ?? null,
    checkpointEvery: values['checkpoint-every'] === '0' ? 0 : count(values['checkpoint-every'], 'checkpoint-every') ?? preset.train.checkpoint_every,
    microBatchTokens: count(values['micro-batch-tokens'], 'micro-batch-tokens') ?? preset.train.micro_batch_tokens,
    maxRestarts: integerOption(values['max-restarts'], 'max-restarts') ?? 3, allowDataChange: values['allow-data-change'] ?? false, engineArgs,
  }).run();
  process.stderr.write(`foxden train: ${result.steps} steps, last loss ${result.lastLoss?.toFixed(4) ?? 'n/a'}, ${result.restarts} restarts; checkpoint ${result.checkpoint ?? 'none'}; metrics ${result.metrics}\n`);
  return 0;
}

async function exportCheckpoint(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, options: { out: { type: 'string' }, tokenizer: { type: 'string' }, python: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(EXPORT_HELP);
    return 0;
  }
  const dir = positionals[0];
  if (!dir || !values.out) throw new FoxdenError('BAD_CONFIG', 'give a checkpoint directory and --out (see foxden train export --help)');
  readCheckpoint(dir);
  const { python } = findPythonWithTorch(values.python);
  const result = spawnSync(python, ['-m', 'foxden_engine', 'export', '--checkpoint', dir, '--out', values.out, ...(values.tokenizer ? ['--tokenizer', values.tokenizer] : [])], {
    stdio: 'inherit', env: { ...process.env, PYTHONPATH: [ENGINE_DIR, process.env['PYTHONPATH']].filter(Boolean).join(':') },
  });
  return result.status ?? 1;
}

/** `foxden train ...`; returns the exit code (0 ok, 1 failed, 2 usage). */
export async function trainCommand(args: string[]): Promise<number> {
  const [first, ...rest] = args;
  if (first === undefined) {
    process.stdout.write(HELP);
    return 2;
  }
  if (first === 'feed') return rest.includes('--help') || rest.includes('-h') ? (process.stdout.write(FEED_HELP), 0) : feedCommand(rest);
  if (first === 'export') return exportCheckpoint(rest);
  return train(args);
}
