/**
 * Plots of a sweep as SVG, drawn with Vega-Lite and rendered by Vega in Node (no browser): every
 * sampled method as points with 1-sigma error bars on top of the exact curve.
 */
import * as vega from 'vega';
import * as vl from 'vega-lite';

export interface PlotPoint {
  method: string;
  T: number;
  y: number;
  err: number;
}

export interface PlotOptions {
  title: string;
  subtitle: string;
  yTitle: string;
  logT: boolean;
  /** The exact curve on a fine temperature grid (drawn as a line). */
  exact: Array<{ T: number; y: number }>;
}

const METHOD_COLOURS: Record<string, string> = { exact: '#222222', dbm: '#1f77b4', train: '#d62728' };

/** One quantity against temperature as an SVG document. */
export async function plotSvg(points: PlotPoint[], o: PlotOptions): Promise<string> {
  const methods = ['exact', ...Array.from(new Set(points.map((p) => p.method))).filter((m) => m !== 'exact')];
  const data = [
    ...o.exact.map((p) => ({ method: 'exact', T: p.T, y: p.y, lo: p.y, hi: p.y, kind: 'curve' })),
    ...points
      .filter((p) => p.method !== 'exact')
      .map((p) => ({ method: p.method, T: p.T, y: p.y, lo: p.y - p.err, hi: p.y + p.err, kind: 'point' })),
  ];
  const x = {
    field: 'T',
    type: 'quantitative' as const,
    title: 'temperature T  (units of J, k_B = 1)',
    scale: o.logT ? { type: 'log' as const, nice: false, padding: 10 } : { zero: false, nice: false, padding: 10 },
  };
  const color = {
    field: 'method',
    type: 'nominal' as const,
    title: 'method',
    scale: { domain: methods, range: methods.map((m) => METHOD_COLOURS[m] ?? '#2ca02c') },
  };
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: o.title, subtitle: o.subtitle },
    width: 520,
    height: 340,
    background: 'white',
    data: { values: data },
    layer: [
      {
        transform: [{ filter: "datum.kind === 'curve'" }],
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: { x, y: { field: 'y', type: 'quantitative', title: o.yTitle, scale: { zero: false } }, color },
      },
      {
        transform: [{ filter: "datum.kind === 'point'" }],
        mark: { type: 'rule', strokeWidth: 1.5 },
        encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color },
      },
      {
        transform: [{ filter: "datum.kind === 'point'" }],
        mark: { type: 'point', filled: true, size: 36 },
        encoding: { x, y: { field: 'y', type: 'quantitative' }, color },
      },
    ],
    config: { font: 'sans-serif', axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { orient: 'right', titleFontSize: 12, labelFontSize: 12 } },
  };
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
