import { createHash } from 'node:crypto';
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { WARCRecord, WARCSerializer } from 'warcio';
import { FoxdenError, temporaryPath } from '@foxden/core';

export interface WarcSeriesWriterOptions {
  /** Folder the files go to (must exist). */
  dir: string;
  /** File name prefix; files are `<prefix>-00000.warc.gz`, `<prefix>-00001.warc.gz`, ... Default 'web'. */
  prefix?: string;
  /** A new file is started once the current one reaches this many bytes. Default 8 MiB. */
  maxFileBytes?: number;
  /** WARC-Date of the warcinfo record of every file (fixed, for byte-identical builds). */
  infoDate: string;
  /** Fields of the warcinfo record. */
  info: Record<string, string>;
}

/** One fetched page: a request record and a response record are written for it. */
export interface CrawledPage {
  url: string;
  /** WARC-Date, ISO 8601 UTC with a Z, e.g. '2024-05-01T00:00:00Z'. */
  date: string;
  /** WARC-IP-Address of the server. */
  ip: string;
  /** HTTP Content-Type header value, e.g. 'text/html; charset=windows-1252'. */
  contentType: string;
  server: string;
  payload: Uint8Array;
}

const USER_AGENT = 'foxden-demo-crawler/0.1 (+https://foxden.example.org/crawler)';

/**
 * A WARC-Record-ID derived from the record's content, formatted as a version 5
 * style UUID. warcio would draw a random UUID; a derived one makes the archive
 * byte-identical on every build.
 */
export function deterministicRecordId(...parts: string[]): string {
  const bytes = createHash('sha256').update(parts.join('\u0000')).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `<urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}>`;
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/**
 * Writes a series of WARC/1.1 files, one gzip member per record (as crawlers
 * do, so readers can seek to any record), rolling over to the next file at a
 * size limit. Records are built and serialised (digests included) by warcio;
 * compression is node's zlib, whose output is fixed for fixed input.
 */
export class WarcSeriesWriter {
  private readonly dir: string;
  private readonly prefix: string;
  private readonly maxFileBytes: number;
  private readonly infoDate: string;
  private readonly info: Record<string, string>;
  private readonly finished: string[] = [];
  private fd: number | undefined;
  private currentName = '';
  private currentTmp = '';
  private currentBytes = 0;
  private closed = false;
  /** Response records written so far. */
  responses = 0;

  constructor(options: WarcSeriesWriterOptions) {
    this.dir = options.dir;
    this.prefix = options.prefix ?? 'web';
    this.maxFileBytes = options.maxFileBytes ?? 8 * 1024 * 1024;
    if (!(this.maxFileBytes > 0)) throw new FoxdenError('BAD_CONFIG', `maxFileBytes must be positive, got ${this.maxFileBytes}`);
    this.infoDate = options.infoDate;
    this.info = options.info;
  }

  private async open(): Promise<void> {
    this.currentName = `${this.prefix}-${String(this.finished.length).padStart(5, '0')}.warc.gz`;
    this.currentTmp = temporaryPath(join(this.dir, this.currentName));
    this.fd = openSync(this.currentTmp, 'w');
    this.currentBytes = 0;
    const infoBody = Object.entries(this.info).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    const record = WARCRecord.create(
      {
        type: 'warcinfo',
        date: this.infoDate,
        filename: this.currentName,
        warcVersion: 'WARC/1.1',
        warcHeaders: {
          'WARC-Record-ID': deterministicRecordId('warcinfo', this.currentName, infoBody),
          'Content-Type': 'application/warc-fields',
        },
      },
      once(new TextEncoder().encode(infoBody)),
    );
    await this.writeRecord(record);
  }

  private async writeRecord(record: WARCRecord, payload?: Uint8Array): Promise<void> {
    if (payload !== undefined) {
      // warcio computes these digests with a freshly instantiated WebAssembly hasher per record,
      // which dominated the build time; node's sha256 gives the same values (the same bytes
      // warcio hashes: HTTP head + CRLF + payload for the block, the payload alone otherwise).
      const head = record.httpHeaders === null ? '' : `${record.httpHeaders.toString()}\r\n`;
      const block = createHash('sha256').update(head, 'utf8').update(payload).digest('hex');
      const body = createHash('sha256').update(payload).digest('hex');
      record.warcHeaders.headers.set('WARC-Payload-Digest', `sha256:${body}`);
      record.warcHeaders.headers.set('WARC-Block-Digest', `sha256:${block}`);
    }
    const raw = await WARCSerializer.serialize(record);
    const gz = gzipSync(raw);
    writeSync(this.fd!, gz);
    this.currentBytes += gz.length;
  }

  private finishFile(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    renameSync(this.currentTmp, join(this.dir, this.currentName));
    this.finished.push(join(this.dir, this.currentName));
  }

  /** Writes the request record and the response record of one page. */
  async writePage(page: CrawledPage): Promise<void> {
    if (this.closed) throw new FoxdenError('INTERNAL', 'WarcSeriesWriter is closed');
    if (this.fd !== undefined && this.currentBytes >= this.maxFileBytes) this.finishFile();
    if (this.fd === undefined) await this.open();
    const url = new URL(page.url);
    const payloadDigest = createHash('sha256').update(page.payload).digest('hex');
    const responseId = deterministicRecordId('response', page.url, page.date, payloadDigest);
    const requestId = deterministicRecordId('request', page.url, page.date);
    const request = WARCRecord.create({
      type: 'request',
      url: page.url,
      date: page.date,
      warcVersion: 'WARC/1.1',
      statusline: `GET ${url.pathname}${url.search} HTTP/1.1`,
      httpHeaders: {
        Host: url.host,
        'User-Agent': USER_AGENT,
        Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
        'Accept-Language': 'en-US,en;q=0.5',
        Connection: 'close',
      },
      warcHeaders: {
        'WARC-Record-ID': requestId,
        'WARC-Concurrent-To': responseId,
        'WARC-IP-Address': page.ip,
      },
    });
    await this.writeRecord(request, new Uint8Array(0));
    const response = WARCRecord.create(
      {
        type: 'response',
        url: page.url,
        date: page.date,
        warcVersion: 'WARC/1.1',
        statusline: 'HTTP/1.1 200 OK',
        httpHeaders: {
          Date: new Date(page.date).toUTCString(),
          Server: page.server,
          'Content-Type': page.contentType,
          'Content-Length': String(page.payload.length),
          'Cache-Control': 'max-age=3600',
          Connection: 'close',
        },
        warcHeaders: {
          'WARC-Record-ID': responseId,
          'WARC-IP-Address': page.ip,
        },
      },
      once(page.payload),
    );
    await this.writeRecord(response, page.payload);
    this.responses += 1;
  }

  /** Drops the file being written (after a failure); files already finished stay. */
  async abort(): Promise<void> {
    this.closed = true;
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.currentTmp, { force: true });
  }

  /** Finishes the last file and returns the paths of all files, in order. Safe to call twice. */
  async close(): Promise<string[]> {
    if (!this.closed) {
      this.closed = true;
      this.finishFile();
    }
    return [...this.finished];
  }
}
