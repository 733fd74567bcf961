import { createHash } from 'node:crypto';
import { join } from 'node:path';
import {
  FoxdenError, addCount, indexTaskId, shardPath,
  type ColumnSpec, type DocumentRecord, type StepContext, type StepModule, type TaskContext, type TaskSpec, type TaskStats,
} from '@foxden/core';
import { runDocumentTask, runTask, ShardReader, type ShardWriter } from '@foxden/shards';
import { compareKeep, type KeepCandidate } from './keep-rule.js';
import { normalizeText, normalizeUrl } from './normalize.js';
import { phaseOutputs, planShards, ref, shardTaskIds, type FileRef } from './phase-outputs.js';

export interface ExactDedupParams {
  /** Deduplicate by the hash of the normalised text. Default true. */
  text: boolean;
  /** Deduplicate by normalised URL too. Default false. */
  url: boolean;
  /** Hash-prefix partitions: the number of tasks of the `decide` phase. Default 16. */
  partitions: number;
}

const HASH_COLUMNS: ColumnSpec[] = [
  { name: 'key', type: 'utf8', nullable: false },
  { name: 'kind', type: 'utf8', nullable: false },
  { name: 'id', type: 'utf8', nullable: false },
  { name: 'fetched_at', type: 'utf8', nullable: true },
  { name: 'shard', type: 'int32', nullable: false },
  { name: 'row', type: 'int32', nullable: false },
];

const DECISION_COLUMNS: ColumnSpec[] = [
  { name: 'shard', type: 'int32', nullable: false },
  { name: 'row', type: 'int32', nullable: false },
  { name: 'id', type: 'utf8', nullable: false },
  { name: 'kind', type: 'utf8', nullable: false },
  { name: 'kept_id', type: 'utf8', nullable: false },
  { name: 'group_size', type: 'int32', nullable: false },
];

/** Drop reason per key kind. */
const REASON: Record<string, string> = { text: 'exact-duplicate', url: 'url-duplicate' };

function partitionSuffix(p: number): string {
  return `.p${String(p).padStart(4, '0')}.arrow`;
}

/** Hex sha256 prefix (128 bits) of a key's normalised form. */
function keyHash(kind: string, normalised: string): string {
  return createHash('sha256').update(kind).update('\0').update(normalised).digest('hex').slice(0, 32);
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Phase 1, per input shard: the keys of every document, written to one Arrow file per hash-prefix
 * partition. Documents whose normalised text is empty are not keyed by text (counted), and those
 * without a URL are not keyed by URL (counted): neither is a duplicate of anything.
 */
async function runHash(task: TaskSpec, ctx: TaskContext<ExactDedupParams>): Promise<TaskStats> {
  const { partitions } = ctx.params;
  const shard = Number(task.id);
  return runTask(task, ctx, async (scope) => {
    const { stats } = scope;
    const writers = new Map<number, ShardWriter>();
    const emit = async (kind: string, normalised: string, doc: DocumentRecord, row: number): Promise<void> => {
      const key = keyHash(kind, normalised);
      const p = parseInt(key.slice(0, 8), 16) % partitions;
      let w = writers.get(p);
      if (!w) {
        w = await scope.shard({
          path: join(ctx.stepDir, 'exact-hashes', `hash-${task.id}${partitionSuffix(p)}`), kind: 'exact-hashes', columns: HASH_COLUMNS, batchRows: 8192,
        });
        writers.set(p, w);
      }
      await w.append({ key, kind, id: doc.id, fetched_at: doc.fetched_at ?? null, shard, row });
    };
    let row = 0;
    for await (const { batch: rows } of scope.inputBatches((reader) => reader.rowBatches(['id', 'text', 'url', 'fetched_at']))) {
      let bytes = 0;
      for (const r of rows) {
        const doc = r as DocumentRecord;
        const text = typeof doc.text === 'string' ? doc.text : '';
        bytes += text.length;
        if (ctx.params.text) {
          const norm = normalizeText(text);
          if (norm === '') addCount(stats.counters, 'exact_empty_text');
          else await emit('text', norm, doc, row);
        }
        if (ctx.params.url) {
          const url = normalizeUrl(doc.url);
          if (url === null) addCount(stats.counters, 'exact_no_url');
          else await emit('url', url, doc, row);
        }
        row++;
      }
      stats.bytes_in += bytes;
      ctx.progress({ documents: rows.length, bytes });
    }
    addCount(stats.counters, 'exact_documents_hashed', row);
    // Outputs in partition order, not the order the partitions were first seen.
    for (const p of [...writers.keys()].sort((a, b) => a - b)) await scope.close(writers.get(p)!);
  });
}

async function planDecide(ctx: StepContext<ExactDedupParams>): Promise<TaskSpec[]> {
  const outs = await phaseOutputs(ctx, 'hash', shardTaskIds(ctx));
  const tasks: TaskSpec[] = [];
  for (let p = 0; p < ctx.params.partitions; p++) {
    const suffix = partitionSuffix(p);
    const files = outs.flatMap((o) => o.outputs.filter((f) => f.path.endsWith(suffix)).map(ref));
    tasks.push({ id: indexTaskId(p), inputs: files.map((f) => f.path), bytes: files.reduce((n, f) => n + f.rows * 64, 0), params: { partition: p, files } });
  }
  return tasks;
}

interface Group {
  best: KeepCandidate;
  size: number;
}

/**
 * Phase 2, per hash-prefix partition: the documents sharing a key form a group; the keeper is
 * chosen by the keep rule (keep-rule.ts) and every other member becomes a decision row
 * (shard, row, kept id). Memory holds one entry per distinct key of the partition.
 */
async function runDecide(task: TaskSpec, ctx: TaskContext<ExactDedupParams>): Promise<TaskStats> {
  return runTask(task, ctx, async (scope) => {
    const { stats } = scope;
    const files = (task.params?.['files'] ?? []) as FileRef[];
    const groups = new Map<string, Group>();
    const scan = async (visit: (r: Record<string, unknown>) => void): Promise<void> => {
      for (const f of files) {
        const reader = await ShardReader.open(join(ctx.runDir, f.path), { sha256: f.sha256 });
        try {
          for await (const rows of reader.rowBatches()) for (const r of rows) visit(r);
        } finally {
          await reader.close();
        }
      }
    };
    await scan((r) => {
      const gk = `${r['kind']}:${r['key']}`;
      const c: KeepCandidate = { id: r['id'] as string, fetched_at: (r['fetched_at'] as string | null) ?? null, shard: r['shard'] as number, row: r['row'] as number };
      const g = groups.get(gk);
      if (!g) groups.set(gk, { best: c, size: 1 });
      else {
        g.size++;
        if (compareKeep(c, g.best) < 0) g.best = c;
      }
    });
    const losers: Record<string, unknown>[] = [];
    await scan((r) => {
      const g = groups.get(`${r['kind']}:${r['key']}`)!;
      if (g.size < 2 || (g.best.shard === r['shard'] && g.best.row === r['row'])) return;
      losers.push({ shard: r['shard'], row: r['row'], id: r['id'], kind: r['kind'], kept_id: g.best.id, group_size: g.size });
    });
    losers.sort((a, b) => (a['shard'] as number) - (b['shard'] as number) || (a['row'] as number) - (b['row'] as number) || cmpStr(a['kind'] as string, b['kind'] as string));
    for (const g of groups.values()) {
      addCount(stats.counters, 'exact_keys');
      if (g.size > 1) addCount(stats.counters, 'exact_duplicate_groups');
    }
    const writer = await scope.shard({ path: shardPath(ctx.stepDir, 'exact-decisions', ctx.phase, task.id), kind: 'exact-decisions', columns: DECISION_COLUMNS, batchRows: 8192 });
    await writer.appendAll(losers);
  });
}

interface Decision {
  kind: string;
  kept: string;
  size: number;
}

/** Phase 3, per input shard: drops the documents the decisions name, passes the rest on unchanged. */
async function runFilter(task: TaskSpec, ctx: TaskContext<ExactDedupParams>): Promise<TaskStats> {
  const shard = Number(task.id);
  const files = (task.params?.['decisions'] ?? []) as FileRef[];
  const decisions = new Map<number, Decision>();
  for (const f of files) {
    const reader = await ShardReader.open(join(ctx.runDir, f.path), { sha256: f.sha256 });
    try {
      for await (const batch of reader.batches()) {
        const shards = batch.getChild('shard')!;
        for (let i = 0; i < batch.numRows; i++) {
          if (shards.get(i) !== shard) continue;
          const row = batch.getChild('row')!.get(i) as number;
          const kind = batch.getChild('kind')!.get(i) as string;
          const prev = decisions.get(row);
          // A document that is a duplicate by text and by URL is reported as a text duplicate.
          if (prev && prev.kind === 'text') continue;
          decisions.set(row, { kind, kept: batch.getChild('kept_id')!.get(i) as string, size: batch.getChild('group_size')!.get(i) as number });
        }
      }
    } finally {
      await reader.close();
    }
  }
  let row = 0;
  return runDocumentTask(task, ctx, {
    outputColumns: ctx.inputColumns,
    transform(docs, sink) {
      for (const doc of docs) {
        const d = decisions.get(row++);
        if (d) {
          sink.drop(doc, REASON[d.kind]!, d.kept);
          sink.count(`exact_group_size_${d.size >= 10 ? '10+' : d.size}`);
        } else sink.keep(doc);
      }
    },
  });
}

export const exactDedupStep: StepModule<ExactDedupParams> = {
  type: 'exact-dedup',
  description: 'Removes exact duplicates by the hash of the normalised text and, optionally, by normalised URL; keeps the earliest fetched copy (then the smallest id).',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      text: { type: 'boolean', default: true, description: 'Deduplicate by the sha256 of the normalised text (NFKC, lower case, digits to 0, punctuation removed, whitespace collapsed).' },
      url: { type: 'boolean', default: false, description: 'Also deduplicate by normalised URL (scheme, www., default port, fragment, query order and trailing slash ignored).' },
      partitions: { type: 'integer', minimum: 1, maximum: 65536, default: 16, description: 'Hash-prefix partitions, one decide task each; raise it so that one partition\'s distinct keys fit in a task\'s memory.' },
    },
  },
  outputColumns: (inputColumns) => [...inputColumns],
  async validate(ctx) {
    if (!ctx.params.text && !ctx.params.url) throw new FoxdenError('BAD_CONFIG', `step '${ctx.stepName}': exact-dedup needs text or url (or both) enabled`);
  },
  phases: [
    { name: 'hash', carriesDocuments: false, plan: async (ctx) => planShards(ctx), run: runHash },
    { name: 'decide', carriesDocuments: false, plan: planDecide, run: runDecide },
    {
      name: 'filter',
      carriesDocuments: true,
      async plan(ctx) {
        const outs = await phaseOutputs(ctx, 'decide', Array.from({ length: ctx.params.partitions }, (_, p) => indexTaskId(p)));
        const decisions = outs.flatMap((o) => o.outputs.filter((f) => f.kind === 'exact-decisions').map(ref));
        return planShards(ctx, () => ({ decisions }));
      },
      run: runFilter,
    },
  ],
};
