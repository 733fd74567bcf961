import { join } from 'node:path';
import {
  FoxdenError, STAGE_COLUMNS, SeededRandom, addCount, writeFileAtomic,
  type ShardOutput, type StepPhase, type TaskContext, type TaskSpec, type TaskStats,
} from '@foxden/core';
import { runTask, type TaskScope } from '@foxden/shards';
import { planningColumns, tokensOf } from './columns-read.js';
import { curriculumConfig, handoff } from './config.js';
import { PACKERS, packStats, type Packed } from './packing.js';
import type { CurriculumParams, ResolvedStage } from './params.js';
import { readPlan, type PlanFile } from './plan-phase.js';
import { cutBoundary, decide, documentKey } from './sampler.js';
import { SELECTION_COLUMNS, STAGE_METADATA } from './stage-shard.js';
import { previousTokenShards, shardGroups } from './token-shards.js';
import { jsonText, sha256Text } from './util.js';

/** What one pack task wrote for one stage; the manifest phase sums these. */
export interface StagePackStats {
  index: number;
  name: string;
  shard: ShardOutput | null;
  sequences: number;
  content_tokens: number;
  padding_tokens: number;
  pieces: number;
  truncations: number;
  documents: number;
  document_copies: number;
  repeats: number;
  budget_cut_documents: number;
  discarded_tokens: number;
  /** Per source group: tokens packed, documents used, repeats. */
  sources: Record<string, { tokens: number; documents: number; repeats: number }>;
}

export interface GroupPackStats {
  group: string;
  stages: StagePackStats[];
}

interface SelectedDoc {
  id: string;
  url: string | null;
  tokens: Uint32Array;
  nTokens: number;
  usable: number;
  stage: number;
  source: string;
  key: number;
  copies: number;
  extra: number;
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

async function packStage(
  stage: ResolvedStage, docs: readonly SelectedDoc[], group: string, plan: PlanFile, params: ReturnType<typeof curriculumConfig>['params'],
  ctx: TaskContext<CurriculumParams>, scope: TaskScope,
): Promise<StagePackStats> {
  // Items: one per document copy, documents in input order, copies consecutive.
  let itemCount = 0;
  for (const d of docs) itemCount += d.copies + (d.extra > 0 ? 1 : 0);
  const itemDoc = new Int32Array(itemCount);
  const itemLen = new Int32Array(itemCount);
  let k = 0;
  const sources: StagePackStats['sources'] = {};
  let repeats = 0;
  let cut = 0;
  let discarded = 0;
  docs.forEach((d, i) => {
    for (let c = 0; c < d.copies; c++) {
      itemDoc[k] = i;
      itemLen[k++] = d.usable;
    }
    if (d.extra > 0) {
      itemDoc[k] = i;
      itemLen[k++] = d.extra;
      if (d.extra < d.usable) cut++;
    }
    const copies = d.copies + (d.extra > 0 ? 1 : 0);
    repeats += copies - 1;
    discarded += d.nTokens - d.usable;
    const src = (sources[d.source] ??= { tokens: 0, documents: 0, repeats: 0 });
    src.tokens += d.copies * d.usable + d.extra;
    src.documents++;
    src.repeats += copies - 1;
  });
  if (stage.packing === 'concat-chunk') {
    // The baseline concatenates documents in a seeded random order.
    const order = Array.from({ length: itemCount }, (_, i) => i);
    new SeededRandom(ctx.seed, `curriculum/concat/${stage.name}/${group}`).shuffle(order);
    const d2 = itemDoc.slice();
    const l2 = itemLen.slice();
    order.forEach((from, to) => {
      itemDoc[to] = d2[from]!;
      itemLen[to] = l2[from]!;
    });
  }
  const packed = PACKERS[stage.packing](itemLen, { seqLen: stage.seq_len, pieceTokens: stage.piece_tokens, split: stage.split, minPiece: params.decomposition_min_piece });
  const ps = packStats(packed, stage.seq_len);
  const result: StagePackStats = {
    index: stage.index, name: stage.name, shard: null, sequences: ps.sequences, content_tokens: ps.content_tokens, padding_tokens: ps.padding_tokens,
    pieces: ps.pieces, truncations: ps.items_split, documents: docs.length, document_copies: itemCount, repeats, budget_cut_documents: cut,
    discarded_tokens: discarded, sources: Object.fromEntries(Object.entries(sources).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
  if (packed.rows === 0) return result;
  const writer = await scope.shard({
    path: handoff.stageShard(ctx.stepDir, group, stage.index), kind: 'stage', columns: STAGE_COLUMNS,
    batchRows: Math.max(16, Math.floor((4 << 20) / (4 * stage.seq_len))),
    metadata: {
      [STAGE_METADATA.index]: String(stage.index),
      [STAGE_METADATA.name]: stage.name,
      [STAGE_METADATA.seqLen]: String(stage.seq_len),
      [STAGE_METADATA.packing]: stage.packing,
      [STAGE_METADATA.padId]: String(plan.pad_id),
      ...plan.tokenizer_metadata,
    },
  });
  const rowOrder = Array.from({ length: packed.rows }, (_, i) => i);
  new SeededRandom(ctx.seed, `curriculum/rows/${stage.name}/${group}`).shuffle(rowOrder);
  for (const r of rowOrder) await writer.append(buildRow(packed, r, itemDoc, docs, stage.seq_len, plan.pad_id));
  result.shard = await scope.close(writer);
  return result;
}

function buildRow(packed: Packed, r: number, itemDoc: Int32Array, docs: readonly SelectedDoc[], seqLen: number, padId: number): Record<string, unknown> {
  const from = packed.rowStart[r]!;
  const to = packed.rowStart[r + 1]!;
  const tokens = new Uint32Array(seqLen);
  const lengths = new Int32Array(to - from);
  const offsets = new Int32Array(to - from);
  const ids: string[] = new Array(to - from);
  let fill = 0;
  for (let j = from; j < to; j++) {
    const p = packed.rowPieces[j]!;
    const doc = docs[itemDoc[packed.pieceItem[p]!]!]!;
    const off = packed.pieceOffset[p]!;
    const len = packed.pieceLength[p]!;
    tokens.set(doc.tokens.subarray(off, off + len), fill);
    fill += len;
    lengths[j - from] = len;
    offsets[j - from] = off;
    ids[j - from] = doc.id;
  }
  if (fill > seqLen) throw new FoxdenError('INTERNAL', `curriculum: packed row of ${fill} tokens exceeds seq_len ${seqLen}`);
  if (padId !== 0) tokens.fill(padId, fill);
  return { tokens, segment_lengths: lengths, segment_offsets: offsets, segment_doc_ids: ids, padding: seqLen - fill };
}
