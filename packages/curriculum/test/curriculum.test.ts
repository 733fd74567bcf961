// foxden-test-needs: shared-corpus
/**
 * End-to-end tests of the curriculum step on the real corpus: documents
 * tokenized with a real BPE tokenizer, real Arrow token shards, every phase
 * run as a runner would.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { FoxdenError, assertBalanced, sha256File } from '@foxden/core';
import { ShardReader } from '@foxden/shards';
import { curriculumStep } from '../src/curriculum-step.js';
import { validateCurriculumManifest, validateStageManifest, type CurriculumManifest, type StageManifest } from '../src/manifest.js';
import { runStep, tokenizedCorpus, writeTokenShards, type TokenizedCorpus } from './fixtures.js';

const STAGES = (packing: string) => [
  { name: '2k', seq_len: 2048, budget: { share: 0.5 }, packing },
  { name: '4k', seq_len: 4096, budget: { share: 0.2 }, packing },
  { name: '8k', seq_len: 8192, budget: { share: 0.3 }, select: { min_quality: 0.6 }, packing },
];

const tempRun = () => mkdtemp(join(tmpdir(), 'foxden-curriculum-'));

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

interface Loaded {
  curriculum: CurriculumManifest;
  stages: StageManifest[];
  /** Per stage: segments (doc, offset, length) and the ids of every sequence. */
  rows: { tokens: Uint32Array; lengths: Int32Array; offsets: Int32Array; ids: string[]; padding: number }[][];
}

/** Loads everything through the manifests only, as a trainer would, checking every shard's sha256. */
async function loadCurriculum(runDir: string): Promise<Loaded> {
  const curriculum = await readJson<CurriculumManifest>(join(runDir, 'curriculum.json'));
  validateCurriculumManifest(curriculum);
  const stages: StageManifest[] = [];
  const rows: Loaded['rows'] = [];
  for (const s of curriculum.stages) {
    const mpath = join(runDir, s.manifest);
    assert.equal(await sha256File(mpath), s.sha256);
    const m = await readJson<StageManifest>(mpath);
    validateStageManifest(m);
    stages.push(m);
    const stageRows: Loaded['rows'][number] = [];
    for (const shard of m.shards) {
      const file = join(dirname(mpath), shard.path);
      const reader = await ShardReader.open(file, { sha256: shard.sha256 });
      assert.equal(reader.metadata['foxden.stage.seq_len'], String(m.seq_len));
      assert.equal(reader.metadata['foxden.stage.name'], m.name);
      assert.equal(reader.metadata['foxden.tokenizer.sha256'], m.tokenizer.sha256);
      let n = 0;
      for await (const batch of reader.rowBatches()) {
        for (const r of batch) {
          stageRows.push({
            tokens: r['tokens'] as Uint32Array, lengths: r['segment_lengths'] as Int32Array, offsets: r['segment_offsets'] as Int32Array,
            ids: Array.from(r['segment_doc_ids'] as string[]), padding: r['padding'] as number,
          });
          n++;
        }
      }
      await reader.close();
      assert.equal(n, shard.sequences);
    }
    rows.push(stageRows);
  }
  return { curriculum, stages, rows };
}

/** Every (doc, offset) in the stage shards, counted, must equal what the selection shards asked for; token values must match the input. */
async function checkTokensAccountedFor(runDir: string, stepDir: string, corpus: TokenizedCorpus, loaded: Loaded): Promise<void> {
  const byId = new Map(corpus.docs.map((d) => [d.id, d]));
  const expected = new Map<string, Int32Array>();
  const selectionDir = join(runDir, stepDir, 'selection');
  for (const f of (await readdir(selectionDir)).filter((x) => x.endsWith('.arrow')).sort()) {
    const reader = await ShardReader.open(join(selectionDir, f));
    for await (const batch of reader.rowBatches()) {
      for (const r of batch) {
        const id = r['id'] as string;
        const cover = new Int32Array(byId.get(id)!.tokens.length);
        const usable = r['usable_tokens'] as number;
        const copies = r['copies'] as number;
        const extra = r['extra_tokens'] as number;
        for (let o = 0; o < usable; o++) cover[o]! += copies;
        for (let o = 0; o < extra; o++) cover[o]! += 1;
        assert.equal(r['tokens_used'], copies * usable + extra);
        assert.ok(!expected.has(id), `document ${id} selected twice`);
        expected.set(id, cover);
      }
    }
    await reader.close();
  }
  const seen = new Map<string, Int32Array>();
  loaded.rows.forEach((stageRows, si) => {
    const seqLen = loaded.stages[si]!.seq_len;
    for (const row of stageRows) {
      assert.equal(row.tokens.length, seqLen);
      let fill = 0;
      row.ids.forEach((id, j) => {
        const doc = byId.get(id);
        assert.ok(doc, `unknown doc id ${id}`);
        const off = row.offsets[j]!;
        const len = row.lengths[j]!;
        assert.deepEqual(row.tokens.subarray(fill, fill + len), doc.tokens.subarray(off, off + len), `tokens of ${id}@${off} differ from the input`);
        let cover = seen.get(id);
        if (!cover) seen.set(id, (cover = new Int32Array(doc.tokens.length)));
        for (let o = off; o < off + len; o++) cover[o]! += 1;
        fill += len;
      });
      assert.equal(seqLen - fill, row.padding);
    }
  });
  assert.equal(seen.size, expected.size);
  for (const [id, cover] of expected) assert.deepEqual(seen.get(id), cover, `token coverage of ${id} differs from the plan`);
}

test('three stages on the real corpus: budgets, accounting, every token accounted for', async () => {
  const corpus = await tokenizedCorpus();
  const runDir = await tempRun();
  const history = [await writeTokenShards(runDir, corpus, 3)];
  const run = await runStep(curriculumStep, runDir, history, { stages: STAGES('best-fit-decreasing'), max_repeats: 3, mixture: {}, on_shortfall: 'warn' });
  assertBalanced(run.summary);
  assert.equal(run.summary.documents_in, corpus.docs.length);
  const loaded = await loadCurriculum(runDir);
  assert.equal(loaded.stages.length, 3);
  assert.deepEqual(loaded.stages.map((s) => s.seq_len), [2048, 4096, 8192]);
  assert.ok(loaded.stages.some((m) => m.budget.met) && loaded.stages.some((m) => !m.budget.met), 'this recipe should meet some budgets and miss one');
  for (const m of loaded.stages) {
    assert.equal(m.totals.content_tokens, m.budget.planned_tokens);
    if (m.budget.met) {
      assert.ok(Math.abs(m.totals.content_tokens - m.budget.target_tokens) <= 0.001 * m.budget.target_tokens, `stage ${m.name}: ${m.totals.content_tokens} vs budget ${m.budget.target_tokens}`);
    } else {
      // A budget the data cannot meet is reported, with the numbers, not silently under-filled.
      const entry = m.report.find((r) => r.code === 'budget-shortfall' || r.code === 'stage-empty');
      assert.ok(entry, `stage ${m.name} is short but has no report entry`);
      assert.equal(entry.available_tokens, m.budget.planned_tokens);
    }
    for (const s of m.shards) assert.ok(!s.path.startsWith('/'));
  }
  // The 8K stage takes only documents scoring >= 0.6; lower-scoring long documents are dropped with that reason.
  const low = corpus.docs.filter((d) => d.tokens.length > 4096 && d.quality < 0.6).length;
  assert.equal(run.summary.dropped['not-selected:low-quality'] ?? 0, low);
  assert.ok(run.summary.counters['repeats']! > 0, 'max_repeats 3 should repeat short documents to meet the 2K budget');
  await checkTokensAccountedFor(runDir, run.stepDir, corpus, loaded);
  // Every drop is written with its reason.
  let dropRows = 0;
  for (const f of (await readdir(join(runDir, run.stepDir, 'drops'))).filter((x) => x.endsWith('.arrow'))) {
    const r = await ShardReader.open(join(runDir, run.stepDir, 'drops', f));
    dropRows += await r.countRows();
    await r.close();
  }
  assert.equal(dropRows, Object.values(run.summary.dropped).reduce((a, b) => a + b, 0));
});

test('an unreachable budget fails the run at the plan phase, before any stage shard; with on_shortfall: warn it is a warning in the summary and the manifests', async () => {
  const corpus = await tokenizedCorpus();
  const total = corpus.docs.reduce((n, d) => n + d.tokens.length, 0);
  const stages = [
    { name: 'short', seq_len: 2048, budget: { tokens: total * 4 } },
    { name: 'long', seq_len: 8192, budget: { share: 0.2 } },
  ];
  const failDir = await tempRun();
  const h1 = [await writeTokenShards(failDir, corpus, 2)];
  await assert.rejects(runStep(curriculumStep, failDir, h1, { stages, max_repeats: 2 }), (e: unknown) => {
    assert.ok(e instanceof FoxdenError);
    assert.equal(e.code, 'BAD_CONFIG');
    // Names the stage, what was asked, what the data holds and what to change.
    assert.match(e.message, new RegExp(`stage 'short': budget ${total * 4} tokens cannot be met: its selection has \\d+ tokens in \\d+ documents, at most 2 uses each = \\d+ tokens .*raise max_repeats, widen the selection, lower the budget, or accept the shortfall with on_shortfall: warn`));
    assert.match(e.message, /no stage shard was written/);
    return true;
  });
  await assert.rejects(readdir(join(failDir, 'steps/01-curriculum/stage')), { code: 'ENOENT' });

  const runDir = await tempRun();
  const history = [await writeTokenShards(runDir, corpus, 2)];
  const run = await runStep(curriculumStep, runDir, history, { stages, max_repeats: 2, on_shortfall: 'warn' });
  const cm = await readJson<CurriculumManifest>(join(runDir, 'curriculum.json'));
  const entry = cm.report.find((r) => r.stage === 'short' && r.code === 'budget-shortfall');
  assert.ok(entry);
  assert.equal(entry.severity, 'warning');
  assert.match(entry.message, /cannot be met/);
  assert.equal(cm.stages[0]!.budget_met, false);
  assert.equal(cm.stages[1]!.budget_met, true);
  const stage = await readJson<StageManifest>(join(runDir, cm.stages[0]!.manifest));
  assert.equal(stage.report.find((r) => r.code === 'budget-shortfall')?.severity, 'warning');
  assert.equal(run.stats['plan']![0]!.counters['stages_short'], 1);
  assert.deepEqual(run.stats['plan']![0]!.warnings, [entry.message], 'the plan task carries the warning into the run summary');
});

test('same inputs and seed give byte-identical stage shards and manifests; another seed differs', async () => {
  const corpus = await tokenizedCorpus();
  const files = async (seed: number) => {
    const runDir = await tempRun();
    const history = [await writeTokenShards(runDir, corpus, 2)];
    await runStep(curriculumStep, runDir, history, { stages: STAGES('best-fit-decreasing'), max_repeats: 2, on_shortfall: 'warn' }, seed);
    const out: Record<string, string> = { 'curriculum.json': await sha256File(join(runDir, 'curriculum.json')) };
    for (const sub of ['stage', 'manifests', 'selection', 'drops']) {
      for (const f of (await readdir(join(runDir, 'steps/01-curriculum', sub))).sort()) out[`${sub}/${f}`] = await sha256File(join(runDir, 'steps/01-curriculum', sub, f));
    }
    return out;
  };
  const a = await files(7);
  const b = await files(7);
  assert.ok(Object.keys(a).some((k) => k.startsWith('stage/')));
  assert.deepEqual(a, b);
  const c = await files(8);
  assert.notDeepEqual(a['stage/pack-00000.stage0.arrow'], c['stage/pack-00000.stage0.arrow']);
});

test('best-fit fill through the whole step: disjoint length ranges, every token exactly as the plan says, the middle stage within 1% padding', async () => {
  const corpus = await tokenizedCorpus();
  const runDir = await tempRun();
  const history = [await writeTokenShards(runDir, corpus, 1)];
  // The 4K stage takes only documents longer than half its rows: best-fit alone cannot pair any two.
  const stages = [
    { name: 'short', seq_len: 2048, budget: { share: 0.3 }, select: { max_tokens: 2048 }, packing: 'best-fit-fill' },
    { name: 'middle', seq_len: 4096, budget: { share: 0.4 }, select: { min_tokens: 2049, max_tokens: 4096 }, packing: 'best-fit-fill' },
    { name: 'long', seq_len: 8192, budget: { share: 0.3 }, select: { min_tokens: 4097 }, packing: 'best-fit-fill', split: true },
  ];
  const run = await runStep(curriculumStep, runDir, history, { stages, max_repeats: 3, mixture: {}, group_shards: 1 });
  assertBalanced(run.summary);
  const loaded = await loadCurriculum(runDir);
  await checkTokensAccountedFor(runDir, run.stepDir, corpus, loaded);
  const middle = loaded.stages[1]!;
  assert.ok(middle.totals.sequences >= 20, `enough rows to judge (${middle.totals.sequences})`);
  // At most the stage's one short last row beyond the 0.5% the fill keeps.
  assert.ok(middle.totals.padding_tokens <= 0.005 * middle.totals.content_tokens + middle.seq_len, `middle stage padding ${middle.totals.padding_fraction}`);
  assert.ok(middle.totals.truncations > 0, 'the fill cuts documents, and says how many');
});

test('best-fit decreasing over the real corpus at 2K wastes at most 1% on padding; the baselines report theirs', async () => {
  const corpus = await tokenizedCorpus();
  const figures: Record<string, StageManifest['totals']> = {};
  for (const packing of ['best-fit-fill', 'best-fit-decreasing', 'decomposition', 'concat-chunk']) {
    const runDir = await tempRun();
    const history = [await writeTokenShards(runDir, corpus, 1)];
    // One stage that takes every document, long ones cut into 2048-token pieces: the setting of Ding et al.
    await runStep(curriculumStep, runDir, history, { stages: [{ name: 'all', seq_len: 2048, packing, split: true, budget: { share: 1 } }], decomposition_min_piece: 64 });
    const loaded = await loadCurriculum(runDir);
    const m = loaded.stages[0]!;
    figures[packing] = m.totals;
    if (packing === 'decomposition') {
      for (const row of loaded.rows[0]!) {
        // Each segment a power of two, all segments of a row the same length.
        for (const len of row.lengths) assert.equal(len & (len - 1), 0);
        assert.ok(row.lengths.every((l) => l === row.lengths[0]));
      }
    }
  }
  const bfd = figures['best-fit-decreasing']!;
  assert.ok(bfd.padding_fraction <= 0.01, `BFD padding ${bfd.padding_fraction}`);
  // BFD only cuts documents longer than seq_len; concatenation cuts far more.
  assert.ok(bfd.truncations < figures['concat-chunk']!.truncations);
  const long = corpus.docs.filter((d) => d.tokens.length > 2048).length;
  assert.equal(bfd.truncations, long);
  assert.ok(figures['decomposition']!.discarded_tokens > 0);
  console.log(JSON.stringify(Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, { padding_fraction: v.padding_fraction, truncations: v.truncations, sequences: v.sequences, content_tokens: v.content_tokens, discarded_tokens: v.discarded_tokens }]))));
});

test('token shards from two tokenizers fail before any work', async () => {
  const corpus = await tokenizedCorpus();
  const runDir = await tempRun();
  const other = { ...corpus.identity, name: 'other-bpe', sha256: 'f'.repeat(64) };
  const history = [await writeTokenShards(runDir, corpus, 2, { identities: [corpus.identity, other] })];
  await assert.rejects(runStep(curriculumStep, runDir, history, { stages: STAGES('best-fit-decreasing') }), (e: unknown) => {
    assert.ok(e instanceof FoxdenError);
    assert.equal(e.code, 'BAD_INPUT');
    assert.match(e.message, /two different tokenizers/);
    assert.match(e.message, /other-bpe/);
    return true;
  });
  await assert.rejects(readdir(join(runDir, 'steps/01-curriculum')), { code: 'ENOENT' });
});

test('bad recipes fail at validate: overlapping ranges, a piece longer than seq_len', async () => {
  const corpus = await tokenizedCorpus();
  const runDir = await tempRun();
  const history = [await writeTokenShards(runDir, corpus, 1)];
  const cases: [unknown[], RegExp][] = [
    [[{ name: 'a', seq_len: 2048, select: { min_tokens: 1, max_tokens: 3000 }, split: true }, { name: 'b', seq_len: 4096, select: { min_tokens: 2049 } }], /overlap/],
    [[{ name: 'a', seq_len: 2048 }, { name: 'b', seq_len: 4096, piece_tokens: 8192 }], /piece_tokens 8192 is larger than seq_len 4096/],
    [[{ name: 'a', seq_len: 2048, select: { max_tokens: 4096 } }, { name: 'b', seq_len: 8192, select: { min_tokens: 4097 } }], /seq_len 2048 is smaller than the documents it selects/],
    [[{ name: 'a', seq_len: 3000, packing: 'decomposition' }], /power-of-two seq_len/],
  ];
  for (const [stages, message] of cases) {
    await assert.rejects(runStep(curriculumStep, runDir, history, { stages }), (e: unknown) => {
      assert.ok(e instanceof FoxdenError, String(e));
      assert.equal(e.code, 'BAD_CONFIG');
      assert.match(e.message, message);
      return true;
    });
  }
  await assert.rejects(readdir(join(runDir, 'steps/01-curriculum')), { code: 'ENOENT' });
});
