// foxden-test-needs: redis
/**
 * Same result (issue #7): the demo pipeline on the BullMQ runner, coordinated
 * from this process and run by 2 `foxden worker` processes, gives shards and
 * manifests byte-identical to the local runner's; worker progress reaches the
 * same ConsoleReporter the local runner uses; `foxden status` shows the run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { stepPackageUrls } from '@foxden/cli';
import { ConsoleReporter, StepRegistry, loadPipeline, runPipeline, type RunReporter } from '@foxden/pipeline';
import { writeRunParquet } from '@foxden/sql';
import { QueueExecutor } from '../../runners/bullmq/src/index.js';
import {
  REDIS, startTwoWorkerRun, checkAccounting, cleanupRedis, cli, countKeys, digestDifferences, outputDigest, redisEnv,
  stopWorkers,
} from './helpers.js';

test('demo pipeline on BullMQ with 2 workers is byte-identical to the local runner, with progress and status', { timeout: 10 * 60_000 }, async () => {
  const { dir, prefix, workers, file, reference } = await startTwoWorkerRun('same');
  try {
    const runDir = join(dir, 'run');
    const registry = await StepRegistry.load(stepPackageUrls());
    const pipeline = await loadPipeline(file, { registry, output: runDir });
    let console = '';
    const display = new ConsoleReporter({ stream: { write: (s: string) => ((console += s), true), isTTY: false } as unknown as NodeJS.WriteStream, logIntervalSeconds: 0 });
    const progressByStep = new Map<string, { documents: number; bytes: number }>();
    let current = '';
    const reporter: RunReporter = {
      stepStart: (info) => {
        current = info.step;
        display.stepStart(info);
      },
      progress: (d) => {
        const p = progressByStep.get(current) ?? { documents: 0, bytes: 0 };
        p.documents += d.documents ?? 0;
        p.bytes += d.bytes ?? 0;
        progressByStep.set(current, p);
        display.progress(d);
      },
      stepEnd: (s) => display.stepEnd(s),
      log: (m) => display.log(m),
    };
    const executor = await QueueExecutor.create({ url: REDIS, prefix, runDir, pipelineName: pipeline.name });
    let summary;
    try {
      // As `foxden run` does: Parquet views for SQL after the last step.
      summary = await runPipeline(pipeline, registry, { executor, reporter, afterRun: async (d) => void (await writeRunParquet(d)) });
    } finally {
      await executor.close();
    }
    assert.equal(summary.runner, 'bullmq');
    assert.ok(summary.tasks_run > 50, `${summary.tasks_run} tasks ran`);

    const [ours, theirs] = await Promise.all([outputDigest(runDir), outputDigest(reference)]);
    assert.ok(Object.keys(theirs.files).some((p) => p.endsWith('.arrow')) && Object.keys(theirs.files).includes('curriculum.json'));
    assert.deepEqual(digestDifferences(ours, theirs), [], 'outputs differ from the local runner');
    assert.deepEqual(ours.temporary, []);
    const checked = await checkAccounting(runDir);
    assert.ok(checked.includes('ingest') && checked.includes('tokenize'), `row-level accounting checked ${checked.join(', ')}`);

    // Workers' progress drives the local runner's display: ingest reports every record it reads.
    const ingest = summary.steps.find((s) => s.step === 'ingest')!;
    const seen = progressByStep.get('ingest');
    assert.ok(seen && seen.documents >= 0.9 * ingest.documents_in && seen.documents <= ingest.documents_in, `ingest progress ${seen?.documents} of ${ingest.documents_in}`);
    assert.ok(seen.bytes > 0);
    assert.match(console, /\[1\/11\] ingest: \d+% [\d.]+ [KMG]?B\/[\d.]+ [KMG]?B, [\d.]+ [KMG]?B\/s, ETA [\d:?]+, \d+\/\d+ tasks, [\d,]+ docs \([\d.,k]+ docs\/s\)/, 'progress lines from worker events');
    assert.match(console, /\[11\/11\] curriculum:manifest: \d+ in -> \d+ out/);

    // foxden status: every task done, none failed, for every step.
    const status = await cli(['status', runDir, '--json', '--redis', REDIS], redisEnv(REDIS, prefix), { check: true });
    const parsed = JSON.parse(status.stdout) as { queue: string; steps: Record<string, { done: number; failed: number; waiting: number; active: number }> };
    assert.equal(Object.keys(parsed.steps).length, 11);
    const totalDone = Object.values(parsed.steps).reduce((n, s) => n + s.done, 0);
    assert.equal(totalDone, summary.tasks_run);
    for (const [step, s] of Object.entries(parsed.steps)) assert.deepEqual([s.failed, s.waiting, s.active], [0, 0, 0], step);
    const table = await cli(['status', runDir, '--redis', REDIS], redisEnv(REDIS, prefix), { check: true });
    assert.match(table.stdout, /^queue run-demo-/);
    assert.match(table.stdout, /\ntokenize\s+0\s+0\s+0\s+5\s+0\s+0\n/);
  } finally {
    await stopWorkers(workers);
    await cleanupRedis(REDIS, prefix);
    assert.equal(await countKeys(REDIS, prefix), 0);
    await rm(dir, { recursive: true, force: true });
  }
});
