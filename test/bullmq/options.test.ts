// foxden-test-needs: redis
/**
 * Redis options of the BullMQ runner (issue #7): a password-protected Redis
 * (the test's own redis-server with requirepass), the password given in the
 * URL to `foxden run` and by --password to `foxden worker`; every key the run
 * makes lies under its prefix; queue names are per run; bad options are
 * refused with a reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { FoxdenError } from '@foxden/core';
import { jobIdFor, queueNameFor, resolveRedisOptions, runStatus } from '../../runners/bullmq/src/index.js';
import { OwnRedis, cli, demoFixture, demoPipeline, readSummary, startWorker, stopWorkers, testPrefix } from './helpers.js';

test('a run on a password-protected Redis keeps every key under its prefix', { timeout: 5 * 60_000 }, async () => {
  const fixture = await demoFixture();
  const dir = await mkdtemp(join(tmpdir(), 'foxden-bullmq-options-'));
  const password = 'fox-secret-7';
  const redis = await OwnRedis.start({ password });
  const prefix = testPrefix();
  const authUrl = `redis://:${password}@127.0.0.1:${redis.port}`;
  const worker = startWorker(redis.url, prefix, ['--password', password, '--prefix', prefix]);
  try {
    const file = await demoPipeline(fixture, dir, { steps: 1, inputs: [join(fixture.corpus, 'brown.jsonl')], name: 'brown' });
    const runDir = join(dir, 'run');
    // Without the password the coordinator cannot register the run.
    const refused = await cli(['run', file, '--out', join(dir, 'refused'), '--runner', 'bullmq', '--redis', redis.url, '--quiet'], { FOXDEN_REDIS_PREFIX: prefix }, { timeoutMs: 60_000 });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /NOAUTH|Authentication required/i);

    const result = await cli(['run', file, '--out', runDir, '--runner', 'bullmq', '--redis', authUrl, '--quiet'], { FOXDEN_REDIS_PREFIX: prefix });
    assert.equal(result.code, 0, result.stderr);
    const summary = await readSummary(runDir);
    assert.equal(summary.runner, 'bullmq');
    assert.ok(summary.steps[0]!.documents_in > 0);

    const queue = (JSON.parse(await readFile(join(runDir, 'queue.json'), 'utf8')) as { queue: string; prefix: string });
    assert.deepEqual(queue, { queue: queueNameFor('demo', runDir), prefix });
    const status = await runStatus(runDir, { url: redis.url, password });
    assert.equal(status.steps['ingest']?.done, 1);

    const client = new Redis(authUrl);
    try {
      const keys = await client.keys('*');
      assert.ok(keys.length > 0);
      assert.deepEqual(keys.filter((k) => !k.startsWith(`${prefix}:`)), [], 'keys outside the prefix');
      assert.ok(keys.includes(`${prefix}:foxden:queues`));
      assert.ok(keys.some((k) => k.startsWith(`${prefix}:${queue.queue}:`)));
    } finally {
      client.disconnect();
    }
  } finally {
    await stopWorkers([worker]);
    await redis.kill();
    await rm(dir, { recursive: true, force: true });
  }
});

test('Redis options and names are checked and per run', () => {
  assert.throws(() => resolveRedisOptions({ url: 'http://localhost:6379' }), (e: unknown) => e instanceof FoxdenError && e.code === 'BAD_CONFIG' && /redis:\/\//.test(e.message));
  assert.throws(() => resolveRedisOptions({ prefix: 'a b' }), (e: unknown) => e instanceof FoxdenError && e.code === 'BAD_CONFIG');
  assert.equal(resolveRedisOptions({ url: 'rediss://h:6380' }).tls, true);
  assert.equal(resolveRedisOptions({ url: 'redis://h:6379', tls: true }).tls, true);
  assert.equal(queueNameFor('demo', '/runs/a'), queueNameFor('demo', '/runs/a'));
  assert.notEqual(queueNameFor('demo', '/runs/a'), queueNameFor('demo', '/runs/b'));
  assert.match(queueNameFor('my pipe:line', '/runs/a'), /^run-my_pipe_line-[0-9a-f]{10}$/);
  assert.equal(jobIdFor('near-dedup', 'buckets', '00003'), 'near-dedup.buckets.00003');
  assert.doesNotMatch(jobIdFor('a:b', 'c', 'd'), /:/);
});

test('foxden status on a run directory that was not run on BullMQ says so', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'foxden-bullmq-nostatus-'));
  try {
    const r = await cli(['status', dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /has no queue\.json: it was not run with --runner bullmq/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
