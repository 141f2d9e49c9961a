/**
 * The analytic purified DBM of a TFIM (docs/design.md, "Method 1"; Nomura, Yoshioka, Nori,
 * PRL 127, 060601 (2021) with the construction rules of Carleo, Nomura, Imada, Nat. Commun. 9,
 * 5322 (2018)): Psi(s, a) = <s| U |a> with U the Trotter product for exp(-beta H / 2).
 *
 * Form chosen: imaginary-time slices s^1..s^{n-1} are deep units linked DIRECTLY to their
 * neighbouring slices (weight K per site), not through link units; zz factors are hidden "bond
 * units", one per bond per slice. Both forms give the same state; the direct one has fewer units.
 * Gamma < 0 is mapped to |Gamma| (the unitary prod_i sz_i flips the sign of every sx and leaves sz,
 * the spectrum and every sz observable unchanged), so all weights are real.
 */
import { DbmBuilder, DEEP, HIDDEN, type Dbm } from './network.ts';
import { InputError } from '../util/errors.ts';
import type { Tfim } from '../model/hamiltonian.ts';

export interface TrotterOptions {
  /** Inverse temperature beta = 1/T (units of 1/J). */
  beta: number;
  /** Requested Trotter step; the number of steps is n = ceil(beta / (2 dt)) and dt is then beta/(2n). */
  dt?: number;
  /** Number of Trotter steps n between s and a (overrides dt). */
  slices?: number;
  /** 2: symmetric split (e^{-dt Hz/2} e^{-dt Hx} e^{-dt Hz/2})^n, error O(dt^2); 1: (e^{-dt Hz} e^{-dt Hx})^n. */
  order?: 1 | 2;
}

/** Coupling K of <s|e^{dt Gamma sx}|s'> = A exp(K s s'): K = -1/2 ln tanh(dt Gamma). */
export function linkCoupling(dt: number, gamma: number): number {
  return -0.5 * Math.log(Math.tanh(dt * gamma));
}

/**
 * Weight W of the bond unit that represents exp(J tau s_i s_j): sum_h exp(W h (s_i + sign(J) s_j))
 * = 2 cosh(W (s_i + sign(J) s_j)) = 2 e^{|J| tau} exp(J tau s_i s_j) when cosh(2W) = exp(2 |J| tau).
 */
export function bondUnitWeight(jTau: number): number {
  // arccosh(e^{2x}) loses precision for tiny x: use the identity arccosh(y) = ln(y + sqrt(y^2 - 1))
  // with y^2 - 1 = expm1(4x) computed directly.
  const x = Math.abs(jTau);
  return 0.5 * Math.log(Math.exp(2 * x) + Math.sqrt(Math.expm1(4 * x)));
}

/** Resolves (beta, dt | slices) into the number of Trotter steps n >= 1 and the actual dt. */
export function trotterSteps(opts: TrotterOptions): { n: number; dt: number } {
  const { beta } = opts;
  if (!(beta > 0) || !Number.isFinite(beta)) throw new InputError(`beta must be positive and finite, got ${beta}`);
  let n: number;
  if (opts.slices !== undefined) {
    if (!Number.isInteger(opts.slices) || opts.slices < 1) throw new InputError(`--slices must be an integer >= 1, got ${opts.slices}`);
    n = opts.slices;
  } else {
    const dt = opts.dt ?? 0.05;
    if (!(dt > 0) || !Number.isFinite(dt)) throw new InputError(`--dt must be positive and finite, got ${dt}`);
    n = Math.max(1, Math.ceil(beta / (2 * dt) - 1e-9));
  }
  return { n, dt: beta / (2 * n) };
}

/**
 * Builds the analytic purified DBM of `ham` at inverse temperature `opts.beta`.
 * Units: N physical (slice 0), N ancilla (slice n), N (n-1) deep, one hidden unit per bond and
 * slice with tau_k > 0. Psi equals <s|U|a> up to a constant factor (the A and 2 e^{|J| tau} factors).
 */
export function buildTrotterDbm(ham: Tfim, opts: TrotterOptions): Dbm {
  const order = opts.order ?? 2;
  if (order !== 1 && order !== 2) throw new InputError(`--order must be 1 or 2, got ${order}`);
  const gamma = Math.abs(ham.Gamma);
  if (!(gamma > 0)) throw new InputError('Gamma = 0 is a classical model: its purified state has infinite links; use `pdbm exact`');
  const { n, dt } = trotterSteps(opts);
  const N = ham.nSites;
  const b = new DbmBuilder(N);
  const sliceUnits = new Int32Array((n + 1) * N);
  for (let i = 0; i < N; i++) {
    sliceUnits[i] = i;
    sliceUnits[n * N + i] = N + i;
  }
  for (let k = 1; k < n; k++) for (let i = 0; i < N; i++) sliceUnits[k * N + i] = b.addUnit(DEEP);

  // tau_k: weight of H_z on slice k. Second order: half steps at both ends; first order: a full
  // step on slices 0..n-1 and none on the ancilla slice.
  const sliceTau = new Float64Array(n + 1);
  for (let k = 0; k <= n; k++) {
    sliceTau[k] = order === 2 ? (k === 0 || k === n ? dt / 2 : dt) : k < n ? dt : 0;
  }
  const K = linkCoupling(dt, gamma);
  for (let k = 0; k <= n; k++) {
    const tau = sliceTau[k];
    const base = k * N;
    if (k < n) for (let i = 0; i < N; i++) b.addEdge(sliceUnits[base + i], sliceUnits[base + N + i], K);
    if (tau === 0) continue;
    // Field h: exp(tau h s) on every spin of the slice.
    if (ham.h !== 0) for (let i = 0; i < N; i++) b.addBias(sliceUnits[base + i], tau * ham.h);
    for (let e = 0; e < ham.coupling.length; e++) {
      const jb = ham.coupling[e];
      if (jb === 0) continue;
      const w = bondUnitWeight(jb * tau);
      const h = b.addUnit(HIDDEN);
      b.addEdge(h, sliceUnits[base + ham.bondI[e]], w);
      b.addEdge(h, sliceUnits[base + ham.bondJ[e]], Math.sign(jb) * w);
    }
  }
  return b.build(
    { kind: 'analytic-trotter', model: ham.name, beta: opts.beta, dt, slices: n, order, J: ham.J, Gamma: ham.Gamma, h: ham.h },
    { slices: n, dt, beta: opts.beta, order, Gamma: gamma, sliceUnits, sliceTau },
  );
}
