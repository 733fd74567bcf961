// foxden-test-needs: shared-corpus
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FoxdenError, hashString32 } from '@foxden/core';
import {
  FastTextLineEncoder, FastTextPredictor, fastTextBinary, lid176Path, normalizeForFastText,
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
  it('addUtf8 writes the same bytes from UTF-8 as add does from the decoded string, and counts its UTF-16 length', () => {
    const texts = [...realTexts(), ...awkwardTexts(3000), 'ΟΔΟΣ.Α', 'İstanbul', 'ÀB\u00a0C', 'x'.repeat(9) + '😀', '\ufeffBOM first', ''];
    for (const maxChars of [100_000, 10, 1]) {
      const viaString = new FastTextLineEncoder({ maxChars, initialBytes: 16 });
      const viaBytes = new FastTextLineEncoder({ maxChars, initialBytes: 16 });
      texts.forEach((t, i) => {
        viaString.add(t);
        // Embedded in a larger buffer, as a row of an Arrow column is.
        const bytes = Buffer.concat([Buffer.from('pre'), Buffer.from(t), Buffer.from('post')]);
        const units = viaBytes.addUtf8(bytes, 3, bytes.length - 4);
        // A lone surrogate has no UTF-8 form (it is written as U+FFFD, also one unit).
        assert.equal(units, t.length, `text ${i}`);
        if (i % 13 === 0 || i === texts.length - 1) {
          const a = viaString.take();
          const b = viaBytes.take();
          assert.equal(b.lines, a.lines);
          assert.ok(Buffer.from(b.bytes).equals(Buffer.from(a.bytes)), `maxChars ${maxChars}, batch ending at text ${i}`);
        }
      });
    }
  });

  it('addUtf8 treats invalid UTF-8 as TextDecoder does (each bad sequence a U+FFFD inside a word)', () => {
    const pieces = [
      [0x80], [0xbf], [0xc0], [0xc1, 0x81], [0xc2], [0xe2, 0x80], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf0, 0x9f], [0xf0, 0x9f, 0x98],
      [0xf4, 0x90, 0x80, 0x80], [0xf5], [0xff], [0xe2, 0xe2, 0x80, 0x80],
      ...['a', 'Z', ' ', '.', '"', '\n', 'Σ', 'İ', '\u00a0', '\u2003', '\u201c', '\u00ab', '😀', 'é'].map((c) => [...Buffer.from(c)]),
    ];
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    const viaString = new FastTextLineEncoder();
    const viaBytes = new FastTextLineEncoder();
    for (let i = 0; i < 3000; i++) {
      const bytes: number[] = [];
      for (let j = hashString32(`n${i}`) % 30; j > 0; j--) bytes.push(...pieces[hashString32(`${i}/${j}`) % pieces.length]!);
      viaString.add(decoder.decode(Uint8Array.from(bytes)));
      viaBytes.addUtf8(Uint8Array.from(bytes));
    }
    assert.ok(Buffer.from(viaBytes.take().bytes).equals(Buffer.from(viaString.take().bytes)));
    const e = new FastTextLineEncoder();
    e.addUtf8(Uint8Array.from([0x41, 0xe2, 0x80, 0x42, 0x20, 0xc3, 0x89, 0x2e]));
    assert.equal(Buffer.from(e.take().bytes).toString('utf8'), 'a\ufffdb é .\n');
  });
});

describe('FastTextPredictor.predictEncoded', () => {
  it('answers as the binary does, for overlapping encoded batches, through the named pipe and through stdin', async () => {
    const texts = realTexts().slice(0, 300);
    const lines = texts.map((t) => normalizeForFastText(t, 2000));
    const file = join(work, 'lid.txt');
    writeFileSync(file, lines.join('\n') + '\n');
    const res = spawnSync(fastTextBinary(), ['predict-prob', lid176Path(), file, '3'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(res.status, 0, res.stderr);
    const want = res.stdout.trimEnd().split('\n');
    assert.equal(want.length, texts.length);
    const pipesBefore = readdirSync(tmpdir()).filter((f) => f.startsWith('foxden-fasttext-')).length;
    for (const input of ['pipe', 'stdin'] as const) {
      const p = await FastTextPredictor.create({ model: lid176Path(), k: 3, input });
      try {
        const enc = new FastTextLineEncoder({ maxChars: 2000 });
        const cuts = [0, 1, 50, 51, 170, texts.length];
        const pending = cuts.slice(1).map((end, i) => {
          for (const t of texts.slice(cuts[i], end)) enc.addUtf8(Buffer.from(t));
          return p.predictEncoded(enc.take());
        });
        const got = (await Promise.all(pending)).flat();
        assert.equal(got.length, texts.length);
        got.forEach((g, i) => {
          const binary = want[i]!.split(' ');
          assert.equal(g.length, binary.length / 2, `${input}: text ${i}`);
          g.forEach((x, j) => {
            assert.equal(`__label__${x.label}`, binary[2 * j]);
            assert.equal(x.prob, Math.min(1, Number(binary[2 * j + 1])));
          });
        });
        assert.deepEqual(await p.predict(lines.slice(0, 20)), got.slice(0, 20));
        assert.deepEqual(await p.predictEncoded({ bytes: new Uint8Array(0), lines: 0 }), []);
      } finally {
        await p.close();
      }
      await assert.rejects(p.predictEncoded({ bytes: Buffer.from('x\n'), lines: 1 }), FoxdenError);
    }
    // The pipe's name is removed as soon as both ends are open.
    assert.equal(readdirSync(tmpdir()).filter((f) => f.startsWith('foxden-fasttext-')).length, pipesBefore);
  });

  it('the answers file is emptied once read, so a long-lived predictor does not fill the disk (Linux: reads /proc/self/fd)', async () => {
    // The file's name is removed at start; /proc/self/fd still shows it ("... (deleted)").
    const answerFiles = (): string[] => readdirSync('/proc/self/fd').map((fd) => `/proc/self/fd/${fd}`).filter((f) => {
      try {
        return /foxden-fasttext-[^/]+\/output \(deleted\)$/.test(readlinkSync(f));
      } catch {
        return false;
      }
    });
    const before = answerFiles().length;
    const p = await FastTextPredictor.create({ model: lid176Path(), k: 1 });
    try {
      const [file] = answerFiles().slice(before);
      assert.ok(file, 'the predictor holds an answers file');
      // ~3 MB of answers (about 20 bytes a line), in batches, as a language filter sends them.
      for (let round = 0; round < 15; round++) {
        const texts = Array.from({ length: 10_000 }, (_, i) => `round ${round} line ${i} the quick brown fox`);
        const got = await p.predict(texts);
        assert.equal(got.length, texts.length);
        assert.equal(got[0]![0]!.label, 'en');
      }
      assert.ok(statSync(file).size < 1.5e6, `answers file holds ${statSync(file).size} bytes after 150,000 answers`);
    } finally {
      await p.close();
    }
    assert.equal(answerFiles().length, before, 'closing the predictor closes its answers file');
  });

  it('a fastText that dies mid-run fails what is pending and what comes after with an error naming the model, without hanging', async () => {
    // Stands in for the binary: answers the model check from the pipe it is given, then exits as a crash would.
    const dying = join(work, 'dying-fasttext.sh');
    writeFileSync(dying, '#!/bin/sh\nread line < "$3"\necho "__label__en 1.00001"\nexit 3\n');
    chmodSync(dying, 0o755);
    const p = await FastTextPredictor.create({ model: lid176Path(), k: 1, binary: dying });
    const enc = new FastTextLineEncoder();
    for (const t of realTexts().slice(0, 2000)) enc.add(t);
    await assert.rejects(p.predictEncoded(enc.take()), (e: unknown) => e instanceof FoxdenError && e.message.includes(lid176Path()));
    await assert.rejects(p.predict(['after the crash']), FoxdenError);
    await p.close();
  });

  it('a model that does not load is a BAD_CONFIG error naming the file, and leaves no pipe behind', async () => {
    const foreign = join(work, 'foreign.bin');
    writeFileSync(foreign, 'not a model at all');
    const pipesBefore = readdirSync(tmpdir()).filter((f) => f.startsWith('foxden-fasttext-')).length;
    for (const [file, pattern] of [[join(work, 'missing.bin'), /does not exist/], [foreign, /not a fastText model/]] as const) {
      await assert.rejects(FastTextPredictor.create({ model: file }), (e: unknown) => e instanceof FoxdenError && e.code === 'BAD_CONFIG' && e.message.includes(file) && pattern.test(e.message));
    }
    assert.equal(readdirSync(tmpdir()).filter((f) => f.startsWith('foxden-fasttext-')).length, pipesBefore);
  });
});
