/**
 * Independent replicas of the whole imaginary-time evolution (different seeds, same options),
 * combined per temperature, so that the error bar covers the noise of the evolution itself: the
 * sampled S and F make every run's parameters, and so its e(T) and c(T), scatter from seed to seed
 * by about as much as the measurement error at each T, which a single run cannot see.
 *
 * Combination of R replicas x_r +- s_r (x = e, c, m2, m_abs) at one temperature:
 *   mean      xbar = (1/R) sum_r x_r   (equal weights: every replica has the same budget, and
 *             weights from noisy error bars would bias the mean);
 *   measurement part   s_meas    = sqrt(sum_r s_r^2) / R   (the error of xbar if the evolution
 *             were noise-free);
 *   scatter part       s_scatter = sqrt(sum_r (x_r - xbar)^2 / (R (R - 1)))   (standard error of
 *             the mean over replicas, R >= 2: it contains the measurement noise AND the evolution
 *             noise, Var x_r = s_r^2 + sigma_evol^2);
 *   reported  err = max(s_meas, s_scatter), i.e. err^2 = s_meas^2 + max(0, s_scatter^2 - s_meas^2):
 *             the measurement error plus the evolution noise the scatter shows beyond it (never
 *             less than the measurement error, which a lucky small scatter could otherwise hide).
 * `dominant` says which part sets the bar. With few replicas s_scatter is itself uncertain by
 * about 1/sqrt(2 (R - 1)) relative (71% at R = 2, 35% at R = 5).
 *
 * Failed replicas: an evolution can blow up (heavy-tailed local energies near nodes of the complex
 * network's amplitude at low T: measured on the 16-site Heisenberg chain, one replica of three at
 * e = -0.23 against -0.40 exact, tau_int 120, bar 0.03, the other two within 1e-3 of exact), and its
 * row would set the mean and the bar. With R >= 3, a replica is left out at a temperature when its e
 * lies more than OUTLIER_BARS times the median of the replicas' e_err from the median of their e
 * (neither the outlier's value nor its own, often huge, bar enters either scale), as long as two
 * replicas remain; the drivers say so in meta.warnings.
 */
import type { Row } from '../stats/row.ts';
import type { TrainPoint } from './measure.ts';

/** How one quantity's combined error bar came about. */
export interface ReplicaError {
  meas: number;
  scatter: number;
  dominant: 'measurement' | 'replica scatter';
}

/**
 * Checkpoint file of replica r: the given name for r = 0, "NAME.r<r>.EXT" (or "NAME.r<r>") after
 * (the real and the complex network's drivers).
 */
export function replicaCheckpoint(path: string, r: number): string {
  if (r === 0) return path;
  const m = /^(.*?)(\.[^./\\]*)?$/.exec(path)!;
  return `${m[1]}.r${r}${m[2] ?? ''}`;
}

/** Seed of replica r: the run's seed for r = 0 (so one replica is the plain run), else a hash of (seed, r). */
export function replicaSeed(seed: number, r: number): number {
  if (r === 0) return seed;
  // Murmur3 finalizer over the pair: well-mixed, deterministic, a positive 31-bit integer.
  let h = Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(r, 0x85ebca6b);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 1;
}

/** Distance from the replicas' median e, in medians of their e_err, beyond which a replica is left out (R >= 3). */
export const OUTLIER_BARS = 10;

/**
 * Indices of the replicas to leave out at one temperature (see the module comment): none with
 * fewer than 3 replicas, and never so many that fewer than 2 remain (then none).
 */
export function outlierReplicas(e: number[], err: number[]): number[] {
  const R = e.length;
  if (R < 3) return [];
  const median = (v: number[]) => {
    const s = [...v].sort((a, b) => a - b);
    return R % 2 ? s[(R - 1) / 2] : (s[R / 2 - 1] + s[R / 2]) / 2;
  };
  const mid = median(e);
  const scale = median(err);
  const out = e.flatMap((v, r) => (Math.abs(v - mid) > OUTLIER_BARS * scale ? [r] : []));
  return R - out.length >= 2 ? out : [];
}

/** Combines one quantity over replicas (see the module comment); R >= 2. */
export function combineQuantity(x: number[], err: number[]): { mean: number; err: number; parts: ReplicaError } {
  const R = x.length;
  const mean = x.reduce((a, b) => a + b, 0) / R;
  const meas = Math.sqrt(err.reduce((a, s) => a + s * s, 0)) / R;
  const scatter = Math.sqrt(x.reduce((a, v) => a + (v - mean) ** 2, 0) / (R * (R - 1)));
  return { mean, err: Math.max(meas, scatter), parts: { meas, scatter, dominant: scatter > meas ? 'replica scatter' : 'measurement' } };
}

/** The error split of e and c at one temperature, and the replicas left out there (outlierReplicas). */
export interface ReplicaRowErrors {
  e: ReplicaError;
  c: ReplicaError;
  dropped: number[];
}

/** A per-temperature point of a replica-combined run: the replicas' diagnostics and the error split. */
export interface ReplicaPoint extends Omit<TrainPoint, 'e_estimator'> {
  e_estimator: TrainPoint['e_estimator'] | 'mixed';
  replica_errors: ReplicaRowErrors;
}

/**
 * Combines per-replica rows at the same temperatures (same order in every replica), leaving out
 * failed replicas (outlierReplicas): e and c always, chi, m2, m_abs and c_var when every replica has
 * them; n_eff and samples are summed when every replica has them, beta kept when present.
 * `errors[k]` is the error split of e and c at row k and the replicas left out there.
 */
export function combineReplicaRows(rows: Row[][]): { rows: Row[]; errors: ReplicaRowErrors[] } {
  const out: Row[] = [];
  const errors: ReplicaRowErrors[] = [];
  for (let k = 0; k < rows[0].length; k++) {
    const all = rows.map((r) => r[k]);
    const dropped = outlierReplicas(all.map((r) => r.e), all.map((r) => r.e_err));
    const at = all.filter((_, r) => !dropped.includes(r));
    const q = (key: 'e' | 'c' | 'chi' | 'm2' | 'm_abs' | 'c_var') => {
      const errKey = `${key}_err` as const;
      if (at.some((r) => r[key] === undefined || r[errKey] === undefined)) return null;
      return combineQuantity(at.map((r) => r[key]!), at.map((r) => r[errKey]!));
    };
    const e = q('e')!;
    const c = q('c')!;
    const beta = at[0].beta;
    const row: Row = { T: at[0].T, ...(beta !== undefined ? { beta } : {}), e: e.mean, e_err: e.err, c: c.mean, c_err: c.err };
    const chi = q('chi');
    const m2 = q('m2');
    const mAbs = q('m_abs');
    const cVar = q('c_var');
    if (chi) Object.assign(row, { chi: chi.mean, chi_err: chi.err });
    if (cVar) Object.assign(row, { c_var: cVar.mean, c_var_err: cVar.err });
    if (m2) Object.assign(row, { m2: m2.mean, m2_err: m2.err });
    if (mAbs) Object.assign(row, { m_abs: mAbs.mean, m_abs_err: mAbs.err });
    if (at.every((r) => r.n_eff !== undefined)) row.n_eff = at.reduce((a, r) => a + r.n_eff!, 0);
    if (at.every((r) => r.samples !== undefined)) row.samples = at.reduce((a, r) => a + r.samples!, 0);
    out.push(row);
    errors.push({ e: e.parts, c: c.parts, dropped });
  }
  return { rows: out, errors };
}

/** Warnings for the replicas left out of the combination (combineReplicaRows), one per replica and temperature. */
export function droppedReplicaWarnings(rows: Row[], errors: ReplicaRowErrors[], replicaRows: Row[][]): string[] {
  return errors.flatMap((er, k) => er.dropped.map((r) =>
    `T = ${Number(rows[k].T.toPrecision(6))}: replica ${r} left out of the combination: its e = ${Number(replicaRows[r][k].e.toPrecision(6))} is more than ${OUTLIER_BARS} bars from the replicas' median (a failed evolution)`));
}

/**
 * Combines per-replica rows and points at the same temperatures (same order in every replica),
 * without the replicas left out at each (combineReplicaRows). Rows keep Row's keys only; the error
 * split goes to the points.
 */
export function combineRows(rows: Row[][], points: TrainPoint[][]): { rows: Row[]; points: ReplicaPoint[] } {
  const combined = combineReplicaRows(rows);
  const pts: ReplicaPoint[] = [];
  for (let k = 0; k < rows[0].length; k++) {
    const dropped = combined.errors[k].dropped;
    const p = points.map((ps) => ps[k]).filter((_, r) => !dropped.includes(r));
    const R = p.length;
    const sum = (key: 'samples' | 'measure_batches') => p.reduce((a, v) => a + v[key], 0);
    const avg = (key: 'e_loc' | 'e_rb' | 'tau_e') => p.reduce((a, v) => a + v[key], 0) / R;
    const rms = (key: 'e_loc_err' | 'e_rb_err') => Math.sqrt(p.reduce((a, v) => a + v[key] ** 2, 0)) / R;
    pts.push({
      T: p[0].T, beta: p[0].beta, steps: p[0].steps, measure_batches: sum('measure_batches'), samples: sum('samples'),
      e_estimator: p.every((v) => v.e_estimator === p[0].e_estimator) ? p[0].e_estimator : 'mixed',
      e_loc: avg('e_loc'), e_loc_err: rms('e_loc_err'), e_rb: avg('e_rb'), e_rb_err: rms('e_rb_err'), tau_e: avg('tau_e'),
      tau_converged: p.every((v) => v.tau_converged), replica_errors: combined.errors[k],
    });
  }
  return { rows: combined.rows, points: pts };
}
