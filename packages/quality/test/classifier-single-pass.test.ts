import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DOCUMENT_COLUMNS, FoxdenError, type TaskContext } from '@foxden/core';
import { fastTextBinary, normalizeForFastText } from '@foxden/fasttext';
import { trainQualityClassifier } from '../src/classifier/train-classifier.js';
import { steps } from '../src/step.js';
import { spamAssassin } from './corpus.js';
import { doc, runStep, withDefaults, writeInput } from './harness.js';

const step = steps.find((s) => s.type === 'quality-classifier')!;
const mails = spamAssassin(['spam-1', 'spam-2', 'easy-ham-1', 'hard-ham-1'], 60);

const ready = (async () => {
  const dir = await mkdtemp(join(tmpdir(), 'foxden-quality-single-'));
  const input = join(dir, 'labelled.jsonl');
  await writeFile(input, mails.filter((_, i) => i % 3 !== 0).map((m) => JSON.stringify({ label: m.group.startsWith('spam') ? 'low' : 'high', text: m.text })).join('\n') + '\n');
  const model = join(dir, 'model.bin');
  await trainQualityClassifier({ input, out: model, holdout: 0, epoch: 5 });
  // Real mails plus documents that are awkward to score: empty, only marks, one huge line, non-Latin scripts.
  const docs = mails.map((m, i) => doc(`m${String(i).padStart(4, '0')}`, m.text));
  docs.push(doc('empty', ''), doc('marks', '!!! ... ???'), doc('huge', 'Buy NOW, free money! '.repeat(5_000)), doc('greek', 'ΟΔΟΣ ΚΑΙ ΣΟΦΙΑ. Ελληνικά κείμενα.'), doc('cjk', '中文文本，没有空格。'));
  return { dir, model, docs };
})();

describe('quality classifier, threshold mode (one pass)', () => {
  it('scores and filters in the filter phase alone, as the two-phase path would, byte for byte and reproducibly', async () => {
    const { model, docs } = await ready;
    // Shards of 100 rows in record batches of 64: several shards and several batches in flight per task.
    const one = await runStep(step, docs, { model, threshold: 0.5 } as never, { perShard: 100 });
    const again = await runStep(step, docs, { model, threshold: 0.5 } as never, { perShard: 100 });
    assert.deepEqual(again.checksums, one.checksums, 'same input, same bytes');
    // top_fraction 1 keeps every document's place but takes the two-phase path (score shards, then filter).
    const twoPhase = await runStep(step, docs, { model, threshold: 0.5, top_fraction: 1 } as never, { perShard: 100 });
    assert.deepEqual(twoPhase.checksums, one.checksums, 'one pass writes what score + filter write');

    assert.equal(one.stats.length, Math.ceil(docs.length / 100), 'one document-carrying task per shard');
    const written = await readdir(join(one.runDir, 'steps/01-quality-classifier'));
    assert.deepEqual(written.sort(), ['documents', 'done', 'drops', 'stats'], 'no score shards in threshold mode');
    assert.ok((await readdir(join(twoPhase.runDir, 'steps/01-quality-classifier'))).includes('scores'));
    for (const s of one.stats) {
      assert.equal(s.documents_in, s.documents_out + Object.values(s.dropped).reduce((a, b) => a + b, 0));
      assert.equal(s.counters['quality:scored'], s.documents_in);
    }
    assert.equal(one.kept.length + one.drops.length, docs.length);
    assert.ok(one.kept.length > 0 && one.drops.length > 0, `kept ${one.kept.length}, dropped ${one.drops.length}`);

    // Every score is the binary's own for the same normalised text.
    const res = spawnSync(fastTextBinary(), ['predict-prob', model, '-', '2'], { input: docs.map((d) => normalizeForFastText(d.text)).join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 28 });
    assert.equal(res.status, 0, res.stderr);
    const want = res.stdout.split('\n').slice(0, docs.length).map((line) => {
      const p = line.trim().split(' ');
      const i = p.indexOf('__label__high');
      return i === -1 ? 0 : Math.min(1, Number(p[i + 1]));
    });
    const kept = new Map(one.kept.map((k) => [k['id'], k]));
    const dropped = new Map(one.drops.map((d) => [d['id'], d]));
    docs.forEach((d, i) => {
      const k = kept.get(d.id);
      if (Math.fround(want[i]!) >= 0.5) {
        assert.ok(k, `${d.id} (score ${want[i]}) kept`);
        assert.equal(k['quality'], Math.fround(want[i]!));
        assert.equal(k['text'], d.text, 'documents pass unchanged');
      } else {
        const drop = dropped.get(d.id);
        assert.equal(drop?.['reason'], 'quality:below-threshold', d.id);
        assert.equal(Number(drop?.['value']), Number(Math.fround(want[i]!).toPrecision(6)));
      }
    });
  });

  it('plans no score tasks; threshold null keeps everything with its score', async () => {
    const { model, docs } = await ready;
    const runDir = await mkdtemp(join(tmpdir(), 'foxden-quality-single-plan-'));
    const history = [await writeInput(runDir, docs.slice(0, 40), 20)];
    const base = { runDir, stepIndex: 1, stepName: 'cls', stepType: step.type, stepDir: 'steps/01-cls', params: withDefaults(step, { model } as never), seed: 1, inputs: [], pipelineDir: runDir, history, inputColumns: [...DOCUMENT_COLUMNS] };
    assert.deepEqual(await step.phases[0]!.plan({ ...base, phase: 'score' } as never), []);
    assert.equal((await step.phases[1]!.plan({ ...base, phase: 'filter' } as never)).length, 2);

    const all = await runStep(step, docs, { model, threshold: null } as never, { perShard: 200 });
    assert.equal(all.kept.length, docs.length);
    assert.equal(all.drops.length, 0);
    assert.ok(all.kept.every((k) => typeof k['quality'] === 'number' && k['quality'] >= 0 && k['quality'] <= 1));
    const scored = new Map(all.kept.map((k) => [k['id'], k['quality']]));
    assert.ok(docs.every((d) => scored.has(d.id)), 'every document, the empty one too, is kept with a score');
  });

  it('an aborted task stops with ABORTED and leaves no output', async () => {
    const { model, docs } = await ready;
    const runDir = await mkdtemp(join(tmpdir(), 'foxden-quality-single-abort-'));
    const history = [await writeInput(runDir, docs, 1000)];
    const controller = new AbortController();
    controller.abort();
    const ctx = {
      runDir, stepIndex: 1, stepName: 'cls', stepType: step.type, stepDir: 'steps/01-cls', phase: 'filter', params: withDefaults(step, { model } as never), seed: 1,
      inputs: [], pipelineDir: runDir, history, inputColumns: [...DOCUMENT_COLUMNS], signal: controller.signal, progress: () => undefined, log: () => undefined,
    } as unknown as TaskContext<never>;
    const [task] = await step.phases[1]!.plan(ctx as never);
    await assert.rejects(step.phases[1]!.run(task!, ctx), (e: unknown) => e instanceof FoxdenError && e.code === 'ABORTED');
    const left = await readdir(join(runDir, 'steps/01-cls'), { recursive: true }).catch(() => []);
    assert.deepEqual(left.filter((f) => String(f).endsWith('.arrow')), []);
  });
});
