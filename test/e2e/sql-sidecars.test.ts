// foxden-test-needs: shared-corpus
/**
 * The SQL views over the Parquet sidecars give the same rows as the views
 * over the Arrow shards, on the demo run and on the shared-corpus run (real
 * pipelines through the real `foxden run`); every sidecar the markers name
 * is there with its recorded size and sha256, and a tampered one is refused
 * by name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SIDECAR_KINDS, sidecarPath } from '@foxden/core';
import { openRunDatabase } from '../../packages/sql/src/run-database.js';
import { compareViews } from '../../packages/sql/test/compare-views.js';
import { demoFixture, referenceRun, scratchDir, sharedCorpusFixture } from './fixtures.js';
import { recordedOutputs, sha256 } from './run-dir.js';

async function checkRun(runDir: string): Promise<void> {
  const outputs = [...(await recordedOutputs(runDir)).values()];
  const carrying = outputs.filter((o) => SIDECAR_KINDS.includes(o.kind));
  assert.ok(carrying.some((o) => o.kind === 'tokens') && carrying.some((o) => o.kind === 'drops'));
  for (const o of carrying) {
    assert.ok(o.sidecar, `${o.path} has no sidecar recorded`);
    assert.equal(o.sidecar.path, sidecarPath(o.path));
    const bytes = await readFile(join(runDir, o.sidecar.path));
    assert.equal(bytes.length, o.sidecar.bytes, o.sidecar.path);
    assert.equal(sha256(bytes), o.sidecar.sha256, o.sidecar.path);
  }
  for (const o of outputs.filter((x) => !SIDECAR_KINDS.includes(x.kind))) assert.equal(o.sidecar, undefined, o.path);
  const compared = await compareViews(runDir);
  assert.deepEqual(compared.problems, []);
  assert.deepEqual({ docs: compared.parquet['docs'], drops: compared.parquet['drops'] }, { docs: true, drops: true });
  assert.ok((compared.rows['docs'] ?? 0) > 0 && (compared.rows['drops'] ?? 0) > 0);
}

test('demo run: the views over the sidecars equal the views over the Arrow shards', async () => {
  await checkRun(await referenceRun((await demoFixture()).pipelineFile));
});

test('shared-corpus run: the views over the sidecars equal the views over the Arrow shards; a tampered sidecar is refused by name', async () => {
  const reference = await referenceRun((await sharedCorpusFixture()).pipelineFile);
  await checkRun(reference);
  const dir = await scratchDir('sql-sidecars');
  const runDir = join(dir, 'run');
  await cp(reference, runDir, { recursive: true });
  const drop = [...(await recordedOutputs(runDir)).values()].find((o) => o.kind === 'drops' && o.rows > 0)!;
  const file = join(runDir, drop.sidecar!.path);
  const bytes = await readFile(file);
  const changed = Buffer.from(bytes);
  changed[bytes.length >> 1] = changed[bytes.length >> 1]! ^ 0x20;
  await writeFile(file, changed);
  assert.equal((await stat(file)).size, drop.sidecar!.bytes);
  await assert.rejects(openRunDatabase(runDir), (e: Error) => e.message.includes(file) && /sha256/.test(e.message));
  await rm(dir, { recursive: true, force: true });
});
