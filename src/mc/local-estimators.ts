/**
 * Measurements on one configuration of the two-copy joint graph (see sampler.ts). All functions
 * are allocation-free after construction.
 *
 * - Local energy (visible estimator): E_loc(s, a, r) = (H Psi)(s, a, r) / Psi(s, a, r) with H acting
 *   on the physical spins, E_loc = H_z(s) - Gamma sum_i R_i, R_i = Psi(s with s_i flipped, a, r) /
 *   Psi(s, a, r), where every inner unit touching the physical layer is summed out in closed form
 *   (sum_u exp(u theta_u) = 2 cosh theta_u) and r is the rest, as sampled. Unbiased for <H> because
 *   r is drawn from p(r | s, a); the product of the two copies' E_loc is unbiased for <H^2>
 *   (docs/design.md, "Estimators"). Summing the first deep slice too (Rao–Blackwellization: it is conditionally
 *   independent given its neighbours) removes the largest source of noise, the single sampled
 *   value of s^1_i inside exp(-2 K s_i s^1_i).
 * - Thermodynamic estimator (analytic networks only): -d ln Z / d beta on the ring of 2n slices,
 *   sum_k (tau_k / beta) H_z(s^k) + (1/2n) sum_links sum_i [-G coth(2 dt G) + G s s' / sinh(2 dt G)].
 * - Magnetization of the physical slice, and the tau-weighted ring average m_bar whose variance
 *   gives the (Kubo) susceptibility chi = beta N Var(m_bar).
 */
import { HIDDEN, unitAdjacency, type Dbm } from '../dbm/network.ts';
import { diagonalEnergy, type Tfim } from '../model/hamiltonian.ts';
import { logCosh } from '../util/log-cosh.ts';
import type { JointGraph } from './joint-graph.ts';

/** Re-exported for older callers; the definition lives in util/log-cosh.ts. */
export { logCosh };

/** Most bond units of a deep spin whose exp(field) is tabulated by {@link WorldlineEnergy}. */
const EXP_TABLE_MAX_DEGREE = 8;

/** Evaluates E_loc for either copy of the inner units. */
export class LocalEnergy {
  private readonly N: number;
  /** Per physical site: its couplings to units that are not summed (CSR), as DBM unit indices. */
  private readonly dStart: Int32Array;
  private readonly dUnit: Int32Array;
  private readonly dW: Float64Array;
  /** Per physical site: its couplings to summed units, as indices into `hid`. */
  private readonly hStart: Int32Array;
  private readonly hIdx: Int32Array;
  private readonly hW: Float64Array;
  /** Summed units (touching the physical layer), with their own couplings (CSR over `hid`). */
  private readonly hid: Int32Array;
  private readonly hidStart: Int32Array;
  private readonly hidUnit: Int32Array;
  private readonly hidW: Float64Array;
  private readonly theta: Float64Array;

  constructor(readonly dbm: Dbm, readonly ham: Tfim, readonly graph: JointGraph) {
    const N = (this.N = dbm.nSites);
    if (ham.nSites !== N) throw new Error(`network has ${N} sites, model has ${ham.nSites}`);
    const adj = unitAdjacency(dbm);
    // Summed units: hidden units touching a physical unit, plus deep ones that touch no other
    // candidate, so that all are conditionally independent given the rest.
    const candidate = new Uint8Array(dbm.nUnits);
    for (let i = 0; i < N; i++) for (const [v] of adj[i]) if (v >= 2 * N) candidate[v] = 1;
    const summed = new Uint8Array(dbm.nUnits);
    for (let v = 0; v < dbm.nUnits; v++) {
      if (!candidate[v]) continue;
      summed[v] = dbm.layer[v] === HIDDEN || adj[v].every(([w]) => !candidate[w]) ? 1 : 0;
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
        if (summed[v]) {
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
    const reads = new Set<number>();
    for (let c = 0; c < 2; c++) {
      for (const u of [...this.dUnit, ...this.hidUnit]) reads.add(graph.unitNode[c][u]);
    }
    this.readsNodes = Int32Array.from(reads);
  }

  /** Joint-graph nodes this estimator reads (besides the physical ones). */
  readonly readsNodes: Int32Array;

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

/**
 * Local energy of an analytic (Trotter) network with every deep spin summed out: given the sampled
 * bond units, the deep spins s^1_i .. s^{n-1}_i of one site form a 1D Ising chain between the fixed
 * ends s^0_i (physical) and s^n_i (ancilla), so Psi(s, a, bonds) and the flip ratios R_i follow
 * from a two-state transfer-matrix product per site (Rao–Blackwellization of LocalEnergy over all
 * deep units; still unbiased, since the deep spins' conditional law given (s, a, bonds) is exactly
 * that chain). Cost ~ N n per evaluation, about one sweep; the variance of E_loc drops by an order
 * of magnitude, which is what makes the two-copy specific heat usable at low T.
 */
export class WorldlineEnergy {
  private readonly N: number;
  private readonly n: number;
  /** e^{K} and e^{-K} of the link between slices k and k+1 of site i, at [i * n + k]. */
  private readonly eK: Float64Array;
  private readonly eKinv: Float64Array;
  /** Field CSR per (copy, site, slice k = 1..n-1): bias of the deep unit + sum over its bond units. */
  private readonly deepBias: Float64Array;
  private readonly fStart: Int32Array;
  private readonly fUnit: Int32Array;
  private readonly fW: Float64Array;
  /**
   * exp(theta) of each deep spin's field for every sign pattern of its bond units (bit r set when
   * bond unit r of its row is +1), at expTable[expStart[row] + pattern]; rows with the same bias
   * and weights share one table (every slice of a site on a homogeneous lattice), -1: no table
   * (more than {@link EXP_TABLE_MAX_DEGREE} bond units; exp() per evaluation). Each entry is
   * Math.exp of theta summed in the same order as the direct path, so both give the same bits;
   * the table replaces an exp() per site and slice, the largest cost of an evaluation.
   */
  private readonly expStart: Int32Array;
  private readonly expTable: Float64Array;
  /** Slice-0 part: per site, its bond units (summed in closed form) as in LocalEnergy. */
  private readonly hStart: Int32Array;
  private readonly hUnit: Int32Array;
  private readonly hW: Float64Array;
  private readonly hidStart: Int32Array;
  private readonly hidUnit: Int32Array;
  private readonly hidW: Float64Array;
  private readonly hidBias: Float64Array;
  /** Joint-graph nodes this estimator reads (besides the physical ones). */
  readonly readsNodes: Int32Array;

  constructor(readonly dbm: Dbm, readonly ham: Tfim, readonly graph: JointGraph) {
    const t = dbm.trotter;
    if (!t) throw new Error('WorldlineEnergy needs an analytic (Trotter) network');
    const N = (this.N = dbm.nSites);
    const n = (this.n = t.slices);
    if (ham.nSites !== N) throw new Error(`network has ${N} sites, model has ${ham.nSites}`);
    const adj = unitAdjacency(dbm);
    const unitAt = (k: number, i: number) => t.sliceUnits[k * N + i];
    this.eK = new Float64Array(N * n);
    this.eKinv = new Float64Array(N * n);
    for (let i = 0; i < N; i++) {
      for (let k = 0; k < n; k++) {
        const link = adj[unitAt(k, i)].find(([v]) => v === unitAt(k + 1, i));
        if (!link) throw new Error(`no link between slices ${k} and ${k + 1} at site ${i}`);
        this.eK[i * n + k] = Math.exp(link[1]);
        this.eKinv[i * n + k] = Math.exp(-link[1]);
      }
    }
    const fs = [0];
    const fu: number[] = [];
    const fw: number[] = [];
    this.deepBias = new Float64Array(N * n);
    for (let i = 0; i < N; i++) {
      for (let k = 1; k < n; k++) {
        const u = unitAt(k, i);
        this.deepBias[i * n + k] = dbm.bias[u];
        for (const [v, w] of adj[u]) {
          if (v === unitAt(k - 1, i) || v === unitAt(k + 1, i)) continue;
          if (dbm.layer[v] !== HIDDEN) throw new Error(`deep unit ${u} has an unexpected non-hidden neighbour ${v}`);
          fu.push(v);
          fw.push(w);
        }
        fs.push(fu.length);
      }
    }
    this.fStart = Int32Array.from(fs);
    this.fUnit = Int32Array.from(fu);
    this.fW = Float64Array.from(fw);
    this.expStart = new Int32Array(N * (n - 1 > 0 ? n - 1 : 0)).fill(-1);
    const expOffset = new Map<string, number>();
    const expEntries: number[] = [];
    for (let i = 0; i < N; i++) {
      for (let k = 1; k < n; k++) {
        const row = i * (n - 1) + (k - 1);
        const r0 = fs[row];
        const deg = fs[row + 1] - r0;
        if (deg > EXP_TABLE_MAX_DEGREE) continue;
        const bias = this.deepBias[i * n + k];
        const key = [bias, ...fw.slice(r0, r0 + deg)].join(',');
        let off = expOffset.get(key);
        if (off === undefined) {
          off = expEntries.length;
          expOffset.set(key, off);
          for (let pat = 0; pat < 1 << deg; pat++) {
            let th = bias;
            for (let r = 0; r < deg; r++) th += fw[r0 + r] * ((pat >> r) & 1 ? 1 : -1);
            expEntries.push(Math.exp(th));
          }
        }
        this.expStart[row] = off;
      }
    }
    this.expTable = Float64Array.from(expEntries);
    const hs = [0];
    const hu: number[] = [];
    const hw: number[] = [];
    const hid: number[] = [];
    const hidPos = new Map<number, number>();
    for (let i = 0; i < N; i++) {
      for (const [v, w] of adj[i]) {
        if (v === unitAt(1, i)) continue;
        if (dbm.layer[v] !== HIDDEN) throw new Error(`physical unit ${i} has an unexpected neighbour ${v}`);
        if (!hidPos.has(v)) {
          hidPos.set(v, hid.length);
          hid.push(v);
        }
        hu.push(hidPos.get(v)!);
        hw.push(w);
      }
      hs.push(hu.length);
    }
    this.hStart = Int32Array.from(hs);
    this.hUnit = Int32Array.from(hu);
    this.hW = Float64Array.from(hw);
    const gs = [0];
    const gu: number[] = [];
    const gw: number[] = [];
    for (const h of hid) {
      for (const [v, w] of adj[h]) {
        gu.push(v);
        gw.push(w);
      }
      gs.push(gu.length);
    }
    this.hidStart = Int32Array.from(gs);
    this.hidUnit = Int32Array.from(gu);
    this.hidW = Float64Array.from(gw);
    this.hidBias = Float64Array.from(hid, (h) => dbm.bias[h]);
    const reads = new Set<number>();
    for (let c = 0; c < 2; c++) {
      for (const u of this.fUnit) reads.add(graph.unitNode[c][u]);
      for (let i = 0; i < N; i++) reads.add(N + i);
    }
    this.readsNodes = Int32Array.from(reads);
  }

  /** E_loc for copy `c` (0 or 1) of the bond units in joint configuration x; energy units of J. */
  eval(x: Int8Array, c: 0 | 1): number {
    const { N, n, eK, eKinv, deepBias, fStart, fUnit, fW, expStart, expTable, hStart, hUnit, hW, hidStart, hidUnit, hidW, hidBias, dbm } = this;
    const node = this.graph.unitNode[c];
    let sumR = 0;
    for (let i = 0; i < N; i++) {
      const s = x[i];
      const a = x[N + i];
      const base = i * n;
      // Unnormalized weights (p, q) of s^k_i = +1, -1 summed over slices k..n-1, from the ancilla end.
      let p = a > 0 ? eK[base + n - 1] : eKinv[base + n - 1];
      let q = a > 0 ? eKinv[base + n - 1] : eK[base + n - 1];
      for (let k = n - 1; k >= 1; k--) {
        const row = i * (n - 1) + (k - 1);
        const t0 = expStart[row];
        let et: number;
        if (t0 >= 0) {
          let pat = 0;
          const r0 = fStart[row];
          for (let r = r0; r < fStart[row + 1]; r++) pat |= ((x[node[fUnit[r]]] + 1) >> 1) << (r - r0);
          et = expTable[t0 + pat];
        } else {
          let th = deepBias[base + k];
          for (let r = fStart[row]; r < fStart[row + 1]; r++) th += fW[r] * x[node[fUnit[r]]];
          et = Math.exp(th);
        }
        p *= et;
        q /= et;
        if (k > 1) {
          const ek = eK[base + k - 1];
          const eki = eKinv[base + k - 1];
          const np = ek * p + eki * q;
          const nq = eki * p + ek * q;
          const m = np > nq ? np : nq;
          p = np / m;
          q = nq / m;
        }
      }
      // With n = 1 the chain is empty and (p, q) is the link to the ancilla itself.
      let ratio: number;
      if (n === 1) ratio = s > 0 ? q / p : p / q;
      else {
        const ek = eK[base];
        const eki = eKinv[base];
        ratio = s > 0 ? (eki * p + ek * q) / (ek * p + eki * q) : (ek * p + eki * q) / (eki * p + ek * q);
      }
      let logR = -2 * s * dbm.bias[i];
      for (let r = hStart[i]; r < hStart[i + 1]; r++) {
        const h = hUnit[r];
        let th = hidBias[h];
        for (let g = hidStart[h]; g < hidStart[h + 1]; g++) th += hidW[g] * x[node[hidUnit[g]]];
        logR += logCosh(th - 2 * hW[r] * s) - logCosh(th);
      }
      sumR += ratio * Math.exp(logR);
    }
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

