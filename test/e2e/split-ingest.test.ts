// foxden-test-needs: shared-corpus
/**
 * Splitting large archives into range tasks (ingest's split_bytes) changes
 * nothing a run outputs: the same pipeline over real WARC/ARC files, once
 * with every file one task and once with the files cut every 40 KB, gives
 * the same documents, drops and tokens in the same order (the concatenation
 * of the shards in path order) and the same step funnels and counters.
 * Not the same: how tokenize groups documents into token shards (one group
 * per input shard at least, so more ingest shards make more token shards),
 * and with that how the curriculum packs them into sequences; the curriculum
 * still receives and places the same content tokens.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { ShardReader } from '@foxden/shards';
import { CORPUS_DIR, foxdenOk, scratchDir, sharedCorpusFixture } from './fixtures.ts';

const INPUTS = [
  'warc/aut_IAH-2008-archive.org.warc.gz', 'warc/cc_CC-MAIN-2014-35_excerpt.warc', 'warc/cc_crawl-2008_small-sample-1213893279526_0.arc',
  'warc/dolma_sample-0000.warc.gz', 'warc/resiliparse_warcfile.warc.gz', 'warc/ukwa_IAH-urls-wget.warc.gz',
  'warc/edge-cases/warcio_example-trunc.warc', 'warc/edge-cases/resiliparse_clipped.warc.gz',
].map((f) => join(CORPUS_DIR, f));

function pipeline(tokenizer: string, splitBytes: number): string {
  return `name: split
seed: 7
inputs: ${JSON.stringify(INPUTS)}
output: run
steps:
  - { name: ingest, type: ingest, params: { split_bytes: ${splitBytes}, language_id: false } }
  - { name: exact-dedup, type: exact-dedup, params: { text: true, url: true, partitions: 2 } }
  - { name: near-dedup, type: minhash-dedup }
  - { name: gopher-quality, type: gopher-quality }
  - { name: tokenize, type: tokenize, params: { tokenizer: ${JSON.stringify(tokenizer)}, add_bos: true, add_eos: true } }
  - name: curriculum
    type: curriculum
    params:
      stages:
        - { name: 2k, seq_len: 2048, budget: { share: 0.5 }, select: { min_tokens: 1, max_tokens: 1024 }, packing: best-fit-fill }
        - { name: 4k, seq_len: 4096, budget: { share: 0.5 }, select: { min_tokens: 1025, max_tokens: null }, packing: best-fit-fill, split: true }
      total_tokens: null
      max_repeats: 1
      on_shortfall: warn
`;
}

/** Every row of a step's shards of one kind, in shard path order, as JSON lines. */
async function rows(run: string, stepDir: string, kind: string): Promise<string[]> {
  const dir = join(run, 'steps', stepDir, kind);
  const out: string[] = [];
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.arrow')).sort();
  } catch {
    return out;
  }
  for (const file of files) {
    const reader = await ShardReader.open(join(dir, file));
    for await (const batch of reader.rowBatches()) out.push(...batch.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : ArrayBuffer.isView(v) ? Array.from(v as Uint32Array) : v))));
    await reader.close();
  }
  return out;
}

it('ingest split at 40 KB gives the same documents, drops, tokens and funnels as one task per file', { timeout: 900_000 }, async () => {
  const { tokenizer } = await sharedCorpusFixture();
  const dir = await scratchDir('split-ingest');
  const runs: string[] = [];
  for (const split of [0, 40_000]) {
    const file = join(dir, `p-${split}.yaml`);
    writeFileSync(file, pipeline(tokenizer, split));
    const run = join(dir, `run-${split}`);
    await foxdenOk(['run', file, '--out', run, '--workers', '2'], `the pipeline with split_bytes ${split}`);
    runs.push(run);
  }
  const [whole, split] = runs as [string, string];
  const wholeShards = readdirSync(join(whole, 'steps', '00-ingest', 'documents')).filter((f) => f.endsWith('.arrow'));
  const splitShards = readdirSync(join(split, 'steps', '00-ingest', 'documents')).filter((f) => f.endsWith('.arrow'));
  assert.equal(wholeShards.length, INPUTS.length);
  assert.ok(splitShards.length > wholeShards.length + 20, `the split run reads by ranges (${splitShards.length} ingest tasks)`);

  type Summary = { steps: { step: string; documents_in: number; documents_out: number; dropped: Record<string, number>; counters: Record<string, number>; bytes_in: number }[] };
  const layoutFree = (step: string, counters: Record<string, number>) =>
    step === 'tokenize' ? { ...counters, token_shards: 0 } : step === 'curriculum' ? { content_tokens: counters['content_tokens'] ?? -1 } : counters;
  const funnel = (run: string) => (JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')) as Summary).steps
    .map(({ step, documents_in, documents_out, dropped, counters }) => ({ step, documents_in, documents_out, dropped, counters: layoutFree(step, counters) }));
  assert.deepEqual(funnel(split), funnel(whole));

  for (const step of readdirSync(join(whole, 'steps')).sort()) {
    for (const kind of ['documents', 'drops', 'tokens']) {
      const a = await rows(whole, step, kind);
      const b = await rows(split, step, kind);
      assert.equal(b.length, a.length, `${step} ${kind}: rows`);
      for (let i = 0; i < a.length; i++) assert.equal(b[i], a[i], `${step} ${kind}: row ${i}`);
    }
  }
});
