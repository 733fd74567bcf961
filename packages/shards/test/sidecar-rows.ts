/** Rows the sidecar tests write, shared with the worker thread that writes them again. */
import { DOCUMENT_COLUMNS, withColumns } from '@foxden/core';

export const columns = withColumns(DOCUMENT_COLUMNS, [{ name: 'quality', type: 'float32' }, { name: 'n', type: 'int64' }, { name: 'ok', type: 'bool' }, { name: 'k', type: 'uint32' }]);

export function doc(i: number) {
  return {
    id: `doc-${i}`, text: `Text ${i} ${'x'.repeat(i % 50)}`, url: i % 3 ? `https://e.org/${i}?q='${i}'` : null, source: i % 2 ? 'a.warc' : 'b/ü.jsonl',
    fetched_at: i % 4 ? '2024-01-02T03:04:05Z' : null, lang: i % 2 ? 'en' : null, lang_score: i % 2 ? Math.fround(i / 3000) : null,
    meta: i % 5 ? JSON.stringify({ extraction: 'readability', i }) : null, quality: i % 7 ? Math.fround(i / 1300) : null, n: i * 1_000_000_007, ok: i % 2 === 0, k: i * 3,
  };
}

