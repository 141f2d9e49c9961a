/**
 * Temperature sweeps: every method on every temperature, results written atomically after each
 * unit of work (the exact checker once, the analytic DBM per temperature, the trained DBM once for
 * the whole curve), resumable after a kill, splittable into shards for a cluster job array.
 *
 * Reproducibility: the random streams of a temperature are chosen by its index in the FULL list,
 * so a resumed run, a run split into shards and merged, and an uninterrupted run all give the
 * same data files byte for byte (data.csv / data.json hold no timings; meta.json does).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyticThermo, checkSampling, type AnalyticOptions } from '../methods/analytic-dbm.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { InputError } from '../util/errors.ts';
import { exactThermo, chooseMethod } from '../exact/solver.ts';
import { makeTfim } from '../model/hamiltonian.ts';
import type { ModelSpec } from '../model/model.ts';
import { Progress } from '../util/progress.ts';
import { agreement, finishRows, machine, writeData, writePlotsAndReport, type ResultRow, type ResultSet } from './results.ts';

export const SWEEP_METHODS = ['exact', 'dbm', 'train'] as const;
export type SweepMethod = (typeof SWEEP_METHODS)[number];

/**
 * Runs the trained-DBM method over a list of temperatures (wired in by the CLI), checkpointing to
 * `checkpoint` and continuing from it when `resume` is set.
 */
export type TrainRunner = (
  model: ModelSpec, temps: number[], seed: number, workers: number, checkpoint: string, resume: boolean, alpha: number | undefined,
) => Promise<ResultRow[]>;

export interface SweepOptions {
  model: ModelSpec;
  methods: SweepMethod[];
  /** The full temperature list (units of J); a shard runs a subset of it. */
  temps: number[];
  logT: boolean;
  out: string;
  resume: boolean;
  /** Shard i of n (0 <= i < n): temperatures with index = i mod n. */
  shard: { index: number; count: number };
  seed: number;
  workers: number;
  dbm: Omit<AnalyticOptions, 'seed' | 'workers' | 'temperatureIndex'>;
  train?: TrainRunner;
  /** Hidden units per site of the trained network (undefined: its default). */
  alpha: number | undefined;
  progress: boolean;
  version: string;
}

interface SweepState {
  format: 'purified-dbm/sweep-state@1';
  fingerprint: string;
  rows: ResultRow[];
  done: string[];
  failures: Array<{ unit: string; T: number | null; error: string }>;
  seconds: Record<string, number>;
}

interface Unit {
  key: string;
  method: SweepMethod;
  /** Global temperature indices of this unit. */
  indices: number[];
}

/** Everything that determines the numbers (not workers, not progress). */
function fingerprint(o: SweepOptions): string {
  return JSON.stringify({ model: o.model, methods: o.methods, temps: o.temps, shard: o.shard, seed: o.seed, dbm: o.dbm, alpha: o.alpha });
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
function planUnits(o: SweepOptions): Unit[] {
  const mine = o.temps.map((_, k) => k).filter((k) => k % o.shard.count === o.shard.index);
  const units: Unit[] = [];
  for (const method of o.methods) {
    if (method === 'exact' && mine.length > 0) units.push({ key: 'exact', method, indices: mine });
    if (method === 'dbm') for (const k of mine) units.push({ key: `dbm@${k}`, method, indices: [k] });
    // One imaginary-time run yields the whole curve; it belongs to shard 0 and covers every T, so
    // that shards merged equal the whole run.
    if (method === 'train' && o.shard.index === 0) units.push({ key: 'train', method, indices: o.temps.map((_, k) => k) });
  }
  return units;
}

/** A fine grid for the exact curve in the plots, spanning the sweep. */
export function curveGrid(temps: number[], logT: boolean): number[] {
  const lo = Math.min(...temps);
  const hi = Math.max(...temps);
  const n = 120;
  if (lo === hi) return [lo];
  return Array.from({ length: n }, (_, k) => (logT ? lo * (hi / lo) ** (k / (n - 1)) : lo + ((hi - lo) * k) / (n - 1)));
}

async function runUnit(u: Unit, o: SweepOptions): Promise<ResultRow[]> {
  const temps = u.indices.map((k) => o.temps[k]);
  const failAt = process.env.PDBM_TEST_FAIL_UNIT;
  // Test hook: makes one unit fail (PDBM_TEST_FAIL_UNIT=dbm@2) or fail once (=dbm@2:once).
  if (failAt && failAt.split(':')[0] === u.key) {
    if (!failAt.endsWith(':once') || !process.env.PDBM_TEST_FAILED_ONCE) {
      process.env.PDBM_TEST_FAILED_ONCE = '1';
      throw new Error(`injected failure of ${u.key}`);
    }
  }
  if (u.method === 'exact') {
    const res = exactThermo(makeTfim(o.model), temps);
    return res.rows.map((r) => ({ method: 'exact', ...r, solver: res.solver }));
  }
  if (u.method === 'dbm') {
    const res = await analyticThermo(o.model, temps, { ...o.dbm, seed: o.seed, workers: o.workers, temperatureIndex: u.indices });
    return res.rows.map((r) => ({ method: 'dbm', ...r }));
  }
  if (!o.train) throw new InputError('the train method is not available in this build');
  const rows = await o.train(o.model, temps, o.seed, o.workers, join(o.out, 'train-checkpoint.json'), o.resume, o.alpha);
  return rows.map((r) => ({ ...r, method: 'train' }));
}

export interface SweepOutcome {
  dir: string;
  allAgree: boolean;
  failures: number;
  rows: number;
}

/** Runs (or resumes) a sweep into `o.out`; see the module comment. */
export async function runSweep(o: SweepOptions): Promise<SweepOutcome> {
  if (o.methods.length === 0) throw new InputError('--methods needs at least one of exact, dbm, train');
  if (o.methods.includes('dbm')) checkSampling({ ...o.dbm, workers: o.workers });
  if (o.methods.includes('exact')) chooseMethod(makeTfim(o.model)); // fails early when no exact method applies
  const statePath = join(o.out, 'state.json');
  const fp = fingerprint(o);
  let state: SweepState = { format: 'purified-dbm/sweep-state@1', fingerprint: fp, rows: [], done: [], failures: [], seconds: {} };
  if (o.resume && existsSync(statePath)) {
    const old = JSON.parse(readFileSync(statePath, 'utf8')) as SweepState;
    if (old.fingerprint !== fp) throw new InputError(`${o.out}: options differ from the run being resumed (model, methods, temperatures, seed, shard or sampling options)`);
    // Failed units are tried again on resume.
    state = { ...old, failures: [] };
  }
  mkdirSync(o.out, { recursive: true });
  const units = planUnits(o);
  const started = new Date().toISOString();
  const set = (): ResultSet => ({
    model: o.model,
    methods: o.methods,
    temps: o.temps.filter((_, k) => k % o.shard.count === o.shard.index),
    rows: state.rows,
    failures: state.failures,
    logT: o.logT,
    exactCurve: [],
    meta: {
      version: o.version,
      model: o.model,
      options: { methods: o.methods, temps: o.temps, log: o.logT, shard: `${o.shard.index}/${o.shard.count}`, seed: o.seed, workers: o.workers, dbm: o.dbm, alpha: o.alpha },
      machine: machine(),
      started,
      seconds: state.seconds,
      units: { total: units.length, done: state.done.length },
    },
  });
  const progress = new Progress('pdbm sweep', o.progress);
  let done = units.filter((u) => state.done.includes(u.key)).length;
  progress.update(done, units.length);
  for (const u of units) {
    if (state.done.includes(u.key)) continue;
    const t0 = performance.now();
    let rows: ResultRow[] | null = null;
    let lastError = '';
    for (let attempt = 0; attempt < 2 && rows === null; attempt++) {
      try {
        rows = await runUnit(u, o);
      } catch (e) {
        if (e instanceof InputError) throw e;
        lastError = (e as Error).message.split('\n')[0];
        if (o.progress) process.stderr.write(`pdbm sweep: ${u.key} failed (${lastError})${attempt === 0 ? ', retrying once' : ''}\n`);
      }
    }
    if (rows === null) {
      state.failures.push({ unit: u.key, T: u.indices.length === 1 ? o.temps[u.indices[0]] : null, error: lastError });
    } else {
      state.rows.push(...rows);
      state.done.push(u.key);
      state.seconds[u.key] = (performance.now() - t0) / 1000;
    }
    writeData(o.out, set());
    writeFileAtomic(statePath, `${JSON.stringify(state)}\n`);
    progress.update(++done, units.length);
    // Test hook: a hard kill (no cleanup) after this many units, to test --resume.
    if (Number(process.env.PDBM_TEST_KILL_AFTER_UNITS) === done) process.kill(process.pid, 'SIGKILL');
  }
  const final = set();
  if (o.methods.includes('exact')) {
    const grid = curveGrid(final.temps, o.logT);
    final.exactCurve = exactThermo(makeTfim(o.model), grid).rows.map((r) => ({ T: r.T, e: r.e, c: r.c }));
  }
  final.meta.finished = new Date().toISOString();
  writeData(o.out, final);
  await writePlotsAndReport(o.out, final);
  return {
    dir: o.out,
    allAgree: agreement(finishRows(final.rows, o.methods)).allAgree,
    failures: state.failures.length,
    rows: state.rows.length,
  };
}
