/**
 * Progress on the long commands (issue 15): with stderr not a terminal,
 * `foxden run`, `foxden tokenizer train` and `foxden quality train` write
 * plain progress lines (FOXDEN_PROGRESS_INTERVAL=0: one per update) that
 * carry counts, totals, rates and ETAs, and no terminal control characters;
 * under a pseudo-terminal (`script`), the same commands draw a bar redrawn
 * in place. `foxden train`'s lines are checked by the tutorial test
 * (tutorial.test.ts, needs torch); the BullMQ runner's by
 * test/bullmq/progress.test.ts. No assertion depends on timing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI, scratchDir } from './fixtures.js';

function foxden(args: string[], cwd: string, env: Record<string, string> = {}) {
  const e: NodeJS.ProcessEnv = { ...process.env, FOXDEN_PROGRESS_INTERVAL: '0', ...env };
  delete e['FOXDEN_DEBUG'];
  delete e['FOXDEN_PROGRESS'];
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, env: e, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5 * 60_000 });
  assert.equal(r.status, 0, `foxden ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

const COUNT = '[\\d,.]+';
const BYTES = '[\\d.]+ [KMG]?B';

test('plain progress lines on a pipe: run, tokenizer train, quality train; a bar under a pseudo-terminal', { timeout: 10 * 60_000 }, async () => {
  const dir = await scratchDir('progress');
  try {
    foxden(['demo-corpus', 'corpus', '--scale', '0.05'], dir);

    const tok = foxden(['tokenizer', 'train', '--vocab-size', '1024', '--out', 'tokenizer.json', '--input', 'corpus/labels.jsonl', 'corpus/brown.jsonl'], dir);
    assert.match(tok.stderr, new RegExp(`^tokenizer train: counting words: ${COUNT} texts, ${COUNT} texts/s, ${COUNT} chars$`, 'm'));
    assert.match(tok.stderr, new RegExp(`^tokenizer train: merging: \\d+% ${COUNT}/${COUNT} merges, ${COUNT}k? merges/s, ETA [\\d:?]+$`, 'm'));
    assert.match(tok.stderr, /^tokenizer train: merging: 100% ([\d,]+)\/\1 merges/m, 'a last line at the total');
    assert.doesNotMatch(tok.stderr, /\r|\x1b/, 'no control characters on a pipe');

    const quality = foxden(['quality', 'train', '--input', 'corpus/labels.jsonl', '--out', 'quality.bin'], dir);
    assert.match(quality.stderr, new RegExp(`^quality train: reading examples: 100% ${BYTES}/${BYTES}, ${BYTES}/s, ETA 0:00$`, 'm'));
    assert.match(quality.stderr, new RegExp(`^quality train: fastText training: \\d+% ${COUNT}/10 epochs, ${COUNT}k? epochs/s, ETA [\\d:?]+(, loss [\\d.]+)?$`, 'm'));
    assert.match(quality.stderr, /^quality train: fastText training: 100% 10\/10 epochs/m);
    assert.doesNotMatch(quality.stderr, /\r|\x1b/);
    assert.equal(JSON.parse(quality.stdout).model, 'quality.bin', 'stdout stays the JSON report');

    await writeFile(join(dir, 'pipeline.yaml'), [
      'name: progress', 'seed: 1', 'inputs: [corpus/*.warc.gz, corpus/brown.jsonl]', 'output: run',
      'steps:', '  - { name: ingest, type: ingest }', '  - { name: exact-dedup, type: exact-dedup }',
      '  - { name: tokenize, type: tokenize, params: { tokenizer: tokenizer.json } }', '',
    ].join('\n'));
    const run = foxden(['run', 'pipeline.yaml', '--workers', '2'], dir);
    assert.match(run.stderr, /^\[1\/3\] ingest: \d+ task\(s\), [\d.]+ [KMG]?B to read$/m, 'a line when a step starts');
    assert.match(run.stderr, new RegExp(`^\\[1/3\\] ingest: \\d+% ${BYTES}/${BYTES}, ${BYTES}/s, ETA [\\d:?]+, \\d+/\\d+ tasks, ${COUNT} docs \\(${COUNT}k? docs/s\\)$`, 'm'));
    const tasks = /^\[1\/3\] ingest: (\d+) task\(s\)/m.exec(run.stderr)![1];
    assert.match(run.stderr, new RegExp(`^\\[1/3\\] ingest: .*, ${tasks}/${tasks} tasks, `, 'm'), 'every task counted when the phase ends');
    assert.match(run.stderr, /^\[3\/3\] tokenize(:tokenize)?: \d+ in -> \d+ out in [\d.]+ task-s$/m, 'the funnel line when a step ends');
    assert.doesNotMatch(run.stderr, /\r|\x1b/);
    assert.match(run.stdout, /accounting: every step balances/);

    // The same commands under a pseudo-terminal: a bar, redrawn in place.
    if (existsSync('/usr/bin/script')) {
      const tty = spawnSync('/usr/bin/script', ['-qec', `${process.execPath} ${CLI} run pipeline.yaml --workers 2 --force`, '/dev/null'], {
        cwd: dir, encoding: 'utf8', env: { ...process.env, FOXDEN_PROGRESS_INTERVAL: '0', COLUMNS: '200' }, timeout: 5 * 60_000,
      });
      assert.equal(tty.status, 0, tty.stdout);
      assert.match(tty.stdout, /\r\x1b\[2K\[1\/3\] ingest \[[#-]{20}\] \d+% /, 'a bar redrawn in place');
      assert.match(tty.stdout, /\[3\/3\] tokenize(:tokenize)?: \d+ in -> \d+ out/);
      const tokTty = spawnSync('/usr/bin/script', ['-qec', `${process.execPath} ${CLI} tokenizer train --vocab-size 1024 --out t2.json --input corpus/brown.jsonl`, '/dev/null'], {
        cwd: dir, encoding: 'utf8', env: process.env, timeout: 5 * 60_000,
      });
      assert.equal(tokTty.status, 0, tokTty.stdout);
      assert.match(tokTty.stdout, /\r\x1b\[2Ktokenizer train: merging \[[#-]{20}\] \d+% /);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

