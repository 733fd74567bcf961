import type { ReportData } from './collect-report-data.js';
import type { ChartSpec } from './render-chart.js';

/** One chart of the report: an id (the figure's `data-chart`), the section it belongs to, its title and its Vega-Lite spec. */
export interface ReportChart {
  id: string;
  section: SectionId;
  title: string;
  spec: ChartSpec;
}

export type SectionId = 'funnel' | 'content' | 'curriculum' | 'time' | 'training';

const WIDTH = 640;

/** Anchor of the SQL that lists one step's drops of one reason (the funnel's drop table and bars link to it). */
export function dropAnchor(step: string, reason: string): string {
  return `drop-${step}-${reason}`.replace(/[^A-Za-z0-9_-]+/g, '_');
}

/** The report's charts, those with data only (a run without a curriculum has no stage charts). */
export function reportCharts(data: ReportData): ReportChart[] {
  const charts: ReportChart[] = [];
  const add = (c: ReportChart) => charts.push(c);
  const stepOrder = data.steps.map((s) => s.step);

  if (data.steps.length > 0) {
    add({
      id: 'funnel-documents', section: 'funnel', title: 'Documents through each step: passed on and dropped',
      spec: {
        width: WIDTH, height: { step: 22 },
        data: { values: data.steps.flatMap((s) => [
          { step: s.step, what: 'passed on', n: s.documents_out },
          { step: s.step, what: 'dropped', n: s.documents_in - s.documents_out },
        ]) },
        mark: { type: 'bar', tooltip: true },
        encoding: {
          y: { field: 'step', type: 'nominal', sort: stepOrder, title: null },
          x: { field: 'n', type: 'quantitative', stack: 'zero', title: 'documents in' },
          color: { field: 'what', type: 'nominal', scale: { domain: ['passed on', 'dropped'], range: ['#4c78a8', '#e45756'] }, title: null },
          order: { field: 'what', sort: 'descending' },
        },
      },
    });
    add({
      id: 'funnel-bytes', section: 'funnel', title: 'Bytes of text into and out of each step (MB)',
      spec: {
        width: WIDTH, height: { step: 11 },
        data: { values: data.steps.flatMap((s) => [
          { step: s.step, what: 'in', mb: s.bytes_in / 1e6 },
          { step: s.step, what: 'out', mb: s.bytes_out / 1e6 },
        ]) },
        mark: { type: 'bar', tooltip: true },
        encoding: {
          y: { field: 'step', type: 'nominal', sort: stepOrder, title: null },
          yOffset: { field: 'what', type: 'nominal', sort: ['in', 'out'] },
          x: { field: 'mb', type: 'quantitative', title: 'MB' },
          color: { field: 'what', type: 'nominal', scale: { domain: ['in', 'out'], range: ['#9ecae9', '#4c78a8'] }, title: null },
        },
      },
    });
  }
  const drops = data.steps.flatMap((s) => Object.entries(s.dropped).filter(([, n]) => n > 0).map(([reason, n]) => ({ step: s.step, reason, n, label: `${s.step}: ${reason}`, href: `#${dropAnchor(s.step, reason)}` })));
  if (drops.length > 0) {
    add({
      id: 'drops', section: 'funnel', title: 'Drops by step and reason (click a bar for the SQL that lists them)',
      spec: {
        width: WIDTH, height: { step: 16 },
        data: { values: drops },
        mark: { type: 'bar', tooltip: true, cursor: 'pointer' },
        encoding: {
          y: { field: 'label', type: 'nominal', sort: drops.map((d) => d.label), title: null, axis: { labelLimit: 320 } },
          x: { field: 'n', type: 'quantitative', title: 'documents dropped' },
          color: { field: 'step', type: 'nominal', sort: stepOrder, title: 'step' },
          href: { field: 'href', type: 'nominal' },
        },
      },
    });
  }
  if (data.languages.length > 0) {
    const top = data.languages.slice(0, 15);
    const hasIngested = top.some((l) => l.ingested > 0);
    add({
      id: 'languages', section: 'content', title: hasIngested ? 'Language mix: documents ingested and kept (top 15 languages)' : 'Language mix of the kept documents (top 15 languages)',
      spec: {
        width: WIDTH, height: { step: 10 },
        data: { values: top.flatMap((l) => [
          ...(hasIngested ? [{ lang: l.lang, what: 'ingested', n: l.ingested }] : []),
          { lang: l.lang, what: 'kept', n: l.kept },
        ]) },
        mark: { type: 'bar', tooltip: true },
        encoding: {
          y: { field: 'lang', type: 'nominal', sort: top.map((l) => l.lang), title: 'language' },
          yOffset: { field: 'what', type: 'nominal', sort: ['ingested', 'kept'] },
          x: { field: 'n', type: 'quantitative', title: 'documents' },
          color: { field: 'what', type: 'nominal', scale: { domain: ['ingested', 'kept'], range: ['#bab0ac', '#54a24b'] }, title: null },
        },
      },
    });
  }
  if (data.quality.length > 0) {
    const w = data.qualityBinWidth;
    const values = data.quality.flatMap((q) => [
      { from: q.bin * w, to: (q.bin + 1) * w, what: 'kept', n: q.kept },
      { from: q.bin * w, to: (q.bin + 1) * w, what: 'dropped by the classifier', n: q.dropped },
    ]).filter((v) => v.n > 0);
    add({
      id: 'quality', section: 'content', title: 'Quality scores, with the thresholds that decide (dashed)',
      spec: {
        width: WIDTH, height: 220,
        layer: [
          {
            data: { values },
            mark: { type: 'bar', tooltip: true },
            encoding: {
              x: { field: 'from', type: 'quantitative', bin: { binned: true, step: w }, scale: { domain: [0, 1] }, axis: { values: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1] }, title: 'quality score' },
              x2: { field: 'to' },
              y: { field: 'n', type: 'quantitative', stack: 'zero', title: 'documents' },
              color: { field: 'what', type: 'nominal', scale: { domain: ['kept', 'dropped by the classifier'], range: ['#54a24b', '#e45756'] }, title: null },
            },
          },
          ...(data.qualityThresholds.length > 0 ? [{
            data: { values: data.qualityThresholds.map((t, i) => ({ ...t, y: 4 + 14 * i })) },
            layer: [
              { mark: { type: 'rule' as const, strokeDash: [5, 3], color: '#333', strokeWidth: 1.5 }, encoding: { x: { field: 'value', type: 'quantitative' as const } } },
              { mark: { type: 'text' as const, align: 'left' as const, dx: 4, dy: -4, baseline: 'top' as const, fontSize: 11, color: '#333' },
                encoding: { x: { field: 'value', type: 'quantitative' as const }, y: { field: 'y', type: 'quantitative' as const, scale: null }, text: { field: 'label', type: 'nominal' as const } } },
            ],
          }] : []),
        ],
      } as ChartSpec,
    });
  }
  if (data.clusters.length > 0) {
    add({
      id: 'clusters', section: 'content', title: `Near-duplicate cluster sizes of the kept documents (${data.nearDuplicateDrops} near-duplicates dropped)`,
      spec: {
        width: WIDTH, height: 200,
        data: { values: data.clusters.map((c) => ({ size: String(c.size), documents: c.documents })) },
        mark: { type: 'bar', tooltip: true, color: '#72b7b2' },
        encoding: {
          x: { field: 'size', type: 'ordinal', sort: data.clusters.map((c) => String(c.size)), title: 'cluster size (1 = no near-duplicate)' },
          y: { field: 'documents', type: 'quantitative', title: 'kept documents' },
        },
      },
    });
  }
  if (data.lengths.length > 0) {
    const binLabel = (b: number) => `${2 ** b}-${2 ** (b + 1) - 1}`;
    const bins = [...new Set(data.lengths.map((l) => l.bin))].sort((a, b) => a - b).map(binLabel);
    const stages = [...new Set(data.lengths.map((l) => l.stage))];
    add({
      id: 'lengths', section: 'content', title: 'Document lengths in tokens, all documents that reached the tokenizer (coloured by curriculum stage)',
      spec: {
        width: WIDTH, height: 220,
        data: { values: data.lengths.map((l) => ({ ...l, range: binLabel(l.bin) })) },
        mark: { type: 'bar', tooltip: true },
        encoding: {
          x: { field: 'range', type: 'ordinal', sort: bins, title: 'tokens per document (powers of two)' },
          y: { aggregate: 'sum', field: 'documents', type: 'quantitative', title: 'documents' },
          color: { field: 'stage', type: 'nominal', sort: stages, title: 'stage' },
        },
      },
    });
    if (stages.length > 1) {
      add({
        id: 'lengths-by-stage', section: 'curriculum', title: 'Document lengths per curriculum stage',
        spec: {
          data: { values: data.lengths.map((l) => ({ ...l, range: binLabel(l.bin) })) },
          facet: { row: { field: 'stage', type: 'nominal', sort: stages, title: null, header: { labelAngle: 0, labelAlign: 'left', labelFontSize: 12 } } },
          resolve: { scale: { y: 'independent' } },
          spec: {
            width: WIDTH - 60, height: 90,
            mark: { type: 'bar', tooltip: true, color: '#4c78a8' },
            encoding: {
              x: { field: 'range', type: 'ordinal', sort: bins, title: 'tokens per document' },
              y: { field: 'documents', type: 'quantitative', title: 'documents' },
            },
          },
        } as ChartSpec,
      });
    }
  }
  if (data.stages.length > 0) {
    const stageNames = data.stages.map((s) => s.name);
    add({
      id: 'stage-tokens', section: 'curriculum', title: 'Tokens packed per stage, by source group (padding apart)',
      spec: {
        width: WIDTH, height: { step: 26 },
        data: { values: data.stages.flatMap((s) => [
          ...s.mixture.map((m) => ({ stage: s.name, part: m.source === '*' ? 'all sources' : m.source, tokens: m.tokens })),
          { stage: s.name, part: 'padding', tokens: s.padding_tokens },
        ]) },
        mark: { type: 'bar', tooltip: true },
        encoding: {
          y: { field: 'stage', type: 'nominal', sort: stageNames, title: null },
          x: { field: 'tokens', type: 'quantitative', stack: 'zero', title: 'tokens' },
          color: { field: 'part', type: 'nominal', title: 'source group' },
        },
      },
    });
    add({
      id: 'budget', section: 'curriculum', title: 'Budget per stage: target and packed tokens (red: budget not met)',
      spec: {
        width: WIDTH, height: { step: 13 },
        data: { values: data.stages.flatMap((s) => [
          { stage: s.name, what: 'target', tokens: s.target_tokens, met: s.budget_met ? 'met' : 'not met' },
          { stage: s.name, what: 'packed (content)', tokens: s.content_tokens, met: s.budget_met ? 'met' : 'not met' },
        ]) },
        mark: { type: 'bar', tooltip: true },
        encoding: {
          y: { field: 'stage', type: 'nominal', sort: stageNames, title: null },
          yOffset: { field: 'what', type: 'nominal', sort: ['target', 'packed (content)'] },
          x: { field: 'tokens', type: 'quantitative', title: 'tokens' },
          color: {
            condition: { test: "datum.met === 'not met' && datum.what !== 'target'", value: '#e45756' },
            field: 'what', type: 'nominal', scale: { domain: ['target', 'packed (content)'], range: ['#bab0ac', '#54a24b'] }, title: null,
          },
        },
      } as ChartSpec,
    });
    add({
      id: 'packing', section: 'curriculum', title: 'Packing per stage: padding (% of tokens), documents truncated, repeated and cut for the budget',
      spec: {
        hconcat: [
          {
            width: 200, height: { step: 24 },
            data: { values: data.stages.map((s) => ({ stage: s.name, padding: 100 * s.padding_fraction })) },
            mark: { type: 'bar', tooltip: true, color: '#f58518' },
            encoding: {
              y: { field: 'stage', type: 'nominal', sort: stageNames, title: null },
              x: { field: 'padding', type: 'quantitative', title: 'padding %' },
            },
          },
          {
            width: 330, height: { step: 8 },
            data: { values: data.stages.flatMap((s) => [
              { stage: s.name, what: 'truncations', n: s.truncations },
              { stage: s.name, what: 'repeats', n: s.repeats },
              { stage: s.name, what: 'budget cuts', n: s.budget_cut_documents },
            ]) },
            mark: { type: 'bar', tooltip: true },
            encoding: {
              y: { field: 'stage', type: 'nominal', sort: stageNames, title: null },
              yOffset: { field: 'what', type: 'nominal', sort: ['truncations', 'repeats', 'budget cuts'] },
              x: { field: 'n', type: 'quantitative', title: 'document copies' },
              color: { field: 'what', type: 'nominal', sort: ['truncations', 'repeats', 'budget cuts'], title: null },
            },
          },
        ],
      } as ChartSpec,
    });
  }
  if (data.sources.length > 0) {
    const top = data.sources.slice(0, 20);
    add({
      id: 'source-tokens', section: 'content', title: `Tokens per source file${data.sources.length > 20 ? ' (top 20)' : ''}`,
      spec: {
        width: WIDTH, height: { step: 16 },
        data: { values: top },
        mark: { type: 'bar', tooltip: true, color: '#b279a2' },
        encoding: {
          y: { field: 'source', type: 'nominal', sort: top.map((s) => s.source), title: null, axis: { labelLimit: 300 } },
          x: { field: 'tokens', type: 'quantitative', title: 'tokens' },
        },
      },
    });
  }
  if (data.timings.length > 0) {
    add({
      id: 'step-seconds', section: 'time', title: 'Time per step (seconds of task time, summed over tasks)',
      spec: {
        width: WIDTH, height: { step: 18 },
        data: { values: data.timings },
        mark: { type: 'bar', tooltip: true, color: '#9d755d' },
        encoding: {
          y: { field: 'step', type: 'nominal', sort: stepOrder, title: null },
          x: { field: 'seconds', type: 'quantitative', title: 'seconds' },
        },
      },
    });
  }
  if (data.training && data.training.length > 0) {
    const stages = [...new Set(data.training.map((t) => t.stage))];
    for (const [id, field, title] of [['train-loss', 'loss', 'Training loss'], ['train-throughput', 'tokens_per_s', 'Training throughput (tokens/s)']] as const) {
      add({
        id, section: 'training', title: `${title} per optimizer step`,
        spec: {
          width: WIDTH, height: 200,
          data: { values: data.training },
          mark: { type: 'line', point: data.training.length < 60, tooltip: true },
          encoding: {
            x: { field: 'step', type: 'quantitative', title: 'step' },
            y: { field, type: 'quantitative', title: field === 'loss' ? 'loss' : 'tokens/s', scale: { zero: field !== 'loss' } },
            color: { field: 'stage', type: 'nominal', sort: stages, title: 'stage' },
          },
        },
      });
    }
  }
  return charts;
}
