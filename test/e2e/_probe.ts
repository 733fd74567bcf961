import { ShardReader } from '@foxden/shards';
import { readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
const dir = process.argv[2] + '/steps/00-ingest/documents';
const docs = new Map<string, any>();
for (const f of readdirSync(dir).filter(f=>f.endsWith('.arrow')).sort()) {
  const r = await ShardReader.open(dir + '/' + f);
  for await (const rows of r.rowBatches()) for (const d of rows) docs.set(d.id as string, d);
  await r.close();
}
let tags = 0, ents = 0;
for (const d of docs.values()) { if (/<\/?(div|script|p|span|a|table|td|li|br)\b[^>]*>/i.test(d.text)) { tags++; console.log('TAG', d.id, d.text.match(/<\/?(div|script|p|span|a|table|td|li|br)\b[^>]*>/i)[0]); } if (/&(amp|lt|gt|nbsp|quot);/.test(d.text)) ents++; }
console.log('docs', docs.size, 'tags', tags, 'ents', ents);
for (const f of ['dolma_provided_documents_000.jsonl.gz','dolma_ccnet_cc_en_head-0091.jsonl.gz']) {
  const lines = gunzipSync(readFileSync('/work/shared/corpus/jsonl/' + f)).toString('utf8').split('\n').filter(Boolean);
  for (const l of lines) { const j = JSON.parse(l); const d = docs.get(`${f}:${j.id}`); if (!d) { console.log('MISSING', j.id); continue; } if (d.text !== j.text) console.log('DIFF', j.id, JSON.stringify(d.text.slice(0,80)), JSON.stringify(j.text.slice(0,80)), d.text.length, j.text.length, d.text === j.text.normalize('NFC'), d.text === j.text.normalize('NFC').trim()); }
}
const w = [...docs.values()].filter(d => d.url === 'https://an.wikipedia.org/wiki/Escopete');
console.log(w.map(d => [d.id, d.fetched_at, d.lang, d.text.length]));
