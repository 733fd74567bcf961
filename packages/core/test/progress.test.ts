/** core's Progress: a bar redrawn in place on a TTY, plain lines at an interval otherwise; counts, rate and ETA in both. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Progress, formatBytes, formatCount, formatDuration, progressIntervalSeconds, progressUsesBar } from '../src/index.js';

/** A stream stand-in that keeps what is written; the clock is driven by the test (no real time involved). */
function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { stream: { isTTY, columns: 200, write: (s: string) => writes.push(s) }, writes, text: () => writes.join('') };
}

test('plain lines (not a TTY): one per interval of the clock, with count, total, rate and ETA; none between', () => {
  const { stream, writes, text } = fakeStream(false);
  let now = 0;
  const p = new Progress({ stream, intervalSeconds: 10, unit: 'docs', now: () => now });
  assert.equal(p.bar, false);
  p.start('ingest', 1000);
  now = 5_000;
  p.update(100);
  assert.equal(writes.length, 0, 'nothing before the interval');
  now = 10_000;
  p.update(250, { detail: '2/8 tasks' });
  assert.equal(text(), 'ingest: 25% 250/1,000 docs, 25.0 docs/s, ETA 0:30, 2/8 tasks\n');
  now = 12_000;
  p.update(300);
  assert.equal(writes.length, 1);
  p.update(1000, { force: true });
  assert.match(writes[1]!, /^ingest: 100% 1,000\/1,000 docs, 83\.3 docs\/s, ETA 0:00, 2\/8 tasks\n$/);
  assert.ok(!text().includes('\r') && !text().includes('\x1b'), 'no control characters in plain lines');
  p.end('ingest: done');
  assert.equal(writes.at(-1), 'ingest: done\n');
});

test('a bar on a TTY: redrawn in place (carriage return, erase line) with percentage, counts, rate, ETA; notes clear it', () => {
  const { stream, writes, text } = fakeStream(true);
  let now = 0;
  const p = new Progress({ stream, unit: 'merges', now: () => now });
  assert.equal(p.bar, true);
  p.start('tokenizer train: merging', 200);
  now = 1000;
  p.update(50);
  assert.equal(writes.at(-1), '\r\x1b[2Ktokenizer train: merging [#####---------------] 25% 50/200 merges, 50.0 merges/s, ETA 0:03');
  now = 1100;
  p.update(60);
  assert.equal(writes.length, 1, 'redraws are throttled (200 ms by default)');
  p.note('5000 merges');
  assert.ok(text().includes('\r\x1b[2K5000 merges\n'), 'a note clears the bar and is its own line');
  assert.match(writes.at(-1)!, /^\r\x1b\[2Ktokenizer train: merging \[#+-+\] 30% 60\/200/, 'the bar comes back after a note');
  p.end();
  assert.equal(writes.at(-1), '\r\x1b[2K', 'end clears the bar');
});

test('bytes, unknown totals, resumed counts, counts past the total', () => {
  const { stream, text } = fakeStream(false);
  let now = 0;
  const p = new Progress({ stream, intervalSeconds: 0, unit: 'B', now: () => now });
  p.start('read', null);
  now = 2000;
  p.update(3_000_000);
  assert.equal(text(), 'read: 3.0 MB, 1.5 MB/s\n', 'no total: no percentage and no ETA');
  p.start('decompressed', 1000);
  now = 3000;
  p.update(5000);
  assert.match(text(), /decompressed: 100% 1\.0 KB\/1\.0 KB, 5\.0 KB\/s, ETA 0:00\n$/);
  const steps = new Progress({ stream, intervalSeconds: 0, unit: 'steps', now: () => now });
  steps.start('train', 100, { initial: 40 });
  now = 13_000;
  steps.update(50);
  assert.match(text(), /train: 50% 50\/100 steps, 1\.0 steps\/s, ETA 0:50\n$/, 'the rate counts from the initial count');
});

test('FOXDEN_PROGRESS and FOXDEN_PROGRESS_INTERVAL; formatting helpers', () => {
  assert.equal(progressIntervalSeconds({}), 10);
  assert.equal(progressIntervalSeconds({ FOXDEN_PROGRESS_INTERVAL: '0.5' }), 0.5);
  assert.equal(progressIntervalSeconds({ FOXDEN_PROGRESS_INTERVAL: 'x' }), 10);
  assert.equal(progressUsesBar({ write: () => true, isTTY: true }, {}), true);
  assert.equal(progressUsesBar({ write: () => true, isTTY: true }, { FOXDEN_PROGRESS: 'plain' }), false);
  assert.equal(progressUsesBar({ write: () => true }, { FOXDEN_PROGRESS: 'bar' }), true);
  assert.equal(progressUsesBar({ write: () => true }, {}), false);
  assert.equal(formatBytes(1_500_000), '1.5 MB');
  assert.equal(formatCount(1234567), '1,234,567');
  assert.equal(formatCount(2_310_000, true), '2.31M');
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(formatDuration(Infinity), '?');
});
