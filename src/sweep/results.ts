/**
 * The files of a result set (results/NAME/): data.csv and data.json (one row per method and
 * temperature, deterministic: no timings, so a resumed or merged run reproduces them byte for byte),
 * meta.json (options, versions, machine, timings, failures), energy.svg, specific-heat.svg and
 * report.md. Every file is written atomically.
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.ts';
import type { ThermoRow } from '../mc/summary.ts';
import type { ModelSpec } from '../model/model.ts';
import { plotSvg, type PlotPoint } from './plot.ts';

/** One row of a result set; sampled methods carry error bars, exact rows have zero errors. */
export interface ResultRow extends ThermoRow {
  method: string;
}

/** Columns of data.csv, in order; `*_dev_sigma` = (value - exact) / error bar. */
export const CSV_COLUMNS = [
  'method', 'T', 'e', 'e_err', 'c', 'c_err', 'm2', 'm2_err', 'chi', 'chi_err',
  'e_ring', 'e_ring_err', 'c_ring', 'c_ring_err', 'e_exact', 'c_exact', 'e_dev_sigma', 'c_dev_sigma', 'n_eff',
] as const;

/** Sorts rows (method order, then T) and adds exact values and deviations in sigma. */
export function finishRows(rows: ResultRow[], methods: string[]): ResultRow[] {
  const exact = new Map(rows.filter((r) => r.method === 'exact').map((r) => [r.T, r]));
  return rows
    .map((r) => {
      const x = exact.get(r.T);
      if (r.method === 'exact' || !x) return { ...r };
      return {
        ...r,
        e_exact: x.e,
        c_exact: x.c,
        e_dev_sigma: r.e_err > 0 ? (r.e - x.e) / r.e_err : null,
        c_dev_sigma: r.c_err > 0 ? (r.c - x.c) / r.c_err : null,
      };
    })
    .sort((a, b) => methods.indexOf(a.method) - methods.indexOf(b.method) || a.T - b.T);
}

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** data.csv text. */
export function toCsv(rows: ResultRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) lines.push(CSV_COLUMNS.map((k) => csvCell(r[k])).join(','));
  return `${lines.join('\n')}\n`;
}

/** Agreement summary: the largest deviations and whether every sampled row is within 4 sigma. */
export function agreement(rows: ResultRow[]): { allAgree: boolean; worst: Array<{ method: string; T: number; quantity: string; sigma: number }> } {
  const devs: Array<{ method: string; T: number; quantity: string; sigma: number }> = [];
  for (const r of rows) {
    for (const q of ['e', 'c']) {
      const s = r[`${q}_dev_sigma`];
      if (typeof s === 'number') devs.push({ method: r.method, T: r.T, quantity: q, sigma: s });
    }
  }
  devs.sort((a, b) => Math.abs(b.sigma) - Math.abs(a.sigma));
  return { allAgree: devs.every((d) => Math.abs(d.sigma) <= 4), worst: devs.slice(0, 8) };
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
  rows: ResultRow[];
  meta: Record<string, unknown>;
  failures: Array<{ unit: string; T: number | null; error: string }>;
  /** The exact curve on a fine grid for the plots (empty when no exact method applies). */
  exactCurve: Array<{ T: number; e: number; c: number }>;
  logT: boolean;
}

/** data.csv + data.json (deterministic) and meta.json, written after every finished unit of work. */
export function writeData(dir: string, set: ResultSet): void {
  const rows = finishRows(set.rows, set.methods);
  writeFileAtomic(join(dir, 'data.csv'), toCsv(rows));
  writeFileAtomic(
    join(dir, 'data.json'),
    `${JSON.stringify({ model: set.model, methods: set.methods, temps: set.temps, rows }, null, 1)}\n`,
  );
  writeFileAtomic(join(dir, 'meta.json'), `${JSON.stringify({ ...set.meta, failures: set.failures }, null, 1)}\n`);
}

const fmt = (x: unknown, d = 6) => (typeof x === 'number' ? x.toFixed(d) : '-');

/** report.md: where each method stands against exact. */
export function reportMarkdown(set: ResultSet): string {
  const rows = finishRows(set.rows, set.methods);
  const { allAgree, worst } = agreement(rows);
  const sampled = set.methods.filter((m) => m !== 'exact');
  const lines = [
    `# ${set.model.name}`,
    '',
    `Methods: ${set.methods.join(', ')}; ${set.temps.length} temperatures from ${Math.min(...set.temps)} to ${Math.max(...set.temps)}.`,
    `Conventions: Pauli matrices, k_B = 1, energies in units of J, e = <H>/N, c = beta^2 (<H^2> - <H>^2)/N.`,
    '',
  ];
  if (!set.methods.includes('exact')) lines.push('No exact reference in this result set.', '');
  else if (sampled.length > 0) {
    lines.push(
      allAgree
        ? `**All sampled values agree with exact within 4 sigma** (${rows.filter((r) => r.method !== 'exact').length} rows).`
        : '**Some sampled values deviate from exact by more than 4 sigma** (see below). Besides statistics, a deviation can be systematic: Trotter error for `dbm` (rerun with `--extrapolate`), variational/TDVP error for `train` (raise `--alpha`).',
      '',
      '| method | T | quantity | deviation / sigma |',
      '| --- | --- | --- | --- |',
      ...worst.map((w) => `| ${w.method} | ${w.T} | ${w.quantity} | ${w.sigma.toFixed(2)} |`),
      '',
    );
  }
  if (set.failures.length > 0) {
    lines.push('## Failures', '', ...set.failures.map((f) => `- ${f.unit}${f.T === null ? '' : ` (T = ${f.T})`}: ${f.error}`), '');
  }
  lines.push('## Data', '', '| method | T | e | e_err | c | c_err |', '| --- | --- | --- | --- | --- | --- |');
  for (const r of rows) lines.push(`| ${r.method} | ${r.T} | ${fmt(r.e)} | ${fmt(r.e_err)} | ${fmt(r.c)} | ${fmt(r.c_err)} |`);
  return `${lines.join('\n')}\n`;
}

/** energy.svg, specific-heat.svg and report.md. */
export async function writePlotsAndReport(dir: string, set: ResultSet): Promise<void> {
  const rows = finishRows(set.rows, set.methods);
  const desc = set.model.description;
  const lat = set.model.lattice;
  const h = set.model.hamiltonian;
  const size = lat.kind === 'graph' ? `${lat.sites} sites` : `${lat.size.join('x')} ${lat.boundary ?? 'periodic'}`;
  const subtitle = `${lat.kind} ${size}, J = ${h.J}, Gamma = ${h.Gamma}, h = ${h.h}${desc ? ` — ${desc}` : ''}`;
  for (const [q, file, yTitle] of [
    ['e', 'energy.svg', 'energy per site e = <H>/N  (units of J)'],
    ['c', 'specific-heat.svg', 'specific heat per site c = beta^2 (<H^2> - <H>^2)/N'],
  ] as const) {
    const points: PlotPoint[] = rows.map((r) => ({ method: r.method, T: r.T, y: r[q], err: r[`${q}_err`] as number }));
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
}
