// foxden-test-needs: redis
/**
 * Progress on the BullMQ runner (issue 15): `foxden run --runner bullmq`
 * with stderr a pipe writes the same plain progress lines as the local
 * runner, fed by the workers' job progress and the coordinator's task
 * completions: bytes and documents with rates and ETA, and tasks done of the
 * phase's, up to all of them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REDIS, cleanupRedis, cli, demoFixture, demoPipeline, redisEnv, startWorker, stopWorkers, testPrefix } from './helpers.js';

test('foxden run --runner bullmq: plain progress lines with counts, rates and tasks on a pipe', { timeout: 10 * 60_000 }, async () => {
  const fixture = await demoFixture();
  const dir = await mkdtemp(join(tmpdir(), 'foxden-bullmq-progress-'));
  const prefix = testPrefix();
  const workers = [startWorker(REDIS, prefix, ['--concurrency', '2'])];
  try {
    const file = await demoPipeline(fixture, dir, { steps: 2 });
    const run = await cli(['run', file, '--runner', 'bullmq', '--redis', REDIS, '--out', join(dir, 'run')], { ...redisEnv(REDIS, prefix), FOXDEN_PROGRESS_INTERVAL: '0' }, { check: true });
    assert.match(run.stderr, /^\[1\/2\] ingest: \d+% [\d.]+ [KMG]?B\/[\d.]+ [KMG]?B, [\d.]+ [KMG]?B\/s, ETA [\d:?]+, \d+\/\d+ tasks, [\d,]+ docs \([\d.,k]+ docs\/s\)$/m, 'progress from the workers');
    const tasks = /^\[1\/2\] ingest: (\d+) task\(s\)/m.exec(run.stderr)![1];
    assert.match(run.stderr, new RegExp(`^\\[1/2\\] ingest: .*, ${tasks}/${tasks} tasks, `, 'm'), 'every task counted from the coordinator');
    assert.match(run.stderr, /^\[2\/2\] exact-dedup:filter: \d+ in -> \d+ out/m);
    assert.doesNotMatch(run.stderr, /\r|\x1b/);
  } finally {
    await stopWorkers(workers);
    await cleanupRedis(REDIS, prefix);
    await rm(dir, { recursive: true, force: true });
  }
});
