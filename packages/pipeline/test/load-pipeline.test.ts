import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FoxdenError, type StepModule } from '@foxden/core';
import { StepRegistry, loadPipeline, stepFingerprints } from '../src/index.js';

// A registry of the real ingest step: the loader validates params against its schema.
async function registry(): Promise<StepRegistry> {
  return StepRegistry.load([import.meta.resolve('@foxden/ingest/step')]);
}

async function setup(yaml: string): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'foxden-pipeline-'));
  await mkdir(join(dir, 'data', 'sub'), { recursive: true });
  await writeFile(join(dir, 'data', 'a.jsonl'), '{"text":"a"}\n');
  await writeFile(join(dir, 'data', 'sub', 'b.jsonl'), '{"text":"b"}\n');
  const file = join(dir, 'p.yaml');
  await writeFile(file, yaml);
  return { dir, file };
}

function badConfig(pattern: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof FoxdenError, `expected FoxdenError, got ${String(e)}`);
    assert.equal(e.code, 'BAD_CONFIG');
    assert.match(e.message, pattern);
    return true;
  };
}

test('a valid pipeline resolves inputs, output, seed and applies param defaults', async () => {
  const { dir, file } = await setup('name: t\nseed: 5\ninputs: [data]\noutput: out\nsteps:\n  - name: ingest\n    type: ingest\n');
  const p = await loadPipeline(file, { registry: await registry() });
  assert.equal(p.seed, 5);
  assert.equal(p.output, join(dir, 'out'));
  assert.deepEqual(p.inputs.map((i) => i.source), ['a.jsonl', 'sub/b.jsonl']);
  assert.equal(p.steps[0]!.params['language_id'], true);
  assert.equal(p.steps[0]!.params['jsonl_text_field'], 'text|content|raw_content');
  assert.ok(Object.isFrozen(p.steps[0]!.params));
});

test('globs resolve relative to the pipeline file and name sources from the static base', async () => {
  const { file } = await setup('name: t\ninputs: ["data/**/*.jsonl"]\noutput: out\nsteps:\n  - {name: ingest, type: ingest}\n');
  const p = await loadPipeline(file, { registry: await registry() });
  assert.deepEqual(p.inputs.map((i) => i.source), ['a.jsonl', 'sub/b.jsonl']);
});

test('an unknown step type is named with its path and the known types', async () => {
  const { file } = await setup('name: t\ninputs: [data]\noutput: out\nsteps:\n  - {name: ingest, type: ingest}\n  - {name: x, type: frobnicate}\n');
  await assert.rejects(loadPipeline(file, { registry: await registry() }), badConfig(/p\.yaml: \/steps\/1\/type: unknown step type 'frobnicate'; expected one of ingest/));
});

test('a wrong param type names the file, the field path and what was expected', async () => {
  const { file } = await setup('name: t\ninputs: [data]\noutput: out\nsteps:\n  - name: ingest\n    type: ingest\n    params: {min_chars: "many", colour: red}\n');
  await assert.rejects(loadPipeline(file, { registry: await registry() }), (e: unknown) => {
    badConfig(/p\.yaml: \/steps\/0\/params\/min_chars: must be integer/)(e);
    badConfig(/p\.yaml: \/steps\/0\/params: has unknown field 'colour'/)(e);
    return true;
  });
});

test('a missing input, a pattern matching nothing and a missing output are errors before any work', async () => {
  const { file } = await setup('name: t\ninputs: [nope.warc.gz]\noutput: out\nsteps:\n  - {name: ingest, type: ingest}\n');
  await assert.rejects(loadPipeline(file, { registry: await registry() }), badConfig(/\/inputs: input 'nope.warc.gz' does not exist/));
  const g = await setup('name: t\ninputs: ["data/*.warc"]\noutput: out\nsteps:\n  - {name: ingest, type: ingest}\n');
  await assert.rejects(loadPipeline(g.file, { registry: await registry() }), badConfig(/pattern 'data\/\*\.warc' matches no files/));
  const o = await setup('name: t\ninputs: [data]\nsteps:\n  - {name: ingest, type: ingest}\n');
  await assert.rejects(loadPipeline(o.file, { registry: await registry() }), badConfig(/\/output: no output directory/));
});

test('structural errors: missing steps, bad YAML, duplicate step names, unknown top-level fields', async () => {
  const a = await setup('name: t\ninputs: [data]\noutput: out\n');
  await assert.rejects(loadPipeline(a.file, { registry: await registry() }), badConfig(/p\.yaml: \/: must have required property 'steps'/));
  const b = await setup('name: t\nsteps: [\n');
  await assert.rejects(loadPipeline(b.file, { registry: await registry() }), badConfig(/not valid YAML/));
  const c = await setup('name: t\ninputs: [data]\noutput: out\nsteps:\n  - {name: a, type: ingest}\n  - {name: a, type: ingest}\n');
  await assert.rejects(loadPipeline(c.file, { registry: await registry() }), badConfig(/\/steps\/1\/name: step name 'a' is used twice/));
  const d = await setup('name: t\nseeds: 3\ninputs: [data]\noutput: out\nsteps:\n  - {name: a, type: ingest}\n');
  await assert.rejects(loadPipeline(d.file, { registry: await registry() }), badConfig(/has unknown field 'seeds'/));
});

test('command-line inputs and output replace the file\'s; fingerprints change with params and seed', async () => {
  const { dir, file } = await setup('name: t\ninputs: [data]\noutput: out\nsteps:\n  - {name: ingest, type: ingest}\n');
  const reg = await registry();
  const p = await loadPipeline(file, { registry: reg, inputs: ['data/a.jsonl'], output: 'elsewhere', cwd: dir });
  assert.deepEqual(p.inputs.map((i) => i.source), ['a.jsonl']);
  assert.equal(p.output, join(dir, 'elsewhere'));
  const q = await loadPipeline(file, { registry: reg, seed: 9 });
  assert.notDeepEqual(stepFingerprints(p), stepFingerprints(q));
  assert.deepEqual(stepFingerprints(q), stepFingerprints(await loadPipeline(file, { registry: reg, seed: 9 })));
});

test('a registry refuses a step type registered twice', () => {
  const reg = new StepRegistry();
  const step = { type: 'x', description: '', paramsSchema: {}, outputColumns: () => [], phases: [] } as StepModule;
  reg.add(step, 'a');
  assert.throws(() => reg.add(step, 'b'), /registered twice/);
});
