import { createHash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, renameSync, rmSync, writeSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FoxdenError, temporaryPath, type ShardOutput } from '@foxden/core';

/**
 * Intermediate files of fixed-width records of 32-bit words (band buckets, candidate pairs,
 * signatures). Layout, little-endian (docs/dedup.md, "Intermediate files"):
 *
 *   bytes 0-7    magic "FXDDREC1"
 *   bytes 8-11   words per record (uint32)
 *   bytes 12-15  reserved, 0
 *   records      count x words x 4 bytes
 *   trailer      record count (uint64), then sha256 of header and records (32 bytes)
 *
 * A truncated file is caught at open (its size does not match the count in the trailer, or the
 * trailer is gone); a changed byte is caught by the digest, checked as the reader reaches the
 * end. Either way the reader throws FoxdenError('CORRUPT_INTERMEDIATE') naming the file.
 */
const MAGIC = Buffer.from('FXDDREC1', 'latin1');
const HEADER = 16;
const TRAILER = 40;

export class RecordFileWriter {
  readonly file: string;
  private readonly tmp: string;
  private readonly fd: number;
  private readonly inner: Hash = createHash('sha256');
  private readonly whole: Hash = createHash('sha256');
  private readonly buf: Uint32Array;
  private fill = 0;
  private count = 0;
  private size = 0;
  private closed = false;

  /**
   * @param runDir run directory; `path` is run-relative and is what the output record names.
   * @param bufferRecords records buffered before a write. Default 16384.
   */
  constructor(readonly runDir: string, readonly path: string, readonly kind: string, readonly words: number, bufferRecords = 16384) {
    this.file = join(runDir, path);
    mkdirSync(dirname(this.file), { recursive: true });
    this.tmp = temporaryPath(this.file);
    this.fd = openSync(this.tmp, 'w');
    this.buf = new Uint32Array(words * bufferRecords);
    const header = Buffer.alloc(HEADER);
    MAGIC.copy(header, 0);
    header.writeUInt32LE(words, 8);
    this.write(header);
  }

  private write(bytes: Uint8Array, inner = true): void {
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    if (inner) this.inner.update(bytes);
    this.whole.update(bytes);
    this.size += bytes.length;
  }

  push3(a: number, b: number, c: number): void {
    const f = this.fill;
    this.buf[f] = a; this.buf[f + 1] = b; this.buf[f + 2] = c;
    this.fill = f + 3;
    this.count++;
    if (this.fill === this.buf.length) this.flush();
  }

  push4(a: number, b: number, c: number, d: number): void {
    const f = this.fill;
    this.buf[f] = a; this.buf[f + 1] = b; this.buf[f + 2] = c; this.buf[f + 3] = d;
    this.fill = f + 4;
    this.count++;
    if (this.fill === this.buf.length) this.flush();
  }

  /** Appends whole records from an array of words (length a multiple of `words`). */
  pushWords(words: ArrayLike<number>): void {
    for (let i = 0; i < words.length; i++) {
      this.buf[this.fill++] = words[i]!;
      if (this.fill === this.buf.length) this.flush();
    }
    this.count += words.length / this.words;
  }

  get records(): number {
    return this.count;
  }

  private flush(): void {
    if (this.fill === 0) return;
    this.write(new Uint8Array(this.buf.buffer, 0, this.fill * 4));
    this.fill = 0;
  }

  /** Writes the trailer, renames the file into place, returns its output record. */
  close(): ShardOutput {
    if (this.closed) throw new Error(`record file ${this.path} closed twice`);
    this.closed = true;
    try {
      this.flush();
      const trailer = Buffer.alloc(TRAILER);
      trailer.writeBigUInt64LE(BigInt(this.count), 0);
      this.inner.update(trailer.subarray(0, 8));
      this.inner.digest().copy(trailer, 8);
      this.write(trailer, false);
      closeSync(this.fd);
      renameSync(this.tmp, this.file);
    } catch (error) {
      rmSync(this.tmp, { force: true });
      throw error;
    }
    return { path: this.path, kind: this.kind, rows: this.count, bytes: this.size, sha256: this.whole.digest('hex') };
  }

  /** Abandons the file. Safe after close(). */
  abort(): void {
    if (this.closed) return;
    this.closed = true;
    try { closeSync(this.fd); } catch { /* already closed */ }
    rmSync(this.tmp, { force: true });
  }
}

/**
 * Reads a record file front to back in chunks of at most `bufferRecords` records, so memory is
 * the buffer whatever the file size. The digest is checked when the last chunk has been read.
 */
export class RecordFileReader {
  readonly words: number;
  readonly count: number;
  private readonly fd: number;
  private readonly hash = createHash('sha256');
  private readonly buf: Uint32Array;
  private readonly bytes: Uint8Array;
  private pos = HEADER;
  private readonly end: number;
  private closed = false;
  private verified = false;

  private constructor(readonly file: string, fd: number, words: number, count: number, header: Buffer, bufferRecords: number) {
    this.fd = fd;
    this.words = words;
    this.count = count;
    this.end = HEADER + count * words * 4;
    this.hash.update(header);
    this.buf = new Uint32Array(Math.max(1, Math.min(bufferRecords, count)) * words);
    this.bytes = new Uint8Array(this.buf.buffer);
  }

  /**
   * Opens and checks the header and size. `expectWords` guards against a file of another kind.
   * @param bufferRecords records read at a time. Default 16384.
   */
  static open(file: string, expectWords?: number, bufferRecords = 16384): RecordFileReader {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (error) {
      throw corrupt(file, `cannot open: ${(error as Error).message}`, error);
    }
    try {
      const size = fstatSync(fd).size;
      const header = Buffer.alloc(HEADER);
      const trailer = Buffer.alloc(8);
      if (size < HEADER + TRAILER || readSync(fd, header, 0, HEADER, 0) !== HEADER) throw corrupt(file, `file is ${size} bytes, too short for a record file`);
      if (!header.subarray(0, 8).equals(MAGIC)) throw corrupt(file, 'not a foxden record file (bad magic)');
      readSync(fd, trailer, 0, 8, size - TRAILER);
      const words = header.readUInt32LE(8);
      const count = Number(trailer.readBigUInt64LE(0));
      if (expectWords !== undefined && words !== expectWords) throw corrupt(file, `records of ${words} words, expected ${expectWords}`);
      const expected = HEADER + count * words * 4 + TRAILER;
      if (size !== expected) throw corrupt(file, `file is ${size} bytes, which does not fit ${words}-word records with the count ${count} its trailer gives: truncated or overwritten`);
      return new RecordFileReader(file, fd, words, count, header, bufferRecords);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** The next chunk of records (a view valid until the next call), or null at the end. */
  next(): Uint32Array | null {
    if (this.pos >= this.end) {
      if (!this.verified) this.verify();
      return null;
    }
    const want = Math.min(this.bytes.length, this.end - this.pos);
    let got = 0;
    while (got < want) {
      const n = readSync(this.fd, this.bytes, got, want - got, this.pos + got);
      if (n === 0) throw corrupt(this.file, `unexpected end of file at byte ${this.pos + got}`);
      got += n;
    }
    this.hash.update(this.bytes.subarray(0, want));
    this.pos += want;
    if (this.pos >= this.end) this.verify();
    return this.buf.subarray(0, want / 4);
  }

  private verify(): void {
    this.verified = true;
    const trailer = Buffer.alloc(TRAILER);
    readSync(this.fd, trailer, 0, TRAILER, this.end);
    this.hash.update(trailer.subarray(0, 8));
    const actual = this.hash.digest();
    const recorded = trailer.subarray(8);
    if (!actual.equals(recorded)) throw corrupt(this.file, `sha256 of its contents ${actual.toString('hex')} does not match the recorded ${recorded.toString('hex')}: the file was changed`);
  }

  /** Reads record `index` (random access, no digest check; call `verifyWhole` once first). */
  readRecord(index: number, out: Uint32Array): void {
    const bytes = new Uint8Array(out.buffer, out.byteOffset, this.words * 4);
    const n = readSync(this.fd, bytes, 0, bytes.length, HEADER + index * this.words * 4);
    if (n !== bytes.length) throw corrupt(this.file, `short read of record ${index}`);
  }

  /** Reads the whole file once to check its digest, for files then used by random access. */
  verifyWhole(): void {
    while (this.next() !== null) { /* hashing */ }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

export function corrupt(file: string, message: string, cause?: unknown): FoxdenError {
  return new FoxdenError('CORRUPT_INTERMEDIATE', `corrupt intermediate file ${file}: ${message}; remove the done marker of the task that wrote it and re-run`, { file, ...(cause === undefined ? {} : { cause }) });
}
