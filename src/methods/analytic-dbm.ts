/**
 * Method 1 end to end: for each temperature build the analytic purified DBM (trotter.ts), sample it
 * with chains in worker threads (pool.ts), and summarize (measure.ts). Optional Richardson
 * extrapolation in dt^2 over several Trotter steps.
 */
import { availableParallelism } from 'node:os';
import type { ChainTask, SamplingOptions } from '../mc/chain.ts';
import { InputError } from '../util/errors.ts';
import { makeTfim } from '../model/hamiltonian.ts';
import type { ModelSpec } from '../model/model.ts';
import { runChains } from '../mc/pool.ts';
import { extrapolateLinear, summarizeRow, type ThermoRow } from '../mc/summary.ts';
import { buildTrotterDbm, trotterSteps } from '../dbm/trotter.ts';

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
   * Global index of each temperature, selecting its random streams (default: its position). A
   * sweep run one temperature at a time, or split into shards, passes the index in the full list
   * so that every split gives the numbers of the whole run.
   */
  temperatureIndex?: number[];
}

export interface AnalyticResult {
  rows: ThermoRow[];
  spinUpdates: number;
  clusterMoves: number;
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
}

/**
 * Default sampling options: 16 chains of 1000 measurements after 200 warm-up sweeps. With >= 16
 * chains the error bars come from the scatter of chain means, which also exposes slow modes that a
 * single chain's autocorrelation time misses.
 */
export function defaultAnalyticOptions(): AnalyticOptions {
  return { warmup: 200, sweeps: 1000, thin: 1, cluster: true, chains: 16, seed: 1, workers: Math.max(1, availableParallelism()), dt: 0.05, order: 2 };
}

/**
 * Runs the analytic purified DBM at every temperature T (> 0, units of J). Random streams:
 * temperature index t (see `temperatureIndex`), dt factor f of F and chain c use stream
 * (t F + f) chains + c of `seed`. `onProgress(done, total)` counts finished chains.
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
  const tasks: ChainTask[] = [];
  const plan: Array<{ t: number; f: number; n: number; dt: number; first: number }> = [];
  temps.forEach((T, t) => {
    if (!(T > 0) || !Number.isFinite(T)) throw new InputError(`temperatures must be positive and finite, got ${T}`);
    factors.forEach((f, fi) => {
      const base = trotterSteps({ beta: 1 / T, dt: opts.dt, slices: opts.slices });
      const { n, dt } = trotterSteps({ beta: 1 / T, slices: Math.max(1, Math.round(base.n / f)) });
      const network = buildTrotterDbm(ham, { beta: 1 / T, slices: n, order: opts.order });
      plan.push({ t, f, n, dt, first: tasks.length });
      for (let c = 0; c < opts.chains; c++) {
        tasks.push({
          model, network, seed: opts.seed, chain: ((opts.temperatureIndex?.[t] ?? t) * factors.length + fi) * opts.chains + c,
          warmup: opts.warmup, sweeps: opts.sweeps, thin: opts.thin, cluster: opts.cluster,
        });
      }
    });
  });
  let done = 0;
  const results = await runChains(tasks, opts.workers, () => onProgress?.(++done, tasks.length));
  const rows: ThermoRow[] = [];
  let spinUpdates = 0;
  let clusterMoves = 0;
  for (const r of results) {
    spinUpdates += r.updates;
    clusterMoves += r.clusterMoves;
  }
  temps.forEach((T, t) => {
    const parts = plan
      .filter((p) => p.t === t)
      .map((p) => ({ p, row: summarizeRow(results.slice(p.first, p.first + opts.chains), T, ham.nSites) }));
    if (parts.length === 1) {
      rows.push({ ...parts[0].row, dt: parts[0].p.dt, slices: parts[0].p.n });
      return;
    }
    const x = parts.map((q) => q.p.dt * q.p.dt);
    const fit = (key: string) =>
      extrapolateLinear(x, parts.map((q) => q.row[key] as number), parts.map((q) => q.row[`${key}_err`] as number));
    const e = fit('e');
    const c = fit('c');
    const chi = fit('chi');
    rows.push({
      T, e: e.value, e_err: e.err, c: c.value, c_err: c.err, chi: chi.value, chi_err: chi.err, dt: 0, slices: null,
      extrapolated_from: parts.map((q) => q.p.dt).join(' '),
      n_eff: parts.reduce((a, q) => a + (q.row.n_eff as number), 0),
      samples: parts.reduce((a, q) => a + (q.row.samples as number), 0),
    });
  });
  return { rows, spinUpdates, clusterMoves };
}
