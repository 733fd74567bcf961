import {
  FoxdenError, STAGE_COLUMNS, SeededRandom,
  type ShardOutput, type TaskContext,
} from '@foxden/core';
import type { TaskScope } from '@foxden/shards';
import { handoff } from './config.js';
import { PACKERS, packStats, type Packed } from './packing.js';
import type { CurriculumParams, ResolvedStage } from './params.js';
import type { PlanFile } from './plan-phase.js';
import { STAGE_METADATA } from './stage-shard.js';

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

/** A document the plan gives to a stage: its tokens, and how many whole copies plus extra (boundary) tokens it contributes. */
export interface SelectedDoc {
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
 * Packs one stage's document copies of one shard group with the stage's
 * policy, shuffles the rows with the seed and writes the group's stage shard
 * (none when no row). Returns what it wrote, for the manifest phase.
 */
export async function packStage(
  stage: ResolvedStage, docs: readonly SelectedDoc[], group: string, plan: PlanFile, params: CurriculumParams,
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
