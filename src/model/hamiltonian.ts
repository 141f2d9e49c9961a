/**
 * The transverse-field Ising model H = - sum_b J_b sz_i sz_j - Gamma sum_i sx_i - h sum_i sz_i
 * with Pauli matrices (eigenvalues +-1), k_B = 1.
 *
 * Basis convention, used everywhere: in a basis-state index x, bit i = 1 means sz_i = -1 (bit 0 is
 * sz_i = +1). Spin configurations as arrays are Int8Array of +-1.
 */
import { InputError } from '../util/errors.ts';
import { makeLattice, preservesPairs, type Lattice } from './lattice.ts';
import type { ModelSpec } from './model.ts';
import type { ModelHamiltonian } from './operator.ts';

export interface Tfim {
  name: string;
  lattice: Lattice;
  nSites: number;
  J: number;
  Gamma: number;
  h: number;
  /** Bond b couples sites bondI[b], bondJ[b] with J_b = J * w_b. */
  bondI: Int32Array;
  bondJ: Int32Array;
  coupling: Float64Array;
}

/**
 * The TFIM of a validated model. A model of another kind is an InputError (the Monte Carlo
 * methods built on these fields are TFIM-only); use makeHamiltonian for any kind.
 */
export function makeTfim(model: ModelSpec): Tfim {
  const spec = model.hamiltonian;
  if (spec.kind !== 'tfim') {
    throw new InputError(`model.hamiltonian.kind: "${spec.kind}" is not supported here (transverse-field Ising only)`);
  }
  const lattice = makeLattice(model.lattice);
  const { J, Gamma, h } = spec;
  return {
    name: model.name, lattice, nSites: lattice.nSites, J, Gamma, h,
    bondI: lattice.bondI, bondJ: lattice.bondJ, coupling: lattice.bondW.map((w) => J * w),
  };
}

/** Diagonal part H_z(s) = -sum J_b s_i s_j - h sum s_i of a +-1 configuration (energy units of J). */
export function diagonalEnergy(ham: Tfim, s: Int8Array | Float64Array, offset = 0): number {
  let e = 0;
  for (let b = 0; b < ham.coupling.length; b++) e -= ham.coupling[b] * s[offset + ham.bondI[b]] * s[offset + ham.bondJ[b]];
  if (ham.h !== 0) {
    let m = 0;
    for (let i = 0; i < ham.nSites; i++) m += s[offset + i];
    e -= ham.h * m;
  }
  return e;
}

/** H_z of every basis state x (bit i = 1 means sz_i = -1); length 2^N, so N <= 26. */
export function diagonalEnergies(ham: Tfim): Float64Array {
  const n = ham.nSites;
  if (n > 26) throw new RangeError(`diagonalEnergies: 2^${n} states is too many`);
  const dim = 2 ** n;
  const out = new Float64Array(dim);
  for (let x = 0; x < dim; x++) out[x] = diagonalAtIndex(ham, x);
  return out;
}

/** y = H x on the full 2^N space, given `diag` from {@link diagonalEnergies}. */
export function applyTfim(ham: Tfim, diag: Float64Array, x: Float64Array, y: Float64Array): void {
  const n = ham.nSites;
  const g = -ham.Gamma;
  for (let s = 0; s < diag.length; s++) {
    let acc = diag[s] * x[s];
    if (g !== 0) for (let i = 0; i < n; i++) acc += g * x[s ^ (1 << i)];
    y[s] = acc;
  }
}

/** <x|H_z|x> for one basis state (bit i = 1 means sz_i = -1). */
function diagonalAtIndex(ham: Tfim, x: number): number {
  let e = 0;
  for (let b = 0; b < ham.coupling.length; b++) {
    const agree = (((x >>> ham.bondI[b]) ^ (x >>> ham.bondJ[b])) & 1) === 0;
    e -= agree ? ham.coupling[b] : -ham.coupling[b];
  }
  if (ham.h !== 0) {
    let down = 0;
    for (let y = x; y; y &= y - 1) down++;
    e -= ham.h * (ham.nSites - 2 * down);
  }
  return e;
}

/**
 * The TFIM as a {@link ModelHamiltonian} (Pauli convention): diagonal H_z, and one connected state
 * per site (the spin flipped) with element -Gamma. Reads `t` at construction: build a new one after
 * changing a field. `tfim` gives the fast special-purpose paths access to the data.
 */
export function tfimHamiltonian(t: Tfim): ModelHamiltonian & { readonly tfim: Tfim } {
  const n = t.nSites;
  const g = -t.Gamma;
  let norm = n * (Math.abs(t.Gamma) + Math.abs(t.h));
  for (let b = 0; b < t.coupling.length; b++) norm += Math.abs(t.coupling[b]);
  const bonds = [{ I: t.bondI, J: t.bondJ, W: t.coupling }];
  return {
    kind: 'tfim', name: t.name, lattice: t.lattice, tfim: t, nSites: n, convention: 'pauli',
    maxConnected: g === 0 ? 0 : n, conservesSz: g === 0, field: t.h, magnetizationUnit: 1, normBound: norm,
    diagonal: (s, offset) => diagonalEnergy(t, s, offset),
    connected(_s, _offset, siteA, siteB, amp) {
      if (g === 0) return 0;
      for (let i = 0; i < n; i++) {
        siteA[i] = i;
        siteB[i] = -1;
        amp[i] = g;
      }
      return n;
    },
    diagonalAt: (x) => diagonalAtIndex(t, x),
    connectedAt(x, states, amps) {
      if (g === 0) return 0;
      for (let i = 0; i < n; i++) {
        states[i] = x ^ (1 << i);
        amps[i] = g;
      }
      return n;
    },
    isSymmetry: (perm) => preservesPairs(bonds, perm),
  };
}
