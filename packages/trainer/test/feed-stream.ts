import { FEED_MAGIC, FRAME_HEADER_BYTES, FrameKind, readFrameHeader, type FeedHeader, type FrameFields } from '../src/index.ts';
import type { Feeder } from '../src/index.ts';

export interface ParsedFrame extends FrameFields {
  inputIds: Int32Array;
  labels: Int32Array;
  positionIds: Int32Array;
  rowSegments: Int32Array;
  segmentLengths: Int32Array;
  bytes: Buffer;
}

/** Parses a whole foxden.feed/1 stream (docs/trainer.md), independently of the writer's own views. */
export function parseFeed(stream: Buffer): { header: FeedHeader; frames: ParsedFrame[] } {
  if (stream.toString('latin1', 0, 8) !== FEED_MAGIC) throw new Error('bad stream magic');
  const length = stream.readUInt32LE(8);
  const header = JSON.parse(stream.toString('utf8', 12, 12 + length)) as FeedHeader;
  const frames: ParsedFrame[] = [];
  let at = 12 + length;
  while (at < stream.length) {
    const f = readFrameHeader(stream.subarray(at, at + FRAME_HEADER_BYTES));
    const payload = stream.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + f.payloadBytes);
    const ints = new Int32Array(Uint8Array.from(payload).buffer);
    const n = f.rows * f.seqLen;
    frames.push({
      ...f, inputIds: ints.subarray(0, n), labels: ints.subarray(n, 2 * n), positionIds: ints.subarray(2 * n, 3 * n),
      rowSegments: ints.subarray(3 * n, 3 * n + f.rows), segmentLengths: ints.subarray(3 * n + f.rows), bytes: stream.subarray(at, at + FRAME_HEADER_BYTES + f.payloadBytes),
    });
    at += FRAME_HEADER_BYTES + f.payloadBytes;
    if (f.kind === FrameKind.End && at !== stream.length) throw new Error('bytes after the end frame');
  }
  return { header, frames };
}

export function feedBytes(feeder: Feeder): Buffer {
  const parts: Buffer[] = [];
  for (const frame of feeder.stream()) parts.push(...frame);
  return Buffer.concat(parts);
}

export const batches = (frames: ParsedFrame[]): ParsedFrame[] => frames.filter((f) => f.kind === FrameKind.Batch);

/** Rows of a batch frame as arrays of token ids. */
export function rowsOf(frame: ParsedFrame): number[][] {
  return Array.from({ length: frame.rows }, (_, q) => Array.from(frame.inputIds.subarray(q * frame.seqLen, (q + 1) * frame.seqLen)));
}
