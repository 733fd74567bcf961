/**
 * Runs the buckets and clusters phases of minhash-dedup over a synthetic signature set and
 * prints one JSON line: time per phase and this process's peak RSS (getrusage maxRSS), so that
 * the memory of exactly these phases is measured. Used by the 1M test and the 20M benchmark:
 *   node --import tsx packages/dedup/test/lsh-scale.ts <runDir> <documents> <shards> [mergeBufferBytes|0] [generate|buckets|clusters]
 * (no last argument: buckets then clusters in this process).
 * The synthetic set must have been written to <runDir> first (writeSyntheticSignatures).
 */
import { completeTask } from '@foxden/core';
import { minhashDedupStep } from '../src/minhash-step.js';
import { resolveStepParams } from '@foxden/pipeline';
import { writeSyntheticSignatures } from './synthetic.js';

const [runDir, docsArg, shardsArg, bufferArg, generate] = process.argv.slice(2);
const documents = Number(docsArg);
const shards = Number(shardsArg);
const options = { documents, shards, bands: 14, duplicates: 0.1 };
const started = performance.now();
let history;
let stepDir;
if (generate === 'generate') {
  ({ history, stepDir } = await writeSyntheticSignatures(runDir!, options));
  console.log(JSON.stringify({ generated: documents, seconds: (performance.now() - started) / 1000 }));
  process.exit(0);
} else {
  history = [{ step: 'ingest', type: 'synthetic', columns: [], shards: Array.from({ length: shards }, (_, s) => ({ path: `steps/00-ingest/documents/ingest-${String(s).padStart(5, '0')}.arrow`, kind: 'documents', rows: 0, bytes: 0, sha256: '' })) }];
  stepDir = 'steps/01-dedup';
}
const params = resolveStepParams(minhashDedupStep, bufferArg && bufferArg !== '0' ? { merge_buffer_bytes: Number(bufferArg) } : {});
const base = {
  runDir: runDir!, stepIndex: 1, stepName: 'dedup', stepType: 'minhash-dedup', stepDir, phase: '', params, seed: 1,
  inputs: [], inputRoot: runDir!, pipelineDir: runDir!, history, inputColumns: [], phaseOutputs: [],
};
const result: Record<string, unknown> = { documents, shards };
const counters: Record<string, number> = {};
for (const phase of minhashDedupStep.phases.filter((p) => (generate ? [generate] : ['buckets', 'clusters']).includes(p.name))) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const ctx = { ...base, phase: phase.name };
  for (const task of await phase.plan(ctx)) {
    const stats = await phase.run(task, { ...ctx, signal: new AbortController().signal, progress: () => undefined, log: () => undefined });
    for (const [k, v] of Object.entries(stats.counters)) counters[k] = (counters[k] ?? 0) + v;
    await completeTask(runDir!, stepDir, phase.name, task.id, stats);
  }
  result[`${phase.name}_seconds`] = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  result[`${phase.name}_cpu_seconds`] = (cpu.user + cpu.system) / 1e6;
}
result['counters'] = counters;
result['peak_rss_bytes'] = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify(result));
