import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readSource, detectFormat } from './src/readers/index.js';
const root = '/work/shared/corpus';
const files: string[] = [];
const walk = (d: string) => { for (const f of readdirSync(d).sort()) { const p = join(d, f); if (statSync(p).isDirectory()) walk(p); else if (!f.startsWith('LICENSE') && !f.endsWith('.md')) files.push(p); } };
walk(join(root, 'warc')); walk(join(root, 'jsonl'));
files.push(join(root, 'books/gutenberg_PrideAndPrejudice.txt.gz'), join(root, 'books/sentencepiece_wagahaiwa_nekodearu_ja.txt.gz'));
for (const f of files) {
  const counts: Record<string, number> = {};
  const rejects: string[] = [];
  const notes: Record<string, number> = {};
  const t = performance.now();
  for await (const r of readSource(f)) {
    const k = r.kind === 'document' ? 'doc' : `${r.kind}:${r.reason}`;
    counts[k] = (counts[k] ?? 0) + 1;
    if (r.kind === 'reject') rejects.push(r.message);
    if (r.kind === 'document' && Array.isArray(r.meta.notes)) for (const n of r.meta.notes as string[]) { const key = n.split(':')[0]!; notes[key] = (notes[key] ?? 0) + 1; }
  }
  console.log(f.replace(root + '/', ''), detectFormat(f), JSON.stringify(counts), JSON.stringify(notes), (performance.now() - t).toFixed(0) + 'ms');
  for (const m of rejects.slice(0, 4)) console.log('   ', m.replace(root + '/', ''));
}
