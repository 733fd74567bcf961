import { Redis } from 'ioredis';
import { FoxdenError } from '@foxden/core';

export interface RedisOptions {
  /** redis://[user:password@]host:port[/db], or rediss:// for TLS. Default redis://127.0.0.1:6379. */
  url?: string;
  /** Password, when not in the URL (or FOXDEN_REDIS_PASSWORD). */
  password?: string;
  /** Force TLS even for a redis:// URL. Default false. */
  tls?: boolean;
  /** Key prefix of every queue key, so several foxden installations can share a Redis. Default 'foxden'. */
  prefix?: string;
}

export interface ResolvedRedisOptions {
  url: string;
  password: string | undefined;
  tls: boolean;
  prefix: string;
}

export function resolveRedisOptions(options: RedisOptions = {}): ResolvedRedisOptions {
  const url = options.url ?? process.env['FOXDEN_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  if (!/^rediss?:\/\//.test(url)) throw new FoxdenError('BAD_CONFIG', `--redis must be a redis:// or rediss:// URL, got '${url}'`);
  const prefix = options.prefix ?? process.env['FOXDEN_REDIS_PREFIX'] ?? 'foxden';
  if (!/^[A-Za-z0-9_.-]+$/.test(prefix)) throw new FoxdenError('BAD_CONFIG', `Redis key prefix must be letters, digits, '.', '_' or '-', got '${prefix}'`);
  return { url, password: options.password ?? process.env['FOXDEN_REDIS_PASSWORD'], tls: options.tls ?? url.startsWith('rediss://'), prefix };
}

/**
 * Connection options for BullMQ. `maxRetriesPerRequest: null` makes commands
 * wait through a Redis restart instead of failing, and the retry strategy
 * reconnects for ever with a capped backoff: workers outlive Redis restarts.
 */
export function bullConnection(options: ResolvedRedisOptions): Record<string, unknown> {
  return {
    url: options.url,
    ...(options.password ? { password: options.password } : {}),
    ...(options.tls ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: (times: number) => Math.min(200 * times, 2000),
  };
}

/** A plain ioredis client with the same settings, for foxden's own keys (the set of run queues). */
export function redisClient(options: ResolvedRedisOptions): Redis {
  return new Redis(options.url, {
    ...(options.password ? { password: options.password } : {}),
    ...(options.tls ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(200 * times, 2000),
  });
}

/** Redis set listing the queue of every run, so workers and the dashboard find them. */
export function queuesKey(prefix: string): string {
  return `${prefix}:foxden:queues`;
}
