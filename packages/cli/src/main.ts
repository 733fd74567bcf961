#!/usr/bin/env node
/**
 * The `foxden` command. Each subcommand returns an exit code; a FoxdenError
 * becomes a one-line reason on stderr and exit code 1 (2 for bad usage).
 */
import { FoxdenError } from '@foxden/core';
import { inspectCommand } from './inspect-command.js';
import { runCommand, type ExecutorFactory } from './run-command.js';

const HELP = `Usage: foxden <command> [options]

Commands:
  run <pipeline.yaml>        run a pipeline (local worker threads, or --runner bullmq)
  inspect <run-dir|shard>    schema, counts, per-step funnel, sample rows
  sql <run-dir> [query]      query a run with DuckDB SQL (interactive without a query)
  report <run-dir>           one self-contained HTML page of charts about a run
  tokenizer train ...        train a byte-level BPE tokenizer.json
  quality train ...          train a fastText quality classifier
  worker --redis <url>       take tasks from the BullMQ queue
  status <run-dir>           tasks of a run: waiting, active, done, failed
  dashboard --redis <url>    web page of the queues, jobs and their errors
  train <run-dir>            train a model on the run's curriculum (PyTorch); also train feed, train export
  demo-corpus <dir>          build a small real corpus (WARC + JSONL) to try foxden on (docs/tutorial.md)

Run 'foxden <command> --help' for a command's options.
`;

type Command = (args: string[]) => Promise<number>;

async function optional(specifier: string, name: string): Promise<Command> {
  const mod = (await import(specifier)) as Record<string, Command>;
  const fn = mod[name];
  if (!fn) throw new FoxdenError('INTERNAL', `${specifier} does not export ${name}`);
  return fn;
}

/** The queue runner's executor factory, loaded only for `--runner bullmq` (BullMQ and ioredis take ~0.3 s to load). */
async function bullmqFactory(): Promise<ExecutorFactory | undefined> {
  const specifier = '@foxden/runner-bullmq';
  const mod = (await import(specifier).catch((error: { code?: string }) => {
    if (error.code === 'ERR_MODULE_NOT_FOUND') return null;
    throw error;
  })) as { createQueueExecutor?: ExecutorFactory } | null;
  return mod?.createQueueExecutor;
}

const commands: Record<string, () => Promise<Command>> = {
  run: async () => (args) => runCommand(args, { bullmq: bullmqFactory }),
  inspect: async () => inspectCommand,
  sql: () => optional('@foxden/sql/cli', 'sqlCommand'),
  report: () => optional('@foxden/report/cli', 'reportCommand'),
  tokenizer: () => optional('@foxden/tokenize/cli', 'tokenizerCommand'),
  quality: () => optional('@foxden/quality/cli', 'qualityCommand'),
  worker: () => optional('@foxden/runner-bullmq/cli', 'workerCommand'),
  status: () => optional('@foxden/runner-bullmq/cli', 'statusCommand'),
  dashboard: () => optional('@foxden/runner-bullmq/cli', 'dashboardCommand'),
  train: () => optional('@foxden/trainer/cli', 'trainCommand'),
  'demo-corpus': () => optional('./demo-corpus-command.js', 'demoCorpusCommand'),
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP);
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`foxden: unknown command '${name}' (see foxden --help)\n`);
    return 2;
  }
  try {
    return await (await load())(rest);
  } catch (error) {
    const e = error instanceof FoxdenError ? error : FoxdenError.from(error);
    const usage = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`foxden ${name}: ${usage ? (error as Error).message : e.message}\n`);
    if (process.env['FOXDEN_DEBUG'] && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    if (usage) return 2;
    return e.code === 'ABORTED' ? 130 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
