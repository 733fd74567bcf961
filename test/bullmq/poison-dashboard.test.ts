// foxden-test-needs: redis, chromium
/**
 * Poison task (issue #7) and the dashboard.
 *
 * A document shard of ingest is corrupted (bytes flipped) after ingest
 * completed; the exact-dedup task that reads it fails its sha256 check with
 * CORRUPT_INTERMEDIATE, a non-retryable error, so it fails at its first
 * attempt. The run ends with a report naming the task and the error, the
 * other tasks keep their markers, `foxden status` shows the failure, and the
 * dashboard (Bull Board, in headless Chromium) lists the run's jobs and the
 * error. The documented fix (remove the producing task's marker) followed by a
 * re-run redoes only the producer and what was missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import {
  REDIS, checkAccounting, cleanupRedis, cli, corruptFile, demoFixture, demoPipeline, outputDigest, readSummary, redisEnv, spawnCli, startWorker, stopWorkers,
  testPrefix, waitFor, type Spawned,
} from './helpers.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

test('a poison task ends the run with a report, keeps the other results, shows in status and the dashboard, and a fixed re-run finishes only what was missing', { timeout: 8 * 60_000 }, async () => {
  const fixture = await demoFixture();
  const dir = await mkdtemp(join(tmpdir(), 'foxden-bullmq-poison-'));
  const prefix = testPrefix();
  const env = redisEnv(REDIS, prefix);
  const workers: Spawned[] = [startWorker(REDIS, prefix, ['--concurrency', '2'])];
  let dashboard: Spawned | undefined;
  try {
    // JSONL inputs only: two ingest tasks, fast.
    const inputs = [join(fixture.corpus, 'books.jsonl.gz'), join(fixture.corpus, 'brown.jsonl')];
    const ingestOnly = await demoPipeline(fixture, dir, { steps: 1, inputs, name: 'ingest-only' });
    const threeSteps = await demoPipeline(fixture, dir, { steps: 3, inputs, name: 'three-steps' });
    const runDir = join(dir, 'run');
    const run = (file: string) => cli(['run', file, '--out', runDir, '--runner', 'bullmq', '--redis', REDIS], env);

    assert.equal((await run(ingestOnly)).code, 0);
    const shard = join(runDir, 'steps/00-ingest/documents/main-00001.arrow');
    const good = (await outputDigest(runDir)).files['steps/00-ingest/documents/main-00001.arrow'];
    assert.ok(good);
    await corruptFile(shard);

    const failed = await run(threeSteps);
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(failed.stderr, /step 'exact-dedup' phase 'hash': 1 of 2 tasks failed/);
    assert.match(failed.stderr, /exact-dedup\/hash\/00001 \(inputs: steps\/00-ingest\/documents\/main-00001\.arrow\) failed after 1 attempt\(s\): \[CORRUPT_INTERMEDIATE\] shard \S+main-00001\.arrow has sha256/);
    assert.match(failed.stderr, /will be redone on the next run: ingest\/main-00001/);
    // The other task of the phase kept its result; nothing after the failed phase ran.
    const kept = join(runDir, 'steps/01-exact-dedup/done/hash-00000.json');
    const keptBefore = await readFile(kept, 'utf8');
    const keptMtime = (await stat(kept)).mtimeMs;
    await assert.rejects(stat(join(runDir, 'steps/01-exact-dedup/done/hash-00001.json')));
    await assert.rejects(stat(join(runDir, 'steps/01-exact-dedup/done/decide-00000.json')));

    const status = await cli(['status', runDir, '--redis', REDIS], env);
    assert.equal(status.code, 1, 'status exits 1 when a task failed');
    // The coordinator cleared the marker of the ingest task that wrote the corrupt shard (so 1 done, not 2).
    assert.match(status.stdout, /\ningest\s+0\s+0\s+0\s+1\s+0\s+0\nexact-dedup\s+0\s+0\s+0\s+1\s+1\s+0\n\s+exact-dedup\.hash\.00001: \[CORRUPT_INTERMEDIATE\] shard /);

    // The dashboard lists the run's queue, its jobs, and the failed job's error.
    dashboard = spawnCli(['dashboard', '--redis', REDIS, '--port', '0'], env);
    const url = await waitFor('the dashboard URL', async () => {
      if (dashboard!.child.exitCode !== null) throw new Error(`dashboard exited:\n${dashboard!.output()}`);
      return /dashboard at (http:\/\/\S+)/.exec(dashboard!.output())?.[1];
    }, 60_000);
    const queue = (JSON.parse(await readFile(join(runDir, 'queue.json'), 'utf8')) as { queue: string }).queue;
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      await page.goto(url);
      await page.getByText(queue).first().waitFor({ timeout: 30_000 });
      await page.goto(`${url}queue/${queue}?status=failed`);
      await page.getByText('exact-dedup.hash.00001').first().waitFor({ timeout: 30_000 });
      await page.getByText(/CORRUPT_INTERMEDIATE/).first().waitFor({ timeout: 30_000 });
      await page.goto(`${url}queue/${queue}?status=completed`);
      await page.getByText('exact-dedup.hash.00000').first().waitFor({ timeout: 30_000 });
      await page.getByText('ingest.main.00000').first().waitFor({ timeout: 30_000 });
    } finally {
      await browser.close();
    }

    // The fix is automatic: the failed run cleared the producer's marker, so running again redoes it.
    await assert.rejects(stat(join(runDir, 'steps/00-ingest/done/main-00001.json')), 'the producer of the corrupt shard is marked for redoing');
    const fixed = await run(threeSteps);
    assert.equal(fixed.code, 0, fixed.stderr);
    const summary = await readSummary(runDir);
    assert.equal(summary.tasks_skipped, 2, 'the good ingest task and the good hash task were not redone');
    assert.equal((await outputDigest(runDir)).files['steps/00-ingest/documents/main-00001.arrow'], good, 'the redone shard is the original');
    assert.equal(await readFile(kept, 'utf8'), keptBefore);
    assert.equal((await stat(kept)).mtimeMs, keptMtime);
    await checkAccounting(runDir);
  } finally {
    if (dashboard && dashboard.child.exitCode === null) {
      dashboard.child.kill('SIGTERM');
      await dashboard.done;
    }
    await stopWorkers(workers);
    await cleanupRedis(REDIS, prefix);
    await rm(dir, { recursive: true, force: true });
  }
});
