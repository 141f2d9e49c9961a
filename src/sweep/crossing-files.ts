/**
 * `pdbm crossing` on a result set: reads DIR/data.json of a grid sweep (validated by a schema; the
 * checksummed state.json too when there is one, so a damaged sweep is refused), takes the rows of
 * one method at one temperature per (L, parameter value), finds the Binder crossings
 * ({@link binderCrossings}) and writes crossing.json and binder.svg (U4 against the parameter for
 * every L with the crossings marked), atomically; when the result is written into the result set
 * itself, its report.md gets (or has replaced) a section with the crossings and the estimate.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { InputError } from '../util/errors.ts';
import { readValidatedJson } from '../util/checked-json.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { checkOutputDir } from '../util/output.ts';
import type { ModelSpec } from '../model/model.ts';
import type { Row } from '../stats/row.ts';
import { binderCrossings, type BinderPoint, type CrossingOptions, type CrossingResult } from './crossing.ts';
import { writeBinderPlot } from './results.ts';
import { GridSchema, readState, RowSchema, type GridInfo } from './state.ts';

/** data.json of a result set (results.ts `writeData`). */
const DataSchema = z.strictObject({
  model: z.looseObject({ name: z.string(), lattice: z.looseObject({ kind: z.string() }), hamiltonian: z.looseObject({ kind: z.string() }) }),
  methods: z.array(z.string()).min(1),
  temps: z.array(z.number()),
  grid: GridSchema.optional(),
  rows: z.array(RowSchema),
});

export interface CrossingRequest extends Omit<CrossingOptions, 'parameter'> {
  /** The varied parameter's name (default: the one the sweep recorded); must match it when both exist. */
  parameter?: string;
  /** Which method's U4 (default dbm). */
  method?: string;
  /** The temperature to use when the sweep has several per (L, parameter). */
  T?: number;
  /** Where crossing.json and binder.svg go (default: the result directory itself). */
  out?: string;
}

export interface CrossingOutcome extends CrossingResult {
  /** The temperature(s) of the rows used, per size. */
  temperatures: Array<{ L: number; T: number }>;
  files: string[];
}

/** Reads a result set's data.json (and checks its state.json when present). */
export function readResultSet(dir: string): { model: ModelSpec; methods: string[]; grid?: GridInfo; rows: Row[] } {
  if (!existsSync(dir)) throw new InputError(`${dir}: no such result directory`);
  const path = join(dir, 'data.json');
  if (!existsSync(path)) throw new InputError(`${dir}: not a result set (no data.json)`);
  readState(dir); // a damaged or edited state.json is refused (checksum and schema)
  const data = readValidatedJson(path, DataSchema);
  return data as unknown as { model: ModelSpec; methods: string[]; grid?: GridInfo; rows: Row[] };
}

/** Same temperature up to rounding in the last digits (a value typed on the command line vs. 1 / (b L)). */
const sameT = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));

/**
 * The Binder points of one method: one row per (L, parameter value), at the temperature `T` when
 * given, else the only one there is (several: an InputError asks for --T).
 */
export function binderPoints(rows: Row[], method: string, T: number | undefined, parameter: string): { points: BinderPoint[]; temperatures: Array<{ L: number; T: number }> } {
  let mine = rows.filter((r) => r.method === method);
  if (mine.length === 0) throw new InputError(`crossing: no rows of method ${method} (--method chooses another)`);
  if (mine.some((r) => r.L === undefined || r.param === undefined)) {
    throw new InputError(`crossing: the rows carry no size L and ${parameter} value: not a sweep over --sizes and --vary`);
  }
  if (T !== undefined) {
    mine = mine.filter((r) => sameT(r.T, T));
    if (mine.length === 0) throw new InputError(`crossing: no ${method} rows at T = ${T}`);
  }
  const byPoint = new Map<string, Row[]>();
  for (const r of mine) byPoint.set(`${r.L}:${r.param}`, [...(byPoint.get(`${r.L}:${r.param}`) ?? []), r]);
  for (const [, rs] of byPoint) {
    if (rs.length > 1) {
      throw new InputError(`crossing: ${rs.length} temperatures at L = ${rs[0].L}, ${parameter} = ${rs[0].param} (T = ${rs.map((r) => r.T).join(', ')}): choose one with --T`);
    }
  }
  const missing = mine.find((r) => r.binder === undefined || r.binder_err === undefined);
  if (missing) throw new InputError(`crossing: the ${method} row at L = ${missing.L}, ${parameter} = ${missing.param} has no binder / binder_err`);
  const temperatures = [...new Map(mine.map((r) => [r.L!, r.T])).entries()].sort((a, b) => a[0] - b[0]).map(([L, t]) => ({ L, T: t }));
  return { points: mine.map((r) => ({ L: r.L!, param: r.param!, binder: r.binder!, binder_err: r.binder_err! })), temperatures };
}

/** Runs the crossing analysis on the result set in `dir`; writes crossing.json and binder.svg into `req.out ?? dir`. */
export async function crossingOfResultSet(dir: string, req: CrossingRequest = {}): Promise<CrossingOutcome> {
  const set = readResultSet(dir);
  const recorded = set.grid?.parameter ?? undefined;
  if (req.parameter !== undefined && recorded !== undefined && req.parameter !== recorded) {
    throw new InputError(`crossing: --parameter ${req.parameter}, but the sweep in ${dir} varied ${recorded}`);
  }
  const parameter = req.parameter ?? recorded;
  if (parameter === undefined) throw new InputError(`crossing: ${dir} records no varied parameter: give --parameter NAME`);
  const out = req.out ?? dir;
  checkOutputDir(out);
  const method = req.method ?? 'dbm';
  const { points, temperatures } = binderPoints(set.rows, method, req.T, parameter);
  const { parameter: _p, method: _m, T: _t, out: _o, ...opts } = req;
  const result = binderCrossings(points, { ...opts, parameter });
  mkdirSync(out, { recursive: true });
  const json = { parameter: result.parameter, pairs: result.pairs, estimate: result.estimate, method, temperatures, warnings: result.warnings };
  writeFileAtomic(join(out, 'crossing.json'), `${JSON.stringify(json, null, 1)}\n`);
  const est = result.estimate[`${parameter}_c`];
  const estErr = result.estimate[`${parameter}_c_err`];
  const drawn = await writeBinderPlot(
    out,
    { model: set.model, grid: { ...(set.grid ?? { sizes: null, values: null, beta_per_L: null }), parameter }, rows: set.rows.filter((r) => req.T === undefined || sameT(r.T, req.T)) },
    method,
    { pairs: result.pairs, ...(typeof est === 'number' && Number.isFinite(est) ? { estimate: { x: est, err: typeof estErr === 'number' ? estErr : 0 } } : {}) },
  );
  const reported = out === dir && existsSync(join(dir, 'report.md'));
  if (reported) writeFileAtomic(join(dir, 'report.md'), withCrossingSection(readFileSync(join(dir, 'report.md'), 'utf8'), json));
  return { ...result, temperatures, files: ['crossing.json', ...(drawn ? ['binder.svg'] : []), ...(reported ? ['report.md'] : [])] };
}

/** Heading of the section that `pdbm crossing` keeps at the end of a result set's report.md. */
const SECTION = '## Binder crossings';

/**
 * report.md with its Binder-crossing section (pairs, estimate, method, warnings) replaced, or
 * appended when there is none: running `pdbm crossing` again with other options rewrites it.
 */
export function withCrossingSection(
  report: string,
  c: { parameter: string; pairs: Array<{ L1: number; L2: number; x: number; x_err: number }>; estimate: Record<string, number | string>; method: string; warnings: string[] },
): string {
  const at = report.indexOf(`\n${SECTION}\n`);
  const head = (at >= 0 ? report.slice(0, at) : report).replace(/\s*$/, '');
  const p = c.parameter;
  const num = (v: unknown, digits: number) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : String(v));
  const lines = [
    SECTION,
    '',
    `Crossings of U4(L1) and U4(L2) in ${p} (${c.method} rows; crossing.json, binder.svg):`,
    '',
    `| L1 | L2 | ${p} | error |`,
    '|---:|---:|---:|---:|',
    ...c.pairs.map((q) => `| ${q.L1} | ${q.L2} | ${num(q.x, 5)} | ${num(q.x_err, 5)} |`),
    '',
    `**Estimate: ${p}_c = ${num(c.estimate[`${p}_c`], 5)} ± ${num(c.estimate[`${p}_c_err`], 5)}** (${c.estimate.method}).`,
    ...(c.warnings.length ? ['', ...c.warnings.map((w) => `- ${w}`)] : []),
  ];
  return `${head}\n\n${lines.join('\n')}\n`;
}
