/**
 * Builds a small but real run directory, following packages/core/src/layout.ts
 * and the stage shard contract, from real corpus text: documents and drops of
 * an ingest step, token shards with ids from a BPE tokenizer trained with the
 * `tokenizers` package, and stage shards packed from those tokens. Returns
 * what was written so tests can compare SQL answers against it.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import tokenizers from 'tokenizers';
import {
  DOCUMENT_COLUMNS, DROP_COLUMNS, TOKEN_COLUMNS, completeTask, emptyTaskStats, mergeTaskStats, shardPath, stepDirName,
  type TaskStats,
} from '@foxden/core';
import { ShardWriter, compactStepSidecars } from '@foxden/shards';

export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const corpusDir = resolve(repoRoot, '../shared/corpus');

export interface FixtureDoc {
  id: string;
  url: string | null;
  source: string;
  lang: string | null;
  text: string;
}

export interface FixtureTokenDoc {
  id: string;
  source: string;
  lang: string | null;
  n_tokens: number;
  quality: number | null;
  cluster_size: number | null;
  extraction: string | null;
  shard: string;
}

export interface FixtureRun {
  runDir: string;
  docs: FixtureDoc[];
  drops: { id: string; reason: string; step: string }[];
  tokens: FixtureTokenDoc[];
  sequences: { stage: string; seq_len: number; segments: number; padding: number }[];
  /** doc id -> stage name, for documents packed into a stage. */
  docStage: Map<string, string>;
  summary: { steps: ReturnType<typeof mergeTaskStats>[] };
}

/** Real documents from the shared corpus: every JSONL record of the listed files, then each book split into chapters of about `bookChunk` characters. */
export function loadCorpusDocs(options: { jsonl?: string[]; books?: string[]; bookChunk?: number } = {}): FixtureDoc[] {
  const jsonl = options.jsonl ?? ['datajuicer_redpajama-c4-refined.jsonl', 'datajuicer_the-pile-nih-refined.jsonl', 'datajuicer_stack_exchange.jsonl', 'dolma_provided_documents_000.jsonl.gz'];
  const books = options.books ?? ['gutenberg_Vathek.txt.gz'];
  const chunk = options.bookChunk ?? 20000;
  const docs: FixtureDoc[] = [];
  for (const file of jsonl) {
    let raw = readFileSync(join(corpusDir, 'jsonl', file));
    if (file.endsWith('.gz')) raw = gunzipSync(raw);
    raw.toString('utf8').split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      const rec = JSON.parse(line) as { text?: string; meta?: { url?: string; language?: string }; metadata?: { url?: string }; url?: string };
      docs.push({
        id: `${file}:${i}`, url: rec.url ?? rec.meta?.url ?? rec.metadata?.url ?? null, source: `jsonl/${file}`,
        lang: rec.meta?.language ?? (i % 7 === 0 ? 'de' : 'en'), text: rec.text ?? '',
      });
    });
  }
  for (const file of books) {
    const text = gunzipSync(readFileSync(join(corpusDir, 'books', file))).toString('utf8');
    for (let at = 0, n = 0; at < text.length; at += chunk, n++) {
      docs.push({ id: `${file}:${n}`, url: null, source: `books/${file}`, lang: 'en', text: text.slice(at, at + chunk) });
    }
  }
  return docs;
}

/** Trains a small byte-level BPE tokenizer on the documents (real `tokenizers` code, real ids). */
export function trainTokenizer(dir: string, docs: readonly FixtureDoc[]): { tokenizer: InstanceType<typeof tokenizers.Tokenizer>; sha256: string; file: string } {
  const { Tokenizer, BPE, byteLevelPreTokenizer } = tokenizers;
  const trainFile = join(dir, 'train.txt');
  writeFileSync(trainFile, docs.slice(0, 60).map((d) => d.text).join('\n'));
  const tokenizer = new Tokenizer(BPE.empty());
  tokenizer.setPreTokenizer(byteLevelPreTokenizer(false, true));
  tokenizer.train([trainFile]);
  const file = join(dir, 'tokenizer.json');
  tokenizer.save(file);
  return { tokenizer, file, sha256: createHash('sha256').update(readFileSync(file)).digest('hex') };
}

/**
 * Writes the run. Steps: 00-ingest (documents + drops: docs shorter than
 * `minChars` are dropped as `too-short`), 01-tokenize (two token shards),
 * 02-curriculum (two stages: seq_len 64 for docs under 256 tokens, 256 for the
 * rest; greedy packing, long documents split across sequences) unless
 * `stages` is false. Each step's sidecars are compacted when the step is
 * complete, as the orchestrator does (compactStepSidecars), unless `compact`
 * is false.
 */
export async function buildFixtureRun(
  runDir: string, docs: readonly FixtureDoc[],
  options: { stages?: boolean; minChars?: number; scratch: string; tokenShards?: number; compact?: boolean },
): Promise<FixtureRun> {
  const compact = async (stepDir: string, step: string, tasks: readonly TaskStats[]) => {
    if (options.compact !== false) await compactStepSidecars(runDir, stepDir, step, tasks.flatMap((t) => t.outputs));
  };
  const minChars = options.minChars ?? 200;
  const tokenShards = options.tokenShards ?? 2;
  await mkdir(runDir, { recursive: true });
  const { tokenizer, sha256 } = trainTokenizer(options.scratch, docs);
  const tokenizerMeta = {
    'foxden.tokenizer.name': 'fixture-bpe', 'foxden.tokenizer.vocab_size': String(tokenizer.getVocabSize(true)),
    'foxden.tokenizer.special_ids': '{}', 'foxden.tokenizer.sha256': sha256,
  };
  const steps: { name: string; type: string; params: Record<string, unknown> }[] = [
    { name: 'ingest', type: 'ingest', params: {} }, { name: 'tokenize', type: 'tokenize', params: {} },
  ];
  if (options.stages !== false) steps.push({ name: 'curriculum', type: 'curriculum', params: {} });
  await writeFile(join(runDir, 'run.json'), JSON.stringify({ name: 'sql-fixture', seed: 7, steps, inputs: [] }, null, 2));
  const summarySteps: ReturnType<typeof mergeTaskStats>[] = [];

  // 00-ingest: one task, documents + drops.
  const ingestDir = stepDirName(0, 'ingest');
  const ingest = emptyTaskStats('ingest', '00000');
  const docWriter = await ShardWriter.create({ runDir, path: shardPath(ingestDir, 'documents', 'main', '00000'), kind: 'documents', columns: DOCUMENT_COLUMNS });
  const dropWriter = await ShardWriter.create({ runDir, path: shardPath(ingestDir, 'drops', 'main', '00000'), kind: 'drops', columns: DROP_COLUMNS });
  const kept: FixtureDoc[] = [];
  const drops: FixtureRun['drops'] = [];
  for (const [i, d] of docs.entries()) {
    ingest.documents_in++;
    if (d.text.length < minChars) {
      ingest.dropped['too-short'] = (ingest.dropped['too-short'] ?? 0) + 1;
      drops.push({ id: d.id, reason: 'too-short', step: 'ingest' });
      await dropWriter.append({ id: d.id, url: d.url, step: 'ingest', reason: 'too-short', value: String(d.text.length), source: d.source, offset: i });
      continue;
    }
    ingest.documents_out++;
    kept.push(d);
    await docWriter.append({ ...d, fetched_at: null, lang_score: 0.9, meta: null });
  }
  ingest.outputs.push(await docWriter.close(), await dropWriter.close());
  await completeTask(runDir, ingestDir, 'main', '00000', ingest);
  await compact(ingestDir, 'ingest', [ingest]);
  summarySteps.push(mergeTaskStats('ingest', 'ingest', [ingest]));

  // 01-tokenize: kept docs split over token shards.
  const tokDir = stepDirName(1, 'tokenize');
  const tokenDocs: (FixtureTokenDoc & { ids: Uint32Array })[] = [];
  const tokTasks: TaskStats[] = [];
  const perShard = Math.ceil(kept.length / tokenShards);
  for (let s = 0; s < tokenShards; s++) {
    const taskId = String(s).padStart(5, '0');
    const stats = emptyTaskStats('tokenize', taskId);
    const path = shardPath(tokDir, 'tokens', 'main', taskId);
    const writer = await ShardWriter.create({ runDir, path, kind: 'tokens', columns: TOKEN_COLUMNS, metadata: tokenizerMeta, batchRows: 64 });
    for (const [j, d] of kept.slice(s * perShard, (s + 1) * perShard).entries()) {
      const encoding = await tokenizer.encode(d.text);
      const ids = Uint32Array.from(encoding.getIds());
      const quality = j % 5 === 0 ? null : Math.fround((ids.length % 97) / 97);
      const extraction: string | null = ['main', 'readability', 'boilerplate', 'visible', null][j % 5] ?? null;
      const row = { id: d.id, source: d.source, url: d.url, lang: d.lang, n_tokens: ids.length, tokens: ids, quality, cluster_size: j % 3 === 0 ? 2 : 1, extraction };
      await writer.append(row);
      tokenDocs.push({ ...row, shard: path, ids });
      stats.documents_in++;
      stats.documents_out++;
      stats.counters['tokens'] = (stats.counters['tokens'] ?? 0) + ids.length;
    }
    stats.outputs.push(await writer.close());
    await completeTask(runDir, tokDir, 'main', taskId, stats);
    tokTasks.push(stats);
  }
  await compact(tokDir, 'tokenize', tokTasks);
  summarySteps.push(mergeTaskStats('tokenize', 'tokenize', tokTasks));

  // 02-curriculum: two stages, greedy packing.
  const sequences: FixtureRun['sequences'] = [];
  const docStage = new Map<string, string>();
  if (options.stages !== false) {
    const curDir = stepDirName(2, 'curriculum');
    const stages = [{ index: 0, name: 'short', seq_len: 64, docs: tokenDocs.filter((d) => d.n_tokens < 256) }, { index: 1, name: 'long', seq_len: 256, docs: tokenDocs.filter((d) => d.n_tokens >= 256) }];
    const stats = emptyTaskStats('curriculum', '00000');
    for (const stage of stages) {
      const writer = await ShardWriter.create({
        runDir, path: shardPath(curDir, 'stage', 'pack', `${stage.index}-${stage.name}`), kind: 'stage',
        columns: [
          { name: 'tokens', type: 'list<uint32>', nullable: false }, { name: 'segment_lengths', type: 'list<int32>', nullable: false },
          { name: 'segment_doc_ids', type: 'list<utf8>', nullable: false }, { name: 'segment_offsets', type: 'list<int32>', nullable: false },
          { name: 'padding', type: 'int32', nullable: false },
        ],
        metadata: { ...tokenizerMeta, 'foxden.stage.index': String(stage.index), 'foxden.stage.name': stage.name, 'foxden.stage.seq_len': String(stage.seq_len) },
      });
      let seq: number[] = [];
      let lengths: number[] = [];
      let ids: string[] = [];
      let offsets: number[] = [];
      const flush = async () => {
        const padding = stage.seq_len - seq.length;
        while (seq.length < stage.seq_len) seq.push(0);
        await writer.append({ tokens: Uint32Array.from(seq), segment_lengths: lengths, segment_doc_ids: ids, segment_offsets: offsets, padding });
        sequences.push({ stage: stage.name, seq_len: stage.seq_len, segments: lengths.length, padding });
        seq = []; lengths = []; ids = []; offsets = [];
      };
      for (const d of stage.docs) {
        docStage.set(d.id, stage.name);
        for (let at = 0; at < d.ids.length;) {
          const take = Math.min(stage.seq_len - seq.length, d.ids.length - at);
          seq.push(...d.ids.subarray(at, at + take));
          lengths.push(take); ids.push(d.id); offsets.push(at);
          at += take;
          if (seq.length === stage.seq_len) await flush();
        }
      }
      if (seq.length > 0) await flush();
      stats.outputs.push(await writer.close());
    }
    stats.documents_in = tokenDocs.length;
    stats.documents_out = tokenDocs.length;
    await completeTask(runDir, curDir, 'pack', '00000', stats);
    summarySteps.push(mergeTaskStats('curriculum', 'curriculum', [stats]));
  }
  const summary = { pipeline: 'sql-fixture', seed: 7, steps: summarySteps };
  await writeFile(join(runDir, 'summary.json'), JSON.stringify(summary, null, 2));
  return {
    runDir, docs: [...docs], drops, sequences, docStage, summary,
    tokens: tokenDocs.map(({ ids: _ids, ...rest }) => rest),
  };
}
