// foxden-test-needs: shared-corpus
/**
 * The `foxden` command as a user meets it (the real packages/cli/dist/main.js
 * in a child process): help for every command, one-line errors without stack
 * traces before anything is written, `inspect` and `sql` on a real run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CORPUS_DIR, REPO_ROOT, demoFixture, referenceRun, runFoxden, scratchDir, type FoxdenResult } from './fixtures.js';
import { readSummary, recordedOutputs } from './run-dir.js';

const COMMANDS = ['run', 'inspect', 'sql', 'report', 'tokenizer', 'quality', 'worker', 'status', 'dashboard', 'train'];
const STACK_LINE = /^\s+at .+[:(]/m;

/** A failed command: non-zero exit, no stack trace; returns stderr. */
function assertCleanError(result: FoxdenResult, what: string): string {
  assert.notEqual(result.code, 0, `${what}: exit 0\n${result.stdout}`);
  assert.equal(result.signal, null, `${what}: killed by ${result.signal}`);
  const text = result.stderr.trim();
  assert.ok(text.length > 0, `${what}: nothing on stderr`);
  assert.doesNotMatch(text, STACK_LINE, `${what}: stack trace on stderr:\n${text}`);
  return text;
}

/** A failed command: non-zero exit, exactly one line on stderr, no stack trace. */
function assertOneLineError(result: FoxdenResult, what: string): string {
  const text = assertCleanError(result, what);
  assert.equal(text.split('\n').length, 1, `${what}: expected a one-line reason, got:\n${text}`);
  return text;
}

for (const command of COMMANDS) {
  test(`foxden ${command} --help exits 0 and prints its usage on stdout`, async () => {
    const result = await runFoxden([command, '--help']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /usage|foxden \w+/i, `no usage on stdout (stderr: ${result.stderr.slice(0, 200)})`);
    assert.ok(result.stdout.includes(command), `usage does not name '${command}'`);
    assert.doesNotMatch(result.stdout + result.stderr, STACK_LINE);
  });
}

test('foxden --help lists every command; no arguments is a usage error', async () => {
  const help = await runFoxden(['--help']);
  assert.equal(help.code, 0);
  for (const c of COMMANDS) assert.match(help.stdout, new RegExp(`^\\s+${c}\\b`, 'm'), `--help does not list ${c}`);
  const bare = await runFoxden([]);
  assert.notEqual(bare.code, 0);
  assert.match(bare.stdout + bare.stderr, /Usage: foxden/);
});

test('npx foxden works as the README writes it: npm links a committed bin that loads the built CLI', async () => {
  const { spawnSync } = await import('node:child_process');
  const npx = spawnSync('npx', ['--no-install', 'foxden', '--help'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(npx.status, 0, npx.stderr);
  assert.match(npx.stdout, /^Usage: foxden/);
  // The link exists from install time on: it points at a committed file, not at dist/ (absent until the first build).
  const { readlinkSync } = await import('node:fs');
  assert.match(readlinkSync(join(REPO_ROOT, 'node_modules/.bin/foxden')), /cli\/bin\/foxden\.js$/);
});

test('an unknown command exits non-zero with a one-line reason', async () => {
  const line = assertOneLineError(await runFoxden(['frobnicate', 'x']), 'unknown command');
  assert.match(line, /unknown command 'frobnicate'/);
});

/** A pipeline file over one real JSONL file; `steps` is YAML for the steps after ingest. */
async function pipelineFile(dir: string, name: string, steps: string, inputs = [join(CORPUS_DIR, 'jsonl/datajuicer_arxiv.jsonl')]): Promise<string> {
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, `name: ${name}\nseed: 1\ninputs: ${JSON.stringify(inputs)}\noutput: ./out-${name}\nsteps:\n  - {name: ingest, type: ingest}\n${steps}`);
  return file;
}

test('bad pipelines fail with a one-line reason naming file and field before the run directory is written', async () => {
  const dir = await scratchDir('cli-errors');
  const cases: { name: string; steps: string; inputs?: string[]; expect: RegExp }[] = [
    { name: 'unknown-step', steps: '  - {name: dedup, type: exact-dedupe}\n', expect: /unknown-step\.yaml: \/steps\/1\/type: unknown step type 'exact-dedupe'/ },
    { name: 'wrong-type', steps: '  - {name: dedup, type: exact-dedup, params: {partitions: four}}\n', expect: /wrong-type\.yaml: \/steps\/1\/params\/partitions: must be integer/ },
    { name: 'unknown-param', steps: '  - {name: gq, type: gopher-quality, params: {min_word: 10}}\n', expect: /unknown-param\.yaml: \/steps\/1\/params: has unknown field 'min_word'/ },
    { name: 'missing-input', steps: '', inputs: [join(CORPUS_DIR, 'jsonl/no-such-file.jsonl')], expect: /missing-input\.yaml: \/inputs: input '.*no-such-file\.jsonl' does not exist/ },
    { name: 'empty-glob', steps: '', inputs: [join(CORPUS_DIR, 'jsonl/*.parquet')], expect: /empty-glob\.yaml: \/inputs: pattern '.*\*\.parquet' matches no files/ },
  ];
  for (const c of cases) {
    const file = await pipelineFile(dir, c.name, c.steps, c.inputs);
    const line = assertOneLineError(await runFoxden(['run', file]), c.name);
    assert.match(line, c.expect);
    assert.ok(!existsSync(join(dir, `out-${c.name}`)), `${c.name}: the run directory was created`);
  }
  const missingFile = assertOneLineError(await runFoxden(['run', join(dir, 'nope.yaml')]), 'missing pipeline file');
  assert.match(missingFile, /nope\.yaml/);
  const badYaml = join(dir, 'bad-yaml.yaml');
  await writeFile(badYaml, 'name: x\nsteps:\n  - {name: ingest, type: ingest\n');
  assert.match(assertOneLineError(await runFoxden(['run', badYaml]), 'bad YAML'), /bad-yaml\.yaml: not valid YAML/);
  assert.match(assertOneLineError(await runFoxden(['run', badYaml, '--workers', 'many']), 'bad --workers'), /--workers must be an integer/);
  await rm(dir, { recursive: true, force: true });
});

// A model or tokenizer that does not exist is a missing input too: the step's
// validate() must report it before any step runs, not after hours of ingest.
test('a missing classifier model or tokenizer fails before any step runs', async () => {
  const dir = await scratchDir('cli-missing-model');
  const cases = [
    { name: 'missing-model', steps: '  - {name: classifier, type: quality-classifier, params: {model: ./models/missing.bin}}\n', expect: /missing\.bin/ },
    { name: 'missing-tokenizer', steps: '  - {name: tokenize, type: tokenize, params: {tokenizer: ./models/missing-tokenizer.json}}\n', expect: /missing-tokenizer\.json/ },
  ];
  for (const c of cases) {
    const file = await pipelineFile(dir, c.name, c.steps);
    // --quiet: without progress lines, stderr is the reason alone.
    const line = assertOneLineError(await runFoxden(['run', file, '--quiet']), c.name);
    assert.match(line, c.expect);
    const steps = await readdir(join(dir, `out-${c.name}`, 'steps')).catch(() => [] as string[]);
    assert.deepEqual(steps, [], `${c.name}: steps ran before the missing file was noticed`);
  }
  await rm(dir, { recursive: true, force: true });
});

test('foxden inspect shows the funnel of a run and the schema of a shard', async () => {
  const runDir = await referenceRun((await demoFixture()).pipelineFile);
  const summary = await readSummary(runDir);
  const text = await runFoxden(['inspect', runDir]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /accounting balances/);
  for (const s of summary.steps) assert.ok(text.stdout.includes(`${s.step} (${s.type}): ${s.documents_in} in -> ${s.documents_out} out`), `funnel line of ${s.step}`);
  const json = await runFoxden(['inspect', runDir, '--json', '--rows', '1']);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout) as { summary: unknown; steps: { dir: string }[] };
  assert.deepEqual(report.summary, summary);
  assert.equal(report.steps.length, summary.steps.length);

  const tokens = [...(await recordedOutputs(runDir)).values()].find((o) => o.kind === 'tokens' && o.rows > 0)!;
  const shard = await runFoxden(['inspect', join(runDir, tokens.path), '--json', '--rows', '2']);
  assert.equal(shard.code, 0, shard.stderr);
  const info = JSON.parse(shard.stdout) as { rows: number; columns: { name: string; type: string }[]; metadata: Record<string, string>; sample: unknown[] };
  assert.equal(info.rows, tokens.rows);
  assert.deepEqual(info.columns.find((c) => c.name === 'tokens')?.type, 'list<uint32>');
  assert.equal(info.metadata['foxden.tokenizer.vocab_size'], '4096');
  assert.equal(info.sample.length, 2);
  assert.match(assertOneLineError(await runFoxden(['inspect', join(runDir, 'no-such.arrow')]), 'inspect missing'), /no-such\.arrow does not exist/);
});

test('foxden sql --format json returns counts equal to summary.json; bad SQL fails without a stack trace', async () => {
  const runDir = await referenceRun((await demoFixture()).pipelineFile);
  const summary = await readSummary(runDir);
  const drops = await runFoxden(['sql', runDir, 'select step, reason, count(*)::INTEGER as n from drops group by all order by step, reason', '--format', 'json']);
  assert.equal(drops.code, 0, drops.stderr);
  const rows = JSON.parse(drops.stdout) as { step: string; reason: string; n: number }[];
  const expected = summary.steps.flatMap((s) => Object.entries(s.dropped).map(([reason, n]) => ({ step: s.step, reason, n })));
  const key = (r: { step: string; reason: string }) => `${r.step}\0${r.reason}`;
  assert.deepEqual(rows.map((r) => ({ ...r, n: Number(r.n) })).sort((a, b) => (key(a) < key(b) ? -1 : 1)), expected.sort((a, b) => (key(a) < key(b) ? -1 : 1)));

  const docs = await runFoxden(['sql', runDir, 'select count(*)::INTEGER as n, sum(n_tokens)::BIGINT as tokens from docs', '--format', 'json']);
  assert.equal(docs.code, 0, docs.stderr);
  const [count] = JSON.parse(docs.stdout) as { n: number; tokens: number }[];
  const tokenize = summary.steps.find((s) => s.type === 'tokenize')!;
  assert.equal(Number(count!.n), tokenize.documents_out);
  assert.equal(Number(count!.tokens), tokenize.counters['tokens']);

  const bad = await runFoxden(['sql', runDir, 'selec count(*) form docs', '--format', 'json']);
  // DuckDB's parser message spans lines (it points at the error); no stack trace though.
  assert.match(assertCleanError(bad, 'malformed SQL'), /syntax error/i);
  const missing = await runFoxden(['sql', runDir, 'select * from no_such_view']);
  assert.match(assertCleanError(missing, 'unknown table'), /no_such_view/);
});
