import type { Compression } from './open-stream.js';

/**
 * A failure of the decompressor (a clipped or corrupt gzip or zstd stream).
 * It is a per-record problem: the reader turns it into a reject for the record
 * it cut through and ends cleanly, instead of throwing out of the generator.
 */
export class DecompressionError extends Error {
  readonly compression: Compression;
  constructor(compression: Compression, cause: unknown) {
    super(`${compression} stream is corrupt or cut off: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'DecompressionError';
    this.compression = compression;
  }
}

/**
 * Where a multi-member gzip file has a member that does not decode whole (a
 * corrupt byte, a bad CRC-32) and a whole member follows it: the stream goes
 * on after the break, from that member. Passed in the stream of decompressed
 * chunks, in place of the corrupt member's data, which is never handed out.
 */
export class StreamBreak {
  constructor(readonly error: DecompressionError) {}
}
