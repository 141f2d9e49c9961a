/**
 * Stochastic reconfiguration (imaginary-time TDVP) algebra: per-chain sums of the log-derivatives
 * O_k and the local energy E, their combination into
 *   S_kl = <O_k O_l> - <O_k><O_l>,   F_k = <O_k E> - <O_k><E>,
 * and the solve (S + eps_rel diag S + eps_abs) x = F. The imaginary-time step is then
 * dtheta = -(dbeta / 2) x, since d|Psi>/dbeta = -(1/2) H |Psi> for Psi_beta = e^{-beta H/2} Psi_0.
 *
 * Trap: S is a difference of two nearly equal numbers when a parameter's derivative has a large
 * mean and a small spread (the s_i a_i links at small beta: O = sum_i s_i a_i ~ N with variance
 * ~ N e^{-4K}). All sums are therefore taken of shifted values d = O - oRef, eps = E - eRef with a
 * reference close to the mean (the previous step's means); S and F are shift-invariant.
 *
 * Packed layout of one chain's sums (one Float64Array, so it crosses threads as one copied array):
 *   [W, sum w eps, sum w eps^2, sum w d (P), sum w d eps (P), then
 *    'sums' mode: sum w d d^T, upper triangle row by row (P (P + 1) / 2), or
 *    'rows' mode: the d rows of every sample (n P) — cheaper when samples per chain < (P + 1) / 2,
 *    and what the conjugate-gradient solver needs when S is too large to form.]
 * Chains are combined in chain order, so the result does not depend on how chains are spread over
 * worker threads.
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { srWasm, type SrWasm } from './sr-wasm.ts';

export type SumsMode = 'sums' | 'rows';

export const HEAD = 3;

/** Length of a packed chunk with `n` samples. */
export function chunkLength(P: number, mode: SumsMode, n: number): number {
  return HEAD + 2 * P + (mode === 'sums' ? (P * (P + 1)) / 2 : n * P);
}

/** Samples buffered before their O O^T contribution is added (sums mode); see SrAccumulator. */
const BATCH = 64;
/** From this many parameters on, the O O^T sums run on the wasm SIMD kernel (sr-wasm.ts); see SrAccumulator. */
const WASM_MIN_P = 8;

/**
 * Accumulates one chain's weighted sums for one step; allocation-free in `add`.
 * In 'sums' mode the O(P^2) part, sum w d d^T, dominates the cost of a sample when done as one
 * rank-1 update per sample (it streams the whole packed triangle through the cache every time).
 * Samples are therefore buffered, BATCH at a time, in column-major blocks (d_k of the batch
 * contiguous), and each triangle entry then gets one length-BATCH dot product per batch: the same
 * sums, up to rounding, at a fraction of the memory traffic.
 *
 * From WASM_MIN_P parameters on (and when wasm SIMD is available), the sums and the batch buffers
 * live in a wasm memory of the accumulator's own and the batch goes through the f64x2 kernel of
 * sr-wasm.ts. Measured per sample (built code, one thread, CPU time, min of 5, on a shared 2-core
 * box with load ~3): P = 290 23.1 -> 7.5 us, P = 160 7.5 -> 2.7 us, P = 16 0.21 -> 0.11 us; the
 * wasm path is no slower even at P = 2, but below WASM_MIN_P the gain (< 0.02 us) is not worth a
 * wasm memory per accumulator. The path depends on P only, so every worker takes the same one.
 */
export class SrAccumulator {
  readonly data: Float64Array;
  private readonly d: Float64Array;
  /** Batch buffers, column-major: bd[k BATCH + i] = d_k of sample i, bwd the same times w_i. */
  private readonly bd: Float64Array;
  private readonly bwd: Float64Array;
  private readonly wasm: SrWasm | null;
  private nb = 0;
  /** True while every sample of the current batch has w = 1 (bwd is then not used). */
  private unit = true;
  private n = 0;
  private oRef: Float64Array;
  private eRef = 0;

  /** `capacity`: samples per step (only used in 'rows' mode). */
  constructor(readonly P: number, readonly mode: SumsMode, readonly capacity: number) {
    this.d = new Float64Array(P);
    this.oRef = new Float64Array(P);
    this.wasm = mode === 'sums' && P >= WASM_MIN_P ? srWasm(P, BATCH, chunkLength(P, mode, 0), HEAD + 2 * P) : null;
    if (this.wasm) {
      ({ data: this.data, bd: this.bd, bwd: this.bwd } = this.wasm);
    } else {
      this.data = new Float64Array(chunkLength(P, mode, capacity));
      this.bd = new Float64Array(mode === 'sums' ? P * BATCH : 0);
      this.bwd = new Float64Array(mode === 'sums' ? P * BATCH : 0);
    }
  }

  /** Clears the sums; oRef, eRef: reference point subtracted from every O and E. */
  reset(oRef: Float64Array, eRef: number): void {
    this.data.fill(0);
    this.n = 0;
    this.nb = 0;
    this.unit = true;
    this.oRef = oRef;
    this.eRef = eRef;
  }

  /** Adds one sample with log-derivatives o, local energy e and weight w (1 for Monte Carlo). */
  add(o: Float64Array, e: number, w = 1): void {
    const { P, d, data, oRef } = this;
    const eps = e - this.eRef;
    for (let k = 0; k < P; k++) d[k] = o[k] - oRef[k];
    data[0] += w;
    data[1] += w * eps;
    data[2] += w * eps * eps;
    const o1 = HEAD;
    const o2 = HEAD + P;
    for (let k = 0; k < P; k++) {
      data[o1 + k] += w * d[k];
      data[o2 + k] += w * d[k] * eps;
    }
    if (this.mode === 'sums') {
      const { bd, bwd, nb } = this;
      // Monte Carlo samples all have w = 1, and then w d = d: bwd is only filled once a batch
      // holds a weighted sample (enumeration), from bd for the samples before it.
      if (w !== 1 && this.unit) {
        bwd.set(bd);
        this.unit = false;
      }
      if (this.unit) for (let k = 0; k < P; k++) bd[k * BATCH + nb] = d[k];
      else {
        for (let k = 0; k < P; k++) {
          bd[k * BATCH + nb] = d[k];
          bwd[k * BATCH + nb] = w * d[k];
        }
      }
      if (++this.nb === BATCH) this.flush();
    } else {
      if (this.n >= this.capacity) throw new Error('SrAccumulator: more samples than its capacity');
      if (w !== 1) throw new Error("SrAccumulator: 'rows' mode takes unweighted samples");
      data.set(d, HEAD + 2 * P + this.n * P);
    }
    this.n++;
  }

  /**
   * Adds the buffered samples' sum w d d^T to the packed upper triangle. Register blocking: a 4 x 2
   * block of entries (rows k..k+3, columns l, l+1) shares its loads, 6 loads per 8 multiply-adds
   * instead of 16 (measured 1.4-1.7x faster than 4 x 1 for P = 160-290); entries of a block below
   * the diagonal are computed and dropped. With a wasm memory (see the class comment) the batch
   * goes to the SIMD kernel instead: the same blocking, two samples per load and multiply-add.
   */
  private flush(): void {
    const { P, data, bd, nb } = this;
    if (this.wasm) {
      // The kernel takes samples two at a time: an odd batch gets a zero sample (adds exactly 0).
      if (nb % 2) {
        for (let k = 0; k < P; k++) bd[k * BATCH + nb] = 0;
        if (!this.unit) for (let k = 0; k < P; k++) this.bwd[k * BATCH + nb] = 0;
      }
      this.wasm.flush(nb + (nb % 2), this.unit);
      this.nb = 0;
      this.unit = true;
      return;
    }
    const bwd = this.unit ? bd : this.bwd;
    const base = HEAD + 2 * P;
    // Packed position of (k, l), l >= k: row k starts at k P - k (k - 1) / 2.
    const at = (k: number, l: number) => base + k * P - (k * (k - 1)) / 2 + (l - k);
    const put = (k: number, l: number, s0: number, s1: number, s2: number, s3: number) => {
      data[at(k, l)] += s0;
      if (l > k) data[at(k + 1, l)] += s1;
      if (l > k + 1) data[at(k + 2, l)] += s2;
      if (l > k + 2) data[at(k + 3, l)] += s3;
    };
    let k = 0;
    for (; k + 3 < P; k += 4) {
      const a0 = k * BATCH;
      const a1 = a0 + BATCH;
      const a2 = a1 + BATCH;
      const a3 = a2 + BATCH;
      for (let l = k; l < P; l += 2) {
        // A last odd column is paired with itself and its second half dropped.
        const b = l * BATCH;
        const c = l + 1 < P ? b + BATCH : b;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        let t0 = 0;
        let t1 = 0;
        let t2 = 0;
        let t3 = 0;
        for (let i = 0; i < nb; i++) {
          const y = bd[b + i];
          const z = bd[c + i];
          const w0 = bwd[a0 + i];
          const w1 = bwd[a1 + i];
          const w2 = bwd[a2 + i];
          const w3 = bwd[a3 + i];
          s0 += w0 * y;
          s1 += w1 * y;
          s2 += w2 * y;
          s3 += w3 * y;
          t0 += w0 * z;
          t1 += w1 * z;
          t2 += w2 * z;
          t3 += w3 * z;
        }
        put(k, l, s0, s1, s2, s3);
        if (l + 1 < P) put(k, l + 1, t0, t1, t2, t3);
      }
    }
    for (; k < P; k++) {
      const a = k * BATCH;
      for (let l = k; l < P; l++) {
        const b = l * BATCH;
        let s0 = 0;
        for (let i = 0; i < nb; i++) s0 += bwd[a + i] * bd[b + i];
        data[at(k, l)] += s0;
      }
    }
    this.nb = 0;
    this.unit = true;
  }

  /** Number of samples added since the last reset. */
  get count(): number {
    return this.n;
  }

  /** The packed sums (a copy trimmed to the samples actually added). */
  pack(): Float64Array {
    if (this.nb > 0) this.flush();
    return this.data.slice(0, chunkLength(this.P, this.mode, this.n));
  }
}

/** Combined SR moments of one step. */
export interface Moments {
  P: number;
  /** Total weight (number of samples for Monte Carlo). */
  weight: number;
  /** <E> and Var(E) = <E^2> - <E>^2 under |Psi|^2 (total energies, units of J). */
  eMean: number;
  eVar: number;
  /** <O_k>. */
  oMean: Float64Array;
  F: Float64Array;
  /** Dense S (P x P, row-major) when formed; null in rows mode with the CG solver. */
  S: Float64Array | null;
  /** Diagonal of S. */
  diagS: Float64Array;
  /** Centered rows (d_i - <d>) for S v = (1/W) R^T (R v); null when S is formed. */
  rows: Float64Array | null;
  nRows: number;
}

/**
 * Combines per-chain packed sums (in the given order) taken with references oRef, eRef. With
 * `formS` false in rows mode, S is left implicit in the centered rows (for CG).
 */
export function combineChunks(chunks: Float64Array[], P: number, mode: SumsMode, oRef: Float64Array, eRef: number, formS = true): Moments {
  let W = 0;
  let sE = 0;
  let sE2 = 0;
  const sO = new Float64Array(P);
  const sOE = new Float64Array(P);
  const sOO = mode === 'sums' ? new Float64Array((P * (P + 1)) / 2) : null;
  let nRows = 0;
  for (const c of chunks) {
    W += c[0];
    sE += c[1];
    sE2 += c[2];
    for (let k = 0; k < P; k++) {
      sO[k] += c[HEAD + k];
      sOE[k] += c[HEAD + P + k];
    }
    if (sOO) for (let q = 0; q < sOO.length; q++) sOO[q] += c[HEAD + 2 * P + q];
    else nRows += (c.length - HEAD - 2 * P) / P;
  }
  const dBar = sO.map((s) => s / W);
  const eps = sE / W;
  const F = new Float64Array(P);
  for (let k = 0; k < P; k++) F[k] = sOE[k] / W - dBar[k] * eps;
  const oMean = dBar.map((d, k) => d + oRef[k]);
  const diagS = new Float64Array(P);
  let S: Float64Array | null = null;
  let rows: Float64Array | null = null;
  if (sOO) {
    S = new Float64Array(P * P);
    let q = 0;
    for (let k = 0; k < P; k++) {
      for (let l = k; l < P; l++) {
        const v = sOO[q++] / W - dBar[k] * dBar[l];
        S[k * P + l] = v;
        S[l * P + k] = v;
      }
    }
  } else {
    rows = new Float64Array(nRows * P);
    let r = 0;
    for (const c of chunks) {
      const n = (c.length - HEAD - 2 * P) / P;
      for (let i = 0; i < n; i++) {
        const src = HEAD + 2 * P + i * P;
        for (let k = 0; k < P; k++) rows[(r + i) * P + k] = c[src + k] - dBar[k];
      }
      r += n;
    }
    if (formS) {
      S = new Float64Array(P * P);
      for (let i = 0; i < nRows; i++) {
        const b = i * P;
        for (let k = 0; k < P; k++) {
          const rk = rows[b + k];
          if (rk === 0) continue;
          for (let l = k; l < P; l++) S[k * P + l] += rk * rows[b + l];
        }
      }
      for (let k = 0; k < P; k++) {
        for (let l = k; l < P; l++) {
          S[k * P + l] /= W;
          S[l * P + k] = S[k * P + l];
        }
      }
      rows = null;
    }
  }
  if (S) for (let k = 0; k < P; k++) diagS[k] = S[k * P + k];
  else if (rows) {
    for (let i = 0; i < nRows; i++) for (let k = 0; k < P; k++) diagS[k] += rows[i * P + k] ** 2;
    for (let k = 0; k < P; k++) diagS[k] /= W;
  }
  return { P, weight: W, eMean: eRef + eps, eVar: Math.max(0, sE2 / W - eps * eps), oMean, F, S, diagS, rows, nRows };
}

/** y = S v for moments with dense S or centered rows. */
export function applyS(m: Moments, v: Float64Array, y: Float64Array, tmp?: Float64Array): void {
  const P = m.P;
  if (m.S) {
    const S = m.S;
    for (let k = 0; k < P; k++) {
      let s = 0;
      for (let l = 0; l < P; l++) s += S[k * P + l] * v[l];
      y[k] = s;
    }
    return;
  }
  const rows = m.rows!;
  const n = m.nRows;
  const rv = tmp && tmp.length >= n ? tmp : new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < P; k++) s += rows[i * P + k] * v[k];
    rv[i] = s;
  }
  y.fill(0);
  for (let i = 0; i < n; i++) {
    const r = rv[i];
    for (let k = 0; k < P; k++) y[k] += rows[i * P + k] * r;
  }
  for (let k = 0; k < P; k++) y[k] /= m.weight;
}

export interface SolveOptions {
  /** Relative diagonal shift: S_kk -> S_kk (1 + shift). */
  shift: number;
  /** Absolute diagonal shift added on top (keeps zero-variance directions solvable). */
  shiftAbs: number;
  /** 'dense': Cholesky of the formed S (ml-matrix); 'cg': Jacobi-preconditioned conjugate gradient. */
  solver: 'dense' | 'cg';
  /** CG: relative residual tolerance (default 1e-10) and iteration cap (default min(max(100, 2P), 300)). */
  cgTol?: number;
  cgMaxIter?: number;
}

export interface SolveResult {
  x: Float64Array;
  /** x^T S x (unshifted S): the squared metric length of x, for step-size control. */
  xSx: number;
  /** CG iterations (0 for dense). */
  iterations: number;
  /** False when CG stopped at its iteration cap before reaching the tolerance (always true for dense). */
  converged: boolean;
  /** CG: final relative residual |F - A x| / |F| (0 for dense). */
  residual: number;
  /** Absolute shift actually used (raised when Cholesky found S not positive definite). */
  shiftAbs: number;
}

/**
 * Cholesky decomposition of the shifted metric A = S + shift diag S + shiftAbs (S: P x P
 * row-major, dimensionless). The one matrix of the steps (solveSr) and of the energy-flow c
 * (flow-heat.ts); check `isPositiveDefinite()` before solving.
 */
export function shiftedCholesky(S: Float64Array, P: number, shift: number, shiftAbs: number): CholeskyDecomposition {
  const A = new Matrix(P, P);
  for (let k = 0; k < P; k++) {
    for (let l = 0; l < P; l++) A.set(k, l, S[k * P + l]);
    A.set(k, k, S[k * P + k] * (1 + shift) + shiftAbs);
  }
  return new CholeskyDecomposition(A);
}

/** Solves (S + shift diag S + shiftAbs) x = F. */
export function solveSr(m: Moments, o: SolveOptions): SolveResult {
  const P = m.P;
  const F = m.F;
  let x: Float64Array;
  let iterations = 0;
  let converged = true;
  let residual = 0;
  let shiftAbs = o.shiftAbs;
  if (o.solver === 'dense') {
    if (!m.S) throw new Error('solveSr: the dense solver needs a formed S');
    const S = m.S;
    for (let attempt = 0; ; attempt++) {
      const ch = shiftedCholesky(S, P, o.shift, shiftAbs);
      if (ch.isPositiveDefinite()) {
        const sol = ch.solve(Matrix.columnVector(Array.from(F)));
        x = Float64Array.from(sol.getColumn(0));
        break;
      }
      if (attempt > 12) throw new Error('solveSr: S + shift is not positive definite');
      shiftAbs = Math.max(shiftAbs * 10, 1e-12);
    }
  } else {
    // Cap: each iteration costs 2 n P over the sample rows; the imaginary-time step tolerates a
    // residual far above 1e-10 (it is smaller than the sampling noise in F).
    const r = cg(m, F, o.shift, shiftAbs, o.cgTol ?? 1e-10, o.cgMaxIter ?? Math.min(Math.max(100, 2 * P), 300));
    x = r.x;
    iterations = r.iterations;
    converged = r.converged;
    residual = r.residual;
  }
  const Sx = new Float64Array(P);
  applyS(m, x, Sx);
  let xSx = 0;
  for (let k = 0; k < P; k++) xSx += x[k] * Sx[k];
  return { x, xSx, iterations, shiftAbs, converged, residual };
}

/** Jacobi-preconditioned conjugate gradient on A = S + shift diag S + shiftAbs (symmetric positive definite). */
function cg(
  m: Moments, b: Float64Array, shift: number, shiftAbs: number, tol: number, maxIter: number,
): { x: Float64Array; iterations: number; converged: boolean; residual: number } {
  const P = m.P;
  const diag = m.diagS.map((d) => d * (1 + shift) + shiftAbs);
  const x = new Float64Array(P);
  const r = Float64Array.from(b);
  const z = r.map((v, k) => v / diag[k]);
  const p = Float64Array.from(z);
  const Ap = new Float64Array(P);
  const tmp = new Float64Array(m.nRows);
  let rz = dot(r, z);
  const bNorm = Math.sqrt(dot(b, b));
  if (bNorm === 0) return { x, iterations: 0, converged: true, residual: 0 };
  let it = 0;
  let res = 1;
  for (; it < maxIter; it++) {
    applyS(m, p, Ap, tmp);
    for (let k = 0; k < P; k++) Ap[k] += (m.diagS[k] * shift + shiftAbs) * p[k];
    const alpha = rz / dot(p, Ap);
    for (let k = 0; k < P; k++) {
      x[k] += alpha * p[k];
      r[k] -= alpha * Ap[k];
    }
    res = Math.sqrt(dot(r, r)) / bNorm;
    if (res <= tol) return { x, iterations: it + 1, converged: true, residual: res };
    for (let k = 0; k < P; k++) z[k] = r[k] / diag[k];
    const rzNew = dot(r, z);
    const beta = rzNew / rz;
    rz = rzNew;
    for (let k = 0; k < P; k++) p[k] = z[k] + beta * p[k];
  }
  return { x, iterations: it, converged: false, residual: res };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}
