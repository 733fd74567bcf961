import { open, type FileHandle } from 'node:fs/promises';
import { crc32, inflateRawSync } from 'node:zlib';
import { DecompressionError, StreamBreak } from './stream-errors.js';

/**
 * Gzip members read one at a time from a file: for the split's index walk
 * (split.ts), which needs member boundaries, and for reading a multi-member
 * (per-record) gzip file, where a corrupt member must not cost the members
 * after it (memberChunks).
 */

/** Compressed bytes read ahead when decoding a member; doubled for larger members up to MAX_MEMBER. */
export const MEMBER_WINDOW = 1 << 20;
export const MAX_MEMBER = 1 << 28;
export const SCAN_CHUNK = 4 << 20;
/** What a boundary scan needs from the cached window to go on without reading the file again. */
export const SCAN_MIN = 64 << 10;

/** A file read through a cached window, for the sequential, slightly backtracking access of the index. */
export class FileWindow {
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  private constructor(private readonly handle: FileHandle, readonly size: number) {}

  static async open(file: string): Promise<FileWindow> {
    const handle = await open(file, 'r');
    try {
      return await FileWindow.over(handle);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** A window over a file already open; closing the window closes the handle. */
  static async over(handle: FileHandle): Promise<FileWindow> {
    const { size } = await handle.stat();
    return new FileWindow(handle, size);
  }

  /** The file's bytes from `start` to `end` (exclusive) as a stream, for what is decoded streaming. */
  stream(start: number, end: number, highWaterMark: number): ReturnType<FileHandle['createReadStream']> {
    return this.handle.createReadStream({ start, end: end - 1, highWaterMark, autoClose: false });
  }

  /**
   * Up to n bytes from pos (fewer at the end of the file). Where the window
   * already holds at least `min` of them, it returns what it holds without
   * reading: a scan for the next boundary needs only some bytes to go on
   * with. Each range's scan at its end once read 4 MiB there, which the walk
   * from its start then read again: 3-4 reads of 4 MiB for a range of 2 MiB.
   * A read never reuses the window's buffer, so what an earlier read returned
   * stays valid.
   */
  async read(pos: number, n: number, min = n): Promise<Buffer> {
    const want = Math.min(n, this.size - pos);
    if (want <= 0) return Buffer.alloc(0);
    if (pos >= this.bufStart && pos + Math.min(min, want) <= this.bufStart + this.buf.length) {
      return this.buf.subarray(pos - this.bufStart, Math.min(pos - this.bufStart + want, this.buf.length));
    }
    const len = Math.min(Math.max(want, SCAN_CHUNK), this.size - pos);
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const { bytesRead } = await this.handle.read(buf, got, len - got, pos + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    this.buf = buf.subarray(0, got);
    this.bufStart = pos;
    return this.buf.subarray(0, Math.min(want, got));
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/**
 * Length of the gzip member header at buf[0]; 'short' when buf ends inside
 * what may still be one (too few bytes, or a name or extra field running
 * past its end); null when it cannot be one. A caller reads more only for
 * 'short': the gzip magic turns up by chance in compressed data, and each
 * such false start, followed by any byte but 8 (deflate), once sent the
 * member decoder reading the file in doubling windows to its end (a 38 MB
 * file read 95 MB over for each of two range boundaries).
 */
export function gzipHeaderLength(buf: Buffer): number | 'short' | null {
  const magic = [0x1f, 0x8b, 8];
  for (let i = 0; i < magic.length && i < buf.length; i++) if (buf[i] !== magic[i]) return null;
  if (buf.length > 3 && buf[3]! & 0xe0) return null;
  if (buf.length < 10) return 'short';
  const flags = buf[3]!;
  let q = 10;
  if (flags & 4) {
    if (q + 2 > buf.length) return 'short';
    q += 2 + buf.readUInt16LE(q);
  }
  for (const bit of [8, 16]) {
    if (flags & bit) {
      const zero = buf.indexOf(0, q);
      if (zero < 0) return 'short';
      q = zero + 1;
    }
  }
  if (flags & 2) q += 2;
  return q <= buf.length ? q : 'short';
}

/** A member decoded whole (its end in the file and its data), or why it is not one; `tooLarge` when it passes the limits given. */
export type Member = { end: number; data: Buffer } | { error: string; tooLarge?: boolean };

/**
 * Decodes the gzip member at pos, checking its CRC-32 and length; an error says why it is not a
 * whole member. `maxWindow` bounds the compressed bytes read for it and `maxOutput` its data: past
 * either, the result is an error with `tooLarge` (a reader streams such a member instead).
 */
export async function decodeMember(win: FileWindow, pos: number, maxWindow = MAX_MEMBER, maxOutput?: number): Promise<Member> {
  const tooLarge: Member = { error: `gzip member at file offset ${pos} is larger than ${maxWindow} bytes`, tooLarge: true };
  for (let window = MEMBER_WINDOW; ; window *= 2) {
    const buf = await win.read(pos, window);
    const more = buf.length === window && pos + window < win.size;
    // Where the member may go on past what was read: read twice as much, up to maxWindow.
    const grow = more && window < maxWindow;
    const header = gzipHeaderLength(buf);
    if (header === 'short' && more) {
      if (grow) continue;
      return tooLarge;
    }
    if (typeof header !== 'number') return { error: `no gzip member header at file offset ${pos}` };
    let data: Buffer;
    let used: number;
    try {
      const options = maxOutput === undefined ? { info: true } : { info: true, maxOutputLength: maxOutput };
      const out = inflateRawSync(buf.subarray(header), options) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
      data = out.buffer;
      used = out.engine.bytesWritten;
    } catch (error) {
      if (more && /unexpected end/i.test((error as Error).message)) {
        if (grow) continue;
        return tooLarge;
      }
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return { error: `gzip member at file offset ${pos} holds more than ${maxOutput} bytes`, tooLarge: true };
      return { error: `gzip member at file offset ${pos}: ${(error as Error).message}` };
    }
    const trailer = header + used;
    if (trailer + 8 > buf.length) {
      if (grow) continue;
      return more ? tooLarge : { error: `gzip member at file offset ${pos} is cut off` };
    }
    if (buf.readUInt32LE(trailer) !== crc32(data) || buf.readUInt32LE(trailer + 4) !== data.length % 2 ** 32) {
      return { error: `gzip member at file offset ${pos} fails its CRC-32 or length check` };
    }
    return { end: pos + trailer + 8, data };
  }
}

/**
 * Whether the gzip file in `win` holds several members: its first member ends within the first MiB
 * and another member begins there. Reads at most the first MiB. The first member's CRC-32 is not
 * checked here (decodeMember would): a per-record file whose first member is corrupt is still read
 * member by member, and so past it.
 */
export async function isMultiMember(win: FileWindow): Promise<boolean> {
  const buf = await win.read(0, MEMBER_WINDOW);
  const header = gzipHeaderLength(buf);
  if (typeof header !== 'number') return false;
  try {
    const out = inflateRawSync(buf.subarray(header), { info: true }) as unknown as { engine: { bytesWritten: number } };
    const end = header + out.engine.bytesWritten + 8;
    return end + 2 <= buf.length && buf[end] === 0x1f && buf[end + 1] === 0x8b;
  } catch {
    return false;
  }
}

/**
 * The first gzip member that starts in [from, limit) and that `accept` takes, found by trying each
 * gzip magic in turn (the magic turns up by chance in compressed data too); null when none does.
 */
export async function findMember(
  win: FileWindow, from: number, limit: number, accept: (member: Member) => boolean, maxWindow = MAX_MEMBER, maxOutput?: number,
): Promise<{ at: number; member: Member } | null> {
  for (let pos = from; pos < limit; ) {
    const chunk = await win.read(pos, SCAN_CHUNK, SCAN_MIN);
    if (chunk.length === 0) return null;
    for (let hit = chunk.indexOf(0x1f); hit >= 0 && pos + hit < limit; hit = chunk.indexOf(0x1f, hit + 1)) {
      if (hit + 1 < chunk.length && chunk[hit + 1] !== 0x8b) continue;
      const member = await decodeMember(win, pos + hit, maxWindow, maxOutput);
      if (accept(member)) return { at: pos + hit, member };
    }
    pos += chunk.length;
  }
  return null;
}

/** Whether the bytes from pos to the end of the file are all zero (padding some writers leave, which gunzip ignores). */
async function zerosToEnd(win: FileWindow, pos: number): Promise<boolean> {
  for (let at = pos; at < win.size; ) {
    const chunk = await win.read(at, SCAN_CHUNK);
    if (chunk.length === 0) return true;
    if (chunk.some((b) => b !== 0)) return false;
    at += chunk.length;
  }
  return true;
}

/** Options of memberChunks. */
export interface MemberChunksOptions {
  /** First byte (a member start) and end (exclusive) of what is read. */
  start: number;
  end: number;
  /** A member whose compressed bytes pass this, or whose data passes maxOutput, is streamed instead (see streamFrom). */
  maxWindow: number;
  maxOutput: number;
  /** Streams the rest of the file from a member start with a streaming gunzip, as for one too large to decode whole. */
  streamFrom: (pos: number) => AsyncIterable<Uint8Array>;
}

/**
 * The decompressed data of a multi-member gzip file, member by member, each
 * checked (CRC-32, length) before any of its bytes is handed out. A member
 * that does not decode whole is never handed out: where a whole member
 * follows, a StreamBreak takes its place and reading goes on from there;
 * where none does, the stream ends with a DecompressionError, as a streaming
 * gunzip would. Node's gunzip stream, by contrast, stops at the first bad
 * member and drops what it had decoded but not yet handed out (up to a few
 * MB), so one corrupt byte in a 1 GB per-record WARC lost every record
 * after it. Offsets stay deterministic: a skipped member counts no bytes,
 * whichever file offset the read began at.
 */
export async function* memberChunks(win: FileWindow, options: MemberChunksOptions): AsyncGenerator<Uint8Array | StreamBreak> {
  const { end, maxWindow, maxOutput } = options;
  for (let pos = options.start; pos < end; ) {
    const member = await decodeMember(win, pos, maxWindow, maxOutput);
    if ('data' in member) {
      if (member.data.length > 0) yield member.data;
      pos = member.end;
      continue;
    }
    if (member.tooLarge) {
      yield* options.streamFrom(pos);
      return;
    }
    if (await zerosToEnd(win, pos)) return;
    // The next member that decodes whole, or that is too large to tell (it is streamed).
    const found = await findMember(win, pos + 1, end, (m) => 'data' in m || m.tooLarge === true, maxWindow, maxOutput);
    if (found === null) throw new DecompressionError('gzip', new Error(`${member.error}; no whole gzip member follows it`));
    const next = found.at;
    yield new StreamBreak(new DecompressionError('gzip', new Error(`${member.error}; its ${next - pos} bytes are skipped and reading goes on at the next whole member, at file offset ${next}`)));
    pos = next;
  }
}
