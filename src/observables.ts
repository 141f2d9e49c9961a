/**
 * Measurements on one configuration of the two-copy joint graph (see sampler.ts). All functions
 * are allocation-free after construction.
 *
 * - Local energy (visible estimator): E_loc(s, a, d) = (H Psi)(s, a, d) / Psi(s, a, d) with H acting
 *   on the physical spins and the hidden units summed out, E_loc = H_z(s) - Gamma sum_i R_i,
 *   R_i = Psi(s with s_i flipped, a, d) / Psi(s, a, d). Unbiased for <H> because d is drawn from
 *   p(d | s, a); the product of the two copies' E_loc is unbiased for <H^2> (DESIGN.md).
 * - Thermodynamic estimator (analytic networks only): -d ln Z / d beta on the ring of 2n slices,
 *   sum_k (tau_k / beta) H_z(s^k) + (1/2n) sum_links sum_i [-G coth(2 dt G) + G s s' / sinh(2 dt G)].
 * - Magnetization of the physical slice, and the tau-weighted ring average m_bar whose variance
 *   gives the (Kubo) susceptibility chi = beta N Var(m_bar).
 */
import { HIDDEN, type Dbm } from './dbm.ts';
import { diagonalEnergy, type Tfim } from './hamiltonian.ts';
import type { JointGraph } from './sampler.ts';

/** ln cosh(x), stable for large |x|. */
export function logCosh(x: number): number {
  const a = Math.abs(x);
  return a + Math.log1p(Math.exp(-2 * a)) - Math.LN2;
}

/** Evaluates E_loc for either copy of the inner units. */
export class LocalEnergy {
  private readonly N: number;
  /** Per physical site: its couplings to non-hidden units (CSR), as DBM unit indices. */
  private readonly dStart: Int32Array;
  private readonly dUnit: Int32Array;
  private readonly dW: Float64Array;
  /** Per physical site: its couplings to hidden units, as indices into `hid`. */
  private readonly hStart: Int32Array;
  private readonly hIdx: Int32Array;
  private readonly hW: Float64Array;
  /** Hidden units touching the physical layer, with their own couplings (CSR over `hid`). */
  private readonly hid: Int32Array;
  private readonly hidStart: Int32Array;
  private readonly hidUnit: Int32Array;
  private readonly hidW: Float64Array;
  private readonly theta: Float64Array;

  constructor(readonly dbm: Dbm, readonly ham: Tfim, readonly graph: JointGraph) {
    const N = (this.N = dbm.nSites);
    if (ham.nSites !== N) throw new Error(`network has ${N} sites, model has ${ham.nSites}`);
    const adj: Array<Array<[number, number]>> = Array.from({ length: dbm.nUnits }, () => []);
    for (let e = 0; e < dbm.edgeA.length; e++) {
      adj[dbm.edgeA[e]].push([dbm.edgeB[e], dbm.weight[e]]);
      adj[dbm.edgeB[e]].push([dbm.edgeA[e], dbm.weight[e]]);
    }
    const hidList: number[] = [];
    const hidPos = new Map<number, number>();
    const dS = [0];
    const dU: number[] = [];
    const dWs: number[] = [];
    const hS = [0];
    const hI: number[] = [];
    const hWs: number[] = [];
    for (let i = 0; i < N; i++) {
      for (const [v, w] of adj[i]) {
        if (dbm.layer[v] === HIDDEN) {
          if (!hidPos.has(v)) {
            hidPos.set(v, hidList.length);
            hidList.push(v);
          }
          hI.push(hidPos.get(v)!);
          hWs.push(w);
        } else {
          dU.push(v);
          dWs.push(w);
        }
      }
      dS.push(dU.length);
      hS.push(hI.length);
    }
    this.dStart = Int32Array.from(dS);
    this.dUnit = Int32Array.from(dU);
    this.dW = Float64Array.from(dWs);
    this.hStart = Int32Array.from(hS);
    this.hIdx = Int32Array.from(hI);
    this.hW = Float64Array.from(hWs);
    this.hid = Int32Array.from(hidList);
    const hs = [0];
    const hu: number[] = [];
    const hw: number[] = [];
    for (const h of hidList) {
      for (const [v, w] of adj[h]) {
        hu.push(v);
        hw.push(w);
      }
      hs.push(hu.length);
    }
    this.hidStart = Int32Array.from(hs);
    this.hidUnit = Int32Array.from(hu);
    this.hidW = Float64Array.from(hw);
    this.theta = new Float64Array(hidList.length);
  }

  /** E_loc for inner-unit copy `c` (0 or 1) of joint configuration x; energy units of J. */
  eval(x: Int8Array, c: 0 | 1): number {
    const node = this.graph.unitNode[c];
    const { dbm, theta, hid, hidStart, hidUnit, hidW } = this;
    for (let k = 0; k < hid.length; k++) {
      let t = dbm.bias[hid[k]];
      for (let p = hidStart[k]; p < hidStart[k + 1]; p++) t += hidW[p] * x[node[hidUnit[p]]];
      theta[k] = t;
    }
    let sumR = 0;
    for (let i = 0; i < this.N; i++) {
      const si = x[i];
      let f = dbm.bias[i];
      for (let p = this.dStart[i]; p < this.dStart[i + 1]; p++) f += this.dW[p] * x[node[this.dUnit[p]]];
      let logR = -2 * si * f;
      for (let p = this.hStart[i]; p < this.hStart[i + 1]; p++) {
        const t = theta[this.hIdx[p]];
        logR += logCosh(t - 2 * this.hW[p] * si) - logCosh(t);
      }
      sumR += Math.exp(logR);
    }
    // Physical units are nodes 0..N-1 of the joint graph.
    return diagonalEnergy(this.ham, x, 0) - Math.abs(this.ham.Gamma) * sumR;
  }
}

/** Ring measurements of an analytic network: thermodynamic energy and tau-weighted magnetization. */
export class RingObservables {
  /** Node of site i on ring slice k at ring[k * N + i], k = 0 .. 2n-1. */
  private readonly ring: Int32Array;
  private readonly tauOverBeta: Float64Array;
  private readonly buf: Float64Array;
  private readonly linkConst: number;
  private readonly linkCoef: number;
  private readonly dLinkConst: number;
  private readonly dLinkCoef: number;
  private links = 0;
  readonly nRing: number;

  constructor(readonly dbm: Dbm, readonly ham: Tfim, graph: JointGraph) {
    const t = dbm.trotter;
    if (!t) throw new Error('ring observables need an analytic (Trotter) network');
    const N = dbm.nSites;
    const n = t.slices;
    this.nRing = 2 * n;
    this.ring = new Int32Array(2 * n * N);
    this.tauOverBeta = new Float64Array(2 * n);
    // Ring order: copy 0 slices 0..n, then copy 1 slices n-1..1; the end slices s and a are shared
    // by both copies, so their tau counts twice.
    for (let k = 0; k < 2 * n; k++) {
      const slice = k <= n ? k : 2 * n - k;
      const copy = k <= n ? 0 : 1;
      for (let i = 0; i < N; i++) this.ring[k * N + i] = graph.unitNode[copy][t.sliceUnits[slice * N + i]];
      const ends = slice === 0 || slice === n ? 2 : 1;
      this.tauOverBeta[k] = (ends * t.sliceTau[slice]) / t.beta;
    }
    const g = t.Gamma;
    this.linkConst = -g / Math.tanh(2 * t.dt * g);
    this.linkCoef = g / Math.sinh(2 * t.dt * g);
    // d/d beta of the link part at fixed configuration, with x = 2 dt G = beta G / n:
    // (G^2 / (n sinh^2 x)) (N - cosh(x) L / 2n), L = sum over links and sites of s s'.
    const x = 2 * t.dt * g;
    this.dLinkConst = (g * g * N) / (n * Math.sinh(x) ** 2);
    this.dLinkCoef = -(g * g * Math.cosh(x)) / (2 * n * n * Math.sinh(x) ** 2);
    this.buf = new Float64Array(N);
  }

  /** Thermodynamic energy estimator (total, not per site). */
  energy(x: Int8Array): number {
    const N = this.dbm.nSites;
    const R = this.nRing;
    const { ring, buf } = this;
    let ez = 0;
    let links = 0;
    for (let k = 0; k < R; k++) {
      if (this.tauOverBeta[k] !== 0) {
        for (let i = 0; i < N; i++) buf[i] = x[ring[k * N + i]];
        ez += this.tauOverBeta[k] * diagonalEnergy(this.ham, buf, 0);
      }
      const k2 = (k + 1) % R;
      let ss = 0;
      for (let i = 0; i < N; i++) ss += x[ring[k * N + i]] * x[ring[k2 * N + i]];
      links += ss;
    }
    this.links = links;
    return ez + N * this.linkConst + (this.linkCoef * links) / R;
  }

  /**
   * d E_ring / d beta at fixed configuration, for the configuration last passed to energy(): the
   * extra term of the thermodynamic specific heat C = beta^2 (Var E_ring - <dE_ring/dbeta>).
   * The H_z part does not contribute (tau_k / beta is constant).
   */
  energyDerivative(): number {
    return this.dLinkConst + this.dLinkCoef * this.links;
  }

  /** sum_k (tau_k / beta) m_k, with m_k the magnetization per site of ring slice k. */
  magnetization(x: Int8Array): number {
    const N = this.dbm.nSites;
    let m = 0;
    for (let k = 0; k < this.nRing; k++) {
      let mk = 0;
      for (let i = 0; i < N; i++) mk += x[this.ring[k * N + i]];
      m += this.tauOverBeta[k] * mk;
    }
    return m / N;
  }
}

/** Magnetization per site of the physical slice (joint nodes 0..N-1). */
export function physicalMagnetization(x: Int8Array, nSites: number): number {
  let m = 0;
  for (let i = 0; i < nSites; i++) m += x[i];
  return m / nSites;
}

