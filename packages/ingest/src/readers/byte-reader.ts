import { DecompressionError, StreamBreak } from './stream-errors.js';

/** Returned by readLine when a line is longer than the limit; nothing is consumed. */
export const LINE_TOO_LONG: unique symbol = Symbol('line-too-long');

const EMPTY = Buffer.alloc(0);

/**
 * A buffered reader over a stream of byte chunks with the few operations the
 * archive parsers need (lines, exact lengths, skips, a forward scan), and the
 * absolute offset of the next byte in the decompressed stream. It holds at
 * most one line or one requested block beyond the current chunk, so memory
 * stays bounded by the largest record actually read.
 *
 * A DecompressionError from the source ends the stream like EOF and is kept
 * in `streamError`, so parsers can say why a record was cut short. A
 * StreamBreak (a corrupt gzip member skipped) does the same, and then
 * `resume()` lets the parser go on with the bytes after it.
 */
export class ByteReader {
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Absolute offset of buf[0]. */
  private base = 0;
  private ended = false;
  private readonly iterator: AsyncIterator<Uint8Array | StreamBreak>;
  streamError: DecompressionError | null = null;
  /** True while the stream is stopped at a StreamBreak that resume() can pass. */
  private resumable = false;

  /** `startOffset`: the offset of the stream's first byte (a task reading a range of a file starts there). */
  constructor(chunks: AsyncIterable<Uint8Array | StreamBreak>, startOffset = 0) {
    this.iterator = chunks[Symbol.asyncIterator]();
    this.base = startOffset;
  }

  /** Offset of the next unread byte in the decompressed stream. */
  get offset(): number {
    return this.base + this.pos;
  }

  private get available(): number {
    return this.buf.length - this.pos;
  }

  /** Pulls the next chunk; false at the end of the stream. */
  private async pull(): Promise<Buffer | null> {
    if (this.ended) return null;
    let next: IteratorResult<Uint8Array | StreamBreak>;
    try {
      next = await this.iterator.next();
    } catch (error) {
      if (error instanceof DecompressionError) {
        this.streamError = error;
        this.ended = true;
        return null;
      }
      throw error;
    }
    if (next.done) {
      this.ended = true;
      return null;
    }
    const value = next.value;
    if (value instanceof StreamBreak) {
      this.streamError = value.error;
      this.ended = true;
      this.resumable = true;
      return null;
    }
    return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }

  /** Appends one chunk to the window; false at the end of the stream. */
  private async fill(): Promise<boolean> {
    const chunk = await this.pull();
    if (chunk === null) return false;
    if (chunk.length === 0) return true;
    if (this.pos >= this.buf.length) {
      this.base += this.buf.length;
      this.buf = chunk;
    } else {
      this.base += this.pos;
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    }
    this.pos = 0;
    return true;
  }

  /** True when no byte is left. */
  async atEnd(): Promise<boolean> {
    while (this.available === 0) {
      if (!(await this.fill())) return true;
    }
    return false;
  }

  /** Up to `n` bytes without consuming them. */
  async peek(n: number): Promise<Buffer> {
    while (this.available < n) {
      if (!(await this.fill())) break;
    }
    return this.buf.subarray(this.pos, this.pos + Math.min(n, this.available));
  }

  /**
   * The next line without its LF (and without a CR before it). The last line
   * of the stream may lack its LF. null at the end of the stream;
   * LINE_TOO_LONG (nothing consumed) when no LF comes within `max` bytes.
   */
  async readLine(max: number): Promise<Buffer | null | typeof LINE_TOO_LONG> {
    let from = this.pos;
    for (;;) {
      const nl = this.buf.indexOf(10, from);
      if (nl >= 0) {
        if (nl - this.pos > max) return LINE_TOO_LONG;
        const end = nl > this.pos && this.buf[nl - 1] === 13 ? nl - 1 : nl;
        const line = this.buf.subarray(this.pos, end);
        this.pos = nl + 1;
        return line;
      }
      if (this.available > max) return LINE_TOO_LONG;
      const scanned = this.available;
      if (!(await this.fill())) {
        if (this.available === 0) return null;
        const line = this.buf.subarray(this.pos);
        this.pos = this.buf.length;
        return line;
      }
      from = this.pos + scanned;
    }
  }

  /** Like readLine, without consuming anything. */
  async peekLine(max: number): Promise<Buffer | null | typeof LINE_TOO_LONG> {
    let from = this.pos;
    for (;;) {
      const nl = this.buf.indexOf(10, from);
      if (nl >= 0) {
        if (nl - this.pos > max) return LINE_TOO_LONG;
        const end = nl > this.pos && this.buf[nl - 1] === 13 ? nl - 1 : nl;
        return this.buf.subarray(this.pos, end);
      }
      if (this.available > max) return LINE_TOO_LONG;
      const scanned = this.available;
      if (!(await this.fill())) return this.available === 0 ? null : this.buf.subarray(this.pos);
      from = this.pos + scanned;
    }
  }

  /** Consumes through the next LF (or to the end); returns the bytes consumed. */
  async skipLine(): Promise<number> {
    let skipped = 0;
    for (;;) {
      const nl = this.buf.indexOf(10, this.pos);
      if (nl >= 0) {
        skipped += nl + 1 - this.pos;
        this.pos = nl + 1;
        return skipped;
      }
      skipped += this.available;
      this.pos = this.buf.length;
      if (!(await this.fill())) return skipped;
    }
  }

  /** Exactly `n` bytes, or fewer at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    if (this.available >= n) {
      const out = this.buf.subarray(this.pos, this.pos + n);
      this.pos += n;
      return out;
    }
    // Gather pieces and copy once: no quadratic concatenation for large blocks.
    const pieces: Buffer[] = [this.buf.subarray(this.pos)];
    let have = this.available;
    this.base += this.buf.length;
    this.buf = EMPTY;
    this.pos = 0;
    while (have < n) {
      const chunk = await this.pull();
      if (chunk === null) break;
      const need = n - have;
      if (chunk.length <= need) {
        pieces.push(chunk);
        have += chunk.length;
        this.base += chunk.length;
      } else {
        pieces.push(chunk.subarray(0, need));
        have += need;
        this.buf = chunk;
        this.pos = need;
      }
    }
    return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, have);
  }

  /** Skips `n` bytes (fewer at the end of the stream); returns the count skipped. */
  async skip(n: number): Promise<number> {
    let skipped = 0;
    for (;;) {
      const take = Math.min(n - skipped, this.available);
      this.pos += take;
      skipped += take;
      if (skipped >= n) return skipped;
      if (!(await this.fill())) return skipped;
    }
  }

  /**
   * Advances to the next occurrence of `needle` (not consumed). Returns the
   * bytes skipped and whether the needle was found (false: at the end).
   */
  async skipUntil(needle: Buffer): Promise<{ skipped: number; found: boolean }> {
    let skipped = 0;
    for (;;) {
      const at = this.buf.indexOf(needle, this.pos);
      if (at >= 0) {
        skipped += at - this.pos;
        this.pos = at;
        return { skipped, found: true };
      }
      // Keep a tail that could be the start of the needle.
      const keep = Math.min(this.available, needle.length - 1);
      const drop = this.available - keep;
      this.pos += drop;
      skipped += drop;
      if (!(await this.fill())) {
        skipped += this.available;
        this.pos = this.buf.length;
        return { skipped, found: false };
      }
    }
  }

  /** Whether the stream stopped at a break that resume() can pass. */
  get canResume(): boolean {
    return this.resumable;
  }

  /**
   * Goes on after a StreamBreak, with the bytes that follow it; false when
   * the stream did not stop at one. Bytes before the break that the parser
   * left unread (the start of the record the break cut, already reported
   * with it) are dropped: the offset goes on from the last byte the stream
   * gave before the break.
   */
  resume(): boolean {
    if (!this.resumable) return false;
    this.base += this.buf.length;
    this.buf = EMPTY;
    this.pos = 0;
    this.streamError = null;
    this.ended = false;
    this.resumable = false;
    return true;
  }

  /** Releases the source (closes the file). Safe to call twice. */
  async close(): Promise<void> {
    this.ended = true;
    await this.iterator.return?.();
  }
}
