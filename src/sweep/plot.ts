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

/** Fonts and legend placement shared by every plot. */
const CONFIG = { font: 'sans-serif', axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { orient: 'right' as const, titleFontSize: 12, labelFontSize: 12 } };

/** The frame of every plot: schema, titles, size, white background. */
function frame(title: string, subtitle: string) {
  return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title: { text: title, subtitle }, width: 520, height: 340, background: 'white' };
}

/** Compiles a Vega-Lite spec and renders it to an SVG document in Node (no browser). */
async function render(spec: vl.TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
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
    ...frame(o.title, o.subtitle),
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
    config: CONFIG,
  };
  return render(spec);
}

/** One U4 value of a grid sweep: size, parameter value, U4 and its error bar. */
export interface BinderPlotPoint {
  L: number;
  x: number;
  y: number;
  err: number;
}

/** A crossing to mark: the parameter value where U4(L1) and U4(L2) cross, with its error. */
export interface CrossingMark {
  label: string;
  x: number;
  err: number;
}

/**
 * The Binder cumulant U4 against the varied parameter, one colour per size (points with 1-sigma
 * error bars joined by lines), with each crossing of successive sizes marked by a dashed vertical
 * line and its error as a shaded band (and the extrapolated estimate, if given, in black).
 */
export async function plotBinderSvg(
  points: BinderPlotPoint[],
  o: { title: string; subtitle: string; xTitle: string; crossings: CrossingMark[]; estimate?: CrossingMark },
): Promise<string> {
  const sizes = [...new Set(points.map((p) => p.L))].sort((a, b) => a - b);
  const data = points.map((p) => ({ size: `L = ${p.L}`, Lnum: p.L, x: p.x, y: p.y, lo: p.y - p.err, hi: p.y + p.err }));
  const marks = [
    ...o.crossings.filter((c) => Number.isFinite(c.x)).map((c) => ({ ...c, lo: c.x - (c.err || 0), hi: c.x + (c.err || 0), kind: 'pair' })),
    ...(o.estimate && Number.isFinite(o.estimate.x) ? [{ ...o.estimate, lo: o.estimate.x - (o.estimate.err || 0), hi: o.estimate.x + (o.estimate.err || 0), kind: 'estimate' }] : []),
  ];
  const x = { field: 'x', type: 'quantitative' as const, title: o.xTitle, scale: { zero: false, nice: false, padding: 10 } };
  const color = {
    field: 'size', type: 'nominal' as const, title: 'size', sort: sizes.map((L) => `L = ${L}`),
  };
  const spec: vl.TopLevelSpec = {
    ...frame(o.title, o.subtitle),
    layer: [
      {
        data: { values: marks },
        mark: { type: 'rect', opacity: 0.12, color: '#555555' },
        encoding: { x: { field: 'lo', type: 'quantitative', scale: x.scale }, x2: { field: 'hi' } },
      },
      {
        data: { values: marks },
        mark: { type: 'rule', strokeDash: [4, 3], strokeWidth: 1.2 },
        encoding: {
          x: { field: 'x', type: 'quantitative', scale: x.scale },
          color: { condition: { test: "datum.kind === 'estimate'", value: '#000000' }, value: '#777777' },
          tooltip: { field: 'label', type: 'nominal' },
        },
      },
      {
        data: { values: data },
        mark: { type: 'line', strokeWidth: 1.2 },
        encoding: { x, y: { field: 'y', type: 'quantitative', title: 'Binder cumulant U4 = 1 - <m^4> / (3 <m^2>^2)', scale: { zero: false } }, color },
      },
      {
        data: { values: data },
        mark: { type: 'rule', strokeWidth: 1.5 },
        encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color },
      },
      {
        data: { values: data },
        mark: { type: 'point', filled: true, size: 36 },
        encoding: { x, y: { field: 'y', type: 'quantitative' }, color },
      },
    ],
    config: CONFIG,
  };
  return render(spec);
}
