import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FoxdenError } from '@foxden/core';
import { trainBpeTokenizer } from '../src/bpe-trainer.js';
import { tokenizerCommand } from '../src/cli.js';
import { loadTokenizer } from '../src/tokenizer.js';
import { mobyDickParts } from '@foxden/demo-corpus';

// Real text that npm ships (Moby-Dick in parts of about 30,000 words): these tests need no ../shared corpus.
const [book, middle, later] = [...mobyDickParts()].map((p) => p.text);

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'foxden-tok-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const isConfigError = (file: string) => (e: unknown) => e instanceof FoxdenError && e.code === 'BAD_CONFIG' && e.message.includes(file) && e.file === file;

describe('loadTokenizer', () => {
  it('loads a trained tokenizer with its identity (name, size, special ids, sha256)', async () => {
    const trained = await trainBpeTokenizer({ inputs: [book!], vocabSize: 1000 }).catch(() => null);
    // An array of strings is a list of files; texts go in as an iterable.
    assert.equal(trained, null);
    const result = await trainBpeTokenizer({ inputs: [book!].values(), vocabSize: 1000 });
    const path = join(dir, 'fox-1k.json');
    await writeFile(path, result.json);
    const tok = await loadTokenizer(path);
    assert.equal(tok.identity.name, 'fox-1k');
    assert.equal(tok.identity.vocab_size, 1000);
    assert.equal(tok.identity.sha256, createHash('sha256').update(await readFile(path)).digest('hex'));
    assert.equal(tok.specialId('bos'), 2);
    assert.equal(tok.specialId('eos'), 1);
    assert.equal(tok.specialId('<pad>'), 0);
    assert.equal(tok.specialId('sep'), null);
    const ids = await tok.encode('Call me Ishmael, said the narrator');
    assert.ok(ids.length > 0 && ids.every((id) => id >= 4 && id < 1000));
  });

  it('names the file when it is missing, not JSON, refused by the library or has ids beyond uint32', async () => {
    await assert.rejects(loadTokenizer(join(dir, 'nope.json')), isConfigError(join(dir, 'nope.json')));
    const notJson = join(dir, 'not-json.json');
    await writeFile(notJson, '{"model": ');
    await assert.rejects(loadTokenizer(notJson), isConfigError(notJson));
    const refused = join(dir, 'refused.json');
    await writeFile(refused, JSON.stringify({ version: '1.0', model: { type: 'NoSuchModel', vocab: {} } }));
    await assert.rejects(loadTokenizer(refused), (e: unknown) => isConfigError(refused)(e) && /does not load/.test((e as Error).message));
    const huge = join(dir, 'huge.json');
    const json = JSON.parse(await readFile(join(dir, 'fox-1k.json'), 'utf8')) as { added_tokens: { id: number }[] };
    json.added_tokens[0]!.id = 2 ** 32;
    await writeFile(huge, JSON.stringify(json));
    await assert.rejects(loadTokenizer(huge), (e: unknown) => isConfigError(huge)(e) && /2\^32/.test((e as Error).message));
  });
});

describe('foxden tokenizer train', () => {
  it('trains from JSONL and text files and writes a loadable tokenizer.json', async () => {
    const docs = join(dir, 'docs.jsonl');
    await writeFile(docs, middle!.split('\n\n').map((text, i) => JSON.stringify({ id: `paragraph-${i}`, text })).join('\n'));
    const bookFile = join(dir, 'book.txt');
    await writeFile(bookFile, later!);
    const out = join(dir, 'cli', 'tokenizer.json');
    const code = await tokenizerCommand(['train', '--input', docs, bookFile, '--vocab-size', '2048', '--out', out, '--special-tokens', '<bos>,<eos>,<pad>,<unk>']);
    assert.equal(code, 0);
    const tok = await loadTokenizer(out);
    assert.equal(tok.identity.vocab_size, 2048);
    assert.equal(tok.identity.name, 'cli');
    assert.deepEqual(tok.identity.special_ids, { '<bos>': 0, '<eos>': 1, '<pad>': 2, '<unk>': 3 });
    const text = later!.slice(0, 20_000);
    assert.equal(await tok.decode(await tok.encode(text)), text);
  });

  it('answers --help and refuses bad usage with exit code 2', async () => {
    assert.equal(await tokenizerCommand(['train', '--help']), 0);
    assert.equal(await tokenizerCommand(['train', '--vocab-size', '1000', '--out', join(dir, 'x.json')]), 2);
    assert.equal(await tokenizerCommand(['train', '--input', 'a.txt', '--vocab-size', 'many', '--out', join(dir, 'x.json')]), 2);
    assert.equal(await tokenizerCommand(['frobnicate']), 2);
    assert.equal(await tokenizerCommand(['train', '--input', join(dir, 'missing.txt'), '--vocab-size', '1000', '--out', join(dir, 'x.json')]), 1);
  });
});
