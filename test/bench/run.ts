/**
 * Runs every test/bench/*.bench.ts (or those named on the command line) and
 * writes bench-results.json at the repository root.
 *   npm run bench                 all benchmarks
 *   npm run bench -- ingest       only files whose name contains "ingest"
 *   npm run bench -- --full       large variants (3T-token planning, ...)
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchEntry, Benchmark } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const args = process.argv.slice(2);
const full = args.includes('--full');
const filters = args.filter((a) => !a.startsWith('--'));
const files = (await readdir(here)).filter((f) => f.endsWith('.bench.ts')).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort();
const entries: BenchEntry[] = [];
for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: Benchmark };
  const scratchDir = await mkdtemp(join(tmpdir(), 'foxden-bench-'));
  console.log(`# ${file}`);
  try {
    const got = await mod.default({ corpusDir: resolve(root, '../shared/corpus'), scratchDir, full, log: (m) => console.log(`  ${m}`) });
    for (const e of got) console.log(`  ${e.name}: ${e.value.toFixed(3)} ${e.unit}${e.ratio === undefined ? '' : ` (ratio ${e.ratio.toFixed(3)} of ${e.limit?.name})`}`);
    entries.push(...got);
  } finally {
    await rm(scratchDir, { recursive: true, force: true });
  }
}
const out = join(root, 'bench-results.json');
// A filtered run replaces only its own entries, keeping the others' last results.
let kept: BenchEntry[] = [];
if (filters.length > 0) {
  const previous = await readFile(out, 'utf8').then((t) => JSON.parse(t) as { entries: BenchEntry[] }).catch(() => ({ entries: [] }));
  const fresh = new Set(entries.map((e) => e.name));
  kept = previous.entries.filter((e) => !fresh.has(e.name));
}
await writeFile(out, JSON.stringify({ generated_at: new Date().toISOString(), node: process.version, entries: [...kept, ...entries] }, null, 2) + '\n');
console.log(`wrote ${entries.length} entries to ${out}`);
