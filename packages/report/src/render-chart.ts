import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A Vega-Lite specification with its data inline (`data: { values }`): nothing is loaded from anywhere. */
export type ChartSpec = TopLevelSpec;

/** Look shared by every chart: system fonts only (the report loads nothing), muted grid. */
const CONFIG = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  background: 'white',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6', domainColor: '#888', tickColor: '#888' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260 },
  title: { fontSize: 13, anchor: 'start' as const },
  range: { category: ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'] },
};

/**
 * Renders a Vega-Lite chart to an SVG string in Node: Vega-Lite compiles it
 * to Vega, and a headless Vega View (renderer 'none', no canvas, no DOM)
 * draws the scenegraph as SVG. The loader is given nothing to load: data
 * is inline.
 */
export async function renderChart(spec: ChartSpec): Promise<string> {
  const vegaSpec = compile({ ...spec, config: { ...CONFIG, ...(spec as { config?: object }).config } } as TopLevelSpec).spec;
  const view = new View(parse(vegaSpec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    // Vega writes a fixed width and height; a viewBox lets the page scale it down on narrow screens.
    return svg.replace(/^<svg /, '<svg role="img" preserveAspectRatio="xMinYMin meet" style="max-width:100%;height:auto" ');
  } finally {
    view.finalize();
  }
}
