import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { FoxdenError, listStepDirs, readStepMarkers } from '@foxden/core';
import { ShardReader } from '@foxden/shards';
import type { RunSummary } from '@foxden/pipeline';
import { parsePositiveInt } from './run-command.js';
import { decodeRunRows, renderDecoded } from './decode-rows.js';
import { verifyRun, type VerifyReport } from './verify-run.js';

export const INSPECT_HELP = `Usage: foxden inspect <run-dir|shard.arrow> [options]

For a run directory: the per-step funnel (documents in, out, dropped by
reason), the shards each step wrote, and sample rows of the last step.
For a shard: its schema, metadata, row count and sample rows.

Options:
  --rows <n>           sample rows to show (default 3)
  --verify             recompute the sha256 of every shard and manifest the run records
                       (done markers, stage manifests, curriculum.json); names each file
                       that differs and exits 1 if any does
  --decode             show the first token rows and the first rows of each stage as text
                       through the run's tokenizer, document boundaries marked
  --tokenizer <file>   tokenizer.json for --decode (default: the tokenize step's, from run.json)
  --chars <n>          characters of text shown per document piece with --decode (default 300)
  --json               machine-readable output
  -h, --help           this help
`;

export async function inspectCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      rows: { type: 'string', default: '3' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
      verify: { type: 'boolean', default: false }, decode: { type: 'boolean', default: false }, tokenizer: { type: 'string' }, chars: { type: 'string', default: '300' },
    },
  });
  if (values.help) {
    process.stdout.write(INSPECT_HELP);
    return 0;
  }
  const target = positionals[0];
  if (!target) throw new FoxdenError('BAD_CONFIG', 'foxden inspect needs a run directory or a shard file (see --help)');
  const rows = parsePositiveInt('--rows', values.rows!, 0);
  const info = await stat(target).catch(() => null);
  if (!info) throw new FoxdenError('BAD_INPUT', `${target} does not exist`);
  if ((values.verify || values.decode) && !info.isDirectory()) throw new FoxdenError('BAD_CONFIG', '--verify and --decode take a run directory');
  const chars = parsePositiveInt('--chars', values.chars!, 1);
  const report = info.isDirectory() ? await inspectRun(target, rows) : await inspectShard(target, rows);
  const verify = values.verify ? await verifyRun(target) : null;
  const decoded = values.decode ? await decodeRunRows(target, { rows: Math.max(rows, 1), chars, ...(values.tokenizer ? { tokenizer: values.tokenizer } : {}) }) : null;
  if (values.json) {
    process.stdout.write(JSON.stringify({ ...report, ...(verify ? { verify } : {}), ...(decoded ? { decoded } : {}) }, null, 2) + '\n');
  } else {
    process.stdout.write(renderReport(report));
    if (decoded) process.stdout.write('\n' + renderDecoded(decoded));
    if (verify) process.stdout.write('\n' + renderVerify(verify));
  }
  if (verify && verify.problems.length > 0) {
    const files = [...new Set(verify.problems.map((p) => p.file))];
    process.stderr.write(`foxden inspect: ${files.length} file(s) differ from the run's records: ${files.join(', ')}\n`);
    return 1;
  }
  return 0;
}

function renderVerify(v: VerifyReport): string {
  const lines = [`verify: ${v.files} file(s), ${(v.bytes / 1e6).toFixed(2)} MB hashed against ${v.checks} record(s): ${v.problems.length === 0 ? 'all match' : `${v.problems.length} DIFFER`}`];
  for (const p of v.problems) lines.push(`  DIFFERS ${p.file}: ${p.recordedBy} records ${p.expected}; the file has ${p.actual}`);
  return lines.join('\n') + '\n';
}

interface ShardReport {
  kind: 'shard';
  file: string;
  columns: { name: string; type: string; nullable: boolean | undefined }[];
  metadata: Record<string, string>;
  rows: number;
  batches: number;
  sample: Record<string, unknown>[];
}

export async function inspectShard(file: string, sampleRows: number): Promise<ShardReport> {
  const reader = await ShardReader.open(file);
  try {
    const sample: Record<string, unknown>[] = [];
    let rows = 0;
    for await (const batch of reader.rowBatches()) {
      rows += batch.length;
      for (const r of batch) if (sample.length < sampleRows) sample.push(summariseRow(r));
    }
    return { kind: 'shard', file, columns: reader.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable })), metadata: reader.metadata, rows, batches: reader.numBatches, sample };
  } finally {
    await reader.close();
  }
}

/** What inspect shows of a run's curriculum.json: stages, budgets, totals and the planner's report. */
interface CurriculumReport {
  total_tokens: number;
  stages: {
    index: number; name: string; seq_len: number; sequences: number; tokens: number; content_tokens: number; padding_tokens: number; budget_met: boolean; manifest: string;
    /** From the stage manifest: packing, budget, totals and shards. */
    details?: StageManifestDetails;
  }[];
  totals?: { sequences: number; tokens: number; content_tokens: number; padding_tokens: number };
  report: { stage: string; severity: string; code: string; message: string }[];
}

interface StageManifestDetails {
  packing: string;
  budget: { requested: { tokens?: number; share?: number }; target_tokens: number; planned_tokens: number; met: boolean };
  totals: { documents: number; repeats: number; truncations: number; pieces: number; budget_cut_documents: number; discarded_tokens: number };
  shards: { path: string; sequences: number; bytes: number; sha256: string }[];
}

interface RunReport {
  kind: 'run';
  dir: string;
  summary: RunSummary | null;
  curriculum: CurriculumReport | null;
  steps: { dir: string; tasks: number; shards: Record<string, { files: number; rows: number; bytes: number }> }[];
  sample: ShardReport | null;
}

export async function inspectRun(dir: string, sampleRows: number): Promise<RunReport> {
  const summary = (await readFile(join(dir, 'summary.json'), 'utf8').then(JSON.parse).catch(() => null)) as RunSummary | null;
  const curriculum = (await readFile(join(dir, 'curriculum.json'), 'utf8').then(JSON.parse).catch(() => null)) as CurriculumReport | null;
  for (const st of curriculum?.stages ?? []) {
    const m = (await readFile(join(dir, st.manifest), 'utf8').then(JSON.parse).catch(() => null)) as StageManifestDetails | null;
    if (m) st.details = { packing: m.packing, budget: m.budget, totals: m.totals, shards: m.shards.map((x) => ({ path: x.path, sequences: x.sequences, bytes: x.bytes, sha256: x.sha256 })) };
  }
  const steps: RunReport['steps'] = [];
  // Sample the shard a user most likely wants: the last step's stage, token or document shard.
  const preference = ['stage', 'tokens', 'documents'];
  let lastShard: string | null = null;
  let lastRank = -1;
  for (const stepDir of await listStepDirs(dir)) {
    const markers = await readStepMarkers(dir, stepDir);
    const shards: Record<string, { files: number; rows: number; bytes: number }> = {};
    for (const { stats } of markers) {
      for (const o of stats.outputs) {
        const entry = (shards[o.kind] ??= { files: 0, rows: 0, bytes: 0 });
        entry.files += 1;
        entry.rows += o.rows;
        entry.bytes += o.bytes;
        const rank = preference.length - preference.indexOf(o.kind);
        if (preference.includes(o.kind) && o.rows > 0 && rank >= lastRank) {
          lastShard = join(dir, o.path);
          lastRank = rank;
        }
      }
    }
    steps.push({ dir: basename(stepDir), tasks: markers.length, shards });
  }
  const sample = lastShard ? await inspectShard(lastShard, sampleRows) : null;
  return { kind: 'run', dir, summary, curriculum, steps, sample };
}

function summariseRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (typeof v === 'string' && v.length > 160) out[k] = `${v.slice(0, 160).replace(/\n/g, '\\n')}... (${v.length} chars)`;
    else if (ArrayBuffer.isView(v) || Array.isArray(v)) {
      const arr = Array.from(v as ArrayLike<unknown>);
      out[k] = arr.length > 12 ? `[${arr.slice(0, 12).join(', ')}, ... ${arr.length} items]` : `[${arr.join(', ')}]`;
    } else if (typeof v === 'string') out[k] = v.replace(/\n/g, '\\n');
    else out[k] = v;
  }
  return out;
}

function renderReport(report: ShardReport | RunReport): string {
  const lines: string[] = [];
  if (report.kind === 'shard') {
    lines.push(`shard ${report.file}: ${report.rows} rows in ${report.batches} batches`);
    lines.push('columns:');
    for (const c of report.columns) lines.push(`  ${c.name}: ${c.type}${c.nullable ? '' : ' not null'}`);
    lines.push('metadata:');
    for (const [k, v] of Object.entries(report.metadata)) lines.push(`  ${k} = ${v}`);
    if (report.sample.length) lines.push('sample:');
    for (const r of report.sample) lines.push(`  ${JSON.stringify(r)}`);
    return lines.join('\n') + '\n';
  }
  lines.push(`run ${report.dir}`);
  if (report.summary) {
    lines.push(`pipeline ${report.summary.pipeline}, seed ${report.summary.seed}, runner ${report.summary.runner}; accounting ${report.summary.balanced ? 'balances' : 'DOES NOT BALANCE'}`);
    lines.push('funnel:');
    for (const s of report.summary.steps) {
      lines.push(`  ${s.step} (${s.type}): ${s.documents_in} in -> ${s.documents_out} out`);
      for (const [reason, n] of Object.entries(s.dropped).sort((a, b) => b[1] - a[1])) lines.push(`      dropped ${reason}: ${n}`);
      for (const w of s.warnings ?? []) lines.push(`      warning: ${w}`);
    }
  } else {
    lines.push('no summary.json: the run has not finished (completed tasks below are kept; run again to resume)');
  }
  if (report.curriculum) {
    const c = report.curriculum;
    lines.push(`curriculum (${c.total_tokens} tokens that budgets are shares of):`);
    for (const st of c.stages) {
      const padding = st.tokens === 0 ? 0 : (100 * st.padding_tokens) / st.tokens;
      lines.push(`  ${st.index} ${st.name} (seq_len ${st.seq_len}): ${st.sequences} sequences, ${st.tokens} tokens (${st.content_tokens} content, ${padding.toFixed(2)}% padding), budget ${st.budget_met ? 'met' : 'NOT met'}; ${st.manifest}`);
      const d = st.details;
      if (d) {
        const asked = d.budget.requested.tokens !== undefined ? `${d.budget.requested.tokens} tokens` : `share ${d.budget.requested.share}`;
        lines.push(`      packing ${d.packing}; budget asked ${asked} = ${d.budget.target_tokens} tokens, planned ${d.budget.planned_tokens}`);
        lines.push(`      ${d.totals.documents} documents, ${d.totals.pieces} pieces, ${d.totals.truncations} truncated, ${d.totals.repeats} repeats, ${d.totals.budget_cut_documents} cut for the budget, ${d.totals.discarded_tokens} tokens discarded`);
        for (const sh of d.shards) lines.push(`      shard ${sh.path}: ${sh.sequences} sequences, ${(sh.bytes / 1e6).toFixed(2)} MB, sha256 ${sh.sha256.slice(0, 16)}`);
      }
    }
    if (c.totals) lines.push(`  total: ${c.totals.sequences} sequences, ${c.totals.tokens} tokens (${c.totals.content_tokens} content, ${c.totals.padding_tokens} padding)`);
    for (const r of c.report) lines.push(`  ${r.severity}: ${r.message}`);
  }
  lines.push('shards:');
  for (const s of report.steps) {
    const kinds = Object.entries(s.shards).map(([k, v]) => `${k} ${v.files} file(s) ${v.rows} rows ${(v.bytes / 1e6).toFixed(2)} MB`).join('; ');
    lines.push(`  ${s.dir}: ${s.tasks} task(s) complete; ${kinds}`);
  }
  if (report.sample) {
    lines.push('');
    lines.push(renderReport(report.sample));
  }
  return lines.join('\n') + '\n';
}
