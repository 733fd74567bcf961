import { open, type FileHandle } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { FoxdenError } from '@foxden/core';
import { FileWindow, isMultiMember, memberChunks } from './gzip-members.js';
import { DecompressionError, type StreamBreak } from './stream-errors.js';

/** Whole-file compression, told by magic bytes rather than by name (names lie). */
export type Compression = 'gzip' | 'zstd' | 'none';

export function compressionOf(magic: Uint8Array): Compression {
  if (magic.length >= 2 && magic[0] === 0x1f && magic[1] === 0x8b) return 'gzip';
  if (magic.length >= 4 && magic[0] === 0x28 && magic[1] === 0xb5 && magic[2] === 0x2f && magic[3] === 0xfd) return 'zstd';
  return 'none';
}

export interface DecompressedStream {
  compression: Compression;
  /**
   * Decompressed bytes in order; throws DecompressionError where the compressed stream breaks. In a
   * multi-member gzip file a corrupt member followed by a whole one is a StreamBreak instead, and the
   * bytes go on after it (gzip-members.ts).
   */
  chunks: AsyncIterable<Uint8Array | StreamBreak>;
  /**
   * Closes the file. Reading to the end, or ending the iteration of `chunks` early, closes it too;
   * this is for a reader that stops before its first chunk, when `chunks` has not started and so
   * holds nothing it could close. Safe to call more than once.
   */
  close(): Promise<void>;
}

/** Read size for the raw file: large reads keep syscalls and stream overhead per byte low. */
const READ_CHUNK = 1 << 20;
/** zlib output chunk: the byte reader works best with a few large chunks. */
const INFLATE_CHUNK = 1 << 18;

/** A gzip member larger than this (compressed), or holding more than MEMBER_MAX_OUTPUT, is streamed rather than decoded whole. */
const MEMBER_MAX_WINDOW = 16 << 20;
const MEMBER_MAX_OUTPUT = 64 << 20;

/**
 * Opens a file and streams its decompressed bytes. A multi-member gzip archive
 * (per-record gzip, as crawlers write WARCs) is decoded member by member,
 * each checked before its bytes are handed out, so that a corrupt member
 * costs only itself (memberChunks); whole-file gzip streams through zlib's
 * gunzip. An unreadable file (missing, permission) throws
 * FoxdenError('BAD_INPUT') naming it. `start` (a byte offset in the file,
 * for a task reading one range of a split file) must be where a gzip member
 * begins in a gzip file; compression is still told by the file's first bytes.
 * `end` (exclusive) stops reading the file there. `records`: the file is an
 * archive of records (WARC, ARC), the kind written one gzip member a record;
 * other gzip inputs (JSONL, text) always stream, without the look at their
 * first member that telling the two apart costs.
 */
export async function openDecompressed(file: string, start = 0, end?: number, records = false): Promise<DecompressedStream> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new FoxdenError('BAD_INPUT', `cannot read input file ${file}: ${(error as Error).message}`, { file, cause: error });
  }
  let magic: Uint8Array;
  try {
    const probe = Buffer.alloc(4);
    const { bytesRead } = await handle.read(probe, 0, 4, 0);
    magic = probe.subarray(0, bytesRead);
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw new FoxdenError('BAD_INPUT', `cannot read input file ${file}: ${(error as Error).message}`, { file, cause: error });
  }
  const compression = compressionOf(magic);
  const close = () => handle.close();
  const raw = () => handle.createReadStream({ highWaterMark: READ_CHUNK, start, ...(end === undefined ? {} : { end: end - 1 }), autoClose: true });
  try {
    switch (compression) {
      case 'gzip': {
        if (!records) return { compression, chunks: gunzipChunks(raw), close };
        const win = await FileWindow.over(handle);
        // A range of a split file starts at a member boundary of a multi-member file by construction.
        if (start > 0 || (await isMultiMember(win))) return { compression, chunks: perMemberChunks(win, start, end ?? win.size), close };
        return { compression, chunks: gunzipChunks(raw), close };
      }
      case 'zstd':
        return { compression, chunks: unzstdChunks(raw), close };
      default:
        return { compression, chunks: plainChunks(raw), close };
    }
  } catch (error) {
    // The look at the first gzip member failed (an I/O error): no stream owns the file yet.
    await close().catch(() => undefined);
    throw error;
  }
}

type RawStream = ReturnType<FileHandle['createReadStream']>;

async function* perMemberChunks(win: FileWindow, start: number, end: number): AsyncGenerator<Uint8Array | StreamBreak> {
  try {
    yield* memberChunks(win, {
      start, end, maxWindow: MEMBER_MAX_WINDOW, maxOutput: MEMBER_MAX_OUTPUT,
      streamFrom: (pos) => gunzipChunks(() => win.stream(pos, end, READ_CHUNK)),
    });
  } finally {
    await win.close();
  }
}

async function* plainChunks(raw: () => RawStream): AsyncGenerator<Uint8Array> {
  const stream = raw();
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } finally {
    stream.destroy();
  }
}

function isZlibError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

async function* gunzipChunks(raw: () => RawStream): AsyncGenerator<Uint8Array> {
  const stream = raw();
  const gunzip = createGunzip({ chunkSize: INFLATE_CHUNK });
  // pipe() does not forward source errors; an I/O error must reach the consumer, not hang it.
  stream.on('error', (error) => gunzip.destroy(error));
  stream.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (error) {
    if (isZlibError(error)) throw new DecompressionError('gzip', error);
    throw error;
  } finally {
    stream.destroy();
    gunzip.destroy();
  }
}

async function* unzstdChunks(raw: () => RawStream): AsyncGenerator<Uint8Array> {
  const stream = raw();
  const out: Uint8Array[] = [];
  const decompressor = new Decompress((data) => {
    if (data.length > 0) out.push(data);
  });
  let failure: DecompressionError | null = null;
  const push = (chunk: Uint8Array, final: boolean): void => {
    try {
      decompressor.push(chunk, final);
    } catch (error) {
      failure = new DecompressionError('zstd', error);
    }
  };
  try {
    for await (const chunk of stream) {
      push(chunk as Buffer, false);
      // Blocks decoded before a failure are good data: hand them out first.
      while (out.length > 0) yield out.shift()!;
      if (failure) throw failure;
    }
    push(new Uint8Array(0), true);
    while (out.length > 0) yield out.shift()!;
    if (failure) throw failure;
  } finally {
    stream.destroy();
  }
}
