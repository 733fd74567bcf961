import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FoxdenError, emptyTaskStats, writeFileAtomic, type StepPhase, type TokenizerIdentity } from '@foxden/core';
import { curriculumConfig, handoff } from './config.js';
import type { CurriculumParams } from './params.js';
import { planCurriculum, type CurriculumPlan } from './sampler.js';
import type { GroupSummary } from './supply.js';
import { checkTokenizers, previousTokenShards, shardGroups } from './token-shards.js';
import { jsonText, sha256Text } from './util.js';

/** The plan file: the sampler's decisions plus what the later phases need to know about the run. */
export interface PlanFile extends CurriculumPlan {
  tokenizer: TokenizerIdentity;
  /** The `foxden.tokenizer.*` metadata copied into every stage shard. */
  tokenizer_metadata: Record<string, string>;
  pad_id: number;
}

/**
 * Phase 2 (the barrier, one task): merges the group summaries, fixes each
 * stage's targets per source group (water-filling within max_repeats) and
 * the key thresholds that meet them, and reports every budget it cannot
 * meet. Unless the recipe says `on_shortfall: warn`, an unmet budget fails here, before any packing.
 */
export const planPhase: StepPhase<CurriculumParams> = {
  name: 'plan',
  carriesDocuments: false,
  async plan(ctx) {
    const { params } = curriculumConfig(ctx);
    const groups = shardGroups(previousTokenShards(ctx), params);
    return [{ id: '00000', inputs: groups.map((g) => handoff.summary(ctx.stepDir, g.id)), bytes: 0, params: {} }];
  },
  async run(task, ctx) {
    const { params, stages } = curriculumConfig(ctx);
    const summaries: GroupSummary[] = [];
    for (const input of task.inputs) {
      try {
        summaries.push(JSON.parse(await readFile(join(ctx.runDir, input), 'utf8')) as GroupSummary);
      } catch (error) {
        throw new FoxdenError('CORRUPT_INTERMEDIATE', `curriculum plan: cannot read scan summary ${input}: ${(error as Error).message}; re-run the scan phase`, { file: input, cause: error });
      }
    }
    const { identity, metadata } = await checkTokenizers(ctx.runDir, previousTokenShards(ctx));
    const plan = planCurriculum(stages, params, ctx.seed, summaries);
    const padId = params.pad_id ?? identity.special_ids['<pad>'] ?? identity.special_ids['pad'] ?? 0;
    const file: PlanFile = { ...plan, tokenizer: identity, tokenizer_metadata: metadata, pad_id: padId };
    const text = jsonText(file);
    const path = handoff.plan(ctx.stepDir);
    await writeFileAtomic(join(ctx.runDir, path), text);
    for (const r of plan.report) ctx.log(`${r.severity}: ${r.message}`);
    const stats = emptyTaskStats(ctx.stepName, task.id);
    stats.counters['stages_short'] = plan.stages.filter((s) => !s.met).length;
    stats.counters['budget_shortfall_tokens'] = plan.stages.reduce((n, s) => n + Math.max(0, s.target_tokens - s.planned_tokens), 0);
    stats.counters['planned_tokens'] = plan.stages.reduce((n, s) => n + s.planned_tokens, 0);
    const warnings = plan.report.filter((r) => r.severity !== 'info').map((r) => r.message);
    if (warnings.length > 0) stats.warnings = warnings;
    stats.outputs.push({ path, kind: 'plan', rows: plan.stages.length, bytes: Buffer.byteLength(text), sha256: sha256Text(text) });
    return stats;
  },
};

export async function readPlan(runDir: string, stepDir: string): Promise<PlanFile> {
  const path = handoff.plan(stepDir);
  try {
    return JSON.parse(await readFile(join(runDir, path), 'utf8')) as PlanFile;
  } catch (error) {
    throw new FoxdenError('CORRUPT_INTERMEDIATE', `curriculum: cannot read plan ${path}: ${(error as Error).message}; re-run the plan phase`, { file: path, cause: error });
  }
}
