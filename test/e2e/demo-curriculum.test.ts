/**
 * The demo recipe's curriculum on the demo run: every budget met and every
 * stage packed with at most 1% padding, beyond the one partly filled row a
 * stage may end with: the e2e demo is a 0.15 scale of `npm run demo`, with
 * 36 rows in its 8K stage (the full demo's figures are in docs/curriculum.md).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { demoFixture, referenceRun } from './fixtures.ts';

interface StageEntry { name: string; seq_len: number; sequences: number; tokens: number; content_tokens: number; padding_tokens: number; budget_met: boolean }

it('the demo run\'s stages meet their budgets with at most 1% padding (plus one tail row)', { timeout: 900_000 }, async () => {
  const run = await referenceRun((await demoFixture()).pipelineFile);
  const curriculum = JSON.parse(readFileSync(join(run, 'curriculum.json'), 'utf8')) as { stages: StageEntry[] };
  assert.deepEqual(curriculum.stages.map((s) => s.name), ['2k', '4k', '8k']);
  for (const s of curriculum.stages) {
    assert.equal(s.budget_met, true, `stage ${s.name}: budget not met`);
    assert.equal(s.tokens, s.sequences * s.seq_len);
    assert.equal(s.content_tokens + s.padding_tokens, s.tokens, `stage ${s.name}: content + padding = tokens`);
    assert.ok(s.padding_tokens <= 0.01 * s.tokens + s.seq_len, `stage ${s.name}: ${s.padding_tokens} padding tokens of ${s.tokens}`);
  }
});
