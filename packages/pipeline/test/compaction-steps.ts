/**
 * A step package for the compaction tests: `emit` plans `tasks` tasks; each
 * writes a token shard of `rows` rows (real ShardWriter, so a real Parquet
 * sidecar) and a drop shard of one row, and balances.
 */
import { join } from 'node:path';
import { DROP_COLUMNS, TOKEN_COLUMNS, emptyTaskStats, shardPath, type StepModule, type TaskSpec } from '@foxden/core';
import { ShardWriter } from '@foxden/shards';

interface EmitParams {
  tasks: number;
  rows: number;
}

const emit: StepModule<EmitParams> = {
  type: 'emit',
  description: 'writes token and drop shards of synthetic rows',
  paramsSchema: { type: 'object' },
  outputColumns: () => [...TOKEN_COLUMNS],
  phases: [{
    name: 'main',
    carriesDocuments: true,
    async plan(ctx) {
      return Array.from({ length: ctx.params.tasks }, (_, i): TaskSpec => ({ id: String(i).padStart(5, '0'), inputs: [], bytes: 0 }));
    },
    async run(task, ctx) {
      const stats = emptyTaskStats(ctx.stepName, task.id);
      const n = Number(task.id);
      const tokens = await ShardWriter.create({
        runDir: ctx.runDir, path: join(ctx.stepDir, 'tokens', `main-${task.id}-0000.arrow`), kind: 'tokens', columns: TOKEN_COLUMNS, batchRows: 16,
      });
      for (let r = 0; r < ctx.params.rows + n; r++) {
        await tokens.append({
          id: `doc-${task.id}-${r}`, source: `input-${n % 3}`, url: r % 4 === 0 ? null : `https://example.org/${n}/${r}`, lang: r % 5 === 0 ? 'de' : 'en',
          n_tokens: 3 + r, tokens: new Uint32Array([1, 2, 3 + r]), quality: r % 2 ? 0.5 + r / 1000 : null, cluster_size: null,
          extraction: ['main', 'visible', null][r % 3],
        });
      }
      const drops = await ShardWriter.create({ runDir: ctx.runDir, path: shardPath(ctx.stepDir, 'drops', 'main', task.id), kind: 'drops', columns: DROP_COLUMNS });
      await drops.append({ id: `dropped-${task.id}`, url: null, step: ctx.stepName, reason: 'too-short', value: String(n), source: null, offset: null });
      stats.outputs.push(await tokens.close(), await drops.close());
      stats.documents_out = ctx.params.rows + n;
      stats.dropped['too-short'] = 1;
      stats.documents_in = stats.documents_out + 1;
      return stats;
    },
  }],
};

export const steps = [emit];
