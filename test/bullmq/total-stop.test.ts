// foxden-test-needs: redis
/**
 * Total stop (issue #7): the coordinator and every worker are SIGKILLed in the
 * middle of a run; starting them again resumes it (completed tasks are
 * skipped, tasks that were in flight are taken over once their locks expire)
 * and it completes with the local runner's outputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  REDIS, startTwoWorkerRun, checkAccounting, cleanupRedis, digestDifferences, outputDigest, readSummary, redisEnv, spawnCli,
  startWorker, stopWorkers, temporaryFiles, waitFor,
} from './helpers.js';

test('kill the coordinator and all workers mid-run, start again: the run resumes and gives the same outputs', { timeout: 10 * 60_000 }, async () => {
  const { dir, prefix, workers, file, reference } = await startTwoWorkerRun('stop');
  try {
    const runDir = join(dir, 'run');
    const args = ['run', file, '--out', runDir, '--runner', 'bullmq', '--redis', REDIS];
    const first = spawnCli(args, redisEnv(REDIS, prefix));
    await waitFor('a task of language or later in progress', async () => {
      if (first.child.exitCode !== null) throw new Error(`run ended early:\n${first.output()}`);
      return (await temporaryFiles(runDir)).find((t) => t.step >= '03');
    });
    first.child.kill('SIGKILL');
    for (const w of workers) w.child.kill('SIGKILL');
    await Promise.all([first.done, ...workers.map((w) => w.done)]);

    workers.push(startWorker(REDIS, prefix), startWorker(REDIS, prefix));
    const second = await spawnCli(args, redisEnv(REDIS, prefix)).done;
    assert.equal(second.code, 0, `resumed run failed:\n${second.stderr.slice(-3000)}`);
    const summary = await readSummary(runDir);
    assert.ok(summary.tasks_skipped >= 5, `${summary.tasks_skipped} tasks were already complete`);
    assert.ok(summary.tasks_run > 0);

    const [ours, theirs] = await Promise.all([outputDigest(runDir), outputDigest(reference)]);
    assert.deepEqual(digestDifferences(ours, theirs), [], 'resumed outputs differ from a clean run');
    await checkAccounting(runDir);
  } finally {
    await stopWorkers(workers);
    await cleanupRedis(REDIS, prefix);
    await rm(dir, { recursive: true, force: true });
  }
});
