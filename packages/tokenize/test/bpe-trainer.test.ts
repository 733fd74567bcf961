// foxden-test-needs: shared-corpus
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { BPE, Tokenizer, byteLevelPreTokenizer } from 'tokenizers';
import { FoxdenError, SeededRandom } from '@foxden/core';
import { BYTE_CHARS, preTokenize, toByteLevel } from '../src/byte-level.js';
import { trainBpeTokenizer } from '../src/bpe-trainer.js';
import { loadTokenizer } from '../src/tokenizer.js';
import { jsonlDocs, readBook } from './corpus.js';

let dir: string;
let trainText: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'foxden-bpe-'));
  // Real text with BOMs, CRLF line ends, Japanese, LaTeX and web pages.
  trainText = [readBook('gutenberg_Vathek.txt.gz'), readBook('sentencepiece_botchan_en.txt.gz'), ...jsonlDocs().slice(0, 60).map((d) => d.text + '\n')].join('');
  await writeFile(join(dir, 'train.txt'), trainText);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('byte-level pre-tokenizer', () => {
  it('splits like the library on every line of the corpus', () => {
    const native = byteLevelPreTokenizer(false, true);
    const lines = [...trainText.split(/(?<=\n)/), readBook('sentencepiece_wagahaiwa_nekodearu_ja.txt.gz').slice(0, 200_000)];
    let checked = 0;
    for (const line of lines) {
      const expected = native.preTokenizeString(line).map((p) => p[0]);
      assert.deepEqual([...preTokenize(line)].map(toByteLevel), expected, `line ${JSON.stringify(line.slice(0, 80))}`);
      checked++;
    }
    assert.ok(checked > 1000);
  });
});

describe('trainBpeTokenizer', () => {
  it('learns the same merges as the library trainer at vocabulary 30,000', async () => {
    // The binding can only run the default BpeTrainer (vocabulary 30,000, no special tokens, alphabet = bytes seen).
    const native = new Tokenizer(BPE.empty());
    native.setPreTokenizer(byteLevelPreTokenizer(false, true));
    native.train([join(dir, 'train.txt')]);
    native.save(join(dir, 'native.json'), false);
    const nativeMerges = (JSON.parse(await readFile(join(dir, 'native.json'), 'utf8')) as { model: { merges: [string, string][] } }).model.merges;

    const ours = await trainBpeTokenizer({ inputs: [join(dir, 'train.txt')], vocabSize: 30_000 });
    const merges = ours.tokenizer.model.merges;
    // Both stop when the vocabulary is full or pairs run out. Ours reserves 4 special tokens and all 256 bytes
    // while the library's alphabet is only the bytes seen, so one list is a prefix of the other.
    const common = Math.min(merges.length, nativeMerges.length);
    assert.ok(common > 10_000, `only ${common} merges to compare`);
    for (let i = 0; i < common; i++) assert.deepEqual(merges[i], nativeMerges[i], `merge ${i} differs`);
    // The lengths differ only by the alphabet: the library's vocabulary holds the bytes seen, ours all 256 plus 4 specials.
    const nativeAlphabet = native.getVocabSize(true) - nativeMerges.length;
    assert.ok(nativeAlphabet < 256);
    if (nativeMerges.length < 30_000 - nativeAlphabet) assert.equal(merges.length, nativeMerges.length, 'both should run out of pairs at the same merge');
    else assert.equal(merges.length, 30_000 - 260);
  });

  it('writes a tokenizer.json the library loads, of the exact size asked, that round-trips any text', async () => {
    const result = await trainBpeTokenizer({ inputs: [join(dir, 'train.txt')], vocabSize: 3000 });
    await writeFile(join(dir, 'small.json'), result.json);
    const tok = await loadTokenizer(join(dir, 'small.json'));
    assert.equal(tok.identity.vocab_size, 3000);
    assert.deepEqual(tok.identity.special_ids, { '<pad>': 0, '<eos>': 1, '<bos>': 2, '<unk>': 3 });
    // Every byte has a token of its own, so any byte sequence (any UTF-8 text) is encodable.
    const vocab = tok.native.getVocab(true);
    for (const c of BYTE_CHARS) assert.ok(c in vocab, `byte token ${c} missing`);
    const random = new SeededRandom(7);
    const samples: string[] = [trainText.slice(0, 50_000), '', ' ', '\r\n\r\n  \t', '\ufeffBOM', 'ünïcödé 日本語 🦊🦊 \u0000\u0001\u007f\u0085\u00a0'];
    for (let s = 0; s < 200; s++) {
      let t = '';
      const n = 1 + random.nextInt(40);
      for (let i = 0; i < n; i++) {
        const kind = random.nextInt(4);
        const cp = kind === 0 ? random.nextInt(0x80) : kind === 1 ? random.nextInt(0x800) : kind === 2 ? 0x3000 + random.nextInt(0x7000) : 0x10000 + random.nextInt(0x10000);
        t += String.fromCodePoint(cp);
      }
      samples.push(t);
    }
    for (let b = 0; b < 0x100; b++) samples.push(String.fromCharCode(b));
    const encoded = await tok.encodeBatch(samples);
    for (let i = 0; i < samples.length; i++) {
      assert.ok(encoded[i] instanceof Uint32Array);
      assert.equal(await tok.decode(encoded[i]!), samples[i], `sample ${i} does not round-trip`);
    }
  });

  it('is deterministic and reads JSONL (text field) and gzip, with bounded word tables', async () => {
    const docs = jsonlDocs();
    await writeFile(join(dir, 'docs.jsonl.gz'), gzipSync(docs.map((d) => JSON.stringify({ text: d.text, other: 1 })).join('\n') + '\n'));
    const opts = { inputs: [join(dir, 'docs.jsonl.gz')], vocabSize: 1500, maxWords: 5000, specialTokens: ['<bos>', '<eos>'] };
    const a = await trainBpeTokenizer(opts);
    const b = await trainBpeTokenizer(opts);
    assert.equal(a.json, b.json);
    assert.equal(a.words.sequences, docs.length);
    assert.ok(a.words.prunedWords > 0, 'the word table should have been pruned at maxWords 5000');
    assert.ok(a.words.distinct <= 5000);
    assert.equal(a.vocabSize, 1500);
    // In-memory texts give the same result as the same records from a file.
    const c = await trainBpeTokenizer({ ...opts, inputs: (async function* () { for (const d of docs) yield d.text; })() });
    assert.equal(c.json, a.json);
    const sampled = await trainBpeTokenizer({ ...opts, sampleRate: 0.5, seed: 3 });
    assert.ok(sampled.words.sequencesSampled < docs.length && sampled.words.sequencesSampled > docs.length / 4);
    assert.notEqual(sampled.json, a.json);
  });

  it('rejects impossible options and unreadable input with clear errors', async () => {
    await assert.rejects(trainBpeTokenizer({ inputs: [join(dir, 'train.txt')], vocabSize: 100 }), (e: unknown) => e instanceof FoxdenError && e.code === 'BAD_CONFIG' && /256 bytes/.test(e.message));
    await assert.rejects(trainBpeTokenizer({ inputs: [join(dir, 'missing.txt')], vocabSize: 1000 }), (e: unknown) => e instanceof FoxdenError && e.message.includes('missing.txt'));
    await writeFile(join(dir, 'bad.jsonl'), '{"text":"ok"}\n{not json\n');
    await assert.rejects(trainBpeTokenizer({ inputs: [join(dir, 'bad.jsonl')], vocabSize: 1000 }), (e: unknown) => e instanceof FoxdenError && e.code === 'BAD_INPUT' && e.message.includes('bad.jsonl:2'));
  });
});
