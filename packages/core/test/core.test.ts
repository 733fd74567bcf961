import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FoxdenError, SeededRandom, assertBalanced, completeTask, emptyTaskStats, mergeTaskStats, readCompletedTask, writeFileAtomic,
} from '../src/index.js';

test('mergeTaskStats sums tasks and checks in = out + dropped', () => {
  const a = { ...emptyTaskStats('s', '0'), documents_in: 10, documents_out: 7, dropped: { short: 2, spam: 1 } };
  const b = { ...emptyTaskStats('s', '1'), documents_in: 5, documents_out: 5 };
  const merged = mergeTaskStats('s', 't', [a, b]);
  assert.equal(merged.documents_in, 15);
  assert.equal(merged.documents_out, 12);
  assert.deepEqual(merged.dropped, { short: 2, spam: 1 });
  assert.equal(merged.balanced, true);
  const lost = mergeTaskStats('s', 't', [{ ...a, documents_out: 6 }]);
  assert.equal(lost.balanced, false);
  assert.throws(() => assertBalanced(lost), (e: unknown) => e instanceof FoxdenError && e.code === 'ACCOUNTING' && /10 in != 6 out \+ 3 dropped/.test(e.message));
});

test('SeededRandom is reproducible per seed and label, and differs across them', () => {
  const seq = (seed: number, label: string) => Array.from({ length: 5 }, ((r) => () => r.nextUint32())(new SeededRandom(seed, label)));
  assert.deepEqual(seq(1, 'a'), seq(1, 'a'));
  assert.notDeepEqual(seq(1, 'a'), seq(2, 'a'));
  assert.notDeepEqual(seq(1, 'a'), seq(1, 'b'));
  const shuffled = new SeededRandom(7).shuffle([...Array(100).keys()]);
  assert.deepEqual([...shuffled].sort((x, y) => x - y), [...Array(100).keys()]);
  assert.notDeepEqual(shuffled, [...Array(100).keys()]);
  const r = new SeededRandom(3);
  for (let i = 0; i < 1000; i++) {
    const x = r.next();
    assert.ok(x >= 0 && x < 1);
  }
});

test('FoxdenError.from keeps FoxdenErrors and classifies transient I/O errors as retryable', () => {
  const own = new FoxdenError('BAD_INPUT', 'bad');
  assert.equal(FoxdenError.from(own), own);
  assert.equal(own.retryable, false);
  const io = Object.assign(new Error('busy'), { code: 'EBUSY' });
  assert.equal(FoxdenError.from(io).code, 'TRANSIENT');
  assert.equal(FoxdenError.from(io).retryable, true);
  assert.equal(FoxdenError.from('x').code, 'INTERNAL');
});

test('completeTask writes stats then marker; readCompletedTask finds it; atomic writes leave no temporaries', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'foxden-core-'));
  assert.equal(await readCompletedTask(dir, 'steps/00-a', 'main', '00000'), null);
  const stats = { ...emptyTaskStats('a', '00000'), documents_in: 3, documents_out: 3 };
  await completeTask(dir, 'steps/00-a', 'main', '00000', stats);
  assert.deepEqual(await readCompletedTask(dir, 'steps/00-a', 'main', '00000'), stats);
  assert.deepEqual(JSON.parse(await readFile(join(dir, 'steps/00-a/stats/main-00000.json'), 'utf8')), stats);
  await writeFileAtomic(join(dir, 'x.json'), '{}');
  assert.deepEqual((await readdir(dir)).sort(), ['steps', 'x.json']);
});
