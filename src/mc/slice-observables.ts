/**
 * Equal-time magnetic observables measured on every valid imaginary-time slice of the ring (the
 * improved estimators of docs/design.md, "Critical points"): per configuration, the slice averages of
 * m_k^2, m_k^4 and |m_k| (m_k = sum_i sz_i / N on ring slice k), the correlation function C(r) and
 * the static structure factor S(q) along the lattice axes.
 *
 * Which slices are valid: for the symmetric (second-order) split every one of the 2n ring slices
 * carries the same couplings (the two half steps at s and at a add up to a full one, links are K
 * everywhere), so the ring is homogeneous in imaginary time and each slice's distribution is the
 * physical slice's: the average over slices is an unbiased estimator of the same Trotterized
 * <m^2>, with a much smaller variance. The first-order split and trained networks are not
 * homogeneous: only the physical slice (k = 0) is used there.
 *
 * Geometry (periodic chain, square and triangular lattices; site i = x + Lx y, lattice.ts):
 *   C(r) = (1/N) sum_i sz_i sz_{i + r a},   r = 0 .. floor(L/2),
 *   S(q) = (1/N) |sum_j sz_j e^{i q x_j}|^2 = (1/N) |sum_x M_x e^{i q x}|^2,   q = 2 pi k / L,
 * with M_x the sum of the spins of column x along axis a; averaged over a = a1 and, when Lx = Ly,
 * a2 (equivalent by the point group on the square and triangular lattices). S(0) = N m^2.
 * S(q) is a direct DFT of the L column sums (O(L^2) per slice, less than the O(N) pass that forms
 * them): sizes such as L = 12 or 24 are not powers of two, which fft.js requires. C(r) and S(q)
 * are evaluated on at most `maxCorrSlices` evenly spaced slices (neighbouring slices are strongly
 * correlated in imaginary time, so more would cost time and add little information). Open
 * lattices and graphs get m moments only.
 */
import type { Dbm } from '../dbm/network.ts';
import type { Lattice } from '../model/lattice.ts';
import type { JointGraph } from './joint-graph.ts';

/** Per-configuration outputs of {@link SliceObservables.measure} (preallocated, overwritten). */
export interface SliceSample {
  m2: number;
  m4: number;
  mAbs: number;
  /** C(r), r = 0 .. nr - 1 (empty without a translation axis). */
  corr: Float64Array;
  /** S(q_k), k = 0 .. nq - 1. */
  sq: Float64Array;
}

export class SliceObservables {
  /** Joint-graph node of site i on measured slice k at slices[k * N + i]. */
  private readonly slices: Int32Array;
  private readonly nSlices: number;
  private readonly corrSlice: Uint8Array;
  /** Per axis a and distance r: the site r steps along a from site i, at shift[(a * nr + r) * N + i]. */
  private readonly shift: Int32Array;
  /** Column of site i along axis a at column[a * N + i] (its coordinate x or y). */
  private readonly column: Int32Array;
  private readonly cosT: Float64Array;
  private readonly sinT: Float64Array;
  private readonly spins: Float64Array;
  private readonly colSum: Float64Array;
  readonly N: number;
  readonly nr: number;
  readonly nq: number;
  readonly L: number;
  private readonly axes: number;
  readonly out: SliceSample;
  /** True when every ring slice is used (homogeneous ring), false for the physical slice only. */
  readonly allSlices: boolean;

  /**
   * Observables of a network's configurations: every ring slice of a second-order analytic network,
   * else the physical slice only (see the module comment). `x` of {@link measure} is then the
   * joint-graph state.
   */
  static forNetwork(dbm: Dbm, lattice: Lattice, graph: JointGraph, maxCorrSlices = 16): SliceObservables {
    const N = dbm.nSites;
    const t = dbm.trotter;
    const allSlices = Boolean(t && t.order === 2);
    const list: number[] = [];
    if (t && allSlices) {
      const n = t.slices;
      // Ring order as in RingObservables: copy 0 slices 0..n, then copy 1 slices n-1..1.
      for (let k = 0; k < 2 * n; k++) {
        const slice = k <= n ? k : 2 * n - k;
        const copy = k <= n ? 0 : 1;
        for (let i = 0; i < N; i++) list.push(graph.unitNode[copy][t.sliceUnits[slice * N + i]]);
      }
    } else for (let i = 0; i < N; i++) list.push(i);
    return new SliceObservables(lattice, Int32Array.from(list), allSlices, maxCorrSlices);
  }

  /**
   * Observables of spins on `times` imaginary times stored time-major, x[g N + i] (the grid of a
   * continuous-time ring, mc/continuous-ring.ts): every time carries the thermal distribution.
   */
  static forGrid(lattice: Lattice, times: number, maxCorrSlices = 16): SliceObservables {
    const N = lattice.nSites;
    return new SliceObservables(lattice, Int32Array.from({ length: times * N }, (_, k) => k), true, maxCorrSlices);
  }

  /** `slices[k N + i]`: the index in a configuration of site i on measured slice k. */
  private constructor(lattice: Lattice, slices: Int32Array, allSlices: boolean, maxCorrSlices: number) {
    const N = (this.N = lattice.nSites);
    this.allSlices = allSlices;
    this.slices = slices;
    const R = (this.nSlices = slices.length / N);
    this.corrSlice = new Uint8Array(R);
    const stride = Math.max(1, Math.ceil(R / maxCorrSlices));
    for (let k = 0; k < R; k += stride) this.corrSlice[k] = 1;

    const periodic = lattice.boundary === 'periodic' && lattice.kind !== 'graph' && lattice.translations.length > 0;
    const Lx = lattice.size[0];
    const Ly = lattice.size.length > 1 ? lattice.size[1] : 1;
    this.L = periodic ? Lx : 0;
    this.axes = !periodic ? 0 : lattice.translations.length > 1 && Lx === Ly ? 2 : 1;
    this.nr = periodic ? Math.floor(Lx / 2) + 1 : 0;
    this.nq = this.nr;
    this.shift = new Int32Array(this.axes * this.nr * N);
    this.column = new Int32Array(this.axes * N);
    for (let a = 0; a < this.axes; a++) {
      const perm = lattice.translations[a].perm;
      for (let i = 0; i < N; i++) {
        this.column[a * N + i] = a === 0 ? i % Lx : Math.floor(i / Lx);
        let j = i;
        for (let r = 0; r < this.nr; r++) {
          this.shift[(a * this.nr + r) * N + i] = j;
          j = perm[j];
        }
      }
    }
    this.cosT = new Float64Array(this.nq * Math.max(1, this.L));
    this.sinT = new Float64Array(this.nq * Math.max(1, this.L));
    for (let k = 0; k < this.nq; k++) {
      for (let x = 0; x < this.L; x++) {
        const ph = (2 * Math.PI * k * x) / this.L;
        this.cosT[k * this.L + x] = Math.cos(ph);
        this.sinT[k * this.L + x] = Math.sin(ph);
      }
    }
    this.spins = new Float64Array(N);
    this.colSum = new Float64Array(Math.max(1, this.L));
    this.out = { m2: 0, m4: 0, mAbs: 0, corr: new Float64Array(this.nr), sq: new Float64Array(this.nq) };
  }

  /** Wave numbers q_k = 2 pi k / L of `out.sq`, along a1 (lattice spacing 1). */
  wavenumbers(): number[] {
    return Array.from({ length: this.nq }, (_, k) => (2 * Math.PI * k) / this.L);
  }

  /** The slice average of m_k^2 alone (the m2 of {@link measure}, without C(r) and S(q)). */
  sliceM2(x: Int8Array): number {
    const { N, slices, nSlices } = this;
    let m2 = 0;
    for (let k = 0; k < nSlices; k++) {
      const base = k * N;
      let m = 0;
      for (let i = 0; i < N; i++) m += x[slices[base + i]];
      m /= N;
      m2 += m * m;
    }
    return m2 / nSlices;
  }

  /** Measures configuration x into `this.out` (no allocation). */
  measure(x: Int8Array): SliceSample {
    const { N, slices, nSlices, spins, shift, column, colSum, cosT, sinT, nr, nq, L, axes, out } = this;
    let m2 = 0;
    let m4 = 0;
    let mAbs = 0;
    out.corr.fill(0);
    out.sq.fill(0);
    let nCorr = 0;
    for (let k = 0; k < nSlices; k++) {
      const base = k * N;
      let m = 0;
      for (let i = 0; i < N; i++) m += x[slices[base + i]];
      m /= N;
      const mm = m * m;
      m2 += mm;
      m4 += mm * mm;
      mAbs += Math.abs(m);
      if (axes === 0 || !this.corrSlice[k]) continue;
      nCorr++;
      for (let i = 0; i < N; i++) spins[i] = x[slices[base + i]];
      for (let a = 0; a < axes; a++) {
        for (let r = 0; r < nr; r++) {
          const off = (a * nr + r) * N;
          let c = 0;
          for (let i = 0; i < N; i++) c += spins[i] * spins[shift[off + i]];
          out.corr[r] += c / N;
        }
        colSum.fill(0);
        for (let i = 0; i < N; i++) colSum[column[a * N + i]] += spins[i];
        for (let q = 0; q < nq; q++) {
          let re = 0;
          let im = 0;
          for (let c = 0; c < L; c++) {
            re += colSum[c] * cosT[q * L + c];
            im += colSum[c] * sinT[q * L + c];
          }
          out.sq[q] += (re * re + im * im) / N;
        }
      }
    }
    out.m2 = m2 / nSlices;
    out.m4 = m4 / nSlices;
    out.mAbs = mAbs / nSlices;
    const norm = nCorr * axes;
    if (norm > 0) {
      for (let r = 0; r < nr; r++) out.corr[r] /= norm;
      for (let q = 0; q < nq; q++) out.sq[q] /= norm;
    }
    return out;
  }
}
