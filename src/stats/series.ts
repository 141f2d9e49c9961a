/**
 * Error analysis for correlated Monte Carlo time series.
 *
 * Conventions (used in every function here):
 * - Sample variance is the unbiased one, sum (x - mean)^2 / (n - 1).
 * - The integrated autocorrelation time follows Sokal: tau_int = 1/2 + sum_{t >= 1} rho(t), so
 *   tau_int = 1/2 for uncorrelated data, the variance of the mean is var * 2 tau_int / n and the
 *   number of effective (independent) samples is n / (2 tau_int). (Some codes, e.g. emcee, quote
 *   2 tau_int instead.)
 * - The autocorrelation function uses the biased (1/n) autocovariance, the usual FFT estimator: it
 *   is positive semi-definite, and the bias is O(t/n), irrelevant for the windows t << n used here.
 */
import FFT from 'fft.js';

/** Arithmetic mean (NaN for an empty series). */
export function mean(x: ArrayLike<number>): number {
  const n = x.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i];
  return s / n;
}

/** Unbiased sample variance, sum (x - mean)^2 / (n - 1) (two-pass, so no cancellation); NaN for n < 2. */
export function variance(x: ArrayLike<number>): number {
  const n = x.length;
  if (n < 2) return NaN;
  const m = mean(x);
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i] - m;
    s += d * d;
    c += d;
  }
  // The compensation term c (zero in exact arithmetic) removes the rounding error of m.
  return (s - (c * c) / n) / (n - 1);
}

// One FFT object per size: its constructor builds twiddle tables, and every row of a sweep asks
// for the same few sizes.
// Each size also keeps its two complex work arrays: fft.js allocates them as plain JS arrays of
// 2 size numbers, which cost as much as the transforms when a measurement re-analyses its series
// after every batch. Every call overwrites them completely (realTransform + completeSpectrum fill
// the spectrum, inverseTransform the output), so reuse changes no number.
const fftCache = new Map<number, { fft: FFT; spec: number[]; acov: number[] }>();
function fftOfSize(size: number): { fft: FFT; spec: number[]; acov: number[] } {
  let f = fftCache.get(size);
  if (!f) {
    const fft = new FFT(size);
    f = { fft, spec: fft.createComplexArray() as number[], acov: fft.createComplexArray() as number[] };
    fftCache.set(size, f);
  }
  return f;
}

/**
 * Normalized autocorrelation rho(t), t = 0 .. n-1, rho(0) = 1, from the biased autocovariance
 * C(t) = (1/n) sum_{i < n-t} (x_i - m)(x_{i+t} - m), computed with an FFT zero-padded to a power of
 * two >= 2n (the padding stops the circular wrap-around). A constant series gives rho = (1, 0, 0, ...).
 */
export function autocorrelation(x: Float64Array): Float64Array {
  const n = x.length;
  const rho = new Float64Array(n);
  if (n === 0) return rho;
  rho[0] = 1;
  if (n === 1) return rho;
  let size = 4;
  while (size < 2 * n) size *= 2;
  const m = mean(x);
  const data = new Float64Array(size);
  for (let i = 0; i < n; i++) data[i] = x[i] - m;
  const { fft, spec, acov } = fftOfSize(size);
  fft.realTransform(spec, data);
  fft.completeSpectrum(spec);
  // |X(f)|^2 is the transform of the circular autocovariance; with >= n zeros of padding the
  // circular and linear ones agree for lags 0 .. n-1.
  for (let k = 0; k < 2 * size; k += 2) {
    spec[k] = spec[k] * spec[k] + spec[k + 1] * spec[k + 1];
    spec[k + 1] = 0;
  }
  fft.inverseTransform(acov, spec);
  const c0 = acov[0];
  if (!(c0 > 0)) return rho;
  for (let t = 1; t < n; t++) rho[t] = acov[2 * t] / c0;
  return rho;
}

/**
 * Integrated autocorrelation time tau_int = 1/2 + sum_{t=1}^{M} rho(t) (in units of samples) with
 * Sokal's automatic window: M is the smallest window with M >= c * tau_int(M), c = 6 (A. D. Sokal,
 * "Monte Carlo methods in statistical mechanics", 1996, sec. 3). The window trades the truncation
 * bias ~ exp(-M / tau) against the noise ~ sqrt(2 (2M + 1) / n) tau. `converged` is false when no
 * window up to n/2 qualified or when n < 50 tau (the rule of thumb of Goodman & Weare / emcee): the
 * series is then too short to measure tau, and tau is likely an underestimate. The trap: the biased
 * autocovariance of a mean-subtracted series sums to zero over all lags, so on a short series the
 * window criterion is met early and tau comes out small; n >= 50 tau is the only guard.
 */
export function integratedAutocorrTime(x: Float64Array, c = 6): { tau: number; window: number; converged: boolean } {
  const n = x.length;
  if (n < 2) return { tau: 0.5, window: 0, converged: false };
  const rho = autocorrelation(x);
  let tau = 0.5;
  const maxM = Math.max(1, Math.floor(n / 2));
  for (let M = 1; M <= maxM; M++) {
    tau += rho[M];
    if (M >= c * tau) return { tau, window: M, converged: n >= 50 * tau };
  }
  return { tau, window: maxM, converged: false };
}

/**
 * Binning (blocking) analysis of the standard error of the mean. Level l averages consecutive pairs
 * l times (bin size 2^l, a trailing odd sample is dropped at each level); the naive error of the
 * bin means, sqrt(var_bins / nBins), grows with l until bins are much longer than tau_int and then
 * plateaus. Rule used here: report the error at the largest bin size that still leaves at least
 * `minBins` = 32 bins (the estimate of the error itself is then good to ~1/sqrt(2 * 31) = 13%).
 * If the series has fewer than 2 * minBins samples, level 0 (the i.i.d. error) is returned.
 * `curve` holds the error at every level, for plots and plateau checks.
 */
export function binningError(x: Float64Array, minBins = 32): { err: number; bins: number; binSize: number; curve: Float64Array } {
  let cur = Float64Array.from(x);
  const curve: number[] = [];
  let best = { err: NaN, bins: cur.length, binSize: 1 };
  let binSize = 1;
  while (cur.length >= 2) {
    const err = Math.sqrt(variance(cur) / cur.length);
    curve.push(err);
    if (cur.length >= minBins || binSize === 1) best = { err, bins: cur.length, binSize };
    const half = cur.length >> 1;
    const next = new Float64Array(half);
    for (let i = 0; i < half; i++) next[i] = 0.5 * (cur[2 * i] + cur[2 * i + 1]);
    cur = next;
    binSize *= 2;
  }
  return { ...best, curve: Float64Array.from(curve) };
}

/** Mean with error bar of one correlated series: err = sqrt(var * 2 tau_int / n), nEff = n / (2 tau_int). */
export interface Summary {
  mean: number;
  err: number;
  /** Integrated autocorrelation time, in samples (1/2 for uncorrelated data). */
  tau: number;
  /** Effective number of independent samples behind the error bar. */
  nEff: number;
  /**
   * Whether Sokal's window converged with n >= 50 tau_int ({@link integratedAutocorrTime}); when
   * false, tau_int and an autocorrelation error bar are likely underestimates.
   */
  converged: boolean;
}

/**
 * Mean, error bar, tau_int and effective sample count of one series, with tau_int from
 * {@link integratedAutocorrTime}. tau_int is floored at 1/2 for the error bar: anticorrelated
 * estimates (tau < 1/2) are noisy and must not shrink the error below the i.i.d. one.
 */
export function summarize(x: Float64Array): Summary {
  const n = x.length;
  const m = mean(x);
  if (n < 2) return { mean: m, err: NaN, tau: NaN, nEff: n, converged: false };
  const { tau, converged } = integratedAutocorrTime(x);
  const t = Math.max(tau, 0.5);
  return { mean: m, err: Math.sqrt((variance(x) * 2 * t) / n), tau, nEff: n / (2 * t), converged };
}

/** Chains from which {@link summarizeChains} takes the error bar from the scatter of the chain means. */
export const MIN_CHAINS_BETWEEN = 16;

/** Result of combining independent chains; `method` says where the error bar came from. */
export interface ChainsSummary extends Summary {
  chains: number;
  method: 'between-chains' | 'autocorrelation';
}

/**
 * Combines independent Markov chains (different seeds or workers) of one observable.
 * The mean is pooled over all samples (each chain weighted by its length).
 * Rule for the error bar: with at least `minChains` = 16 chains it comes from the scatter of the
 * per-chain means, err^2 = K/(K-1) * sum_c (n_c/n)^2 (m_c - m)^2, which needs no autocorrelation
 * model and also catches chains that have not forgotten their start (its own uncertainty is
 * ~1/sqrt(2(K-1)), <= 18%); with fewer chains, from each chain's autocorrelation,
 * err^2 = sum_c (n_c/n)^2 err_c^2. tau is the sample-weighted mean of the per-chain tau_int, nEff
 * the sum of the per-chain effective sample counts and `converged` true when every chain's
 * window converged. `given`: each chain's {@link summarize}, when already computed elsewhere (the
 * trained method's worker threads compute them where the series are); must equal summarize(chain).
 */
export function summarizeChains(chains: Float64Array[], minChains = MIN_CHAINS_BETWEEN, given?: Summary[]): ChainsSummary {
  const K = chains.length;
  if (K === 0) throw new RangeError('summarizeChains: no chains');
  if (given && given.length !== K) throw new RangeError(`summarizeChains: ${given.length} summaries for ${K} chains`);
  let n = 0;
  let s = 0;
  for (const ch of chains) {
    n += ch.length;
    for (let i = 0; i < ch.length; i++) s += ch[i];
  }
  const m = s / n;
  const per = given ?? chains.map((ch) => summarize(ch));
  let tau = 0;
  let nEff = 0;
  for (let c = 0; c < K; c++) {
    tau += (chains[c].length / n) * per[c].tau;
    nEff += per[c].nEff;
  }
  // Every chain's window must have converged for tau (and nEff) to be trusted.
  const converged = per.every((p) => p.converged);
  if (K >= minChains) {
    const err = betweenChainsError(chains.map((ch) => ch.length), per.map((p) => p.mean), m);
    return { mean: m, err, tau, nEff, converged, chains: K, method: 'between-chains' };
  }
  let err2 = 0;
  for (let c = 0; c < K; c++) {
    const w = chains[c].length / n;
    err2 += w * w * per[c].err ** 2;
  }
  return { mean: m, err: Math.sqrt(err2), tau, nEff, converged, chains: K, method: 'autocorrelation' };
}

/**
 * The between-chains error of a pooled mean m over K >= 2 chains of lengths n_c with means m_c:
 * err^2 = K/(K-1) sum_c (n_c/n)^2 (m_c - m)^2, n = sum_c n_c (see {@link summarizeChains}). Needs
 * only the chain means, no autocorrelation analysis.
 */
export function betweenChainsError(lengths: number[], means: number[], m: number): number {
  const K = lengths.length;
  const n = lengths.reduce((a, b) => a + b, 0);
  let err2 = 0;
  for (let c = 0; c < K; c++) {
    const w = lengths[c] / n;
    err2 += w * w * (means[c] - m) ** 2;
  }
  return Math.sqrt(err2 * (K / (K - 1)));
}

/**
 * Means of `nBlocks` consecutive equal blocks of x (a trailing remainder of fewer than nBlocks
 * samples is dropped). Blocks much longer than tau_int are nearly independent: the input for
 * {@link jackknife}.
 */
export function blockMeans(x: Float64Array, nBlocks: number): Float64Array {
  const len = Math.floor(x.length / nBlocks);
  if (len < 1) throw new RangeError(`blockMeans: ${x.length} samples cannot fill ${nBlocks} blocks`);
  const out = new Float64Array(nBlocks);
  for (let b = 0; b < nBlocks; b++) {
    let s = 0;
    for (let i = b * len; i < (b + 1) * len; i++) s += x[i];
    out[b] = s / len;
  }
  return out;
}

/**
 * Delete-one jackknife for a derived quantity f(<a>, <b>, ...): blocks[q][k] is the k-th block mean
 * (or independent sample) of quantity q, all with the same number of blocks B >= 2. With f_k the value
 * from all blocks but k: err = sqrt((B-1)/B * sum_k (f_k - fbar)^2). `value` is f of the full means;
 * `biasCorrected` = B f - (B-1) fbar removes the O(1/B) bias of a nonlinear f (e.g. a ratio, or
 * c = beta^2 (<H^2> - <H>^2) / N).
 */
export function jackknife(blocks: Float64Array[], f: (means: number[]) => number): { value: number; err: number; biasCorrected: number } {
  const Q = blocks.length;
  if (Q === 0) throw new RangeError('jackknife: no quantities');
  const B = blocks[0].length;
  for (const b of blocks) if (b.length !== B) throw new RangeError('jackknife: all quantities need the same number of blocks');
  if (B < 2) throw new RangeError('jackknife: need at least 2 blocks');
  const sums = blocks.map((b) => {
    let s = 0;
    for (let k = 0; k < B; k++) s += b[k];
    return s;
  });
  const value = f(sums.map((s) => s / B));
  const fk = new Float64Array(B);
  const means = new Array<number>(Q);
  let fbar = 0;
  for (let k = 0; k < B; k++) {
    for (let q = 0; q < Q; q++) means[q] = (sums[q] - blocks[q][k]) / (B - 1);
    fk[k] = f(means);
    fbar += fk[k];
  }
  fbar /= B;
  let ss = 0;
  for (let k = 0; k < B; k++) ss += (fk[k] - fbar) ** 2;
  return { value, err: Math.sqrt(((B - 1) / B) * ss), biasCorrected: B * value - (B - 1) * fbar };
}
