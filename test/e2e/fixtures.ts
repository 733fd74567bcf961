/**
 * Shared fixtures of the end-to-end tests: the demo corpus (built small), the
 * tokenizers and the quality classifier trained on it, the pipeline files the
 * tests run, and complete reference runs of those pipelines.
 *
 * They are expensive (seconds to tens of seconds each) and several test files
 * need the same ones, so each is built once into a cache directory named by
 * a content hash of what it depends on (the compiled code, the options, the
 * pipeline file) and reused by every test file and every later test run
 * until that content changes. Test files run in parallel processes, so a
 * build holds a lock directory; a lock whose owner died is taken over.
 *
 * Every fixture is made by the real `foxden` command (packages/cli/dist), the
 * same way a user makes it: build with `npm run build` first.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
/** The shared real-data corpus (never copied into the repository). */
export const CORPUS_DIR = resolve(REPO_ROOT, '../shared/corpus');
export const CLI = join(REPO_ROOT, 'packages/cli/dist/main.js');
/** Where fixtures are cached; FOXDEN_E2E_CACHE overrides (CI may point it at a per-job directory). */
export const CACHE_ROOT = process.env['FOXDEN_E2E_CACHE'] ?? join(tmpdir(), 'foxden-e2e-cache');

/**
 * Demo corpus options: 15% of the default scale (about 1,000 records, 4 MB of
 * text: the whole demo pipeline takes about 20 s on 2 cores instead of 3
 * minutes) and 1 MB WARC files, so there are 3 of them and ingest has 5 tasks
 * to spread over the workers.
 */
export const DEMO_SCALE = 0.15;
export const DEMO_WARC_FILE_BYTES = 1_000_000;
/** Vocabulary of the test tokenizers: small enough to train in about a second. */
export const TEST_VOCAB_SIZE = 4096;

export interface FoxdenResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `foxden` command and collects its output. FOXDEN_DEBUG is removed so that errors look as users see them. */
export function runFoxden(args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<FoxdenResult> {
  const env = { ...process.env };
  delete env['FOXDEN_DEBUG'];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** Runs `foxden` and throws with its output when it does not exit 0. */
export async function foxdenOk(args: readonly string[], what: string): Promise<FoxdenResult> {
  const result = await runFoxden(args);
  if (result.code !== 0) {
    throw new Error(`${what} failed (exit ${result.code ?? result.signal}): foxden ${args.join(' ')}\n${result.stderr.slice(-4000)}\n${result.stdout.slice(-2000)}`);
  }
  return result;
}

// ---------------------------------------------------------------------------
// Content hashes and the cache

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(path)));
    else if (e.isFile() && !e.name.endsWith('.map') && !e.name.endsWith('.d.ts') && !e.name.endsWith('.tsbuildinfo')) out.push(path);
  }
  return out;
}

const codeHashes = new Map<string, Promise<string>>();

/**
 * sha256 of the compiled code (dist/ and package.json) of the given package
 * directories (all packages and runners by default) and of schemas/: a cached
 * fixture made by older code is never reused.
 */
export function codeHash(packageDirs?: readonly string[]): Promise<string> {
  const key = packageDirs ? packageDirs.join(',') : '*';
  let found = codeHashes.get(key);
  if (!found) {
    found = (async () => {
      const dirs = packageDirs ?? [
        ...(await readdir(join(REPO_ROOT, 'packages'))).sort().map((p) => `packages/${p}`),
        ...(await readdir(join(REPO_ROOT, 'runners'))).sort().map((p) => `runners/${p}`),
      ];
      const hash = createHash('sha256');
      const files: string[] = [];
      for (const d of dirs) {
        files.push(join(REPO_ROOT, d, 'package.json'), ...(await listFiles(join(REPO_ROOT, d, 'dist'))));
      }
      files.push(...(await listFiles(join(REPO_ROOT, 'schemas'))));
      for (const f of files) {
        hash.update(f.slice(REPO_ROOT.length)).update('\0');
        hash.update(await readFile(f).catch(() => Buffer.alloc(0))).update('\0');
      }
      return hash.digest('hex');
    })();
    codeHashes.set(key, found);
  }
  return found;
}

export function hashOf(...parts: readonly (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p).update('\0');
  return hash.digest('hex');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Holds `<path>.lock` (a directory: mkdir is atomic) while `fn` runs; takes over a lock whose owner died. */
async function withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${path}.lock`;
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => ''));
      const age = Date.now() - ((await stat(lock).catch(() => null))?.mtimeMs ?? Date.now());
      // A lock without a pid file is being created right now, unless it is old.
      if ((owner && !alive(owner)) || (!owner && age > 30_000)) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for fixture lock ${lock} (held by pid ${owner})`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/**
 * A cached fixture directory `<CACHE_ROOT>/<name>-<key>`: built by `build`
 * once (a `.complete` marker is written last, so a crashed build is redone),
 * then reused.
 */
export async function cachedDir(name: string, key: string, build: (dir: string) => Promise<void>): Promise<string> {
  const dir = join(CACHE_ROOT, `${name}-${key.slice(0, 20)}`);
  const complete = join(dir, '.complete');
  const touch = async () => {
    // The marker's mtime is the last use: pruneCache keeps what was used recently.
    const now = new Date();
    await utimes(complete, now, now).catch(() => undefined);
  };
  if (existsSync(complete)) {
    await touch();
    return dir;
  }
  await mkdir(CACHE_ROOT, { recursive: true });
  return withLock(dir, async () => {
    if (existsSync(complete)) return dir;
    await pruneCache();
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await build(dir);
    await writeFile(complete, new Date().toISOString() + '\n');
    return dir;
  });
}

/** Fixtures unused for this long are removed when a new one is built (old code's fixtures pile up otherwise). */
const CACHE_MAX_IDLE_MS = 6 * 3600_000;

async function pruneCache(): Promise<void> {
  const now = Date.now();
  for (const entry of await readdir(CACHE_ROOT).catch(() => [] as string[])) {
    if (entry.endsWith('.lock')) continue;
    const path = join(CACHE_ROOT, entry);
    if (entry === 'scratch') {
      // Scratch directories of failed tests, kept for post-mortems.
      for (const s of await readdir(path).catch(() => [] as string[])) {
        const info = await stat(join(path, s)).catch(() => null);
        if (info && now - info.mtimeMs > CACHE_MAX_IDLE_MS) await rm(join(path, s), { recursive: true, force: true });
      }
      continue;
    }
    if (existsSync(`${path}.lock`)) continue;
    const used = (await stat(join(path, '.complete')).catch(() => null)) ?? (await stat(path).catch(() => null));
    if (used && now - used.mtimeMs > CACHE_MAX_IDLE_MS) await rm(path, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// Pipeline files

interface PipelineDoc {
  name: string;
  inputs?: string[];
  output?: string;
  steps: { name: string; type: string; params?: Record<string, unknown> }[];
  [key: string]: unknown;
}

/**
 * Writes a copy of a repository pipeline file with its inputs, trained models
 * and output replaced (absolute paths), keeping every other step and param,
 * so the tests run the pipelines the repository ships.
 */
export async function derivePipeline(
  source: string, target: string,
  replace: { inputs: string[]; tokenizer?: string; classifier?: string; curriculum?: Record<string, unknown> },
): Promise<void> {
  const doc = parseYaml(await readFile(join(REPO_ROOT, source), 'utf8')) as PipelineDoc;
  doc.inputs = replace.inputs;
  doc.output = './run';
  for (const step of doc.steps) {
    if (step.type === 'tokenize' && replace.tokenizer) step.params = { ...step.params, tokenizer: replace.tokenizer };
    if (step.type === 'quality-classifier' && replace.classifier) step.params = { ...step.params, model: replace.classifier };
    if (step.type === 'curriculum' && replace.curriculum) step.params = { ...step.params, ...replace.curriculum };
  }
  await writeFile(target, `# derived from ${source} by test/e2e/fixtures.ts\n${stringifyYaml(doc)}`);
}

// ---------------------------------------------------------------------------
// The fixtures

export interface DemoFixture {
  dir: string;
  corpusDir: string;
  /** Pipeline inputs (absolute). */
  inputs: string[];
  tokenizer: string;
  classifier: string;
  /** pipelines/demo.yaml with inputs and models replaced. */
  pipelineFile: string;
}

let demoPending: Promise<DemoFixture> | undefined;

/** The demo corpus at DEMO_SCALE, a BPE tokenizer and the fastText quality classifier trained on it, and the demo pipeline over them. */
export function demoFixture(): Promise<DemoFixture> {
  demoPending ??= (async () => {
    const code = await codeHash(['packages/core', 'packages/demo-corpus', 'packages/tokenize', 'packages/quality', 'packages/cli']);
    const pipelineSource = await readFile(join(REPO_ROOT, 'pipelines/demo.yaml'));
    const key = hashOf(code, pipelineSource, String(DEMO_SCALE), String(DEMO_WARC_FILE_BYTES), String(TEST_VOCAB_SIZE));
    const dir = await cachedDir('demo', key, async (out) => {
      const { buildDemoCorpus } = await import('@foxden/demo-corpus');
      const corpus = await buildDemoCorpus({ outDir: join(out, 'corpus'), scale: DEMO_SCALE, warcFileBytes: DEMO_WARC_FILE_BYTES });
      const files = corpus.files;
      await foxdenOk(['tokenizer', 'train', '--vocab-size', String(TEST_VOCAB_SIZE), '--out', join(out, 'tokenizer.json'),
        '--input', corpus.labelsFile, ...files.filter((f) => f.endsWith('.jsonl') || f.endsWith('.jsonl.gz'))], 'training the demo tokenizer');
      await foxdenOk(['quality', 'train', '--input', corpus.labelsFile, '--out', join(out, 'quality.bin')], 'training the demo quality classifier');
      await writeFile(join(out, 'inputs.json'), JSON.stringify(files, null, 2));
      await derivePipeline('pipelines/demo.yaml', join(out, 'demo.yaml'), { inputs: files, tokenizer: join(out, 'tokenizer.json'), classifier: join(out, 'quality.bin') });
    });
    return {
      dir,
      corpusDir: join(dir, 'corpus'),
      inputs: JSON.parse(await readFile(join(dir, 'inputs.json'), 'utf8')) as string[],
      tokenizer: join(dir, 'tokenizer.json'),
      classifier: join(dir, 'quality.bin'),
      pipelineFile: join(dir, 'demo.yaml'),
    };
  })();
  return demoPending;
}

export interface SharedCorpusFixture {
  dir: string;
  tokenizer: string;
  /** pipelines/shared-corpus.yaml over all of corpus/warc and corpus/jsonl, with the tokenizer below. */
  pipelineFile: string;
}

let sharedPending: Promise<SharedCorpusFixture> | undefined;

/** A tokenizer trained on the shared corpus's JSONL text, and the shared-corpus pipeline over all its WARC and JSONL files. */
export function sharedCorpusFixture(): Promise<SharedCorpusFixture> {
  sharedPending ??= (async () => {
    const code = await codeHash(['packages/core', 'packages/tokenize', 'packages/cli']);
    const jsonl = (await readdir(join(CORPUS_DIR, 'jsonl'))).filter((f) => /\.jsonl(\.gz)?$/.test(f)).sort().map((f) => join(CORPUS_DIR, 'jsonl', f));
    const sizes = await Promise.all(jsonl.map(async (f) => `${f}:${(await stat(f)).size}`));
    const key = hashOf(code, await readFile(join(REPO_ROOT, 'pipelines/shared-corpus.yaml')), ...sizes, String(TEST_VOCAB_SIZE));
    const dir = await cachedDir('shared-corpus', key, async (out) => {
      await foxdenOk(['tokenizer', 'train', '--vocab-size', String(TEST_VOCAB_SIZE), '--out', join(out, 'tokenizer.json'), '--input', ...jsonl], 'training the shared-corpus tokenizer');
      await derivePipeline('pipelines/shared-corpus.yaml', join(out, 'shared-corpus.yaml'), {
        inputs: [join(CORPUS_DIR, 'warc'), join(CORPUS_DIR, 'jsonl')], tokenizer: join(out, 'tokenizer.json'),
      });
    });
    return { dir, tokenizer: join(dir, 'tokenizer.json'), pipelineFile: join(dir, 'shared-corpus.yaml') };
  })();
  return sharedPending;
}

const runs = new Map<string, Promise<string>>();

/**
 * A complete run of `pipelineFile` by `foxden run --workers 2`, made once and
 * shared: the reference that other runs are compared with. Treat it as read-only
 * (copy it before changing anything). Returns the run directory.
 */
export function referenceRun(pipelineFile: string): Promise<string> {
  let found = runs.get(pipelineFile);
  if (!found) {
    found = (async () => {
      const key = hashOf(await codeHash(), pipelineFile, await readFile(pipelineFile));
      const dir = await cachedDir('run', key, async (out) => {
        const result = await foxdenOk(['run', pipelineFile, '--out', join(out, 'run'), '--workers', '2'], `reference run of ${pipelineFile}`);
        await writeFile(join(out, 'run.log'), `${result.stderr}\n${result.stdout}`);
      });
      return join(dir, 'run');
    })();
    runs.set(pipelineFile, found);
  }
  return found;
}

/** A fresh temporary directory under the cache root, removed by the caller (or left for post-mortems when a test fails). */
export async function scratchDir(prefix: string): Promise<string> {
  const dir = join(CACHE_ROOT, 'scratch', `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`);
  await mkdir(dir, { recursive: true });
  return dir;
}
