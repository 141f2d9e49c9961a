/**
 * Specific heat from the variational energy flow of the trained network.
 *
 * Along the TDVP trajectory theta' = -(1/2) S^{-1} F the energy changes at
 *   d<H>/dbeta = 2 Re sum_k F_k* theta'_k = -F^T S^{-1} F,
 * the part of Var(H) = <H^2> - <H>^2 that the tangent space captures; for the exact state
 * d<H>/dbeta = -Var(H), so both c = beta^2 Var(E_loc)/N (measure.ts) and
 *   c_flow = beta^2 F^T (S + shift)^{-1} F / N
 * estimate the specific heat. They differ by the residual of the projection, which is the
 * variational error of the represented state: at low T the variance picks it up (with exact moments
 * on the 6-site chain at Gamma = J, alpha 4, T = 0.2: variance +2.1%, flow -0.35%). The shift
 * lowers c_flow a little (directions with eigenvalues of S below it are damped, as in the steps).
 *
 * Sampling noise: F^T A F of a sampled F is biased up by tr(A Cov F) ~ P Var(E)/n (several % at
 * the sizes used), so the estimate is the U-statistic over independent chains,
 *   U = sum_{k != l} F_k^T A F_l / (K (K - 1)),
 * unbiased in F (A = (S + shift)^{-1} from all samples is held fixed). F_k is chain k's
 * covariance of O and E_loc about the means of all chains (so that the chains' F_k average to F),
 * and the error bar is a jackknife over chains.
 */
import { Matrix } from 'ml-matrix';
import { HEAD, shiftedCholesky, type Moments } from './sr.ts';

/**
 * c_flow and its jackknife error, per site, at inverse temperature `beta` (1/J), for `N` sites,
 * from the measurement's packed sums: `chunks[b * K + k]` is chain k's chunk of batch b (the order
 * SampledSource collects them), taken with references oRef, eRef; `m` their combination with S
 * formed. `shift`, `shiftAbs`: the diagonal shift of the steps. Null without a formed S, with fewer
 * than 3 chains, or when S + shift is not positive definite.
 */
export function flowHeat(
  chunks: Float64Array[], K: number, m: Moments, shift: number, shiftAbs: number, beta: number, N: number,
): { c: number; err: number } | null {
  const P = m.P;
  if (!m.S || K < 3 || chunks.length % K !== 0) return null;
  // Global means of d = O - oRef and eps = E - eRef, from the sums (m.oMean - oRef would round
  // differently, and the rows would no longer reproduce to the last digit).
  let W = 0;
  let sE = 0;
  const sO = new Float64Array(P);
  for (const c of chunks) {
    W += c[0];
    sE += c[1];
    for (let k = 0; k < P; k++) sO[k] += c[HEAD + k];
  }
  const eBar = sE / W;
  const dBar = sO.map((s) => s / W);
  // F_k = (1/W_k) [sOE_k - dBar sE_k - eBar sO_k + W_k dBar eBar], summed over chain k's batches.
  const Fk: Float64Array[] = [];
  for (let k = 0; k < K; k++) {
    let w = 0;
    let e = 0;
    const o = new Float64Array(P);
    const oe = new Float64Array(P);
    for (let b = k; b < chunks.length; b += K) {
      const c = chunks[b];
      w += c[0];
      e += c[1];
      for (let p = 0; p < P; p++) {
        o[p] += c[HEAD + p];
        oe[p] += c[HEAD + P + p];
      }
    }
    const f = new Float64Array(P);
    for (let p = 0; p < P; p++) f[p] = (oe[p] - dBar[p] * e - eBar * o[p] + w * dBar[p] * eBar) / w;
    Fk.push(f);
  }
  return flowFromChainForces(Fk, m.S, P, shift, shiftAbs, (beta * beta) / N);
}

/**
 * The U-statistic of the file comment, scale sum_{k != l} F_k^T A^{-1} F_l / (K (K - 1)) with
 * A = S + shift diag S + shiftAbs (S row-major P x P), and its jackknife error over the K chains;
 * `Fk` is each chain's F about the means of all chains. The real network passes its F; the complex
 * one the real form (Re F, Im F) with the real 2P form of S (complex-sr.ts). Null with fewer than 3
 * chains or when A is not positive definite.
 */
export function flowFromChainForces(
  Fk: Float64Array[], S: Float64Array, P: number, shift: number, shiftAbs: number, scale: number,
): { c: number; err: number } | null {
  const K = Fk.length;
  if (K < 3) return null;
  const ch = shiftedCholesky(S, P, shift, shiftAbs);
  if (!ch.isPositiveDefinite()) return null;
  // a_kl = F_k^T A^{-1} F_l from the K solves.
  const X = ch.solve(new Matrix(Array.from({ length: P }, (_, p) => Fk.map((f) => f[p]))));
  const a = (k: number, l: number) => {
    let s = 0;
    for (let p = 0; p < P; p++) s += Fk[k][p] * X.get(p, l);
    return s;
  };
  const r = new Float64Array(K);
  let D = 0;
  let T = 0;
  const diag = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    for (let l = 0; l < K; l++) r[k] += a(k, l);
    diag[k] = a(k, k);
    D += diag[k];
    T += r[k];
  }
  const U = (T - D) / (K * (K - 1));
  // Leave chain j out: T - 2 r_j + a_jj over pairs, D - a_jj on the diagonal.
  const loo = Array.from({ length: K }, (_, j) => (T - 2 * r[j] + diag[j] - (D - diag[j])) / ((K - 1) * (K - 2)));
  const mean = loo.reduce((s, v) => s + v, 0) / K;
  const varJ = ((K - 1) / K) * loo.reduce((s, v) => s + (v - mean) ** 2, 0);
  return { c: scale * U, err: scale * Math.sqrt(varJ) };
}

/**
 * The flow is the projection of Var(H) on the tangent space, so it lies above the variance c_var
 * only by noise: a warning (no prefix) when it does by more than 4 combined sigma, else none.
 */
export function flowAboveVarianceWarnings(flow: { c: number; err: number }, cVar: number, cVarErr: number): string[] {
  return flow.c - cVar > 4 * Math.hypot(flow.err, cVarErr)
    ? [`c from the energy flow (${flow.c.toPrecision(4)}) exceeds the variance c_var (${cVar.toPrecision(4)}) by more than 4 sigma`]
    : [];
}
