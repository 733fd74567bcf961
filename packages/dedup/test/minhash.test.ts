// foxden-test-needs: shared-corpus
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DocumentRecord } from '@foxden/core';
import { MinHasher, estimateJaccard, jaccard } from '../src/minhash.js';
import { minhashDedupStep } from '../src/minhash-step.js';
import { book, doc, passages, readKind, runStep, tempRun, writeDocumentShards } from './helpers.js';

test('signatures: identical normalised text gives identical signatures; estimates track true Jaccard', () => {
  const h = new MinHasher();
  const s1 = new Int32Array(112);
  const s2 = new Int32Array(112);
  const [p1, p2] = passages(book('gutenberg_Evelina.txt.gz'), 300, 2);
  h.signature(p1!, s1);
  h.signature(`  ${p1!.toUpperCase()}!!  `, s2);
  assert.deepEqual(s1, s2);
  // Truncating a passage gives a known true Jaccard; the estimate is within 4 standard errors.
  const words = p1!.split(' ');
  for (const keep of [290, 250, 200, 150]) {
    const cut = words.slice(0, keep).join(' ');
    const truth = jaccard(h.shingleHashes(h.shingle(p1!).shingles).slice(), h.shingleHashes(h.shingle(cut).shingles).slice());
    h.signature(cut, s2);
    const est = estimateJaccard(s1, s2);
    assert.ok(Math.abs(est - truth) <= 4 * Math.sqrt((truth * (1 - truth)) / 112) + 0.01, `keep ${keep}: truth ${truth} estimate ${est}`);
  }
  h.signature(p2!, s2);
  assert.ok(estimateJaccard(s1, s2) < 0.1);
});

test('awkward text: empty, shorter than a shingle, scripts without spaces', () => {
  const h = new MinHasher();
  assert.equal(h.shingle('').shingles, 0);
  assert.equal(h.shingle(' ... --- !!! ').shingles, 0);
  const short = h.shingle('three little words');
  assert.deepEqual([short.tokens, short.shingles], [3, 1]);
  const ja = book('sentencepiece_wagahaiwa_nekodearu_ja.txt.gz').slice(5000, 5400);
  const info = h.shingle(ja);
  assert.ok(info.soloTokens > info.tokens * 0.6, `Japanese text is shingled by characters (${info.soloTokens}/${info.tokens})`);
  assert.ok(info.shingles > 200);
});

interface Corpus {
  shards: DocumentRecord[][];
  expectDropped: Map<string, string>; // near-duplicate id -> keeper id
}

/** Real passages plus near-duplicates at high similarity (light edits), plus awkward documents. */
function corpus(): Corpus {
  const en = passages(book('gutenberg_CastleOfOtranto.txt.gz'), 120, 150).slice(5);
  const ja = book('sentencepiece_wagahaiwa_nekodearu_ja.txt.gz');
  const docs: DocumentRecord[] = [];
  const expectDropped = new Map<string, string>();
  en.forEach((p, i) => {
    const id = `en-${String(i).padStart(3, '0')}`;
    docs.push(doc({ id, text: p, fetched_at: '2023-05-01T00:00:00Z', url: `http://example.com/${i}` }));
    if (i % 4 === 0) {
      // A mirror with a header and footer and one changed word: true Jaccard about 0.9.
      const words = p.split(' ');
      words[60] = 'CHANGED';
      const copy = `Home | About | Contact ${words.join(' ')} Copyright all rights reserved`;
      docs.push(doc({ id: `mirror-${i}`, text: copy, fetched_at: '2024-05-01T00:00:00Z' }));
      expectDropped.set(`mirror-${i}`, id);
    }
    if (i % 10 === 3) {
      // An earlier-fetched copy: it is kept, the original is dropped.
      docs.push(doc({ id: `zz-early-${i}`, text: p.replace(/\./g, ','), fetched_at: '2019-01-01T00:00:00Z' }));
      expectDropped.set(id, `zz-early-${i}`);
    }
  });
  for (let i = 0; i < 6; i++) {
    const p = ja.slice(20000 + i * 900, 20000 + i * 900 + 800);
    docs.push(doc({ id: `ja-${i}`, text: p, fetched_at: '2023-01-01T00:00:00Z', lang: 'ja' }));
    if (i % 2 === 0) {
      docs.push(doc({ id: `ja-copy-${i}`, text: `${p.slice(0, 400)}猫${p.slice(401)}`, fetched_at: '2023-02-01T00:00:00Z', lang: 'ja' }));
      expectDropped.set(`ja-copy-${i}`, `ja-${i}`);
    }
  }
  docs.push(doc({ id: 'empty-a', text: '' }), doc({ id: 'empty-b', text: '' }), doc({ id: 'punct', text: '?!... ---' }));
  docs.push(doc({ id: 'short-a', text: 'Click here now' }), doc({ id: 'short-b', text: 'click HERE now!' }));
  expectDropped.set('short-b', 'short-a'); // same single shingle; ids break the fetched_at tie (both null)
  const shards: DocumentRecord[][] = [[], [], [], []];
  docs.forEach((d, i) => shards[(i * 3) % 4]!.push(d));
  return { shards, expectDropped };
}

test('minhash-dedup end to end: near duplicates dropped with their cluster, columns added, awkward input counted', async () => {
  const runDir = await tempRun();
  const { shards, expectDropped } = corpus();
  const ingest = await writeDocumentShards(runDir, shards);
  const run = await runStep(minhashDedupStep, runDir, [ingest], { verify: true });
  const total = shards.reduce((n, s) => n + s.length, 0);
  assert.equal(run.summary.documents_in, total);
  assert.equal(run.summary.balanced, true);
  const drops = await readKind(runDir, run.outputs, 'drops');
  const kept = await readKind(runDir, run.outputs, 'documents');
  assert.equal(drops.length + kept.length, total);
  const dropped = new Map(drops.map((d) => [d['id'] as string, d['value'] as string]));
  assert.deepEqual(new Map([...dropped].filter(([id]) => expectDropped.has(id))), expectDropped);
  assert.equal(dropped.size, expectDropped.size, `unexpected drops: ${[...dropped.keys()].filter((k) => !expectDropped.has(k)).join(', ')}`);
  for (const d of drops) assert.equal(d['reason'], 'near-duplicate');
  const byId = new Map(kept.map((k) => [k['id'] as string, k]));
  for (const keeper of new Set(expectDropped.values())) {
    const k = byId.get(keeper)!;
    assert.equal(k['cluster_id'], keeper, 'a cluster is named by its keeper');
    assert.equal(k['cluster_size'], [...expectDropped.values()].filter((v) => v === keeper).length + 1);
  }
  assert.equal(byId.get('en-001')!['cluster_id'], null);
  assert.equal(byId.get('en-001')!['cluster_size'], 1);
  assert.ok(byId.has('empty-a') && byId.has('empty-b') && byId.has('punct'), 'documents without words are kept, not clustered');
  assert.deepEqual(run.outputs.columns.slice(-2).map((c) => `${c.name}:${c.type}`), ['cluster_id:utf8', 'cluster_size:int32']);
  assert.equal(run.summary.counters['minhash_no_signature'], 3);
  assert.equal(run.summary.counters['minhash_short'], 2);
  assert.ok((run.summary.counters['minhash_no_spaces'] ?? 0) >= 9);
  assert.equal(run.summary.counters['minhash_clusters'], new Set(expectDropped.values()).size);
});

test('same input, params and seed give byte-identical shards', async () => {
  const { shards } = corpus();
  const outputs: Buffer[][] = [];
  for (let i = 0; i < 2; i++) {
    const runDir = await tempRun();
    const ingest = await writeDocumentShards(runDir, shards);
    const run = await runStep(minhashDedupStep, runDir, [ingest]);
    const files = [...run.outputs.shards].sort((a, b) => (a.path < b.path ? -1 : 1));
    outputs.push(await Promise.all(files.map((s) => readFile(join(runDir, s.path)))));
  }
  assert.equal(outputs[0]!.length, outputs[1]!.length);
  outputs[0]!.forEach((b, i) => assert.ok(b.equals(outputs[1]![i]!), `output ${i} differs`));
});

test('a corrupt or truncated intermediate fails its reader naming the file; the next run redoes the task that wrote it', async () => {
  const runDir = await tempRun();
  const { shards } = corpus();
  const ingest = await writeDocumentShards(runDir, shards);
  const first = await runStep(minhashDedupStep, runDir, [ingest]);
  const expected = (await readKind(runDir, first.outputs, 'drops')).map((d) => d['id']).sort();
  const run = first.stats['signatures']![1]!;
  const bandRun = run.outputs.find((o) => o.kind === 'minhash-bands' && o.rows > 10)!;
  const pairs = first.stats['buckets']![0]!.outputs[0]!;
  const clearAfter = async (phases: string[]) => {
    for (const phase of phases) for (const t of first.stats[phase]!) await rm(join(runDir, first.stepDir, 'done', `${t.task}.json`), { force: true });
  };
  const original = await readFile(join(runDir, bandRun.path));
  // A changed byte in the middle of a band run.
  const flipped = Buffer.from(original);
  flipped[100] = flipped[100]! ^ 0x40;
  await writeFile(join(runDir, bandRun.path), flipped);
  await clearAfter(['buckets', 'clusters', 'filter']);
  // The step fails naming the file, and the orchestrator clears the marker of the task that wrote it.
  await assert.rejects(runStep(minhashDedupStep, runDir, [ingest]), (e: { code?: string; message: string }) =>
    e.code === 'CORRUPT_INTERMEDIATE' && e.message.includes(bandRun.path) && e.message.includes(`will be redone on the next run: dedup/${run.task}`));
  assert.equal(existsSync(join(runDir, first.stepDir, 'done', `${run.task}.json`)), false);
  // The next run redoes that task, which writes the same bytes again, and finishes.
  await runStep(minhashDedupStep, runDir, [ingest]);
  assert.ok((await readFile(join(runDir, bandRun.path))).equals(original));
  // A truncated one.
  await writeFile(join(runDir, bandRun.path), original.subarray(0, original.length - 20));
  await clearAfter(['buckets', 'clusters', 'filter']);
  await assert.rejects(runStep(minhashDedupStep, runDir, [ingest]), (e: { code?: string; message: string }) => e.code === 'CORRUPT_INTERMEDIATE' && e.message.includes(bandRun.path) && /truncated/.test(e.message));
  await runStep(minhashDedupStep, runDir, [ingest]);
  // A truncated pair file fails the clusters task.
  const pairBytes = await readFile(join(runDir, pairs.path));
  await writeFile(join(runDir, pairs.path), pairBytes.subarray(0, pairBytes.length - 16));
  await clearAfter(['clusters', 'filter']);
  await assert.rejects(runStep(minhashDedupStep, runDir, [ingest]), (e: { code?: string; message: string }) => e.code === 'CORRUPT_INTERMEDIATE' && e.message.includes(pairs.path));
  // Re-running after that redoes the buckets task that wrote it, then the rest, and succeeds.
  const again = await runStep(minhashDedupStep, runDir, [ingest]);
  assert.deepEqual((await readKind(runDir, again.outputs, 'drops')).map((d) => d['id']).sort(), expected);
});
