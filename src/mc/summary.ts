/**
 * From Markov-chain series to thermodynamic rows with error bars (per site, k_B = 1):
 *   e   = <E_loc>/N, from the mean of both copies' local energies;
 *   c   = beta^2 (<E_A E_B> - <E>^2)/N, E_A E_B the product over the two copies (unbiased for <H^2>);
 *   m2  = <m^2>, m_abs = <|m|> of the physical slice; chi = beta N Var(m_ring) (Kubo susceptibility);
 *   e_ring, c_ring: the thermodynamic (ring) estimators -d ln Z / d beta and
 *         beta^2 (Var E_ring - <dE_ring / d beta>) / N, for analytic networks.
 * Errors: plain means from `summarizeChains` (autocorrelation time per chain, or the scatter of
 * chain means); derived quantities (c, chi) from a jackknife over blocks that are at least 20
 * integrated autocorrelation times long.
 */
import type { ChainResult } from './chain.ts';
import { blockMeans, jackknife, summarizeChains, integratedAutocorrTime } from '../stats/series.ts';

export interface ThermoRow {
  T: number;
  e: number;
  e_err: number;
  c: number;
  c_err: number;
  [extra: string]: number | string | null;
}

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

/** Summarizes chains of one temperature into a row; energies in the series are totals. */
export function summarizeRow(results: ChainResult[], T: number, nSites: number): ThermoRow {
  const beta = 1 / T;
  const N = nSites;
  const eMean = results.map((r) => r.series.eA.map((a, k) => (a + r.series.eB[k]) / (2 * N)));
  const eProd = results.map((r) => r.series.eA.map((a, k) => (a * r.series.eB[k]) / (N * N)));
  const se = summarizeChains(eMean);
  const nb = blocksPerChain(eMean);
  const jc = jackknife([blocks(eMean, nb), blocks(eProd, nb)], ([e, e2]) => beta * beta * N * (e2 - e * e));
  const m = results.map((r) => r.series.m);
  const sm2 = summarizeChains(m.map((s) => s.map((v) => v * v)));
  const sabs = summarizeChains(m.map((s) => s.map(Math.abs)));
  const row: ThermoRow = {
    T,
    e: se.mean,
    e_err: se.err,
    c: jc.biasCorrected,
    c_err: jc.err,
    m2: sm2.mean,
    m2_err: sm2.err,
    m_abs: sabs.mean,
    m_abs_err: sabs.err,
    tau_e: se.tau,
    n_eff: Math.round(se.nEff),
    samples: results.reduce((a, r) => a + r.series.eA.length, 0),
  };
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
    const mr = results.map((r) => r.series.mRing);
    const mr2 = mr.map((s) => s.map((v) => v * v));
    const nbm = blocksPerChain(mr2);
    const jx = jackknife([blocks(mr, nbm), blocks(mr2, nbm)], ([a, b]) => beta * N * (b - a * a));
    row.chi = jx.biasCorrected;
    row.chi_err = jx.err;
  }
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
