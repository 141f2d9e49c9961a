/**
 * From Markov-chain series to thermodynamic rows with error bars (per site, k_B = 1):
 *   e   = <E_loc>/N, from the mean of both copies' local energies;
 *   c   = beta^2 (<E_A E_B> - <E>^2)/N, E_A E_B the product over the two copies (unbiased for <H^2>);
 *   m2  = <m^2>, m4 = <m^4>, m_abs = <|m|> (slice averages), binder U4; chi = beta N Var(m_ring)
 *         (Kubo susceptibility); C(r), S(q);
 *   e_ring, c_ring: the thermodynamic (ring) estimators -d ln Z / d beta and
 *         beta^2 (Var E_ring - <dE_ring / d beta>) / N, for analytic networks.
 * Errors: plain means from `summarizeChains` (autocorrelation time per chain, or the scatter of
 * chain means); derived quantities (c, chi) from a jackknife over blocks that are at least 20
 * integrated autocorrelation times long.
 */
import type { ChainResult } from './chain.ts';
import { blockMeans, jackknife, summarizeChains, integratedAutocorrTime } from '../stats/series.ts';
import { rowWarnings } from '../stats/warnings.ts';

import type { Row } from '../stats/row.ts';

/**
 * @deprecated Use {@link Row} (stats/row.ts). Kept, with an index signature for fields that are
 * not (yet) in Row, only so that code written against the old open row type keeps compiling.
 */
export type ThermoRow = Omit<Row, 'e_dev_sigma' | 'c_dev_sigma'> & {
  e_dev_sigma?: number | null;
  c_dev_sigma?: number | null;
  [extra: string]: number | string | null | undefined | number[] | string[];
};

const BLOCK_TAUS = 20;
const MAX_BLOCKS_PER_CHAIN = 16;

/** Number of blocks per chain for jackknife: blocks of >= 20 tau_int, between 2 and 16 per chain. */
function blocksPerChain(series: Float64Array[]): number {
  let tau = 0.5;
  for (const s of series) tau = Math.max(tau, integratedAutocorrTime(s).tau);
  const n = series[0].length;
  return Math.max(2, Math.min(MAX_BLOCKS_PER_CHAIN, Math.floor(n / (BLOCK_TAUS * tau))));
}

/** Block means of per-chain series, all chains' blocks concatenated. */
function blocks(series: Float64Array[], nb: number): Float64Array {
  const out = new Float64Array(series.length * nb);
  series.forEach((s, c) => out.set(blockMeans(s, nb), c * nb));
  return out;
}

/** Per-chain slices of a flattened [measurement][k] series, component k. */
function component(flat: Float64Array, width: number, k: number): Float64Array {
  const n = flat.length / width;
  const out = new Float64Array(n);
  for (let s = 0; s < n; s++) out[s] = flat[s * width + k];
  return out;
}

/**
 * Summarizes chains of one temperature into a row; energies in the series are totals. The row
 * carries `warnings` (stats/warnings.ts) when something is suspicious.
 *   m2, m4, m_abs: slice-averaged moments when the chains recorded them (slice-observables.ts),
 *     else the physical slice's; binder = 1 - <m^4> / (3 <m^2>^2), by jackknife over blocks;
 *   corr, sq: C(r) and S(q) with errors, when the lattice has a translation axis.
 * `extrapolated`: the row is one dt of a dt^2 extrapolation (no note that c_ring is more precise).
 * `continuous`: the chains sampled the dt -> 0 limit (mc/continuous-ring.ts), whose one energy
 *   series is the thermodynamic estimator: c is c_ring (there is no two-copy product) and the
 *   e_ring and c_ring fields, copies of e and c, are left out.
 */
export function summarizeRow(results: ChainResult[], T: number, nSites: number, opts: { extrapolated?: boolean; continuous?: boolean } = {}): Row {
  const beta = 1 / T;
  const N = nSites;
  const unconverged: string[] = [];
  const track = <S extends { converged: boolean }>(name: string, x: S): S => {
    if (!x.converged) unconverged.push(name);
    return x;
  };
  const eMean = results.map((r) => r.series.eA.map((a, k) => (a + r.series.eB[k]) / (2 * N)));
  const eProd = results.map((r) => r.series.eA.map((a, k) => (a * r.series.eB[k]) / (N * N)));
  const se = track('e', summarizeChains(eMean));
  const nb = blocksPerChain(eMean);
  const jc = jackknife([blocks(eMean, nb), blocks(eProd, nb)], ([e, e2]) => beta * beta * N * (e2 - e * e));
  const sliced = results.every((r) => r.series.m2 && r.series.m4 && r.series.mAbs);
  const m2s = results.map((r) => (sliced ? r.series.m2! : r.series.m.map((v) => v * v)));
  const m4s = results.map((r) => (sliced ? r.series.m4! : r.series.m.map((v) => v ** 4)));
  const mAbs = results.map((r) => (sliced ? r.series.mAbs! : r.series.m.map(Math.abs)));
  const sm2 = track('m2', summarizeChains(m2s));
  const sm4 = summarizeChains(m4s);
  const sabs = summarizeChains(mAbs);
  const nbm = blocksPerChain(m2s);
  // U4 = 1 - <m^4> / (3 <m^2>^2): a ratio of means, so its error and bias come from the jackknife.
  const ju = jackknife([blocks(m2s, nbm), blocks(m4s, nbm)], ([a, b]) => 1 - b / (3 * a * a));
  const row: Row = {
    T,
    e: se.mean,
    e_err: se.err,
    c: jc.biasCorrected,
    c_err: jc.err,
    m2: sm2.mean,
    m2_err: sm2.err,
    m4: sm4.mean,
    m4_err: sm4.err,
    binder: ju.biasCorrected,
    binder_err: ju.err,
    m_abs: sabs.mean,
    m_abs_err: sabs.err,
    tau_e: se.tau,
    n_eff: Math.round(se.nEff),
    samples: results.reduce((a, r) => a + r.series.eA.length, 0),
  };
  const nr = results[0].series.nr ?? 0;
  const nq = results[0].series.nq ?? 0;
  if (nr > 0 && results.every((r) => r.series.corr && r.series.corr.length === r.series.eA.length * nr)) {
    const corr = Array.from({ length: nr }, (_, k) => summarizeChains(results.map((r) => component(r.series.corr!, nr, k))));
    row.corr = corr.map((x) => x.mean);
    row.corr_err = corr.map((x) => x.err);
  }
  if (nq > 0 && results.every((r) => r.series.sq && r.series.sq.length === r.series.eA.length * nq)) {
    const sq = Array.from({ length: nq }, (_, k) => summarizeChains(results.map((r) => component(r.series.sq!, nq, k))));
    row.sq = sq.map((x) => x.mean);
    row.sq_err = sq.map((x) => x.err);
  }
  if (results[0].series.eRing.length > 0) {
    const ring = summarizeChains(results.map((r) => r.series.eRing.map((v) => v / N)));
    row.e_ring = ring.mean;
    row.e_ring_err = ring.err;
    // Thermodynamic specific heat: beta^2 (<E^2> - <E>^2 - <dE/dbeta>) / N on the ring.
    const er = results.map((r) => r.series.eRing);
    const er2 = er.map((s) => s.map((v) => v * v));
    const dr = results.map((r) => r.series.dRing);
    const nbr = blocksPerChain(er);
    const jr = jackknife([blocks(er, nbr), blocks(er2, nbr), blocks(dr, nbr)], ([a, b, d]) => (beta * beta * (b - a * a - d)) / N);
    row.c_ring = jr.biasCorrected;
    row.c_ring_err = jr.err;
    row.c_estimator = 'two-copy';
    const mr = results.map((r) => r.series.mRing);
    const mr2 = mr.map((s) => s.map((v) => v * v));
    const nbx = blocksPerChain(mr2);
    const jx = jackknife([blocks(mr, nbx), blocks(mr2, nbx)], ([a, b]) => beta * N * (b - a * a));
    row.chi = jx.biasCorrected;
    row.chi_err = jx.err;
  }
  if (opts.continuous && row.c_ring !== undefined && row.c_ring_err !== undefined) {
    row.c = row.c_ring;
    row.c_err = row.c_ring_err;
    row.c_estimator = 'continuous-time';
    delete row.e_ring;
    delete row.e_ring_err;
    delete row.c_ring;
    delete row.c_ring_err;
  }
  const w = rowWarnings(row, { unconverged });
  if (row.c_ring !== undefined && row.c_ring_err !== undefined) {
    // Two unbiased estimators of the same Trotterized c (up to their different O(dt^2) terms):
    // a large gap means a Trotter error or a sampling problem, and must be said.
    const z = Math.abs(row.c - row.c_ring) / Math.hypot(row.c_err, row.c_ring_err);
    // (Not for one dt of an extrapolation: there c becomes the more precise of the two anyway.)
    if (!opts.extrapolated && row.c_ring_err > 0 && row.c_err > 3 * row.c_ring_err && z <= 4) {
      w.push(
        `c_ring has a ${(row.c_err / row.c_ring_err).toFixed(0)}x smaller error bar than c (${row.c_ring.toPrecision(3)} ± ${row.c_ring_err.toPrecision(2)}) ` +
          'but a larger O(dt^2) bias; with dt^2 extrapolation c is the more precise of the two',
      );
    }
    if (z > 4) w.push(`the two specific-heat estimators differ by ${z.toFixed(1)} sigma (c = ${row.c.toPrecision(4)}, c_ring = ${row.c_ring.toPrecision(4)}); c_ring carries the larger Trotter error`);
  }
  if (w.length > 0) row.warnings = w;
  return row;
}

/**
 * Weighted least-squares fit y = y0 + a x through (x_k, y_k +- s_k); returns y0 and its error.
 * Used for Richardson extrapolation in x = dt^2. With two points the fit is exact and the error is
 * the propagated one.
 */
export function extrapolateLinear(x: number[], y: number[], s: number[]): { value: number; err: number; slope: number } {
  let sw = 0;
  let sx = 0;
  let sxx = 0;
  let sy = 0;
  let sxy = 0;
  for (let k = 0; k < x.length; k++) {
    const w = 1 / Math.max(s[k] * s[k], 1e-300);
    sw += w;
    sx += w * x[k];
    sxx += w * x[k] * x[k];
    sy += w * y[k];
    sxy += w * x[k] * y[k];
  }
  const det = sw * sxx - sx * sx;
  const value = (sxx * sy - sx * sxy) / det;
  const slope = (sw * sxy - sx * sy) / det;
  return { value, slope, err: Math.sqrt(sxx / det) };
}
