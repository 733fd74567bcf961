import { STAGE_COLUMNS, type ColumnSpec, type StepModule } from '@foxden/core';
import { curriculumConfig } from './config.js';
import { manifestPhase } from './manifest-phase.js';
import { packPhase } from './pack-phase.js';
import { paramsSchema, type CurriculumParams } from './params.js';
import { planPhase } from './plan-phase.js';
import { scanPhase } from './scan-phase.js';
import { checkTokenizers, previousTokenShards } from './token-shards.js';

/**
 * The `curriculum` step: token shards in, stage shards and manifests out.
 * scan (parallel by shard group) -> plan (barrier) -> pack (parallel by
 * shard group, counts the documents) -> manifest (one task).
 */
export const curriculumStep: StepModule<CurriculumParams> = {
  type: 'curriculum',
  description: 'Buckets documents by token length into sequence-length stages, meets each stage budget with a seeded sampler, packs sequences and writes stage manifests.',
  paramsSchema,
  outputColumns(_input: ColumnSpec[]): ColumnSpec[] {
    return STAGE_COLUMNS.map((c) => ({ ...c }));
  },
  async validate(ctx) {
    // Config errors (overlapping ranges, pieces longer than a sequence) and mixed tokenizers, before any work.
    curriculumConfig(ctx);
    // Token shards exist only in the second call, just before the step runs.
    if (ctx.history.length > 0) await checkTokenizers(ctx.runDir, previousTokenShards(ctx));
  },
  phases: [scanPhase, planPhase, packPhase, manifestPhase],
};
