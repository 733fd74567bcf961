import { FoxdenError } from '@foxden/core';
import type { CurriculumParams, ResolvedStage } from './params.js';
import { KEY_BUCKETS, keyBucket, type GroupSummary } from './supply.js';

/**
 * The seeded budget sampler. Every document gets a 32-bit key from its id
 * and the seed; a stage's budget per source group is met by taking every
 * document `full_copies` times plus one more copy of the documents whose key
 * falls below a threshold, cutting the last one so the budget is met to the
 * token. The threshold is found from key histograms of token counts, so
 * planning needs only (id, length, quality, source) per document, in memory
 * that does not grow with the corpus, and each shard group is scanned
 * independently.
 */

/** One line of the planner's report: a budget it could not meet, a source it capped. */
export interface ReportEntry {
  stage: string;
  severity: 'info' | 'warning' | 'error';
  code: 'budget-shortfall' | 'source-capped' | 'source-empty' | 'stage-empty';
  message: string;
  /** Mixture group the entry is about, when it is about one. */
  source?: string;
  requested_tokens?: number;
  available_tokens?: number;
}

/** How one source group of one stage is sampled. */
export interface GroupAllocation {
  weight: number;
  /** Usable tokens of this source group in this stage, each document once. */
  supply_tokens: number;
  supply_documents: number;
  target_tokens: number;
  /** Every document of the group is used this many times... */
  full_copies: number;
  /** ...plus once more when its key bucket is below this... */
  threshold_bucket: number;
  /** ...and, in the threshold bucket, this many tokens per shard group (documents in key order, the last one cut). */
  boundary_tokens: Record<string, number>;
}

export interface StagePlan {
  index: number;
  name: string;
  seq_len: number;
  budget: ResolvedStage['budget'];
  target_tokens: number;
  /** Tokens the plan will deliver (= target unless the data ran short). */
  planned_tokens: number;
  supply_tokens: number;
  supply_documents: number;
  met: boolean;
  groups: Record<string, GroupAllocation>;
}

export interface CurriculumPlan {
  format: 'foxden.curriculum-plan/1';
  seed: number;
  total_tokens: number;
  max_repeats: number;
  shard_groups: string[];
  stages: StagePlan[];
  report: ReportEntry[];
  /** Documents no stage selects, by reason, over all groups. */
  not_selected: Record<string, number>;
}

/**
 * Caps each source group at what it can give (supply x max_repeats) and
 * hands the excess to the others in proportion to their weights
 * (water-filling). Integer targets, the remainder going to the first groups
 * in name order so that the result is deterministic.
 */
export function allocateBudget(budget: number, weights: Record<string, number>, caps: Record<string, number>): Record<string, number> {
  const names = Object.keys(weights).sort();
  const target: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  let active = names.filter((n) => (weights[n] ?? 0) > 0);
  let left = budget;
  for (;;) {
    const sumW = active.reduce((s, n) => s + weights[n]!, 0);
    if (active.length === 0 || sumW <= 0 || left <= 0) break;
    const capped = active.filter((n) => (left * weights[n]!) / sumW >= (caps[n] ?? 0));
    if (capped.length === 0) {
      let given = 0;
      const shares = active.map((n) => {
        const exact = (left * weights[n]!) / sumW;
        const floor = Math.floor(exact);
        given += floor;
        return { n, floor, frac: exact - floor };
      });
      let rest = left - given;
      for (const s of [...shares].sort((a, b) => b.frac - a.frac || (a.n < b.n ? -1 : 1))) {
        const extra = rest > 0 ? 1 : 0;
        rest -= extra;
        target[s.n] = s.floor + extra;
      }
      break;
    }
    for (const n of capped) {
      target[n] = Math.floor(caps[n] ?? 0);
      left -= target[n]!;
    }
    active = active.filter((n) => !capped.includes(n));
  }
  return target;
}

/** The plan from all group summaries: targets, repeats and key thresholds per stage and source group. */
export function planCurriculum(stages: readonly ResolvedStage[], params: CurriculumParams, seed: number, summaries: readonly GroupSummary[]): CurriculumPlan {
  const groupIds = summaries.map((s) => s.group);
  const notSelected: Record<string, number> = {};
  const merged: Map<string, { documents: number; tokens: number; hist: Float64Array }>[] = stages.map(() => new Map());
  for (const s of summaries) {
    for (const [k, v] of Object.entries(s.not_selected)) notSelected[k] = (notSelected[k] ?? 0) + v;
    s.stages.forEach((cells, i) => {
      for (const [g, c] of Object.entries(cells)) {
        let m = merged[i]!.get(g);
        if (!m) merged[i]!.set(g, (m = { documents: 0, tokens: 0, hist: new Float64Array(KEY_BUCKETS) }));
        m.documents += c.documents;
        m.tokens += c.tokens;
        for (let b = 0; b < KEY_BUCKETS; b++) m.hist[b]! += c.hist[b] ?? 0;
      }
    });
  }
  let supplyAll = 0;
  for (const m of merged) for (const c of m.values()) supplyAll += c.tokens;
  const total = params.total_tokens ?? supplyAll;
  const mixtureGroups = Object.keys(params.mixture);
  const report: ReportEntry[] = [];
  const plans: StagePlan[] = stages.map((stage, i) => {
    const cells = merged[i]!;
    const target = 'tokens' in stage.budget ? stage.budget.tokens : Math.round(stage.budget.share * total);
    const names = mixtureGroups.length === 0 ? [...cells.keys()] : mixtureGroups;
    const weights: Record<string, number> = {};
    const caps: Record<string, number> = {};
    for (const n of names) {
      const supply = cells.get(n)?.tokens ?? 0;
      // An empty mixture means natural proportions: weight = supply.
      weights[n] = mixtureGroups.length === 0 ? supply : params.mixture[n]!;
      caps[n] = supply * params.max_repeats;
      if (supply === 0 && weights[n]! > 0) {
        report.push({ stage: stage.name, severity: 'warning', code: 'source-empty', source: n, message: `stage '${stage.name}': source group '${n}' (weight ${weights[n]}) has no documents in this stage's selection`, available_tokens: 0 });
      }
    }
    const targets = allocateBudget(target, weights, caps);
    const groups: Record<string, GroupAllocation> = {};
    let planned = 0;
    let supplyTokens = 0;
    let supplyDocs = 0;
    const sumW = names.reduce((s, n) => s + (weights[n] ?? 0), 0);
    for (const n of names.sort()) {
      const cell = cells.get(n);
      const supply = cell?.tokens ?? 0;
      supplyTokens += supply;
      supplyDocs += cell?.documents ?? 0;
      let t = targets[n] ?? 0;
      if (stage.packing === 'decomposition') t -= t % params.decomposition_min_piece;
      const alloc: GroupAllocation = { weight: weights[n]!, supply_tokens: supply, supply_documents: cell?.documents ?? 0, target_tokens: t, full_copies: 0, threshold_bucket: 0, boundary_tokens: {} };
      if (supply > 0 && t > 0) {
        alloc.full_copies = Math.floor(t / supply);
        let rem = t - alloc.full_copies * supply;
        if (rem > 0) {
          let b = 0;
          while (b < KEY_BUCKETS && rem >= cell!.hist[b]!) {
            rem -= cell!.hist[b]!;
            b++;
          }
          alloc.threshold_bucket = b;
          for (const s of summaries) {
            if (rem <= 0) break;
            const here = s.stages[i]?.[n]?.hist[b] ?? 0;
            const take = Math.min(rem, here);
            if (take > 0) alloc.boundary_tokens[s.group] = take;
            rem -= take;
          }
        }
        const fairShare = sumW > 0 ? (target * weights[n]!) / sumW : 0;
        if (names.length > 1 && fairShare > caps[n]!) {
          report.push({
            stage: stage.name, severity: 'warning', code: 'source-capped', source: n, requested_tokens: Math.round(fairShare), available_tokens: supply * params.max_repeats,
            message: `stage '${stage.name}': source group '${n}' can give ${supply} tokens x max_repeats ${params.max_repeats} = ${supply * params.max_repeats}, less than its weighted share ${Math.round(fairShare)}; the rest went to the other sources`,
          });
        }
      }
      planned += t;
      groups[n] = alloc;
    }
    const shortfall = target - planned;
    const met = shortfall <= params.budget_tolerance * target + (stage.packing === 'decomposition' ? params.decomposition_min_piece * names.length : 0);
    const severity = params.on_shortfall === 'warn' ? 'warning' : 'error';
    if (supplyTokens === 0) {
      report.push({ stage: stage.name, severity, code: 'stage-empty', message: `stage '${stage.name}': no document is in its selection (length ${stage.min_tokens}..${stage.max_tokens ?? 'inf'}${stage.min_quality === null ? '' : `, quality >= ${stage.min_quality}`})`, requested_tokens: target, available_tokens: 0 });
    } else if (!met) {
      report.push({
        stage: stage.name, severity, code: 'budget-shortfall', requested_tokens: target, available_tokens: planned,
        message: `stage '${stage.name}': budget ${target} tokens cannot be met: its selection has ${supplyTokens} tokens in ${supplyDocs} documents, at most ${params.max_repeats} uses each = ${planned} tokens (${((100 * planned) / target).toFixed(2)}% of the budget); raise max_repeats, widen the selection, lower the budget, or accept the shortfall with on_shortfall: warn`,
      });
    }
    return { index: stage.index, name: stage.name, seq_len: stage.seq_len, budget: stage.budget, target_tokens: target, planned_tokens: planned, supply_tokens: supplyTokens, supply_documents: supplyDocs, met, groups };
  });
  if (params.on_shortfall === 'fail') {
    const failed = report.filter((r) => r.severity === 'error');
    if (failed.length > 0) throw new FoxdenError('BAD_CONFIG', `curriculum: ${failed.map((r) => r.message).join('; ')} (no stage shard was written)`);
  }
  return { format: 'foxden.curriculum-plan/1', seed, total_tokens: total, max_repeats: params.max_repeats, shard_groups: groupIds, stages: plans, report, not_selected: notSelected };
}

/** A document's share of the plan before the boundary cut. */
export interface Decision {
  /** Whole copies. */
  copies: number;
  /** Whether the document is in the threshold bucket and competes for boundary tokens. */
  boundary: boolean;
}

export function decide(alloc: GroupAllocation, key: number, shardGroup: string): Decision {
  const bucket = keyBucket(key);
  const below = bucket < alloc.threshold_bucket ? 1 : 0;
  const boundary = bucket === alloc.threshold_bucket && (alloc.boundary_tokens[shardGroup] ?? 0) > 0;
  return { copies: alloc.full_copies + below, boundary };
}

/**
 * Shares a group's boundary tokens among the documents of the threshold
 * bucket in (key, id) order; the last document taken is cut. Returns the
 * tokens of the extra, possibly partial, copy of each candidate.
 */
export function cutBoundary(candidates: readonly { key: number; id: string; usable: number }[], tokens: number, granule: number): number[] {
  const order = candidates.map((_, i) => i).sort((a, b) => {
    const x = candidates[a]!;
    const y = candidates[b]!;
    return x.key - y.key || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
  });
  const out = new Array<number>(candidates.length).fill(0);
  let left = tokens;
  for (const i of order) {
    if (left <= 0) break;
    let take = Math.min(candidates[i]!.usable, left);
    take -= take % granule;
    out[i] = take;
    left -= take;
  }
  return out;
}
