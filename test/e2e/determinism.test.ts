/**
 * Determinism: the demo pipeline (pipelines/demo.yaml, every step from ingest
 * to curriculum, on the npm-built demo corpus) run twice by the real `foxden
 * run`, into two run directories, once on 2 worker threads and once on 1,
 * gives byte-identical shards, manifests and Parquet files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { REPO_ROOT, demoFixture, referenceRun, runFoxden, scratchDir } from './fixtures.js';
import { compareRuns, readJson, readSummary, recordedOutputs, temporaryFiles } from './run-dir.js';

test('the demo pipeline on 1 and on 2 worker threads gives byte-identical shards and manifests', async () => {
  const demo = await demoFixture();
  // Run 1: --workers 2 (the shared reference run).
  const reference = await referenceRun(demo.pipelineFile);
  // Run 2: --workers 1, into another directory.
  const dir = await scratchDir('determinism');
  const runDir = join(dir, 'run');
  const result = await runFoxden(['run', demo.pipelineFile, '--out', runDir, '--workers', '1']);
  assert.equal(result.code, 0, `foxden run --workers 1 failed:\n${result.stderr.slice(-3000)}`);

  const outputs = await recordedOutputs(runDir);
  const kinds = new Set([...outputs.values()].map((o) => o.kind));
  // The comparison covers every kind of output the pipeline makes, from raw documents to packed stages.
  for (const kind of ['documents', 'drops', 'tokens', 'stage', 'selection', 'manifest']) {
    assert.ok(kinds.has(kind), `the run has no '${kind}' outputs (kinds: ${[...kinds].join(', ')})`);
  }
  assert.ok(outputs.size > 100, `only ${outputs.size} outputs`);

  const differences = await compareRuns(reference, runDir);
  assert.deepEqual(differences, [], `runs differ:\n${differences.join('\n')}`);

  // The manifests by name, byte for byte, and valid against schemas/.
  const curriculum = await readFile(join(runDir, 'curriculum.json'));
  assert.ok(curriculum.equals(await readFile(join(reference, 'curriculum.json'))), 'curriculum.json differs');
  const manifestDir = 'steps/10-curriculum/manifests';
  const stageFiles = (await readdir(join(runDir, manifestDir))).filter((f) => f.startsWith('stage-')).sort();
  assert.deepEqual(stageFiles, ['stage-0-2k.json', 'stage-1-4k.json', 'stage-2-8k.json']);
  for (const f of stageFiles) {
    assert.ok((await readFile(join(runDir, manifestDir, f))).equals(await readFile(join(reference, manifestDir, f))), `${f} differs`);
  }
  const ajv = new Ajv({ allErrors: true, strict: false });
  const stageSchema = await readJson<object>(join(REPO_ROOT, 'schemas/stage-manifest.schema.json'));
  const curriculumSchema = await readJson<object>(join(REPO_ROOT, 'schemas/curriculum-manifest.schema.json'));
  const checkCurriculum = ajv.compile(curriculumSchema);
  assert.ok(checkCurriculum(JSON.parse(curriculum.toString('utf8'))), `curriculum.json: ${ajv.errorsText(checkCurriculum.errors)}`);
  const checkStage = ajv.compile(stageSchema);
  for (const f of stageFiles) {
    assert.ok(checkStage(await readJson(join(runDir, manifestDir, f))), `${f}: ${ajv.errorsText(checkStage.errors)}`);
  }

  const [a, b] = [await readSummary(reference), await readSummary(runDir)];
  assert.equal(b.balanced, true);
  assert.equal(b.tasks_skipped, 0, 'the second run must do all the work itself');
  assert.equal(a.documents_out, b.documents_out);
  assert.deepEqual(await temporaryFiles(runDir), []);
  await rm(dir, { recursive: true, force: true });
});
