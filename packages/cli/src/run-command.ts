import { parseArgs } from 'node:util';
import { FoxdenError } from '@foxden/core';
import { ConsoleReporter, loadPipeline, runPipeline, StepRegistry, type RunSummary, type TaskExecutor } from '@foxden/pipeline';
import { WorkerPool } from '@foxden/runner-local';
import { stepPackageUrls } from './step-packages.js';
import { printRunSummary } from './print-summary.js';

export const RUN_HELP = `Usage: foxden run <pipeline.yaml> [options]

Runs a pipeline. Completed tasks are skipped, so running again after a crash
or Ctrl-C resumes where it stopped.

Options:
  --input <path|glob>   input file, directory or glob (repeatable); replaces the file's inputs
  --out <dir>           run directory; replaces the file's output
  --runner <name>       local (default: worker threads in this process) or bullmq
  --workers <n>         worker threads for the local runner (default: number of cores)
  --redis <url>         Redis URL for the bullmq runner (default FOXDEN_REDIS_URL, else redis://127.0.0.1:6379; rediss:// for TLS)
  --prefix <p>          Redis key prefix for the bullmq runner (default foxden, or FOXDEN_REDIS_PREFIX)
  --password <pw>       Redis password (or FOXDEN_REDIS_PASSWORD)
  --tls                 use TLS to Redis
  --seed <n>            replaces the file's seed
  --force               redo tasks even when complete
  --quiet               no progress output (progress goes to stderr: a bar on a terminal, else a
                        plain line every FOXDEN_PROGRESS_INTERVAL seconds, default 10)
  -h, --help            this help
`;

export interface RunCommandResult {
  summary: RunSummary;
}

/** Hook for the queue runner, which lives in its own package. */
export type ExecutorFactory = (options: {
  redis: string; runDir: string; pipelineName: string; signal: AbortSignal; prefix?: string; password?: string; tls?: boolean;
}) => Promise<TaskExecutor>;

export async function runCommand(args: string[], options: { bullmq?: () => Promise<ExecutorFactory | undefined> } = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      input: { type: 'string', multiple: true },
      out: { type: 'string' },
      runner: { type: 'string', default: 'local' },
      workers: { type: 'string' },
      redis: { type: 'string' },
      prefix: { type: 'string' },
      password: { type: 'string' },
      tls: { type: 'boolean', default: false },
      seed: { type: 'string' },
      force: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(RUN_HELP);
    return 0;
  }
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new FoxdenError('BAD_CONFIG', 'foxden run takes exactly one pipeline file (see foxden run --help)');
  if (values.runner !== 'local' && values.runner !== 'bullmq') throw new FoxdenError('BAD_CONFIG', `--runner must be local or bullmq, got '${values.runner}'`);
  const workers = values.workers === undefined ? undefined : parsePositiveInt('--workers', values.workers);
  const seed = values.seed === undefined ? undefined : parsePositiveInt('--seed', values.seed, 0);
  const controller = new AbortController();
  // The local runner's threads start first, so that their start (isolates, Node's bootstrap, then the
  // step modules runPipeline names) runs on the other cores while this thread loads the step packages
  // and the pipeline: about 0.3 s of each thread's start that a small run would otherwise wait for.
  let executor: TaskExecutor | null = null;
  if (values.runner === 'local') {
    const pool = new WorkerPool({ ...(workers ? { workers } : {}), signal: controller.signal });
    pool.prepare();
    executor = pool;
  }
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(`\n${signal}: stopping after the current batches (press Ctrl-C again to quit at once); run again to resume\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const registry = await StepRegistry.load(stepPackageUrls());
    const pipeline = await loadPipeline(file, {
      registry,
      ...(values.input ? { inputs: values.input } : {}),
      ...(values.out ? { output: values.out } : {}),
      ...(seed === undefined ? {} : { seed }),
    });
    if (executor === null) {
      const factory = await options.bullmq?.();
      if (!factory) throw new FoxdenError('BAD_CONFIG', 'the bullmq runner is not available in this build');
      executor = await factory({
        redis: values.redis ?? process.env['FOXDEN_REDIS_URL'] ?? 'redis://127.0.0.1:6379', runDir: pipeline.output, pipelineName: pipeline.name, signal: controller.signal,
        ...(values.prefix ? { prefix: values.prefix } : {}),
        ...(values.password ? { password: values.password } : {}),
        ...(values.tls ? { tls: true } : {}),
      });
    }
    // What runs after the tasks (Parquet for SQL clients, the report) loads while they run: this
    // thread is idle then, and the two packages take ~0.3 s to load.
    const afterRunModules = loadAfterRunModules();
    const reporter = values.quiet ? undefined : new ConsoleReporter();
    let reportPath: string | null = null;
    const summary = await runPipeline(pipeline, registry, {
      executor: reporter ? countingTasks(executor, reporter) : executor,
      force: values.force,
      signal: controller.signal,
      ...(reporter ? { reporter } : {}),
      afterRun: async (runDir) => {
        const { sql, report } = await afterRunModules;
        if (sql?.writeRunParquet) await sql.writeRunParquet(runDir);
        if (report?.writeRunReport) reportPath = (await report.writeRunReport(runDir)).path;
      },
    });
    if (!values.quiet) printRunSummary(summary, process.stdout, reportPath);
    else if (reportPath) process.stdout.write(`report: ${reportPath}\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await executor?.close();
  }
}

/** The executor with each finished task also counted on the progress display (tasks done of the phase's). */
function countingTasks(executor: TaskExecutor, reporter: ConsoleReporter): TaskExecutor {
  return {
    name: executor.name,
    prepare: (moduleUrls) => executor.prepare?.(moduleUrls),
    runPhase: (messages, events) => executor.runPhase(messages, {
      ...events,
      taskDone: (message, outcome) => {
        events.taskDone(message, outcome);
        reporter.taskDone();
      },
    }),
    close: () => executor.close(),
  };
}

interface AfterRunModules {
  sql: { writeRunParquet?: (dir: string) => Promise<unknown> } | null;
  report: { writeRunReport?: (dir: string) => Promise<{ path: string }> } | null;
}

/**
 * The packages that write Parquet beside the run for SQL clients and `<run>/report.html`
 * (docs/report.md), each null when this build lacks it.
 */
async function loadAfterRunModules(): Promise<AfterRunModules> {
  const optional = (specifier: string) => import(specifier).catch(() => null);
  const [sql, report] = await Promise.all([optional('@foxden/sql'), optional('@foxden/report')]);
  return { sql, report } as AfterRunModules;
}

export function parsePositiveInt(name: string, value: string, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new FoxdenError('BAD_CONFIG', `${name} must be an integer >= ${min}, got '${value}'`);
  return n;
}
