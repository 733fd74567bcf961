import { closeSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { constants, gunzipSync } from 'node:zlib';
import { Decompress } from 'fzstd';
import { FoxdenError } from '@foxden/core';
import { compressionOf } from './open-stream.js';
import type { SourceFormat } from './types.js';

const SNIFF_BYTES = 64 * 1024;

/**
 * The format of an input file, by name (.warc, .warc.gz, .wet(.gz),
 * .wat(.gz), .arc(.gz), .jsonl/.json/.ndjson (.gz/.zst), .txt(.gz/.zst)) and,
 * where the name says nothing (.gz, .zst, no extension), by the first bytes
 * of the decompressed content: `WARC/` (a `conversion` record early on: WET),
 * `filedesc://` (ARC), `{` (JSONL), anything else text.
 */
export function detectFormat(file: string): SourceFormat {
  const stem = basename(file).toLowerCase().replace(/\.(gz|gzip|zst|zstd)$/, '');
  if (/\.wet$/.test(stem)) return 'wet';
  if (/\.wat$/.test(stem)) return 'wat';
  if (stem.endsWith('.warc')) return 'warc';
  if (stem.endsWith('.arc')) return 'arc';
  if (/\.(jsonl|json|ndjson)$/.test(stem)) return 'jsonl';
  if (/\.(txt|text)$/.test(stem)) return 'text';
  return sniffFormat(file);
}

/** zstd emits nothing until a whole block (up to 128 KiB of output) is in: give it more input. */
const SNIFF_ZSTD_BYTES = 1024 * 1024;

function readHead(file: string): Buffer {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw new FoxdenError('BAD_INPUT', `cannot read input file ${file}: ${(error as Error).message}`, { file, cause: error });
  }
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const n = readSync(fd, buf, 0, SNIFF_BYTES, 0);
    if (n < SNIFF_BYTES || compressionOf(buf) !== 'zstd') return buf.subarray(0, n);
    const more = Buffer.alloc(SNIFF_ZSTD_BYTES);
    return more.subarray(0, readSync(fd, more, 0, SNIFF_ZSTD_BYTES, 0));
  } catch (error) {
    throw new FoxdenError('BAD_INPUT', `cannot read input file ${file}: ${(error as Error).message}`, { file, cause: error });
  } finally {
    closeSync(fd);
  }
}

/** The first decompressed bytes; what cannot be decompressed is sniffed as it is. */
function decompressedHead(head: Buffer): Buffer {
  try {
    switch (compressionOf(head)) {
      case 'gzip':
        // Sync flush: a prefix of a gzip stream inflates as far as it goes.
        return gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH });
      case 'zstd': {
        const out: Uint8Array[] = [];
        new Decompress((d) => out.push(d)).push(head, false);
        return Buffer.concat(out);
      }
      default:
        return head;
    }
  } catch {
    return head;
  }
}

function sniffFormat(file: string): SourceFormat {
  const head = decompressedHead(readHead(file));
  const text = head.toString('latin1', 0, Math.min(head.length, SNIFF_BYTES)).replace(/^(?:\xef\xbb\xbf)?\s*/, '');
  if (text.startsWith('WARC/')) return /\nWARC-Type:\s*conversion\b/i.test(text) ? 'wet' : 'warc';
  if (text.startsWith('filedesc://')) return 'arc';
  if (text.startsWith('{')) return 'jsonl';
  return 'text';
}
