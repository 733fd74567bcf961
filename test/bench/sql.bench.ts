/**
 * DuckDB over a run: the aggregate an engineer runs first (documents and
 * tokens by source and language) over the `docs` view.
 *
 *   node --import tsx test/bench/run.ts sql
 *
 * 1. The shared-corpus run: every JSONL record and every book (in 20K-char
 *    chunks) of ../shared/corpus, tokenized with a BPE trained by the
 *    `tokenizers` package, packed into two stages. Reports seconds.
 * 2. The same token shards repeated (done markers for each copy) to a few
 *    hundred thousand rows: docs rows/s per core, against the limit of DuckDB
 *    running the same aggregate natively over the run's docs.parquet.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { completeTask, emptyTaskStats, stepDirName, type ShardOutput } from '@foxden/core';
import { buildFixtureRun, loadCorpusDocs } from '../../packages/sql/test/fixture-run.js';
import { openRunDatabase } from '../../packages/sql/src/run-database.js';
import { writeRunParquet } from '../../packages/sql/src/write-run-parquet.js';
import { measure, type BenchContext, type BenchEntry } from './harness.js';

const AGGREGATE = 'SELECT source, lang, count(*) AS docs, sum(n_tokens) AS tokens FROM docs GROUP BY source, lang ORDER BY source, lang';

export default async function bench(ctx: BenchContext): Promise<BenchEntry[]> {
  const { readdirSync } = await import('node:fs');
  const docs = loadCorpusDocs({
    jsonl: readdirSync(join(ctx.corpusDir, 'jsonl')).filter((f) => f.endsWith('.jsonl') || f.endsWith('.jsonl.gz')).sort(),
    books: readdirSync(join(ctx.corpusDir, 'books')).filter((f) => f.endsWith('.txt.gz')).sort(),
  });
  const runDir = join(ctx.scratchDir, 'corpus-run');
  const built = await measure(() => buildFixtureRun(runDir, docs, { scratch: ctx.scratchDir, tokenShards: 4 }));
  const run = built.result;
  ctx.log(`built the shared-corpus run in ${built.seconds.toFixed(1)} s: ${run.tokens.length} docs, ${run.tokens.reduce((n, d) => n + d.n_tokens, 0)} tokens, ${run.sequences.length} sequences`);

  const entries: BenchEntry[] = [];
  // Corpus run: open once, run the aggregate (first run includes footer parsing), report the best of 3.
  const db = await openRunDatabase(runDir);
  let best = Infinity;
  let peak = 0;
  let rows = 0;
  for (let i = 0; i < 3; i++) {
    const m = await measure(() => db.query(AGGREGATE));
    best = Math.min(best, m.seconds);
    peak = Math.max(peak, m.peakRss);
    rows = m.result.rows.length;
  }
  // The same aggregate straight over the token shards: what docs costs without its stage lookup.
  const noStage = await measure(() => db.query(AGGREGATE.replace('FROM docs', "FROM foxden_shards('tokens')")));
  await db.close();
  const inputBytes = (await import('node:fs')).statSync(runDir).size;
  entries.push({
    name: 'sql.docs-aggregate.corpus-run', value: best, unit: 's', input_bytes: inputBytes, documents: run.tokens.length,
    seconds: best, cores: 1, peak_rss_bytes: peak, notes: { query: AGGREGATE, groups: rows, stages: true, sequences: run.sequences.length, seconds_without_stage_lookup: noStage.seconds },
  });

  // Scaled: repeat the token shards under a second tokenize-like step with done markers.
  const copies = ctx.full ? 2000 : 400;
  const tokenOutputs = (await openRunDatabase(runDir).then(async (d) => { const s = d.catalog.shards; await d.close(); return s; })).filter((s) => s.kind === 'tokens');
  const bigRun = join(ctx.scratchDir, 'big-run');
  const stepDir = stepDirName(0, 'tokenize');
  await mkdir(join(bigRun, stepDir, 'tokens'), { recursive: true });
  await writeFile(join(bigRun, 'run.json'), JSON.stringify({ name: 'sql-bench', seed: 1, steps: [{ name: 'tokenize', type: 'tokenize', params: {} }], inputs: [] }));
  let bigDocs = 0;
  let bigBytes = 0;
  for (let c = 0; c < copies; c++) {
    const taskId = String(c).padStart(5, '0');
    const stats = emptyTaskStats('tokenize', taskId);
    const src = tokenOutputs[c % tokenOutputs.length]!;
    const path = join(stepDir, 'tokens', `main-${taskId}.arrow`);
    await copyFile(join(runDir, src.path), join(bigRun, path));
    const out: ShardOutput = { ...src, path };
    stats.outputs.push(out);
    stats.documents_in = stats.documents_out = src.rows;
    bigDocs += src.rows;
    bigBytes += src.bytes;
    await completeTask(bigRun, stepDir, 'main', taskId, stats);
  }
  await writeRunParquet(bigRun);
  const big = await openRunDatabase(bigRun, { threads: 1 });
  const viaView = await measure(() => big.query(AGGREGATE));
  await big.close();

  const plain = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false', threads: '1' });
  const conn = await plain.connect();
  const parquetSql = AGGREGATE.replace('FROM docs', `FROM read_parquet('${join(bigRun, 'parquet', 'docs.parquet')}')`);
  const viaParquet = await measure(() => conn.runAndReadAll(parquetSql));
  conn.closeSync();
  plain.closeSync();
  const rate = bigDocs / viaView.seconds;
  const limit = bigDocs / viaParquet.seconds;
  entries.push({
    name: 'sql.docs-aggregate.scaled', value: rate, unit: 'docs/s/core', input_bytes: bigBytes, documents: bigDocs,
    seconds: viaView.seconds, cores: 1, peak_rss_bytes: viaView.peakRss,
    limit: { name: 'same aggregate, DuckDB native over docs.parquet, 1 thread', value: limit, unit: 'docs/s/core' }, ratio: rate / limit,
    notes: { shards: copies, token_shard_bytes: bigBytes, parquet_seconds: viaParquet.seconds },
  });
  return entries;
}
