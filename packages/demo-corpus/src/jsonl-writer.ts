import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { temporaryPath } from '@foxden/core';

/**
 * Streams JSON lines into `path` (gzip-compressed when it ends in .gz) under a
 * temporary name, renamed into place when complete. Returns the line count.
 */
export async function writeJsonl(path: string, records: Iterable<object> | AsyncIterable<object>): Promise<number> {
  const tmp = temporaryPath(path);
  let lines = 0;
  async function* encode(): AsyncGenerator<Buffer> {
    for await (const record of records) {
      lines += 1;
      yield Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
    }
  }
  try {
    const source = Readable.from(encode());
    if (path.endsWith('.gz')) await pipeline(source, createGzip({ level: 9 }), createWriteStream(tmp));
    else await pipeline(source, createWriteStream(tmp));
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  return lines;
}
