// foxden-test-needs: redis
/**
 * Worker crash (issue #7): SIGKILL a `foxden worker` while it writes a task's
 * shard, several times across different steps, starting a fresh worker each
 * time. The run completes, its outputs are byte-identical to the local
 * runner's, and no document is lost or duplicated.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  REDIS, startTwoWorkerRun, checkAccounting, cleanupRedis, cli, digestDifferences, outputDigest, readSummary, redisEnv,
  spawnCli, startWorker, stopWorkers, temporaryFiles,
} from './helpers.js';

/** Steps with tasks long enough to be caught mid-write; one kill each. */
const TARGETS = ['00-ingest', '01-exact-dedup', '02-near-dedup', '08-classifier', '09-tokenize'];

test('SIGKILLed workers mid-task: the run completes with the same outputs and nothing lost or duplicated', { timeout: 10 * 60_000 }, async (t) => {
  const { dir, prefix, workers, file, reference } = await startTwoWorkerRun('crash');
  try {
    const runDir = join(dir, 'run');
    const run = spawnCli(['run', file, '--out', runDir, '--runner', 'bullmq', '--redis', REDIS], redisEnv(REDIS, prefix));
    let finished = false;
    void run.done.then(() => (finished = true));
    const kills: { step: string; pid: number; file: string }[] = [];
    const killed = new Set<string>();
    while (!finished) {
      const live = new Map(workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null).map((w) => [w.child.pid!, w]));
      for (const t of await temporaryFiles(runDir)) {
        const worker = live.get(t.pid);
        if (!worker || killed.has(t.step) || !TARGETS.includes(t.step)) continue;
        worker.child.kill('SIGKILL');
        killed.add(t.step);
        kills.push({ step: t.step, pid: t.pid, file: t.path });
        workers.push(startWorker(REDIS, prefix));
        break;
      }
      await new Promise((r) => setTimeout(r, 40));
    }
    const result = await run.done;
    t.diagnostic(`killed: ${kills.map((k) => `${k.step} (pid ${k.pid}, writing ${k.file.split('/').pop()})`).join('; ')}`);
    assert.equal(result.code, 0, `run failed:\n${result.stderr.slice(-3000)}`);
    assert.ok(kills.length >= 3 && new Set(kills.map((k) => k.step)).size >= 3, `killed mid-task ${kills.length} time(s): ${JSON.stringify(kills)}`);

    const [ours, theirs] = await Promise.all([outputDigest(runDir), outputDigest(reference)]);
    assert.deepEqual(digestDifferences(ours, theirs), [], 'outputs differ from a clean run');
    // Half-written files stay behind under temporary names (nothing reads them), but only from the killed
    // writers (a kill can also land just after the rename, leaving nothing).
    const killedPids = new Set(kills.map((k) => k.pid));
    for (const t of ours.temporary) assert.ok(killedPids.has(Number(/\.tmp-(\d+)-/.exec(t)?.[1])), `${t} left by a worker that was not killed`);
    await checkAccounting(runDir);
    const summary = await readSummary(runDir);
    assert.equal(summary.tasks_skipped, 0);

    // The killed tasks were taken over after their lock expired: status counts them as retries.
    const status = JSON.parse((await cli(['status', runDir, '--json', '--redis', REDIS], redisEnv(REDIS, prefix), { check: true })).stdout) as { steps: Record<string, { retries: number; failed: number }> };
    const retries = Object.values(status.steps).reduce((n, s) => n + s.retries, 0);
    assert.ok(retries >= kills.length, `status shows ${retries} retries for ${kills.length} kills`);
    assert.ok(Object.values(status.steps).every((s) => s.failed === 0));
  } finally {
    await stopWorkers(workers);
    await cleanupRedis(REDIS, prefix);
    await rm(dir, { recursive: true, force: true });
  }
});
