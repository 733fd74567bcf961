import { fileURLToPath } from 'node:url';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { configureTaskThreads } from '@foxden/pipeline';
import { bullConnection, queuesKey, redisClient, resolveRedisOptions, type RedisOptions } from './connection.js';

export interface TaskWorkerOptions extends RedisOptions {
  /** Tasks run at once by this process, each in its own worker thread. Default 1. */
  concurrency?: number;
  /** A task's lock lasts this long without renewal; a dead worker's task is taken over after it. Default 30000 ms. */
  lockDurationMs?: number;
  /** How often stalled tasks (dead workers) are looked for. Default 30000 ms. */
  stalledIntervalMs?: number;
  /** How often a task may stall (its worker died) before it fails. Tasks are idempotent, so default 10. */
  maxStalledCount?: number;
  /** How often new run queues are looked for. Default 1000 ms. */
  discoverMs?: number;
  /** Only serve this queue (default: every run queue under the prefix). */
  queue?: string;
  log?: (line: string) => void;
}

/**
 * A `foxden worker`: serves every run queue registered under the prefix
 * (new runs are picked up as they appear), running tasks in worker threads
 * through BullMQ's sandboxed processors.
 */
export class TaskWorker {
  private readonly workers = new Map<string, Worker>();
  private timer: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;
  private readonly options: TaskWorkerOptions;
  /** Client for the set of run queues, made on first use. */
  private registry: Redis | null = null;
  private looking = false;

  private constructor(options: TaskWorkerOptions) {
    this.options = options;
  }

  static async start(options: TaskWorkerOptions = {}): Promise<TaskWorker> {
    // Before BullMQ makes the threads its sandboxed processors run in.
    configureTaskThreads();
    const worker = new TaskWorker(options);
    await worker.discover();
    const every = options.discoverMs ?? 1000;
    worker.timer = setInterval(() => {
      // One look at a time: while Redis is away a look waits, and looks must not pile up behind it.
      if (worker.looking) return;
      worker.looking = true;
      void worker.discover().catch(() => undefined).finally(() => (worker.looking = false));
    }, every);
    return worker;
  }

  get queues(): string[] {
    return [...this.workers.keys()].sort();
  }

  private async discover(): Promise<void> {
    if (this.closing) return;
    const redis = resolveRedisOptions(this.options);
    let names: string[];
    if (this.options.queue) names = [this.options.queue];
    else {
      if (!this.registry) {
        this.registry = redisClient(redis);
        this.registry.on('error', () => undefined); // reconnects by itself; discovery simply waits
      }
      names = await this.registry.smembers(queuesKey(redis.prefix));
    }
    for (const name of names) {
      if (this.workers.has(name) || this.closing) continue;
      const worker = new Worker(name, fileURLToPath(new URL('./processor.js', import.meta.url)), {
        connection: bullConnection(redis),
        prefix: redis.prefix,
        concurrency: this.options.concurrency ?? 1,
        useWorkerThreads: true,
        lockDuration: this.options.lockDurationMs ?? 30_000,
        stalledInterval: this.options.stalledIntervalMs ?? 30_000,
        maxStalledCount: this.options.maxStalledCount ?? 10,
      } as never);
      worker.on('error', (e) => this.options.log?.(`queue ${name}: ${e.message}`));
      worker.on('failed', (job, e) => this.options.log?.(`task ${job?.id} failed (attempt ${job?.attemptsMade}): ${e.message}`));
      worker.on('completed', (job) => this.options.log?.(`task ${job.id} done`));
      this.workers.set(name, worker);
      this.options.log?.(`serving queue ${name}`);
    }
  }

  /** Finishes the tasks in hand and stops. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.timer) clearInterval(this.timer);
      await Promise.allSettled([...this.workers.values()].map((w) => w.close()));
      this.registry?.disconnect();
    })();
    return this.closing;
  }
}
