import type { StepContext } from '@foxden/core';
import { resolveStages, type CurriculumParams, type ResolvedStage } from './params.js';
import { Router, SourceMixture } from './select.js';

export interface CurriculumConfig {
  params: CurriculumParams;
  stages: ResolvedStage[];
  mixture: SourceMixture;
  router: Router;
}

/**
 * Stages resolved and checked, and the router built from them. The params come with the schema's
 * defaults applied (the pipeline loader, or resolveStepParams, does that): the schema is where the
 * defaults are, and the only place.
 */
export function curriculumConfig(ctx: Pick<StepContext<CurriculumParams>, 'params'>): CurriculumConfig {
  const params = ctx.params;
  const stages = resolveStages(params);
  const mixture = new SourceMixture(params.mixture);
  return { params, stages, mixture, router: new Router(stages, mixture, params.decomposition_min_piece) };
}

/** Run-relative paths of the files the phases hand off through. */
export const handoff = {
  summary: (stepDir: string, group: string) => `${stepDir}/scan/scan-${group}.json`,
  plan: (stepDir: string) => `${stepDir}/plan/plan-00000.json`,
  packStats: (stepDir: string, group: string) => `${stepDir}/packstats/pack-${group}.json`,
  stageShard: (stepDir: string, group: string, stage: number) => `${stepDir}/stage/pack-${group}.stage${stage}.arrow`,
  selection: (stepDir: string, group: string) => `${stepDir}/selection/pack-${group}.arrow`,
  manifestDir: (stepDir: string) => `${stepDir}/manifests`,
};
