import { join } from 'node:path';
import { Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { FoxdenError, listCompletedTasks, readCompletedTask, taskKey, writeFileAtomic } from '@foxden/core';
import { largestFirst, type ExecutorEvents, type TaskExecutor, type TaskMessage, type TaskOutcome } from '@foxden/pipeline';
import { bullConnection, queuesKey, redisClient, resolveRedisOptions, type RedisOptions, type ResolvedRedisOptions } from './connection.js';
import { jobIdFor, queueNameFor } from './names.js';
import type { TaskJobData } from './task-job.js';

export interface QueueExecutorOptions extends RedisOptions {
  runDir: string;
  pipelineName: string;
  /** Attempts per task for retryable errors. Default 3. */
  attempts?: number;
  /** First retry delay in ms; doubles each attempt. Default 1000. */
  backoffMs?: number;
  /** How often the coordinator checks markers and job states, in ms. Default 250. */
  pollMs?: number;
  /** How long to wait for Redis to accept the run at the start before failing, in ms. Default 15000. */
  connectTimeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * The BullMQ runner's coordinator. Each phase's tasks become jobs on the
 * run's queue; any number of `foxden worker` processes run them. Phases are
 * barriers: the coordinator waits for every task of a phase before planning
 * the next (a coordinator rather than BullMQ flows, because a phase's tasks
 * are only known once the previous phase has finished: MinHash bands,
 * curriculum plans).
 *
 * The completion markers on the shared filesystem are the truth, not Redis:
 * a job that Redis lost (a restart without persistence) is queued again, and
 * a task whose marker exists is done whatever Redis says.
 */
export class QueueExecutor implements TaskExecutor {
  readonly name = 'bullmq';
  readonly queueName: string;
  private readonly redis: ResolvedRedisOptions;
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  /** Plain client for foxden's own key (the set of run queues). */
  private readonly registry: Redis;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly pollMs: number;
  private readonly signal: AbortSignal | undefined;
  private readonly runDir: string;
  private readonly progressSeen = new Map<string, { documents: number; bytes: number }>();
  private progressSink: ExecutorEvents['progress'] | null = null;
  private closed = false;

  private constructor(options: QueueExecutorOptions, redis: ResolvedRedisOptions, registry: Redis) {
    this.redis = redis;
    this.registry = registry;
    this.runDir = options.runDir;
    this.queueName = queueNameFor(options.pipelineName, options.runDir);
    this.attempts = options.attempts ?? 3;
    this.backoffMs = options.backoffMs ?? 1000;
    this.pollMs = options.pollMs ?? 250;
    this.signal = options.signal;
    const connection = bullConnection(this.redis);
    this.queue = new Queue(this.queueName, { connection, prefix: this.redis.prefix });
    this.events = new QueueEvents(this.queueName, { connection, prefix: this.redis.prefix });
    this.queue.on('error', () => undefined); // reconnects by itself; the poll loop reports lasting trouble
    this.events.on('error', () => undefined);
    this.events.on('progress', ({ jobId, data }) => this.onProgress(jobId, data));
  }

  static async create(options: QueueExecutorOptions): Promise<QueueExecutor> {
    const redis = resolveRedisOptions(options);
    const queueName = queueNameFor(options.pipelineName, options.runDir);
    // Redis is checked with a plain client before any BullMQ connection exists: a BullMQ QueueEvents
    // refused by Redis (a wrong password) retries for ever, even after close(), and keeps the process alive.
    const registry = redisClient(redis);
    let lastError: Error | undefined;
    registry.on('error', (e: Error) => (lastError = e));
    let timer: NodeJS.Timeout | undefined;
    try {
      // Commands wait through reconnects, so a Redis that refuses us would be waited on for ever: give up after connectTimeoutMs.
      const limit = options.connectTimeoutMs ?? 15_000;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${limit / 1000} s${lastError ? `; last error: ${lastError.message}` : ''}`)), limit);
      });
      await Promise.race([registry.sadd(queuesKey(redis.prefix), queueName), timeout]);
    } catch (error) {
      registry.disconnect();
      throw new FoxdenError('BAD_CONFIG', `Redis ${redis.url.replace(/\/\/[^@/]*@/, '//***@')}: ${(error as Error).message}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
    const executor = new QueueExecutor(options, redis, registry);
    await writeFileAtomic(join(options.runDir, 'queue.json'), JSON.stringify({ queue: executor.queueName, prefix: redis.prefix }, null, 2) + '\n');
    await executor.events.waitUntilReady();
    return executor;
  }

  private onProgress(jobId: string, data: unknown): void {
    const now = data as { documents?: number; bytes?: number } | null;
    if (!now || typeof now !== 'object' || !this.progressSink) return;
    const before = this.progressSeen.get(jobId) ?? { documents: 0, bytes: 0 };
    const delta = { documents: Math.max(0, (now.documents ?? 0) - before.documents), bytes: Math.max(0, (now.bytes ?? 0) - before.bytes) };
    this.progressSeen.set(jobId, { documents: now.documents ?? 0, bytes: now.bytes ?? 0 });
    this.progressSink(delta);
  }

  private async enqueue(message: TaskMessage, jobId: string): Promise<void> {
    const existing = await Job.fromId(this.queue, jobId);
    if (existing) {
      const state = await existing.getState();
      // Waiting or active: a worker has it or will take it (e.g. the coordinator restarted). Keep it.
      if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return;
      await existing.remove();
    }
    await this.queue.add(jobId, message, {
      jobId,
      attempts: this.attempts,
      backoff: { type: 'exponential', delay: this.backoffMs },
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }

  async runPhase(messages: readonly TaskMessage[], events: ExecutorEvents): Promise<TaskOutcome[]> {
    if (this.closed) throw new FoxdenError('INTERNAL', 'queue executor is closed');
    this.progressSink = events.progress;
    const ids = messages.map((m) => jobIdFor(m.context.stepName, m.context.phase, m.task.id));
    // Queued largest first: workers take jobs in queue order.
    for (const i of largestFirst(messages)) await this.enqueue(messages[i]!, ids[i]!);
    // Filled, not sparse: Array.prototype.some skips holes, and a sparse array would look finished.
    const outcomes: (TaskOutcome | undefined)[] = Array.from(messages, () => undefined);
    const first = messages[0];
    if (!first) return [];
    // A job failed by a processor that could not record its error (a worker that kept dying) gets one more look before it counts as INTERNAL.
    const failedUnrecorded = new Set<number>();
    let lastJobCheck = 0;
    let redisTrouble = 0;
    while (outcomes.some((o) => o === undefined)) {
      if (this.signal?.aborted) {
        return messages.map((_, i) => outcomes[i] ?? { ok: false, error: { code: 'ABORTED', message: 'coordinator interrupted; queued tasks stay queued' }, attempts: 0 });
      }
      const completed = new Set(await listCompletedTasks(this.runDir, first.context.stepDir));
      for (const [i, m] of messages.entries()) {
        if (outcomes[i]) continue;
        if (completed.has(taskKey(m.context.phase, m.task.id))) {
          const stats = await readCompletedTask(this.runDir, m.context.stepDir, m.context.phase, m.task.id);
          if (stats) {
            outcomes[i] = { ok: true, stats };
            events.taskDone(m, outcomes[i]!);
          }
        }
      }
      const now = Date.now();
      if (now - lastJobCheck > 1000) {
        lastJobCheck = now;
        try {
          // Registered again every check: a Redis restarted without persistence forgot the set, and workers started since find queues there.
          await this.registry.sadd(queuesKey(this.redis.prefix), this.queueName);
          for (const [i, m] of messages.entries()) {
            if (outcomes[i]) continue;
            const job = await Job.fromId<TaskJobData>(this.queue, ids[i]!);
            if (!job) {
              // Redis lost the job (restarted without persistence): queue it again; the marker check makes this safe.
              events.log(`task ${ids[i]} is not in the queue any more; queuing it again`);
              await this.enqueue(m, ids[i]!);
              continue;
            }
            const state = await job.getState();
            if (state === 'failed') {
              // Read again now that the state says failed: the copy above may predate the move to failed, with
              // the attempt it counts not counted yet ("failed after 0 attempt(s)"). A failed job's hash is final.
              const failed = (await Job.fromId<TaskJobData>(this.queue, ids[i]!)) ?? job;
              // The processor records the task's error in the job's data just before failing the job; the record may
              // reach Redis a moment after the state, so a failure without one is looked at again on the next check.
              const recorded = FoxdenError.recordOf(failed.data.failure);
              if (!recorded && !failedUnrecorded.has(i)) {
                failedUnrecorded.add(i);
                continue;
              }
              const error = recorded ?? { code: 'INTERNAL' as const, message: failed.failedReason || 'failed' };
              outcomes[i] = { ok: false, error, attempts: failed.attemptsMade };
              events.taskDone(m, outcomes[i]!);
            }
            // A job completed in Redis whose marker is not visible yet (the filesystem may lag) is seen by the next poll.
          }
          if (redisTrouble > 0) events.log('Redis answers again');
          redisTrouble = 0;
        } catch (error) {
          redisTrouble += 1;
          if (redisTrouble === 1 || redisTrouble % 20 === 0) events.log(`waiting for Redis: ${(error as Error).message}`);
        }
      }
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
    return outcomes as TaskOutcome[];
  }

  /**
   * Closes the coordinator's connections; queued jobs stay. Safe to call twice.
   * A close that has not finished after `graceMs` (Redis unreachable) drops the connections instead.
   */
  async close(graceMs = 10_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.registry.disconnect();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
    const closing = Promise.allSettled([this.events.close(), this.queue.close()]);
    if ((await Promise.race([closing, late])) === 'late') {
      await Promise.allSettled([this.events.disconnect(), this.queue.disconnect()]);
    }
    clearTimeout(timer);
  }
}

/** Factory in the shape the CLI's `run --runner bullmq` expects. */
export async function createQueueExecutor(options: {
  redis: string; runDir: string; pipelineName: string; signal: AbortSignal; prefix?: string; password?: string; tls?: boolean;
}): Promise<QueueExecutor> {
  return QueueExecutor.create({
    url: options.redis, runDir: options.runDir, pipelineName: options.pipelineName, signal: options.signal,
    ...(options.prefix ? { prefix: options.prefix } : {}),
    ...(options.password ? { password: options.password } : {}),
    ...(options.tls ? { tls: true } : {}),
  });
}
