/**
 * Ingest throughput: MB/s of archive input per core through the whole ingest
 * step (read, HTTP decode, charset, HTML main-text extraction, NFC, language
 * id, Arrow writing, accounting), next to the limit measured in the same run:
 * raw decompress-and-read of the same files. Also the reader alone, the cost
 * split by stage, scaling with input size (1x and 4x) and with workers (1, 2).
 */
import { createReadStream } from 'node:fs';
import { mkdir, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { StepRegistry, loadPipeline, runPipeline } from '@foxden/pipeline';
import { WorkerPool } from '@foxden/runner-local';
import { availableCores, measure, type BenchContext, type BenchEntry } from './harness.js';
import { readSource } from '../../packages/ingest/src/readers/index.js';
import { decodeBody, extractMainText, normalizeText } from '../../packages/ingest/src/extract/index.js';
import { LanguageIdentifier } from '../../packages/ingest/src/langid/index.js';

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name);
    if ((await stat(path)).isDirectory()) out.push(...(await listFiles(path)));
    else if (!/LICENSE|README/.test(name)) out.push(path);
  }
  return out;
}

/** The limit: decompress and read every byte, doing nothing with it. */
async function rawRead(files: string[]): Promise<number> {
  let bytes = 0;
  for (const f of files) {
    const count = new Writable({ write(chunk: Buffer, _e, cb) { bytes += chunk.length; cb(); } });
    if (f.endsWith('.gz')) await pipeline(createReadStream(f), createGunzip().on('error', () => undefined), count).catch(() => undefined);
    else await pipeline(createReadStream(f), count);
  }
  return bytes;
}

async function runIngest(ctx: BenchContext, name: string, inputs: string[], workers: number) {
  const dir = join(ctx.scratchDir, name);
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'p.yaml');
  await writeFile(file, `name: bench\ninputs: ${JSON.stringify(inputs)}\noutput: run\nsteps:\n  - {name: ingest, type: ingest}\n`);
  const registry = await StepRegistry.load([import.meta.resolve('@foxden/ingest/step')]);
  const p = await loadPipeline(file, { registry });
  const pool = new WorkerPool({ workers });
  try {
    const m = await measure(() => runPipeline(p, registry, { executor: pool }));
    return { ...m, bytes: p.inputs.reduce((n, i) => n + i.bytes, 0) };
  } finally {
    await pool.close();
  }
}

export default async function ingestBenchmark(ctx: BenchContext): Promise<BenchEntry[]> {
  const files = [...(await listFiles(join(ctx.corpusDir, 'warc'))), ...(await listFiles(join(ctx.corpusDir, 'jsonl')))];
  const archiveBytes = (await Promise.all(files.map((f) => stat(f)))).reduce((n, s) => n + s.size, 0);
  const cores = availableCores();

  // Limit: raw decompress-and-read (best of 3, warm cache).
  let rawSeconds = Infinity;
  let decompressed = 0;
  for (let i = 0; i < 3; i++) {
    const m = await measure(() => rawRead(files));
    rawSeconds = Math.min(rawSeconds, m.seconds);
    decompressed = m.result;
  }
  const rawRate = archiveBytes / 1e6 / rawSeconds;

  // The reader alone, and the cost of each later stage, single-threaded.
  // As the ingest step does: the native fastText binary, in batches (sync: false skips the wasm runtime).
  const lid2k = await LanguageIdentifier.create({ maxChars: 2000, sync: false });
  const lid10k = await LanguageIdentifier.create({ maxChars: 10000, sync: false });
  const t = { read: 0, decode: 0, extract: 0, normalize: 0, langid: 0, langid10k: 0 };
  let docs = 0;
  let agree = 0;
  for (const f of files) {
    const texts: string[] = [];
    let t0 = performance.now();
    for await (const r of readSource(f)) {
      t.read += performance.now() - t0;
      if (r.kind === 'document') {
        docs++;
        let text = r.text;
        if (text === undefined && r.body) {
          let s = performance.now();
          const d = decodeBody(r.body, r.declaredCharset);
          t.decode += performance.now() - s;
          s = performance.now();
          text = r.mediaType === 'text/plain' ? d.text : extractMainText(d.text, { url: r.url }).text;
          t.extract += performance.now() - s;
        }
        const s = performance.now();
        texts.push(normalizeText(text ?? ''));
        t.normalize += performance.now() - s;
      }
      t0 = performance.now();
    }
    let s = performance.now();
    const a = await lid2k.identifyBatch(texts);
    t.langid += performance.now() - s;
    s = performance.now();
    const b = await lid10k.identifyBatch(texts);
    t.langid10k += performance.now() - s;
    a.forEach((guess, i) => {
      if (guess.lang === b[i]!.lang) agree++;
    });
  }
  await lid2k.close();
  await lid10k.close();
  const readerRate = archiveBytes / 1e6 / (t.read / 1000);

  // The whole step through the local runner: 1 worker, 2 workers, and 4x the input.
  const one = await runIngest(ctx, 'w1', files, 1);
  const two = await runIngest(ctx, 'w2', files, Math.min(2, cores));
  const copies = join(ctx.scratchDir, 'x4');
  for (let c = 0; c < 4; c++) {
    await mkdir(join(copies, `copy${c}`), { recursive: true });
    for (const [i, f] of files.entries()) await symlink(f, join(copies, `copy${c}`, `${i}-${f.split('/').pop()}`));
  }
  const four = await runIngest(ctx, 'x4run', [copies], 1);
  const perCore = (m: { bytes: number; seconds: number }, workers: number) => m.bytes / 1e6 / m.seconds / workers;
  const summary = one.result.steps[0]!;
  const stageMs = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(v)]));
  return [
    {
      name: 'ingest.step.throughput_per_core', value: perCore(one, 1), unit: 'MB/s of archive input per core',
      input_bytes: one.bytes, documents: summary.documents_out, seconds: one.seconds, cores: 1, peak_rss_bytes: one.peakRss,
      limit: { name: 'raw decompress-and-read of the same files', value: rawRate, unit: 'MB/s' }, ratio: perCore(one, 1) / rawRate,
      notes: {
        records_in: summary.documents_in, decompressed_bytes: decompressed,
        single_thread_stage_ms: stageMs,
        langid_2k_vs_10k_agreement: agree / docs,
        scaling_4x_input_mb_per_s_per_core: perCore(four, 1), scaling_4x_peak_rss_bytes: four.peakRss,
      },
    },
    {
      name: 'ingest.step.throughput_2_workers', value: perCore(two, Math.min(2, cores)), unit: 'MB/s of archive input per core',
      input_bytes: two.bytes, documents: two.result.steps[0]!.documents_out, seconds: two.seconds, cores: Math.min(2, cores), peak_rss_bytes: two.peakRss,
      limit: { name: 'ingest with 1 worker, per core', value: perCore(one, 1), unit: 'MB/s' }, ratio: perCore(two, Math.min(2, cores)) / perCore(one, 1),
    },
    {
      name: 'ingest.reader_only', value: readerRate, unit: 'MB/s of archive input (1 core)',
      input_bytes: archiveBytes, documents: docs, seconds: t.read / 1000, cores: 1, peak_rss_bytes: process.memoryUsage.rss(),
      limit: { name: 'raw decompress-and-read of the same files', value: rawRate, unit: 'MB/s' }, ratio: readerRate / rawRate,
    },
  ];
}
