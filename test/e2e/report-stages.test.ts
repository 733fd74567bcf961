/**
 * The report's stage lookup (docs/report.md, "How it stays small and fast"):
 * the documents per stage and length bin read from the curriculum's
 * selection shards equal those the `docs` view's stage lookup (the stage
 * shards' segment_doc_ids) gives, on the demo run; everything else the
 * report collects is the same too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectReportData } from '../../packages/report/src/index.js';
import { demoFixture, referenceRun } from './fixtures.js';

test('report data: stages from the selection shards equal the docs view stage lookup (demo run)', { timeout: 15 * 60_000 }, async () => {
  const runDir = await referenceRun((await demoFixture()).pipelineFile);
  const fast = await collectReportData(runDir);
  const slow = await collectReportData(runDir, { stageLookup: 'docs' });
  assert.ok(fast.lengths.some((l) => l.stage !== 'not packed') && fast.lengths.some((l) => l.stage === 'not packed'), 'packed and unpacked documents both present');
  assert.deepEqual(fast.lengths, slow.lengths);
  const strip = (d: typeof fast) => ({ ...d, queryMs: 0 });
  assert.deepEqual(strip(fast), strip(slow));
});
