import { test } from 'node:test';
import assert from 'node:assert/strict';
import { minhashDedupStep } from '../src/minhash-step.js';
import { readKind, runStep, tempRun, writeDocumentShards } from './helpers.js';
import { buildPairSet, sCurve, type Pair } from './quality-set.js';

const PAIRS = 700;
const set = buildPairSet(PAIRS);

/** Runs minhash-dedup over the pair set and returns, for each pair, whether it ended in one cluster. */
async function detect(params: Record<string, unknown>): Promise<{ pair: Pair; found: boolean }[]> {
  const runDir = await tempRun();
  const shards = [[], [], []] as (typeof set.docs)[];
  set.docs.forEach((d, i) => shards[(i * 5) % 3]!.push(d));
  const ingest = await writeDocumentShards(runDir, shards);
  const run = await runStep(minhashDedupStep, runDir, [ingest], params);
  assert.equal(run.summary.balanced, true);
  const cluster = new Map<string, string | null>();
  for (const d of await readKind(runDir, run.outputs, 'documents')) cluster.set(d['id'] as string, (d['cluster_id'] as string | null) ?? null);
  for (const d of await readKind(runDir, run.outputs, 'drops')) {
    assert.equal(d['reason'], 'near-duplicate');
    cluster.set(d['id'] as string, d['value'] as string);
  }
  return set.pairs.map((pair) => {
    const ca = cluster.get(pair.a);
    return { pair, found: ca !== null && ca !== undefined && ca === cluster.get(pair.b) };
  });
}

function precisionRecall(results: { pair: Pair; found: boolean }[], threshold: number) {
  let tp = 0, fp = 0, fn = 0;
  for (const r of results) {
    const truth = r.pair.jaccard >= threshold;
    if (r.found && truth) tp++;
    else if (r.found) fp++;
    else if (truth) fn++;
  }
  return { precision: tp / (tp + fp), recall: tp / (tp + fn), tp, fp, fn };
}

test('the test set spans the similarity range with every kind of edit', () => {
  assert.ok(set.pairs.length >= 600);
  const low = set.pairs.filter((p) => p.jaccard < 0.5).length;
  const high = set.pairs.filter((p) => p.jaccard >= 0.8).length;
  assert.ok(low > 60 && high > 60, `low ${low} high ${high}`);
  for (const kind of ['substitute', 'insert', 'delete', 'boilerplate', 'mixed']) assert.ok(set.pairs.some((p) => p.edit === kind));
});

test('detection rate across similarity follows 1-(1-s^r)^b within sampling error (14 x 8)', async (t) => {
  const results = await detect({});
  const lines: string[] = [];
  let checked = 0;
  for (let k = 1; k < 10; k++) {
    const lo = k / 10;
    const hi = k === 9 ? 1.0001 : (k + 1) / 10;
    const bin = results.filter((r) => r.pair.jaccard >= lo && r.pair.jaccard < hi);
    if (bin.length < 15) continue;
    const expected = bin.reduce((n, r) => n + sCurve(r.pair.jaccard, 14, 8), 0) / bin.length;
    const variance = bin.reduce((n, r) => { const p = sCurve(r.pair.jaccard, 14, 8); return n + p * (1 - p); }, 0) / (bin.length * bin.length);
    const observed = bin.filter((r) => r.found).length / bin.length;
    const sd = Math.sqrt(variance);
    lines.push(`s in [${lo.toFixed(1)}, ${Math.min(1, hi).toFixed(1)}]: n=${bin.length} observed ${observed.toFixed(3)} expected ${expected.toFixed(3)} (sd ${sd.toFixed(3)})`);
    // 4 standard deviations, plus 0.02 for MinHash being an estimate of the true Jaccard.
    assert.ok(Math.abs(observed - expected) <= 4 * sd + 0.02, lines[lines.length - 1]);
    checked++;
  }
  t.diagnostic(lines.join('\n'));
  assert.ok(checked >= 6, `only ${checked} bins had enough pairs`);
  // A different band/row setting moves the curve: 20 bands x 5 rows detects lower similarities.
  const loose = await detect({ num_bands: 20, rows_per_band: 5 });
  const mid = (rs: typeof results) => rs.filter((r) => r.pair.jaccard >= 0.45 && r.pair.jaccard < 0.6);
  const midExpected = mid(loose).reduce((n, r) => n + sCurve(r.pair.jaccard, 20, 5), 0) / mid(loose).length;
  const midObserved = mid(loose).filter((r) => r.found).length / mid(loose).length;
  t.diagnostic(`20 x 5, s in [0.45, 0.6): observed ${midObserved.toFixed(3)} expected ${midExpected.toFixed(3)} (n=${mid(loose).length})`);
  assert.ok(Math.abs(midObserved - midExpected) < 0.12);
  assert.ok(midObserved > mid(results).filter((r) => r.found).length / mid(results).length);
});

test('precision and recall against the true Jaccard at the configured threshold', async (t) => {
  const threshold = 0.75;
  const plainResults = await detect({ threshold });
  const plain = precisionRecall(plainResults, threshold);
  // Without verification, recall is what the S-curve predicts for the pairs above the threshold.
  const positives = plainResults.filter((r) => r.pair.jaccard >= threshold).map((r) => sCurve(r.pair.jaccard, 14, 8));
  const expectedRecall = positives.reduce((a, b) => a + b, 0) / positives.length;
  const recallSd = Math.sqrt(positives.reduce((a, p) => a + p * (1 - p), 0)) / positives.length;
  const verified = precisionRecall(await detect({ threshold, verify: true }), threshold);
  t.diagnostic(`threshold ${threshold}: LSH only precision ${plain.precision.toFixed(3)} recall ${plain.recall.toFixed(3)} (tp ${plain.tp} fp ${plain.fp} fn ${plain.fn}); ` +
    `verified precision ${verified.precision.toFixed(3)} recall ${verified.recall.toFixed(3)} (tp ${verified.tp} fp ${verified.fp} fn ${verified.fn})`);
  t.diagnostic(`LSH-only recall expected from the S-curve ${expectedRecall.toFixed(3)} (sd ${recallSd.toFixed(3)})`);
  assert.ok(plain.recall >= expectedRecall - 4 * recallSd - 0.02, `LSH recall ${plain.recall} below the S-curve's ${expectedRecall}`);
  assert.ok(verified.precision >= 0.88, `verified precision ${verified.precision}`);
  assert.ok(verified.recall >= 0.85, `verified recall ${verified.recall}`);
  assert.ok(verified.precision > plain.precision, 'verification removes false positives');
});
