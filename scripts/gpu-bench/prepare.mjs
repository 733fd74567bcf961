#!/usr/bin/env node
/**
 * Prepares what the GPU trainer benchmark carries to a machine that has
 * PyTorch but no Node.js (docs/benchmarks.md, "Trainer on a GPU"), all under
 * the ignored .gl/:
 *   .gl/node.xz                  this machine's node binary, xz-compressed
 *   .gl/trainer/dist/*.js        the feeder and `foxden train`, bundled (no node_modules needed)
 *   .gl/trainer/{engine,presets} the Python engine and presets beside them
 *   .gl/run.tar.xz               a real curriculum: the demo corpus through the demo pipeline,
 *                                with stage budgets large enough for a few hundred fox-1.6b steps each
 * Then scripts/gpu-bench/run.sh runs there. Needs `npm run demo` first (the demo corpus and models).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const gl = join(root, '.gl');
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
if (!existsSync(join(root, '.demo/demo-bpe-8k.json'))) throw new Error('run `npm run demo` first');
mkdirSync(join(gl, 'trainer/dist'), { recursive: true });

run(join(root, 'node_modules/.bin/esbuild'), [
  'packages/trainer/src/train-main.ts', 'packages/trainer/src/feed-main.ts', '--bundle', '--platform=node', '--format=esm', '--target=node20',
  // DuckDB is loaded only where a step's sidecars are compacted, never by train or feed; its native
  // bindings cannot be bundled (esbuild stops at their optional per-platform packages).
  '--external:@duckdb/node-api',
  `--outdir=${join(gl, 'trainer/dist')}`, '--banner:js=import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);',
]);
for (const dir of ['engine', 'presets']) {
  rmSync(join(gl, 'trainer', dir), { recursive: true, force: true });
  cpSync(join(root, 'packages/trainer', dir), join(gl, 'trainer', dir), { recursive: true, filter: (p) => !p.includes('__pycache__') });
}
if (!existsSync(join(gl, 'node.xz'))) execFileSync('sh', ['-c', `xz -T2 -6 -c "${process.execPath}" > "${join(gl, 'node.xz')}"`], { stdio: 'inherit' });

// The demo pipeline with budgets of ~5M tokens per stage (max_repeats lifted): a few hundred 16K-token steps each.
const demo = readFileSync(join(root, 'pipelines/demo.yaml'), 'utf8')
  .replace('output: ../demo-out', 'output: gpu-run')
  .replace('total_tokens: null', 'total_tokens: 14000000')
  .replace('max_repeats: 2', 'max_repeats: 16');
writeFileSync(join(gl, 'gpu-bench.yaml'), demo);
run(process.execPath, ['packages/cli/dist/main.js', 'run', join(gl, 'gpu-bench.yaml'), '--workers', '2']);
rmSync(join(gl, 'run'), { recursive: true, force: true });
const step = 'steps/10-curriculum';
for (const path of ['curriculum.json', 'run.json', `${step}/manifests`, `${step}/stage`]) cpSync(join(gl, 'gpu-run', path), join(gl, 'run', path), { recursive: true });
// Token shards of repeated documents compress ~13x: the carried files stay far under the device tool's 64 MiB.
run('tar', ['-C', gl, '-cJf', join(gl, 'run.tar.xz'), 'run']);
console.log('prepared .gl/: carry it with the device run (see scripts/gpu-bench/run.sh)');
