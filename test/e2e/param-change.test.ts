/**
 * Changing a step's params redoes that step and every later one, and nothing
 * before it: `foxden run` of the first six steps of the demo pipeline, then
 * again with the fourth step's params changed. The first three steps' markers
 * are untouched (same mtimes, counted as skipped), the fourth to sixth are
 * written again, and the result is byte-identical to a fresh run of the
 * changed pipeline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { demoFixture, foxdenOk, scratchDir } from './fixtures.js';
import { compareRuns, readMarkers, readRunSteps, readSummary } from './run-dir.js';

/** Steps of the demo pipeline kept: ingest, exact-dedup, near-dedup (three phases), language, gopher-quality, gopher-repetition. */
const STEPS = 6;
/** The step whose params change: language. */
const CHANGED = 3;

async function markerTimes(runDir: string): Promise<Map<string, { step: number; mtimeMs: number }>> {
  const names = (await readRunSteps(runDir)).map((s) => s.name);
  const out = new Map<string, { step: number; mtimeMs: number }>();
  for (const m of await readMarkers(runDir)) {
    out.set(`${m.stepDir}/${m.key}`, { step: names.indexOf(m.step), mtimeMs: (await stat(join(runDir, m.stepDir, 'done', `${m.key}.json`))).mtimeMs });
  }
  return out;
}

test('changing a step\'s params redoes that step and every later one, and nothing before it', { timeout: 10 * 60_000 }, async () => {
  const fixture = await demoFixture();
  const dir = await scratchDir('param-change');
  const doc = parseYaml(await readFile(fixture.pipelineFile, 'utf8')) as { steps: { name: string; type: string; params?: Record<string, unknown> }[] };
  doc.steps = doc.steps.slice(0, STEPS);
  assert.equal(doc.steps[CHANGED]!.type, 'language-filter');
  const before = join(dir, 'before.yaml');
  await writeFile(before, stringifyYaml(doc));
  doc.steps[CHANGED]!.params = { ...doc.steps[CHANGED]!.params, min_score: 0.8 };
  const after = join(dir, 'after.yaml');
  await writeFile(after, stringifyYaml(doc));

  const runDir = join(dir, 'run');
  await foxdenOk(['run', before, '--out', runDir, '--workers', '2', '--quiet'], 'the first run');
  const first = await readSummary(runDir);
  const times = await markerTimes(runDir);
  const tasksBefore = [...times.values()].filter((t) => t.step < CHANGED).length;
  const tasksFrom = [...times.values()].filter((t) => t.step >= CHANGED).length;
  assert.ok(tasksBefore >= 3 && tasksFrom >= 3, `${tasksBefore} tasks before the changed step, ${tasksFrom} from it`);
  // Marker mtimes must be able to tell the runs apart.
  await new Promise((r) => setTimeout(r, 50));

  const changed = await foxdenOk(['run', after, '--out', runDir, '--workers', '2', '--quiet'], 'the run with changed params');
  const second = await readSummary(runDir);
  assert.equal(second.tasks_skipped, tasksBefore, 'the steps before the changed one are skipped, every task of them');
  assert.equal(second.tasks_run, tasksFrom, 'the changed step and the later ones run every task again');
  const again = await markerTimes(runDir);
  assert.deepEqual([...again.keys()].filter((k) => again.get(k)!.step < CHANGED), [...times.keys()].filter((k) => times.get(k)!.step < CHANGED));
  for (const [key, t] of again) {
    const old = times.get(key);
    if (t.step < CHANGED) assert.equal(t.mtimeMs, old?.mtimeMs, `${key} was written again`);
    else assert.ok(!old || t.mtimeMs > old.mtimeMs, `${key} was not written again`);
  }
  assert.deepEqual(second.steps.slice(0, CHANGED).map((s) => ({ ...s, seconds: 0 })), first.steps.slice(0, CHANGED).map((s) => ({ ...s, seconds: 0 })));
  assert.ok(second.steps[CHANGED]!.documents_out < first.steps[CHANGED]!.documents_out, 'the stricter language threshold drops more');
  assert.equal((await readRunSteps(runDir))[CHANGED]!.params['min_score'], 0.8);
  assert.equal(changed.code, 0);

  // What the redone steps left is what a fresh run of the changed pipeline writes.
  const fresh = join(dir, 'fresh');
  await foxdenOk(['run', after, '--out', fresh, '--workers', '2', '--quiet'], 'a fresh run of the changed pipeline');
  assert.deepEqual(await compareRuns(fresh, runDir), []);
  await rm(dir, { recursive: true, force: true });
});
