import type { ReportData } from './collect-report-data.js';
import { sqlString } from '@foxden/shards';
import { dropAnchor, type ReportChart, type SectionId } from './report-charts.js';

/** HTML-escapes text for element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number) => `${(bytes / 1e6).toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 })}`;
const pct = (f: number) => `${(100 * f).toFixed(2)}%`;
const secs = (s: number) => (s >= 100 ? s.toFixed(0) : s >= 10 ? s.toFixed(1) : s.toFixed(2));

/** What each value of meta.extraction means (docs/formats.md), for the extraction table. */
const EXTRACTION_METHODS: Readonly<Record<string, string>> = {
  main: 'the main content the fast extractor found',
  listing: "a listing or collection page's cards: its main region less furniture",
  boilerplate: 'no main block: the whole page less furniture',
  visible: 'the last resort: every visible text but obvious furniture',
  readability: "Readability.js's article (extractor: readability)",
};

const SECTIONS: { id: SectionId | 'rejected' | 'accounting'; title: string }[] = [
  { id: 'funnel', title: 'Funnel' },
  { id: 'content', title: 'What was kept' },
  { id: 'curriculum', title: 'Curriculum' },
  { id: 'time', title: 'Time' },
  { id: 'rejected', title: 'Rejected records' },
  { id: 'training', title: 'Training' },
];

const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; margin: 0; color: #222; background: #fafafa; }
header { background: #2f3e4e; color: #fff; padding: 16px 28px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 2px 0; color: #d6dde5; }
nav { position: sticky; top: 0; background: #fff; border-bottom: 1px solid #ddd; padding: 8px 28px; z-index: 1; }
nav a { margin-right: 16px; color: #2f6ea5; text-decoration: none; }
main { padding: 8px 28px 40px; max-width: 1240px; }
section { background: #fff; border: 1px solid #e3e3e3; border-radius: 6px; padding: 12px 20px 16px; margin: 18px 0; }
h2 { font-size: 18px; margin: 4px 0 10px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
figure { margin: 12px 0 18px; }
figcaption { font-weight: 600; margin-bottom: 4px; }
table { border-collapse: collapse; margin: 8px 0 14px; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #eee; padding: 3px 8px; font-size: 13px; white-space: nowrap; text-align: right; vertical-align: top; }
th { background: #f3f5f7; font-weight: 600; white-space: nowrap; }
.scroll { overflow-x: auto; }
svg { display: block; }
td.l, th.l { text-align: left; }
tr.bad td { background: #fdecea; }
.ok { color: #2e7d32; font-weight: 600; }
.no { color: #c62828; font-weight: 600; }
.warn { background: #fff8e1; border: 1px solid #f0d98c; padding: 8px 12px; border-radius: 4px; }
details summary { cursor: pointer; color: #2f6ea5; }
details[open] { background: #f6f9fc; }
pre { background: #f3f5f7; padding: 8px 10px; overflow-x: auto; font-size: 12px; margin: 4px 0; white-space: pre-wrap; max-width: 820px; }
#rejected-table td:last-child { white-space: normal; min-width: 320px; }
#stages-table th { white-space: normal; min-width: 48px; }
#stages-table th, #stages-table td { padding: 3px 5px; }
code { font-size: 12px; }
.muted { color: #777; }
footer { color: #777; padding: 0 28px 30px; font-size: 12px; }
`;

/** Opens the drop reason's SQL when a chart bar or link points at it. */
const SCRIPT = `
function openTarget() {
  var id = decodeURIComponent(location.hash.slice(1));
  var el = id && document.getElementById(id);
  if (el && el.tagName === 'DETAILS') { el.open = true; el.scrollIntoView({ block: 'center' }); }
}
window.addEventListener('hashchange', openTarget);
openTarget();
`;

/** The drops of one step and reason, as SQL over the run's views. */
export function dropSql(step: string, reason: string): string {
  return `SELECT id, url, value, source, "offset", shard, shard_row FROM drops WHERE step = ${sqlString(step)} AND reason = ${sqlString(reason)} ORDER BY shard, shard_row`;
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function table(headers: string[], rows: string[][], options: { id?: string; left?: number[]; rowAttrs?: string[] } = {}): string {
  const left = new Set(options.left ?? [0]);
  const head = headers.map((h, i) => `<th${left.has(i) ? ' class="l"' : ''}>${h}</th>`).join('');
  const body = rows.map((r, ri) => `<tr${options.rowAttrs?.[ri] ?? ''}>${r.map((c, i) => `<td${left.has(i) ? ' class="l"' : ''}>${c}</td>`).join('')}</tr>`).join('\n');
  return `<div class="scroll"><table${options.id ? ` id="${options.id}"` : ''}><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

function figure(chart: ReportChart, svg: string): string {
  return `<figure class="chart" data-chart="${chart.id}" id="chart-${chart.id}"><figcaption>${escapeHtml(chart.title)}</figcaption>\n${svg}\n</figure>`;
}

/** The whole report page: inline CSS, inline SVG charts, one small inline script; nothing is loaded from anywhere. */
export function renderReportHtml(data: ReportData, charts: { chart: ReportChart; svg: string }[]): string {
  const e = escapeHtml;
  const figures = (section: SectionId) => charts.filter((c) => c.chart.section === section).map((c) => figure(c.chart, c.svg)).join('\n');
  const parts: string[] = [];
  const runArg = shellQuote(data.runDir);
  const documentsIn = data.steps[0]?.documents_in ?? 0;
  const documentsOut = data.steps.at(-1)?.documents_out ?? 0;

  // Funnel
  const funnelRows = data.steps.map((s) => [
    e(s.step), e(s.type), int(s.tasks), int(s.documents_in), int(s.documents_out), int(s.documents_in - s.documents_out),
    mb(s.bytes_in), mb(s.bytes_out), s.balanced ? '<span class="ok">yes</span>' : '<span class="no">NO</span>',
  ]);
  const funnelAttrs = data.steps.map((s) => ` data-step="${e(s.step)}" data-in="${s.documents_in}" data-out="${s.documents_out}" data-dropped="${s.documents_in - s.documents_out}" data-bytes-in="${s.bytes_in}" data-bytes-out="${s.bytes_out}"${s.balanced ? '' : ' class="bad"'}`);
  const viewCounts = new Map(data.dropCounts.map((d) => [`${d.step}\u0000${d.reason}`, d.n]));
  const dropRows: string[][] = [];
  const dropAttrs: string[] = [];
  for (const s of data.steps) {
    for (const [reason, n] of Object.entries(s.dropped).sort((a, b) => b[1] - a[1])) {
      if (n === 0) continue;
      const sql = dropSql(s.step, reason);
      const recorded = viewCounts.get(`${s.step}\u0000${reason}`) ?? 0;
      dropRows.push([
        e(s.step),
        `<details id="${dropAnchor(s.step, reason)}"><summary>${e(reason)}</summary><pre class="sql">${e(sql)}</pre><pre>foxden sql ${e(runArg)} ${e(shellQuote(sql))}</pre></details>`,
        int(n), recorded === n ? int(recorded) : `<span class="no">${int(recorded)}</span>`,
      ]);
      dropAttrs.push(` data-step="${e(s.step)}" data-reason="${e(reason)}" data-n="${n}"`);
    }
  }
  parts.push(`<section id="funnel"><h2>Funnel</h2>
<p>${int(documentsIn)} documents in, ${int(documentsOut)} out of the last step; accounting ${data.balanced === null ? 'unknown (no summary.json yet)' : data.balanced ? '<span class="ok">balances</span> at every step (in = out + dropped)' : '<span class="no">DOES NOT BALANCE</span>'}.</p>
${table(['step', 'type', 'tasks', 'documents in', 'out', 'dropped', 'MB in', 'MB out', 'balanced'], funnelRows, { id: 'funnel-table', left: [0, 1], rowAttrs: funnelAttrs })}
${figures('funnel')}
<h3>Drops by reason</h3>
<p class="muted">Each reason opens the SQL that lists its documents (run it with <code>foxden sql</code>). The last column counts the drop records the run wrote down; it equals the funnel's count.</p>
${dropRows.length ? table(['step', 'reason (click for the SQL)', 'dropped', 'drop records'], dropRows, { id: 'drops-table', left: [0, 1], rowAttrs: dropAttrs }) : '<p>No document was dropped.</p>'}
</section>`);

  // Content
  const langRows = data.languages.slice(0, 30).map((l) => [e(l.lang), int(l.ingested), int(l.kept), int(l.kept_tokens)]);
  const keptHtmlTokens = data.extraction.reduce((n, x) => n + x.kept_tokens, 0);
  const extractionRows = data.extraction.map((x) => [
    e(x.method), e(EXTRACTION_METHODS[x.method] ?? ''), x.ingested === null ? '?' : int(x.ingested), int(x.kept), int(x.kept_tokens),
    keptHtmlTokens > 0 ? pct(x.kept_tokens / keptHtmlTokens) : '',
  ]);
  const emptyRecords = data.dropCounts.filter((d) => d.reason === 'empty-text' && d.step === data.steps[0]?.step).reduce((n, d) => n + d.n, 0);
  const extractionTable = extractionRows.length === 0 ? '' : `<h3>How ingest found the text of HTML pages</h3>
<p class="muted">Each document made from an HTML page names its method in <code>meta.extraction</code> and in the <code>docs</code> view's <code>extraction</code> column. Records that gave no text, ${int(emptyRecords)} in this run, are the first step's <code>empty-text</code> drops above. Much text from the last resorts (boilerplate, visible) says that the extractor did not recognise the run's pages. A run written before ingest counted its methods shows ? for what it wrote.</p>
${table(['method', 'what it is', 'written by ingest', 'kept', 'kept tokens', 'share of kept HTML tokens'], extractionRows, { id: 'extraction-table', left: [0, 1], rowAttrs: data.extraction.map((x) => ` data-method="${e(x.method)}" data-ingested="${x.ingested ?? ''}" data-kept="${x.kept}" data-kept-tokens="${x.kept_tokens}"`) })}`;
  const sourceRows = data.sources.slice(0, 30).map((s) => [e(s.source), int(s.documents), int(s.tokens)]);
  parts.push(`<section id="content"><h2>What was kept</h2>
<p class="muted">Documents that reached the tokenizer (the <code>docs</code> view); the ingested language counts are the first step's output.</p>
${figures('content')}
${langRows.length ? `<h3>Languages</h3>${table(['language', 'ingested', 'kept', 'kept tokens'], langRows, { id: 'languages-table' })}` : ''}
${extractionTable}
${sourceRows.length ? `<h3>Sources</h3>${table(['source', 'documents', 'tokens'], sourceRows, { id: 'sources-table' })}` : ''}
</section>`);

  // Curriculum
  if (data.stages.length > 0) {
    const stageRows = data.stages.map((s) => [
      String(s.index), e(s.name), int(s.seq_len), e(s.packing), int(s.shards), int(s.sequences), int(s.tokens), int(s.content_tokens), pct(s.padding_fraction),
      int(s.documents), int(s.truncations), int(s.repeats), int(s.budget_cut_documents), int(s.target_tokens),
      s.budget_met ? '<span class="ok">met</span>' : '<span class="no">NOT met</span>',
    ]);
    parts.push(`<section id="curriculum"><h2>Curriculum</h2>
${table(['#', 'stage', 'seq_len', 'packing', 'shards', 'sequences', 'tokens', 'content', 'padding', 'documents', 'truncations', 'repeats', 'budget cuts', 'budget', 'budget met'], stageRows, { id: 'stages-table', left: [1, 3] })}
${figures('curriculum')}
</section>`);
  } else {
    parts.push(`<section id="curriculum"><h2>Curriculum</h2><p>This run has no curriculum manifests.</p></section>`);
  }

  // Time
  const timingRows = data.timings.map((t) => [e(t.step), int(t.tasks), secs(t.seconds), int(t.documents_per_s), t.mb_per_s.toFixed(2)]);
  const slowRows = data.slowestTasks.map((t) => [e(t.step), e(t.task), secs(t.seconds), int(t.documents_in), mb(t.bytes_in)]);
  parts.push(`<section id="time"><h2>Time</h2>
<p>${data.seconds === null ? '' : `The run took ${secs(data.seconds)} s of wall time on the ${e(data.runner ?? '?')} runner. `}Step times are task seconds summed over a step's tasks (tasks run in parallel), so throughput is per worker.</p>
${figures('time')}
${table(['step', 'tasks', 'seconds', 'documents/s', 'MB/s'], timingRows, { id: 'timings-table' })}
<h3>Slowest tasks</h3>
${slowRows.length ? table(['step', 'task', 'seconds', 'documents in', 'MB in'], slowRows, { id: 'slowest-table', left: [0, 1] }) : '<p>No completed task.</p>'}
</section>`);

  // Rejected
  const rejectedRows = data.rejected.map((r) => [e(r.step), e(r.reason), e(r.source ?? ''), r.offset === null ? '' : int(r.offset), e((r.value ?? '').slice(0, 300))]);
  parts.push(`<section id="rejected"><h2>Rejected records</h2>
${data.rejectedTotal === 0 ? '<p>No record was rejected (reasons <code>reject:*</code>: input that could not be parsed).</p>'
    : `<p>${int(data.rejectedTotal)} record(s) could not be parsed${data.rejectedTotal > data.rejected.length ? `; the first ${int(data.rejected.length)} by file and offset` : ''}. All of them: <code>foxden sql ${e(runArg)} "select * from drops where reason like 'reject:%'"</code></p>
${table(['step', 'reason', 'file', 'offset', 'message'], rejectedRows, { id: 'rejected-table', left: [0, 1, 2, 4] })}`}
</section>`);

  // Training
  if (data.training) {
    parts.push(`<section id="training"><h2>Training</h2>
<p>${int(data.trainingSteps)} optimizer step(s) in <code>train/metrics.jsonl</code>${data.training.length < data.trainingSteps ? ` (every ${Math.ceil(data.trainingSteps / data.training.length)}th drawn)` : ''}.</p>
${figures('training')}
</section>`);
  }

  const warnings = data.warnings.length ? `<div class="warn"><b>Warnings</b><ul>${data.warnings.map((w) => `<li>${e(w)}</li>`).join('')}</ul></div>` : '';
  const nav = SECTIONS.filter((s) => s.id !== 'training' || data.training).map((s) => `<a href="#${s.id}">${s.title}</a>`).join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>foxden report: ${e(data.pipeline)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>foxden run report: ${e(data.pipeline)}</h1>
<p>${e(data.runDir)}${data.seed === null ? '' : ` &middot; seed ${data.seed}`}${data.runner ? ` &middot; ${e(data.runner)} runner` : ''} &middot; ${data.inputs.length} input file(s), ${mb(data.inputs.reduce((a, i) => a + i.bytes, 0))} MB</p></header>
<nav>${nav}</nav>
<main>
${warnings}
${parts.join('\n')}
</main>
<footer>Written by <code>foxden report</code>. Charts drawn with Vega-Lite as inline SVG; the page loads nothing from anywhere. Query the run yourself: <code>foxden sql ${e(runArg)}</code>.</footer>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
