#!/usr/bin/env node
// Runs every *.test.ts of the packages, runners and test/ with node's test
// runner (one summary that CI can read). Node 20's --test takes no globs, so
// the files are listed here. Extra arguments are passed to node --test.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

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
const args = ['--import', 'tsx', '--test', '--test-reporter=spec', ...process.argv.slice(2), ...selected];
const result = spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, FOXDEN_TEST: '1' } });
process.exit(result.status ?? 1);
