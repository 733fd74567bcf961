/**
 * Corrupt-shard recovery on the local runner (the BullMQ twin is
 * test/bullmq/poison-dashboard.test.ts). A document shard of ingest is
 * changed after ingest completed; the exact-dedup task that reads it fails
 * with CORRUPT_INTERMEDIATE, and the orchestrator clears the marker of the
 * task that wrote the file the error names in its `file` field (a field sent
 * from the worker thread, not a path found in the message), so the next run
 * redoes that task and finishes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkAccounting, cli, corruptFile, demoFixture, demoPipeline, outputDigest, readSummary } from '../bullmq/helpers.js';

test('a corrupt shard of an earlier step: the run fails naming it, its producer is redone on the next run, with the same bytes', { timeout: 5 * 60_000 }, async () => {
  const fixture = await demoFixture();
  const dir = await mkdtemp(join(tmpdir(), 'foxden-corrupt-'));
  try {
    const inputs = [join(fixture.corpus, 'books.jsonl.gz'), join(fixture.corpus, 'brown.jsonl')];
    const ingestOnly = await demoPipeline(fixture, dir, { steps: 1, inputs, name: 'ingest-only' });
    const threeSteps = await demoPipeline(fixture, dir, { steps: 3, inputs, name: 'three-steps' });
    const runDir = join(dir, 'run');
    const run = (file: string) => cli(['run', file, '--out', runDir, '--workers', '2']);
    assert.equal((await run(ingestOnly)).code, 0);
    const path = 'steps/00-ingest/documents/main-00001.arrow';
    const good = (await outputDigest(runDir)).files[path];
    assert.ok(good);
    await corruptFile(join(runDir, path));

    const failed = await run(threeSteps);
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(failed.stderr, /exact-dedup\/hash\/00001 .* failed after 1 attempt\(s\): \[CORRUPT_INTERMEDIATE\] shard \S+main-00001\.arrow has sha256/);
    assert.match(failed.stderr, /will be redone on the next run: ingest\/main-00001/);
    await assert.rejects(stat(join(runDir, 'steps/00-ingest/done/main-00001.json')), 'the producer of the corrupt shard is marked for redoing');
    await stat(join(runDir, 'steps/00-ingest/done/main-00000.json'));

    const fixed = await run(threeSteps);
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.equal((await readSummary(runDir)).tasks_skipped, 2, 'the good ingest task and the good hash task were not redone');
    assert.equal((await outputDigest(runDir)).files[path], good, 'the redone shard is the original');
    await checkAccounting(runDir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
