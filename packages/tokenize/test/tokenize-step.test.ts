// foxden-test-needs: shared-corpus
import assert from 'node:assert/strict';
import { mkdtemp, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DOCUMENT_COLUMNS, FoxdenError, TOKEN_COLUMNS, assertBalanced, withColumns,
  type ColumnSpec, type ShardOutput, type StepContext, type TaskStats,
} from '@foxden/core';
import { InProcessExecutor, runStep as runPipelineStep } from '@foxden/pipeline';
import { ShardReader, ShardWriter } from '@foxden/shards';
import { trainBpeTokenizer } from '../src/bpe-trainer.js';
import { steps, tokenizeStep, type TokenizeParams } from '../src/step.js';
import { loadTokenizer } from '../src/tokenizer.js';
import { jsonlDocs, readBook, type CorpusDoc } from './corpus.js';

const INPUT_COLUMNS: ColumnSpec[] = withColumns(DOCUMENT_COLUMNS, [
  { name: 'quality', type: 'float32', nullable: true },
  { name: 'cluster_size', type: 'int32', nullable: true },
]);

let dir: string;
let inputRun: string;
let history: StepContext['history'];
const expected = new Map<string, { text: string; quality: number | null; cluster_size: number | null; source: string; url: string | null; extraction: string | null }>();
const defaults: TokenizeParams = {
  tokenizer: 'tok/tokenizer.json', add_bos: true, add_eos: true, bos_token: null, eos_token: null,
  shard_target_tokens: 50_000_000, shard_target_bytes: null, batch_size: 256,
};

function row(d: CorpusDoc, i: number): Record<string, unknown> {
  const quality = i % 3 === 0 ? null : Math.fround(i / 1000);
  const cluster_size = i % 4 === 0 ? null : 1 + (i % 5);
  // Ingest's meta names the HTML extraction method; the token row carries it (null for non-HTML and meta without it).
  const extraction = i % 4 === 0 ? null : (['main', 'readability', 'visible'] as const)[i % 3]!;
  const meta = i % 4 === 0 ? (i % 8 === 0 ? null : '{"format":"jsonl"}') : JSON.stringify({ format: 'warc', charset: 'utf-8', extraction });
  expected.set(d.id, { text: d.text, quality, cluster_size, source: d.source, url: d.url, extraction });
  return { id: d.id, text: d.text, url: d.url, source: d.source, fetched_at: null, lang: 'en', lang_score: 0.9, meta, quality, cluster_size };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'foxden-tokenize-'));
  // A real tokenizer, trained on real text that is partly not in the tokenized documents.
  const trained = await trainBpeTokenizer({
    inputs: [readBook('gutenberg_Vathek.txt.gz'), ...jsonlDocs().filter((_, i) => i % 2 === 0).map((d) => d.text)].values(),
    vocabSize: 4000,
  });
  await mkdir(join(dir, 'tok'));
  await writeFile(join(dir, 'tok', 'tokenizer.json'), trained.json);

  // Document shards as an earlier step would leave them: web records in one, long books (BOM, CRLF, Japanese) in the other.
  inputRun = join(dir, 'input-run');
  const shards: ShardOutput[] = [];
  const web = await ShardWriter.create({ runDir: inputRun, path: 'steps/00-ingest/documents/ingest-00000.arrow', kind: 'documents', columns: INPUT_COLUMNS, batchRows: 64 });
  let i = 0;
  for (const d of jsonlDocs()) await web.append(row(d, i++));
  await web.append(row({ id: 'empty-doc', text: '', source: 'jsonl/synthetic', url: null }, i++));
  shards.push(await web.close());
  const books = await ShardWriter.create({ runDir: inputRun, path: 'steps/00-ingest/documents/ingest-00001.arrow', kind: 'documents', columns: INPUT_COLUMNS });
  // Whole books are long documents (BOM, CRLF); the Japanese novel is cut to keep the test short on two cores.
  for (const [name, chars] of [['gutenberg_CastleOfOtranto.txt.gz', Infinity], ['sentencepiece_wagahaiwa_nekodearu_ja.txt.gz', 60_000], ['gutenberg_TheOldEnglishBaron.txt.gz', Infinity]] as const) {
    await books.append(row({ id: `books/${name}`, text: readBook(name).slice(0, chars), source: `books/${name}`, url: null }, i++));
  }
  shards.push(await books.close());
  history = [{ step: 'ingest', type: 'ingest', columns: INPUT_COLUMNS, shards }];
  // A document's text is what the document shard gives back (Arrow's reader drops a leading BOM, so books differ
  // from the raw files there); decoding must return exactly that.
  for (const s of shards) {
    const reader = await ShardReader.open(join(inputRun, s.path));
    for await (const batch of reader.rowBatches(['id', 'text'])) for (const r of batch) expected.get(r['id'] as string)!.text = r['text'] as string;
    await reader.close();
  }
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the step as a runner does: the orchestrator's runStep on the in-process executor. Returns the tasks' stats. */
async function runStep(runDir: string, params: TokenizeParams): Promise<TaskStats[]> {
  // Reuse the document shards without copying: the task reads join(runDir, path), so link the input run's steps folder.
  await mkdir(runDir, { recursive: true });
  await symlink(join(inputRun, 'steps'), join(runDir, 'steps-in')).catch(() => undefined);
  const ctx: StepContext = {
    runDir, stepIndex: 1, stepName: 'tokenize', stepType: 'tokenize', stepDir: 'steps/01-tokenize', phase: '', params: { ...params },
    seed: 1, inputs: [], pipelineDir: dir, phaseOutputs: [],
    history: history.map((h) => ({ ...h, shards: h.shards.map((s) => ({ ...s, path: s.path.replace(/^steps\//, 'steps-in/') })) })),
    inputColumns: INPUT_COLUMNS,
  };
  const t0 = performance.now();
  const run = await runPipelineStep({ module: tokenizeStep, moduleUrl: new URL('../src/step.ts', import.meta.url).href }, ctx, { executor: new InProcessExecutor() });
  if (process.env['FOXDEN_TEST_TIMING']) console.log(`tokenize: ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  return run.phases.flatMap((p) => p.stats);
}

describe('tokenize step', () => {
  it('is exported as a step with a complete params schema', () => {
    assert.equal(steps.length, 1);
    assert.equal(steps[0]!.type, 'tokenize');
    const props = (tokenizeStep.paramsSchema as { properties: Record<string, { default?: unknown; description?: string }> }).properties;
    for (const [name, p] of Object.entries(props)) {
      assert.ok('default' in p, `param ${name} has no default`);
      assert.ok(p.description, `param ${name} has no description`);
    }
    assert.deepEqual(tokenizeStep.outputColumns(INPUT_COLUMNS, defaults), [...TOKEN_COLUMNS]);
  });

  it('writes token shards whose every document decodes back to its text, with BOS/EOS, scores and identity', async () => {
    const stats = await runStep(join(dir, 'run-a'), defaults);
    assert.equal(stats.length, 2);
    const tok = await loadTokenizer(join(dir, 'tok', 'tokenizer.json'));
    const bos = tok.specialId('bos')!;
    const eos = tok.specialId('eos')!;
    let rows = 0;
    let tokens = 0;
    for (const s of stats) {
      assertBalanced(s);
      const tokenShards = s.outputs.filter((o) => o.kind === 'tokens');
      assert.equal(tokenShards.length, 1);
      for (const o of tokenShards) {
        assert.match(o.path, /^steps\/01-tokenize\/tokens\/tokenize-0000\d-0000\.arrow$/);
        const reader = await ShardReader.open(join(dir, 'run-a', o.path), { sha256: o.sha256 });
        assert.deepEqual(reader.columns.map((c) => [c.name, c.type]), TOKEN_COLUMNS.map((c) => [c.name, c.type]));
        assert.equal(reader.metadata['foxden.kind'], 'tokens');
        assert.equal(reader.metadata['foxden.tokenizer.name'], 'tok');
        assert.equal(reader.metadata['foxden.tokenizer.vocab_size'], '4000');
        assert.equal(reader.metadata['foxden.tokenizer.sha256'], tok.identity.sha256);
        assert.deepEqual(JSON.parse(reader.metadata['foxden.tokenizer.special_ids']!), tok.identity.special_ids);
        for await (const batch of reader.rowBatches()) {
          for (const r of batch) {
            const want = expected.get(r['id'] as string)!;
            const ids = r['tokens'] as Uint32Array;
            assert.ok(ids instanceof Uint32Array);
            assert.equal(r['n_tokens'], ids.length);
            assert.equal(r['extraction'], want.extraction, `document ${r['id']}: extraction`);
            assert.equal(ids[0], bos);
            assert.equal(ids[ids.length - 1], eos);
            // Special tokens are not skipped: a text that spells one (say "<eos>") gets its id, and must still decode exactly.
            assert.equal(await tok.decode(ids.subarray(1, ids.length - 1), false), want.text, `document ${r['id']} does not decode to its text`);
            assert.equal(r['quality'], want.quality);
            assert.equal(r['cluster_size'], want.cluster_size);
            assert.equal(r['source'], want.source);
            assert.equal(r['url'], want.url);
            assert.equal(r['lang'], 'en');
            rows++;
            tokens += ids.length;
          }
        }
        assert.equal(o.rows, await reader.countRows());
        await reader.close();
      }
    }
    const total = stats.reduce((a, s) => a + s.documents_in, 0);
    assert.equal(total, expected.size);
    assert.equal(rows, expected.size - 1);
    assert.deepEqual(stats[0]!.dropped, { 'empty-after-tokenize': 1 });
    assert.equal(stats.reduce((a, s) => a + s.counters['tokens']!, 0), tokens);
    // The drop is recorded, so it can be looked up.
    const drops = await ShardReader.open(join(dir, 'run-a', stats[0]!.outputs.find((o) => o.kind === 'drops')!.path));
    const dropped = (await drops.rowBatches().next()).value as Record<string, unknown>[];
    assert.deepEqual(dropped.map((d) => [d['id'], d['reason']]), [['empty-doc', 'empty-after-tokenize']]);
    await drops.close();
  });

  it('writes byte-identical shards when run twice, and rolls over at the target size', async () => {
    const a = await runStep(join(dir, 'run-b1'), { ...defaults, shard_target_tokens: 20_000, batch_size: 7 });
    const books = a[1]!.outputs.filter((o) => o.kind === 'tokens');
    assert.ok(books.length >= 3, `books should span several shards, got ${books.length}`);
    assert.equal(books.reduce((n, o) => n + o.rows, 0), 3);
    assert.equal(a[1]!.counters['token_shards'], books.length);
    // Run again, with another batch size: the same bytes (paths, sizes, sha256); batching is not visible in the output.
    const b = await runStep(join(dir, 'run-b2'), { ...defaults, shard_target_tokens: 20_000, batch_size: 1000 });
    assert.deepEqual(b.map((s) => s.outputs), a.map((s) => s.outputs));
  });

  it('fails before any work on a tokenizer that is missing, broken or lacks BOS', async () => {
    const ctx = (params: Partial<TokenizeParams>) => ({ runDir: dir, pipelineDir: dir, params: { ...defaults, ...params } }) as unknown as StepContext<TokenizeParams>;
    await assert.rejects(tokenizeStep.validate!(ctx({ tokenizer: 'nope/tokenizer.json' })), (e: unknown) => e instanceof FoxdenError && e.code === 'BAD_CONFIG' && e.message.includes(join(dir, 'nope/tokenizer.json')));
    await writeFile(join(dir, 'broken.json'), '{"model": {"type": "BPE", "vocab": ');
    await assert.rejects(tokenizeStep.validate!(ctx({ tokenizer: 'broken.json' })), (e: unknown) => e instanceof FoxdenError && e.message.includes('broken.json'));
    await assert.rejects(tokenizeStep.validate!(ctx({ bos_token: '<start>' })), (e: unknown) => e instanceof FoxdenError && /<start>/.test((e as Error).message));
    await tokenizeStep.validate!(ctx({ add_bos: false, bos_token: '<start>' }));
  });

  it('drops documents the tokenizer rejects, naming each, and keeps the rest', async () => {
    // A character-level BPE of printable ASCII whose unknown token is not in its vocabulary: the library
    // refuses text with any other character (curly quotes, accents), and encodes plain ASCII text.
    const letters = Array.from({ length: 126 - 33 + 1 }, (_, i) => String.fromCharCode(33 + i)).join('');
    const vocab: Record<string, number> = { '<s>': 0, '</s>': 1 };
    for (const c of letters) vocab[c] = Object.keys(vocab).length;
    await writeFile(join(dir, 'strict.json'), JSON.stringify({
      version: '1.0', truncation: null, padding: null,
      added_tokens: [{ id: 0, content: '<s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }, { id: 1, content: '</s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
      normalizer: null, pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: null,
      model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: [] },
    }));
    const stats = await runStep(join(dir, 'run-c'), { ...defaults, tokenizer: 'strict.json', batch_size: 16 });
    for (const s of stats) assertBalanced(s);
    const rejected = stats.reduce((n, s) => n + (s.dropped['tokenize-error'] ?? 0), 0);
    const kept = stats.reduce((n, s) => n + s.documents_out, 0);
    assert.ok(rejected > 0, 'documents with other characters are rejected');
    assert.ok(kept > 0, 'documents of plain ASCII are kept');
    const drops = await ShardReader.open(join(dir, 'run-c', stats[0]!.outputs.find((o) => o.kind === 'drops')!.path));
    for await (const batch of drops.rowBatches()) {
      for (const d of batch) {
        if (d['reason'] !== 'tokenize-error') continue;
        assert.ok(String(d['value']).includes(`document ${d['id']}`), 'the reason names the document');
        assert.match(String(d['value']), /Unk token/);
        assert.ok(expected.has(d['id'] as string));
        assert.doesNotMatch(expected.get(d['id'] as string)!.text, /^[\x21-\x7e\s]*$/, 'a rejected document has a character outside printable ASCII');
      }
    }
    await drops.close();
    // Only plain-ASCII documents can pass; each kept one really has no other character, and each rejected one has.
    for (const s of stats) {
      for (const o of s.outputs.filter((x) => x.kind === 'tokens')) {
        const reader = await ShardReader.open(join(dir, 'run-c', o.path));
        for await (const batch of reader.rowBatches(['id'])) for (const r of batch) assert.match(expected.get(r['id'] as string)!.text, /^[\x21-\x7e\s]*$/);
        await reader.close();
      }
    }
  });
});
