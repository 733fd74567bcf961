import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { STAGE_COLUMNS, type TokenizerIdentity } from '@foxden/core';
import { ShardWriter } from '@foxden/shards';

/** One stage of a made-up curriculum: its rows' tokens and document segments are functions of the row. */
export interface SyntheticStage {
  name: string;
  seqLen: number;
  rows: number;
  /** Shards the rows are spread over, in order (default 2). */
  shards?: number;
  /** Rows per Arrow record batch (default 16): several batches per shard exercise the row index. */
  batchRows?: number;
  /** Token at position t of row r (default: the token's position in the stage, r * seqLen + t, modulo the vocabulary). */
  token?: (row: number, t: number) => number;
  /** Document segment lengths of row r (default: one document filling the row). */
  segments?: (row: number) => number[];
}

export const SYNTHETIC_TOKENIZER: TokenizerIdentity = {
  name: 'synthetic', vocab_size: 4096, special_ids: { '<pad>': 0, '<eos>': 1, '<bos>': 2 }, sha256: '0'.repeat(64),
};

const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

/**
 * Writes a run directory with stage shards and manifests exactly as the
 * curriculum step lays them out (run.json, curriculum.json, steps/NN-curriculum/
 * {stage,manifests}), valid against schemas/. Returns the run directory.
 */
export async function writeSyntheticCurriculum(runDir: string, stages: SyntheticStage[], options: { seed?: number; tokenizer?: TokenizerIdentity } = {}): Promise<string> {
  const tokenizer = options.tokenizer ?? SYNTHETIC_TOKENIZER;
  const seed = options.seed ?? 7;
  const stepDir = 'steps/00-curriculum';
  mkdirSync(join(runDir, stepDir, 'manifests'), { recursive: true });
  writeFileSync(join(runDir, 'run.json'), JSON.stringify({ pipeline: 'synthetic', seed, inputs: [], steps: [] }));
  const entries: { index: number; name: string; seq_len: number; manifest: string; sha256: string; sequences: number; tokens: number; content_tokens: number; padding_tokens: number; budget_met: boolean }[] = [];
  for (const [index, stage] of stages.entries()) {
    const shardCount = stage.shards ?? 2;
    const token = stage.token ?? ((r: number, t: number) => (r * stage.seqLen + t) % tokenizer.vocab_size);
    const segmentsOf = stage.segments ?? (() => [stage.seqLen]);
    const shards = [];
    let content = 0;
    let pieces = 0;
    for (let s = 0; s < shardCount; s++) {
      const from = Math.floor((stage.rows * s) / shardCount);
      const to = Math.floor((stage.rows * (s + 1)) / shardCount);
      const writer = await ShardWriter.create({
        runDir, path: join(stepDir, 'stage', `pack-${String(s).padStart(5, '0')}.stage${index}.arrow`), kind: 'stage', columns: STAGE_COLUMNS, batchRows: stage.batchRows ?? 16,
      });
      let shardContent = 0;
      for (let r = from; r < to; r++) {
        const tokens = new Uint32Array(stage.seqLen);
        for (let t = 0; t < stage.seqLen; t++) tokens[t] = token(r, t);
        const segments = segmentsOf(r);
        const used = segments.reduce((a, b) => a + b, 0);
        shardContent += used;
        pieces += segments.length;
        await writer.append({
          tokens, segment_lengths: segments, segment_doc_ids: segments.map((_, i) => `doc-${index}-${r}-${i}`), segment_offsets: segments.map(() => 0), padding: stage.seqLen - used,
        });
      }
      const out = await writer.close();
      const sequences = to - from;
      shards.push({ path: `../stage/${out.path.split('/').pop()}`, sha256: out.sha256, bytes: out.bytes, sequences, tokens: sequences * stage.seqLen, content_tokens: shardContent, padding_tokens: sequences * stage.seqLen - shardContent });
      content += shardContent;
    }
    const tokens = stage.rows * stage.seqLen;
    const manifest = {
      format: 'foxden.stage-manifest/1', index, name: stage.name, seq_len: stage.seqLen, packing: 'best-fit-decreasing', seed, pipeline: 'synthetic', tokenizer, pad_id: 0,
      budget: { requested: { tokens }, target_tokens: tokens, planned_tokens: content, met: true },
      select: { min_tokens: 1, max_tokens: null, min_quality: null, split: false, piece_tokens: stage.seqLen },
      mixture: { '*': { weight: 1, supply_tokens: content, supply_documents: pieces, target_tokens: content, tokens: content, documents: pieces, repeats: 0 } },
      totals: {
        sequences: stage.rows, tokens, content_tokens: content, padding_tokens: tokens - content, padding_fraction: tokens === 0 ? 0 : (tokens - content) / tokens,
        documents: pieces, document_copies: pieces, repeats: 0, pieces, truncations: 0, budget_cut_documents: 0, discarded_tokens: 0,
      },
      report: [], columns: STAGE_COLUMNS.map((c) => ({ ...c })), shards,
    };
    const manifestPath = join(stepDir, 'manifests', `stage-${index}-${stage.name}.json`);
    const bytes = `${JSON.stringify(manifest, null, 2)}\n`;
    writeFileSync(join(runDir, manifestPath), bytes);
    entries.push({ index, name: stage.name, seq_len: stage.seqLen, manifest: manifestPath, sha256: sha256(bytes), sequences: stage.rows, tokens, content_tokens: content, padding_tokens: tokens - content, budget_met: true });
  }
  const sum = (key: 'sequences' | 'tokens' | 'content_tokens' | 'padding_tokens'): number => entries.reduce((n, e) => n + e[key], 0);
  const curriculum = {
    format: 'foxden.curriculum-manifest/1', pipeline: 'synthetic', seed, tokenizer, total_tokens: sum('tokens'), stages: entries,
    totals: { sequences: sum('sequences'), tokens: sum('tokens'), content_tokens: sum('content_tokens'), padding_tokens: sum('padding_tokens') }, report: [], not_selected: {},
  };
  writeFileSync(join(runDir, 'curriculum.json'), `${JSON.stringify(curriculum, null, 2)}\n`);
  return runDir;
}

/** Rewrites a stage manifest through `change` and re-records its sha256 in curriculum.json (a consistent, but altered, run). */
export function editStageManifest(runDir: string, stage: number, change: (manifest: Record<string, any>) => void): void {
  const curriculumPath = join(runDir, 'curriculum.json');
  const curriculum = JSON.parse(readFileSync(curriculumPath, 'utf8'));
  const entry = curriculum.stages[stage];
  const path = join(runDir, entry.manifest);
  const manifest = JSON.parse(readFileSync(path, 'utf8'));
  change(manifest);
  const bytes = `${JSON.stringify(manifest, null, 2)}\n`;
  writeFileSync(path, bytes);
  entry.sha256 = sha256(bytes);
  writeFileSync(curriculumPath, `${JSON.stringify(curriculum, null, 2)}\n`);
}

/** Flips the bits of one byte of a file in place: a change that keeps its size, caught only by its checksum. */
export function flipByte(file: string, offset: number): void {
  const fd = openSync(file, 'r+');
  try {
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, offset);
    writeSync(fd, Buffer.from([byte[0]! ^ 0xff]), 0, 1, offset);
  } finally {
    closeSync(fd);
  }
}
