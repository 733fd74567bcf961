import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { FoxdenError, listStepDirs, readStepMarkers, type StepSummary } from '@foxden/core';
import { openRunDatabase, type RunDatabase } from '@foxden/sql';
import { sqlString } from '@foxden/shards';

/** What the report shows, gathered as aggregates: nothing here grows with the number of documents. */
export interface ReportData {
  runDir: string;
  pipeline: string;
  seed: number | null;
  runner: string | null;
  seconds: number | null;
  balanced: boolean | null;
  /** summary.json's steps (the funnel), or [] while a run has no summary. */
  steps: StepSummary[];
  /** Step types by name, from run.json. */
  stepTypes: Record<string, string>;
  /** Input files of the run (run.json). */
  inputs: { source: string; bytes: number }[];
  /** Drop records per step and reason, counted in the `drops` view (should equal the funnel's). */
  dropCounts: { step: string; reason: string; n: number }[];
  /** Kept documents (the `docs` view) by language; `ingested` by language of the first step's output when it has document shards. */
  languages: { lang: string; kept: number; kept_tokens: number; ingested: number }[];
  /**
   * HTML pages by how ingest found their text (meta.extraction: main, listing, boilerplate, visible,
   * readability); `ingested` from the first step's counters (null for a run written before them),
   * kept and kept tokens from the `docs` view. Documents that were not HTML pages are left out.
   */
  extraction: { method: string; ingested: number | null; kept: number; kept_tokens: number }[];
  /** Histogram of quality scores: kept documents (docs.quality) and those the classifier dropped (drops.value). */
  quality: { bin: number; kept: number; dropped: number }[];
  qualityBinWidth: number;
  /** Thresholds to mark on the quality chart. */
  qualityThresholds: { label: string; value: number }[];
  /** Near-duplicate cluster sizes of kept documents, and the near-duplicate drops. */
  clusters: { size: number; documents: number }[];
  nearDuplicateDrops: number;
  /** Document lengths (tokens) in powers-of-two bins, per stage ('not packed' when in no stage). */
  lengths: { bin: number; stage: string; documents: number; tokens: number }[];
  /** Tokens per source (docs view). */
  sources: { source: string; documents: number; tokens: number }[];
  /** The curriculum's stages from the stage manifests. */
  stages: StageFacts[];
  /** Per step: seconds, throughput. */
  timings: { step: string; seconds: number; documents_per_s: number; mb_per_s: number; tasks: number }[];
  /** The slowest tasks of the run (done markers). */
  slowestTasks: { step: string; task: string; seconds: number; documents_in: number; bytes_in: number }[];
  /** Records that could not be parsed (reason reject:*), first ones, and how many in all. */
  rejected: { step: string; reason: string; source: string | null; offset: number | null; value: string | null }[];
  rejectedTotal: number;
  /** The trainer's step events (thinned to at most 2,000 points), or null without <run>/train/metrics.jsonl. */
  training: { step: number; stage: string; loss: number; tokens_per_s: number; tokens_total: number }[] | null;
  trainingSteps: number;
  warnings: string[];
  /** How long each query took, for the benchmark and the report's footer. */
  queryMs: number;
}

export interface StageFacts {
  index: number;
  name: string;
  seq_len: number;
  packing: string;
  sequences: number;
  tokens: number;
  content_tokens: number;
  padding_tokens: number;
  padding_fraction: number;
  documents: number;
  repeats: number;
  truncations: number;
  pieces: number;
  budget_cut_documents: number;
  target_tokens: number;
  planned_tokens: number;
  budget_met: boolean;
  shards: number;
  bytes: number;
  mixture: { source: string; tokens: number; documents: number; target_tokens: number }[];
  manifest: string;
}

export interface CollectOptions {
  /** DuckDB threads (default: DuckDB's default). */
  threads?: number;
  /** Rejected records listed (default 200). */
  rejectedRows?: number;
  /** Slowest tasks listed (default 15). */
  slowestTasks?: number;
  /**
   * Where each document's stage comes from: 'selection' (the curriculum's
   * selection shards, default where the run has them) or 'docs' (the `docs`
   * view's lookup in the stage shards' segment lists: the same answer,
   * slower; for tests).
   */
  stageLookup?: 'selection' | 'docs';
}

const QUALITY_BINS = 50;


/**
 * Reads a run's aggregates: summary.json, run.json, the curriculum's stage
 * manifests, the done markers (task timings), train/metrics.jsonl, and
 * GROUP BY queries over the run's DuckDB views (`docs`, `drops`).
 */
export async function collectReportData(runDir: string, options: CollectOptions = {}): Promise<ReportData> {
  const summary = (await readJson(join(runDir, 'summary.json'))) as Record<string, unknown> | null;
  const run = (await readJson(join(runDir, 'run.json'))) as { pipeline?: string; seed?: number; inputs?: { source: string; bytes: number }[]; steps?: { name: string; type: string; params?: Record<string, unknown> }[] } | null;
  if (!summary && !run) throw new FoxdenError('BAD_CONFIG', `${runDir} is not a run directory (no summary.json or run.json)`, { file: runDir });
  const steps = ((summary?.['steps'] as StepSummary[] | undefined) ?? []);
  const runSteps = run?.steps ?? [];
  const stepTypes: Record<string, string> = {};
  for (const s of runSteps) stepTypes[s.name] = s.type;
  for (const s of steps) stepTypes[s.step] ??= s.type;
  const warnings = steps.flatMap((s) => (s.warnings ?? []).map((w) => `${s.step}: ${w}`));

  const started = performance.now();
  const db = await openRunDatabase(runDir, options.threads === undefined ? {} : { threads: options.threads });
  let data: Omit<ReportData, 'runDir' | 'pipeline' | 'seed' | 'runner' | 'seconds' | 'balanced' | 'steps' | 'stepTypes' | 'inputs' | 'stages' | 'timings' | 'slowestTasks' | 'training' | 'trainingSteps' | 'warnings' | 'queryMs'>;
  try {
    data = await queryAggregates(db, runSteps, steps, options);
  } finally {
    await db.close();
  }
  const queryMs = performance.now() - started;

  const stages = await readStages(runDir);
  const timings = steps.map((s) => ({
    step: s.step, seconds: s.seconds, tasks: s.tasks,
    documents_per_s: s.seconds > 0 ? s.documents_in / s.seconds : 0,
    mb_per_s: s.seconds > 0 ? s.bytes_in / 1e6 / s.seconds : 0,
  }));
  const slowestTasks = await readSlowestTasks(runDir, options.slowestTasks ?? 15);
  const training = await readTraining(join(runDir, 'train', 'metrics.jsonl'));
  return {
    runDir,
    pipeline: (summary?.['pipeline'] as string | undefined) ?? run?.pipeline ?? '(unknown)',
    seed: (summary?.['seed'] as number | undefined) ?? run?.seed ?? null,
    runner: (summary?.['runner'] as string | undefined) ?? null,
    seconds: (summary?.['seconds'] as number | undefined) ?? null,
    balanced: (summary?.['balanced'] as boolean | undefined) ?? null,
    steps, stepTypes,
    inputs: (run?.inputs ?? []).map((i) => ({ source: i.source, bytes: i.bytes })),
    ...data,
    stages, timings, slowestTasks,
    training: training?.points ?? null,
    trainingSteps: training?.steps ?? 0,
    warnings, queryMs,
  };
}

/**
 * The length bins of all documents (every one 'not packed') split into the
 * packed documents per stage and the rest; the same rows, in the same order
 * (stage index, then bin), as grouping `docs` by stage and bin gives.
 */
function splitByStage(all: { bin: number; stage: string; documents: number; tokens: number }[], packed: Map<string, { stage_index: number; stage: string; len_bin: number; n: number; tokens: number }>) {
  const rest = new Map(all.map((l) => [l.bin, { ...l }]));
  const perStage = [...packed.values()].sort((a, b) => a.stage_index - b.stage_index || a.len_bin - b.len_bin);
  for (const p of perStage) {
    const left = rest.get(p.len_bin);
    if (!left || left.documents < p.n) throw new FoxdenError('CORRUPT_INTERMEDIATE', `the curriculum's selection shards list ${p.n} documents of stage '${p.stage}' in length bin 2^${p.len_bin} where the token shards have ${left?.documents ?? 0}; the run's shards do not match each other`);
    left.documents -= p.n;
    left.tokens -= p.tokens;
  }
  return [
    ...perStage.map((p) => ({ bin: p.len_bin, stage: p.stage, documents: p.n, tokens: p.tokens })),
    ...[...rest.values()].filter((l) => l.documents > 0).sort((a, b) => a.bin - b.bin),
  ];
}

async function rows(db: RunDatabase, sql: string): Promise<Record<string, unknown>[]> {
  const result = await db.query(sql);
  return result.rows.map((r) => Object.fromEntries(result.columns.map((c, i) => [c.name, r[i]])));
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** `stage_index` of the documents no stage packed, so they sort last. */
const NOT_PACKED_INDEX = 1_000_000;

/**
 * The token rows (one per `docs` row) without the `docs` view's stage lookup:
 * the Parquet files that view reads, or the Arrow token shards. Only the
 * columns the report groups by.
 */
function tokenRows(db: RunDatabase): string {
  const columns = ['source', 'lang', 'n_tokens', 'quality', 'cluster_size', 'extraction'];
  const types: Record<string, string> = { source: 'VARCHAR', lang: 'VARCHAR', n_tokens: 'INTEGER', quality: 'FLOAT', cluster_size: 'INTEGER', extraction: 'VARCHAR' };
  const groups = db.sources.tokens;
  if (!groups || groups.length === 0) return `(SELECT ${columns.join(', ')} FROM foxden_shards('tokens'))`;
  return `(${groups.map((g) => {
    const have = new Set(g.columns);
    const select = columns.map((c) => (have.has(c) ? `"${c}"` : `CAST(NULL AS ${types[c]}) AS "${c}"`)).join(', ');
    return `SELECT ${select} FROM read_parquet([${g.files.map(sqlString).join(', ')}])`;
  }).join(' UNION ALL ')})`;
}

/**
 * Documents per stage and length bin from the curriculum's selection shards
 * (one row per document a pack task used: stage_index, n_tokens,
 * tokens_used), which name the same stage as `docs.stage` does (the stage
 * whose shards hold the document's pieces) without unnesting every packed
 * sequence's `segment_doc_ids`. Null when the run has stage shards but no
 * selection shards (a run of an older curriculum step): the caller then
 * reads `docs.stage`.
 */
async function packedByStage(db: RunDatabase): Promise<Map<string, { stage_index: number; stage: string; len_bin: number; n: number; tokens: number }> | null> {
  if (!db.catalog.shards.some((s) => s.kind === 'selection')) return null;
  const stageNames = new Map<number, string>();
  for (const r of await rows(db, `SELECT DISTINCT stage_index, stage_name FROM shards WHERE kind = 'stage'`)) stageNames.set(num(r['stage_index']), String(r['stage_name']));
  const out = new Map<string, { stage_index: number; stage: string; len_bin: number; n: number; tokens: number }>();
  for (const r of await rows(db, `SELECT stage_index, CAST(floor(log2(greatest(n_tokens, 1))) AS INTEGER) AS len_bin, count(*) AS n, sum(n_tokens) AS tokens
    FROM foxden_shards('selection') WHERE tokens_used > 0 GROUP BY ALL`)) {
    const index = num(r['stage_index']);
    const stage = stageNames.get(index);
    if (stage === undefined) return null;
    out.set(`${index}:${num(r['len_bin'])}`, { stage_index: index, stage, len_bin: num(r['len_bin']), n: num(r['n']), tokens: num(r['tokens']) });
  }
  return out;
}

/** The prefix of the ingest step's per-method counters (ingest-task.ts). */
const EXTRACTION_COUNTER = 'extraction_';

/**
 * HTML pages per extraction method: how many the first step wrote (its counters) and how many of
 * them, and their tokens, were kept. Most first, then by name.
 */
async function extractionMethods(db: RunDatabase, first: StepSummary | undefined): Promise<ReportData['extraction']> {
  const ingested = new Map<string, number>();
  for (const [name, n] of Object.entries(first?.counters ?? {})) {
    if (name.startsWith(EXTRACTION_COUNTER)) ingested.set(name.slice(EXTRACTION_COUNTER.length), n);
  }
  const counted = ingested.size > 0;
  const out = new Map<string, ReportData['extraction'][number]>();
  for (const [method, n] of ingested) out.set(method, { method, ingested: n, kept: 0, kept_tokens: 0 });
  for (const r of await rows(db, `SELECT extraction, sum(n) AS n, sum(tokens) AS tokens FROM _report_docs WHERE extraction IS NOT NULL GROUP BY extraction`)) {
    const method = String(r['extraction']);
    const row = out.get(method) ?? { method, ingested: counted ? 0 : null, kept: 0, kept_tokens: 0 };
    row.kept = num(r['n']);
    row.kept_tokens = num(r['tokens']);
    out.set(method, row);
  }
  return [...out.values()].sort((a, b) => (b.ingested ?? b.kept) - (a.ingested ?? a.kept) || (a.method < b.method ? -1 : a.method > b.method ? 1 : 0));
}

async function queryAggregates(db: RunDatabase, runSteps: { name: string; type: string; params?: Record<string, unknown> }[], steps: StepSummary[], options: CollectOptions) {
  const hasStages = db.catalog.shards.some((s) => s.kind === 'stage');
  const packed = hasStages && options.stageLookup !== 'docs' ? await packedByStage(db) : null;
  // One scan of the token rows into a small table that every chart below reads. With stage shards, the stage of
  // each document comes from the selection shards (packedByStage), so the scan is the Parquet files alone; runs
  // without selection shards read `docs`, whose stage lookup unnests every packed sequence's document ids.
  const binned = `coalesce(lang, '?') AS lang, source,
      CAST(floor(log2(greatest(n_tokens, 1))) AS INTEGER) AS len_bin,
      CASE WHEN quality IS NULL THEN NULL ELSE least(CAST(floor(quality * ${QUALITY_BINS}) AS INTEGER), ${QUALITY_BINS - 1}) END AS q_bin,
      cluster_size, extraction, count(*) AS n, sum(n_tokens) AS tokens`;
  if (packed || !hasStages) {
    await db.query(`CREATE TEMP TABLE _report_docs AS SELECT 'not packed' AS stage, ${NOT_PACKED_INDEX} AS stage_index, ${binned} FROM ${tokenRows(db)} GROUP BY ALL`);
  } else {
    await db.query(`CREATE TEMP TABLE _report_docs AS
      SELECT coalesce(stage, 'not packed') AS stage, coalesce(stage_index, ${NOT_PACKED_INDEX}) AS stage_index, ${binned}
      FROM docs GROUP BY ALL`);
  }
  const dropCounts = (await rows(db, `SELECT step, reason, count(*) AS n FROM drops GROUP BY ALL ORDER BY step, n DESC, reason`))
    .map((r) => ({ step: String(r['step']), reason: String(r['reason']), n: num(r['n']) }));

  const first = runSteps[0] ?? (steps[0] ? { name: steps[0].step, type: steps[0].type } : undefined);
  const ingested = new Map<string, number>();
  if (first && db.catalog.shards.some((s) => s.kind === 'documents' && s.step === first.name)) {
    for (const r of await rows(db, `SELECT coalesce(lang, '?') AS lang, count(*) AS n FROM foxden_shards('documents') WHERE _step = ${sqlString(first.name)} GROUP BY ALL ORDER BY lang`)) {
      ingested.set(String(r['lang']), num(r['n']));
    }
  }
  const languages = new Map<string, { lang: string; kept: number; kept_tokens: number; ingested: number }>();
  for (const r of await rows(db, `SELECT lang, sum(n) AS n, sum(tokens) AS tokens FROM _report_docs GROUP BY lang ORDER BY lang`)) {
    const lang = String(r['lang']);
    languages.set(lang, { lang, kept: num(r['n']), kept_tokens: num(r['tokens']), ingested: ingested.get(lang) ?? 0 });
  }
  for (const [lang, n] of ingested) if (!languages.has(lang)) languages.set(lang, { lang, kept: 0, kept_tokens: 0, ingested: n });

  const extraction = await extractionMethods(db, first === undefined ? undefined : steps.find((s) => s.step === first.name));

  // Quality: kept scores, and the classifier's drops (their value is the score that decided).
  const qualityBins = new Map<number, { bin: number; kept: number; dropped: number }>();
  const bin = (b: number) => qualityBins.get(b) ?? qualityBins.set(b, { bin: b, kept: 0, dropped: 0 }).get(b)!;
  for (const r of await rows(db, `SELECT q_bin, sum(n) AS n FROM _report_docs WHERE q_bin IS NOT NULL GROUP BY q_bin ORDER BY q_bin`)) bin(num(r['q_bin'])).kept = num(r['n']);
  const classifiers = runSteps.filter((s) => s.type === 'quality-classifier');
  if (classifiers.length > 0) {
    const names = classifiers.map((s) => sqlString(s.name)).join(', ');
    for (const r of await rows(db, `SELECT least(CAST(floor(TRY_CAST(value AS DOUBLE) * ${QUALITY_BINS}) AS INTEGER), ${QUALITY_BINS - 1}) AS q_bin, count(*) AS n
      FROM drops WHERE step IN (${names}) AND TRY_CAST(value AS DOUBLE) IS NOT NULL GROUP BY ALL`)) bin(num(r['q_bin'])).dropped = num(r['n']);
  }
  const qualityThresholds: { label: string; value: number }[] = [];
  for (const s of classifiers) {
    const t = s.params?.['threshold'];
    if (typeof t === 'number') qualityThresholds.push({ label: `${s.name} threshold ${t}`, value: t });
  }
  for (const s of runSteps.filter((x) => x.type === 'curriculum')) {
    const stages = (s.params?.['stages'] as { name?: string; select?: { min_quality?: number | null } }[] | undefined) ?? [];
    for (const st of stages) {
      const q = st.select?.min_quality;
      if (typeof q === 'number') qualityThresholds.push({ label: `stage ${st.name} min_quality ${q}`, value: q });
    }
  }

  const clusters = (await rows(db, `SELECT cluster_size AS size, sum(n) AS documents FROM _report_docs WHERE cluster_size IS NOT NULL GROUP BY ALL ORDER BY size`))
    .map((r) => ({ size: num(r['size']), documents: num(r['documents']) }));
  const nearDuplicateDrops = dropCounts.filter((d) => d.reason === 'near-duplicate').reduce((a, d) => a + d.n, 0);
  let lengths = (await rows(db, `SELECT len_bin AS bin, stage, any_value(stage_index) AS si, sum(n) AS documents, sum(tokens) AS tokens FROM _report_docs GROUP BY len_bin, stage ORDER BY si, bin`))
    .map((r) => ({ bin: num(r['bin']), stage: String(r['stage']), documents: num(r['documents']), tokens: num(r['tokens']) }));
  if (packed) lengths = splitByStage(lengths, packed);
  const sources = (await rows(db, `SELECT source, sum(n) AS documents, sum(tokens) AS tokens FROM _report_docs GROUP BY source ORDER BY tokens DESC, source`))
    .map((r) => ({ source: String(r['source']), documents: num(r['documents']), tokens: num(r['tokens']) }));

  const limit = options.rejectedRows ?? 200;
  const rejectedTotal = num((await rows(db, `SELECT count(*) AS n FROM drops WHERE reason LIKE 'reject:%'`))[0]?.['n']);
  const rejected = rejectedTotal === 0 ? [] : (await rows(db, `SELECT step, reason, source, "offset", value FROM drops WHERE reason LIKE 'reject:%' ORDER BY source, "offset" LIMIT ${limit}`))
    .map((r) => ({
      step: String(r['step']), reason: String(r['reason']), source: r['source'] === null ? null : String(r['source']),
      offset: r['offset'] === null ? null : num(r['offset']), value: r['value'] === null ? null : String(r['value']),
    }));
  await db.query('DROP TABLE _report_docs');
  return {
    dropCounts, extraction, languages: [...languages.values()].sort((a, b) => b.kept - a.kept || b.ingested - a.ingested || (a.lang < b.lang ? -1 : a.lang > b.lang ? 1 : 0)),
    quality: [...qualityBins.values()].sort((a, b) => a.bin - b.bin), qualityBinWidth: 1 / QUALITY_BINS, qualityThresholds,
    clusters, nearDuplicateDrops, lengths, sources, rejected, rejectedTotal,
  };
}

async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FoxdenError('CORRUPT_INTERMEDIATE', `${file} is not valid JSON: ${(error as Error).message}`, { file, cause: error });
  }
}

interface StageManifest {
  index: number; name: string; seq_len: number; packing: string;
  budget: { target_tokens: number; planned_tokens: number; met: boolean };
  mixture: Record<string, { tokens: number; documents: number; target_tokens: number }>;
  totals: Omit<StageFacts, 'index' | 'name' | 'seq_len' | 'packing' | 'target_tokens' | 'planned_tokens' | 'budget_met' | 'shards' | 'bytes' | 'mixture' | 'manifest'>;
  shards: { bytes: number }[];
}

/** The stages of `<run>/curriculum.json` with their stage manifests' totals, budgets and mixtures. */
async function readStages(runDir: string): Promise<StageFacts[]> {
  const curriculum = (await readJson(join(runDir, 'curriculum.json'))) as { stages?: { manifest: string }[] } | null;
  const out: StageFacts[] = [];
  for (const entry of curriculum?.stages ?? []) {
    const m = (await readJson(join(runDir, entry.manifest))) as StageManifest | null;
    if (!m) continue;
    out.push({
      index: m.index, name: m.name, seq_len: m.seq_len, packing: m.packing,
      sequences: m.totals.sequences, tokens: m.totals.tokens, content_tokens: m.totals.content_tokens, padding_tokens: m.totals.padding_tokens,
      padding_fraction: m.totals.padding_fraction, documents: m.totals.documents, repeats: m.totals.repeats, truncations: m.totals.truncations,
      pieces: m.totals.pieces, budget_cut_documents: m.totals.budget_cut_documents,
      target_tokens: m.budget.target_tokens, planned_tokens: m.budget.planned_tokens, budget_met: m.budget.met,
      shards: m.shards.length, bytes: m.shards.reduce((a, s) => a + s.bytes, 0),
      mixture: Object.entries(m.mixture).map(([source, x]) => ({ source, tokens: x.tokens, documents: x.documents, target_tokens: x.target_tokens })),
      manifest: entry.manifest,
    });
  }
  return out;
}

/** The slowest tasks, from the done markers (one small JSON file per task). */
async function readSlowestTasks(runDir: string, count: number): Promise<ReportData['slowestTasks']> {
  const all: ReportData['slowestTasks'] = [];
  for (const stepDir of await listStepDirs(runDir)) {
    for (const { key, stats } of await readStepMarkers(runDir, stepDir)) {
      all.push({ step: stats.step, task: key, seconds: stats.seconds, documents_in: stats.documents_in, bytes_in: stats.bytes_in });
      if (all.length > 4 * count) {
        all.sort((a, b) => b.seconds - a.seconds);
        all.length = count;
      }
    }
  }
  return all.sort((a, b) => b.seconds - a.seconds).slice(0, count);
}

const MAX_TRAINING_POINTS = 2000;

/** The `step` events of metrics.jsonl, read line by line and thinned to at most MAX_TRAINING_POINTS (every k-th step). */
async function readTraining(file: string): Promise<{ points: NonNullable<ReportData['training']>; steps: number } | null> {
  const stream = createReadStream(file, { encoding: 'utf8' });
  const opened = await new Promise<boolean>((resolve) => {
    stream.once('open', () => resolve(true));
    stream.once('error', () => resolve(false));
  });
  if (!opened) return null;
  let points: NonNullable<ReportData['training']> = [];
  let stride = 1;
  let steps = 0;
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
    if (!line.includes('"step"')) continue;
    let e: { event?: string; step?: number; stage_name?: string; loss?: number; tokens_per_s?: number; tokens_total?: number };
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    if (e.event !== 'step' || typeof e.step !== 'number') continue;
    steps += 1;
    if ((steps - 1) % stride !== 0) continue;
    points.push({ step: e.step, stage: e.stage_name ?? '', loss: Number(e.loss), tokens_per_s: Number(e.tokens_per_s), tokens_total: Number(e.tokens_total ?? 0) });
    if (points.length >= MAX_TRAINING_POINTS) {
      points = points.filter((_, i) => i % 2 === 0);
      stride *= 2;
    }
  }
  return { points, steps };
}
