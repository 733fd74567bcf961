// foxden-test-needs: shared-corpus
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exactDedupStep } from '../src/exact-step.js';
import { normalizeText, normalizeUrl } from '../src/normalize.js';
import { corpusJsonlTexts, doc, readKind, runStep, tempRun, writeDocumentShards } from './helpers.js';
import type { DocumentRecord } from '@foxden/core';

test('normalisation folds case, digits, punctuation, whitespace and compatibility forms', () => {
  assert.equal(normalizeText('  Hello,   WORLD!\n\tPage 3 of 7.'), 'hello world page 0 of 0');
  assert.equal(normalizeText('ﬁne Ｆｕｌｌ－ｗｉｄｔｈ'), 'fine full width');
  assert.equal(normalizeText('...!!!'), '');
  assert.equal(normalizeText('東京は晴れ。'), '東京は晴れ');
  assert.equal(normalizeUrl('HTTPS://www.Example.com:443/a/b/?z=1&a=2#frag'), 'http://example.com/a/b?a=2&z=1');
  assert.equal(normalizeUrl('<http://example.com/>'), 'http://example.com');
  assert.equal(normalizeUrl(''), null);
  assert.equal(normalizeUrl('not a url'), 'not a url');
});

/** Real corpus documents plus exact copies (changed only in what normalisation removes) spread over shards. */
function buildCorpus(): { shards: DocumentRecord[][]; copies: Map<string, string>; urlCopies: Map<string, string> } {
  const texts = corpusJsonlTexts();
  const originals = texts.map((t, i) => doc({ id: `orig-${String(i).padStart(4, '0')}`, text: t.text, url: `https://site.example/${i}`, fetched_at: `2024-01-${String(1 + (i % 28)).padStart(2, '0')}T00:00:00Z` }));
  const copies = new Map<string, string>(); // copy id -> expected kept id
  const urlCopies = new Map<string, string>();
  const extra: DocumentRecord[] = [];
  originals.forEach((o, i) => {
    if (i % 3 === 0) {
      // A later copy with different case, spacing, punctuation and digits.
      const variant = o.text.toUpperCase().replace(/ /g, '   ').replace(/[0-9]/g, '7').replace(/\./g, ' ;') + '!!';
      extra.push(doc({ id: `copy-a-${i}`, text: variant, url: `https://mirror.example/${i}`, fetched_at: '2025-06-01T00:00:00Z' }));
      copies.set(`copy-a-${i}`, o.id);
    }
    if (i % 7 === 0) {
      // An EARLIER copy: it becomes the keeper and the original is the duplicate.
      extra.push(doc({ id: `copy-b-${i}`, text: `\n${o.text}\n`, url: `https://early.example/${i}`, fetched_at: '2020-01-01T00:00:00Z' }));
      copies.set(o.id, `copy-b-${i}`);
      if (copies.has(`copy-a-${i}`)) copies.set(`copy-a-${i}`, `copy-b-${i}`);
    }
    if (i % 5 === 1) {
      // Same URL (normalised), different text.
      extra.push(doc({ id: `urlcopy-${i}`, text: `Another page entirely, about ${o.id.replace(/[0-9]/g, (c) => 'abcdefghij'[Number(c)]!)} and nothing else.`, url: `http://www.site.example/${i}/#top`, fetched_at: '2026-01-01T00:00:00Z' }));
      urlCopies.set(`urlcopy-${i}`, o.id);
    }
  });
  // Empty documents: not duplicates of each other by text.
  extra.push(doc({ id: 'empty-1', text: '' }), doc({ id: 'empty-2', text: '  ...  ' }));
  const all = [...originals, ...extra];
  const shards: DocumentRecord[][] = [[], [], [], []];
  all.forEach((d, i) => shards[(i * 7) % 4]!.push(d));
  return { shards, copies, urlCopies };
}

/**
 * The expected decisions, computed by brute force from the documented rules: group by key, keep
 * the earliest fetched_at (then smallest id), a text duplicate takes precedence over a URL one.
 */
function oracle(docs: DocumentRecord[], useUrl: boolean): Map<string, { reason: string; kept: string }> {
  const order = (a: DocumentRecord, b: DocumentRecord) => Date.parse(a.fetched_at ?? '9999-12-31') - Date.parse(b.fetched_at ?? '9999-12-31') || (a.id < b.id ? -1 : 1);
  const out = new Map<string, { reason: string; kept: string }>();
  const groupBy = (key: (d: DocumentRecord) => string | null, reason: string) => {
    const groups = new Map<string, DocumentRecord[]>();
    for (const d of docs) {
      const k = key(d);
      if (k === null || k === '') continue;
      groups.set(k, [...(groups.get(k) ?? []), d]);
    }
    for (const g of groups.values()) {
      g.sort(order);
      for (const d of g.slice(1)) if (!out.has(d.id)) out.set(d.id, { reason, kept: g[0]!.id });
    }
  };
  groupBy((d) => normalizeText(d.text), 'exact-duplicate');
  if (useUrl) groupBy((d) => normalizeUrl(d.url), 'url-duplicate');
  return out;
}

test('exact dedup finds every exact copy and keeps the earliest fetched', async () => {
  const runDir = await tempRun();
  const { shards, copies } = buildCorpus();
  const ingest = await writeDocumentShards(runDir, shards);
  const run = await runStep(exactDedupStep, runDir, [ingest], { partitions: 5 });
  const drops = await readKind(runDir, run.outputs, 'drops');
  const kept = await readKind(runDir, run.outputs, 'documents');
  const total = shards.reduce((n, s) => n + s.length, 0);
  assert.equal(run.summary.documents_in, total);
  assert.equal(run.summary.balanced, true);
  assert.equal(kept.length + drops.length, total);
  const dropped = new Map(drops.map((d) => [d['id'] as string, d]));
  for (const copy of copies.keys()) assert.ok(dropped.has(copy), `planted exact copy ${copy} was not dropped`);
  const expected = oracle(shards.flat(), false);
  assert.equal(drops.length, expected.size);
  for (const [id, e] of expected) {
    assert.equal(dropped.get(id)?.['reason'], e.reason, id);
    assert.equal(dropped.get(id)?.['value'], e.kept, `${id} should name its keeper ${e.kept}`);
  }
  // The planted earlier copies are the keepers of their groups.
  assert.ok([...expected.values()].some((e) => e.kept.startsWith('copy-b-')));
  assert.ok(kept.some((k) => k['id'] === 'empty-1') && kept.some((k) => k['id'] === 'empty-2'), 'empty documents are kept');
  assert.equal(run.summary.counters['exact_empty_text'], 2);
  assert.equal(run.summary.dropped['exact-duplicate'], drops.length);
  assert.deepEqual(run.outputs.columns, run.outputs.columns.filter((c) => c.name !== 'cluster_id'), 'exact dedup adds no columns');
});

test('URL dedup finds every repeated URL; output is byte-identical across runs and partition counts do not change decisions', async () => {
  const { shards, copies, urlCopies } = buildCorpus();
  const results: { drops: Record<string, unknown>[]; docs: Buffer[] }[] = [];
  for (const partitions of [3, 3, 11]) {
    const runDir = await tempRun();
    const ingest = await writeDocumentShards(runDir, shards);
    const run = await runStep(exactDedupStep, runDir, [ingest], { partitions, url: true });
    const drops = await readKind(runDir, run.outputs, 'drops');
    const docs = await Promise.all(run.outputs.shards.filter((s) => s.kind === 'documents').map((s) => readFile(join(runDir, s.path))));
    results.push({ drops, docs });
    const byId = new Map(drops.map((d) => [d['id'] as string, d]));
    for (const [copy, keeper] of urlCopies) {
      const d = byId.get(copy);
      assert.ok(d, `repeated URL ${copy} not dropped`);
      assert.equal(d['reason'], 'url-duplicate');
      assert.equal(d['value'], keeper);
    }
    for (const copy of copies.keys()) assert.equal(byId.get(copy)?.['reason'], 'exact-duplicate');
    const expected = oracle(shards.flat(), true);
    assert.equal(drops.length, expected.size);
    for (const [id, e] of expected) assert.deepEqual([byId.get(id)?.['reason'], byId.get(id)?.['value']], [e.reason, e.kept], id);
    assert.equal(run.summary.balanced, true);
  }
  assert.deepEqual(results[0]!.docs, results[1]!.docs, 'same input and params give byte-identical shards');
  const ids = (r: { drops: Record<string, unknown>[] }) => r.drops.map((d) => `${d['id']}>${d['value']}`).sort();
  assert.deepEqual(ids(results[0]!), ids(results[2]!), 'decisions do not depend on the number of partitions');
});

test('a corrupt hash partition file fails the decide task naming it', async () => {
  const runDir = await tempRun();
  const { shards } = buildCorpus();
  const ingest = await writeDocumentShards(runDir, shards);
  const run = await runStep(exactDedupStep, runDir, [ingest], { partitions: 2 });
  const hashFile = run.stats['hash']![0]!.outputs[0]!.path;
  const { writeFile, rm } = await import('node:fs/promises');
  const bytes = await readFile(join(runDir, hashFile));
  await writeFile(join(runDir, hashFile), bytes.subarray(0, bytes.length - 100));
  // Redo the decide phase: its markers removed, as `--force` would.
  for (const phase of ['decide', 'filter']) for (const t of run.stats[phase]!) await rm(join(runDir, run.stepDir, 'done', `${t.task}.json`));
  await assert.rejects(runStep(exactDedupStep, runDir, [ingest], { partitions: 2 }), (e: { code?: string; message: string }) => e.code === 'CORRUPT_INTERMEDIATE' && e.message.includes(hashFile));
});
