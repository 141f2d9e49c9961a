/**
 * The files of a result set (results/NAME/): data.csv and data.json (one row per method and
 * temperature, deterministic: no timings, so a resumed or merged run reproduces them byte for byte),
 * meta.json (options, versions, machine, timings, failures), energy.svg, specific-heat.svg and
 * report.md. Every file is written atomically.
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.ts';
import { conventionOf, type ModelSpec } from '../model/model.ts';
import { ROW_KEYS, type Row } from '../stats/row.ts';
import type { PlotPoint } from './plot.ts';
import type { GridInfo } from './state.ts';

/** The point of a row: its temperature, and in grid sweeps its size and parameter value. */
const pointKey = (r: Row) => (r.L === undefined && r.param === undefined ? r.T : `${r.L}:${r.param}:${r.T}`);

/**
 * Sorts rows (method order, then L, parameter and T) and adds exact values and deviations in sigma:
 * of e and c always, of chi where the row and its exact row both have it (every method's chi is
 * the same quantity: the Kubo (T/N) d^2 ln Z / dh^2 on the TFIM, beta (<Mz^2> - <Mz>^2) / N where
 * Mz is conserved; the report's conventions line says which).
 */
export function finishRows(rows: Row[], methods: string[]): Row[] {
  const exact = new Map(rows.filter((r) => r.method === 'exact').map((r) => [pointKey(r), r]));
  return rows
    .map((r) => {
      const x = exact.get(pointKey(r));
      if (r.method === 'exact' || !x) return { ...r };
      return {
        ...r,
        e_exact: x.e,
        c_exact: x.c,
        ...(r.e_err > 0 ? { e_dev_sigma: (r.e - x.e) / r.e_err } : {}),
        ...(r.c_err > 0 ? { c_dev_sigma: (r.c - x.c) / r.c_err } : {}),
        ...(r.chi !== undefined && x.chi !== undefined
          ? { chi_exact: x.chi, ...(r.chi_err !== undefined && r.chi_err > 0 ? { chi_dev_sigma: (r.chi - x.chi) / r.chi_err } : {}) }
          : {}),
      };
    })
    .sort(
      (a, b) =>
        methods.indexOf(a.method ?? '') - methods.indexOf(b.method ?? '') || (a.L ?? 0) - (b.L ?? 0) || (a.param ?? 0) - (b.param ?? 0) || a.T - b.T,
    );
}

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Columns of data.csv: the {@link ROW_KEYS} (in their order) that at least one row has, so that a
 * result set has no columns that are empty throughout; `*_dev_sigma` = (value - exact) / error bar.
 */
export function csvColumns(rows: Row[]): Array<(typeof ROW_KEYS)[number]> {
  return ROW_KEYS.filter((k) => rows.some((r) => r[k] !== undefined));
}

/** data.csv text. */
export function toCsv(rows: Row[]): string {
  const cols = csvColumns(rows);
  const lines = [cols.join(',')];
  for (const r of rows) lines.push(cols.map((k) => csvCell(r[k])).join(','));
  return `${lines.join('\n')}\n`;
}

/** Agreement summary: the largest deviations and whether every sampled row is within 4 sigma. */
export interface Deviation {
  method: string;
  T: number;
  quantity: string;
  sigma: number;
}

/** The quantities compared with exact, in the order the verdict names them. */
const COMPARED = ['e', 'c', 'chi'] as const;

/**
 * Agreement summary: the largest deviations, every deviation beyond 4 sigma, the number of
 * comparisons and the quantities compared (of {@link COMPARED}, those some row has a deviation of).
 */
export function agreement(rows: Row[]): { allAgree: boolean; worst: Deviation[]; beyond: Deviation[]; compared: number; quantities: string[] } {
  const devs: Deviation[] = [];
  for (const r of rows) {
    for (const q of COMPARED) {
      const s = r[`${q}_dev_sigma`];
      if (typeof s === 'number') devs.push({ method: r.method ?? '', T: r.T, quantity: q, sigma: s });
    }
  }
  devs.sort((a, b) => Math.abs(b.sigma) - Math.abs(a.sigma));
  const beyond = devs.filter((d) => Math.abs(d.sigma) > 4);
  const quantities = COMPARED.filter((q) => devs.some((d) => d.quantity === q));
  return { allAgree: beyond.length === 0, worst: devs.slice(0, 8), beyond, compared: devs.length, quantities };
}

/** 'a', 'a and b', 'a, b and c'. */
const andList = (xs: string[]) => (xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);

/** A temperature for reading (5 significant digits; the files keep every digit). */
const tfmt = (T: number) => String(Number(T.toPrecision(5)));

/** Two-sided probability of a Gaussian deviation beyond 4 sigma. */
const P_BEYOND_4_SIGMA = 6.3e-5;

/** What a deviation of each method can mean besides statistics, and what to change. */
const SYSTEMATICS: Record<string, string> = {
  dbm: 'the analytic DBM has a Trotter error of order dt^2 that the error bar does not include: rerun with --extrapolate or a smaller --dt',
  train:
    'the trained network carries a variational (TDVP) error from its finite size and step, which the error bar does not include: raise --alpha or the measurements per imaginary-time step (--samples; --train-samples in a sweep), or lower --max-dbeta',
};

/** The known systematic error of `method` in these rows (the continuous-time DBM, dt = 0, has none). */
function systematicOf(method: string, rows: Row[]): string {
  if (method === 'dbm' && rows.some((r) => r.method === 'dbm') && rows.every((r) => r.method !== 'dbm' || r.dt === 0)) {
    return 'the analytic DBM in continuous imaginary time has no Trotter error: a deviation is statistics (too few effective samples; see the warnings) or a defect';
  }
  return SYSTEMATICS[method] ?? `${method}: no systematic error is known`;
}

/**
 * The verdict of a result set in plain words: whether every sampled value agrees with exact within
 * 4 sigma and, if not, which values deviate, how many such deviations chance alone would give, and
 * the systematic error of each deviating method. Never hides a deviation.
 */
export function verdict(set: Pick<ResultSet, 'rows' | 'methods' | 'warnings' | 'failures'>): string {
  const rows = finishRows(set.rows, set.methods);
  const sampled = set.methods.filter((m) => m !== 'exact');
  const parts: string[] = [];
  if (!set.methods.includes('exact')) parts.push('No exact reference in this result set: nothing to compare with.');
  else if (sampled.length === 0) parts.push('Exact values only.');
  else {
    const { beyond, compared, quantities } = agreement(rows);
    if (compared === 0) parts.push('No sampled value to compare with exact.');
    else if (beyond.length === 0) {
      parts.push(`Every sampled value agrees with exact within 4 sigma (${compared} comparisons of ${andList(quantities)}, ${andList(sampled)}).`);
    } else {
      const list = beyond.map((d) => `${d.method} ${d.quantity} at T = ${tfmt(d.T)} (${d.sigma.toFixed(1)} sigma)`).join(', ');
      const chance = compared * P_BEYOND_4_SIGMA;
      parts.push(
        `${beyond.length} of ${compared} sampled values deviate from exact by more than 4 sigma: ${list}. ` +
          `Statistics alone would give ${chance < 0.01 ? 'less than 0.01' : chance.toFixed(2)} such deviations, so ${beyond.length > 1 || chance < 0.05 ? 'these are most likely systematic' : 'this one may be chance, or systematic'}: ` +
          [...new Set(beyond.map((d) => d.method))].map((m) => systematicOf(m, rows)).join('; ') + '.',
      );
    }
  }
  if (set.failures.length > 0) parts.push(`${set.failures.length} unit(s) failed twice and are missing (${set.failures.map((f) => f.unit).join(', ')}); rerun with --resume.`);
  if (set.warnings.length > 0) parts.push(`${set.warnings.length} warning(s) about suspicious numbers (see the report).`);
  return parts.join(' ');
}

/** Machine facts for meta.json. */
export function machine(): Record<string, unknown> {
  const c = cpus();
  return { cores: c.length, cpu: c[0]?.model ?? 'unknown', platform: `${process.platform}-${process.arch}`, node: process.version };
}

export interface ResultSet {
  model: ModelSpec;
  methods: string[];
  temps: number[];
  rows: Row[];
  meta: Record<string, unknown>;
  /** Warnings about suspicious numbers (meta.json and report.md). */
  warnings: string[];
  failures: Array<{ unit: string; T: number | null; error: string }>;
  /** The exact curve on a fine grid for the plots (empty when no exact method applies). */
  exactCurve: Array<{ T: number; e: number; c: number }>;
  logT: boolean;
  /** Grid sweeps: sizes, varied parameter, beta per L (absent in temperature sweeps). */
  grid?: GridInfo;
}

/** data.csv + data.json (deterministic) and meta.json, written after every finished unit of work. */
export function writeData(dir: string, set: ResultSet): void {
  const rows = finishRows(set.rows, set.methods);
  writeFileAtomic(join(dir, 'data.csv'), toCsv(rows));
  writeFileAtomic(
    join(dir, 'data.json'),
    `${JSON.stringify({ model: set.model, methods: set.methods, temps: set.temps, ...(set.grid ? { grid: set.grid } : {}), rows }, null, 1)}\n`,
  );
  writeFileAtomic(
    join(dir, 'meta.json'),
    `${JSON.stringify({ ...set.meta, ...(set.grid ? { grid: set.grid } : {}), failures: set.failures, warnings: set.warnings }, null, 1)}\n`,
  );
}

const fmt = (x: unknown, d = 6) => (typeof x === 'number' ? x.toFixed(d) : '-');

/** report.md: where each method stands against exact. */
export function reportMarkdown(set: ResultSet): string {
  const rows = finishRows(set.rows, set.methods);
  const { worst } = agreement(rows);
  const sampled = set.methods.filter((m) => m !== 'exact');
  const pauli = conventionOf(set.model) === 'pauli';
  const lines = [
    `# ${set.model.name}`,
    '',
    set.grid
      ? `Methods: ${set.methods.join(', ')}; grid sweep: ${modelSubtitle(set.model, set.grid)}; temperatures ${set.temps.map(tfmt).join(', ')}.`
      : `Methods: ${set.methods.join(', ')}; ${set.temps.length} temperatures from ${Math.min(...set.temps)} to ${Math.max(...set.temps)}.`,
    `Conventions: ${pauli ? 'Pauli matrices' : 'spin-1/2 operators S = sigma/2'}, k_B = 1, energies in units of J, e = <H>/N, c = beta^2 (<H^2> - <H>^2)/N${
      rows.some((r) => r.chi !== undefined) ? `, ${pauli ? 'chi = (T/N) d^2 ln Z / dh^2 (M = sum sz, Pauli)' : 'chi = beta (<Mz^2> - <Mz>^2)/N (Mz = sum Sz)'}` : ''
    }.`,
    '',
  ];
  lines.push(`**Verdict.** ${verdict(set)}`, '');
  if (set.methods.includes('exact') && sampled.length > 0 && worst.length > 0) {
    lines.push(
      'Largest deviations from exact:',
      '',
      '| method | T | quantity | deviation / sigma |',
      '| --- | --- | --- | --- |',
      ...worst.map((w) => `| ${w.method} | ${tfmt(w.T)} | ${w.quantity} | ${w.sigma.toFixed(2)} |`),
      '',
    );
  }
  if (set.failures.length > 0) {
    lines.push('## Failures', '', ...set.failures.map((f) => `- ${f.unit}${f.T === null ? '' : ` (T = ${tfmt(f.T)})`}: ${f.error}`), '');
  }
  if (set.warnings.length > 0) lines.push('## Warnings', '', ...set.warnings.map((w) => `- ${w}`), '');
  if (set.grid) {
    const p = set.grid.parameter ?? 'param';
    lines.push('## Data', '', `| method | L | ${p} | T | e | e_err | m2 | m2_err | U4 | U4_err |`, '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of rows) {
      lines.push(`| ${r.method} | ${r.L ?? '-'} | ${r.param ?? '-'} | ${tfmt(r.T)} | ${fmt(r.e)} | ${fmt(r.e_err)} | ${fmt(r.m2)} | ${fmt(r.m2_err)} | ${fmt(r.binder)} | ${fmt(r.binder_err)} |`);
    }
    return `${lines.join('\n')}\n`;
  }
  lines.push('## Data', '', '| method | T | e | e_err | c | c_err |', '| --- | --- | --- | --- | --- | --- |');
  for (const r of rows) lines.push(`| ${r.method} | ${tfmt(r.T)} | ${fmt(r.e)} | ${fmt(r.e_err)} | ${fmt(r.c)} | ${fmt(r.c_err)} |`);
  return `${lines.join('\n')}\n`;
}

/** The lattice's size for reading: "6x6", "16" (a chain) or "12 sites" (a graph). */
export function latticeSize(model: ModelSpec): string {
  const lat = model.lattice;
  return lat.kind === 'graph' ? `${lat.sites} sites` : lat.size.join('x');
}

/** The plots' subtitle: lattice, size and couplings of the model (in a grid: which of them vary). */
export function modelSubtitle(model: ModelSpec, grid?: GridInfo): string {
  const desc = model.description;
  const lat = model.lattice;
  const h = model.hamiltonian;
  const size = grid?.sizes ? `L = ${grid.sizes.join(', ')}${lat.kind !== 'graph' && lat.size.length > 1 ? ' (L x L)' : ''}` : latticeSize(model);
  const boundary = lat.kind === 'graph' ? '' : ` ${lat.boundary ?? 'periodic'}`;
  // Every numeric field of the Hamiltonian, whatever its kind (TFIM: J, Gamma, h; XXZ: J, Delta, J2, h).
  const couplings = Object.entries(h).filter(([k]) => k !== 'kind' && k !== grid?.parameter).map(([k, x]) => `${k} = ${x}`).join(', ');
  const beta = grid?.beta_per_L ? `, beta = ${grid.beta_per_L === 1 ? '' : `${grid.beta_per_L} `}L` : '';
  return `${lat.kind} ${size}${boundary}, ${h.kind}: ${couplings}${grid?.parameter ? `, ${grid.parameter} varied` : ''}${beta}${desc && !grid ? ` — ${desc}` : ''}`;
}

/**
 * binder.svg of a grid result set: U4 of one method against the varied parameter for every size,
 * with the given crossings marked. Returns false (and writes nothing) when there is nothing to draw.
 */
export async function writeBinderPlot(
  dir: string,
  set: Pick<ResultSet, 'model' | 'grid' | 'rows'>,
  method: string,
  crossings: { pairs: Array<{ L1: number; L2: number; x: number; x_err: number }>; estimate?: { x: number; err: number } } = { pairs: [] },
): Promise<boolean> {
  const parameter = set.grid?.parameter;
  const rows = set.rows.filter((r) => r.method === method && r.L !== undefined && r.param !== undefined && r.binder !== undefined);
  if (!parameter || rows.length === 0) return false;
  const { plotBinderSvg } = await import('./plot.ts');
  const svg = await plotBinderSvg(
    rows.map((r) => ({ L: r.L!, x: r.param!, y: r.binder!, err: r.binder_err ?? 0 })),
    {
      title: `${set.model.name}: Binder cumulant (${method})`,
      subtitle: modelSubtitle(set.model, set.grid),
      xTitle: parameter,
      crossings: crossings.pairs.map((p) => ({ label: `L = ${p.L1}, ${p.L2}`, x: p.x, err: p.x_err })),
      ...(crossings.estimate ? { estimate: { label: `${parameter}_c`, x: crossings.estimate.x, err: crossings.estimate.err } } : {}),
    },
  );
  writeFileAtomic(join(dir, 'binder.svg'), svg);
  return true;
}

/** The plot files a result set gets: energy and specific heat against T, or for a grid the Binder plot. */
export function plotFiles(set: Pick<ResultSet, 'grid'>): string[] {
  return set.grid ? (set.grid.parameter ? ['binder.svg'] : []) : ['energy.svg', 'specific-heat.svg'];
}

/**
 * energy.svg, specific-heat.svg and report.md (a grid: binder.svg of the dbm rows instead of the
 * plots against T); returns the verdict. The plotting library is loaded only here (it is slow to load).
 */
export async function writePlotsAndReport(dir: string, set: ResultSet): Promise<string> {
  const rows = finishRows(set.rows, set.methods);
  if (set.grid) {
    await writeBinderPlot(dir, { ...set, rows }, set.methods.includes('dbm') ? 'dbm' : set.methods[0]);
    writeFileAtomic(join(dir, 'report.md'), reportMarkdown(set));
    return verdict(set);
  }
  const { plotSvg } = await import('./plot.ts');
  const subtitle = modelSubtitle(set.model);
  for (const [q, file, yTitle] of [
    ['e', 'energy.svg', 'energy per site e = <H>/N  (units of J)'],
    ['c', 'specific-heat.svg', 'specific heat per site c = beta^2 (<H^2> - <H>^2)/N'],
  ] as const) {
    const points: PlotPoint[] = rows.map((r) => ({ method: r.method ?? '', T: r.T, y: r[q], err: r[`${q}_err`] }));
    const svg = await plotSvg(points, {
      title: `${set.model.name}: ${q === 'e' ? 'energy' : 'specific heat'} per site`,
      subtitle,
      yTitle,
      logT: set.logT,
      exact: set.exactCurve.map((p) => ({ T: p.T, y: p[q] })),
    });
    writeFileAtomic(join(dir, file), svg);
  }
  writeFileAtomic(join(dir, 'report.md'), reportMarkdown(set));
  return verdict(set);
}
