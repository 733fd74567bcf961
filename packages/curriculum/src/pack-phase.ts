import { join } from 'node:path';
import {
  FoxdenError, addCount, writeFileAtomic,
  type StepPhase, type TaskContext, type TaskSpec, type TaskStats,
} from '@foxden/core';
import { runTask } from '@foxden/shards';
import { planningColumns, tokensOf } from './columns-read.js';
import { curriculumConfig, handoff } from './config.js';
import type { CurriculumParams } from './params.js';
import { readPlan } from './plan-phase.js';
import { packStage, type SelectedDoc, type StagePackStats } from './pack-stage.js';
import { cutBoundary, decide } from './sampler.js';
import { documentKey } from './supply.js';
import { SELECTION_COLUMNS } from './stage-shard.js';
import { previousTokenShards, shardGroups } from './token-shards.js';
import { jsonText, sha256Text } from './util.js';

export interface GroupPackStats {
  group: string;
  stages: StagePackStats[];
}

/**
 * Phase 3 (parallel by shard group, carries the documents): applies the
 * plan to every document of the group, writes drop records for documents no
 * stage uses, packs each stage's document copies with its policy, shuffles
 * the rows with the seed and writes one stage shard per stage, plus a
 * selection shard saying what each document contributed.
 */
export const packPhase: StepPhase<CurriculumParams> = {
  name: 'pack',
  carriesDocuments: true,
  async plan(ctx) {
    const { params } = curriculumConfig(ctx);
    return shardGroups(previousTokenShards(ctx), params).map((g): TaskSpec => ({
      id: g.id, inputs: g.shards.map((s) => s.path), bytes: g.shards.reduce((n, s) => n + s.bytes, 0), params: { group: g.id },
    }));
  },
  run: runPack,
};

async function runPack(task: TaskSpec, ctx: TaskContext<CurriculumParams>): Promise<TaskStats> {
  const { params, stages, router } = curriculumConfig(ctx);
  const plan = await readPlan(ctx.runDir, ctx.stepDir);
  const group = task.id;
  return runTask(task, ctx, async (scope) => {
    const { stats } = scope;
    const drops = await scope.drops();
    const selected: SelectedDoc[] = [];
    const candidates = new Map<string, number[]>();
    const dropDoc = (id: string, url: string | null, reason: string, value: string): void => {
      addCount(stats.dropped, reason);
      drops.add({ id, url, step: ctx.stepName, reason, value });
    };
    for await (const { input, batch } of scope.inputBatches((reader) => reader.batches())) {
      const cols = planningColumns(batch);
      for (let i = 0; i < cols.rows; i++) {
        const id = cols.id(i);
        const nTokens = cols.nTokens(i);
        const route = router.route(nTokens, cols.quality(i), cols.source(i));
        if ('reason' in route) {
          dropDoc(id, cols.url(i), route.reason, route.value);
          continue;
        }
        const stage = stages[route.stage]!;
        const alloc = plan.stages[route.stage]?.groups[route.group];
        if (!alloc) throw new FoxdenError('CORRUPT_INTERMEDIATE', `curriculum pack: the plan has no allocation for stage '${stage.name}' source group '${route.group}' but document ${id} in ${input} belongs there; the token shards changed after planning: re-run the step with --force`, { file: input, offset: i });
        const key = documentKey(id, ctx.seed);
        const d = decide(alloc, key, group);
        if (d.copies === 0 && !d.boundary) {
          dropDoc(id, cols.url(i), 'budget-exceeded', stage.name);
          continue;
        }
        const tokens = tokensOf(batch, i);
        if (tokens.length !== nTokens) throw new FoxdenError('BAD_INPUT', `token shard ${input} row ${i} (document ${id}): n_tokens ${nTokens} but ${tokens.length} token ids`, { file: input, offset: i });
        const doc: SelectedDoc = { id, url: cols.url(i), tokens, nTokens, usable: route.usable, stage: route.stage, source: route.group, key, copies: d.copies, extra: 0 };
        if (d.boundary) {
          const k = `${route.stage}\u0000${route.group}`;
          let list = candidates.get(k);
          if (!list) candidates.set(k, (list = []));
          list.push(selected.length);
        }
        selected.push(doc);
      }
      await drops.flush();
      stats.documents_in += cols.rows;
      ctx.progress({ documents: cols.rows });
    }
    stats.bytes_in = task.bytes;
    // The boundary bucket: documents in key order fill this group's share, the last one cut.
    for (const [k, list] of [...candidates.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const [stageIndex, source] = k.split('\u0000') as [string, string];
      const stage = stages[Number(stageIndex)]!;
      const want = plan.stages[stage.index]!.groups[source]!.boundary_tokens[group] ?? 0;
      const granule = stage.packing === 'decomposition' ? params.decomposition_min_piece : 1;
      const docs = list.map((i) => selected[i]!);
      const extra = cutBoundary(docs, want, granule);
      let got = 0;
      docs.forEach((d, j) => {
        d.extra = extra[j]!;
        got += d.extra;
      });
      if (got !== want) throw new FoxdenError('CORRUPT_INTERMEDIATE', `curriculum pack: group ${group} stage '${stage.name}' source '${source}' has ${got} boundary tokens where the plan expects ${want}; the token shards changed after planning: re-run the step with --force`);
    }
    const perStage: SelectedDoc[][] = stages.map(() => []);
    for (const d of selected) {
      if (d.copies === 0 && d.extra === 0) {
        dropDoc(d.id, d.url, 'budget-exceeded', stages[d.stage]!.name);
        continue;
      }
      stats.documents_out++;
      perStage[d.stage]!.push(d);
    }
    await drops.flush();
    const selection = await scope.shard({ path: handoff.selection(ctx.stepDir, group), kind: 'selection', columns: SELECTION_COLUMNS });
    const groupStats: GroupPackStats = { group, stages: [] };
    for (const stage of stages) {
      const docs = perStage[stage.index]!;
      const s = await packStage(stage, docs, group, plan, params, ctx, scope);
      groupStats.stages.push(s);
      for (const d of docs) {
        await selection.append({
          id: d.id, stage_index: stage.index, stage: stage.name, source_group: d.source, n_tokens: d.nTokens, usable_tokens: d.usable,
          copies: d.copies, extra_tokens: d.extra, tokens_used: d.copies * d.usable + d.extra,
        });
      }
      if (s.shard) stats.bytes_out += s.shard.bytes;
      const prefix = `stage${stage.index}.`;
      for (const key of ['sequences', 'content_tokens', 'padding_tokens', 'pieces', 'truncations', 'repeats', 'budget_cut_documents', 'discarded_tokens'] as const) {
        addCount(stats.counters, prefix + key, s[key]);
        addCount(stats.counters, key, s[key]);
      }
    }
    await scope.close(selection);
    const text = jsonText(groupStats);
    const path = handoff.packStats(ctx.stepDir, group);
    await writeFileAtomic(join(ctx.runDir, path), text);
    stats.outputs.push({ path, kind: 'pack-stats', rows: stages.length, bytes: Buffer.byteLength(text), sha256: sha256Text(text) });
    await scope.close(drops);
  });
}
