/** Builds WARC records and HTTP responses byte by byte, for reader tests that need inputs the shared corpus does not have. */

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
