// foxden-test-needs: shared-corpus
/**
 * The SQL views over the Parquet sidecars give the same rows as the views
 * over the Arrow shards, on the demo run and on the shared-corpus run (real
 * pipelines through the real `foxden run`); every sidecar the markers name
 * is there with its recorded size and sha256, and a tampered one is refused
 * by name; each step's compacted sidecars are recorded, read by the views,
 * refused by name when tampered with, and repaired by the next run after a
 * crash between a step's last task and its compaction.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  COMPACTED_KINDS, SIDECAR_KINDS, compactedRecordPath, compactedSidecarPath, sidecarPath, sidecarSetDigest, type CompactedStep,
} from '@foxden/core';
import { openRunDatabase } from '../../packages/sql/src/run-database.js';
import { compareViews } from '../../packages/sql/test/compare-views.js';
import { demoFixture, referenceRun, runFoxden, scratchDir, sharedCorpusFixture } from './fixtures.js';
import { compareRuns, readSummary, recordedOutputs, sha256 } from './run-dir.js';

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
  // Every step that wrote token or drop shards compacted their sidecars into one file per kind, recorded with size and sha256.
  for (const [stepDir, kinds] of stepKinds(carrying)) {
    const record = JSON.parse(await readFile(join(runDir, compactedRecordPath(stepDir)), 'utf8')) as CompactedStep;
    assert.deepEqual(record.files.map((f) => f.kind), [...kinds].sort(), stepDir);
    for (const f of record.files) {
      const bytes = await readFile(join(runDir, f.path));
      assert.equal(bytes.length, f.bytes, f.path);
      assert.equal(sha256(bytes), f.sha256, f.path);
      const ofKind = carrying.filter((o) => o.kind === f.kind && o.path.startsWith(`${stepDir}/`));
      assert.equal(f.sources, sidecarSetDigest(ofKind), f.path);
      assert.equal(f.rows, ofKind.reduce((n, o) => n + o.rows, 0), f.path);
    }
  }
  const compared = await compareViews(runDir);
  assert.deepEqual(compared.problems, []);
  assert.deepEqual({ docs: compared.parquet['docs'], drops: compared.parquet['drops'] }, { docs: true, drops: true });
  assert.deepEqual(compared.compacted, { tokens: true, drops: true });
  assert.ok((compared.rows['docs'] ?? 0) > 0 && (compared.rows['drops'] ?? 0) > 0);
}

/** Step directories with the compacted kinds of their outputs. */
function stepKinds(outputs: readonly { path: string; kind: string }[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const o of outputs) {
    if (!COMPACTED_KINDS.includes(o.kind)) continue;
    const stepDir = o.path.split('/').slice(0, 2).join('/');
    if (!out.has(stepDir)) out.set(stepDir, new Set());
    out.get(stepDir)!.add(o.kind);
  }
  return out;
}

test('demo run: the views over the sidecars equal the views over the Arrow shards; docs.extraction is each document\'s meta.extraction from ingest', async () => {
  const runDir = await referenceRun((await demoFixture()).pipelineFile);
  await checkRun(runDir);
  const db = await openRunDatabase(runDir);
  try {
    const methods = await db.query('SELECT extraction, count(*) FROM docs GROUP BY 1 ORDER BY 2 DESC');
    assert.ok(methods.rows.some(([m]) => m === 'main'), JSON.stringify(methods.rows));
    const differing = await db.query(`SELECT count(*) FROM docs d JOIN (
        SELECT id, json_extract_string(meta, '$.extraction') AS extraction FROM foxden_shards('documents') WHERE _step = 'ingest'
      ) i ON i.id = d.id WHERE d.extraction IS DISTINCT FROM i.extraction`);
    assert.equal(differing.rows[0]![0], 0);
  } finally {
    await db.close();
  }
});

test('shared-corpus run: the views over the sidecars equal the views over the Arrow shards; a tampered sidecar or compacted file is refused by name', async () => {
  const reference = await referenceRun((await sharedCorpusFixture()).pipelineFile);
  await checkRun(reference);
  const dir = await scratchDir('sql-sidecars');
  const runDir = join(dir, 'run');
  await cp(reference, runDir, { recursive: true });
  const tamper = async (file: string) => {
    const bytes = await readFile(file);
    const changed = Buffer.from(bytes);
    changed[bytes.length >> 1] = changed[bytes.length >> 1]! ^ 0x20;
    await writeFile(file, changed);
    return bytes;
  };
  // A task sidecar: refused where the views read the task sidecars (its step's compacted file holds the same rows).
  const drop = [...(await recordedOutputs(runDir)).values()].find((o) => o.kind === 'drops' && o.rows > 0)!;
  const file = join(runDir, drop.sidecar!.path);
  await tamper(file);
  assert.equal((await stat(file)).size, drop.sidecar!.bytes);
  await assert.rejects(openRunDatabase(runDir, { compacted: false }), (e: Error) => e.message.includes(file) && /sha256/.test(e.message));
  // The step's compacted file: refused by default.
  const stepDir = drop.path.split('/').slice(0, 2).join('/');
  const compacted = join(runDir, compactedSidecarPath(stepDir, 'drops'));
  await tamper(compacted);
  await assert.rejects(openRunDatabase(runDir), (e: Error) => e.message.includes(compacted) && /compacted Parquet file .* has sha256/.test(e.message));
  await rm(dir, { recursive: true, force: true });
});

test('a crash between a step\'s last task and its compaction (or a tampered compacted file) is repaired by the next foxden run, byte for byte', async () => {
  const fixture = await sharedCorpusFixture();
  const reference = await referenceRun(fixture.pipelineFile);
  const dir = await scratchDir('sql-compaction-repair');
  const runDir = join(dir, 'run');
  await cp(reference, runDir, { recursive: true });
  const steps = (await readdir(join(runDir, 'steps'))).sort();
  const compactedSteps = steps.filter((s) => existsSync(join(runDir, 'steps', s, 'compacted.json')));
  assert.ok(compactedSteps.length >= 2, `steps with compacted sidecars: ${compactedSteps.join(', ')}`);
  // Every task's marker is there but no step got to its compaction; one compacted file changed on disk.
  for (const s of compactedSteps.slice(1)) {
    await rm(join(runDir, 'steps', s, 'compacted.json'));
    await rm(join(runDir, 'steps', s, 'compacted'), { recursive: true });
  }
  const firstRecord = JSON.parse(await readFile(join(runDir, 'steps', compactedSteps[0]!, 'compacted.json'), 'utf8')) as CompactedStep;
  const first = join(runDir, firstRecord.files[0]!.path);
  const bytes = await readFile(first);
  await writeFile(first, Buffer.concat([bytes, Buffer.from('x')]));
  await assert.rejects(openRunDatabase(runDir), (e: Error) => e.message.includes(first));
  const resumed = await runFoxden(['run', fixture.pipelineFile, '--out', runDir, '--workers', '1']);
  assert.equal(resumed.code, 0, resumed.stderr.slice(-3000));
  assert.equal((await readSummary(runDir)).tasks_run, 0, 'no task is redone');
  assert.deepEqual(await compareRuns(reference, runDir), []);
  await checkRun(runDir);
  await rm(dir, { recursive: true, force: true });
});
