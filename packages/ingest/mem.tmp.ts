import { readSource } from './src/readers/index.js';
let peak = 0; const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 10);
const t = performance.now(); let n = 0, bytes = 0;
for await (const r of readSource(process.argv[2]!)) { n++; if (r.kind === 'document') bytes += r.body?.length ?? r.text?.length ?? 0; }
clearInterval(timer);
console.log(n, 'records', (bytes / 1e6).toFixed(1), 'MB payload', ((performance.now() - t) / 1000).toFixed(2), 's', 'peak RSS', (peak / 1e6).toFixed(0), 'MB');
