/**
 * For reader tests that need inputs the shared corpus does not have: a
 * scratch directory per test file, WARC records and HTTP responses built
 * byte by byte, and every record of a file read back.
 */
import { after, before } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSource, type ReadSourceOptions, type SourceRecord } from '../src/readers/index.js';

export interface ScratchInputs {
  /** The directory (set once the test file's `before` hooks have run). */
  readonly dir: string;
  /** Writes `data` as the file `name` in the directory and returns its path. */
  write(name: string, data: string | Buffer): string;
  /** The path `name` would have in the directory. */
  path(name: string): string;
}

/** A temporary directory for one test file's inputs: made before its tests, removed after them. */
export function scratchInputs(prefix: string): ScratchInputs {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  return {
    get dir() {
      return dir;
    },
    write(name, data) {
      const file = join(dir, name);
      writeFileSync(file, data);
      return file;
    },
    path: (name) => join(dir, name),
  };
}

/** Every record readSource gives for `file`, in order. */
export async function readAll(file: string, options?: ReadSourceOptions): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const r of readSource(file, options)) out.push(r);
  return out;
}

export function warcRecord(type: string, uri: string | null, block: Buffer, extra: Record<string, string> = {}): Buffer {
  const headers = [
    'WARC/1.1',
    `WARC-Type: ${type}`,
    ...(uri === null ? [] : [`WARC-Target-URI: ${uri}`]),
    'WARC-Date: 2024-01-02T03:04:05Z',
    `WARC-Record-ID: <urn:uuid:${type}-${uri ?? 'none'}>`,
    ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`),
    `Content-Length: ${block.length}`,
  ];
  return Buffer.concat([Buffer.from(headers.join('\r\n') + '\r\n\r\n'), block, Buffer.from('\r\n\r\n')]);
}

export function httpResponse(headers: string[], body: Buffer, status = '200 OK'): Buffer {
  return Buffer.concat([Buffer.from(`HTTP/1.1 ${status}\r\n${headers.join('\r\n')}\r\n\r\n`), body]);
}

/** The WARC Content-Type of an HTTP response record. */
export const HTTP_TYPE = { 'Content-Type': 'application/http; msgtype=response' };
