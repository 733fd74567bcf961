import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { FoxdenError, STAGE_COLUMNS, emptyTaskStats, writeFileAtomic, type ShardOutput, type StepPhase } from '@foxden/core';
import { curriculumConfig, handoff } from './config.js';
import { stageManifestName, validateCurriculumManifest, validateStageManifest, type CurriculumManifest, type StageManifest } from './manifest.js';
import type { GroupPackStats } from './pack-phase.js';
import type { CurriculumParams } from './params.js';
import { readPlan } from './plan-phase.js';
import { jsonText, sha256Text } from './util.js';

/**
 * Phase 4 (one task): sums the pack tasks' per-stage figures into one
 * manifest per stage and the curriculum manifest, checks that every stage
 * packed exactly the tokens the plan asked for, validates both against
 * their schemas and writes them (and a copy of curriculum.json at the run
 * root, its paths made relative to it).
 */
export const manifestPhase: StepPhase<CurriculumParams> = {
  name: 'manifest',
  carriesDocuments: false,
  async plan(ctx) {
    return [{ id: '00000', inputs: [handoff.plan(ctx.stepDir)], bytes: 0, params: {} }];
  },
  async run(task, ctx) {
    const { stages } = curriculumConfig(ctx);
    const plan = await readPlan(ctx.runDir, ctx.stepDir);
    const groups: GroupPackStats[] = [];
    for (const g of plan.shard_groups) {
      const path = handoff.packStats(ctx.stepDir, g);
      try {
        groups.push(JSON.parse(await readFile(join(ctx.runDir, path), 'utf8')) as GroupPackStats);
      } catch (error) {
        throw new FoxdenError('CORRUPT_INTERMEDIATE', `curriculum manifest: cannot read ${path}: ${(error as Error).message}; re-run the pack phase`, { file: path, cause: error });
      }
    }
    const pipeline = await readFile(join(ctx.runDir, 'run.json'), 'utf8').then((t) => (JSON.parse(t) as { pipeline?: string; name?: string }).pipeline ?? null, () => null);
    const manifestDir = handoff.manifestDir(ctx.stepDir);
    const stats = emptyTaskStats(ctx.stepName, task.id);
    const curriculum: CurriculumManifest = {
      format: 'foxden.curriculum-manifest/1', pipeline, seed: ctx.seed, tokenizer: plan.tokenizer, total_tokens: plan.total_tokens, stages: [],
      totals: { sequences: 0, tokens: 0, content_tokens: 0, padding_tokens: 0 }, report: plan.report, not_selected: plan.not_selected,
    };
    for (const stage of stages) {
      const sp = plan.stages[stage.index]!;
      const m: StageManifest = {
        format: 'foxden.stage-manifest/1', index: stage.index, name: stage.name, seq_len: stage.seq_len, packing: stage.packing, seed: ctx.seed, pipeline,
        tokenizer: plan.tokenizer, pad_id: plan.pad_id,
        budget: { requested: stage.budget, target_tokens: sp.target_tokens, planned_tokens: sp.planned_tokens, met: sp.met },
        select: { min_tokens: stage.min_tokens, max_tokens: stage.max_tokens, min_quality: stage.min_quality, split: stage.split, piece_tokens: stage.piece_tokens },
        mixture: {},
        totals: { sequences: 0, tokens: 0, content_tokens: 0, padding_tokens: 0, padding_fraction: 0, documents: 0, document_copies: 0, repeats: 0, pieces: 0, truncations: 0, budget_cut_documents: 0, discarded_tokens: 0 },
        report: plan.report.filter((r) => r.stage === stage.name),
        columns: STAGE_COLUMNS.map((c) => ({ ...c })),
        shards: [],
      };
      for (const [name, a] of Object.entries(sp.groups)) {
        m.mixture[name] = { weight: a.weight, supply_tokens: a.supply_tokens, supply_documents: a.supply_documents, target_tokens: a.target_tokens, tokens: 0, documents: 0, repeats: 0 };
      }
      for (const g of groups) {
        const s = g.stages[stage.index];
        if (!s || s.name !== stage.name) throw new FoxdenError('CORRUPT_INTERMEDIATE', `curriculum manifest: pack stats of group ${g.group} do not list stage '${stage.name}'; re-run the step with --force`);
        const t = m.totals;
        t.sequences += s.sequences;
        t.content_tokens += s.content_tokens;
        t.padding_tokens += s.padding_tokens;
        t.documents += s.documents;
        t.document_copies += s.document_copies;
        t.repeats += s.repeats;
        t.pieces += s.pieces;
        t.truncations += s.truncations;
        t.budget_cut_documents += s.budget_cut_documents;
        t.discarded_tokens += s.discarded_tokens;
        for (const [name, v] of Object.entries(s.sources)) {
          const mix = m.mixture[name];
          if (!mix) throw new FoxdenError('CORRUPT_INTERMEDIATE', `curriculum manifest: group ${g.group} packed source '${name}' the plan does not know`);
          mix.tokens += v.tokens;
          mix.documents += v.documents;
          mix.repeats += v.repeats;
        }
        if (s.shard) {
          m.shards.push({
            path: relative(join(ctx.runDir, manifestDir), join(ctx.runDir, s.shard.path)), sha256: s.shard.sha256, bytes: s.shard.bytes,
            sequences: s.sequences, tokens: s.sequences * stage.seq_len, content_tokens: s.content_tokens, padding_tokens: s.padding_tokens,
          });
        }
      }
      m.totals.tokens = m.totals.sequences * stage.seq_len;
      m.totals.padding_fraction = m.totals.tokens === 0 ? 0 : m.totals.padding_tokens / m.totals.tokens;
      // The packer must deliver exactly what the sampler planned: anything else lost or invented tokens.
      if (m.totals.content_tokens !== sp.planned_tokens) {
        throw new FoxdenError('ACCOUNTING', `curriculum: stage '${stage.name}' packed ${m.totals.content_tokens} tokens but the plan asked for ${sp.planned_tokens}`);
      }
      validateStageManifest(m, `stage manifest '${stage.name}'`);
      const text = jsonText(m);
      const file = `${manifestDir}/${stageManifestName(stage.index, stage.name)}`;
      await writeFileAtomic(join(ctx.runDir, file), text);
      const sha = sha256Text(text);
      stats.outputs.push({ path: file, kind: 'manifest', rows: m.shards.length, bytes: Buffer.byteLength(text), sha256: sha });
      curriculum.stages.push({
        index: stage.index, name: stage.name, seq_len: stage.seq_len, manifest: stageManifestName(stage.index, stage.name), sha256: sha,
        sequences: m.totals.sequences, tokens: m.totals.tokens, content_tokens: m.totals.content_tokens, padding_tokens: m.totals.padding_tokens, budget_met: sp.met,
      });
      curriculum.totals.sequences += m.totals.sequences;
      curriculum.totals.tokens += m.totals.tokens;
      curriculum.totals.content_tokens += m.totals.content_tokens;
      curriculum.totals.padding_tokens += m.totals.padding_tokens;
      stats.counters[`stage${stage.index}.padding_fraction_ppm`] = Math.round(m.totals.padding_fraction * 1e6);
    }
    validateCurriculumManifest(curriculum);
    const write = async (path: string, value: CurriculumManifest): Promise<ShardOutput> => {
      const text = jsonText(value);
      await writeFileAtomic(join(ctx.runDir, path), text);
      return { path, kind: 'manifest', rows: value.stages.length, bytes: Buffer.byteLength(text), sha256: sha256Text(text) };
    };
    stats.outputs.push(await write(`${manifestDir}/curriculum.json`, curriculum));
    // The run-root copy: the same manifest with stage paths relative to the run directory.
    const atRoot: CurriculumManifest = { ...curriculum, stages: curriculum.stages.map((s) => ({ ...s, manifest: `${manifestDir}/${s.manifest}` })) };
    validateCurriculumManifest(atRoot);
    stats.outputs.push(await write('curriculum.json', atRoot));
    stats.counters['stages'] = stages.length;
    stats.counters['stages_short'] = plan.stages.filter((s) => !s.met).length;
    return stats;
  },
};
