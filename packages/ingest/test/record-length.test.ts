/**
 * A record the file ends inside is a `truncated-record` reject, unless what
 * it holds is whole anyway: an HTTP response with all the body bytes its own
 * Content-Length names. Then the archive's length was what was wrong (as in
 * warcio's example-space-in-url.arc, whose line ends were converted after it
 * was written, 12 bytes short of its ARC length), and the page is kept, noted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SourceDocument, SourceRecord } from '../src/readers/index.js';
import { HTTP_TYPE, httpResponse, readAll, scratchInputs, warcRecord } from './reader-kit.js';

const inputs = scratchInputs('foxden-length-');
const readBytes = (name: string, bytes: Buffer): Promise<SourceRecord[]> => readAll(inputs.write(name, bytes));

const PAGE = '<html><head><title>Harbour tides</title></head><body><p>High water comes about fifty minutes later each day.</p></body></html>\n';
const whole = httpResponse(['Content-Type: text/html', `Content-Length: ${Buffer.byteLength(PAGE)}`], Buffer.from(PAGE));
const FILEDESC = 'filedesc://tides.arc 0.0.0.0 20140216050221 text/plain 75\n1 0 Test\nURL IP-address Archive-date Content-type Archive-length\n\n';
const arc = (block: Buffer, declared: number) =>
  Buffer.concat([Buffer.from(`${FILEDESC}http://tides.example/ 10.0.0.1 20140216050221 text/html ${declared}\n`), block]);
/** A WARC whose last record declares `extra` more bytes than follow. */
const warcCut = (block: Buffer, extra: number) => {
  const record = warcRecord('response', 'http://tides.example/', block, HTTP_TYPE);
  const declared = `Content-Length: ${block.length}\r\n`;
  return Buffer.from(record.toString('latin1').replace(declared, `Content-Length: ${block.length + extra}\r\n`).slice(0, -4), 'latin1');
};
const summary = (r: SourceRecord) => (r.kind === 'document' ? `document ${JSON.stringify(r.meta.notes)}` : `${r.kind}:${r.reason}`);

test('an ARC or WARC record longer than the file, whose HTTP response is whole, is kept with a note', async () => {
  const fromArc = await readBytes('tides.arc', arc(whole, whole.length + 12));
  assert.deepEqual(fromArc.map(summary), [
    'skip:arc-filedesc',
    `document ["record-length-wrong: declares ${whole.length + 12} bytes, ${whole.length} follow to the end of the file, and they hold the whole HTTP response"]`,
  ]);
  assert.equal(Buffer.from((fromArc[1] as SourceDocument).body!).toString(), PAGE);
  const fromWarc = await readBytes('tides.warc', warcCut(whole, 40));
  assert.deepEqual(fromWarc.map(summary), [`document ["record-length-wrong: declares ${whole.length + 40} bytes, ${whole.length} follow to the end of the file, and they hold the whole HTTP response"]`]);
});

test('a record the file ends inside stays a truncated-record reject when its HTTP body is short or has no length', async () => {
  const cut = whole.subarray(0, whole.length - 10);
  assert.deepEqual((await readBytes('cut.arc', arc(cut, whole.length))).map(summary), ['skip:arc-filedesc', 'reject:truncated-record']);
  assert.deepEqual((await readBytes('cut.warc', warcCut(cut, 10))).map(summary), ['reject:truncated-record']);
  const unsized = httpResponse(['Content-Type: text/html'], Buffer.from(PAGE));
  assert.deepEqual((await readBytes('unsized.arc', arc(unsized, unsized.length + 5))).map(summary), ['skip:arc-filedesc', 'reject:truncated-record']);
});
