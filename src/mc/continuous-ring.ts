/**
 * The dt -> 0 limit of the analytic network's ring: the transverse-field Ising model sampled in
 * continuous imaginary time, with no Trotter error.
 *
 * Why this is the same network. With the bond units traced out (mc/wolff.ts) the ring of 2n slices
 * is a classical Ising model: links K = -1/2 ln tanh(dt Gamma) between consecutive slices of a
 * site, couplings J_b dt within a slice, over a circle of length beta = 2n dt. A Fortuin–Kasteleyn
 * (Swendsen–Wang) decomposition cuts a link between equal spins with probability
 * e^{-2K} = tanh(dt Gamma) -> Gamma dt and always cuts a link between opposite spins (a kink), and
 * joins the two spins of a satisfied bond with probability 1 - e^{-2 |J_b| dt} -> 2 |J_b| dt.
 * As dt -> 0 these become Poisson processes: cuts of rate Gamma along each site's time line (plus
 * every kink), bond events of rate 2 |J_b| between two sites' lines. A configuration is then a list
 * of kink times per site; a Swendsen–Wang update draws the cuts and bond events, joins segments
 * (union-find), flips each cluster with probability 1/2, and keeps as kinks the cuts where the new
 * spins differ. (The continuous-time cluster algorithm of H. Rieger and N. Kawashima, Eur. Phys.
 * J. B 9, 233 (1999); the cost per update is the number of segments, about Gamma beta N plus the
 * kinks, independent of any time step.)
 *
 * Estimators (H = -sum_b J_b sz sz - Gamma sum sx, Pauli, h = 0). With n the number of kinks and
 * H_z(tau) the diagonal energy along imaginary time:
 *   E = -n / beta + (1/beta) int_0^beta H_z(tau) dtau,    <E> = <H>,
 *   C = beta^2 (Var E - <n> / beta^2)   (dE/dbeta at fixed configuration in scaled time is n/beta^2),
 * i.e. exactly the ring estimators e_ring and c_ring of the Trotter network (-d ln Z/d beta and
 * its derivative) in the limit. Equal-time moments of m (m^2, m^4, |m|, C(r), S(q)) are averaged
 * over a fixed grid of imaginary times (every time carries the same distribution, as every slice
 * of the symmetric ring does); the Kubo susceptibility uses the exact time integral of m.
 *
 * Layout: site i's configuration is its spin s0[i] on [0, t_0) and its sorted kink times
 * t_0 < t_1 < ... (an even number) in kinks[kinkStart[i] .. kinkStart[i+1]). A longitudinal field
 * would make cluster flips non-symmetric (a ghost spin or Metropolis acceptance); it is refused.
 */
import type { Tfim } from '../model/hamiltonian.ts';
import { InputError } from '../util/errors.ts';
import type { Rng } from './rng.ts';

/** The fixed part of a continuous-time ring: model couplings and beta (read-only, shared). */
export interface ContinuousRingConfig {
  N: number;
  beta: number;
  /** |Gamma|: rate of cuts along each time line. */
  gamma: number;
  bondI: Int32Array;
  bondJ: Int32Array;
  /** 2 |J_b|: rate of bond events. */
  bondRate: Float64Array;
  /** sign(J_b): a bond joins spins with s_i s_j sign(J_b) = +1. */
  bondSign: Int8Array;
  /** J_b itself (for the diagonal energy). */
  coupling: Float64Array;
}

/** The continuous-time ring configuration of `ham` at inverse temperature `beta` (h must be 0). */
export function continuousRingConfig(ham: Tfim, beta: number): ContinuousRingConfig {
  if (ham.h !== 0) throw new InputError('continuous imaginary time needs h = 0 (a longitudinal field breaks the cluster symmetry); use a Trotter step');
  if (!(Math.abs(ham.Gamma) > 0)) throw new InputError('Gamma = 0 is a classical model: use `pdbm exact`');
  if (!(beta > 0) || !Number.isFinite(beta)) throw new InputError(`beta must be positive and finite, got ${beta}`);
  const keep: number[] = [];
  for (let b = 0; b < ham.coupling.length; b++) if (ham.coupling[b] !== 0 && ham.bondI[b] !== ham.bondJ[b]) keep.push(b);
  return {
    N: ham.nSites, beta, gamma: Math.abs(ham.Gamma),
    bondI: Int32Array.from(keep, (b) => ham.bondI[b]),
    bondJ: Int32Array.from(keep, (b) => ham.bondJ[b]),
    bondRate: Float64Array.from(keep, (b) => 2 * Math.abs(ham.coupling[b])),
    bondSign: Int8Array.from(keep, (b) => Math.sign(ham.coupling[b])),
    coupling: Float64Array.from(keep, (b) => ham.coupling[b]),
  };
}

/** Initial capacity per site of the kink and cut buffers (they grow by doubling, rarely). */
const PER_SITE = 16;

/**
 * The state of one chain on a continuous-time ring and its Swendsen–Wang update. Buffers are
 * allocated once and grown by doubling when a configuration outgrows them (amortized: no
 * allocation in a steady-state update).
 */
export class ContinuousRing {
  readonly cfg: ContinuousRingConfig;
  private readonly rng: Rng;
  /** Spin of each site on [0, first kink). */
  readonly s0: Int8Array;
  /** kinks[kinkStart[i] .. kinkStart[i+1]): sorted kink times of site i. */
  kinkStart: Int32Array;
  kinks: Float64Array;
  private spareStart: Int32Array;
  private spare: Float64Array;
  // Update work arrays: cuts (segment starts) per site and each segment's spin and union-find parent.
  private readonly cutStart: Int32Array;
  private cuts: Float64Array;
  private segSpin: Int8Array;
  private parent: Int32Array;
  private flipOf: Int8Array;
  /** Segments processed (cuts), summed over updates: the unit-update count of this sampler. */
  updates = 0;

  constructor(cfg: ContinuousRingConfig, rng: Rng) {
    this.cfg = cfg;
    this.rng = rng;
    const N = cfg.N;
    this.s0 = new Int8Array(N);
    for (let i = 0; i < N; i++) this.s0[i] = rng.next() < 0.5 ? 1 : -1;
    this.kinkStart = new Int32Array(N + 1);
    this.spareStart = new Int32Array(N + 1);
    this.kinks = new Float64Array(PER_SITE * N);
    this.spare = new Float64Array(PER_SITE * N);
    this.cutStart = new Int32Array(N + 1);
    this.cuts = new Float64Array(2 * PER_SITE * N);
    this.segSpin = new Int8Array(2 * PER_SITE * N);
    this.parent = new Int32Array(2 * PER_SITE * N);
    this.flipOf = new Int8Array(2 * PER_SITE * N);
  }

  /** Total number of kinks (sx insertions) of the configuration. */
  kinkCount(): number {
    return this.kinkStart[this.cfg.N];
  }

  private growCuts(): void {
    const n = this.cuts.length * 2;
    const c = new Float64Array(n);
    c.set(this.cuts);
    this.cuts = c;
    const s = new Int8Array(n);
    s.set(this.segSpin);
    this.segSpin = s;
    this.parent = new Int32Array(n);
    this.flipOf = new Int8Array(n);
  }

  /** An exponential waiting time of rate `rate` (from a uniform in (0, 1]). */
  private wait(rate: number): number {
    return -Math.log(1 - this.rng.next()) / rate;
  }

  /** One Swendsen–Wang update of the whole ring (see the module comment). */
  sweep(): void {
    const { N, beta, gamma, bondI, bondJ, bondRate, bondSign } = this.cfg;
    const { s0, kinkStart, kinks, cutStart, rng } = this;
    // 1. Cuts: every kink, plus a Poisson process of rate Gamma; a site with no cut gets one at 0
    // (one segment covering the whole circle), so that segments and cuts are the same list.
    // Segment q of a site starts at cuts[q] and ends at the next cut, the last one wrapping around
    // through tau = 0; segSpin[q] is its spin.
    let p = 0;
    for (let i = 0; i < N; i++) {
      cutStart[i] = p;
      let spin = s0[i];
      let k = kinkStart[i];
      const kEnd = kinkStart[i + 1];
      let t = this.wait(gamma);
      while (k < kEnd || t < beta) {
        if (p >= this.cuts.length) this.growCuts();
        if (k < kEnd && kinks[k] <= t) {
          spin = -spin;
          this.cuts[p] = kinks[k++];
        } else {
          this.cuts[p] = t;
          t += this.wait(gamma);
        }
        this.segSpin[p++] = spin;
      }
      if (p === cutStart[i]) {
        if (p >= this.cuts.length) this.growCuts();
        this.cuts[p] = 0;
        this.segSpin[p++] = spin;
      }
    }
    cutStart[N] = p;
    this.updates += p;
    const { cuts, segSpin, parent } = this;
    for (let q = 0; q < p; q++) parent[q] = q;
    // 2. Bond events: Poisson of rate 2|J_b| on [0, beta); each joins the two segments it touches
    // when their spins satisfy the bond. Events come in time order, so each site's segment is found
    // by advancing a pointer (q < start means "before the first cut": the wrapping last segment).
    for (let b = 0; b < bondI.length; b++) {
      const rate = bondRate[b];
      let t = this.wait(rate);
      if (t >= beta) continue;
      const i0 = cutStart[bondI[b]];
      const i1 = cutStart[bondI[b] + 1];
      const j0 = cutStart[bondJ[b]];
      const j1 = cutStart[bondJ[b] + 1];
      let qi = i0 - 1;
      let qj = j0 - 1;
      const sign = bondSign[b];
      while (t < beta) {
        while (qi + 1 < i1 && cuts[qi + 1] <= t) qi++;
        while (qj + 1 < j1 && cuts[qj + 1] <= t) qj++;
        const a = qi < i0 ? i1 - 1 : qi;
        const c = qj < j0 ? j1 - 1 : qj;
        if (segSpin[a] * segSpin[c] * sign > 0) {
          // Union-find with path halving.
          let ra = a;
          while (parent[ra] !== ra) ra = parent[ra] = parent[parent[ra]];
          let rc = c;
          while (parent[rc] !== rc) rc = parent[rc] = parent[parent[rc]];
          if (ra !== rc) {
            if (ra < rc) parent[rc] = ra;
            else parent[ra] = rc;
          }
        }
        t += this.wait(rate);
      }
    }
    // 3. Flip each cluster with probability 1/2. Unions hang the larger root under the smaller and
    // path halving only moves links to ancestors, so parent[q] <= q and a cluster's root is its
    // smallest segment: in increasing order a root is met (and draws its bit) before the rest.
    const flipOf = this.flipOf;
    let bits = 0;
    let left = 0;
    for (let q = 0; q < p; q++) {
      let r = q;
      while (parent[r] !== r) r = parent[r] = parent[parent[r]];
      if (r === q) {
        if (left === 0) {
          bits = rng.nextUint32();
          left = 32;
        }
        flipOf[q] = bits & 1 ? -1 : 1;
        bits >>>= 1;
        left--;
      }
      segSpin[q] *= flipOf[r];
    }
    // 4. New kinks: the cuts where the spin changes; s0 is the spin of the segment over tau = 0.
    const spareStart = this.spareStart;
    let w = 0;
    for (let i = 0; i < N; i++) {
      spareStart[i] = w;
      const a = cutStart[i];
      const e = cutStart[i + 1];
      // The last segment wraps through tau = 0. (A cut at exactly 0 is only the placeholder of a
      // site without cuts: one segment, never a kink.)
      let prev = segSpin[e - 1];
      s0[i] = prev;
      for (let q = a; q < e; q++) {
        if (segSpin[q] !== prev) {
          if (w >= this.spare.length) {
            const s = new Float64Array(this.spare.length * 2);
            s.set(this.spare);
            this.spare = s;
          }
          this.spare[w++] = cuts[q];
        }
        prev = segSpin[q];
      }
    }
    spareStart[N] = w;
    // Double buffering: the new configuration becomes current, the old one the next spare.
    const ks = this.kinkStart;
    this.kinkStart = spareStart;
    this.spareStart = ks;
    const kb = this.kinks;
    this.kinks = this.spare;
    this.spare = kb;
  }

  /**
   * The time average of the diagonal energy, (1/beta) int_0^beta H_z(tau) dtau, with
   * H_z = -sum_b J_b sz_i sz_j (units of J): per bond, a merge of the two sites' kink lists.
   */
  diagonalEnergy(): number {
    const { beta, bondI, bondJ, coupling } = this.cfg;
    const { s0, kinkStart, kinks } = this;
    let e = 0;
    for (let b = 0; b < bondI.length; b++) {
      const i = bondI[b];
      const j = bondJ[b];
      let ki = kinkStart[i];
      const ei = kinkStart[i + 1];
      let kj = kinkStart[j];
      const ej = kinkStart[j + 1];
      let prod = s0[i] * s0[j];
      let t = 0;
      let acc = 0;
      // Walk the union of both kink lists; the product flips at each kink of either site.
      while (ki < ei || kj < ej) {
        const ti = ki < ei ? kinks[ki] : Infinity;
        const tj = kj < ej ? kinks[kj] : Infinity;
        const next = ti < tj ? ti : tj;
        acc += prod * (next - t);
        t = next;
        prod = -prod;
        if (ti < tj) ki++;
        else kj++;
      }
      acc += prod * (beta - t);
      e -= coupling[b] * acc;
    }
    return e / beta;
  }

  /**
   * Spins on a grid of M imaginary times tau_g = (g + 1/2) beta / M into grid[g N + i] (+-1), and
   * the time-averaged magnetization (1/(N beta)) sum_i int_0^beta s_i(tau) dtau as the result.
   */
  gridSpins(grid: Int8Array, M: number): number {
    const { N, beta } = this.cfg;
    const { s0, kinkStart, kinks } = this;
    const step = beta / M;
    let total = 0;
    for (let i = 0; i < N; i++) {
      let spin = s0[i];
      let k = kinkStart[i];
      const e = kinkStart[i + 1];
      let t = 0;
      let acc = 0;
      for (let g = 0; g < M; g++) {
        const tg = (g + 0.5) * step;
        while (k < e && kinks[k] <= tg) {
          acc += spin * (kinks[k] - t);
          t = kinks[k++];
          spin = -spin;
        }
        grid[g * N + i] = spin;
      }
      while (k < e) {
        acc += spin * (kinks[k] - t);
        t = kinks[k++];
        spin = -spin;
      }
      acc += spin * (beta - t);
      total += acc;
    }
    return total / (N * beta);
  }
}
