// foxden-test-needs: redis
/**
 * Redis restart (issue #7): the test's own redis-server (no persistence) is
 * killed in the middle of a run and started again on the same port, losing
 * every queue key. Workers reconnect, the coordinator queues again the jobs
 * Redis forgot (completion markers make that safe), and the run completes
 * with the local runner's outputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  OwnRedis, checkAccounting, demoFixture, demoPipeline, digestDifferences, outputDigest, redisEnv, referenceRun, spawnCli, startWorker,
  stopWorkers, temporaryFiles, testPrefix, waitFor, type Spawned,
} from './helpers.js';

test('a Redis restart mid-run: workers reconnect and the run completes with the same outputs', { timeout: 10 * 60_000 }, async () => {
  const fixture = await demoFixture();
  const dir = await mkdtemp(join(tmpdir(), 'foxden-bullmq-redis-'));
  const redis = await OwnRedis.start();
  const prefix = testPrefix();
  const workers: Spawned[] = [startWorker(redis.url, prefix), startWorker(redis.url, prefix)];
  try {
    const file = await demoPipeline(fixture, dir);
    const reference = await referenceRun(fixture, file);
    const runDir = join(dir, 'run');
    const run = spawnCli(['run', file, '--out', runDir, '--runner', 'bullmq', '--redis', redis.url], redisEnv(redis.url, prefix));
    // Restart while a task of a later step is being written (jobs queued, active and done all exist then).
    const busy = await waitFor('a task of near-dedup or later in progress', async () => {
      if (run.child.exitCode !== null) throw new Error(`run ended early:\n${run.output()}`);
      return (await temporaryFiles(runDir)).find((t) => t.step >= '02');
    });
    await redis.kill();
    await new Promise((r) => setTimeout(r, 1500));
    await redis.up();
    const result = await run.done;
    assert.equal(result.code, 0, `run failed:\n${result.stderr.slice(-3000)}`);
    assert.match(result.stderr, /is not in the queue any more; queuing it again/, 'the coordinator re-queued the jobs Redis lost');
    assert.ok(workers.every((w) => w.child.exitCode === null), 'workers survived the restart');

    const [ours, theirs] = await Promise.all([outputDigest(runDir), outputDigest(reference)]);
    assert.deepEqual(digestDifferences(ours, theirs), [], `outputs differ after a Redis restart during ${busy.step}`);
    await checkAccounting(runDir);
  } finally {
    await stopWorkers(workers);
    await redis.kill();
    await rm(dir, { recursive: true, force: true });
  }
});
