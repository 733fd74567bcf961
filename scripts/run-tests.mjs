#!/usr/bin/env node
// Runs every *.test.ts of the packages, runners and test/ with node's test
// runner (one summary that CI can read). Node 20's --test takes no globs, so
// the files are listed here. Extra arguments are passed to node --test.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkNeeds } from './test-prerequisites.mjs';

const roots = ['packages', 'runners', 'test'];
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name === 'dist' || name === 'bench' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.ts')) files.push(path);
  }
}
for (const root of roots) walk(root);
const filter = process.env.FOXDEN_TEST_FILTER;
const selected = filter ? files.filter((f) => f.includes(filter)) : files;
if (selected.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// A file whose prerequisite is missing becomes one skipped test saying what is missing and how to get it
// (counted in the runner's summary); under FOXDEN_TEST_STRICT=1, as in CI, a failed one.
const strict = process.env.FOXDEN_TEST_STRICT === '1';
const { runnable, blocked } = await checkNeeds(join(dirname(fileURLToPath(import.meta.url)), '..'), selected);
const extra = [];
let scratch;
if (blocked.length > 0) {
  scratch = mkdtempSync(join(tmpdir(), 'foxden-prerequisites-'));
  const file = join(scratch, 'missing-prerequisites.test.mjs');
  const cases = blocked.map(({ file: f, reasons }) => {
    const why = `${f}: ${reasons.join('; ')}`;
    return strict
      ? `test(${JSON.stringify(f)}, () => { throw new Error(${JSON.stringify(`FOXDEN_TEST_STRICT=1: ${why}`)}); });`
      : `test(${JSON.stringify(f)}, { skip: ${JSON.stringify(reasons.join('; '))} }, () => {});`;
  });
  writeFileSync(file, `import { test } from 'node:test';\n${cases.join('\n')}\n`);
  extra.push(file);
  for (const { file: f, reasons } of blocked) console.log(`${strict ? 'MISSING' : 'skip'} ${f}: ${reasons.join('; ')}`);
}
const args = ['--import', 'tsx', '--test', '--test-reporter=spec', ...process.argv.slice(2), ...runnable, ...extra];
const result = spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, FOXDEN_TEST: '1' } });
if (scratch) rmSync(scratch, { recursive: true, force: true });
if (blocked.length > 0) console.log(`${blocked.length} test file(s) ${strict ? 'failed' : 'skipped'}: a prerequisite is missing (listed above)`);
process.exit(result.status ?? 1);
