import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FrameKind, IGNORE_LABEL, Feeder, RowPermutation, openCurriculum, planFeed, type OpenedCurriculum } from '../src/index.ts';
import { batches, feedBytes, parseFeed, rowsOf } from './feed-stream.ts';
import { SYNTHETIC_TOKENIZER, editStageManifest, flipByte, writeSyntheticCurriculum } from './synthetic-curriculum.ts';

const scratch = mkdtempSync(join(tmpdir(), 'foxden-loader-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Token = its position in the stage, so every content token is identifiable (vocabulary large enough to hold them). */
const POSITION_TOKENIZER = { ...SYNTHETIC_TOKENIZER, vocab_size: 1 << 20 };

describe('RowPermutation', () => {
  it('is a bijection of [0, n) for awkward sizes, the same for the same label and different for another', () => {
    for (const n of [1, 2, 3, 5, 17, 64, 1000, 4097]) {
      const order = new RowPermutation(n, `seed:0:${n}`);
      const seen = Array.from({ length: n }, (_, i) => order.at(i)).sort((a, b) => a - b);
      assert.deepEqual(seen, Array.from({ length: n }, (_, i) => i), `size ${n}`);
    }
    const a = Array.from({ length: 100 }, (_, i) => new RowPermutation(100, 'x').at(i));
    const b = Array.from({ length: 100 }, (_, i) => new RowPermutation(100, 'x').at(i));
    const c = Array.from({ length: 100 }, (_, i) => new RowPermutation(100, 'y').at(i));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.notDeepEqual(a, Array.from({ length: 100 }, (_, i) => i), 'not the identity');
  });
  it('maps any position of a huge domain in O(1)', () => {
    const order = new RowPermutation(1_500_000_000_000, 'fox-1');
    const x = order.at(1_234_567_890_123);
    assert.ok(Number.isSafeInteger(x) && x >= 0 && x < 1_500_000_000_000);
  });
});

describe('Feeder', () => {
  let run: string;
  let curriculum: OpenedCurriculum;
  before(async () => {
    run = await writeSyntheticCurriculum(join(scratch, 'two-stage'), [
      // 40 rows of 16: docs of 5, 7 and 3 tokens, one pad token; 2.5 batches of 8 rows -> 3 batches, the last from pass 2.
      { name: 'short', seqLen: 16, rows: 20, segments: () => [5, 7, 3] },
      { name: 'long', seqLen: 32, rows: 12, shards: 3, batchRows: 5 },
    ], { tokenizer: POSITION_TOKENIZER });
    curriculum = await openCurriculum(run);
  });

  it('builds labels that never cross a document, position ids that restart per document, padding as its own segment', () => {
    const plan = planFeed(curriculum, { batchTokens: 64 });
    const first = batches(parseFeed(feedBytes(new Feeder(curriculum, plan))).frames)[0]!;
    assert.equal(first.rows, 4);
    assert.equal(first.seqLen, 16);
    for (let q = 0; q < first.rows; q++) {
      const ids = first.inputIds.subarray(q * 16, q * 16 + 16);
      const labels = Array.from(first.labels.subarray(q * 16, q * 16 + 16));
      const positions = Array.from(first.positionIds.subarray(q * 16, q * 16 + 16));
      const next = (t: number): number => ids[t + 1]!;
      assert.deepEqual(labels, [next(0), next(1), next(2), next(3), IGNORE_LABEL, next(5), next(6), next(7), next(8), next(9), next(10), IGNORE_LABEL, next(12), next(13), IGNORE_LABEL, IGNORE_LABEL]);
      assert.deepEqual(positions, [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 0]);
      assert.equal(first.rowSegments[q], 4);
    }
    assert.deepEqual(Array.from(first.segmentLengths.subarray(0, 4)), [5, 7, 3, 1]);
  });

  it('gives the same global batches for W = 1, 2 and 4: rank r holds rows r, r+W, ...', () => {
    const plan = planFeed(curriculum, { batchTokens: 128 });
    const whole = batches(parseFeed(feedBytes(new Feeder(curriculum, plan))).frames);
    for (const world of [2, 4]) {
      const ranks = Array.from({ length: world }, (_, rank) => batches(parseFeed(feedBytes(new Feeder(curriculum, plan, { rank, world }))).frames));
      for (const [i, batch] of whole.entries()) {
        const rows = rowsOf(batch);
        for (let rank = 0; rank < world; rank++) {
          const mine = ranks[rank]![i]!;
          assert.equal(mine.step, batch.step);
          assert.deepEqual(rowsOf(mine), rows.filter((_, j) => j % world === rank), `step ${i} rank ${rank}/${world}`);
          assert.equal(mine.rows * mine.seqLen * world, plan.batchTokens, 'tokens per step are constant');
        }
      }
    }
  });

  it('shows every content token exactly once per pass, and ends each stage at its budget', () => {
    const plan = planFeed(curriculum, { batchTokens: 64 });
    const frames = parseFeed(feedBytes(new Feeder(curriculum, plan))).frames;
    for (const stage of plan.stages) {
      const mine = batches(frames).filter((f) => f.stage === stage.index);
      assert.equal(mine.length, Math.ceil(stage.budgetTokens / plan.batchTokens), `stage ${stage.name} batches`);
      assert.ok(mine.every((f) => f.rows * f.seqLen === plan.batchTokens), 'every step has the batch tokens');
      assert.deepEqual(mine.map((f) => f.tokensAfter), mine.map((_, i) => (i + 1) * plan.batchTokens));
      // The stage-end frame comes right after the stage's last batch.
      const last = frames.indexOf(mine.at(-1)!);
      assert.equal(frames[last + 1]!.kind, FrameKind.StageEnd);
      assert.equal(frames[last + 1]!.stage, stage.index);
      // The first pass (stage.rows rows) holds each content token once.
      const firstPass = mine.flatMap(rowsOf).slice(0, stage.rows);
      const seen = firstPass.flat().sort((a, b) => a - b);
      assert.deepEqual(seen, Array.from({ length: stage.rows * stage.seqLen }, (_, i) => i), `stage ${stage.name} pass 1`);
      // Rows beyond the pass come from the next pass's own order, still distinct rows.
      const rest = mine.flatMap(rowsOf).slice(stage.rows).map((r) => r[0]);
      assert.equal(new Set(rest).size, rest.length);
    }
    assert.equal(frames.at(-1)!.kind, FrameKind.End);
  });

  it('resumes from (stage, tokens) in O(1) with exactly the batches an uninterrupted stream has', () => {
    const plan = planFeed(curriculum, { batchTokens: 64 });
    const whole = parseFeed(feedBytes(new Feeder(curriculum, plan))).frames;
    for (const start of [{ stage: 0, tokens: 128 }, { stage: 1, tokens: 64 }, { stage: 0, tokens: 192 }]) {
      const resumed = parseFeed(feedBytes(new Feeder(curriculum, plan, { start: { fingerprint: plan.fingerprint, ...start } })));
      const firstBatch = batches(resumed.frames)[0]!;
      const from = whole.findIndex((f) => f.kind === FrameKind.Batch && f.step === firstBatch.step);
      assert.ok(from > 0);
      assert.deepEqual(resumed.frames.map((f) => f.bytes.toString('hex')), whole.slice(from).map((f) => f.bytes.toString('hex')), JSON.stringify(start));
    }
  });

  it('refuses to resume on other data unless allowed, and ties the fingerprint to curriculum, seed and batch size', () => {
    const plan = planFeed(curriculum, { batchTokens: 64 });
    assert.notEqual(planFeed(curriculum, { batchTokens: 128 }).fingerprint, plan.fingerprint);
    assert.notEqual(planFeed(curriculum, { batchTokens: 64, seed: 99 }).fingerprint, plan.fingerprint);
    const start = { fingerprint: 'f'.repeat(64), stage: 0, tokens: 64 };
    assert.throws(() => new Feeder(curriculum, plan, { start }), /other data.*--allow-data-change/);
    assert.doesNotThrow(() => new Feeder(curriculum, plan, { start, allowDataChange: true }));
  });

  it('refuses a batch that is not whole rows of every stage, or that ranks cannot share', () => {
    assert.throws(() => planFeed(curriculum, { batchTokens: 48 }), /not a whole number of stage 'long' rows.*e\.g\. 32/);
    assert.throws(() => new Feeder(curriculum, planFeed(curriculum, { batchTokens: 64 }), { rank: 0, world: 4 }), /stage 'long' has 2 rows.*4 ranks/);
  });
});

describe('StageRows', () => {
  it('reads a stage of more shards than it keeps open, every row once per pass, with bounded descriptors', async () => {
    const run = await writeSyntheticCurriculum(join(scratch, 'many-shards'), [{ name: 'wide', seqLen: 8, rows: 150, shards: 75, batchRows: 1 }], { tokenizer: POSITION_TOKENIZER });
    const curriculum = await openCurriculum(run);
    const plan = planFeed(curriculum, { batchTokens: 80 });
    const openFiles = (): number => readdirSync('/proc/self/fd').length;
    const before = openFiles();
    let most = 0;
    const seen: number[] = [];
    for (const batch of new Feeder(curriculum, plan).stageBatches(plan.stages[0]!, 0, 0)) {
      most = Math.max(most, openFiles() - before);
      seen.push(...batch.inputIds);
    }
    assert.deepEqual(seen.sort((a, b) => a - b), Array.from({ length: 150 * 8 }, (_, i) => i));
    assert.ok(most <= 64, `at most 64 shards open at once (saw ${most})`);
    assert.equal(openFiles(), before, 'all closed at the end of the stage');
  });
});

describe('openCurriculum refuses bad manifests before anything is fed', () => {
  const fresh = async (name: string): Promise<string> => writeSyntheticCurriculum(join(scratch, name), [
    { name: 'a', seqLen: 16, rows: 8 }, { name: 'b', seqLen: 32, rows: 4 },
  ]);

  it('a shard whose bytes changed: its sha256, naming the shard', async () => {
    const run = await fresh('tampered');
    const shard = join(run, 'steps/00-curriculum/stage/pack-00001.stage1.arrow');
    flipByte(shard, 200);
    await assert.rejects(openCurriculum(run), (e: Error) => e.message.includes('pack-00001.stage1.arrow') && /sha256/.test(e.message));
  });

  it('a missing shard', async () => {
    const run = await fresh('missing');
    unlinkSync(join(run, 'steps/00-curriculum/stage/pack-00000.stage0.arrow'));
    await assert.rejects(openCurriculum(run), /stage-0-a\.json: shard '\.\.\/stage\/pack-00000\.stage0\.arrow' is missing/);
  });

  it('a shard path that leaves the run directory', async () => {
    const run = await fresh('escape');
    editStageManifest(run, 1, (m) => { m.shards[0].path = '../../../../../../etc/passwd'; });
    await assert.rejects(openCurriculum(run), /stage-1-b\.json: path '\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd' leaves/);
  });

  it('a tokenizer larger than the model embedding', async () => {
    const run = await fresh('vocab');
    await assert.rejects(openCurriculum(run, { modelVocab: 1000 }), /curriculum\.json: tokenizer 'synthetic' has 4096 ids, more than the model's embedding of 1000 rows/);
  });

  it('a stage manifest changed behind the curriculum, or one that breaks its schema', async () => {
    const run = await fresh('edited');
    const path = join(run, 'steps/00-curriculum/manifests/stage-0-a.json');
    const { readFileSync, writeFileSync } = await import('node:fs');
    writeFileSync(path, readFileSync(path, 'utf8').replace('"pad_id": 0', '"pad_id": 1'));
    await assert.rejects(openCurriculum(run), /stage-0-a\.json: has sha256 [0-9a-f]+, but .*curriculum\.json records/);
    editStageManifest(run, 0, (m) => { delete m.seq_len; });
    await assert.rejects(openCurriculum(run), /stage-0-a\.json.*seq_len/);
  });
});
