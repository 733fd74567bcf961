/**
 * DuckDB over a run: the aggregate an engineer runs first (documents and
 * tokens by source and language) over the `docs` view.
 *
 *   node --import tsx test/bench/run.ts sql
 *
 * 1. The shared-corpus run: every JSONL record and every book (in 20K-char
 *    chunks) of ../shared/corpus, tokenized with a BPE trained by the
 *    `tokenizers` package, packed into two stages. Reports seconds.
 * 2. Token shards repeated (hard links, a done marker for each copy, then the
 *    step's sidecars compacted by compactStepSidecars, the function the
 *    orchestrator calls when a step completes) at two shard counts, for the
 *    corpus run's own ~170-row shards and for ~10,000-row shards: docs rows/s
 *    per core through the docs view (over the step's compacted Parquet file),
 *    against the limit of DuckDB running the same aggregate natively over one
 *    docs.parquet of the same rows; and, in the same run, the docs view over the
 *    task sidecars (`compacted: false`, the views before compaction) and over the
 *    Arrow shards (`sidecars: false`, the views before sidecars).
 */
import { link, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { completeTask, emptyTaskStats, sidecarPath, stepDirName, type ShardOutput, type TaskStats } from '@foxden/core';
import { ShardReader, ShardWriter, compactStepSidecars } from '@foxden/shards';
import { buildFixtureRun, loadCorpusDocs } from '../../packages/sql/test/fixture-run.js';
import { openRunDatabase } from '../../packages/sql/src/run-database.js';
import { writeRunParquet } from '../../packages/sql/src/write-run-parquet.js';
import { measure, type BenchContext, type BenchEntry } from './harness.js';

/**
 * Tries per Parquet reading (compacted, task sidecars, native): each takes milliseconds, so on a shared
 * 2-core machine the best of a few is mostly scheduling noise; the Arrow reading (0.1-0.5 s) keeps 3.
 */
const QUICK_TRIES = 10;

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

  // Scaled: the corpus run's token rows repeated over many shards (hard links, with a done marker per
  // shard, then the step compacted as the orchestrator compacts it), at two shard counts for each of two
  // shard sizes: the corpus run's own token shards (~170 rows each, as this benchmark has always used) and
  // shards of ~10,000 rows, about what a tokenize task over one filtered web-crawl WARC writes. Each is timed
  // four ways in the same run: the docs view over the step's compacted file (today's views), over the task
  // sidecars (the views before compaction), over the Arrow shards (the views before sidecars), and DuckDB
  // natively over one Parquet file of the same rows (writeRunParquet's docs.parquet).
  const catalog = await openRunDatabase(runDir).then(async (d) => { const s = d.catalog.shards; await d.close(); return s; });
  const tokenOutputs = catalog.filter((s) => s.kind === 'tokens');
  const bigShard = await concatenatedTokenShard(runDir, join(ctx.scratchDir, 'big-shard'), tokenOutputs, ctx.full ? 30 : 15);
  const shapes = [
    { name: 'sql.docs-aggregate.scaled', label: 'corpus token shards', sources: tokenOutputs, counts: ctx.full ? [400, 2000] : [100, 400] },
    { name: 'sql.docs-aggregate.scaled-10k-row-shards', label: `${bigShard.output.rows}-row token shards`, sources: [bigShard.output], counts: ctx.full ? [20, 80] : [10, 40] },
  ];
  for (const shape of shapes) {
    const points: ScaledPoint[] = [];
    for (const copies of shape.counts) {
      const point = await scaledPoint(join(ctx.scratchDir, `scaled-${points.length}-${copies}`), shape.sources === tokenOutputs ? runDir : bigShard.runDir, shape.sources, copies);
      ctx.log(`${shape.label} x ${copies}: ${point.docs} docs; compacted ${point.compacted.toFixed(4)} s, task sidecars ${point.sidecars.toFixed(4)} s, Arrow ${point.arrow.toFixed(4)} s, native ${point.native.toFixed(4)} s: ratio ${(point.native / point.compacted).toFixed(3)} (task sidecars ${(point.native / point.sidecars).toFixed(3)}, Arrow ${(point.native / point.arrow).toFixed(3)}); compaction ${point.compaction.toFixed(3)} s; open ${point.open.toFixed(3)} s`);
      points.push(point);
    }
    const last = points[points.length - 1]!;
    const rate = last.docs / last.compacted;
    const limit = last.docs / last.native;
    entries.push({
      name: shape.name, value: rate, unit: 'docs/s/core', input_bytes: last.shardBytes, documents: last.docs,
      seconds: last.compacted, cores: 1, peak_rss_bytes: last.peakRss,
      limit: { name: 'same aggregate, DuckDB native over one docs.parquet of the same rows, 1 thread', value: limit, unit: 'docs/s/core' }, ratio: rate / limit,
      notes: {
        query: AGGREGATE, shard_rows: shape.sources.map((s) => s.rows), timing: `best of ${QUICK_TRIES} (Arrow: best of 3) for each reading, 1 DuckDB thread`,
        points: points.map((p) => ({
          shards: p.shards, docs: p.docs, token_shard_bytes: p.shardBytes, sidecar_bytes: p.sidecarBytes, compacted_bytes: p.compactedBytes,
          compacted_seconds: p.compacted, sidecar_seconds: p.sidecars, arrow_seconds: p.arrow, native_seconds: p.native,
          ratio: p.native / p.compacted, sidecar_ratio: p.native / p.sidecars, arrow_ratio: p.native / p.arrow,
          compaction_seconds: p.compaction, open_seconds_with_checks: p.open,
        })),
      },
    });
  }
  return entries;
}

interface ScaledPoint {
  shards: number;
  docs: number;
  shardBytes: number;
  sidecarBytes: number;
  compactedBytes: number;
  /** Best-of-3 seconds of the aggregate: over the compacted file, over the task sidecars, over the Arrow shards, natively over one Parquet file. */
  compacted: number;
  sidecars: number;
  arrow: number;
  native: number;
  /** Seconds to open the run database (catalog, compacted file's size and sha256 check, views). */
  open: number;
  /** Seconds compactStepSidecars took to write the step's compacted files. */
  compaction: number;
  peakRss: number;
}

async function best(times: number, fn: () => Promise<unknown>): Promise<{ seconds: number; peakRss: number }> {
  let seconds = Infinity;
  let peakRss = 0;
  for (let i = 0; i < times; i++) {
    const m = await measure(fn);
    seconds = Math.min(seconds, m.seconds);
    peakRss = Math.max(peakRss, m.peakRss);
  }
  return { seconds, peakRss };
}

/** A run of `copies` token shards (hard links to `sources` of `fromRun`, round robin, sidecars too), each with its done marker. */
async function scaledPoint(dir: string, fromRun: string, sources: readonly ShardOutput[], copies: number): Promise<ScaledPoint> {
  const stepDir = stepDirName(0, 'tokenize');
  await mkdir(join(dir, stepDir, 'tokens'), { recursive: true });
  await writeFile(join(dir, 'run.json'), JSON.stringify({ name: 'sql-bench', seed: 1, steps: [{ name: 'tokenize', type: 'tokenize', params: {} }], inputs: [] }));
  let docs = 0;
  let shardBytes = 0;
  let sidecarBytes = 0;
  for (let c = 0; c < copies; c++) {
    const taskId = String(c).padStart(5, '0');
    const stats = emptyTaskStats('tokenize', taskId);
    const src = sources[c % sources.length]!;
    const path = join(stepDir, 'tokens', `main-${taskId}.arrow`);
    await link(join(fromRun, src.path), join(dir, path));
    const out: ShardOutput = { path, kind: src.kind, rows: src.rows, bytes: src.bytes, sha256: src.sha256 };
    if (src.sidecar) {
      out.sidecar = { ...src.sidecar, path: sidecarPath(path) };
      await link(join(fromRun, src.sidecar.path), join(dir, out.sidecar.path));
      sidecarBytes += src.sidecar.bytes;
    }
    stats.outputs.push(out);
    stats.documents_in = stats.documents_out = src.rows;
    docs += src.rows;
    shardBytes += src.bytes;
    await completeTask(dir, stepDir, 'main', taskId, stats);
  }
  // As the orchestrator does when the step's last task completes.
  const outputs = (await Promise.all(Array.from({ length: copies }, (_, c) => readFile(join(dir, stepDir, 'done', `main-${String(c).padStart(5, '0')}.json`), 'utf8'))))
    .flatMap((text) => (JSON.parse(text) as TaskStats).outputs);
  const compaction = await measure(() => compactStepSidecars(dir, stepDir, 'tokenize', outputs));
  const compactedBytes = compaction.result!.files.reduce((n, f) => n + f.bytes, 0);
  await writeRunParquet(dir);
  const opened = await measure(() => openRunDatabase(dir, { threads: 1 }));
  const db = opened.result;
  if (!db.sources.tokens?.every((g) => g.compacted)) throw new Error(`the docs view of ${dir} does not read the compacted file`);
  const viaCompacted = await best(QUICK_TRIES, () => db.query(AGGREGATE));
  await db.close();
  const sidecarDb = await openRunDatabase(dir, { threads: 1, compacted: false });
  const viaSidecars = await best(QUICK_TRIES, () => sidecarDb.query(AGGREGATE));
  await sidecarDb.close();
  const arrowDb = await openRunDatabase(dir, { threads: 1, sidecars: false });
  const viaArrow = await best(3, () => arrowDb.query(AGGREGATE));
  await arrowDb.close();
  const plain = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false', threads: '1' });
  const conn = await plain.connect();
  const parquetSql = AGGREGATE.replace('FROM docs', `FROM read_parquet('${join(dir, 'parquet', 'docs.parquet')}')`);
  const native = await best(QUICK_TRIES, () => conn.runAndReadAll(parquetSql));
  conn.closeSync();
  plain.closeSync();
  return {
    shards: copies, docs, shardBytes, sidecarBytes, compactedBytes, compacted: viaCompacted.seconds, sidecars: viaSidecars.seconds,
    arrow: viaArrow.seconds, native: native.seconds, open: opened.seconds, compaction: compaction.seconds, peakRss: viaCompacted.peakRss,
  };
}

/**
 * One token shard (with its sidecar) of the corpus run's token rows repeated `times` times, in a
 * run directory of its own: the size of shard a tokenize task of a web crawl writes.
 */
async function concatenatedTokenShard(fromRun: string, dir: string, sources: readonly ShardOutput[], times: number): Promise<{ runDir: string; output: ShardOutput }> {
  const reader0 = await ShardReader.open(join(fromRun, sources[0]!.path));
  const { columns, metadata } = reader0;
  await reader0.close();
  const writer = await ShardWriter.create({ runDir: dir, path: 'tokens.arrow', kind: 'tokens', columns, metadata });
  for (let t = 0; t < times; t++) {
    for (const s of sources) {
      const reader = await ShardReader.open(join(fromRun, s.path));
      for await (const rows of reader.rowBatches()) for (const row of rows) await writer.append(row);
      await reader.close();
    }
  }
  return { runDir: dir, output: await writer.close() };
}
