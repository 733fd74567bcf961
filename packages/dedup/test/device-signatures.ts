/** Times MinHasher.signature over a JSONL file of texts (best of 5 passes, process CPU time); bundled as sig.mjs for device-bench.sh. */
import { readFileSync } from 'node:fs';
import { MinHasher } from '../src/minhash.js';
const texts = readFileSync(process.argv[2]!, 'utf8').split('\n').filter((l) => l.trim()).map((l) => (JSON.parse(l) as { text: string }).text);
const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
const h = new MinHasher();
const sig = new Int32Array(112);
let best = Infinity, wall = 0;
for (let rep = 0; rep < 5; rep++) {
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (const t of texts) h.signature(t, sig);
  const u = process.cpuUsage(c0); const cpu = (u.user + u.system) / 1e6;
  if (cpu < best) { best = cpu; wall = (performance.now() - t0) / 1000; }
}
console.log(JSON.stringify({ bytes, documents: texts.length, cpu_seconds: best, wall_seconds: wall, mb_per_core_second: bytes / 1e6 / best, docs_per_core_second: texts.length / best }));
