import { open, type FileHandle } from 'node:fs/promises';
import { FoxdenError } from '@foxden/core';

/** Bytes read from the model at a time: the header and dictionary are read, the matrices only measured. */
const WINDOW = 1 << 20;

/**
 * Reads a file forward through a window, so that checking a model reads its
 * header and dictionary (a small part of it) and not its matrices: every
 * task that starts a predictor checks its model, and a model is often tens
 * of megabytes.
 */
class ForwardReader {
  private buf = Buffer.alloc(0);
  /** File offset of buf[0]. */
  private start = 0;

  constructor(private readonly handle: FileHandle, readonly size: number) {}

  /** Bytes [pos, pos + n) of the file, or null where the file ends first. */
  async bytes(pos: number, n: number): Promise<Buffer | null> {
    if (pos + n > this.size) return null;
    if (pos < this.start || pos + n > this.start + this.buf.length) {
      if (!(await this.load(pos, n))) return null;
    }
    return this.buf.subarray(pos - this.start, pos - this.start + n);
  }

  /** Offset of the next zero byte at or after pos, or -1 where the file has none. */
  async indexOfZero(pos: number): Promise<number> {
    for (let from = pos; from < this.size; from = this.start + this.buf.length) {
      if (from < this.start || from >= this.start + this.buf.length) {
        if (!(await this.load(from, 1))) return -1;
      }
      const i = this.buf.indexOf(0, from - this.start);
      if (i !== -1) return this.start + i;
    }
    return -1;
  }

  /**
   * Where the dictionary entry at `pos` (a NUL-terminated word, then 9 bytes)
   * ends, if it lies wholly in the window; -1 otherwise (the caller then
   * takes the asynchronous path, which moves the window). Synchronous and
   * allocation-free: a dictionary has hundreds of thousands of entries.
   */
  entryEndInWindow(pos: number): number {
    if (pos < this.start) return -1;
    const zero = this.buf.indexOf(0, pos - this.start);
    if (zero === -1) return -1;
    const end = this.start + zero + 1 + 9;
    return end <= this.start + this.buf.length ? end : -1;
  }

  /** Moves the window to start at pos, holding at least n bytes; false where the file ends first. */
  private async load(pos: number, n: number): Promise<boolean> {
    const len = Math.min(this.size - pos, Math.max(n, WINDOW));
    const buf = Buffer.allocUnsafe(len);
    const { bytesRead } = await this.handle.read(buf, 0, len, pos);
    if (bytesRead < n) return false;
    this.buf = buf.subarray(0, bytesRead);
    this.start = pos;
    return true;
  }
}

/**
 * A model file must exist, start with fastText's magic number, and (for an
 * unquantised model) have exactly the size its header and dictionary imply.
 * fastText itself does not check: a truncated model makes it allocate
 * whatever the garbage sizes say (gigabytes) before failing.
 */
export async function checkModelFile(model: string): Promise<void> {
  let handle: FileHandle;
  let size: number;
  try {
    handle = await open(model, 'r');
    size = (await handle.stat()).size;
  } catch (error) {
    throw new FoxdenError('BAD_CONFIG', `fastText model ${model} does not exist or cannot be read`, { file: model, cause: error });
  }
  try {
    await checkOpened(model, new ForwardReader(handle, size));
  } finally {
    await handle.close();
  }
}

async function checkOpened(model: string, file: ForwardReader): Promise<void> {
  const bad = (why: string): FoxdenError => new FoxdenError('BAD_CONFIG', `fastText model ${model} does not load: ${why} (corrupt or truncated?)`, { file: model });
  const head = await file.bytes(0, 8);
  if (head === null || head.readInt32LE(0) !== 793712314) {
    throw new FoxdenError('BAD_CONFIG', `${model} is not a fastText model (bad magic number)`, { file: model });
  }
  const version = head.readInt32LE(4);
  if (version < 11 || version > 12) throw bad(`unsupported model version ${version}`);
  // Args: 12 int32 and a double; then the dictionary.
  let at = 8 + 12 * 4 + 8;
  const need = async (n: number): Promise<Buffer> => {
    const b = await file.bytes(at, n);
    if (b === null) throw bad(`file ends at byte ${file.size}, expected at least ${at + n}`);
    return b;
  };
  const dict = await need(28);
  const size = dict.readInt32LE(0);
  const pruneIdx = Number(dict.readBigInt64LE(20));
  if (size < 0 || pruneIdx < -1 || pruneIdx > 1e9) throw bad('impossible dictionary size');
  at += 28;
  for (let i = 0; i < size; i++) {
    const inWindow = file.entryEndInWindow(at);
    if (inWindow !== -1) {
      at = inWindow;
      continue;
    }
    const end = await file.indexOfZero(at);
    if (end === -1) throw bad(`dictionary entry ${i} is cut off`);
    at = end + 1;
    await need(9);
    at += 9;
  }
  if (pruneIdx > 0) {
    if (at + pruneIdx * 8 > file.size) throw bad(`file ends at byte ${file.size}, expected at least ${at + pruneIdx * 8}`);
    at += pruneIdx * 8;
  }
  const quantInput = (await need(1))[0] !== 0;
  at += 1;
  // Quantised matrices (.ftz) have a more involved layout; the header and dictionary checks above must do.
  if (quantInput) return;
  const dense = async (): Promise<void> => {
    const h = await need(16);
    const m = Number(h.readBigInt64LE(0));
    const n = Number(h.readBigInt64LE(8));
    at += 16;
    if (m < 0 || n < 0) throw bad('negative matrix size');
    // Only the size matters here; the values are fastText's to read.
    if (at + m * n * 4 > file.size) throw bad(`file ends at byte ${file.size}, expected at least ${at + m * n * 4}`);
    at += m * n * 4;
  };
  await dense();
  const quantOutput = (await need(1))[0] !== 0;
  at += 1;
  if (quantOutput) return;
  await dense();
  if (at !== file.size) throw bad(`file has ${file.size - at} bytes after the output matrix`);
}
