import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** A path inside ../shared/corpus. */
export const corpus = (p: string): string => resolve(repoRoot, '../shared/corpus', p);

/** Real documents in several languages: every JSONL record of the shared corpus and the opening of each book. */
export function realTexts(): string[] {
  const out: string[] = [];
  for (const f of readdirSync(corpus('jsonl')).sort()) {
    const raw = readFileSync(corpus(`jsonl/${f}`));
    const text = f.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    for (const line of text.split('\n')) if (line.trim()) out.push((JSON.parse(line) as { text: string }).text);
  }
  for (const f of readdirSync(corpus('books')).filter((x) => x.endsWith('.gz')).sort()) {
    out.push(gunzipSync(readFileSync(corpus(`books/${f}`))).toString('utf8').slice(0, 30_000));
  }
  assert.ok(out.length > 100, `shared corpus incomplete: ${out.length} texts`);
  return out;
}
