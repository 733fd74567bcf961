/**
 * The trainer's loader alone: how fast it turns stage shards into batches.
 *   npm run bench -- trainer           ~24M tokens (2K, 4K and 8K stages)
 *   npm run bench -- trainer --full    ~96M tokens
 * Measured two ways: in-process (frames built, nothing written) per CPU
 * second, and as `foxden train feed` writes them into a pipe that a reader
 * drains, by wall clock. The limit is 20x what one H100 consumes training
 * fox-1.6b (about 45k tokens/s, docs/benchmarks.md), so the GPU never waits
 * for data.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Feeder, openCurriculum, planFeed, readFrameHeader } from '../../packages/trainer/src/index.js';
import { writeSyntheticCurriculum } from '../../packages/trainer/test/synthetic-curriculum.js';
import { measure, type BenchEntry, type Benchmark } from './harness.js';

const H100_FOX1_TOKENS_PER_S = 45_000;
const LIMIT = 20 * H100_FOX1_TOKENS_PER_S;
const FEED_MAIN = resolve(fileURLToPath(import.meta.url), '../../../packages/trainer/dist/feed-main.js');
const TOKENIZER = { name: 'bench', vocab_size: 262_144, special_ids: { '<pad>': 0 }, sha256: '0'.repeat(64) };

/** Rows of 3 to 6 documents and a little padding, ids spread over a 256K vocabulary. */
async function writeStages(dir: string, scale: number): Promise<string> {
  const stage = (name: string, seqLen: number, rows: number) => ({
    name, seqLen, rows, shards: 4, batchRows: 256,
    token: (r: number, t: number) => ((r * 2654435761 + t * 40503) >>> 0) % TOKENIZER.vocab_size,
    segments: (r: number) => {
      const n = 3 + (r % 4);
      const each = Math.floor((seqLen - 7) / n);
      return Array.from({ length: n }, () => each);
    },
  });
  return writeSyntheticCurriculum(dir, [stage('2k', 2048, 1000 * scale), stage('4k', 4096, 500 * scale), stage('8k', 8192, 250 * scale)], { tokenizer: TOKENIZER });
}

async function inProcess(run: string): Promise<{ tokens: number; cpuSeconds: number; seconds: number; peakRss: number }> {
  const curriculum = await openCurriculum(run, { verifyShards: false });
  const plan = planFeed(curriculum, { batchTokens: 16_384 });
  const cpu = process.cpuUsage();
  const m = await measure(async () => {
    let tokens = 0;
    for (const frame of new Feeder(curriculum, plan).stream()) {
      if (frame.length !== 2) continue;
      const f = readFrameHeader(frame[0]!);
      tokens += f.rows * f.seqLen;
    }
    return tokens;
  });
  const used = process.cpuUsage(cpu);
  return { tokens: m.result, cpuSeconds: (used.user + used.system) / 1e6, seconds: m.seconds, peakRss: m.peakRss };
}

/** `foxden train feed` into a pipe, drained here: what the engine sees. */
async function throughPipe(run: string): Promise<{ bytes: number; seconds: number }> {
  const start = performance.now();
  const child = spawn(process.execPath, [FEED_MAIN, run, '--batch-tokens', '16384', '--no-verify'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let bytes = 0;
  child.stdout.on('data', (d: Buffer) => { bytes += d.length; });
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  if (code !== 0) throw new Error(`feed exited with ${code}`);
  return { bytes, seconds: (performance.now() - start) / 1000 };
}

const bench: Benchmark = async (ctx) => {
  const scales = ctx.full ? [1, 4, 16] : [1, 4];
  const rates: Record<string, number> = {};
  let last: { tokens: number; cpuSeconds: number; seconds: number; peakRss: number; pipe: { bytes: number; seconds: number } } | undefined;
  for (const scale of scales) {
    const run = await writeStages(join(ctx.scratchDir, `x${scale}`), scale);
    const measured = await inProcess(run);
    const pipe = await throughPipe(run);
    rates[`${measured.tokens} tokens`] = Math.round(measured.tokens / measured.cpuSeconds);
    ctx.log(`${measured.tokens} tokens: ${(measured.tokens / measured.cpuSeconds / 1e6).toFixed(2)}M tokens per CPU-second in process; ${(pipe.bytes / pipe.seconds / 1e6).toFixed(0)} MB/s through the pipe`);
    last = { ...measured, pipe };
  }
  const l = last!;
  const perCore = l.tokens / l.cpuSeconds;
  const pipeTokens = l.tokens / l.pipe.seconds;
  const common = { input_bytes: l.tokens * 4, documents: 0, cores: 1, peak_rss_bytes: l.peakRss, limit: { name: '20x H100 fox-1.6b consumption', value: LIMIT, unit: 'tokens/s' } };
  const entries: BenchEntry[] = [
    { name: 'trainer.loader.tokens-per-cpu-second', value: perCore, unit: 'tokens/s per core', seconds: l.seconds, ...common, ratio: perCore / LIMIT, notes: { batch_tokens: 16384, stages: '2K/4K/8K', by_input_size: rates } },
    { name: 'trainer.loader.through-pipe', value: pipeTokens, unit: 'tokens/s (wall)', seconds: l.pipe.seconds, ...common, ratio: pipeTokens / LIMIT, notes: { bytes_per_s: l.pipe.bytes / l.pipe.seconds, what: 'foxden train feed into a pipe drained by the bench process' } },
  ];
  return entries;
};

export default bench;
