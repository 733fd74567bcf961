/**
 * An independent accounting check of a finished run, from what is on disk
 * (summary.json, completion markers and the shards they list), not from what
 * the runner believed. The e2e tests run it on real runs, and on a copy of a
 * run with one document removed to show that it catches a lost document.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stepDirName, sumCounts } from '@foxden/core';
import { ShardReader } from '@foxden/shards';
import { StepRegistry } from '@foxden/pipeline';
import { stepPackageUrls } from '@foxden/cli';
import { readMarkers, readRunSteps, readSummary, sha256 } from './run-dir.js';

/**
 * Output kinds that hold one row per document a step passes on: document
 * shards, token shards (tokenize) and the curriculum's selection shards.
 */
export const DOCUMENT_KINDS: readonly string[] = ['documents', 'tokens', 'selection'];

let registryPending: Promise<StepRegistry> | undefined;
/** The step types the `foxden` command knows, to tell which phases carry documents. */
export function stepRegistry(): Promise<StepRegistry> {
  registryPending ??= StepRegistry.load(stepPackageUrls());
  return registryPending;
}

export interface StepAccount {
  step: string;
  type: string;
  documents_in: number;
  documents_out: number;
  /** Rows of the step's document outputs. */
  output_rows: number;
  /** Rows of its drops shards by reason. */
  drop_rows: Record<string, number>;
}

export interface AccountingReport {
  /** One line per problem found; empty when the run accounts for every document. */
  problems: string[];
  steps: StepAccount[];
}

const SHOW = 5;

function listSome(ids: readonly string[]): string {
  return `${ids.slice(0, SHOW).join(', ')}${ids.length > SHOW ? `, ... (${ids.length} in all)` : ''}`;
}

function duplicates(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const id of ids) (seen.has(id) ? dup : seen).add(id);
  return [...dup];
}

interface ShardRows {
  ids: string[];
  reasons: string[];
  steps: string[];
}

/** Reads the id column (and for drops the reason and step) of a shard, checking its sha256 and row count against the marker. */
async function readShard(runDir: string, output: { path: string; sha256: string; rows: number; kind: string }, problems: string[]): Promise<ShardRows> {
  const out: ShardRows = { ids: [], reasons: [], steps: [] };
  let reader: ShardReader;
  try {
    reader = await ShardReader.open(join(runDir, output.path), { sha256: output.sha256 });
  } catch (error) {
    problems.push(`${output.path}: ${(error as Error).message}`);
    return out;
  }
  try {
    const columns = output.kind === 'drops' ? ['id', 'reason', 'step'] : ['id'];
    for await (const rows of reader.rowBatches(columns)) {
      for (const r of rows) {
        out.ids.push(String(r['id']));
        if (output.kind === 'drops') {
          out.reasons.push(String(r['reason']));
          out.steps.push(String(r['step']));
        }
      }
    }
  } finally {
    await reader.close();
  }
  if (out.ids.length !== output.rows) problems.push(`${output.path}: ${out.ids.length} rows in the file, the marker records ${output.rows}`);
  return out;
}

/**
 * Checks that every step of a finished run balances and that the shards
 * prove it: for each step, documents in = out + dropped (summary.json), its
 * documents_in equals the previous step's documents_out, the markers add up
 * to the summary, every output file matches its recorded sha256 and row
 * count, the document outputs hold documents_out rows with no id twice, the
 * drops shards hold one row per counted drop with the same reasons, no id is
 * both passed on and dropped, and every document the previous step passed on
 * is either passed on or dropped here (none lost, none invented).
 */
export async function checkAccounting(runDir: string): Promise<AccountingReport> {
  const problems: string[] = [];
  const accounts: StepAccount[] = [];
  const registry = await stepRegistry();
  const summary = await readSummary(runDir);
  const steps = await readRunSteps(runDir);
  const markers = await readMarkers(runDir);
  if (!summary.balanced) problems.push('summary.json says the run does not balance');
  if (summary.steps.length !== steps.length) problems.push(`summary.json has ${summary.steps.length} steps, run.json ${steps.length}`);
  let previousIds: Set<string> | null = null;
  let previousOut: number | null = null;
  for (const [i, step] of steps.entries()) {
    const s = summary.steps[i];
    const where = `step '${step.name}'`;
    if (!s || s.step !== step.name) {
      problems.push(`${where}: no entry in summary.json`);
      break;
    }
    const dropped = sumCounts(s.dropped);
    if (s.documents_in !== s.documents_out + dropped) problems.push(`${where}: ${s.documents_in} in != ${s.documents_out} out + ${dropped} dropped`);
    if (previousOut !== null && s.documents_in !== previousOut) problems.push(`${where}: ${s.documents_in} documents in, but the previous step passed on ${previousOut}`);

    const registered = registry.get(step.type);
    if (!registered) {
      problems.push(`${where}: unknown step type ${step.type}`);
      break;
    }
    const carrying = new Set(registered.module.phases.filter((p) => p.carriesDocuments).map((p) => p.name));
    const own = markers.filter((m) => m.stepDir === stepDirName(i, step.name));
    const counted = own.filter((m) => carrying.has(m.phase));
    const sum = (f: (m: (typeof own)[number]) => number) => counted.reduce((n, m) => n + f(m), 0);
    if (sum((m) => m.stats.documents_in) !== s.documents_in) problems.push(`${where}: markers count ${sum((m) => m.stats.documents_in)} documents in, summary.json ${s.documents_in}`);
    if (sum((m) => m.stats.documents_out) !== s.documents_out) problems.push(`${where}: markers count ${sum((m) => m.stats.documents_out)} documents out, summary.json ${s.documents_out}`);

    const outIds: string[] = [];
    const dropIds: string[] = [];
    const dropRows: Record<string, number> = {};
    for (const m of own) {
      for (const o of m.stats.outputs) {
        if (!o.path.endsWith('.arrow')) {
          const bytes = await readFile(join(runDir, o.path)).catch(() => null);
          if (!bytes) problems.push(`${o.path}: listed by ${m.stepDir}/done/${m.key}.json but missing`);
          else if (sha256(bytes) !== o.sha256) problems.push(`${o.path}: sha256 does not match the marker`);
          continue;
        }
        const isDocs = DOCUMENT_KINDS.includes(o.kind) && carrying.has(m.phase);
        if (!isDocs && o.kind !== 'drops') {
          // Intermediate shards (hashes, signatures, scores): only integrity is checked.
          await readShard(runDir, { ...o, kind: o.kind }, problems).catch((e: Error) => problems.push(`${o.path}: ${e.message}`));
          continue;
        }
        const rows = await readShard(runDir, o, problems);
        if (isDocs) outIds.push(...rows.ids);
        else {
          dropIds.push(...rows.ids);
          rows.reasons.forEach((r) => (dropRows[r] = (dropRows[r] ?? 0) + 1));
          const foreign = rows.steps.filter((x) => x !== step.name);
          if (foreign.length) problems.push(`${o.path}: ${foreign.length} drop rows name step '${foreign[0]}', not '${step.name}'`);
        }
      }
    }
    if (outIds.length !== s.documents_out) problems.push(`${where}: its document shards hold ${outIds.length} rows, summary.json says ${s.documents_out} documents out`);
    const reasons = new Set([...Object.keys(dropRows), ...Object.keys(s.dropped)]);
    for (const r of [...reasons].sort()) {
      if ((dropRows[r] ?? 0) !== (s.dropped[r] ?? 0)) problems.push(`${where}: reason '${r}': ${dropRows[r] ?? 0} rows in the drops shards, ${s.dropped[r] ?? 0} counted in summary.json`);
    }
    const dupOut = duplicates(outIds);
    if (dupOut.length) problems.push(`${where}: ids passed on twice: ${listSome(dupOut)}`);
    const dupDrop = duplicates(dropIds);
    if (dupDrop.length) problems.push(`${where}: ids dropped twice: ${listSome(dupDrop)}`);
    const outSet = new Set(outIds);
    const both = [...new Set(dropIds)].filter((id) => outSet.has(id));
    if (both.length) problems.push(`${where}: ids both passed on and dropped: ${listSome(both)}`);
    if (previousIds) {
      const decided = new Set([...outIds, ...dropIds]);
      const missing = [...previousIds].filter((id) => !decided.has(id));
      if (missing.length) problems.push(`${where}: documents received but neither passed on nor dropped (lost): ${listSome(missing)}`);
      const invented = [...decided].filter((id) => !previousIds!.has(id));
      if (invented.length) problems.push(`${where}: documents passed on or dropped that the previous step did not pass on (invented): ${listSome(invented)}`);
    }
    accounts.push({ step: step.name, type: step.type, documents_in: s.documents_in, documents_out: s.documents_out, output_rows: outIds.length, drop_rows: dropRows });
    previousIds = outSet;
    previousOut = s.documents_out;
  }
  return { problems, steps: accounts };
}
