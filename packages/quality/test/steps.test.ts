// foxden-test-needs: shared-corpus
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sumCounts } from '@foxden/core';
import { c4Filter } from '../src/heuristics/c4.js';
import { steps } from '../src/step.js';
import { corpusDocs } from './corpus.js';
import { doc, runStep } from './harness.js';
import { refC4, refFineweb, refGopherQuality, refGopherRepetition } from './reference.js';

const byType = (t: string) => steps.find((s) => s.type === t)!;
const corpus = corpusDocs().map((d, i) => doc(`d${String(i).padStart(4, '0')}`, d.text));

/** Bad input: empty text, a 10 MB line, binary junk decoded as text, invalid UTF-8 decoded with replacement. */
function badDocs() {
  const junk = Buffer.alloc(4096);
  for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919 + 13) % 256;
  const invalid = Buffer.concat([Buffer.from('valid start '), Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x90, 0x28, 0xbc]).fill(0xff, 0, 0), Buffer.alloc(400, 0xfe)]);
  return [
    doc('bad-empty', ''),
    doc('bad-spaces', '   \n\n  '),
    doc('bad-huge-line', 'word '.repeat(2 * 1024 * 1024)),
    doc('bad-huge-token', 'x'.repeat(10 * 1024 * 1024)),
    doc('bad-binary', junk.toString('latin1')),
    doc('bad-utf8', new TextDecoder('utf-8', { fatal: false }).decode(invalid)),
  ];
}

describe('heuristic steps over Arrow shards', () => {
  const refs: Record<string, (t: string) => { rule: string; value: number } | null | { text: string }> = {
    'gopher-quality': refGopherQuality, 'gopher-repetition': refGopherRepetition, 'fineweb-filter': refFineweb, 'c4-filter': refC4,
  };
  for (const [type, ref] of Object.entries(refs)) {
    it(`${type}: in = out + dropped, drops carry rule and value, output is deterministic`, async () => {
      const a = await runStep(byType(type), corpus, {}, { perShard: 80 });
      const b = await runStep(byType(type), corpus, {}, { perShard: 80 });
      assert.deepEqual(a.checksums, b.checksums, 'byte-identical outputs on a second run');
      const inn = a.stats.reduce((n, s) => n + s.documents_in, 0);
      const out = a.stats.reduce((n, s) => n + s.documents_out, 0);
      const dropped = a.stats.reduce((n, s) => n + sumCounts(s.dropped), 0);
      assert.equal(inn, corpus.length);
      assert.equal(inn, out + dropped);
      assert.equal(a.kept.length, out);
      assert.equal(a.drops.length, dropped);
      const dropsById = new Map(a.drops.map((d) => [d['id'], d]));
      for (const d of corpus) {
        const want = ref(d.text);
        const got = dropsById.get(d.id);
        if (want === null || 'text' in want) assert.equal(got, undefined, `${type} kept ${d.id}`);
        else {
          assert.equal(got?.['reason'], want.rule, `${type} reason for ${d.id}`);
          assert.ok(Math.abs(Number(got?.['value']) - want.value) < 1e-5 * Math.max(1, Math.abs(want.value)), `${type} value for ${d.id}: ${got?.['value']} vs ${want.value}`);
        }
      }
      if (type === 'c4-filter') {
        for (const k of a.kept) {
          const v = c4Filter(String(corpus.find((d) => d.id === k['id'])!.text));
          assert.ok(v.keep && v.text === k['text'], 'c4 writes the filtered text');
        }
        assert.ok(Object.keys(a.stats[0]!.counters).some((c) => c.startsWith('c4:line-')), 'line counters recorded');
      }
    });
  }

  it('bad input is dropped with a reason by every heuristic step, never a crash', async () => {
    const bad = badDocs();
    for (const type of ['gopher-quality', 'gopher-repetition', 'c4-filter', 'fineweb-filter']) {
      const r = await runStep(byType(type), bad, {});
      assert.equal(r.kept.length + r.drops.length, bad.length);
      const reasons = Object.fromEntries(r.drops.map((d) => [d['id'], d['reason']]));
      const prefix = type.startsWith('gopher') ? 'gopher' : type.split('-')[0];
      assert.equal(reasons['bad-empty'], `${prefix}:empty`, `${type} empty`);
      assert.equal(reasons['bad-spaces'], `${prefix}:empty`, `${type} blank`);
      assert.equal(reasons['bad-binary'], `${prefix}:invalid-chars`, `${type} junk`);
      assert.equal(reasons['bad-utf8'], `${prefix}:invalid-chars`, `${type} invalid utf-8`);
      if (type === 'gopher-quality') {
        assert.equal(reasons['bad-huge-token'], 'gopher:word-count', 'a 10 MB token is one word');
        assert.equal(reasons['bad-huge-line'], 'gopher:word-count', 'a 10 MB line has 2M words');
      }
      if (type === 'gopher-repetition') assert.equal(reasons['bad-huge-line'], 'gopher:top-2-gram');
      if (type === 'c4-filter') assert.equal(reasons['bad-huge-token'], 'c4:too-few-sentences');
      if (type === 'fineweb-filter') assert.equal(reasons['bad-huge-token'], 'fineweb:terminal-punct-lines');
    }
  });
});
