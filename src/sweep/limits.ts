/**
 * Physical limits checked before any network is built. The analytic purified DBM at inverse
 * temperature beta has n = ceil(beta / (2 dt)) Trotter steps, each with N deep units and one hidden
 * unit per bond, so its memory grows like 1/T: T = 1e-5 on a 16-site chain would need ~10^6
 * slices and tens of GB. Such temperatures are refused with the limit, not left to run out of
 * memory (or to throw a RangeError from a typed-array allocation).
 */
import { trotterSteps } from '../dbm/trotter.ts';
import { makeTfim } from '../model/hamiltonian.ts';
import type { ModelSpec } from '../model/model.ts';
import { InputError } from '../util/errors.ts';

/**
 * Bytes per unit of one Trotter slice (deep + hidden) held by the main thread while building and
 * sampling: typed arrays of the network, the sampler's graph, the estimators and the JS adjacency
 * lists used to build them. Measured (Node 20, 16-site chain, 1000 and 5000 slices): 2.9 kB per
 * site and slice with one bond per site, i.e. ~1.5 kB per unit.
 */
const BYTES_PER_UNIT = 1500;
/** Each extra worker thread holds its own copy of the sampler graph: measured ~1/3 of the main thread's share. */
const WORKER_SHARE = 1 / 3;
/** Default memory limit (MB) for one analytic network; `--max-memory` changes it. */
export const DEFAULT_MAX_MEMORY_MB = 2048;

export interface MemoryEstimate {
  /** Trotter steps n at the lowest temperature. */
  slices: number;
  /** Estimated peak bytes (main thread + workers) for the largest network. */
  bytes: number;
  /** The lowest temperature that fits in the limit with these options. */
  minT: number;
}

/**
 * Estimated peak memory of the analytic purified DBM at the lowest of `temps` (units of J), with
 * Trotter step `dt` (or fixed `slices`) and `workers` threads. `dtFactors` (dt^2 extrapolation)
 * shrinks dt, which multiplies the slice count by 1 / min(factor).
 */
export function analyticMemory(
  model: ModelSpec, temps: number[], o: { dt?: number; slices?: number; workers: number; chains: number; extrapolate?: number[] }, limitMb = DEFAULT_MAX_MEMORY_MB,
): MemoryEstimate {
  const ham = makeTfim(model);
  const perSlice = ham.nSites + ham.coupling.filter((j) => j !== 0).length;
  const threads = 1 + (Math.min(o.workers, o.chains) > 1 ? WORKER_SHARE * Math.min(o.workers, o.chains) : 0);
  const shrink = o.extrapolate ? 1 / Math.min(...o.extrapolate) : 1;
  const bytesFor = (n: number) => BYTES_PER_UNIT * perSlice * (n + 1) * threads;
  const Tmin = Math.min(...temps);
  // Steps as a real number first: 1e-9 would give ~1e10 slices, fine as a double, fatal as an array.
  const slices = o.slices ?? Math.ceil(trotterSteps({ beta: Math.min(1 / Tmin, 1e300), dt: o.dt }).n * shrink);
  const maxSlices = Math.floor((limitMb * 2 ** 20) / (BYTES_PER_UNIT * perSlice * threads)) - 1;
  const dt = o.dt ?? 0.05;
  const minT = o.slices !== undefined ? 0 : 1 / (2 * dt * Math.max(1, maxSlices / shrink));
  return { slices, bytes: bytesFor(slices), minT };
}

/** Human-readable size. */
export function formatBytes(b: number): string {
  if (b >= 2 ** 30) return `${(b / 2 ** 30).toPrecision(3)} GB`;
  return `${(b / 2 ** 20).toPrecision(3)} MB`;
}

/**
 * Refuses (one-line InputError) when the analytic network at the lowest temperature would exceed
 * `limitMb`; returns the estimate otherwise (for `meta`).
 */
export function checkAnalyticMemory(
  model: ModelSpec, temps: number[], o: { dt?: number; slices?: number; workers: number; chains: number; extrapolate?: number[] }, limitMb = DEFAULT_MAX_MEMORY_MB,
): MemoryEstimate {
  const est = analyticMemory(model, temps, o, limitMb);
  if (est.bytes > limitMb * 2 ** 20) {
    const Tmin = Math.min(...temps);
    throw new InputError(
      `T = ${Tmin} needs ${est.slices.toPrecision(3)} Trotter slices (beta / 2dt) and about ${formatBytes(est.bytes)}, over the limit of ${limitMb} MB` +
        (est.minT > 0 ? `: the lowest T for this model and dt is ${Number(est.minT.toPrecision(2))}` : '') +
        ' (raise --max-memory or --dt, or use fewer --workers)',
    );
  }
  return est;
}

/**
 * Most imaginary-time steps a trained-network run may plan: its steps grow like beta / maxDbeta,
 * so T = 1e-9 would mean ~5e10 steps (a run that never ends). 1e5 steps at the default
 * maxDbeta 0.02 reach beta = 2000.
 */
export const MAX_TRAIN_STEPS = 100_000;

/**
 * Refuses (one-line InputError) temperatures that the trained network would need more than
 * {@link MAX_TRAIN_STEPS} imaginary-time steps of at most `maxDbeta` to reach; returns the estimate.
 */
export function checkTrainSteps(temps: number[], maxDbeta: number, flag = '--max-dbeta'): number {
  const Tmin = Math.min(...temps);
  const steps = 1 / Tmin / maxDbeta;
  if (steps > MAX_TRAIN_STEPS) {
    throw new InputError(
      `T = ${Tmin} needs about ${steps.toPrecision(2)} imaginary-time steps (beta / ${flag}), over the limit of ${MAX_TRAIN_STEPS}: ` +
        `the lowest T for ${flag} ${maxDbeta} is ${Number((1 / (MAX_TRAIN_STEPS * maxDbeta)).toPrecision(2))}`,
    );
  }
  return steps;
}
