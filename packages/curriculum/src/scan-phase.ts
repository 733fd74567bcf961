import { join } from 'node:path';
import { writeFileAtomic, type StepPhase, type TaskSpec } from '@foxden/core';
import { runTask } from '@foxden/shards';
import { planningColumns } from './columns-read.js';
import { curriculumConfig, handoff } from './config.js';
import type { CurriculumParams } from './params.js';
import { SummaryBuilder, documentKey } from './supply.js';
import { checkTokenizers, previousTokenShards, shardGroups } from './token-shards.js';
import { sha256Text } from './util.js';

/**
 * Phase 1 (parallel by shard group): routes every document of the group to
 * a stage by its length and quality and adds its usable tokens to the key
 * histogram of its stage and source group. Reads id, source, n_tokens and
 * quality only; writes a small JSON summary.
 */
export const scanPhase: StepPhase<CurriculumParams> = {
  name: 'scan',
  carriesDocuments: false,
  async plan(ctx) {
    const { params } = curriculumConfig(ctx);
    const shards = previousTokenShards(ctx);
    // Before any work: mixed tokenizers are an error, not something to discover mid-run.
    await checkTokenizers(ctx.runDir, shards);
    return shardGroups(shards, params).map((g): TaskSpec => ({
      id: g.id, inputs: g.shards.map((s) => s.path), bytes: g.shards.reduce((n, s) => n + s.bytes, 0), params: { group: g.id },
    }));
  },
  async run(task, ctx) {
    const { stages, router } = curriculumConfig(ctx);
    return runTask(task, ctx, async (scope) => {
      const { stats } = scope;
      const builder = new SummaryBuilder(task.id, stages.length);
      for await (const { batch } of scope.inputBatches((reader) => reader.batches())) {
        const cols = planningColumns(batch);
        for (let i = 0; i < cols.rows; i++) {
          const route = router.route(cols.nTokens(i), cols.quality(i), cols.source(i));
          if ('reason' in route) builder.reject(route.reason);
          else builder.add(route.stage, route.group, route.usable, documentKey(cols.id(i), ctx.seed));
        }
        ctx.progress({ documents: cols.rows });
      }
      const summary = builder.toJSON();
      const text = JSON.stringify(summary) + '\n';
      const path = handoff.summary(ctx.stepDir, task.id);
      await writeFileAtomic(join(ctx.runDir, path), text);
      stats.counters['rows_scanned'] = summary.rows;
      stats.bytes_in = task.bytes;
      stats.outputs.push({ path, kind: 'scan', rows: summary.rows, bytes: Buffer.byteLength(text), sha256: sha256Text(text) });
    });
  },
};
