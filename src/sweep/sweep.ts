/**
 * Temperature sweeps: every method on every temperature, results written atomically after each
 * unit of work (the exact checker once, the analytic DBM per temperature, the trained DBM once for
 * the whole curve), resumable after a kill, splittable into shards for a cluster job array.
 *
 * Reproducibility: the random streams of a temperature are chosen by its index in the FULL list,
 * so a resumed run, a run split into shards and merged, and an uninterrupted run all give the
 * same data files byte for byte (data.csv / data.json hold no timings; meta.json does).
 *
 * Safety: the output directory is checked (writable, not a file) and locked before any work, so a
 * second sweep into it is refused while the first runs; the state file is checksummed, so a
 * hand-edited state is refused on --resume instead of silently producing a partial result.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { analyticThermo, checkAnalyticMemory, checkSampling, type AnalyticOptions } from '../methods/analytic-dbm.ts';
import { InputError } from '../util/errors.ts';
import { exactThermo, chooseMethod } from '../exact/solver.ts';
import { makeHamiltonian } from '../model/kinds.ts';
import { applyOverrides, conventionOf, isObject, parseModel, type ModelSpec } from '../model/model.ts';
import { trotterSteps } from '../dbm/trotter.ts';
import { defaultTrainOptions } from '../train/driver.ts';
import { CostProgress, type CostUnit } from '../util/progress.ts';
import { checkOutputDir, lockDir } from '../util/output.ts';
import { agreement, finishRows, machine, writeData, writePlotsAndReport, type ResultSet } from './results.ts';
import { formatBytes } from './limits.ts';
import { readState, STATE_FORMAT, toRow, writeState, type SweepState, type UnitInfo } from './state.ts';
import { allWarnings, resultWarnings } from './warnings.ts';

export const SWEEP_METHODS = ['exact', 'dbm', 'train'] as const;
export type SweepMethod = (typeof SWEEP_METHODS)[number];

/** What the trained-DBM method of a sweep is given (wired in by the CLI). */
export interface TrainRequest {
  seed: number;
  workers: number;
  /** Checkpoint file in the result directory; continue from it when `resume` is set. */
  checkpoint: string;
  resume: boolean;
  /** Hidden units per site (undefined: the method's default). */
  alpha: number | undefined;
  /** Budgets and other TrainOptions fields that differ from the defaults. */
  options: Record<string, unknown>;
  onProgress?: (done: number, total: number) => void;
}

/** Runs the trained-DBM method over a list of temperatures; returns its result (rows, optional warnings/meta). */
export type TrainRunner = (model: ModelSpec, temps: number[], req: TrainRequest) => Promise<{ rows: Array<Record<string, unknown>>; meta?: unknown }>;

/**
 * A grid of sizes and one Hamiltonian parameter (sweeps for finite-size scaling). Every point of
 * the grid (size, parameter value, temperature) is one unit of work of the analytic DBM.
 */
export interface SweepGrid {
  /** Linear sizes L (a 2D lattice of size L is L x L); absent: the model's own size. */
  sizes?: number[];
  /** The varied Hamiltonian field (e.g. Gamma) and its values; absent: the model's own value. */
  vary?: { key: string; values: number[] };
  /** T = 1 / (betaPerL L) for each size, instead of the temperature list. */
  betaPerL?: number;
}

/** One point of a sweep: its model, temperature, and (grid sweeps) size and parameter value. */
export interface SweepPoint {
  model: ModelSpec;
  T: number;
  L?: number;
  param?: number;
  /** The (size, parameter) group of the point: points of one group share their model. */
  group: number;
}

export interface SweepOptions {
  model: ModelSpec;
  /** Sizes and a varied parameter (absent: a plain temperature sweep of `model`). */
  grid?: SweepGrid;
  methods: SweepMethod[];
  /** The full temperature list (units of J); a shard runs a subset of it. */
  temps: number[];
  logT: boolean;
  out: string;
  /** Continue the sweep found in `out` (its options must match). */
  resume: boolean;
  /** Replace a sweep found in `out` (instead of refusing). */
  overwrite?: boolean;
  /** With `resume`: a sweep in `out` with other options is replaced instead of refused (npm start's scratch directory). */
  restartOnChange?: boolean;
  /** Shard i of n (0 <= i < n): temperatures with index = i mod n. */
  shard: { index: number; count: number };
  seed: number;
  workers: number;
  dbm: Omit<AnalyticOptions, 'seed' | 'workers' | 'temperatureIndex'>;
  train?: TrainRunner;
  /** Hidden units per site of the trained network (undefined: its default). */
  alpha: number | undefined;
  /** TrainOptions fields for the trained method (budgets); part of the fingerprint. */
  trainOptions?: Record<string, unknown>;
  progress: boolean;
  /** Notes on stderr (retries, restarts); off with --quiet. */
  notes?: boolean;
  version: string;
  /** Extra fields for meta.json (e.g. the model overrides given on the command line). */
  extraMeta?: Record<string, unknown>;
}

interface Unit {
  key: string;
  method: SweepMethod;
  /** Global point indices of this unit (in a plain sweep: temperature indices). */
  indices: number[];
}

/** Everything that determines the numbers (not workers, not progress). */
function fingerprint(o: SweepOptions): string {
  return JSON.stringify({
    model: o.model, methods: o.methods, temps: o.temps, shard: o.shard, seed: o.seed, dbm: o.dbm, alpha: o.alpha, train: o.trainOptions ?? {},
    // Only grid sweeps carry the key, so plain sweeps keep their fingerprint (and resume old states).
    ...(o.grid ? { grid: o.grid } : {}),
  });
}

/**
 * The fields in which two fingerprints differ, for the refusal of a resume: "train.freshChains
 * (the directory's: none, this run's: true)", nested one level (model, train, dbm options).
 */
function fingerprintDifference(dirFp: string, runFp: string): string {
  const a = JSON.parse(dirFp) as Record<string, unknown>;
  const b = JSON.parse(runFp) as Record<string, unknown>;
  const show = (x: unknown) => (x === undefined ? 'none' : JSON.stringify(x).slice(0, 80));
  const out: string[] = [];
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (JSON.stringify(a[k]) === JSON.stringify(b[k])) continue;
    const x = a[k];
    const y = b[k];
    if (isObject(x) && isObject(y)) {
      for (const j of new Set([...Object.keys(x), ...Object.keys(y)])) {
        if (JSON.stringify(x[j]) !== JSON.stringify(y[j])) out.push(`${k}.${j} (the directory's: ${show(x[j])}, this run's: ${show(y[j])})`);
      }
    } else out.push(`${k} (the directory's: ${show(x)}, this run's: ${show(y)})`);
  }
  return out.join(', ');
}

/**
 * The model at size L (L x L ... for a lattice of several dimensions) with the Hamiltonian field
 * `key` set to `value`, validated like a model file. Throws InputError for a graph lattice (no size).
 */
export function gridModel(base: ModelSpec, L: number | undefined, vary: { key: string; value: number } | undefined): ModelSpec {
  const dims = base.lattice.kind === 'graph' ? 0 : base.lattice.size.length;
  if (L !== undefined && dims === 0) throw new InputError('--sizes: a graph lattice has no size to replace');
  try {
    const raw = applyOverrides(JSON.parse(JSON.stringify(base)), {
      set: vary ? { [vary.key]: String(vary.value) } : {},
      size: L === undefined ? undefined : Array.from({ length: dims }, () => L),
    });
    return parseModel(raw);
  } catch (e) {
    // The model layer names --set; here the value came from --vary or --sizes.
    if (e instanceof InputError) throw new InputError(`${vary ? `--vary ${vary.key}=${vary.value}` : `--sizes ${L}`}: ${e.message.replace(/^--set [^:]*: /, '')}`);
    throw e;
  }
}

/**
 * Every point of a sweep, in the global order that fixes the random streams: sizes (outer), then
 * parameter values, then temperatures. A plain sweep has one point per temperature, in order, so
 * point index = temperature index as before.
 */
export function sweepPoints(o: Pick<SweepOptions, 'model' | 'temps' | 'grid'>): SweepPoint[] {
  if (!o.grid) return o.temps.map((T) => ({ model: o.model, T, group: 0 }));
  const g = o.grid;
  const sizes: Array<number | undefined> = g.sizes ?? [undefined];
  const values: Array<number | undefined> = g.vary?.values ?? [undefined];
  const points: SweepPoint[] = [];
  let group = 0;
  for (const L of sizes) {
    for (const x of values) {
      const model = gridModel(o.model, L, g.vary && x !== undefined ? { key: g.vary.key, value: x } : undefined);
      const size = L ?? linearSize(model);
      if (g.betaPerL !== undefined && size === undefined) throw new InputError('--beta-per-L needs a lattice with a size');
      const temps = g.betaPerL !== undefined ? [1 / (g.betaPerL * size!)] : o.temps;
      for (const T of temps) points.push({ model, T, ...(size !== undefined ? { L: size } : {}), ...(x !== undefined ? { param: x } : {}), group });
      group++;
    }
  }
  return points;
}

/** The linear size of a lattice (its first extent); undefined for a graph. */
function linearSize(m: ModelSpec): number | undefined {
  return m.lattice.kind === 'graph' ? undefined : m.lattice.size[0];
}

/** Parses "i/n"; SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT are used when no --shard is given. */
export function parseShard(text: string | undefined, env: NodeJS.ProcessEnv = process.env): { index: number; count: number } {
  if (text === undefined) {
    const id = env.SLURM_ARRAY_TASK_ID;
    const count = env.SLURM_ARRAY_TASK_COUNT;
    if (id === undefined || count === undefined) return { index: 0, count: 1 };
    text = `${Number(id) - Number(env.SLURM_ARRAY_TASK_MIN ?? 0)}/${count}`;
  }
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) throw new InputError(`--shard must be i/n with 0 <= i < n, got "${text}"`);
  return { index: Number(m[1]), count: Number(m[2]) };
}

/** The units of work of a shard, in execution order. */
function planUnits(o: SweepOptions, points: SweepPoint[]): Unit[] {
  const mine = points.map((_, k) => k).filter((k) => k % o.shard.count === o.shard.index);
  const units: Unit[] = [];
  for (const method of o.methods) {
    if (method === 'exact') {
      // One exact solution per model: a plain sweep has one ("exact"), a grid one per (size, parameter).
      const groups = [...new Set(mine.map((k) => points[k].group))];
      for (const grp of groups) {
        units.push({ key: o.grid ? `exact@${grp}` : 'exact', method, indices: mine.filter((k) => points[k].group === grp) });
      }
    }
    if (method === 'dbm') for (const k of mine) units.push({ key: `dbm@${k}`, method, indices: [k] });
    // One imaginary-time run yields the whole curve; it belongs to shard 0 and covers every T, so
    // that shards merged equal the whole run.
    if (method === 'train' && o.shard.index === 0) units.push({ key: 'train', method, indices: o.temps.map((_, k) => k) });
  }
  return units;
}

/**
 * A-priori cost of a unit in seconds, for the ETA before anything is measured. Calibrated on a
 * 2-core AMD EPYC loaded by other jobs: the analytic DBM takes ~0.8 s to start and ~4.5e-7
 * core-seconds per unit update (units per slice = sites + bonds); the trained network ~2.2e-6
 * core-seconds per visible-unit update (2N visible units times 1 + alpha) over its imaginary-time
 * steps and first measurement batch. Only the ratios between units matter once one unit of a
 * method has finished (CostProgress rescales by the measured time).
 */
function unitCost(u: Unit, o: SweepOptions, points: SweepPoint[]): number {
  const ham = makeHamiltonian(points[u.indices[0]].model);
  const perSlice = ham.nSites + ham.lattice.bondI.length;
  const par = Math.max(1, Math.min(o.workers, o.dbm.chains));
  if (u.method === 'exact') return 0.2 + 1e-7 * 2 ** Math.min(ham.nSites, 40);
  if (u.method === 'dbm') {
    const T = points[u.indices[0]].T;
    // Continuous time: about 2 Gamma beta segments per site (cuts plus kinks) play the slices' part.
    const gamma = 'tfim' in ham ? Math.abs((ham as { tfim: { Gamma: number } }).tfim.Gamma) : 1;
    const n = o.dbm.continuous ? Math.ceil((2 * gamma) / T) : (o.dbm.slices ?? trotterSteps({ beta: 1 / T, dt: o.dbm.dt }).n);
    const factors = o.dbm.continuous ? [1] : (o.dbm.extrapolate ?? [1]);
    const sweeps = o.dbm.warmup + o.dbm.sweeps * o.dbm.thin;
    const updates = factors.reduce((a, f) => a + o.dbm.chains * sweeps * perSlice * (Math.round(n / f) + 1), 0);
    return 0.8 + (4.5e-7 * updates) / par;
  }
  const t = { ...defaultTrainOptions(), ...(o.trainOptions ?? {}) } as unknown as Record<string, number>;
  const alpha = o.alpha ?? 2;
  const betaMax = 1 / Math.min(...o.temps);
  const steps = betaMax / t.maxDbeta + 40; // linear part plus the geometric start (relDbeta)
  const updates = (steps * t.samples + o.temps.length * t.measureSamples) * 2 * ham.nSites * (1 + alpha);
  return 1 + (2.2e-6 * updates) / Math.min(o.workers, 16);
}

/** A fine grid for the exact curve in the plots, spanning the sweep. */
export function curveGrid(temps: number[], logT: boolean): number[] {
  const lo = Math.min(...temps);
  const hi = Math.max(...temps);
  const n = 120;
  if (lo === hi) return [lo];
  return Array.from({ length: n }, (_, k) => (logT ? lo * (hi / lo) ** (k / (n - 1)) : lo + ((hi - lo) * k) / (n - 1)));
}

/** The exact e and c on the plots' fine grid over `temps` (curveGrid), from one solve. */
export function exactCurveOf(model: ModelSpec, temps: number[], logT: boolean): NonNullable<SweepState['exactCurve']> {
  return exactThermo(makeHamiltonian(model), [], { curve: curveGrid(temps, logT) }).curve!;
}

/** A unit's raw result: the method's rows and, from the exact unit, the plots' fine curve. */
type UnitResult = { rows: Array<Record<string, unknown>>; curve?: SweepState['exactCurve'] };

/** Runs one unit; returns the method's raw result ({ rows, ... }). */
async function runUnit(u: Unit, o: SweepOptions, points: SweepPoint[], onProgress: (done: number, total: number) => void): Promise<UnitResult> {
  const temps = u.indices.map((k) => points[k].T);
  const model = points[u.indices[0]].model;
  const failAt = process.env.PDBM_TEST_FAIL_UNIT;
  // Test hook: makes one unit fail (PDBM_TEST_FAIL_UNIT=dbm@2) or fail once (=dbm@2:once).
  if (failAt && failAt.split(':')[0] === u.key) {
    if (!failAt.endsWith(':once') || !process.env.PDBM_TEST_FAILED_ONCE) {
      process.env.PDBM_TEST_FAILED_ONCE = '1';
      throw new Error(`injected failure of ${u.key}`);
    }
  }
  if (u.method === 'exact') {
    // Progress from the long solvers (blocks, FTLM: minutes at 20-24 sites); the others are instant.
    // The plots' fine curve comes from the same solve (a temperature sweep's only exact unit).
    const curve = o.grid ? undefined : curveGrid(o.temps, o.logT);
    const res = exactThermo(makeHamiltonian(model), temps, { onProgress, curve });
    return { ...res, rows: res.rows.map((r) => ({ ...r, solver: res.solver })) } as unknown as UnitResult;
  }
  if (u.method === 'dbm') {
    const res = await analyticThermo(model, temps, { ...o.dbm, seed: o.seed, workers: o.workers, temperatureIndex: u.indices }, onProgress);
    return res as unknown as { rows: Array<Record<string, unknown>> };
  }
  if (!o.train) throw new InputError('the train method is not available in this build');
  return o.train(o.model, temps, {
    seed: o.seed, workers: o.workers, checkpoint: join(o.out, 'train-checkpoint.json'), resume: o.resume, alpha: o.alpha,
    options: o.trainOptions ?? {}, onProgress,
  });
}

export interface SweepOutcome {
  dir: string;
  /** Grid sweeps: sizes, varied parameter, beta per L. */
  grid?: NonNullable<ResultSet['grid']>;
  allAgree: boolean;
  failures: number;
  rows: number;
  warnings: string[];
  /** The report's verdict paragraph (plain text). */
  verdict: string;
}

/** Checks everything that can be checked before work starts; returns the memory estimate of the analytic networks. */
function preflight(o: SweepOptions, points: SweepPoint[]): ReturnType<typeof checkAnalyticMemory> | null {
  if (o.methods.length === 0) throw new InputError('--methods needs at least one of exact, dbm, train');
  if (o.methods.includes('train') && !o.train) throw new InputError('the train method is not available in this build');
  if (o.grid && o.methods.includes('train')) throw new InputError('--methods train: the trained network runs one model over a temperature curve; it is not available in sweeps over --sizes or --vary');
  checkOutputDir(o.out);
  const groups = [...new Map(points.map((p) => [p.group, p])).values()];
  // Fails early when no exact method applies (in a grid: at the first size too large for it).
  if (o.methods.includes('exact')) {
    for (const p of groups) {
      try {
        chooseMethod(makeHamiltonian(p.model));
      } catch (e) {
        if (e instanceof InputError && o.grid) throw new InputError(`exact method at L = ${p.L ?? '-'}: ${e.message}`);
        throw e;
      }
    }
  }
  if (!o.methods.includes('dbm')) return null;
  checkSampling({ ...o.dbm, workers: o.workers });
  let worst: ReturnType<typeof checkAnalyticMemory> | null = null;
  for (const p of groups) {
    const m = checkAnalyticMemory(p.model, points.filter((q) => q.group === p.group).map((q) => q.T), { ...o.dbm, workers: o.workers });
    if (!worst || m.bytes > worst.bytes) worst = m;
  }
  return worst;
}

/** What the result files say about a grid: the sizes, the varied parameter and its values, beta per L. */
export function gridInfo(g: SweepGrid): NonNullable<ResultSet['grid']> {
  return { sizes: g.sizes ?? null, parameter: g.vary?.key ?? null, values: g.vary?.values ?? null, beta_per_L: g.betaPerL ?? null };
}

/**
 * The temperatures of a shard's points for the result files: a plain sweep's in list order; a
 * grid's distinct ones in order of first use (so the merged shards name the whole run's list).
 */
export function shardTemps(o: Pick<SweepOptions, 'temps' | 'grid' | 'shard'>, points: SweepPoint[]): number[] {
  const mine = points.filter((_, k) => k % o.shard.count === o.shard.index);
  if (!o.grid) return mine.map((p) => p.T);
  return [...new Set(mine.map((p) => p.T))];
}

/** Runs (or resumes) a sweep into `o.out`; see the module comment. */
export async function runSweep(o: SweepOptions): Promise<SweepOutcome> {
  let points = sweepPoints(o);
  // With --beta-per-L the temperatures follow from the sizes: record those, not the unused list.
  if (o.grid?.betaPerL !== undefined) {
    o = { ...o, temps: [...new Set(points.map((p) => p.T))] };
    points = sweepPoints(o);
  }
  const memory = preflight(o, points);
  const note = (s: string) => {
    if (o.notes ?? o.progress) process.stderr.write(`pdbm sweep: ${s}\n`);
  };
  const lock = lockDir(o.out, 'sweep');
  try {
    const fp = fingerprint(o);
    const fresh: SweepState = {
      format: STATE_FORMAT, fingerprint: fp, model: o.model, methods: o.methods, temps: o.temps, logT: o.logT, shard: o.shard,
      rows: [], done: [], failures: [], seconds: {}, info: {},
      ...(o.grid ? { grid: gridInfo(o.grid) } : {}),
    };
    let state = fresh;
    let old: SweepState | null = null;
    try {
      old = readState(o.out);
    } catch (e) {
      // A damaged state is never resumed from; --overwrite (or npm start's scratch run) replaces it.
      if (!(e instanceof InputError) || !(o.overwrite || o.restartOnChange)) throw e;
      note(`${e.message}; starting over`);
    }
    if (old) {
      if (o.overwrite) old = null;
      else if (!o.resume) throw new InputError(`${o.out} holds a sweep already: --resume continues it, --overwrite replaces it`);
      else if (old.fingerprint !== fp) {
        if (!o.restartOnChange) {
          throw new InputError(`${o.out}: options differ from the run being resumed: ${fingerprintDifference(old.fingerprint, fp)}`);
        }
        note(`the options changed since the last run in ${o.out}; starting over`);
        old = null;
      }
    }
    if (old) state = { ...old, failures: [] }; // failed units are tried again on resume
    else {
      // A fresh run must not resume an old train unit: its checkpoint and every replica's go.
      for (const f of existsSync(o.out) ? readdirSync(o.out) : []) if (/^train-checkpoint(\.r\d+)?\.json$/.test(f)) rmSync(join(o.out, f), { force: true });
    }
    const resumeTrain = old !== null;
    const units = planUnits(o, points);
    const started = new Date().toISOString();
    const unitWarnings = () => Object.values(state.info).flatMap((i) => i.warnings);
    const set = (): ResultSet => ({
      model: o.model,
      methods: o.methods,
      temps: shardTemps(o, points),
      rows: state.rows,
      failures: state.failures,
      logT: o.logT,
      exactCurve: [],
      ...(o.grid ? { grid: gridInfo(o.grid) } : {}),
      warnings: allWarnings(state.rows, unitWarnings()),
      meta: {
        version: o.version,
        model: o.model,
        convention: conventionOf(o.model),
        ...o.extraMeta,
        options: {
          methods: o.methods, temps: o.temps, log: o.logT, shard: `${o.shard.index}/${o.shard.count}`, seed: o.seed, workers: o.workers, dbm: o.dbm, alpha: o.alpha,
          train: o.trainOptions ?? {}, ...(o.grid ? { grid: o.grid } : {}),
        },
        ...(memory ? { memory_estimate: { bytes: Math.round(memory.bytes), limit_bytes: Math.round(memory.limit), text: formatBytes(memory.bytes) } } : {}),
        machine: machine(),
        started,
        seconds: state.seconds,
        units: { total: units.length, done: state.done.length },
        details: Object.fromEntries(Object.entries(state.info).map(([k, v]) => [k, v.details])),
      },
    });
    const costs: CostUnit[] = units.map((u) => ({ key: u.key, method: u.method, cost: unitCost(u, o, points) }));
    const progress = new CostProgress('pdbm sweep', o.progress, costs, state.done);
    let done = units.filter((u) => state.done.includes(u.key)).length;
    if (done > 0) note(`resuming: ${done} of ${units.length} units already done`);
    for (const u of units) {
      if (state.done.includes(u.key)) continue;
      const t0 = performance.now();
      let result: UnitResult | null = null;
      let lastError = '';
      progress.start(u.key);
      for (let attempt = 0; attempt < 2 && result === null; attempt++) {
        try {
          // The trained method resumes from its checkpoint when this sweep is a resumed one, or on the retry.
          result = await runUnit(u, { ...o, resume: resumeTrain || attempt > 0 }, points, (d, t) => progress.sub(d, t));
        } catch (e) {
          if (e instanceof InputError) throw e;
          lastError = (e as Error).message.split('\n')[0];
          note(`${u.key} failed (${lastError})${attempt === 0 ? ', retrying once' : ''}`);
        }
      }
      const seconds = (performance.now() - t0) / 1000;
      if (result === null) {
        state.failures.push({ unit: u.key, T: u.indices.length === 1 ? points[u.indices[0]].T : null, error: lastError });
      } else {
        const at = o.grid ? points[u.indices[0]] : undefined;
        const place = at ? ` (${[...(at.L !== undefined ? [`L = ${at.L}`] : []), ...(at.param !== undefined ? [`${o.grid!.vary!.key} = ${at.param}`] : [])].join(', ')})` : '';
        const info: UnitInfo = { warnings: resultWarnings(result).map((w) => `${u.method}${place}: ${w}`), details: [] };
        for (const [j, r] of result.rows.entries()) {
          // Grid sweeps: the unit's size and parameter value go into the row (a method's rows are
          // in the order of the temperatures it was given).
          const p = o.grid ? points[u.indices[j]] : undefined;
          const { row, details } = toRow(p ? { ...r, L: p.L, param: p.param } : r, u.method);
          state.rows.push(row);
          info.details.push(details);
        }
        state.info[u.key] = info;
        if (result.curve) state.exactCurve = result.curve;
        state.done.push(u.key);
        state.seconds[u.key] = seconds;
      }
      writeData(o.out, set());
      writeState(o.out, state);
      progress.finish(u.key, seconds);
      done++;
      // Test hook: a hard kill (no cleanup) after this many units, to test --resume.
      if (Number(process.env.PDBM_TEST_KILL_AFTER_UNITS) === done) process.kill(process.pid, 'SIGKILL');
    }
    const final = set();
    if (o.methods.includes('exact') && !o.grid) {
      // A state written before the curve was kept with the exact unit has none: solve again.
      final.exactCurve = state.exactCurve ?? exactCurveOf(o.model, o.temps, o.logT);
    }
    final.meta.finished = new Date().toISOString();
    writeData(o.out, final);
    const verdict = await writePlotsAndReport(o.out, final);
    return {
      dir: o.out,
      ...(o.grid ? { grid: gridInfo(o.grid) } : {}),
      allAgree: agreement(finishRows(final.rows, o.methods)).allAgree,
      failures: state.failures.length,
      rows: state.rows.length,
      warnings: final.warnings,
      verdict,
    };
  } finally {
    lock.release();
  }
}

