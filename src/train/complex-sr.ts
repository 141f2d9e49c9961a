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
import { solveSr, type Moments, type SolveResult } from './sr.ts';

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

/** Solves (S + shift diag S + shiftAbs) x = F through the real 2P form; x = xR + i xI. */
export function solveComplexSr(m: ComplexMoments, shift: number, shiftAbs: number): SolveResult & { xR: Float64Array; xI: Float64Array } {
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
  const diagS = new Float64Array(Q);
  for (let k = 0; k < Q; k++) diagS[k] = S[k * Q + k];
  const real: Moments = {
    P: Q, weight: m.weight, eMean: m.eR, eVar: Math.max(0, m.eAbs2 - m.eR ** 2 - m.eI ** 2),
    oMean: new Float64Array(Q), F, S, diagS, rows: null, nRows: 0,
  };
  const r = solveSr(real, { shift, shiftAbs, solver: 'dense' });
  return { ...r, xR: r.x.slice(0, P), xI: r.x.slice(P) };
}
