import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FoxdenError, hashString32 } from '@foxden/core';
import {
  FastTextLineEncoder, FastTextPredictor, ThreadedFastTextPredictor, fastTextBinary, lid176Path, normalizeForFastText,
} from '../src/index.js';
import { corpus, realTexts } from './corpus-texts.js';

const work = mkdtempSync(join(tmpdir(), 'foxden-fasttext-enc-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Strings built from the characters where the two paths could differ: case context, expansion, surrogates, every space and mark class. */
function awkwardTexts(count: number): string[] {
  const pool = [
    'A', 'z', 'Q', '1', "'", '-', ' ', '  ', '\n', '\r\n', '\t', '\u000b', '\u0000', '\u007f', '\u0085', '\u00a0', '\u1680', '\u2003', '\u2028', '\u202f', '\u205f', '\u3000', '\ufeff',
    '.', ',', '!', '?', ';', ':', '(', ')', '"', '[', ']', '{', '}', '<', '>', '\u00ab', '\u00bb', '\u201c', '\u201d',
    'Σ', 'σ', 'ς', 'Ο', 'Δ', 'İ', 'I', 'ẞ', 'ß', 'ǅ', 'K', 'Å', 'É', 'ﬁ', 'ΐ', 'Ω', 'Ж', '中', '😀', '\ud835\udc00', '\ud800', '\udc00', '\u0301', '\u00ad', '\u200d',
  ];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let s = '';
    const len = hashString32(`len${i}`) % 40;
    for (let j = 0; j < len; j++) s += pool[hashString32(`${i}:${j}`) % pool.length];
    out.push(s);
  }
  return out;
}

describe('FastTextLineEncoder', () => {
  it('writes exactly the UTF-8 bytes of normalizeForFastText plus a newline, for real and awkward text and any cut', () => {
    const texts = [...realTexts(), ...awkwardTexts(3000), 'ΟΔΟΣ.Α', 'ΟΔΟΣ\u00adΑ ΣΑΣ', 'İstanbul', 'a\ud800', 'x'.repeat(9) + '😀', ''];
    let compared = 0;
    for (const maxChars of [100_000, 10, 1]) {
      // A tiny first buffer makes it grow; several texts per batch check that lines follow each other.
      const enc = new FastTextLineEncoder({ maxChars, initialBytes: 16 });
      let want: Buffer[] = [];
      const check = (): void => {
        const batch = enc.take();
        assert.equal(batch.lines, want.length);
        assert.ok(Buffer.from(batch.bytes).equals(Buffer.concat(want)), `maxChars ${maxChars}, batch ending at text ${compared}`);
        assert.equal(batch.transferable, true);
        assert.notEqual(batch.bytes.buffer, enc.take().bytes.buffer, 'each batch has a buffer of its own');
        want = [];
      };
      for (const t of texts) {
        enc.add(t);
        want.push(Buffer.from(normalizeForFastText(t, maxChars) + '\n'));
        compared++;
        if (compared % 7 === 0) check();
      }
      check();
      assert.equal(enc.lines, 0);
    }
    // Spot checks that the comparison above is not vacuous.
    const e = new FastTextLineEncoder();
    e.add('  Hello,World!\n(ΟΔΟΣ.Α)');
    e.add('');
    assert.equal(Buffer.from(e.take().bytes).toString('utf8'), 'hello , world ! ( οδος . α )\n\n');
  });
});

describe('ThreadedFastTextPredictor', () => {
  it('answers as FastTextPredictor and the binary do, for overlapping encoded batches', async () => {
    const texts = realTexts().slice(0, 300);
    const lines = texts.map((t) => normalizeForFastText(t, 2000));
    const file = join(work, 'lid.txt');
    writeFileSync(file, lines.join('\n') + '\n');
    const res = spawnSync(fastTextBinary(), ['predict-prob', lid176Path(), file, '3'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(res.status, 0, res.stderr);
    const want = res.stdout.trimEnd().split('\n');
    assert.equal(want.length, texts.length);
    const threaded = await ThreadedFastTextPredictor.create({ model: lid176Path(), k: 3 });
    const plain = await FastTextPredictor.create({ model: lid176Path(), k: 3 });
    try {
      const enc = new FastTextLineEncoder({ maxChars: 2000 });
      const cuts = [0, 1, 50, 51, 170, texts.length];
      const pending = cuts.slice(1).map((end, i) => {
        for (const t of texts.slice(cuts[i], end)) enc.add(t);
        return threaded.predictEncoded(enc.take());
      });
      const got = (await Promise.all(pending)).flat();
      const direct = await plain.predict(lines);
      assert.equal(got.length, texts.length);
      got.forEach((g, i) => {
        const binary = want[i]!.split(' ');
        assert.equal(g.length, binary.length / 2, `text ${i}`);
        g.forEach((p, j) => {
          assert.equal(`__label__${p.label}`, binary[2 * j]);
          assert.equal(p.prob, Math.min(1, Number(binary[2 * j + 1])));
        });
      });
      assert.deepEqual(got, direct);
      assert.deepEqual(await threaded.predictEncoded({ bytes: new Uint8Array(0), lines: 0 }), []);
    } finally {
      await threaded.close();
      await threaded.close();
      await plain.close();
    }
    await assert.rejects(threaded.predictEncoded({ bytes: Buffer.from('x\n'), lines: 1 }), FoxdenError);
  });

  it('a model that does not load is a BAD_CONFIG error naming the file', async () => {
    const foreign = join(work, 'foreign.bin');
    writeFileSync(foreign, 'not a model at all');
    for (const [file, pattern] of [[join(work, 'missing.bin'), /does not exist/], [foreign, /not a fastText model/]] as const) {
      await assert.rejects(ThreadedFastTextPredictor.create({ model: file }), (e: unknown) => e instanceof FoxdenError && e.code === 'BAD_CONFIG' && e.message.includes(file) && pattern.test(e.message));
    }
  });
});
