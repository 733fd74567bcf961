import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FoxdenError, GrowableArray, completeTask, emptyTaskStats, fmix32, indexTaskId, listCompletedTasks, listStepDirs, parseStepDir,
  parseTaskKey, pickTokenizerMetadata, previousStepShards, readStepMarkers, stepDirName, taskKey, tokenizerIdentityFromMetadata,
  tokenizerIdentityToMetadata,
} from '../src/index.js';

test('fmix32 is murmur3 finaliser, unsigned; | 0 gives the signed form bit for bit', () => {
  // Reference values of murmur3's fmix32.
  assert.equal(fmix32(0), 0);
  assert.equal(fmix32(1), 0x514e28b7);
  for (const x of [0, 1, 0x7fffffff, -1, 0x80000000, 123456789, -987654321]) {
    const h = fmix32(x);
    assert.ok(h >= 0 && h <= 0xffffffff && Number.isInteger(h));
    assert.equal(h | 0, new Int32Array([h])[0]);
    assert.equal((h | 0) >>> 0, h);
  }
});

test('GrowableArray grows past its capacity and keeps every value', () => {
  const a = new GrowableArray(Int32Array, 2);
  for (let i = 0; i < 1000; i++) a.push(i - 500);
  assert.equal(a.length, 1000);
  const out = a.toArray();
  assert.ok(out instanceof Int32Array);
  assert.equal(out.length, 1000);
  assert.equal(out[0], -500);
  assert.equal(out[999], 499);
  const u = new GrowableArray(Uint32Array);
  u.push(0xffffffff);
  assert.equal(u.data[0], 0xffffffff);
});

test('task keys and step directories are formed and parsed in one place', () => {
  assert.equal(indexTaskId(7), '00007');
  assert.equal(taskKey('split', '00001-00002'), 'split-00001-00002');
  assert.deepEqual(parseTaskKey('split-00001-00002'), { phase: 'split', taskId: '00001-00002' });
  assert.throws(() => parseTaskKey('nokey'), FoxdenError);
  assert.deepEqual(parseStepDir(stepDirName(3, 'exact-dedup')), { index: 3, name: 'exact-dedup' });
});

test('readStepMarkers and listCompletedTasks read a step\'s done markers in key order; a broken marker is CORRUPT_INTERMEDIATE', async () => {
  const runDir = await mkdtemp(join(tmpdir(), 'foxden-markers-'));
  try {
    const stepDir = stepDirName(1, 'dedup');
    assert.deepEqual(await listStepDirs(runDir), []);
    assert.deepEqual(await readStepMarkers(runDir, stepDir), []);
    for (const id of ['00001', '00000']) await completeTask(runDir, stepDir, 'hash', id, emptyTaskStats('dedup', `hash-${id}`));
    assert.deepEqual(await listStepDirs(runDir), [stepDir]);
    assert.deepEqual(await listCompletedTasks(runDir, stepDir), ['hash-00000', 'hash-00001']);
    const markers = await readStepMarkers(runDir, stepDir);
    assert.deepEqual(markers.map((m) => [m.key, m.path, m.stats.task]), [
      ['hash-00000', join(stepDir, 'done', 'hash-00000.json'), 'hash-00000'],
      ['hash-00001', join(stepDir, 'done', 'hash-00001.json'), 'hash-00001'],
    ]);
    await writeFile(join(runDir, stepDir, 'done', 'hash-00002.json'), '{"outputs": 1}');
    await assert.rejects(readStepMarkers(runDir, stepDir), (e: unknown) => e instanceof FoxdenError && e.code === 'CORRUPT_INTERMEDIATE' && e.file === join(runDir, stepDir, 'done', 'hash-00002.json'));
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
});

test('previousStepShards: one kind of the last step, in path order; none before the first step', () => {
  const shard = (path: string, kind: string) => ({ path, kind, rows: 1, bytes: 1, sha256: '' });
  const history = [{ step: 'a', type: 't', columns: [], shards: [shard('b.arrow', 'documents'), shard('a.arrow', 'documents'), shard('d.arrow', 'drops')] }];
  assert.deepEqual(previousStepShards({ history, stepName: 'x' }, 'documents').map((s) => s.path), ['a.arrow', 'b.arrow']);
  assert.throws(() => previousStepShards({ history: [], stepName: 'x' }, 'tokens'), (e: unknown) => e instanceof FoxdenError && e.code === 'BAD_CONFIG');
});

test('tokenizer identity to schema metadata and back', () => {
  const identity = { name: 'bpe', vocab_size: 4096, special_ids: { '<eos>': 2 }, sha256: 'ab' };
  const metadata = { ...tokenizerIdentityToMetadata(identity), 'foxden.other': 'x' };
  assert.deepEqual(Object.keys(pickTokenizerMetadata(metadata)), ['foxden.tokenizer.name', 'foxden.tokenizer.sha256', 'foxden.tokenizer.special_ids', 'foxden.tokenizer.vocab_size']);
  assert.deepEqual(tokenizerIdentityFromMetadata(metadata, 'f.arrow'), identity);
  assert.throws(() => tokenizerIdentityFromMetadata({}, 'f.arrow'), (e: unknown) => e instanceof FoxdenError && e.code === 'BAD_INPUT' && e.file === 'f.arrow');
});

test('FoxdenError.recordOf: a failure record as fields, or null for anything else', () => {
  const e = new FoxdenError('CORRUPT_INTERMEDIATE', 'bad shard', { file: 'x.arrow', offset: 3 });
  assert.deepEqual(FoxdenError.recordOf(JSON.parse(JSON.stringify(e))), { code: 'CORRUPT_INTERMEDIATE', message: 'bad shard', file: 'x.arrow', offset: 3 });
  assert.equal(FoxdenError.recordOf({ code: 'NOPE', message: 'x' }), null);
  assert.equal(FoxdenError.recordOf(undefined), null);
});
