/**
 * Test fixtures from the real corpus (../shared/corpus): a byte-level BPE
 * tokenizer trained with the real `tokenizers` library on two of the books,
 * real documents (JSONL web text, arXiv, StackExchange, whole novels)
 * tokenized with it and written as token shards with ShardWriter, and a
 * helper that runs the curriculum step's phases the way a runner does.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import tokenizers from 'tokenizers';
import {
  TOKEN_COLUMNS, stepDirName, type StepModule, type StepOutputs, type StepSummary, type TaskStats, type TokenizerIdentity,
} from '@foxden/core';
import { InProcessExecutor, resolveStepParams, runStep as runPipelineStep } from '@foxden/pipeline';
import { ShardWriter } from '@foxden/shards';

const { Tokenizer, BPE, byteLevelPreTokenizer } = tokenizers;

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const corpusDir = resolve(repoRoot, '../shared/corpus');

export interface CorpusDoc {
  id: string;
  source: string;
  url: string | null;
  text: string;
}

const JSONL = [
  'jsonl/datajuicer_arxiv.jsonl', 'jsonl/datajuicer_redpajama-c4-refined.jsonl', 'jsonl/datajuicer_redpajama-cc-2023-06-refined.jsonl',
  'jsonl/datajuicer_redpajama-pile-stackexchange-refined.jsonl', 'jsonl/datajuicer_stack_exchange.jsonl', 'jsonl/datajuicer_the-pile-nih-refined.jsonl',
  'jsonl/datajuicer_the-pile-uspto-refined.jsonl', 'jsonl/dolma_ccnet_cc_en_head-0091.jsonl.gz', 'jsonl/dolma_ccnet_cc_en_head-0174.jsonl.gz',
  'jsonl/dolma_provided_documents_000.jsonl.gz',
];
/** Novels for the long-document stage; a few, to keep tokenizing under a few seconds. */
const BOOKS = ['books/gutenberg_Vathek.txt.gz', 'books/gutenberg_CastleOfOtranto.txt.gz', 'books/sentencepiece_botchan_en.txt.gz'];

async function readText(rel: string): Promise<string> {
  const bytes = await readFile(join(corpusDir, rel));
  return (rel.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}

export async function corpusDocuments(): Promise<CorpusDoc[]> {
  const docs: CorpusDoc[] = [];
  for (const rel of JSONL) {
    const lines = (await readText(rel)).split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      const rec = JSON.parse(line) as { text?: string; id?: string; meta?: { url?: string }; metadata?: { url?: string } };
      if (typeof rec.text !== 'string' || rec.text.length === 0) return;
      docs.push({ id: `${rel}#${i}`, source: rel, url: rec.meta?.url ?? rec.metadata?.url ?? null, text: rec.text });
    });
  }
  for (const rel of BOOKS) docs.push({ id: rel, source: rel, url: null, text: await readText(rel) });
  return docs;
}

export interface TokenizedCorpus {
  identity: TokenizerIdentity;
  docs: { id: string; source: string; url: string | null; tokens: Uint32Array; quality: number }[];
}

let cached: Promise<TokenizedCorpus> | undefined;

/** The corpus tokenized once per test process. */
export function tokenizedCorpus(): Promise<TokenizedCorpus> {
  cached ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'foxden-curriculum-tok-'));
    const train = join(dir, 'train.txt');
    await writeFile(train, await readText(BOOKS[0]!));
    const tok = new Tokenizer(BPE.empty());
    tok.setPreTokenizer(byteLevelPreTokenizer(false, true));
    tok.train([train]);
    tok.addSpecialTokens(['<pad>', '<eos>']);
    const file = join(dir, 'tokenizer.json');
    tok.save(file);
    const sha256 = createHash('sha256').update(await readFile(file)).digest('hex');
    const identity: TokenizerIdentity = {
      name: 'fixture-bpe', vocab_size: tok.getVocabSize(true),
      special_ids: { '<eos>': tok.tokenToId('<eos>')!, '<pad>': tok.tokenToId('<pad>')! }, sha256,
    };
    const corpus = await corpusDocuments();
    // Long texts are encoded in line-aligned chunks: byte-level pre-tokenization never merges
    // across a newline, and one huge input is much slower in the library than many small ones.
    const chunks: string[] = [];
    const owner: number[] = [];
    corpus.forEach((d, i) => {
      const lines = d.text.split(/(?<=\n)/);
      let cur = '';
      for (const line of lines) {
        cur += line;
        if (cur.length >= 4096) {
          chunks.push(cur);
          owner.push(i);
          cur = '';
        }
      }
      if (cur.length > 0 || d.text.length === 0) {
        chunks.push(cur);
        owner.push(i);
      }
    });
    const encodings = await tok.encodeBatch(chunks);
    const perDoc: number[][] = corpus.map(() => []);
    encodings.forEach((e, j) => {
      const target = perDoc[owner[j]!]!;
      for (const id of e.getIds()) target.push(id);
    });
    const eos = identity.special_ids['<eos>']!;
    const docs = corpus.map((d, i) => {
      const ids = perDoc[i]!;
      const tokens = new Uint32Array(ids.length + 1);
      tokens.set(ids);
      tokens[ids.length] = eos;
      // A real, text-derived score: the share of letters among non-space characters.
      const chars = d.text.replace(/\s/g, '');
      const letters = chars.replace(/[^\p{L}]/gu, '').length;
      return { id: d.id, source: d.source, url: d.url, tokens, quality: chars.length === 0 ? 0 : letters / chars.length };
    });
    return { identity, docs };
  })();
  return cached;
}

export function identityMetadata(identity: TokenizerIdentity): Record<string, string> {
  return {
    'foxden.tokenizer.name': identity.name, 'foxden.tokenizer.vocab_size': String(identity.vocab_size),
    'foxden.tokenizer.special_ids': JSON.stringify(identity.special_ids), 'foxden.tokenizer.sha256': identity.sha256,
  };
}

/** Writes documents as token shards of a 'tokenize' step, round-robin over `shards` files, in document order. */
export async function writeTokenShards(runDir: string, corpus: TokenizedCorpus, shards: number, options: { identities?: TokenizerIdentity[]; docs?: TokenizedCorpus['docs'] } = {}): Promise<StepOutputs> {
  const stepDir = stepDirName(0, 'tokenize');
  const docs = options.docs ?? corpus.docs;
  const outputs = [];
  for (let s = 0; s < shards; s++) {
    const identity = options.identities?.[s] ?? corpus.identity;
    const w = await ShardWriter.create({
      runDir, path: join(stepDir, 'tokens', `tokenize-${String(s).padStart(5, '0')}.arrow`), kind: 'tokens', columns: TOKEN_COLUMNS,
      metadata: { 'foxden.step': 'tokenize', ...identityMetadata(identity) }, batchRows: 64,
    });
    for (let i = s; i < docs.length; i += shards) {
      const d = docs[i]!;
      await w.append({ id: d.id, source: d.source, url: d.url, lang: 'en', n_tokens: d.tokens.length, tokens: d.tokens, quality: d.quality, cluster_size: 1 });
    }
    outputs.push(await w.close());
  }
  return { step: 'tokenize', type: 'tokenize', columns: [...TOKEN_COLUMNS], shards: outputs };
}

export interface StepRun {
  /** Stats of the phase that carries documents (pack). */
  summary: StepSummary;
  stats: Record<string, TaskStats[]>;
  stepDir: string;
  logs: string[];
}

/** This package's step entry point, from source: the executor imports the steps from it as a worker would. */
const STEP_PACKAGE = new URL('../src/step.ts', import.meta.url).href;

/** Runs the step after `history` as a runner does: the orchestrator's runStep on the in-process executor, params with the schema's defaults. */
export async function runStep(step: StepModule<any>, runDir: string, history: StepOutputs[], params: Record<string, unknown>, seed = 42): Promise<StepRun> {
  const stepDir = stepDirName(1, 'curriculum');
  const logs: string[] = [];
  const base = {
    runDir, stepIndex: 1, stepName: 'curriculum', stepType: step.type, stepDir, phase: '', params: resolveStepParams(step, params), seed, inputs: [], pipelineDir: runDir,
    history, phaseOutputs: [], inputColumns: [...TOKEN_COLUMNS],
  };
  const reporter = { stepStart: () => undefined, progress: () => undefined, stepEnd: () => undefined, log: (m: string) => logs.push(m) };
  const run = await runPipelineStep({ module: step, moduleUrl: STEP_PACKAGE }, base, { executor: new InProcessExecutor(), reporter });
  return { summary: run.summary, stats: Object.fromEntries(run.phases.map((p) => [p.phase, p.stats])), stepDir, logs };
}
