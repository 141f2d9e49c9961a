/**
 * Thermodynamic row of the trained network at one requested temperature, from the measurement
 * series of its persistent chains (per chain, in chain order):
 *   e = <E_loc>/N  or the Rao–Blackwellized energy (both unbiased for <H>; the one with the smaller
 *       error bar is reported, `e_estimator` in the point diagnostics says which),
 *   c = beta^2 Var(E_loc)/N (reported as c_var when the driver has the energy-flow c of
 *       flow-heat.ts), since under |Psi|^2 the variance of E_loc is <H^2> - <H>^2 of the
 *       represented state (no second replica of the state is needed, unlike the analytic network),
 *   m2 = <m^2>, m_abs = <|m|> of the physical layer.
 * Errors: means from `summarizeChains`; c by a jackknife over blocks of at least 20 tau_int of the
 * E_loc series (between 2 and 16 blocks per chain). Suspicious numbers become warnings.
 */
import type { Row } from '../stats/row.ts';
import { betweenChainsError, blockMeans, integratedAutocorrTime, jackknife, summarize, summarizeChains, type Summary } from '../stats/series.ts';

/** Per-temperature diagnostics of the trained method (not part of the Row). */
export interface TrainPoint {
  T: number;
  beta: number;
  /** Imaginary-time steps taken before this temperature was measured. */
  steps: number;
  /** Measurement batches taken (see TrainOptions.measureRelErr). */
  measure_batches: number;
  /** Measurements, all chains. */
  samples: number;
  e_estimator: 'e_loc' | 'rao-blackwell' | 'exact';
  e_loc: number;
  e_loc_err: number;
  e_rb: number;
  e_rb_err: number;
  /** Sample-weighted mean tau_int of E_loc (in samples) and whether every chain's window converged. */
  tau_e: number;
  tau_converged: boolean;
}

/** Fewer effective samples than this behind e (or per chain for c's blocks) is reported. */
export const MIN_EFFECTIVE_SAMPLES = 100;
const BLOCK_TAUS = 20;
const MAX_BLOCKS_PER_CHAIN = 16;

/**
 * Each chain's {@link summarize} of the series that summarizeTrained summarizes, computed where
 * the series are (the worker thread that owns the chain, on all of the chain's measurement batches
 * at one temperature), so that the main thread only does the O(n) passes: e = E_loc / N, rb = the
 * Rao–Blackwellized energy / N, m2 = m^2, mAbs = |m|. The magnetization parts are needed only for
 * the final row, not by the stopping rule of the measurement batches.
 */
export interface ChainSummaries {
  e: Summary[];
  rb: Summary[];
  m2?: Summary[];
  mAbs?: Summary[];
}

/** The energy summaries of one chain (total energies in, per site out), as ChainSummaries holds them. */
export function energySummaries(e: Float64Array, ei: Float64Array, N: number): { e: Summary; rb: Summary } {
  return { e: summarize(e.map((v) => v / N)), rb: summarize(ei.map((v) => v / N)) };
}

/**
 * Mean of x_i / N over a series, bit for bit the `mean` of {@link energySummaries} (the same
 * divisions and additions in the same order), without the autocorrelation analysis or a copy.
 */
export function perSiteMean(x: Float64Array, N: number): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] / N;
  return s / x.length;
}

/**
 * e and e_err as {@link energyAndHeat} gives them when the error bars come from the scatter of
 * the chain means (at least MIN_CHAINS_BETWEEN chains), from each chain's {@link perSiteMean} of
 * E_loc (`means[c].e`) and of the Rao–Blackwellized energy (`means[c].rb`): the same numbers, bit
 * for bit, in O(n) with no allocation and no autocorrelation analysis. This is all that the
 * stopping rule of the measurement batches reads when c comes from the energy flow; re-analysing
 * every chain's whole series after each batch was 18% of the default chain run on one worker.
 */
export function energyFromMeans(e: Float64Array[], ei: Float64Array[], N: number, means: Array<{ e: number; rb: number }>): { e: number; e_err: number } {
  const lengths = e.map((s) => s.length);
  const pooled = (series: Float64Array[], key: 'e' | 'rb') => {
    let n = 0;
    let s = 0;
    for (const ch of series) {
      n += ch.length;
      for (let i = 0; i < ch.length; i++) s += ch[i] / N;
    }
    const m = s / n;
    return { e: m, e_err: betweenChainsError(lengths, means.map((q) => q[key]), m) };
  };
  const sl = pooled(e, 'e');
  const rb = pooled(ei, 'rb');
  return rb.e_err < sl.e_err ? rb : sl;
}

/** The magnetization summaries of one chain (m per site). */
export function magnetizationSummaries(m: Float64Array): { m2: Summary; mAbs: Summary } {
  return { m2: summarize(m.map((v) => v * v)), mAbs: summarize(m.map(Math.abs)) };
}

/**
 * e with its error (E_loc or Rao–Blackwell, whichever has the smaller error bar) and c with its
 * jackknife error: all that the stopping rule of the measurement batches reads, without the
 * magnetization. `pre`: the per-chain summaries when computed elsewhere (else computed here).
 */
export function energyAndHeat(e: Float64Array[], ei: Float64Array[], T: number, N: number, pre?: Pick<ChainSummaries, 'e' | 'rb'>) {
  const beta = 1 / T;
  const perSite = e.map((s) => s.map((v) => v / N));
  const sl = summarizeChains(perSite, undefined, pre?.e);
  const rb = summarizeChains(ei.map((s) => s.map((v) => v / N)), undefined, pre?.rb);
  // tau_int of each chain's E_loc: the same integratedAutocorrTime call that summarize made (n >= 2).
  const taus = pre ? pre.e.map((p) => ({ tau: p.tau, converged: p.converged })) : perSite.map((s) => integratedAutocorrTime(s));
  const tauMax = Math.max(0.5, ...taus.map((t) => t.tau));
  const n = perSite[0].length;
  const nb = Math.max(2, Math.min(MAX_BLOCKS_PER_CHAIN, Math.floor(n / (BLOCK_TAUS * tauMax))));
  const cat = (series: Float64Array[]) => {
    const out = new Float64Array(series.length * nb);
    series.forEach((s, c) => out.set(blockMeans(s, nb), c * nb));
    return out;
  };
  const jc = jackknife([cat(perSite), cat(perSite.map((s) => s.map((v) => v * v)))], ([a, b]) => beta * beta * N * (b - a * a));
  const useRb = rb.err < sl.err;
  return { sl, rb, taus, jc, n, useRb, e: useRb ? rb.mean : sl.mean, e_err: useRb ? rb.err : sl.err, c: jc.biasCorrected, c_err: jc.err };
}

/**
 * Row, diagnostics and warnings from per-chain series of E_loc (`e`, total energy), the
 * Rao–Blackwellized energy (`ei`, total) and the physical magnetization per site (`m`);
 * `pre`: the per-chain summaries when computed elsewhere (the same numbers as without).
 */
export function summarizeTrained(
  e: Float64Array[], ei: Float64Array[], m: Float64Array[], T: number, N: number, pre?: ChainSummaries,
): { row: Row; point: Omit<TrainPoint, 'steps' | 'measure_batches'>; warnings: string[] } {
  const beta = 1 / T;
  const { sl, rb, taus, jc, n, useRb } = energyAndHeat(e, ei, T, N, pre);
  const m2 = summarizeChains(m.map((s) => s.map((v) => v * v)), undefined, pre?.m2);
  const mAbs = summarizeChains(m.map((s) => s.map(Math.abs)), undefined, pre?.mAbs);
  const row: Row = {
    T, e: useRb ? rb.mean : sl.mean, e_err: useRb ? rb.err : sl.err, c: jc.biasCorrected, c_err: jc.err,
    m2: m2.mean, m2_err: m2.err, m_abs: mAbs.mean, m_abs_err: mAbs.err, n_eff: Math.round(sl.nEff),
  };
  const tauConverged = taus.every((t) => t.converged);
  const warnings: string[] = [];
  const at = `T = ${fmt(T)}`;
  if (!tauConverged) {
    const bad = taus.filter((t) => !t.converged).length;
    warnings.push(`${at}: the tau_int window of E_loc did not converge in ${bad} of ${taus.length} chains (series shorter than 50 tau_int; error bars may be too small)`);
  }
  if (sl.nEff < MIN_EFFECTIVE_SAMPLES) warnings.push(`${at}: only ${Math.round(sl.nEff)} effective samples behind e (fewer than ${MIN_EFFECTIVE_SAMPLES})`);
  warnings.push(...specificHeatWarnings(row, at));
  return {
    row,
    point: {
      T, beta, samples: n * e.length, e_estimator: useRb ? 'rao-blackwell' : 'e_loc', e_loc: sl.mean, e_loc_err: sl.err,
      e_rb: rb.mean, e_rb_err: rb.err, tau_e: sl.tau, tau_converged: tauConverged,
    },
    warnings,
  };
}

/**
 * One chain's measurement series at one temperature, batches appended in order: a Float64Array
 * that grows by doubling (no copy of the whole series per batch); `view` is the filled part,
 * valid until the next append.
 */
export class GrowingSeries {
  private data = new Float64Array(256);
  private n = 0;
  clear(): void {
    this.n = 0;
  }
  append(a: Float64Array): void {
    if (this.n + a.length > this.data.length) {
      const next = new Float64Array(Math.max(2 * this.data.length, this.n + a.length));
      next.set(this.data.subarray(0, this.n));
      this.data = next;
    }
    this.data.set(a, this.n);
    this.n += a.length;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.n);
  }
}

/** Warnings for a negative or statistically insignificant (c < 2 c_err) specific heat. */
export function specificHeatWarnings(row: Pick<Row, 'c' | 'c_err'>, at?: string): string[] {
  const p = at ? `${at}: ` : '';
  if (row.c < 0) return [`${p}negative specific heat c = ${fmt(row.c)} ± ${fmt(row.c_err)}`];
  if (row.c < 2 * row.c_err) return [`${p}specific heat c = ${fmt(row.c)} ± ${fmt(row.c_err)} is not significantly above 0`];
  return [];
}

const fmt = (v: number) => String(Number(v.toPrecision(4)));
