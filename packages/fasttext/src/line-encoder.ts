/** Lines ready for the fastText binary: UTF-8 bytes, each line ending in "\n". */
export interface EncodedLines {
  bytes: Uint8Array;
  lines: number;
  /** True when nothing else uses the bytes' ArrayBuffer, so it may be transferred to a thread (FastTextLineEncoder sets it). Default false. */
  transferable?: boolean;
}

export interface FastTextLineEncoderOptions {
  /** Characters of each text that are read (as normalizeForFastText's maxChars). Default 100000. */
  maxChars?: number;
  /** Bytes reserved for the first batch; the buffer grows as needed. Default 1 MiB. */
  initialBytes?: number;
}

/**
 * Class of each ASCII code unit: 0 a word character, 1 a mark split off as
 * its own token, 2 white space. The marks and spaces are normalizeForFastText's.
 */
const ASCII_CLASS = (() => {
  const t = new Uint8Array(128);
  for (let c = 0; c <= 0x20; c++) t[c] = 2;
  t[0x7f] = 2;
  for (const ch of '.,!?;:()"[]{}<>') t[ch.charCodeAt(0)] = 1;
  return t;
})();
const WORD = 0;
const MARK = 1;
const SPACE = 2;

function classOf(c: number): number {
  if (c < 0x80) return ASCII_CLASS[c]!;
  if (c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff) return SPACE;
  if (c === 0xab || c === 0xbb || c === 0x201c || c === 0x201d) return MARK;
  return WORD;
}

/**
 * Builds a batch of fastText input lines straight into UTF-8 bytes: each
 * `add` appends exactly the bytes of `normalizeForFastText(text, maxChars)`
 * and a newline (the test holds the two to byte equality). It is the scoring
 * path's replacement for normalising to a string, joining and encoding:
 * one pass over the text, no intermediate strings for ASCII words.
 *
 * Lower-casing: ASCII letters are mapped in place; a word holding any other
 * character is lower-cased as a whole with String.prototype.toLowerCase.
 * That equals lower-casing the whole normalised line because the only
 * context-dependent mapping (Greek final sigma) looks no further than the
 * neighbouring cased letters, and a space (which separates every token of a
 * normalised line) is neither cased nor case-ignorable.
 */
export class FastTextLineEncoder {
  readonly maxChars: number;
  private readonly capacity: number;
  private buf: Buffer;
  private used = 0;
  private count = 0;

  constructor(options: FastTextLineEncoderOptions = {}) {
    this.maxChars = options.maxChars ?? 100_000;
    this.capacity = Math.max(1024, options.initialBytes ?? 1 << 20);
    this.buf = Buffer.allocUnsafeSlow(this.capacity);
  }

  /** Lines added since the last take(). */
  get lines(): number {
    return this.count;
  }

  /** Bytes added since the last take(). */
  get bytes(): number {
    return this.used;
  }

  /** Appends the normalised text as one line. */
  add(text: string): void {
    const n = Math.min(text.length, this.maxChars);
    // Worst case per UTF-16 unit: a separating space and 3 bytes (U+0130 lower-cases to 3 bytes from one unit).
    this.reserve(4 * n + 1);
    const out = this.buf;
    let o = this.used;
    const lineStart = o;
    // Start of the current word in `text` (-1: not in a word) and whether it needs toLowerCase.
    let wordStart = -1;
    let wordOut = 0;
    let slow = false;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      const k = classOf(c);
      if (k === WORD) {
        if (wordStart === -1) {
          if (o > lineStart) out[o++] = 0x20;
          wordStart = i;
          wordOut = o;
          slow = false;
        }
        if (c < 0x80) out[o++] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
        else slow = true;
        continue;
      }
      if (wordStart !== -1) {
        if (slow) o = wordOut + out.write(text.slice(wordStart, i).toLowerCase(), wordOut, 'utf8');
        wordStart = -1;
      }
      if (k === MARK) {
        if (o > lineStart) out[o++] = 0x20;
        if (c < 0x80) out[o++] = c;
        else o += out.write(String.fromCharCode(c), o, 'utf8');
      }
    }
    if (wordStart !== -1 && slow) o = wordOut + out.write(text.slice(wordStart, n).toLowerCase(), wordOut, 'utf8');
    out[o++] = 0x0a;
    this.used = o;
    this.count++;
  }

  /**
   * The lines added so far, and a fresh start. The bytes are handed over,
   * not copied: they own their ArrayBuffer (never a slice of Node's shared
   * pool), so they may go to a stream or be transferred to a worker thread.
   */
  take(): EncodedLines {
    const batch: EncodedLines = { bytes: this.buf.subarray(0, this.used), lines: this.count, transferable: true };
    // The next batch gets a buffer of its own; unzeroed, as every byte is written before it is read.
    this.buf = Buffer.allocUnsafeSlow(this.capacity);
    this.used = 0;
    this.count = 0;
    return batch;
  }

  private reserve(extra: number): void {
    if (this.used + extra <= this.buf.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.used + extra, this.buf.length * 2));
    this.buf.copy(grown, 0, 0, this.used);
    this.buf = grown;
  }
}
