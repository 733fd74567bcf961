#!/usr/bin/env node
// Prints bench-results.json as a Markdown table (for docs/benchmarks.md).
import { readFileSync } from 'node:fs';
const { generated_at, node, entries } = JSON.parse(readFileSync(process.argv[2] ?? 'bench-results.json', 'utf8'));
const fmt = (x) => (Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en') : Number(x.toPrecision(3)).toString());
console.log(`Generated ${generated_at} on Node ${node}.\n`);
console.log('| benchmark | value | limit measured in the same run | ratio | input | peak RSS |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const e of entries) {
  const limit = e.limit ? `${e.limit.name}: ${fmt(e.limit.value)} ${e.limit.unit}` : '';
  const input = e.input_bytes ? `${(e.input_bytes / 1e6).toFixed(1)} MB` : e.documents ? `${fmt(e.documents)} docs` : '';
  console.log(`| ${e.name} | ${fmt(e.value)} ${e.unit} | ${limit} | ${e.ratio === undefined ? '' : fmt(e.ratio)} | ${input} | ${Math.round(e.peak_rss_bytes / 2 ** 20)} MiB |`);
}
