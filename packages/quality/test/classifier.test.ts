// foxden-test-needs: shared-corpus
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FoxdenError, hashString32, sha256File } from '@foxden/core';
import { trainQualityClassifier } from '../src/classifier/train-classifier.js';
import { qualityCommand } from '../src/cli.js';
import { fastTextBinary, languageIdInput, lid176Path, normalizeForFastText } from '@foxden/fasttext';
import { c4Filter } from '../src/heuristics/c4.js';
import { finewebFilter } from '../src/heuristics/fineweb.js';
import { gopherQuality } from '../src/heuristics/gopher-quality.js';
import { gopherRepetition } from '../src/heuristics/gopher-repetition.js';
import { steps } from '../src/step.js';
import { spamAssassin } from './corpus.js';
import { doc, runStep } from './harness.js';

const step = steps.find((s) => s.type === 'quality-classifier')!;
// Spam is low quality; ham (ordinary and hard) is high. 1 in 5 is held out, chosen by a hash of the text.
const mails = spamAssassin(['spam-1', 'spam-2', 'easy-ham-1', 'hard-ham-1'], 250).map((m) => ({ label: m.group.startsWith('spam') ? 'low' : 'high', text: m.text }));
const heldOut = mails.filter((m) => hashString32(m.text) % 5 === 0);
const training = mails.filter((m) => hashString32(m.text) % 5 !== 0);

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'foxden-quality-cls-'));
  const input = join(dir, 'labelled.jsonl');
  await writeFile(input, training.map((m) => JSON.stringify(m)).join('\n') + '\n{not json}\n{"label":"high"}\n');
  return { dir, input };
}
const ready = setup();

describe('fastText quality classifier', () => {
  it('trains from labelled JSONL through the CLI, reproducibly, and reports held-out accuracy', async (t) => {
    const { dir, input } = await ready;
    const out = join(dir, 'model.bin');
    assert.equal(await qualityCommand(['train', '--input', input, '--out', out, '--holdout', '0.2', '--epoch', '10']), 0);
    const again = await trainQualityClassifier({ input, out: join(dir, 'model2.bin'), holdout: 0.2, epoch: 10 });
    assert.equal(again.sha256, await sha256File(out), 'same input, same model bytes');
    assert.equal(again.rejected, 2, 'bad JSONL lines are counted rejects');
    t.diagnostic(`train report: accuracy ${again.heldout_accuracy} majority ${again.heldout_majority_baseline} held-out ${again.heldout_examples}`);
    assert.ok(again.heldout_accuracy! > 0.85 && again.heldout_accuracy! > again.heldout_majority_baseline!, JSON.stringify(again));
    assert.equal(await qualityCommand(['train', '--input', input]), 2, 'missing --out is a usage error');
    assert.equal(await qualityCommand(['train', '--input', join(dir, 'nope.jsonl'), '--out', join(dir, 'x.bin')]), 1);
  });

  it('scores as the binary does, keeps by threshold, and beats the heuristics at separating spam from ham', async (t) => {
    const { dir, input } = await ready;
    const model = join(dir, 'final.bin');
    await trainQualityClassifier({ input, out: model, holdout: 0, epoch: 10 });
    const docs = heldOut.map((m, i) => doc(`m${String(i).padStart(4, '0')}`, m.text));
    const r = await runStep(step, docs, { model, threshold: 0.5 } as never, { perShard: 60 });
    assert.equal(r.kept.length + r.drops.length, docs.length);
    // Independent scores: the fastText binary's own batch predict on the same normalised texts.
    const texts = docs.map((d) => normalizeForFastText(d.text)).join('\n') + '\n';
    const res = spawnSync(fastTextBinary(), ['predict-prob', model, '-', '2'], { input: texts, encoding: 'utf8', maxBuffer: 1 << 28 });
    const want = res.stdout.trim().split('\n').map((line) => {
      const p = line.split(' ');
      const i = p.indexOf('__label__high');
      return i === -1 ? 0 : Math.min(1, Number(p[i + 1]));
    });
    const keptById = new Map(r.kept.map((k) => [k['id'], k['quality'] as number]));
    const dropById = new Map(r.drops.map((k) => [k['id'], k]));
    docs.forEach((d, i) => {
      if (want[i]! >= 0.5) assert.ok(Math.abs(keptById.get(d.id)! - want[i]!) < 1e-6, `${d.id} kept with score ${want[i]}`);
      else {
        assert.equal(dropById.get(d.id)?.['reason'], 'quality:below-threshold');
        assert.ok(Math.abs(Number(dropById.get(d.id)?.['value']) - want[i]!) < 1e-5);
      }
    });
    const clsRight = docs.filter((d, i) => (keptById.has(d.id) ? 'high' : 'low') === heldOut[i]!.label).length / docs.length;
    const heur = (t: string) => [gopherQuality(t), gopherRepetition(t), c4Filter(t), finewebFilter(t)].every((v) => v.keep);
    const heurRight = heldOut.filter((m) => (heur(m.text) ? 'high' : 'low') === m.label).length / heldOut.length;
    t.diagnostic(`held-out accuracy: classifier ${clsRight.toFixed(3)}, heuristics ${heurRight.toFixed(3)}, ${docs.length} mails`);
    assert.ok(clsRight > heurRight && clsRight > 0.85, `classifier ${clsRight} vs heuristics ${heurRight} on ${docs.length} held-out mails`);

    const top = await runStep(step, docs, { model, threshold: null, top_fraction: 0.3 } as never, { perShard: 60 });
    assert.equal(top.kept.length, Math.ceil(0.3 * docs.length));
    const minKept = Math.min(...top.kept.map((k) => k['quality'] as number));
    for (const d of top.drops) {
      assert.equal(d['reason'], 'quality:not-top-fraction');
      assert.ok(Number(d['value']) <= minKept + 1e-6);
    }
  });

  it('a missing or corrupt model is a clear error before any work', async () => {
    const { dir } = await ready;
    const docs = [doc('a', 'hello world')];
    await assert.rejects(runStep(step, docs, { model: join(dir, 'missing.bin') } as never), (e: unknown) => e instanceof FoxdenError && e.code === 'BAD_CONFIG' && /does not exist/.test(e.message));
    const corrupt = join(dir, 'corrupt.bin');
    await writeFile(corrupt, (await readFile(join(dir, 'final.bin'))).subarray(0, 5000));
    await assert.rejects(runStep(step, docs, { model: corrupt } as never), (e: unknown) => e instanceof FoxdenError && e.code === 'BAD_CONFIG' && /does not load/.test(e.message));
    const notModel = join(dir, 'text.bin');
    await writeFile(notModel, 'just text, not a model');
    await assert.rejects(runStep(step, docs, { model: notModel } as never), (e: unknown) => e instanceof FoxdenError && /not a fastText model/.test(e.message));
  });
});

describe('language filter', () => {
  it('identifies documents without a language as lid.176 does and keeps allowed languages above threshold', async () => {
    const { spawn } = await import('node:child_process');
    void spawn;
    const { corpusDocs } = await import('./corpus.js');
    const src = corpusDocs().filter((d) => d.id.includes('stack_exchange')).slice(0, 70);
    const docs = src.map((d, i) => doc(`s${i}`, d.text, i % 2 === 0 ? { lang: null, lang_score: null } : { lang: 'en', lang_score: 0.99 }));
    docs.push(doc('empty', '', { lang: null, lang_score: null }));
    const r = await runStep(steps.find((s) => s.type === 'language-filter')!, docs, { languages: ['en', 'es'], thresholds: { es: 0.5 } } as never);
    const nulls = docs.filter((d) => d.lang === null && d.text);
    const res = spawnSync(fastTextBinary(), ['predict-prob', lid176Path(), '-', '1'], { input: nulls.map((d) => languageIdInput(d.text, 10000)).join('\n') + '\n', encoding: 'utf8' });
    const want = new Map(res.stdout.trim().split('\n').map((l, i) => { const [lab, p] = l.split(' '); return [nulls[i]!.id, { lang: lab!.slice(9), score: Math.min(1, Number(p)) }]; }));
    const reasons = new Map(r.drops.map((d) => [d['id'], d]));
    const kept = new Map(r.kept.map((d) => [d['id'], d]));
    assert.equal(reasons.get('empty')?.['reason'], 'language:unidentified');
    let nonEnglish = 0;
    for (const [id, w] of want) {
      const keep = (w.lang === 'en' && w.score >= 0.65) || (w.lang === 'es' && w.score >= 0.5);
      if (w.lang !== 'en') nonEnglish++;
      if (keep) {
        assert.equal(kept.get(id)?.['lang'], w.lang);
        assert.ok(Math.abs((kept.get(id)?.['lang_score'] as number) - w.score) < 1e-5);
      } else {
        const d = reasons.get(id);
        assert.equal(d?.['reason'], ['en', 'es'].includes(w.lang) ? 'language:low-score' : 'language:not-allowed', id);
        assert.equal(String(d?.['value']).split(':')[0], w.lang);
      }
    }
    assert.ok(nonEnglish > 0, 'the sample has non-English questions');
    assert.equal(r.stats[0]!.counters['language:identified'], nulls.length + 1);
  });
});
