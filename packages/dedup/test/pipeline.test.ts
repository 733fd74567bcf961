// foxden-test-needs: shared-corpus
/**
 * End to end through the real pipeline loader and the local worker-thread runner: ingest (JSONL
 * built from the shared corpus, with planted exact and near copies) -> exact-dedup (text + URL)
 * -> minhash-dedup (verified). Needs the built dist of the step packages (workers import them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StepRegistry, loadPipeline, runPipeline } from '@foxden/pipeline';
import { WorkerPool } from '@foxden/runner-local';
import { ShardReader } from '@foxden/shards';
import { corpusDir, tempRun } from './helpers.js';

test('ingest -> exact-dedup -> minhash-dedup on the local runner: duplicates dropped with their clusters, resume skips everything', async () => {
  const dir = await tempRun();
  await mkdir(join(dir, 'data'));
  const source = readFileSync(join(corpusDir, 'jsonl/datajuicer_stack_exchange.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).slice(0, 40).map((l) => JSON.parse(l) as { text: string });
  const records: Record<string, string>[] = [];
  const exact = new Set<string>();
  const near = new Map<string, string>();
  source.forEach((j, i) => {
    records.push({ id: `se-${i}`, text: j.text, url: `https://q.example/${i}`, created: '2024-01-01' });
    if (i % 5 === 0) {
      records.push({ id: `exact-${i}`, text: j.text.toUpperCase(), url: `https://m.example/${i}`, created: '2024-03-01' });
      exact.add(`exact-${i}`);
    }
    const words = j.text.split(' ');
    if (i % 4 === 1 && words.length > 150) {
      words[Math.floor(words.length / 2)] = 'EDITED';
      records.push({ id: `near-${i}`, text: `Header menu ${words.join(' ')}`, url: `https://n.example/${i}`, created: '2024-03-01' });
      near.set(`near-${i}`, `se-${i}`);
    }
  });
  await writeFile(join(dir, 'data/a.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  await writeFile(join(dir, 'p.yaml'), 'name: e2e\nseed: 3\ninputs: [data]\noutput: out\nsteps:\n  - {name: ingest, type: ingest}\n  - {name: exact, type: exact-dedup, params: {url: true, partitions: 3}}\n  - {name: near, type: minhash-dedup, params: {verify: true}}\n');
  const registry = await StepRegistry.load(['@foxden/ingest/step', '@foxden/dedup/step'].map((s) => import.meta.resolve(s)));
  const pipeline = await loadPipeline(join(dir, 'p.yaml'), { registry });
  const pool = new WorkerPool({ workers: 2 });
  try {
    const summary = await runPipeline(pipeline, registry, { executor: pool });
    assert.equal(summary.balanced, true);
    const [ingest, ex, mh] = summary.steps;
    assert.equal(ingest!.documents_out, records.length);
    assert.ok((ex!.dropped['exact-duplicate'] ?? 0) >= exact.size);
    // The real corpus holds near duplicates of its own (templated questions), so these are lower bounds.
    assert.ok((mh!.dropped['near-duplicate'] ?? 0) >= near.size);
    assert.ok((mh!.counters['minhash_clusters'] ?? 0) >= 1);
    // Drop records name the kept document; kept documents carry the cluster columns.
    const runDir = pipeline.output;
    const drops: Record<string, unknown>[] = [];
    const docs: Record<string, unknown>[] = [];
    for (const stepDir of ['steps/01-exact', 'steps/02-near']) {
      for (const [kind, into] of [['drops', drops], ['documents', docs]] as const) {
        const { readdirSync } = await import('node:fs');
        for (const f of readdirSync(join(runDir, stepDir, kind)).filter((x) => x.endsWith('.arrow')).sort()) {
          const r = await ShardReader.open(join(runDir, stepDir, kind, f));
          for await (const b of r.rowBatches()) if (stepDir.endsWith('near') || kind === 'drops') into.push(...b);
          await r.close();
        }
      }
    }
    // Ingest names documents `<source>:<given id>`.
    const strip = (id: unknown) => String(id).replace(/^a\.jsonl:/, '');
    const byId = new Map(drops.map((d) => [strip(d['id']), { ...d, value: strip(d['value']) } as Record<string, unknown>]));
    for (const id of exact) assert.equal(byId.get(id)?.['reason'], 'exact-duplicate');
    // Each planted copy is dropped into its original's cluster; the cluster's keeper carries the cluster columns.
    const clusterOf = (id: string): string | null => {
      const dropped = byId.get(id);
      if (dropped?.['reason'] === 'near-duplicate') return dropped['value'] as string;
      // An original removed as an exact copy is represented by the copy that was kept.
      if (dropped?.['reason'] === 'exact-duplicate') return clusterOf(dropped['value'] as string);
      const d = docs.find((x) => strip(x['id']) === id);
      return d && d['cluster_id'] !== null ? strip(d['cluster_id']) : null;
    };
    for (const [id, original] of near) {
      assert.equal(byId.get(id)?.['reason'], 'near-duplicate', id);
      assert.equal(byId.get(id)?.['value'], clusterOf(original), `${id} joins the cluster of ${original}`);
      const keeper = docs.find((x) => strip(x['id']) === byId.get(id)?.['value'])!;
      assert.equal(strip(keeper['cluster_id']), strip(keeper['id']));
      assert.ok((keeper['cluster_size'] as number) >= 2);
    }
    // Resume: everything is complete, nothing runs again.
    const again = await runPipeline(pipeline, registry, { executor: pool });
    assert.equal(again.tasks_run, 0);
    assert.deepEqual(again.steps.map((s) => s.dropped), summary.steps.map((s) => s.dropped));
  } finally {
    await pool.close();
  }
});
