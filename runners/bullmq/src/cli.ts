import { parseArgs } from 'node:util';
import { FoxdenError } from '@foxden/core';
import { startDashboard } from './dashboard.js';
import { renderStatus, runStatus } from './status.js';
import { TaskWorker } from './task-worker.js';

const REDIS_OPTIONS = {
  redis: { type: 'string' },
  password: { type: 'string' },
  tls: { type: 'boolean', default: false },
  prefix: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const REDIS_HELP = `  --redis <url>         redis:// or rediss:// URL (default redis://127.0.0.1:6379, or FOXDEN_REDIS_URL)
  --password <pw>       Redis password (or FOXDEN_REDIS_PASSWORD)
  --tls                 use TLS
  --prefix <p>          Redis key prefix (default foxden)
  -h, --help            this help
`;

function redisOf(values: { redis?: string | undefined; password?: string | undefined; tls?: boolean | undefined; prefix?: string | undefined }) {
  return {
    ...(values.redis ? { url: values.redis } : {}),
    ...(values.password ? { password: values.password } : {}),
    ...(values.tls ? { tls: true } : {}),
    ...(values.prefix ? { prefix: values.prefix } : {}),
  };
}

function intOption(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new FoxdenError('BAD_CONFIG', `${name} must be an integer >= ${min}, got '${value}'`);
  return n;
}

export async function workerCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { ...REDIS_OPTIONS, concurrency: { type: 'string' }, 'lock-ms': { type: 'string' }, 'stalled-ms': { type: 'string' }, queue: { type: 'string' } },
  });
  if (values.help) {
    process.stdout.write(`Usage: foxden worker [options]

Takes tasks of every foxden run queued in Redis (new runs are picked up as
they start) and runs them in worker threads. Run any number of workers on any
number of machines that see the runs' output directories (shared filesystem).
SIGINT/SIGTERM finish the tasks in hand, then stop; a worker that dies
mid-task has its task taken over by another after the lock expires.

Options:
  --concurrency <n>     tasks at once (default 1; one thread each)
  --lock-ms <ms>        task lock duration (default 30000)
  --stalled-ms <ms>     interval of the dead-worker check (default 30000)
  --queue <name>        serve only this run queue
${REDIS_HELP}`);
    return 0;
  }
  const worker = await TaskWorker.start({
    ...redisOf(values),
    concurrency: intOption('--concurrency', values.concurrency, 1),
    lockDurationMs: intOption('--lock-ms', values['lock-ms'], 30_000),
    stalledIntervalMs: intOption('--stalled-ms', values['stalled-ms'], 30_000),
    ...(values.queue ? { queue: values.queue } : {}),
    log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
  });
  process.stderr.write(`foxden worker ${process.pid} started\n`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) process.exit(130);
      stopping = true;
      process.stderr.write(`${signal}: finishing tasks in hand (again to quit at once)\n`);
      void worker.close().then(resolve);
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}

export async function statusCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...REDIS_OPTIONS, json: { type: 'boolean', default: false } } });
  if (values.help) {
    process.stdout.write(`Usage: foxden status <run-dir> [options]

Each step's tasks of a run on the BullMQ runner: waiting, active, delayed
(backing off before a retry), done, failed, and retries spent, with the errors
of failed tasks.

Options:
  --json                machine-readable output
${REDIS_HELP}`);
    return 0;
  }
  const runDir = positionals[0];
  if (!runDir) throw new FoxdenError('BAD_CONFIG', 'foxden status needs a run directory (see --help)');
  const status = await runStatus(runDir, redisOf(values));
  process.stdout.write(values.json ? JSON.stringify(status, null, 2) + '\n' : renderStatus(status));
  return Object.values(status.steps).some((s) => s.failed > 0) ? 1 : 0;
}

export async function dashboardCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { ...REDIS_OPTIONS, port: { type: 'string' }, host: { type: 'string' } } });
  if (values.help) {
    process.stdout.write(`Usage: foxden dashboard [options]

Serves a web page of the run queues, their jobs and errors (Bull Board).

Options:
  --port <n>            port (default 3000; 0 picks a free one)
  --host <addr>         address to bind (default 127.0.0.1; the page has no authentication)
${REDIS_HELP}`);
    return 0;
  }
  const dashboard = await startDashboard({ ...redisOf(values), port: intOption('--port', values.port, 3000, 0), ...(values.host ? { host: values.host } : {}) });
  process.stdout.write(`dashboard at ${dashboard.url}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await dashboard.close();
  return 0;
}
