import type { Server } from 'node:http';
import express from 'express';
import { Queue } from 'bullmq';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { bullConnection, queuesKey, redisClient, resolveRedisOptions, type RedisOptions } from './connection.js';

export interface DashboardOptions extends RedisOptions {
  /** Port to listen on; 0 picks a free one. Default 3000. */
  port?: number;
  /** Address to bind. Default 127.0.0.1 (the dashboard has no authentication). */
  host?: string;
}

export interface Dashboard {
  url: string;
  close(): Promise<void>;
}

/**
 * A web page of the run queues, their jobs and errors: Bull Board (a
 * well-kept BullMQ board) over every queue registered under the prefix.
 * Queues of runs started later appear on the next page load.
 */
export async function startDashboard(options: DashboardOptions = {}): Promise<Dashboard> {
  const redis = resolveRedisOptions(options);
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath('/');
  const queues = new Map<string, Queue>();
  const board = createBullBoard({ queues: [], serverAdapter, options: { uiConfig: { boardTitle: 'foxden' } } });
  const client = redisClient(redis);
  client.on('error', () => undefined);
  const refresh = async () => {
    const names = await client.smembers(queuesKey(redis.prefix));
    for (const name of names.sort()) {
      if (queues.has(name)) continue;
      const queue = new Queue(name, { connection: bullConnection(redis), prefix: redis.prefix });
      queues.set(name, queue);
      board.addQueue(new BullMQAdapter(queue as never, { readOnlyMode: false }) as never);
    }
  };
  await refresh();
  const app = express();
  app.use(async (_req, _res, next) => {
    await refresh().catch(() => undefined);
    next();
  });
  app.use('/', serverAdapter.getRouter());
  const host = options.host ?? '127.0.0.1';
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(options.port ?? 3000, host, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  let closed = false;
  return {
    url: `http://${host}:${port}/`,
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await Promise.allSettled([...queues.values()].map((q) => q.close()));
      client.disconnect();
    },
  };
}
