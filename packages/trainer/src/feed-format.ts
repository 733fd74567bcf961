import { endianness } from 'node:os';

/** Stream magic and frame layout of `foxden.feed/1` (docs/trainer.md). */
export const FEED_MAGIC = 'FOXFEED1';
export const FEED_FORMAT = 'foxden.feed/1';
export const FRAME_MAGIC = 'FXB1';
export const FRAME_HEADER_BYTES = 64;
/** Label of a position with nothing to predict (padding, a segment's last token), as PyTorch's cross-entropy ignores. */
export const IGNORE_LABEL = -100;

export const enum FrameKind {
  Batch = 1,
  StageEnd = 2,
  End = 3,
}

/** The JSON header of a feed stream. */
export interface FeedHeader {
  format: typeof FEED_FORMAT;
  fingerprint: string;
  seed: number;
  batch_tokens: number;
  rank: number;
  world: number;
  vocab_size: number;
  pad_id: number;
  tokenizer: { name: string; vocab_size: number; special_ids: Record<string, number>; sha256: string };
  tokenizer_path: string | null;
  curriculum: string;
  start: { stage: number; tokens: number };
  max_steps: number | null;
  stages: { index: number; name: string; seq_len: number; rows: number; budget_tokens: number; rows_per_batch: number; steps: number }[];
}

export interface FrameFields {
  kind: FrameKind;
  stage: number;
  seqLen: number;
  rows: number;
  segments: number;
  step: number;
  tokensBefore: number;
  tokensAfter: number;
  stageStep: number;
  payloadBytes: number;
}

// The wire format is little-endian and typed arrays are written as they lie in memory: a feeder runs on
// little-endian hosts (x86-64, arm64), and says so plainly anywhere else.
if (endianness() !== 'LE') throw new Error('foxden feed: the feed stream is little-endian and is written from memory as it lies; run the feeder on a little-endian host');

export function encodeStreamHeader(header: FeedHeader): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const out = Buffer.alloc(12 + json.length);
  out.write(FEED_MAGIC, 0, 'latin1');
  out.writeUInt32LE(json.length, 8);
  json.copy(out, 12);
  return out;
}

export function writeFrameHeader(target: Buffer, f: FrameFields): void {
  target.fill(0, 0, FRAME_HEADER_BYTES);
  target.write(FRAME_MAGIC, 0, 'latin1');
  target.writeUInt32LE(f.kind, 4);
  target.writeUInt32LE(f.stage, 8);
  target.writeUInt32LE(f.seqLen, 12);
  target.writeUInt32LE(f.rows, 16);
  target.writeUInt32LE(f.segments, 20);
  target.writeBigUInt64LE(BigInt(f.step), 24);
  target.writeBigUInt64LE(BigInt(f.tokensBefore), 32);
  target.writeBigUInt64LE(BigInt(f.tokensAfter), 40);
  target.writeBigUInt64LE(BigInt(f.stageStep), 48);
  target.writeUInt32LE(f.payloadBytes, 56);
}

/** A frame without payload (stage end, end of stream). */
export function markerFrame(kind: FrameKind, stage: number, step: number): Buffer {
  const out = Buffer.alloc(FRAME_HEADER_BYTES);
  writeFrameHeader(out, { kind, stage, seqLen: 0, rows: 0, segments: 0, step, tokensBefore: 0, tokensAfter: 0, stageStep: 0, payloadBytes: 0 });
  return out;
}

/** Parses a frame header (for tests and tools that read a feed in TypeScript). */
export function readFrameHeader(source: Buffer): FrameFields {
  if (source.toString('latin1', 0, 4) !== FRAME_MAGIC) throw new Error(`not a feed frame (magic ${JSON.stringify(source.toString('latin1', 0, 4))})`);
  return {
    kind: source.readUInt32LE(4) as FrameKind, stage: source.readUInt32LE(8), seqLen: source.readUInt32LE(12), rows: source.readUInt32LE(16),
    segments: source.readUInt32LE(20), step: Number(source.readBigUInt64LE(24)), tokensBefore: Number(source.readBigUInt64LE(32)),
    tokensAfter: Number(source.readBigUInt64LE(40)), stageStep: Number(source.readBigUInt64LE(48)), payloadBytes: source.readUInt32LE(56),
  };
}
