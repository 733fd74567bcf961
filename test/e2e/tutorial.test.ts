// foxden-test-needs: torch
/**
 * docs/tutorial.md works as written (issue 15): every command in its
 * ```` ```sh tutorial ```` blocks is run, in order, in one fresh temporary
 * directory (the tutorial's `foxden/tutorial/`), with `npx foxden` meaning
 * this checkout's built CLI (what npx finds inside the clone), stdout and
 * stderr pipes (so progress comes as plain lines, FOXDEN_PROGRESS_INTERVAL=0
 * making one per update). Each command's exit code and a key line of its
 * output are checked against EXPECTED below, one entry per command: a
 * command added to or removed from the tutorial fails this test until
 * EXPECTED says what it should print. Blocks fenced as plain ```` ```sh ````
 * (clone, install, build) are not run. The training step needs PyTorch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI, REPO_ROOT, scratchDir } from './fixtures.js';

/** The commands of the tutorial's `sh tutorial` blocks, in order: one per block. */
function tutorialCommands(markdown: string): string[] {
  const blocks: string[] = [];
  const fence = /^```sh tutorial[ \t]*\n([\s\S]*?)^```[ \t]*$/gm;
  for (let m = fence.exec(markdown); m; m = fence.exec(markdown)) blocks.push(m[1]!.trimEnd());
  return blocks;
}

interface Expectation {
  /** What the command is (for messages). */
  what: string;
  /** The command starts with this. */
  starts: string;
  /** Exit codes accepted. Default [0]. */
  codes?: number[];
  /** Key lines: each must match the command's stdout + stderr. */
  output: RegExp[];
  /** Files the command must leave (relative to the tutorial directory). */
  files?: string[];
}

const EXPECTED: Expectation[] = [
  { what: 'build the demo corpus', starts: 'npx foxden demo-corpus', output: [/^built in [\d.]+ s: corpus: \d+ documents/m], files: ['corpus/web-00000.warc.gz', 'corpus/labels.jsonl'] },
  { what: 'list it', starts: 'ls corpus', output: [/^web-00000\.warc\.gz$/m, /^labels\.jsonl$/m] },
  { what: 'train the tokenizer', starts: 'npx foxden tokenizer train', output: [/^tokenizer\.json: vocabulary 4096 \(\d+ merges\), sha256 [0-9a-f]{64}$/m, /^tokenizer train: merging: \d+% [\d,]+\/[\d,]+ merges, [\d.,k]+ merges\/s, ETA /m] },
  { what: 'train the classifier', starts: 'npx foxden quality train', output: [/"heldout_accuracy": [\d.]+/, /^quality train: fastText training: 100% 10\/10 epochs/m] },
  { what: 'write the pipeline', starts: 'cat > pipeline.yaml', output: [], files: ['pipeline.yaml'] },
  {
    what: 'run the pipeline', starts: 'npx foxden run pipeline.yaml',
    output: [/^accounting: every step balances \(in = out \+ dropped\)$/m, /^ingest\s+\d+\s+\d+\s+\d+\s+skip:warc-request=\d+/m, /^report:\s+\S+report\.html$/m, /^\[1\/8\] ingest: \d+% .*, \d+\/\d+ tasks, [\d,]+ docs/m],
    files: ['runs/first/curriculum.json', 'runs/first/report.html'],
  },
  { what: 'write the report', starts: 'npx foxden report runs/first', output: [/report\.html/] },
  { what: 'drops in SQL', starts: 'npx foxden sql runs/first "select step, reason', output: [/skip:warc-request/, /exact-duplicate/] },
  { what: 'stages in SQL', starts: 'npx foxden sql runs/first "select stage', output: [/\b1k\b/, /\b2k\b/] },
  { what: 'inspect', starts: 'npx foxden inspect runs/first --rows 1', output: [/^curriculum \(\d+ tokens that budgets are shares of\):$/m, /1k \(seq_len 1024\): \d+ sequences/] },
  { what: 'verify', starts: 'npx foxden inspect runs/first --verify', output: [/^verify: \d+ file\(s\), .* hashed against \d+ record\(s\): all match$/m] },
  { what: 'decode', starts: 'npx foxden inspect runs/first --decode', output: [/┃ segment 1\/\d+: /] },
  { what: 'interrupt a forced run', starts: 'timeout --preserve-status --signal=INT 3 npx foxden run', codes: [0, 130], output: [/^\[1\/8\] ingest/m] },
  { what: 'resume', starts: 'npx foxden run pipeline.yaml', output: [/already complete/, /^accounting: every step balances/m] },
  {
    what: 'train', starts: 'npx foxden train runs/first --preset tiny',
    output: [/^train: 100% 4\/4 steps, [\d.]+ steps\/s, ETA 0:00, stage 2\/2 2k \(2048\), loss [\d.]+/m, /^foxden train: 4 steps, last loss [\d.]+/m],
    files: ['runs/first/train/metrics.jsonl'],
  },
  { what: 'report with training curves', starts: 'npx foxden report runs/first', output: [/report\.html/] },
];

test('docs/tutorial.md: every command runs, in order, and prints what it should', { timeout: 10 * 60_000 }, async () => {
  const commands = tutorialCommands(await readFile(join(REPO_ROOT, 'docs/tutorial.md'), 'utf8'));
  assert.equal(commands.length, EXPECTED.length, `the tutorial has ${commands.length} commands, EXPECTED ${EXPECTED.length}:\n${commands.join('\n---\n')}`);
  commands.forEach((c, i) => assert.ok(c.startsWith(EXPECTED[i]!.starts), `command ${i + 1} of the tutorial is \`${c.split('\n')[0]}\`; EXPECTED has \`${EXPECTED[i]!.starts}\` (${EXPECTED[i]!.what})`));
  const dir = await scratchDir('tutorial');
  const env: NodeJS.ProcessEnv = { ...process.env, FOXDEN_PROGRESS_INTERVAL: '0' };
  delete env['FOXDEN_DEBUG'];
  delete env['FOXDEN_PROGRESS'];
  try {
    for (const [i, command] of commands.entries()) {
      const expected = EXPECTED[i]!;
      const script = command.replace(/(^|[\s;&|(])npx foxden /gm, `$1${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} `);
      const r = spawnSync('bash', ['-e', '-c', script], { cwd: dir, env, encoding: 'utf8', timeout: 5 * 60_000, maxBuffer: 64 * 2 ** 20 });
      const output = `${r.stdout}\n${r.stderr}`;
      const tail = output.length > 4000 ? `...${output.slice(-4000)}` : output;
      assert.ok((expected.codes ?? [0]).includes(r.status ?? -1), `${expected.what}: \`${command.split('\n')[0]}\` exited ${r.status ?? r.signal}:\n${tail}`);
      for (const line of expected.output) assert.match(output, line, `${expected.what}: no line matching ${line} in:\n${tail}`);
      for (const f of expected.files ?? []) assert.ok(existsSync(join(dir, f)), `${expected.what}: ${f} was not written`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
