/**
 * Curriculum planning at scale, and the whole step on the real corpus.
 *   node --import tsx test/bench/run.ts curriculum           30B simulated tokens
 *   node --import tsx test/bench/run.ts curriculum --full    3T simulated tokens
 * The simulated corpus draws document lengths (and quality scores) from the
 * real corpus tokenized with a real BPE tokenizer; planning sees only
 * (id, length, quality, source), as the scan phase does. Groups are
 * independent, so throughput per core scales with cores and machines.
 */
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { SeededRandom } from '@foxden/core';
import { resolveStepParams } from '@foxden/pipeline';
import { curriculumStep } from '../../packages/curriculum/src/curriculum-step.js';
import { curriculumConfig } from '../../packages/curriculum/src/config.js';
import { PACKERS, packStats } from '../../packages/curriculum/src/packing.js';
import { decide, planCurriculum } from '../../packages/curriculum/src/sampler.js';
import { SummaryBuilder, documentKey, type GroupSummary } from '../../packages/curriculum/src/supply.js';
import { runStep, tokenizedCorpus, writeTokenShards } from '../../packages/curriculum/test/fixtures.js';
import type { StageParams } from '../../packages/curriculum/src/params.js';
import { measure, type BenchEntry, type Benchmark } from './harness.js';

/** The stages of pipelines/fox1-pretrain.yaml. */
const STAGES: StageParams[] = [
  { name: '2k', seq_len: 2048, budget: { share: 0.4 }, select: { min_tokens: 1, max_tokens: 1024 }, packing: 'best-fit-fill' },
  { name: '4k', seq_len: 4096, budget: { share: 0.35 }, select: { min_tokens: 1025, max_tokens: 4096 }, packing: 'best-fit-fill' },
  { name: '8k', seq_len: 8192, budget: { share: 0.25 }, select: { min_tokens: 4097, max_tokens: null, min_quality: 0.5 }, packing: 'best-fit-fill', split: true, piece_tokens: 8192 },
];
const SOURCES = ['cc/2023-06', 'cc/2024-22', 'books', 'arxiv', 'stackexchange'];

const bench: Benchmark = async (ctx) => {
  const corpus = await tokenizedCorpus();
  const lens = Int32Array.from(corpus.docs.map((d) => d.tokens.length));
  const quals = Float64Array.from(corpus.docs.map((d) => d.quality));
  const meanLen = lens.reduce((a, b) => a + b, 0) / lens.length;
  const targetTokens = ctx.full ? 3e12 : 30e9;
  const totalDocs = Math.round(targetTokens / meanLen);
  const groupDocs = 1_000_000;
  const groups = Math.ceil(totalDocs / groupDocs);
  ctx.log(`real corpus: ${lens.length} docs, mean ${meanLen.toFixed(0)} tokens; simulating ${totalDocs} docs in ${groups} groups of ${groupDocs}`);
  const { params, stages, router } = curriculumConfig({ params: resolveStepParams(curriculumStep, { stages: STAGES, max_repeats: 2, mixture: {}, on_shortfall: 'warn' }) });
  const seed = 42;
  // The same simulated document i everywhere: length and quality drawn from the real corpus by a seeded hash.
  const docOf = (g: number, i: number, r: SeededRandom) => {
    const k = r.nextInt(lens.length);
    return { id: `g${g}-d${i}`, n: lens[k]!, q: quals[k]!, source: SOURCES[k % SOURCES.length]! };
  };
  const docsIn = (g: number) => Math.min(groupDocs, totalDocs - g * groupDocs);

  // Scan: what the scan phase does per document, minus Arrow decoding.
  const scan = await measure(async () => {
    const summaries: GroupSummary[] = [];
    for (let g = 0; g < groups; g++) {
      const r = new SeededRandom(seed, `sim/${g}`);
      const b = new SummaryBuilder(String(g).padStart(5, '0'), stages.length);
      for (let i = 0, n = docsIn(g); i < n; i++) {
        const d = docOf(g, i, r);
        const route = router.route(d.n, d.q, d.source);
        if ('reason' in route) b.reject(route.reason);
        else b.add(route.stage, route.group, route.usable, documentKey(d.id, seed));
      }
      summaries.push(b.toJSON());
    }
    return planCurriculum(stages, params, seed, summaries);
  });
  const plan = scan.result;
  const planned = plan.stages.reduce((n, s) => n + s.planned_tokens, 0);
  ctx.log(`planned ${planned.toExponential(3)} tokens; report: ${plan.report.map((r) => r.code).join(', ') || 'none'}`);

  // Pack planning on lengths for the first groups: decisions plus best-fit decreasing (tokens not copied).
  const packGroups = Math.min(groups, ctx.full ? 8 : 4);
  let packDocs = 0;
  let padding = 0;
  let rowsTokens = 0;
  // Per stage and policy, on the same simulated selections: what the shipped best-fit-fill gains over best-fit decreasing.
  const byPolicy: Record<string, Record<string, { padding_tokens: number; tokens: number; truncations: number; documents: number }>> = {};
  const compare = (policy: 'best-fit-decreasing' | 'best-fit-fill', stage: (typeof stages)[number], lengths: Int32Array): void => {
    const st = packStats(PACKERS[policy](lengths, { seqLen: stage.seq_len, pieceTokens: stage.piece_tokens, split: stage.split, minPiece: params.decomposition_min_piece }), stage.seq_len);
    const e = ((byPolicy[policy] ??= {})[stage.name] ??= { padding_tokens: 0, tokens: 0, truncations: 0, documents: 0 });
    e.padding_tokens += st.padding_tokens;
    e.tokens += st.sequences * stage.seq_len;
    e.truncations += st.items_split;
    e.documents += lengths.length;
  };
  /** The lengths each stage packs in group g: the sampler's decisions on the simulated documents. */
  const stageLengths = (g: number): Int32Array[] => {
    const r = new SeededRandom(seed, `sim/${g}`);
    const perStage: number[][] = stages.map(() => []);
    for (let i = 0, n = docsIn(g); i < n; i++) {
      const d = docOf(g, i, r);
      const route = router.route(d.n, d.q, d.source);
      packDocs++;
      if ('reason' in route) continue;
      const dec = decide(plan.stages[route.stage]!.groups[route.group]!, documentKey(d.id, seed), String(g).padStart(5, '0'));
      for (let c = 0; c < dec.copies + (dec.boundary ? 1 : 0); c++) perStage[route.stage]!.push(route.usable);
    }
    return perStage.map((l) => Int32Array.from(l));
  };
  const pack = await measure(async () => {
    for (let g = 0; g < packGroups; g++) {
      const perStage = stageLengths(g);
      stages.forEach((s, i) => {
        const packed = PACKERS[s.packing](perStage[i]!, { seqLen: s.seq_len, pieceTokens: s.piece_tokens, split: s.split, minPiece: params.decomposition_min_piece });
        const st = packStats(packed, s.seq_len);
        padding += st.padding_tokens;
        rowsTokens += st.sequences * s.seq_len;
      });
    }
  });
  const timedDocs = packDocs;
  // Outside the timed loop: both policies on the same groups.
  for (let g = 0; g < packGroups; g++) {
    const perStage = stageLengths(g);
    stages.forEach((s, i) => {
      compare('best-fit-decreasing', s, perStage[i]!);
      compare('best-fit-fill', s, perStage[i]!);
    });
  }
  const paddingByPolicy = Object.fromEntries(Object.entries(byPolicy).map(([policy, perStage]) => [policy, Object.fromEntries(Object.entries(perStage).map(([name, e]) => [name, {
    padding_fraction: e.tokens === 0 ? 0 : e.padding_tokens / e.tokens, documents_cut: e.truncations, documents: e.documents,
  }]))]));
  ctx.log(`padding by policy and stage (first ${packGroups} groups): ${JSON.stringify(paddingByPolicy)}`);

  // The whole step (scan, plan, pack with token copies, manifests) on the real token shards.
  const runDir = await mkdtemp(join(ctx.scratchDir, 'run-'));
  const history = [await writeTokenShards(runDir, corpus, 2)];
  const realTokens = corpus.docs.reduce((n, d) => n + d.tokens.length, 0);
  const step = await measure(() => runStep(curriculumStep, runDir, history, { stages: STAGES, max_repeats: 2, on_shortfall: 'warn' }));
  const phaseSeconds = (name: string) => step.result.stats[name]!.reduce((s, t) => s + t.seconds, 0);
  const stepSeconds = ['scan', 'plan', 'pack', 'manifest'].reduce((s, p) => s + phaseSeconds(p), 0);
  // Per-token work is scan + pack; plan and manifest are per-run constants (schema compile, a few files).
  const stepRate = realTokens / (phaseSeconds('scan') + phaseSeconds('pack'));
  const planRate = totalDocs / scan.seconds;
  const docs3T = 3e12 / meanLen;
  const coreHours = (docs3T / planRate + 3e12 / stepRate) / 3600;
  ctx.log(`step on real shards: ${realTokens} tokens in ${stepSeconds.toFixed(2)} s of task time (scan+pack ${(phaseSeconds('scan') + phaseSeconds('pack')).toFixed(3)} s); projected 3T: ${coreHours.toFixed(0)} core-hours`);

  const common = { cores: 1, input_bytes: 0 };
  const entries: BenchEntry[] = [
    {
      name: `curriculum.plan.${ctx.full ? '3T' : '30B'}`, value: planRate, unit: 'documents/s per core', documents: totalDocs, seconds: scan.seconds, peak_rss_bytes: scan.peakRss, ...common,
      notes: { simulated_tokens: targetTokens, groups, group_documents: groupDocs, mean_doc_tokens: meanLen, planned_tokens: planned, report: plan.report.map((r) => `${r.stage}:${r.code}`) },
    },
    {
      name: 'curriculum.pack-plan.bfd', value: timedDocs / pack.seconds, unit: 'documents/s per core', documents: timedDocs, seconds: pack.seconds, peak_rss_bytes: pack.peakRss, ...common,
      notes: { groups: packGroups, policy: 'the recipe stages\' (best-fit-fill; the entry kept its name)', padding_fraction: padding / rowsTokens, padding_by_policy: paddingByPolicy },
    },
    {
      name: 'curriculum.scan-pack.real-corpus', value: stepRate, unit: 'tokens/s per core', documents: corpus.docs.length, seconds: stepSeconds, peak_rss_bytes: step.peakRss, ...common,
      notes: { tokens: realTokens, phase_seconds: Object.fromEntries(['scan', 'plan', 'pack', 'manifest'].map((p) => [p, phaseSeconds(p)])), projected_core_hours_3T: coreHours },
    },
  ];
  return entries;
};

export default bench;
