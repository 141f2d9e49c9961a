/**
 * Method 1 end to end: for each temperature build the analytic purified DBM (trotter.ts), sample it
 * with chains in worker threads (pool.ts; each thread builds the network it samples), and
 * summarize (mc/summary.ts). Optional Richardson extrapolation in dt^2 over several Trotter steps,
 * with the remaining Trotter bias stated. Before any work, the memory the networks need is
 * estimated and a run that would not fit is refused (see {@link analyticMemoryEstimate}).
 */
import { totalmem } from 'node:os';
import { defaultWorkers } from '../util/workers.ts';
import { continuousRingConfig } from '../mc/continuous-ring.ts';
import { CONTINUOUS_GRID, samplingFields, type ChainTask, type SamplingOptions } from '../mc/chain.ts';
import { InputError } from '../util/errors.ts';
import { makeTfim, type Tfim } from '../model/hamiltonian.ts';
import type { ModelSpec } from '../model/model.ts';
import { runChains } from '../mc/pool.ts';
import { extrapolateLinear, summarizeRow } from '../mc/summary.ts';
import type { Row } from '../stats/row.ts';
import { collectWarnings, rowWarnings } from '../stats/warnings.ts';
import { trotterSteps } from '../dbm/trotter.ts';

export interface AnalyticOptions extends SamplingOptions {
  /** Trotter step (default 0.05) or number of steps; see {@link trotterSteps}. */
  dt?: number;
  slices?: number;
  order?: 1 | 2;
  /** Independent chains per temperature (fixed, so results do not depend on `workers`). */
  chains: number;
  seed: number;
  workers: number;
  /** Extra Trotter steps for dt^2 extrapolation, as multiples of dt (e.g. [1, 0.75, 0.5]). */
  extrapolate?: number[];
  /**
   * Sample the dt -> 0 limit of the network, in continuous imaginary time (mc/continuous-ring.ts):
   * no Trotter error to extrapolate, and a cost per sweep set by Gamma beta N instead of beta / dt.
   * TFIM with h = 0; dt, slices, order, extrapolate and the move options do not apply.
   */
  continuous?: boolean;
  /**
   * Global index of each temperature, selecting its random streams (default: its position). A
   * sweep run one temperature at a time, or split into shards, passes the index in the full list
   * so that every split gives the numbers of the whole run.
   */
  temperatureIndex?: number[];
  /** Refuse runs whose estimated memory exceeds this many bytes (default {@link defaultMemoryLimit}). */
  memoryLimit?: number;
}

/** Checks sampling options; throws InputError with the option's name. */
export function checkSampling(o: SamplingOptions & { chains: number; workers: number }): void {
  const int = (v: number, name: string, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new InputError(`--${name} must be an integer >= ${min}, got ${v}`);
  };
  int(o.sweeps, 'sweeps', 1);
  int(o.warmup, 'warmup', 0);
  int(o.thin, 'thin', 1);
  int(o.chains, 'chains', 2);
  int(o.workers, 'workers', 1);
  if (o.wolffFraction !== undefined && !(o.wolffFraction > 0 && Number.isFinite(o.wolffFraction))) {
    throw new InputError(`--wolff-fraction must be a positive number, got ${o.wolffFraction}`);
  }
  if (o.clusterMove !== undefined && o.clusterMove !== 'sw' && o.clusterMove !== 'wolff') {
    throw new InputError(`--cluster-move must be sw or wolff, got ${String(o.clusterMove)}`);
  }
}

/**
 * Default sampling options: 16 chains of 1000 measurements after 200 warm-up sweeps. With >= 16
 * chains the error bars come from the scatter of chain means, which also exposes slow modes that a
 * single chain's autocorrelation time misses. Moves: heat-bath sweeps of the traced-out ring plus
 * Wolff clusters (mc/wolff.ts) where the bond units trace out (h = 0), else heat-bath sweeps of
 * the joint graph plus Swendsen–Wang. Measured (1 worker, loaded box, error x sqrt(CPU s)): at the
 * 8x8 critical point m2 0.0037 vs 0.0085 and U4 0.013 vs 0.024 for the joint graph with
 * Swendsen–Wang; never worse on chain-16 (T = 0.5, 5), the 4x4 square and the triangular AFM.
 */
export function defaultAnalyticOptions(): AnalyticOptions {
  return {
    warmup: 200, sweeps: 1000, thin: 1, cluster: true, chains: 16, seed: 1, workers: defaultWorkers(), dt: 0.05, order: 2,
    traceBonds: true, clusterMove: 'wolff',
  };
}

/** What {@link analyticThermo} reports besides the rows; meant to be spread into `meta`. */
export interface AnalyticMeta {
  /** Peak memory estimate of the largest temperature, bytes (see {@link analyticMemoryEstimate}). */
  memory_bytes: number;
  /** The limit it was checked against, bytes. */
  memory_limit_bytes: number;
  /** Unit updates (heat-bath plus cluster-move units) and wall seconds of the sampling. */
  spin_updates: number;
  seconds: number;
  /** Which rows' numbers came from which estimators (one line each), for reports. */
  estimators: string[];
  /**
   * The Trotter error, stated: the steps used and, with dt^2 extrapolation, the largest remaining
   * bias over rows of the finest single run (extrapolated minus finest) for e, m2 and binder.
   */
  trotter: { dt: number[]; extrapolated: boolean; statement: string; e_bias_max?: number; m2_bias_max?: number; binder_bias_max?: number };
  /** Suspicious numbers, one line each (stats/warnings.ts), for `meta.warnings`. */
  warnings: string[];
}

export interface AnalyticResult {
  rows: Row[];
  spinUpdates: number;
  clusterMoves: number;
  meta: AnalyticMeta;
}

/** Default memory cap: half of the machine's memory, at most 4 GiB. */
export function defaultMemoryLimit(): number {
  return Math.min(4 * 2 ** 30, totalmem() / 2);
}

/** Breakdown of {@link analyticMemoryEstimate}. */
export interface MemoryEstimate {
  /** Peak bytes of the whole run at this temperature (all threads, all chains' series). */
  bytes: number;
  /** Trotter steps n and the network's units and edges. */
  slices: number;
  units: number;
  edges: number;
  /** Joint-graph nodes (visible units once, inner units twice). */
  nodes: number;
  /** Bytes per thread that samples (network, joint graph, tables, estimators). */
  perThread: number;
  threads: number;
}

/**
 * Estimated peak memory (bytes) of sampling the analytic network of `ham` at temperature `T`,
 * without building anything: counts from the Trotter construction (trotter.ts) times the bytes per
 * unit, edge and joint-graph node of the builder, the network, the joint graph (including the
 * transient hash map that merges parallel couplings), the sampler's lookup tables, the estimators'
 * adjacency lists and every chain's series. Each sampling thread holds one network at a time.
 * Calibrated against measured peak RSS to ~15% for large networks (small ones are dominated by
 * the runtime itself).
 * Throws InputError for a T that gives no valid Trotter step count.
 */
export function analyticMemoryEstimate(
  model: ModelSpec | Tfim,
  T: number,
  opts: Partial<Pick<AnalyticOptions, 'dt' | 'slices' | 'order' | 'workers' | 'chains' | 'sweeps' | 'extrapolate'>> = {},
): MemoryEstimate {
  const ham = 'coupling' in model ? model : makeTfim(model);
  if (!(T > 0) || !Number.isFinite(T)) throw new InputError(`temperatures must be positive and finite, got ${T}`);
  const beta = 1 / T;
  const factors = opts.extrapolate ?? [1];
  const minFactor = Math.min(...factors);
  let n: number;
  if (opts.slices !== undefined) n = Math.max(1, Math.round(opts.slices / minFactor));
  else {
    const dt = opts.dt ?? 0.05;
    if (!(dt > 0) || !Number.isFinite(dt)) throw new InputError(`--dt must be positive and finite, got ${dt}`);
    n = Math.max(1, Math.ceil(beta / (2 * dt) / minFactor - 1e-9));
  }
  const N = ham.nSites;
  let nb = 0;
  const z = new Float64Array(N);
  for (let b = 0; b < ham.coupling.length; b++) {
    if (ham.coupling[b] === 0) continue;
    nb++;
    z[ham.bondI[b]]++;
    z[ham.bondJ[b]]++;
  }
  const order = opts.order ?? 2;
  const bondSlices = order === 2 ? n + 1 : n;
  const units = 2 * N + N * (n - 1) + nb * bondSlices;
  const edges = N * n + 2 * nb * bondSlices;
  const nodes = 2 * N + 2 * (units - 2 * N);
  const jointEdges = 2 * edges;
  // Heat-bath tables: 2^degree doubles per spin node (degree = 2 links + its bonds, capped at the
  // table limit of 8), 4 per bond unit.
  let tableEntries = 0;
  for (let i = 0; i < N; i++) tableEntries += 2 ** Math.min(8, 2 + z[i]);
  tableEntries = tableEntries * 2 * n + 4 * 2 * nb * bondSlices;
  const builder = 1.5 * (16 * units + 24 * edges); // JS arrays with growth slack
  const network = 9 * units + 16 * edges + 4 * N * (n + 1);
  const adjacency = 32 * units + 112 * edges; // unitAdjacency: arrays of [unit, weight] pairs
  const graph = 64 * jointEdges + 40 * jointEdges + 24 * nodes + 8 * units; // merge map + CSR + lists
  const tables = 8 * tableEntries + 12 * nodes + 8 * jointEdges;
  const estimators = 40 * N * n + 24 * nb * bondSlices * 2;
  const wolff = 12 * nodes + 8 * (2 * N * n * (2 + 4));
  // Calibration: peak RSS measured by sampling analyticThermo (1 worker, 2 chains) was 1.15x the
  // sum above for chain-16 at 10000 slices (354 MB) and the 8x8 square at 2000 slices (523 MB).
  const perThread = 1.15 * (builder + network + adjacency + graph + tables + estimators + wolff);
  const chains = opts.chains ?? 16;
  const threads = Math.max(1, Math.min(opts.workers ?? 1, chains));
  const sweeps = opts.sweeps ?? 1000;
  const series = factors.length * chains * sweeps * 8 * (12 + 2 * (Math.floor(Math.sqrt(N) / 2) + 1));
  return { bytes: Math.ceil(threads * perThread + series), slices: n, units, edges, nodes, perThread: Math.ceil(perThread), threads };
}

function gib(b: number): string {
  return `${(b / 2 ** 30).toFixed(b < 2 ** 30 ? 3 : 1)} GiB`;
}

/**
 * Checks every temperature against the memory limit before any work starts; returns the largest
 * estimate. The message names the temperature, the estimate, the limit and the lowest temperature
 * that fits at this dt.
 */
export function checkAnalyticMemory(model: ModelSpec | Tfim, temps: number[], opts: Partial<AnalyticOptions>): { bytes: number; limit: number } {
  const limit = opts.memoryLimit ?? defaultMemoryLimit();
  let worst = 0;
  if (opts.continuous) {
    // Continuous time holds a few numbers per kink and cut (about 4 Gamma beta per site, 30 bytes
    // each, in two buffers) and the series: nothing near a network's size, so nothing to refuse.
    const ham = 'coupling' in model ? model : makeTfim(model);
    const series = (opts.chains ?? 16) * (opts.sweeps ?? 1000) * 8 * (12 + 2 * (Math.floor(Math.sqrt(ham.nSites) / 2) + 1));
    for (const T of temps) worst = Math.max(worst, 60 * ham.nSites * (4 * Math.abs(ham.Gamma) / T + 16) * Math.max(1, opts.workers ?? 1) + series);
    return { bytes: Math.ceil(worst), limit };
  }
  for (const T of temps) {
    const est = analyticMemoryEstimate(model, T, opts);
    worst = Math.max(worst, est.bytes);
    if (est.bytes > limit) {
      // Memory grows linearly in beta: the lowest temperature that fits, at the same dt.
      const Tmin = (T * est.bytes) / limit;
      throw new InputError(
        `T = ${T} needs about ${gib(est.bytes)} (${est.slices} Trotter steps, ${est.units} units, ${est.threads} thread(s)), more than the limit of ${gib(limit)}; ` +
          `the lowest temperature that fits at this dt is about ${Tmin.toPrecision(2)} (or use fewer --workers, a larger --dt)`,
      );
    }
  }
  return { bytes: worst, limit };
}

/** Fields extrapolated in dt^2 when several Trotter steps were run. */
const EXTRAPOLATED = ['e', 'c', 'chi', 'm2', 'm4', 'binder', 'm_abs', 'e_ring', 'c_ring'] as const;
type Extrapolated = (typeof EXTRAPOLATED)[number];
/** Fields whose remaining Trotter bias (extrapolated - finest) is stated. */
const BIAS_FIELDS = { e: 'e_trotter_bias', m2: 'm2_trotter_bias', binder: 'binder_trotter_bias' } as const;

/**
 * dt^2 extrapolation of the rows of one temperature at several Trotter steps. Besides the fits,
 * the row states the remaining Trotter bias of e, m2 and binder: extrapolated value minus the value
 * at the finest dt, i.e. how far the best single run is from dt -> 0 (with its own error in
 * `<field>_err` combined, the bias is resolved when |bias| > 2 err).
 */
export function extrapolateRows(T: number, parts: Array<{ dt: number; row: Row }>): Row {
  const x = parts.map((q) => q.dt * q.dt);
  const finest = parts.reduce((a, q) => (q.dt < a.dt ? q : a));
  const row: Row = { T, e: NaN, e_err: NaN, c: NaN, c_err: NaN };
  for (const key of EXTRAPOLATED) {
    const errKey = `${key}_err` as `${Extrapolated}_err`;
    if (parts.some((q) => q.row[key] === undefined || q.row[errKey] === undefined)) continue;
    const fit = extrapolateLinear(x, parts.map((q) => q.row[key]!), parts.map((q) => q.row[errKey]!));
    row[key] = fit.value;
    row[errKey] = fit.err;
  }
  for (const [key, biasKey] of Object.entries(BIAS_FIELDS) as Array<[keyof typeof BIAS_FIELDS, (typeof BIAS_FIELDS)[keyof typeof BIAS_FIELDS]]>) {
    const v = row[key];
    const f = finest.row[key];
    if (v !== undefined && f !== undefined) row[biasKey] = v - f;
  }
  // Specific heat: both estimators are unbiased after the extrapolation (up to O(dt^4)), so `c`
  // is the one with the smaller error bar; the two-copy value stays in c_two_copy.
  if (row.c_ring !== undefined && row.c_ring_err !== undefined) {
    row.c_two_copy = row.c;
    row.c_two_copy_err = row.c_err;
    if (row.c_ring_err < row.c_err) {
      row.c = row.c_ring;
      row.c_err = row.c_ring_err;
      row.c_estimator = 'ring';
    } else row.c_estimator = 'two-copy';
  }
  row.extrapolated_from = parts.map((q) => q.dt).join(' ');
  row.n_eff = parts.reduce((a, q) => a + (q.row.n_eff ?? 0), 0);
  row.samples = parts.reduce((a, q) => a + (q.row.samples ?? 0), 0);
  const w = [...new Set(parts.flatMap((q) => (q.row.warnings ?? []).map((s) => `${s} (at dt = ${q.dt})`))), ...rowWarnings(row)];
  if (w.length > 0) row.warnings = w;
  return row;
}

/**
 * Runs the analytic purified DBM at every temperature T (> 0, units of J). Random streams:
 * temperature index t (see `temperatureIndex`), dt factor f of F and chain c use stream
 * (t F + f) chains + c of `seed`. `onProgress(done, total)` counts finished chains.
 * Throws InputError before any work when a temperature's network would not fit in memory.
 */
export async function analyticThermo(
  model: ModelSpec,
  temps: number[],
  opts: AnalyticOptions,
  onProgress?: (done: number, total: number) => void,
): Promise<AnalyticResult> {
  checkSampling(opts);
  const ham = makeTfim(model);
  const factors = opts.extrapolate ?? [1];
  if (factors.length < 1 || factors.some((f) => !(f > 0))) throw new InputError('--extrapolate needs positive dt factors');
  if (!(Math.abs(ham.Gamma) > 0)) throw new InputError('Gamma = 0 is a classical model: its purified state has infinite links; use `pdbm exact`');
  for (const T of temps) if (!(T > 0) || !Number.isFinite(T)) throw new InputError(`temperatures must be positive and finite, got ${T}`);
  if (opts.continuous && opts.extrapolate && opts.extrapolate.length > 1) {
    throw new InputError('--continuous-time has no Trotter step: it cannot be combined with --extrapolate');
  }
  const continuous = Boolean(opts.continuous);
  // The ring's own checks (h = 0, Gamma != 0, beta), before any work rather than in a worker.
  if (continuous) for (const T of temps) continuousRingConfig(ham, 1 / T);
  const mem = checkAnalyticMemory(ham, temps, opts);
  const order = opts.order ?? 2;
  const tasks: ChainTask[] = [];
  const plan: Array<{ t: number; f: number; n: number; dt: number; first: number }> = [];
  temps.forEach((T, t) => {
    if (continuous) {
      plan.push({ t, f: 1, n: 0, dt: 0, first: tasks.length });
      for (let c = 0; c < opts.chains; c++) {
        tasks.push({
          model, continuousBeta: 1 / T, seed: opts.seed,
          chain: (opts.temperatureIndex?.[t] ?? t) * opts.chains + c,
          ...samplingFields(opts),
        });
      }
      return;
    }
    factors.forEach((f, fi) => {
      const base = trotterSteps({ beta: 1 / T, dt: opts.dt, slices: opts.slices });
      const { n, dt } = trotterSteps({ beta: 1 / T, slices: Math.max(1, Math.round(base.n / f)) });
      plan.push({ t, f, n, dt, first: tasks.length });
      for (let c = 0; c < opts.chains; c++) {
        tasks.push({
          // The network is described, not sent: each thread builds it once and reuses it for all
          // its chains at this temperature (mc/chain.ts).
          model, build: { beta: 1 / T, slices: n, order }, seed: opts.seed,
          chain: ((opts.temperatureIndex?.[t] ?? t) * factors.length + fi) * opts.chains + c,
          ...samplingFields(opts),
        });
      }
    });
  });
  let done = 0;
  const t0 = performance.now();
  const results = await runChains(tasks, opts.workers, () => onProgress?.(++done, tasks.length));
  const seconds = (performance.now() - t0) / 1000;
  const rows: Row[] = [];
  let spinUpdates = 0;
  let clusterMoves = 0;
  for (const r of results) {
    spinUpdates += r.updates;
    clusterMoves += r.clusterMoves;
  }
  temps.forEach((T, t) => {
    const parts = plan
      .filter((p) => p.t === t)
      .map((p) => ({ dt: p.dt, n: p.n, row: summarizeRow(results.slice(p.first, p.first + opts.chains), T, ham.nSites, { extrapolated: factors.length > 1, continuous }) }));
    // With autoThin each chain chose its own thin: the row gives their mean.
    const thins = plan.filter((p) => p.t === t).flatMap((p) => results.slice(p.first, p.first + opts.chains).map((r) => r.thin));
    const thin = Math.round((100 * thins.reduce((a, b) => a + b, 0)) / thins.length) / 100;
    if (continuous) rows.push({ ...parts[0].row, dt: 0, thin });
    else if (parts.length === 1) rows.push({ ...parts[0].row, dt: parts[0].dt, slices: parts[0].n, thin });
    else rows.push(extrapolateRows(T, parts));
  });
  const estimators = continuous ? [
    'continuous imaginary time (dt -> 0 limit of the network): e = -<n>/beta + time-averaged H_z (n: kinks); c = beta^2 (Var E - <n>/beta^2), the thermodynamic estimator',
    `m2, m4, m_abs, binder, corr, sq: averaged over ${CONTINUOUS_GRID} imaginary times (improved estimator); chi: from the time-integrated magnetization (Kubo)`,
  ] : [
    factors.length === 1
      ? 'e: visible local energy with every deep spin summed out (mean of both copies); c: two-copy product E_A E_B (smaller Trotter error)'
      : 'e: visible local energy with every deep spin summed out; c: after dt^2 extrapolation, the two-copy or ring estimator, whichever has the smaller error bar (c_estimator)',
    `m2, m4, m_abs, binder, corr, sq: ${order === 2 ? 'averaged over all 2n ring slices (homogeneous ring, improved estimator)' : 'physical slice only (first-order ring is not homogeneous)'}`,
    'e_ring, c_ring, chi: thermodynamic ring estimators (larger Trotter error; use with extrapolation)',
  ];
  const dts = [...new Set(plan.map((p) => p.dt))].sort((a, b) => b - a);
  const maxAbs = (k: 'e_trotter_bias' | 'm2_trotter_bias' | 'binder_trotter_bias') => {
    const v = rows.map((r) => r[k]).filter((x): x is number => x !== undefined);
    return v.length ? Math.max(...v.map(Math.abs)) : undefined;
  };
  const trotter: AnalyticMeta['trotter'] = continuous
    ? { dt: [0], extrapolated: false, statement: 'continuous imaginary time (the dt -> 0 limit of the network): no Trotter error' }
    : factors.length === 1
      ? { dt: dts, extrapolated: false, statement: `single Trotter step per temperature (dt = ${dts.map((d) => d.toPrecision(3)).join(', ')}): O(dt^2) bias not measured` }
      : {
          dt: dts, extrapolated: true, e_bias_max: maxAbs('e_trotter_bias'), m2_bias_max: maxAbs('m2_trotter_bias'), binder_bias_max: maxAbs('binder_trotter_bias'),
          statement:
            `extrapolated in dt^2 from ${factors.length} Trotter steps; largest bias of the finest single run removed by it: ` +
            `|e| ${maxAbs('e_trotter_bias')?.toPrecision(2)}, |m2| ${maxAbs('m2_trotter_bias')?.toPrecision(2)}, |U4| ${maxAbs('binder_trotter_bias')?.toPrecision(2)} ` +
            '(the O(dt^4) remainder of the extrapolation is not measured)',
        };
  const extra = factors.length === 1 && !continuous
    ? ['no dt^2 extrapolation: results carry an unmeasured O(dt^2) Trotter bias (run with extrapolation to measure and remove it)']
    : [];
  return {
    rows, spinUpdates, clusterMoves,
    meta: {
      memory_bytes: mem.bytes, memory_limit_bytes: mem.limit, spin_updates: spinUpdates, seconds, estimators, trotter,
      warnings: collectWarnings(rows, extra),
    },
  };
}
