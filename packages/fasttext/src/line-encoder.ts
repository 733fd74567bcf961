/** Lines ready for the fastText binary: UTF-8 bytes, each line ending in "\n". */
export interface EncodedLines {
  bytes: Uint8Array;
  lines: number;
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

/** Buffers kept for reuse: a batch in flight is a handful of chunks. */
const MAX_SPARE = 8;

/**
 * addUtf8's table, one entry per ASCII byte: bits 0-7 the byte lower-cased,
 * bit 8 set for a word character, bit 9 for a mark (one load per byte).
 */
const ASCII_TABLE = Uint16Array.from({ length: 128 }, (_, c) => {
  const lower = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
  return lower | (ASCII_CLASS[c] === WORD ? 0x100 : 0) | (ASCII_CLASS[c] === MARK ? 0x200 : 0);
});

/** Decodes as TextDecoder does for the string path (a leading U+FEFF is text, not a byte order mark). */
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

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
  /** Buffers handed back with recycle(), reused by take() (fresh memory costs page faults and GC pressure). */
  private readonly spare: Buffer[] = [];
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
   * Appends the normalised text of UTF-8 bytes `bytes[start, end)` as one
   * line: the same bytes as `add(new TextDecoder().decode(...))` (invalid
   * sequences count as U+FFFD, as decoding would make them), without
   * decoding the text to a string. This is the scoring path for text read
   * from Arrow, where the bytes are at hand. Returns the text's length in
   * UTF-16 code units (what `text.length` would be; exact for valid UTF-8).
   *
   * Each ASCII byte costs one table look-up and two unconditional stores
   * (the separator is written and kept or overwritten), so the loop does not
   * branch on every change between words, marks and spaces. Words holding
   * other characters are lower-cased once complete, from the bytes already
   * written (their ASCII letters are lower case already, which changes no
   * case mapping).
   */
  addUtf8(bytes: Uint8Array, start = 0, end = bytes.length): number {
    // A cut at maxChars counts UTF-16 units: decode such texts (rare: longer than maxChars bytes) and take the string path.
    if (end - start > this.maxChars) {
      const text = utf8.decode(bytes.subarray(start, end));
      this.add(text);
      return text.length;
    }
    // Worst case per byte: a separating space and the byte; U+0130 lower-cases from 2 bytes to 3. Two bytes of slack for the unconditional stores.
    this.reserve(2 * (end - start) + 3);
    // A plain Uint8Array view for the loop (stores into a Buffer subclass cost more); the Buffer for lower-casing.
    const buf = this.buf;
    const out = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
    let o = this.used;
    // The text as its own view, so the loop runs to its length (V8 then drops the bounds checks), and the table as a local.
    const src = start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
    const n = src.length;
    const table = ASCII_TABLE;
    // 1 once anything is written on this line: a later word or mark is preceded by a space.
    let any = 0;
    let inWord = 0;
    // Whether the current word holds a non-ASCII character (lower-cased at its end), and where its output starts.
    let slow = 0;
    let wordOut = 0;
    // UTF-8 bytes beyond the UTF-16 units they decode to.
    let extra = 0;
    for (let i = 0; i < n; i++) {
      const c = src[i]!;
      if (c < 0x80) {
        const t = table[c]!;
        const w = (t >> 8) & 1;
        const m = t >> 9;
        if (slow !== 0 && w === 0) {
          o = lowerCaseWord(buf, wordOut, o);
          slow = 0;
        }
        out[o] = 0x20;
        o += (m | (w & (inWord ^ 1))) & any;
        out[o] = t;
        o += w | m;
        any |= w | m;
        inWord = w;
        continue;
      }
      // A multi-byte sequence: its code point decides, as the string path's class of each code unit does.
      const len = sequenceLength(src, i, n);
      const cp = len === 1 ? 0xfffd : codePoint(src, i, len);
      extra += len === 4 ? 2 : len - 1;
      const k = classOf(cp);
      if (k !== WORD) {
        if (slow !== 0) {
          o = lowerCaseWord(buf, wordOut, o);
          slow = 0;
        }
        inWord = 0;
        if (k === MARK) {
          if (any !== 0) out[o++] = 0x20;
          for (let j = 0; j < len; j++) out[o++] = src[i + j]!;
          any = 1;
        }
      } else {
        if (inWord === 0) {
          if (any !== 0) out[o++] = 0x20;
          wordOut = o;
          inWord = 1;
        } else if (slow === 0) {
          // The word began in the ASCII loop, which does not track starts: it begins after the last separator.
          wordOut = o;
          while (wordOut > this.used && out[wordOut - 1] !== 0x20) wordOut--;
        }
        slow = 1;
        for (let j = 0; j < len; j++) out[o++] = src[i + j]!;
        any = 1;
      }
      i += len - 1;
    }
    if (slow !== 0) o = lowerCaseWord(buf, wordOut, o);
    out[o++] = 0x0a;
    this.used = o;
    this.count++;
    return n - extra;
  }

  /**
   * The lines added so far, and a fresh start. The bytes are handed over,
   * not copied, and never touched again here: a stream may write them
   * later, from the thread pool, while the next batch is being encoded.
   * Hand them back with recycle() once they are written.
   */
  take(): EncodedLines {
    const batch: EncodedLines = { bytes: this.buf.subarray(0, this.used), lines: this.count };
    // The next batch gets a buffer of its own; unzeroed, as every byte is written before it is read.
    this.buf = this.spare.pop() ?? Buffer.allocUnsafeSlow(this.capacity);
    this.used = 0;
    this.count = 0;
    return batch;
  }

  /**
   * Returns the bytes of a batch from take() for reuse, once nothing reads
   * them any more (for fastText: once its lines are answered, as fastText
   * has then read them all). Others are ignored.
   */
  recycle(bytes: Uint8Array): void {
    const buffer = bytes.buffer;
    if (buffer.byteLength === this.capacity && bytes.byteOffset === 0 && this.spare.length < MAX_SPARE && buffer !== this.buf.buffer && !this.spare.some((b) => b.buffer === buffer)) {
      this.spare.push(Buffer.from(buffer as ArrayBuffer));
    }
  }

  private reserve(extra: number): void {
    if (this.used + extra <= this.buf.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.used + extra, this.buf.length * 2));
    this.buf.copy(grown, 0, 0, this.used);
    this.buf = grown;
  }
}

/**
 * Bytes of the UTF-8 sequence starting at `i` (a byte of 0x80 or more), or 1
 * where it is not a valid sequence: TextDecoder then yields one U+FFFD and
 * goes on with the next byte (the WHATWG rules for the bytes allowed after
 * each lead byte, which exclude over-long forms and surrogates).
 */
function sequenceLength(b: Uint8Array, i: number, end: number): number {
  const c = b[i]!;
  if (c >= 0xc2 && c <= 0xdf) return i + 1 < end && (b[i + 1]! & 0xc0) === 0x80 ? 2 : 1;
  if (c >= 0xe0 && c <= 0xef) {
    if (i + 2 >= end) return 1;
    const b1 = b[i + 1]!;
    const lo = c === 0xe0 ? 0xa0 : 0x80;
    const hi = c === 0xed ? 0x9f : 0xbf;
    return b1 >= lo && b1 <= hi && (b[i + 2]! & 0xc0) === 0x80 ? 3 : 1;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (i + 3 >= end) return 1;
    const b1 = b[i + 1]!;
    const lo = c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xf4 ? 0x8f : 0xbf;
    return b1 >= lo && b1 <= hi && (b[i + 2]! & 0xc0) === 0x80 && (b[i + 3]! & 0xc0) === 0x80 ? 4 : 1;
  }
  return 1;
}

function codePoint(b: Uint8Array, i: number, n: number): number {
  if (n === 2) return ((b[i]! & 0x1f) << 6) | (b[i + 1]! & 0x3f);
  if (n === 3) return ((b[i]! & 0x0f) << 12) | ((b[i + 1]! & 0x3f) << 6) | (b[i + 2]! & 0x3f);
  return ((b[i]! & 0x07) << 18) | ((b[i + 1]! & 0x3f) << 12) | ((b[i + 2]! & 0x3f) << 6) | (b[i + 3]! & 0x3f);
}

/** Lower-cases the word in out[from, to) in place (it may grow, for U+0130) and returns its new end. */
function lowerCaseWord(out: Buffer, from: number, to: number): number {
  return from + out.write(utf8.decode(out.subarray(from, to)).toLowerCase(), from, 'utf8');
}
