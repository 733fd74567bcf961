/** Real corpus texts for the tests (../shared/corpus, never copied into the repository). */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const corpusDir = resolve(repoRoot, '../shared/corpus');

export function readBook(name: string): string {
  return gunzipSync(readFileSync(resolve(corpusDir, 'books', name))).toString('utf8');
}

export interface CorpusDoc {
  id: string;
  text: string;
  source: string;
  url: string | null;
}

/** Every record of every JSONL file of the corpus, in file order. */
export function jsonlDocs(): CorpusDoc[] {
  const dir = resolve(corpusDir, 'jsonl');
  const files = readdirSync(dir).sort();
  if (files.length === 0) throw new Error(`no JSONL files in ${dir}`);
  const docs: CorpusDoc[] = [];
  for (const f of files) {
    let buf = readFileSync(resolve(dir, f));
    if (f.endsWith('.gz')) buf = gunzipSync(buf);
    buf.toString('utf8').split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      const rec = JSON.parse(line) as { text: string; url?: string; metadata?: { url?: string } };
      docs.push({ id: `${f}:${i}`, text: rec.text, source: `jsonl/${f}`, url: rec.url ?? rec.metadata?.url ?? null });
    });
  }
  return docs;
}
