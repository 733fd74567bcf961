/**
 * `foxden report` on a run of about a million documents.
 *
 *   node --import tsx test/bench/run.ts report
 *
 * The run is built from the demo run (test/e2e/fixtures.ts: the demo corpus,
 * its tokenizer and classifier, pipelines/demo.yaml): every step but tokenize
 * and the curriculum's stage shards is the demo's own (hard links); the
 * tokenize step's rows are the demo's token rows repeated until there are
 * DOCUMENTS of them (ids made unique per copy, written as ~10,000-row token
 * shards with their Parquet sidecars, one done marker each), and each stage
 * shard's rows are repeated as often, with the copies' document ids, so the
 * docs view's stage lookup finds every copy; the curriculum's selection
 * shards (what the report reads each document's stage from) get one row per
 * copy of each selected document that exists. The token lists are cut to 8 ids
 * (n_tokens keeps the real length): the report never reads token lists, and
 * a million full lists would be ~10 GB of disk for nothing. summary.json's
 * counts are the demo's times the copies.
 *
 * Reports the report's seconds (collect: DuckDB queries over the views and
 * the manifests; charts: Vega-Lite to SVG), its size and the peak RSS.
 */
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { completeTask, emptyTaskStats, type ShardOutput, type TaskStats } from '@foxden/core';
import { ShardReader, ShardWriter } from '@foxden/shards';
import { writeRunReport } from '../../packages/report/src/index.js';
import { demoFixture, referenceRun } from '../e2e/fixtures.js';
import { measure, type BenchContext, type BenchEntry } from './harness.js';

const DOCUMENTS = 1_000_000;
const SHARD_ROWS = 10_000;
const KEEP_TOKENS = 8;

export default async function bench(ctx: BenchContext): Promise<BenchEntry[]> {
  const demoRun = await referenceRun((await demoFixture()).pipelineFile);
  const runDir = join(ctx.scratchDir, 'run');
  const built = await measure(() => buildScaledRun(demoRun, runDir, ctx.full ? 4 * DOCUMENTS : DOCUMENTS));
  const { documents, copies, sequences } = built.result;
  ctx.log(`built a run of ${documents.toLocaleString('en-US')} documents (${copies} copies of the demo's token rows, ${sequences.toLocaleString('en-US')} packed sequences) in ${built.seconds.toFixed(1)} s`);

  const entries: BenchEntry[] = [];
  const runs = [];
  for (let i = 0; i < 2; i++) {
    const m = await measure(() => writeRunReport(runDir, { out: join(ctx.scratchDir, `report-${i}.html`) }));
    runs.push(m);
    ctx.log(`report ${i + 1}: ${m.seconds.toFixed(2)} s (collect ${(m.result.timings.collectMs / 1000).toFixed(2)} s, charts ${(m.result.timings.chartsMs / 1000).toFixed(2)} s), ${(m.result.bytes / 1e6).toFixed(2)} MB, ${m.result.charts.length} charts, peak RSS ${(m.peakRss / 2 ** 20).toFixed(0)} MiB`);
  }
  const best = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const docsSeen = best.result.data.lengths.reduce((a, l) => a + l.documents, 0);
  if (docsSeen !== documents) throw new Error(`the report counted ${docsSeen} documents in docs, the run has ${documents}`);
  const common = { input_bytes: 0, documents, cores: 1, peak_rss_bytes: best.peakRss };
  entries.push({
    name: 'report.render.1M-docs', value: best.seconds, unit: 's', seconds: best.seconds, ...common,
    notes: {
      best_of: runs.length, copies, sequences, charts: best.result.charts.length,
      collect_s: best.result.timings.collectMs / 1000, queries_s: best.result.timings.queryMs / 1000, charts_s: best.result.timings.chartsMs / 1000,
      html_bytes: best.result.bytes,
    },
  });
  entries.push({ name: 'report.size.1M-docs', value: best.result.bytes / 1e6, unit: 'MB', seconds: best.seconds, ...common });
  return entries;
}

async function markers(dir: string): Promise<{ name: string; stats: TaskStats }[]> {
  const out = [];
  for (const name of (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort()) {
    out.push({ name, stats: JSON.parse(await readFile(join(dir, name), 'utf8')) as TaskStats });
  }
  return out;
}

/** The demo run with its token rows repeated to `target` documents and its stage rows repeated with them (see the file comment). */
async function buildScaledRun(demoRun: string, runDir: string, target: number): Promise<{ documents: number; copies: number; sequences: number }> {
  // Everything but parquet/ and the report, as hard links.
  const { execFileSync } = await import('node:child_process');
  execFileSync('cp', ['-al', demoRun, runDir]);
  await rm(join(runDir, 'parquet'), { recursive: true, force: true });
  await rm(join(runDir, 'report.html'), { force: true });
  const run = JSON.parse(await readFile(join(runDir, 'run.json'), 'utf8')) as { steps: { name: string; type: string }[] };
  const tokenizeIndex = run.steps.findIndex((s) => s.type === 'tokenize');
  const curriculumIndex = run.steps.findIndex((s) => s.type === 'curriculum');
  const stepDir = (i: number) => `steps/${String(i).padStart(2, '0')}-${run.steps[i]!.name}`;
  const tokDir = stepDir(tokenizeIndex);
  const curDir = stepDir(curriculumIndex);

  // Token rows of the demo, lists cut.
  const tokenMarkers = await markers(join(runDir, tokDir, 'done'));
  const tokenOutputs = tokenMarkers.flatMap((m) => m.stats.outputs.filter((o) => o.kind === 'tokens'));
  const rows: Record<string, unknown>[] = [];
  let columns: ShardReader['columns'] = [];
  let metadata: Record<string, string> = {};
  for (const o of tokenOutputs) {
    const reader = await ShardReader.open(join(demoRun, o.path));
    columns = reader.columns;
    metadata = reader.metadata;
    for await (const batch of reader.rowBatches()) for (const r of batch) rows.push({ ...r, tokens: (r['tokens'] as Uint32Array).slice(0, KEEP_TOKENS) });
    await reader.close();
  }
  const copies = Math.ceil(target / rows.length);
  await rm(join(runDir, tokDir), { recursive: true, force: true });
  let documents = 0;
  let task = 0;
  let writer: ShardWriter | null = null;
  const flush = async () => {
    if (!writer) return;
    const out = await writer.close();
    const stats = emptyTaskStats(run.steps[tokenizeIndex]!.name, String(task).padStart(5, '0'));
    stats.outputs.push(out);
    stats.documents_in = stats.documents_out = out.rows;
    await completeTask(runDir, tokDir, 'tokenize', String(task).padStart(5, '0'), stats);
    task += 1;
    writer = null;
  };
  for (let c = 0; c < copies && documents < target; c++) {
    for (const r of rows) {
      if (documents >= target) break;
      writer ??= await ShardWriter.create({ runDir, path: `${tokDir}/tokens/tokenize-${String(task).padStart(5, '0')}.arrow`, kind: 'tokens', columns, metadata });
      await writer.append({ ...r, id: `${r['id']}~${c}` });
      documents += 1;
      if (writer.rows >= SHARD_ROWS) await flush();
    }
  }
  await flush();

  // Stage shards: each demo stage shard's rows, once per copy, with that copy's ids. Selection shards (one row per
  // document a pack task used): each row once per copy whose document exists (the last copy is partial).
  const position = new Map(rows.map((r, i) => [String(r['id']), i]));
  const exists = (id: string, c: number) => c * rows.length + (position.get(id) ?? Infinity) < documents;
  let sequences = 0;
  for (const m of await markers(join(runDir, curDir, 'done'))) {
    const stages = m.stats.outputs.filter((o) => o.kind === 'stage' || o.kind === 'selection');
    if (stages.length === 0) continue;
    const outputs: ShardOutput[] = m.stats.outputs.filter((o) => o.kind !== 'stage' && o.kind !== 'selection');
    for (const o of stages) {
      const reader = await ShardReader.open(join(demoRun, o.path));
      if (o.kind === 'selection') {
        const selected: Record<string, unknown>[] = [];
        for await (const batch of reader.rowBatches()) selected.push(...batch);
        await rm(join(runDir, o.path));
        const w = await ShardWriter.create({ runDir, path: o.path, kind: 'selection', columns: reader.columns, metadata: reader.metadata });
        await reader.close();
        for (let c = 0; c < copies; c++) {
          for (const r of selected) if (exists(String(r['id']), c)) await w.append({ ...r, id: `${r['id']}~${c}` });
        }
        outputs.push(await w.close());
        continue;
      }
      const stageRows: Record<string, unknown>[] = [];
      for await (const batch of reader.rowBatches()) for (const r of batch) stageRows.push({ ...r, tokens: (r['tokens'] as Uint32Array).slice(0, KEEP_TOKENS) });
      await rm(join(runDir, o.path));
      const w = await ShardWriter.create({ runDir, path: o.path, kind: 'stage', columns: reader.columns, metadata: reader.metadata });
      await reader.close();
      for (let c = 0; c < copies; c++) {
        for (const r of stageRows) await w.append({ ...r, segment_doc_ids: Array.from(r['segment_doc_ids'] as ArrayLike<string>, (id) => `${id}~${c}`) });
      }
      sequences += copies * stageRows.length;
      outputs.push(await w.close());
    }
    const key = m.name.slice(0, -'.json'.length);
    await completeTask(runDir, curDir, key.slice(0, key.lastIndexOf('-')), key.slice(key.lastIndexOf('-') + 1), { ...m.stats, outputs });
  }
  // The funnel: the demo's counts times the copies.
  const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8')) as { documents_in: number; documents_out: number; steps: TaskStats[] };
  const scale = (n: number) => n * copies;
  summary.documents_in = scale(summary.documents_in);
  summary.documents_out = scale(summary.documents_out);
  for (const s of summary.steps) {
    s.documents_in = scale(s.documents_in);
    s.documents_out = scale(s.documents_out);
    s.bytes_in = scale(s.bytes_in);
    s.bytes_out = scale(s.bytes_out);
    for (const k of Object.keys(s.dropped)) s.dropped[k] = scale(s.dropped[k]!);
  }
  // Hard links share the demo's files: remove before writing, never write through.
  await rm(join(runDir, 'summary.json'));
  await writeFile(join(runDir, 'summary.json'), JSON.stringify(summary, null, 2));
  return { documents, copies, sequences };
}
