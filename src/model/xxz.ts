/**
 * The XXZ family (Heisenberg, XXZ, J1-J2) with spin-1/2 operators S = sigma/2, k_B = 1:
 *   H = sum_<ij> J w_ij [Delta Sz_i Sz_j + Sx_i Sx_j + Sy_i Sy_j] + sum_<<ij>> J2 w_ij S_i.S_j - h sum_i Sz_i.
 * J > 0 is antiferromagnetic. Each coupling class is a set of distinct pairs (lattice.ts); a pair in
 * both classes (tiny lattices) carries the sum of both couplings.
 *
 * In the sz basis (s_i = ±1, Sz_i = s_i / 2), with Sx Sx + Sy Sy = (S+ S- + S- S+)/2:
 *   diagonal   sum_p Jz_p s_i s_j / 4 - (h/2) sum_i s_i,
 *   connected  for each pair with s_i = -s_j: both spins flipped, element Jxy_p / 2,
 * where Jz_p = J Delta w (nearest) or J2 w (second), Jxy_p = J w or J2 w.
 */
import { distinctBonds, makeLattice, preservesPairs, type Lattice } from './lattice.ts';
import type { ModelSpec, XxzSpec } from './model.ts';
import type { ModelHamiltonian } from './operator.ts';

/** The XXZ Hamiltonian as data: one entry per distinct coupled pair. */
export interface Xxz extends ModelHamiltonian {
  readonly kind: 'xxz';
  readonly spec: XxzSpec;
  /** Pair p couples sites pairI[p] < pairJ[p] with Jz[p] Sz Sz + Jxy[p] (Sx Sx + Sy Sy). */
  readonly pairI: Int32Array;
  readonly pairJ: Int32Array;
  readonly jz: Float64Array;
  readonly jxy: Float64Array;
}

/** The XXZ Hamiltonian of a validated model of kind "xxz" (or "heisenberg", read as xxz). */
export function makeXxz(model: ModelSpec): Xxz {
  const spec = model.hamiltonian;
  if (spec.kind !== 'xxz') throw new Error(`makeXxz: model kind is ${spec.kind}`);
  return xxzOnLattice(makeLattice(model.lattice), spec, model.name);
}

/** {@link makeXxz} on an already built lattice. */
export function xxzOnLattice(lattice: Lattice, spec: XxzSpec, name = 'xxz'): Xxz {
  const n = lattice.nSites;
  const nn = distinctBonds(lattice);
  const nnn = lattice.bonds2;
  // Merge the two classes by pair, so that each connected state appears once.
  const index = new Map<number, number>();
  const I: number[] = [];
  const Jp: number[] = [];
  const jz: number[] = [];
  const jxy: number[] = [];
  const add = (i: number, j: number, z: number, xy: number) => {
    const key = Math.min(i, j) * n + Math.max(i, j);
    let p = index.get(key);
    if (p === undefined) {
      index.set(key, (p = I.length));
      I.push(Math.min(i, j));
      Jp.push(Math.max(i, j));
      jz.push(0);
      jxy.push(0);
    }
    jz[p] += z;
    jxy[p] += xy;
  };
  for (let b = 0; b < nn.I.length; b++) add(nn.I[b], nn.J[b], spec.J * spec.Delta * nn.W[b], spec.J * nn.W[b]);
  if (spec.J2 !== 0) for (let b = 0; b < nnn.I.length; b++) add(nnn.I[b], nnn.J[b], spec.J2 * nnn.W[b], spec.J2 * nnn.W[b]);
  const pairI = Int32Array.from(I);
  const pairJ = Int32Array.from(Jp);
  const Jz = Float64Array.from(jz);
  const Jxy = Float64Array.from(jxy);
  const hop = [];
  for (let p = 0; p < pairI.length; p++) if (Jxy[p] !== 0) hop.push(p);
  const hops = Int32Array.from(hop);
  const h = spec.h;
  let norm = (n * Math.abs(h)) / 2;
  for (let p = 0; p < pairI.length; p++) norm += Math.abs(Jz[p]) / 4 + Math.abs(Jxy[p]) / 2;
  const classes = [{ I: pairI, J: pairJ, W: Jz }, { I: pairI, J: pairJ, W: Jxy }];
  return {
    kind: 'xxz', spec: { ...spec }, name, lattice, nSites: n, convention: 'spin-1/2', maxConnected: hops.length,
    conservesSz: true, field: h, magnetizationUnit: 0.5, normBound: norm,
    pairI, pairJ, jz: Jz, jxy: Jxy,
    diagonal(s, offset) {
      let e = 0;
      for (let p = 0; p < pairI.length; p++) e += Jz[p] * s[offset + pairI[p]] * s[offset + pairJ[p]];
      e *= 0.25;
      if (h !== 0) {
        let m = 0;
        for (let i = 0; i < n; i++) m += s[offset + i];
        e -= 0.5 * h * m;
      }
      return e;
    },
    connected(s, offset, siteA, siteB, amp) {
      let k = 0;
      for (let q = 0; q < hops.length; q++) {
        const p = hops[q];
        if (s[offset + pairI[p]] === s[offset + pairJ[p]]) continue;
        siteA[k] = pairI[p];
        siteB[k] = pairJ[p];
        amp[k] = 0.5 * Jxy[p];
        k++;
      }
      return k;
    },
    diagonalAt(x) {
      let e = 0;
      for (let p = 0; p < pairI.length; p++) {
        // s_i s_j = +1 when the two bits agree.
        e += (((x >>> pairI[p]) ^ (x >>> pairJ[p])) & 1) === 0 ? Jz[p] : -Jz[p];
      }
      e *= 0.25;
      if (h !== 0) {
        let down = 0;
        for (let y = x; y; y &= y - 1) down++;
        e -= 0.5 * h * (n - 2 * down);
      }
      return e;
    },
    connectedAt(x, states, amps) {
      let k = 0;
      for (let q = 0; q < hops.length; q++) {
        const p = hops[q];
        if ((((x >>> pairI[p]) ^ (x >>> pairJ[p])) & 1) === 0) continue;
        states[k] = x ^ ((1 << pairI[p]) | (1 << pairJ[p]));
        amps[k] = 0.5 * Jxy[p];
        k++;
      }
      return k;
    },
    isSymmetry: (perm) => preservesPairs(classes, perm),
  };
}
