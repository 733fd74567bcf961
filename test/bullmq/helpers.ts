/**
 * Shared fixture and process helpers for the BullMQ runner tests (issue #7).
 *
 * The fixture is a scaled-down demo corpus (buildDemoCorpus at scale 0.2, WARC
 * files split at 1 MiB so map steps have 5 tasks), a BPE tokenizer and a
 * fastText quality classifier trained on it by the real `foxden` commands,
 * and the demo pipeline pointed at them. It and the local runner's reference
 * runs are cached with the e2e fixtures (test/e2e/fixtures.ts: cachedDir,
 * keyed by the code that makes them), so test files share one build and a
 * code change gives a new one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { tableFromIPC } from '@foxden/shards/arrow';
import { Redis } from 'ioredis';
import { parse, stringify } from 'yaml';
import { listStepDirs, readStepMarkers } from '@foxden/core';
import { CLI, REPO_ROOT, cachedDir, codeHash, hashOf } from '../e2e/fixtures.js';

/** The Redis every test machine runs (.ci/run starts it when it does not answer). */
export const REDIS = 'redis://127.0.0.1:6379';

export const root = REPO_ROOT;
export const foxdenMain = CLI;

const FIXTURE_OPTIONS = { scale: 0.2, warcFileBytes: 1 << 20, vocabSize: 2048, format: 1 };

export interface DemoFixture {
  dir: string;
  corpus: string;
  tokenizer: string;
  classifier: string;
}

/** Builds (or reuses) the demo corpus, tokenizer and classifier, cached with the e2e fixtures (cachedDir: locked, keyed by the code that makes them). */
export async function demoFixture(): Promise<DemoFixture> {
  const code = await codeHash(['packages/core', 'packages/demo-corpus', 'packages/tokenize', 'packages/quality', 'packages/cli']);
  const dir = await cachedDir('bullmq-demo', hashOf(code, JSON.stringify(FIXTURE_OPTIONS)), async (out) => {
    const corpus = join(out, 'corpus');
    const { buildDemoCorpus } = (await import('@foxden/demo-corpus')) as typeof import('@foxden/demo-corpus');
    await buildDemoCorpus({ outDir: corpus, scale: FIXTURE_OPTIONS.scale, warcFileBytes: FIXTURE_OPTIONS.warcFileBytes });
    await cli(['tokenizer', 'train', '--vocab-size', String(FIXTURE_OPTIONS.vocabSize), '--out', join(out, 'tokenizer.json'), '--input', join(corpus, 'labels.jsonl'), join(corpus, 'books.jsonl.gz'), join(corpus, 'brown.jsonl')], {}, { check: true });
    await cli(['quality', 'train', '--input', join(corpus, 'labels.jsonl'), '--out', join(out, 'quality.bin')], {}, { check: true });
  });
  return { dir, corpus: join(dir, 'corpus'), tokenizer: join(dir, 'tokenizer.json'), classifier: join(dir, 'quality.bin') };
}

/**
 * The demo pipeline (pipelines/demo.yaml) pointed at the fixture, optionally
 * cut to its first `steps` steps or given other inputs. Returns the file path.
 */
export async function demoPipeline(fixture: DemoFixture, dir: string, options: { steps?: number; inputs?: string[]; name?: string } = {}): Promise<string> {
  const text = await readFile(join(root, 'pipelines/demo.yaml'), 'utf8');
  const doc = parse(text.replaceAll('../.demo/corpus/', `${fixture.corpus}/`)) as Record<string, unknown>;
  // The demo's own model files become the fixture's, whatever the demo names them.
  for (const step of doc['steps'] as { params?: Record<string, unknown> }[]) {
    if (typeof step.params?.['tokenizer'] === 'string') step.params['tokenizer'] = fixture.tokenizer;
    if (typeof step.params?.['model'] === 'string') step.params['model'] = fixture.classifier;
  }
  doc['output'] = join(dir, 'unused-output');
  if (options.steps) doc['steps'] = (doc['steps'] as unknown[]).slice(0, options.steps);
  if (options.inputs) doc['inputs'] = options.inputs;
  const file = join(dir, `${options.name ?? 'demo'}.yaml`);
  await mkdir(dir, { recursive: true });
  await writeFile(file, stringify(doc));
  return file;
}

/**
 * The local runner's run of a pipeline file on the fixture, cached by the
 * pipeline text and the code of the packages and the local runner (not the
 * BullMQ runner, which the reference is there to check). Returns the run directory.
 */
export async function referenceRun(fixture: DemoFixture, pipelineFile: string): Promise<string> {
  const packages = (await readdir(join(root, 'packages'))).sort().map((p) => `packages/${p}`);
  const key = hashOf(await codeHash([...packages, 'runners/local']), fixture.dir, await readFile(pipelineFile, 'utf8'));
  const dir = await cachedDir('bullmq-reference', key, async (out) => {
    await cli(['run', pipelineFile, '--out', join(out, 'run'), '--quiet'], {}, { check: true });
  });
  return join(dir, 'run');
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Spawned {
  child: ChildProcess;
  /** Everything written so far. */
  output(): string;
  done: Promise<CliResult>;
}

/** Starts a `foxden` command as a child process. */
export function spawnCli(args: string[], env: Record<string, string> = {}): Spawned {
  const child = spawn(process.execPath, [foxdenMain, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, output: () => stdout + stderr, done };
}

/** Runs a `foxden` command to its end. */
export async function cli(args: string[], env: Record<string, string> = {}, options: { check?: boolean; timeoutMs?: number } = {}): Promise<CliResult> {
  const s = spawnCli(args, env);
  const timer = setTimeout(() => s.child.kill('SIGKILL'), options.timeoutMs ?? 8 * 60_000);
  const result = await s.done;
  clearTimeout(timer);
  if (options.check && result.code !== 0) throw new Error(`foxden ${args.join(' ')} exited ${result.code ?? result.signal}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** A unique Redis key prefix for one test. */
export function testPrefix(): string {
  return `foxden-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Env that points every foxden process of a test at its Redis and prefix. */
export function redisEnv(url: string, prefix: string): Record<string, string> {
  return { FOXDEN_REDIS_URL: url, FOXDEN_REDIS_PREFIX: prefix };
}

/** Starts a `foxden worker` with short lock and stalled intervals, so a dead worker's task is taken over quickly. */
export function startWorker(url: string, prefix: string, extra: string[] = []): Spawned {
  return spawnCli(['worker', '--redis', url, '--lock-ms', '3000', '--stalled-ms', '1000', ...extra], redisEnv(url, prefix));
}

/** Stops workers gently (SIGTERM) and waits for them; SIGKILL after 20 s. */
export async function stopWorkers(workers: Spawned[]): Promise<void> {
  await Promise.all(
    workers.map(async (w) => {
      if (w.child.exitCode !== null || w.child.signalCode !== null) return;
      w.child.kill('SIGTERM');
      const timer = setTimeout(() => w.child.kill('SIGKILL'), 20_000);
      await w.done;
      clearTimeout(timer);
    }),
  );
}

/** Deletes every key under the prefix. */
export async function cleanupRedis(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 2, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** Number of keys under the prefix. */
export async function countKeys(url: string, prefix: string): Promise<number> {
  const client = new Redis(url, { maxRetriesPerRequest: 2 });
  try {
    return (await client.keys(`${prefix}:*`)).length;
  } finally {
    client.disconnect();
  }
}

async function fileSha(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Flips 16 bytes in the middle of a file: a shard changed after the task that wrote it completed. */
export async function corruptFile(file: string): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    const { size } = await handle.stat();
    const bytes = Buffer.alloc(16);
    await handle.read(bytes, 0, 16, Math.floor(size / 2));
    for (let i = 0; i < bytes.length; i++) bytes[i] = bytes[i]! ^ 0xff;
    await handle.write(bytes, 0, 16, Math.floor(size / 2));
  } finally {
    await handle.close();
  }
}

export interface OutputDigest {
  /** Run-relative path -> sha256 of every output (shards, manifests, hand-off files, Parquet). */
  files: Record<string, string>;
  /** Temporary files a killed task left behind (ignored by readers, safe to delete). */
  temporary: string[];
}

/**
 * Digest of a run's outputs. Left out, because they differ by nature between
 * two runs: task stats and markers (timings), summary.json (timings, runner),
 * queue.json (only the queue runner writes it).
 */
export async function outputDigest(runDir: string): Promise<OutputDigest> {
  const files: Record<string, string> = {};
  const temporary: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      const rel = relative(runDir, p);
      if (e.isDirectory()) {
        if (e.name !== 'done' && e.name !== 'stats') await walk(p);
      } else if (/\.tmp-/.test(e.name)) temporary.push(rel);
      // summary.json and report.html hold times and the runner's name; queue.json is BullMQ's own.
      else if (rel !== 'summary.json' && rel !== 'queue.json' && rel !== 'report.html') files[rel] = await fileSha(p);
    }
  };
  await walk(runDir);
  return { files: Object.fromEntries(Object.entries(files).sort()), temporary: temporary.sort() };
}

/** Paths whose bytes differ between two digests (or that only one has). */
export function digestDifferences(a: OutputDigest, b: OutputDigest): string[] {
  const paths = new Set([...Object.keys(a.files), ...Object.keys(b.files)]);
  return [...paths].filter((p) => a.files[p] !== b.files[p]).sort();
}

interface Summary {
  steps: { step: string; documents_in: number; documents_out: number; dropped: Record<string, number>; balanced: boolean }[];
  balanced: boolean;
  tasks_run: number;
  tasks_skipped: number;
  runner: string;
}

export async function readSummary(runDir: string): Promise<Summary> {
  return JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8')) as Summary;
}

/**
 * Checks that no document was lost or duplicated: every step balances, reads
 * what the step before passed on, and for steps that write one row per
 * document, the rows of its document (or token) shards plus its drop shards
 * are exactly its input count, with no id twice. Returns the steps checked row by row.
 */
export async function checkAccounting(runDir: string): Promise<string[]> {
  const summary = await readSummary(runDir);
  const problems: string[] = [];
  const checked: string[] = [];
  if (!summary.balanced) problems.push('summary says unbalanced');
  summary.steps.forEach((s, i) => {
    const dropped = Object.values(s.dropped).reduce((a, b) => a + b, 0);
    if (s.documents_in !== s.documents_out + dropped) problems.push(`${s.step}: ${s.documents_in} != ${s.documents_out} + ${dropped}`);
    const prev = summary.steps[i - 1];
    if (prev && s.documents_in !== prev.documents_out) problems.push(`${s.step} read ${s.documents_in}, ${prev.step} passed ${prev.documents_out}`);
  });
  const stepDirs = await listStepDirs(runDir);
  for (const [i, s] of summary.steps.entries()) {
    const outputs = (await readStepMarkers(runDir, stepDirs[i]!)).flatMap((m) => m.stats.outputs);
    const docs = outputs.filter((o) => o.kind === 'documents' || o.kind === 'tokens');
    const drops = outputs.filter((o) => o.kind === 'drops');
    if (docs.length === 0) continue;
    const ids = new Set<string>();
    let rows = 0;
    for (const o of [...docs, ...drops]) {
      const table = tableFromIPC(await readFile(join(runDir, o.path)));
      const column = table.getChild('id') ?? table.getChild('doc_id');
      if (!column) {
        problems.push(`${o.path} has no id column`);
        continue;
      }
      for (let r = 0; r < table.numRows; r++) {
        const id = String(column.get(r));
        if (ids.has(id)) problems.push(`${s.step}: document ${id} appears twice (${o.path})`);
        ids.add(id);
      }
      rows += table.numRows;
    }
    if (rows !== s.documents_in) problems.push(`${s.step}: ${rows} rows in documents + drops, ${s.documents_in} documents in`);
    checked.push(s.step);
  }
  if (problems.length > 0) throw new Error(`accounting of ${runDir}:\n${problems.slice(0, 20).join('\n')}`);
  return checked;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server of the test's own (no persistence), started and stopped by the test. */
export class OwnRedis {
  private child: ChildProcess | null = null;
  private constructor(readonly port: number, readonly password: string | undefined) {}

  /** URL without the password. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts a server; with a password, clients must authenticate (`requirepass`). */
  static async start(options: { password?: string } = {}): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort(), options.password);
    await redis.up();
    return redis;
  }

  async up(): Promise<void> {
    const auth = this.password ? ['--requirepass', this.password] : [];
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...auth], { stdio: 'ignore' });
    this.child = child;
    const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, ...(this.password ? { password: this.password } : {}) });
    client.on('error', () => undefined);
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null) throw new Error(`redis-server on port ${this.port} exited ${child.exitCode}`);
      try {
        await client.connect();
        await client.ping();
        client.disconnect();
        return;
      } catch {
        client.disconnect();
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`redis-server on port ${this.port} did not answer`);
  }

  /** Kills the server at once (SIGKILL): every key is lost, as in a crash without persistence. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    this.child = null;
  }
}

/** Polls until `fn` returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 5 * 60_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Temporary files (`*.tmp-<pid>-<n>`) being written in a run's step directories right now, by writer pid. */
export async function temporaryFiles(runDir: string): Promise<{ step: string; pid: number; path: string }[]> {
  const out: { step: string; pid: number; path: string }[] = [];
  const steps = await readdir(join(runDir, 'steps')).catch(() => [] as string[]);
  for (const step of steps) {
    const kinds = await readdir(join(runDir, 'steps', step)).catch(() => [] as string[]);
    for (const kind of kinds) {
      const files = await readdir(join(runDir, 'steps', step, kind)).catch(() => [] as string[]);
      for (const f of files) {
        const m = /\.tmp-(\d+)-/.exec(f);
        if (m) out.push({ step, pid: Number(m[1]), path: join('steps', step, kind, f) });
      }
    }
  }
  return out;
}

export interface TwoWorkerRun {
  fixture: DemoFixture;
  /** Scratch directory of the test (the run goes to `<dir>/run`); the test removes it. */
  dir: string;
  prefix: string;
  /** The two `foxden worker`s; a test may push more. */
  workers: Spawned[];
  /** The demo pipeline file on the fixture. */
  file: string;
  /** The local runner's run of it, to compare with. */
  reference: string;
}

/**
 * The start of a test of the demo pipeline on two workers: the fixture, a
 * scratch directory, a Redis prefix, two `foxden worker`s on it (started
 * first, so they come up while the reference is made), the pipeline and the
 * local runner's reference run. If making those fails, it cleans up itself.
 */
export async function startTwoWorkerRun(name: string): Promise<TwoWorkerRun> {
  const fixture = await demoFixture();
  const dir = await mkdtemp(join(tmpdir(), `foxden-bullmq-${name}-`));
  const prefix = testPrefix();
  const workers: Spawned[] = [startWorker(REDIS, prefix), startWorker(REDIS, prefix)];
  try {
    const file = await demoPipeline(fixture, dir);
    const reference = await referenceRun(fixture, file);
    return { fixture, dir, prefix, workers, file, reference };
  } catch (error) {
    await stopWorkers(workers);
    await cleanupRedis(REDIS, prefix);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
