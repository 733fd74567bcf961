import { readArc, parseArcHeader } from './arc.js';
import { ByteReader } from './byte-reader.js';
import type { ParseContext } from './context.js';
import { detectFormat } from './detect-format.js';
import { decodeMember, FileWindow, findMember, isMultiMember, MAX_MEMBER, MEMBER_WINDOW, SCAN_CHUNK, SCAN_MIN } from './gzip-members.js';
import { DecompressionError } from './stream-errors.js';
import type { SourceFormat, SourceRange } from './types.js';
import { readWarc } from './warc.js';

/**
 * Splitting one large archive into ranges that separate tasks read.
 *
 * - Per-record gzip (each record its own gzip member, as Common Crawl writes
 *   them): a range starts at a gzip member boundary.
 * - Plain (uncompressed) WARC and ARC: a range starts at a record header line.
 * - Whole-file gzip or zstd, JSONL and text: never split (one task).
 *
 * A range j of a file covers the records whose start lies between the first
 * record boundary at or after j * split_bytes and the first one at or after
 * (j + 1) * split_bytes. Finding such a boundary from an arbitrary byte
 * offset is a guess (a payload may hold gzip magic or a `WARC/1.0` line,
 * even a whole embedded archive), so the ingest step's index phase checks it
 * in parallel, one task per range: it walks range j from its guessed start
 * with the real record parser (payloads skipped) and the gzip member chain,
 * and the split at the next range's guessed start is exact only if that walk
 * stops at a record that starts exactly there, with every member in between
 * whole. Since range 0 starts at 0, each exact split makes the next range's
 * start a record start of the whole-file read, by induction. The walk also
 * gives each range's decompressed length, so record offsets (document ids)
 * stay those of the whole file. At the first range that is not exact, the
 * plan lets that range's task read to the end of the file instead, so the
 * output is always that of one task reading the whole file.
 */
export type SplitKind = 'gzip-members' | 'plain';

/** What the index phase learns about one range. */
export interface RangeIndex {
  /** File offset of the range's first record (a member boundary for gzip); null: no boundary at or after the range's first byte. */
  start: number | null;
  /** True when the range holds no record start (its start lies at or beyond its end target). */
  empty: boolean;
  /** File offset of the next range's first record; null when this range runs to the end of the file. */
  next: number | null;
  /** For gzip: file offset where the gzip member at `next` ends (a range's reader needs that record's first bytes). */
  nextEnd: number | null;
  /** Decompressed bytes from `start` to `next` (or to the end of the file). */
  length: number;
  /** Whether the whole-file read provably starts a record at `next` (or, with next null, reads to the end cleanly from `start`). */
  exact: boolean;
  /** ARC header version from the file's filedesc record. */
  arcVersion?: number;
}

const WARC_LINE = /^WARC\/\d+\.\d+\r?$/;

/** Whether decompressed data (or a plain file) holds a record header at `at`. */
function startsRecord(data: Buffer, at: number, format: SourceFormat, arcVersion: number): boolean {
  const nl = data.indexOf(10, at);
  if (nl < 0) return false;
  const line = data.toString('latin1', at, nl);
  if (format === 'arc') return line.length > 0 && parseArcHeader(line, arcVersion) !== null;
  return WARC_LINE.test(line);
}

/**
 * How a file can be split: 'gzip-members' when its first gzip member ends
 * within the first MiB and another member follows; 'plain' for an
 * uncompressed WARC/WET/WAT/ARC; null otherwise (whole-file compression,
 * JSONL, text). Reads at most the first MiB: planning stays cheap.
 */
export async function splitKind(file: string): Promise<SplitKind | null> {
  const format = detectFormat(file);
  if (format !== 'warc' && format !== 'wet' && format !== 'wat' && format !== 'arc') return null;
  const win = await FileWindow.open(file);
  try {
    const head = await win.read(0, 4);
    if (head.length < 4) return null;
    if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return null;
    if (head[0] !== 0x1f || head[1] !== 0x8b) return 'plain';
    return (await isMultiMember(win)) ? 'gzip-members' : null;
  } finally {
    await win.close();
  }
}

/**
 * The first candidate record boundary at or after `from`: a gzip member that
 * decodes whole and begins with a record header, or (plain) a record header
 * line after a line end. null when there is none before the end of the file.
 */
async function findBoundary(win: FileWindow, kind: SplitKind, format: SourceFormat, arcVersion: number, from: number): Promise<{ at: number; end: number } | null> {
  if (from <= 0) return { at: 0, end: 0 };
  if (kind === 'gzip-members') {
    const found = await findMember(win, from, win.size, (m) => 'data' in m && startsRecord(m.data, 0, format, arcVersion));
    return found && 'data' in found.member ? { at: found.at, end: found.member.end } : null;
  }
  // Plain: a line that starts at or after `from` (the byte before it is a line end); for WARC one
  // that starts `WARC/`, found by a direct search.
  const needle = Buffer.from(format === 'arc' ? '\n' : '\nWARC/', 'latin1');
  for (let pos = from - 1; pos < win.size; ) {
    const chunk = await win.read(pos, SCAN_CHUNK, SCAN_MIN);
    for (let hit = chunk.indexOf(needle); hit >= 0; hit = chunk.indexOf(needle, hit + 1)) {
      const at = pos + hit + 1;
      if (at >= win.size) break;
      if (startsRecord(await win.read(at, 64 * 1024), 0, format, arcVersion)) return { at, end: at };
    }
    if (pos + chunk.length >= win.size) break;
    pos += chunk.length - needle.length + 1; // a needle across the chunk end is found in the next chunk
  }
  return null;
}

/** The ARC header version from the file's leading filedesc record (1 when there is none). */
async function arcVersionOf(win: FileWindow, kind: SplitKind, file: string): Promise<number> {
  let head: Buffer;
  if (kind === 'gzip-members') {
    const member = await decodeMember(win, 0);
    if (!('data' in member)) return 1;
    head = member.data;
  } else {
    head = await win.read(0, MEMBER_WINDOW);
  }
  const ctx: ParseContext = { file, format: 'arc', maxRecordBytes: MAX_MEMBER, jsonlTextField: 'text', jsonlIdField: 'id', signal: undefined };
  for await (const _ of readArc(new ByteReader((async function* () { yield head; })()), ctx)) break;
  return ctx.arcVersion ?? 1;
}

/** Options of one index task: the file, how it splits, and the range's targets. */
export interface IndexRangeOptions {
  file: string;
  kind: SplitKind;
  /** First byte of the range (0 for the first range). */
  from: number;
  /** First byte of the next range; null for the last range. */
  to: number | null;
  maxRecordBytes: number;
  signal?: AbortSignal;
}

/** Walks one range as described at the top of this file; see RangeIndex. */
export async function indexRange(options: IndexRangeOptions): Promise<RangeIndex> {
  const { file, kind } = options;
  const format = detectFormat(file);
  const win = await FileWindow.open(file);
  try {
    const arcVersion = format === 'arc' ? await arcVersionOf(win, kind, file) : undefined;
    const version = arcVersion ?? 1;
    const withVersion = <T extends object>(r: T): T => (arcVersion === undefined ? r : { ...r, arcVersion });
    const first = await findBoundary(win, kind, format, version, options.from);
    if (first === null || (options.to !== null && first.at >= options.to)) {
      return withVersion({ start: first?.at ?? null, empty: true, next: null, nextEnd: null, length: 0, exact: true });
    }
    const next = options.to === null ? null : await findBoundary(win, kind, format, version, options.to);
    const ctx: ParseContext = {
      file, format, maxRecordBytes: options.maxRecordBytes, jsonlTextField: 'text', jsonlIdField: 'id',
      signal: options.signal, boundariesOnly: true, ...(arcVersion === undefined ? {} : { arcVersion }),
    };
    const start = first.at;
    let broken = false;
    let total = 0;
    let chunks: AsyncIterable<Uint8Array>;
    if (kind === 'plain') {
      if (next !== null) ctx.stopAt = next.at;
      chunks = (async function* () {
        for (let pos = start; pos < win.size; ) {
          const chunk = Buffer.from(await win.read(pos, SCAN_CHUNK));
          pos += chunk.length;
          yield chunk;
        }
      })();
    } else {
      chunks = (async function* () {
        for (let pos = start; pos < win.size; ) {
          const member = await decodeMember(win, pos);
          if (!('data' in member)) {
            broken = true;
            throw new DecompressionError('gzip', new Error(member.error));
          }
          if (next !== null && ctx.stopAt === undefined && member.end >= next.at) {
            if (member.end > next.at) {
              broken = true; // the member chain passes over the guessed boundary: it is not one
              return;
            }
            ctx.stopAt = total + member.data.length;
          }
          total += member.data.length;
          pos = member.end;
          yield member.data;
        }
      })();
    }
    const reader = new ByteReader(chunks, kind === 'plain' ? start : 0);
    try {
      for await (const _ of format === 'arc' ? readArc(reader, ctx) : readWarc(reader, ctx)) {
        // boundaries only: the records themselves are not needed
      }
    } finally {
      await reader.close();
    }
    const clean = !broken && reader.streamError === null;
    const exact = next === null ? clean && ctx.stoppedAt === undefined : clean && ctx.stopAt !== undefined && ctx.stoppedAt === ctx.stopAt;
    const length = kind === 'plain' ? (next?.at ?? win.size) - start : next === null ? total : (ctx.stopAt ?? total);
    return withVersion({ start, empty: false, next: next?.at ?? null, nextEnd: next?.end ?? null, length, exact });
  } finally {
    await win.close();
  }
}

/**
 * The ranges that tasks read, from the index of each range in order (the
 * first range's start is 0), each with its file bytes. At the first range
 * whose split is not exact, that range runs to the end of the file.
 */
export function rangesFromIndex(indexes: readonly RangeIndex[], fileBytes: number): { index: number; range: SourceRange; bytes: number }[] {
  const out: { index: number; range: SourceRange; bytes: number }[] = [];
  let base = 0;
  for (const [index, found] of indexes.entries()) {
    if (found.empty || found.start === null) continue;
    if (out.length === 0 && found.start !== 0) throw new Error(`the first range starts at ${found.start}, not 0`);
    const range: SourceRange = { start: found.start, base };
    if (found.arcVersion !== undefined) range.arcVersion = found.arcVersion;
    const last = !found.exact || found.next === null;
    if (!last) {
      range.stopAt = base + found.length;
      if (found.nextEnd !== null && found.nextEnd > found.next!) range.end = found.nextEnd;
    }
    out.push({ index, range, bytes: (last ? fileBytes : found.next!) - found.start });
    base += found.length;
    if (last) break;
  }
  return out;
}

/** The ranges of one file split every `splitBytes` (all index walks run here, one after another): for tests and tools. */
export async function splitFile(file: string, splitBytes: number, fileBytes: number, maxRecordBytes = 64 << 20): Promise<{ range: SourceRange; bytes: number }[] | null> {
  const kind = await splitKind(file);
  if (kind === null) return null;
  const n = Math.max(1, Math.ceil(fileBytes / splitBytes));
  const indexes: RangeIndex[] = [];
  for (let r = 0; r < n; r++) {
    indexes.push(await indexRange({ file, kind, from: r * splitBytes, to: r + 1 < n ? (r + 1) * splitBytes : null, maxRecordBytes }));
  }
  return rangesFromIndex(indexes, fileBytes);
}
