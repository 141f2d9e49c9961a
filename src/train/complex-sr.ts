/**
 * Stochastic reconfiguration for complex (holomorphic) parameters:
 *   S_kl = <O_k* O_l> - <O_k*><O_l>  (Hermitian),   F_k = <O_k* E> - <O_k*><E>,
 * solved as the real symmetric 2P system [[Re S, -Im S], [Im S, Re S]] [Re x; Im x] = [Re F; Im F]
 * with the same shifted dense Cholesky as the real network (sr.ts; the relative shift multiplies
 * the diagonal of Re S, which is the diagonal of S). The imaginary-time step is dp = -(dbeta/2) x.
 *
 * Samples are kept as rows and centred with the exact mean before the products are summed (no
 * cancellation between <O* O> and <O*><O>); rows from several chains are concatenated in chain
 * order, so the result does not depend on how chains are scheduled.
 */
import { chunkLength, combineChunks, HEAD, solveSr, SrAccumulator, type Moments, type SolveResult } from './sr.ts';

/** Weighted samples of O (complex, P per row) and E (complex) for one SR evaluation. */
export class ComplexSamples {
  oR: Float64Array;
  oI: Float64Array;
  eR: Float64Array;
  eI: Float64Array;
  w: Float64Array;
  n = 0;

  constructor(readonly P: number, capacity: number) {
    this.oR = new Float64Array(P * capacity);
    this.oI = new Float64Array(P * capacity);
    this.eR = new Float64Array(capacity);
    this.eI = new Float64Array(capacity);
    this.w = new Float64Array(capacity);
  }

  /** Appends one sample (grows the buffers when full). */
  add(oR: Float64Array, oI: Float64Array, eR: number, eI: number, w = 1): void {
    const P = this.P;
    if (this.n === this.w.length) {
      const cap = 2 * this.w.length + 1;
      const grow = (a: Float64Array, m: number) => {
        const b = new Float64Array(m * cap);
        b.set(a);
        return b;
      };
      this.oR = grow(this.oR, P);
      this.oI = grow(this.oI, P);
      this.eR = grow(this.eR, 1);
      this.eI = grow(this.eI, 1);
      this.w = grow(this.w, 1);
    }
    this.oR.set(oR, this.n * P);
    this.oI.set(oI, this.n * P);
    this.eR[this.n] = eR;
    this.eI[this.n] = eI;
    this.w[this.n] = w;
    this.n++;
  }
}

/** Complex SR moments. Energies are totals (coupling units). */
export interface ComplexMoments {
  P: number;
  weight: number;
  /** <E_loc> (re, im) and <|E_loc|^2>. */
  eR: number;
  eI: number;
  eAbs2: number;
  /** S = Sr + i Si (P x P row-major), F = Fr + i Fi. */
  Sr: Float64Array;
  Si: Float64Array;
  Fr: Float64Array;
  Fi: Float64Array;
  /** Means of (Re O, Im O), length 2P, when combined from chunks (the next references). */
  oMean?: Float64Array;
}

/** The moments of a sample set (Monte Carlo: w = 1; enumeration: normalized |Psi|^2 or any positive weights). */
export function complexMoments(smp: ComplexSamples): ComplexMoments {
  const { P, n, oR, oI, eR, eI, w } = smp;
  let W = 0;
  let mER = 0;
  let mEI = 0;
  let e2 = 0;
  const mR = new Float64Array(P);
  const mI = new Float64Array(P);
  for (let i = 0; i < n; i++) {
    const wi = w[i];
    W += wi;
    mER += wi * eR[i];
    mEI += wi * eI[i];
    e2 += wi * (eR[i] * eR[i] + eI[i] * eI[i]);
    for (let k = 0; k < P; k++) {
      mR[k] += wi * oR[i * P + k];
      mI[k] += wi * oI[i * P + k];
    }
  }
  mER /= W;
  mEI /= W;
  e2 /= W;
  for (let k = 0; k < P; k++) {
    mR[k] /= W;
    mI[k] /= W;
  }
  const Sr = new Float64Array(P * P);
  const Si = new Float64Array(P * P);
  const Fr = new Float64Array(P);
  const Fi = new Float64Array(P);
  const dR = new Float64Array(P);
  const dI = new Float64Array(P);
  for (let i = 0; i < n; i++) {
    const wi = w[i];
    if (wi === 0) continue;
    for (let k = 0; k < P; k++) {
      dR[k] = oR[i * P + k] - mR[k];
      dI[k] = oI[i * P + k] - mI[k];
    }
    const er = eR[i] - mER;
    const ei = eI[i] - mEI;
    for (let k = 0; k < P; k++) {
      const ar = wi * dR[k];
      const ai = wi * dI[k];
      // conj(d_k) eps = (dr - i di)(er + i ei).
      Fr[k] += ar * er + ai * ei;
      Fi[k] += ar * ei - ai * er;
      const row = k * P;
      // Upper triangle only; conj(d_k) d_l = (dr_k dr_l + di_k di_l) + i (dr_k di_l - di_k dr_l).
      for (let l = k; l < P; l++) {
        Sr[row + l] += ar * dR[l] + ai * dI[l];
        Si[row + l] += ar * dI[l] - ai * dR[l];
      }
    }
  }
  for (let k = 0; k < P; k++) {
    Fr[k] /= W;
    Fi[k] /= W;
    // S is Hermitian: Im S_kk = 0 exactly (the accumulated value is rounding of w dr di - w di dr).
    Si[k * P + k] = 0;
    for (let l = k; l < P; l++) {
      const r = Sr[k * P + l] / W;
      const m = l === k ? 0 : Si[k * P + l] / W;
      Sr[k * P + l] = r;
      Si[k * P + l] = m;
      Sr[l * P + k] = r;
      Si[l * P + k] = -m;
    }
  }
  return { P, weight: W, eR: mER, eI: mEI, eAbs2: e2, Sr, Si, Fr, Fi };
}

/**
 * One chain's complex SR sums for one evaluation, taken where the chain runs (its worker thread),
 * so that only O(P^2) numbers per chain cross threads and the O(P^2)-per-sample work is parallel.
 * The real vector x = (Re O, Im O) of length 2P goes through the real accumulator (sr.ts: the
 * packed sums of x x^T on the wasm SIMD kernel, and the sums with eps_r = Re E - eRef_r); the sums
 * with eps_i = Im E - eRef_i are kept here. All sums are taken relative to a reference (oRef, eRef)
 * close to the means, for the reason given in sr.ts. The Hermitian S and the complex F follow from
 * the real covariances (combineComplexChunks).
 */
export class ComplexSrAccumulator {
  private readonly real: SrAccumulator;
  private readonly x: Float64Array;
  /** [sum w eps_i, sum w eps_i^2, sum w (x - oRef) eps_i (2P)]. */
  private readonly extra: Float64Array;
  private oRef: Float64Array;
  private eRefI = 0;

  constructor(readonly P: number) {
    this.real = new SrAccumulator(2 * P, 'sums', 0);
    this.x = new Float64Array(2 * P);
    this.extra = new Float64Array(2 + 2 * P);
    this.oRef = new Float64Array(2 * P);
  }

  /** Clears the sums; oRef = (Re, Im) reference of O (length 2P), eRef = reference of E (re, im). */
  reset(oRef: Float64Array, eRefR: number, eRefI: number): void {
    this.real.reset(oRef, eRefR);
    this.extra.fill(0);
    this.oRef = oRef;
    this.eRefI = eRefI;
  }

  /** Adds one sample: log-derivatives oR + i oI, local energy eR + i eI, weight w. */
  add(oR: Float64Array, oI: Float64Array, eR: number, eI: number, w: number): void {
    const { P, x, extra, oRef } = this;
    x.set(oR, 0);
    x.set(oI, P);
    this.real.add(x, eR, w);
    const ei = eI - this.eRefI;
    const wei = w * ei;
    extra[0] += wei;
    extra[1] += wei * ei;
    for (let k = 0; k < 2 * P; k++) extra[2 + k] += (x[k] - oRef[k]) * wei;
  }

  /** The packed sums (a copy): the real accumulator's chunk, then the imaginary-energy sums. */
  pack(): Float64Array {
    const a = this.real.pack();
    const out = new Float64Array(a.length + this.extra.length);
    out.set(a);
    out.set(this.extra, a.length);
    return out;
  }
}

/**
 * Combines chains' {@link ComplexSrAccumulator} chunks (in the given order) taken with the same
 * references into the complex moments, and returns the means of (Re O, Im O) too (the next
 * references). With O = a + i b and E = e_r + i e_i, from the real covariances:
 *   Re S_kl = Cov(a_k, a_l) + Cov(b_k, b_l),   Im S_kl = Cov(a_k, b_l) - Cov(b_k, a_l),
 *   Re F_k = Cov(a_k, e_r) + Cov(b_k, e_i),    Im F_k = Cov(a_k, e_i) - Cov(b_k, e_r).
 */
export function combineComplexChunks(chunks: Float64Array[], P: number, oRef: Float64Array, eRefR: number, eRefI: number): ComplexMoments {
  const Q = 2 * P;
  const realLength = chunkLength(Q, 'sums', 0);
  const m = combineChunks(chunks.map((c) => c.subarray(0, realLength)), Q, 'sums', oRef, eRefR);
  const W = m.weight;
  let sEi = 0;
  let sEi2 = 0;
  const sOEi = new Float64Array(Q);
  for (const c of chunks) {
    sEi += c[realLength];
    sEi2 += c[realLength + 1];
    for (let k = 0; k < Q; k++) sOEi[k] += c[realLength + 2 + k];
  }
  const epsI = sEi / W;
  const covEi = new Float64Array(Q);
  for (let k = 0; k < Q; k++) covEi[k] = sOEi[k] / W - (m.oMean[k] - oRef[k]) * epsI;
  const S = m.S!;
  const Sr = new Float64Array(P * P);
  const Si = new Float64Array(P * P);
  const Fr = new Float64Array(P);
  const Fi = new Float64Array(P);
  for (let k = 0; k < P; k++) {
    for (let l = 0; l < P; l++) {
      Sr[k * P + l] = S[k * Q + l] + S[(P + k) * Q + P + l];
      // Im S_kk = 0 exactly (Hermitian); the two terms are equal up to rounding.
      Si[k * P + l] = k === l ? 0 : S[k * Q + P + l] - S[(P + k) * Q + l];
    }
    Fr[k] = m.F[k] + covEi[P + k];
    Fi[k] = covEi[k] - m.F[P + k];
  }
  const eR = m.eMean;
  const eI = eRefI + epsI;
  const eAbs2 = m.eVar + eR * eR + Math.max(0, sEi2 / W - epsI * epsI) + eI * eI;
  return { P, weight: W, eR, eI, eAbs2, Sr, Si, Fr, Fi, oMean: m.oMean };
}

/**
 * The real 2P form of the complex system S x = F: S2 = [[Re S, -Im S], [Im S, Re S]] (row-major,
 * 2P x 2P, symmetric) and F2 = (Re F, Im F). Its solution is (Re x, Im x), and
 * F2^T S2^{-1} F2 = Re F^H S^{-1} F.
 */
export function realForm(m: ComplexMoments): { S: Float64Array; F: Float64Array } {
  const P = m.P;
  const Q = 2 * P;
  const S = new Float64Array(Q * Q);
  for (let k = 0; k < P; k++) {
    for (let l = 0; l < P; l++) {
      const r = m.Sr[k * P + l];
      const i = m.Si[k * P + l];
      S[k * Q + l] = r;
      S[k * Q + P + l] = -i;
      S[(P + k) * Q + l] = i;
      S[(P + k) * Q + P + l] = r;
    }
  }
  const F = new Float64Array(Q);
  F.set(m.Fr, 0);
  F.set(m.Fi, P);
  return { S, F };
}

/** Solves (S + shift diag S + shiftAbs) x = F through the real 2P form; x = xR + i xI. */
export function solveComplexSr(m: ComplexMoments, shift: number, shiftAbs: number): SolveResult & { xR: Float64Array; xI: Float64Array } {
  const P = m.P;
  const Q = 2 * P;
  const { S, F } = realForm(m);
  const diagS = new Float64Array(Q);
  for (let k = 0; k < Q; k++) diagS[k] = S[k * Q + k];
  const real: Moments = {
    P: Q, weight: m.weight, eMean: m.eR, eVar: Math.max(0, m.eAbs2 - m.eR ** 2 - m.eI ** 2),
    oMean: new Float64Array(Q), F, S, diagS, rows: null, nRows: 0,
  };
  const r = solveSr(real, { shift, shiftAbs, solver: 'dense' });
  return { ...r, xR: r.x.slice(0, P), xI: r.x.slice(P) };
}

/**
 * Each chain's F in the real form (Re F, Im F) (length 2P), as covariances about the means of all
 * chains (so that they average to the F of all samples), from each chain's packed sums
 * ({@link ComplexSrAccumulator} chunks, summed over batches, all with the same references). The
 * input of the energy-flow specific heat (flow-heat.ts flowFromChainForces). With O = a + i b and
 * E = e_r + i e_i: Re F = Cov(a, e_r) + Cov(b, e_i), Im F = Cov(a, e_i) - Cov(b, e_r).
 */
export function complexChainForces(chainSums: Float64Array[], P: number): Float64Array[] {
  const Q = 2 * P;
  // Chunk layout: the real accumulator's [W, sum w eps_r, sum w eps_r^2, sum w d (Q), sum w d eps_r (Q), S],
  // then [sum w eps_i, sum w eps_i^2, sum w d eps_i (Q)] at rl (d = x - oRef, eps = E - eRef).
  const rl = chunkLength(Q, 'sums', 0);
  let W = 0;
  let sR = 0;
  let sI = 0;
  const sO = new Float64Array(Q);
  for (const c of chainSums) {
    W += c[0];
    sR += c[1];
    sI += c[rl];
    for (let q = 0; q < Q; q++) sO[q] += c[HEAD + q];
  }
  const eR = sR / W;
  const eI = sI / W;
  return chainSums.map((c) => {
    const w = c[0];
    const covR = new Float64Array(Q);
    const covI = new Float64Array(Q);
    for (let q = 0; q < Q; q++) {
      const dBar = sO[q] / W;
      covR[q] = (c[HEAD + Q + q] - dBar * c[1] - eR * c[HEAD + q] + w * dBar * eR) / w;
      covI[q] = (c[rl + 2 + q] - dBar * c[rl] - eI * c[HEAD + q] + w * dBar * eI) / w;
    }
    const f = new Float64Array(Q);
    for (let p = 0; p < P; p++) {
      f[p] = covR[p] + covI[P + p];
      f[P + p] = covI[p] - covR[P + p];
    }
    return f;
  });
}
