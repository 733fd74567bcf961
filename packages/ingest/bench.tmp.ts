import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { readSource } from './src/readers/index.js';
const files = process.argv.slice(2);
async function raw(f: string): Promise<number> {
  let n = 0;
  const sink = new Writable({ write(c, _e, cb) { n += c.length; cb(); } });
  if (f.endsWith('.gz')) await pipeline(createReadStream(f, { highWaterMark: 1 << 20 }), createGunzip({ chunkSize: 1 << 18 }), sink);
  else await pipeline(createReadStream(f, { highWaterMark: 1 << 20 }), sink);
  return n;
}
async function reader(f: string): Promise<number> { let n = 0; for await (const r of readSource(f)) { n++; } return n; }
for (const f of files) {
  const bytes = await raw(f);
  for (let i = 0; i < 2; i++) { await raw(f); await reader(f); }
  const reps = Math.max(3, Math.ceil(50e6 / bytes));
  let t = performance.now(); for (let i = 0; i < reps; i++) await raw(f); const tr = (performance.now() - t) / reps / 1000;
  t = performance.now(); let recs = 0; for (let i = 0; i < reps; i++) recs = await reader(f); const tt = (performance.now() - t) / reps / 1000;
  console.log(`${f.split('/').pop()}: ${(bytes/1e6).toFixed(1)} MB decompressed, ${recs} records; raw ${(bytes/tr/1e6).toFixed(0)} MB/s, reader ${(bytes/tt/1e6).toFixed(0)} MB/s, ratio ${(tr/tt).toFixed(2)}`);
}
