import { rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { collectReportData, type CollectOptions, type ReportData } from './collect-report-data.js';
import { reportCharts } from './report-charts.js';
import { renderChart } from './render-chart.js';
import { renderReportHtml } from './render-report-html.js';

export interface WriteRunReportOptions extends CollectOptions {
  /** Where to write the HTML. Default: `<run>/report.html`. */
  out?: string;
}

export interface RunReportResult {
  /** The file written. */
  path: string;
  bytes: number;
  /** Ids of the charts drawn. */
  charts: string[];
  /** Milliseconds: reading aggregates (DuckDB included), drawing charts, all of it. */
  timings: { collectMs: number; queryMs: number; chartsMs: number; totalMs: number };
  data: ReportData;
}

/** Renders a run's report as one HTML page (see renderRunReport) and writes it under a temporary name, renamed when complete. */
export async function writeRunReport(runDir: string, options: WriteRunReportOptions = {}): Promise<RunReportResult> {
  const started = performance.now();
  const { html, charts, data, collectMs, chartsMs } = await renderRunReport(runDir, options);
  const path = resolve(options.out ?? join(runDir, 'report.html'));
  const temporary = `${path}.tmp-${process.pid}`;
  await writeFile(temporary, html);
  await rename(temporary, path);
  return { path, bytes: Buffer.byteLength(html), charts, data, timings: { collectMs, queryMs: data.queryMs, chartsMs, totalMs: performance.now() - started } };
}

/** A run's report as an HTML string: the run's aggregates, each chart drawn to SVG. */
export async function renderRunReport(runDir: string, options: CollectOptions = {}): Promise<{ html: string; charts: string[]; data: ReportData; collectMs: number; chartsMs: number }> {
  const t0 = performance.now();
  const data = await collectReportData(runDir, options);
  const t1 = performance.now();
  const charts = reportCharts(data);
  const drawn = [];
  for (const chart of charts) drawn.push({ chart, svg: await renderChart(chart.spec) });
  const t2 = performance.now();
  return { html: renderReportHtml(data, drawn), charts: charts.map((c) => c.id), data, collectMs: t1 - t0, chartsMs: t2 - t1 };
}
