import { FoxdenError, type StepModule } from '@foxden/core';
import { planBuckets, runBuckets } from './minhash-buckets.js';
import { planClusters, runClusters } from './minhash-clusters.js';
import { minhashOutputColumns, planFilter, runFilter } from './minhash-filter.js';
import { MINHASH_PARAMS_SCHEMA, type MinHashDedupParams } from './minhash-params.js';
import { runSignatures } from './minhash-signatures.js';
import { planShards } from './phase-outputs.js';

/**
 * Near-duplicate removal with MinHash LSH in four phases that hand off through checksummed
 * files: signatures (per shard) -> buckets (per band) -> clusters (one task) -> filter (per shard).
 */
export const minhashDedupStep: StepModule<MinHashDedupParams> = {
  type: 'minhash-dedup',
  description: 'Removes near duplicates: MinHash signatures over word 5-gram shingles, LSH band buckets, union-find clusters, one keeper per cluster (earliest fetched, then smallest id).',
  paramsSchema: MINHASH_PARAMS_SCHEMA,
  outputColumns: (inputColumns) => minhashOutputColumns(inputColumns),
  async validate(ctx) {
    if (ctx.params.num_bands * ctx.params.rows_per_band > 4096) throw new FoxdenError('BAD_CONFIG', `step '${ctx.stepName}': ${ctx.params.num_bands} x ${ctx.params.rows_per_band} hash functions is more than 4096`);
  },
  phases: [
    { name: 'signatures', carriesDocuments: false, plan: async (ctx) => planShards(ctx), run: runSignatures },
    { name: 'buckets', carriesDocuments: false, plan: planBuckets, run: runBuckets },
    { name: 'clusters', carriesDocuments: false, plan: planClusters, run: runClusters },
    { name: 'filter', carriesDocuments: true, plan: planFilter, run: runFilter },
  ],
};
