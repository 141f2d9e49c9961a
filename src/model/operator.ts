import type { Lattice } from './lattice.ts';

/**
 * The one Hamiltonian interface: a spin Hamiltonian in the sz basis as data, a diagonal part and
 * its connected off-diagonal elements, the way NetKet's operators and QuSpin's operator strings
 * describe it. The exact checker, the samplers' local energies and the tests use it; a model kind
 * (TFIM, XXZ, ...) implements it once, and may keep faster special-purpose kernels behind it.
 *
 * Configurations: Int8Array of ±1 (s_i = +1 means sz_i up), read from `offset` on, so that one
 * buffer can hold physical and ancilla spins. Basis-state indices (exact checker): bit i = 1 means
 * sz_i = -1.
 */
export interface SpinHamiltonian {
  /** Model kind, as in the model file's `hamiltonian.kind`. */
  readonly kind: string;
  readonly nSites: number;
  /**
   * Operator convention of the couplings: 'pauli' (H written with sigma, eigenvalues ±1: the TFIM)
   * or 'spin-1/2' (H written with S = sigma/2: XXZ / Heisenberg / J1-J2).
   */
  readonly convention: 'pauli' | 'spin-1/2';
  /** Largest number of connected elements of any configuration (buffer size for {@link connected}). */
  readonly maxConnected: number;
  /** True when H commutes with total Sz (the XXZ family; the TFIM only at Gamma = 0). */
  readonly conservesSz: boolean;
  /** <s|H|s> in energy units of the model's couplings. */
  diagonal(s: Int8Array, offset: number): number;
  /**
   * The off-diagonal elements <s'|H|s> != 0, s' != s: writes, for the k-th one, the sites it flips
   * (siteA[k]; siteB[k] = -1 for a single flip, else the second flipped site) and the matrix element
   * amp[k]; returns how many. No allocation: the caller owns buffers of length maxConnected.
   */
  connected(s: Int8Array, offset: number, siteA: Int32Array, siteB: Int32Array, amp: Float64Array): number;
}

/**
 * A {@link SpinHamiltonian} built from a model file, with what the exact checker needs on top:
 * the lattice (symmetries), the split H = H_0 - h M into a zero-field part and the uniform field,
 * and index-based access on basis states (bit i = 1 means sz_i = -1, as everywhere).
 *
 * Contract used by the symmetry blocks: every off-diagonal element flips one or two spins (TFIM:
 * one, XXZ: an antiparallel pair), H_0 commutes with the global spin inversion, and M =
 * magnetizationUnit * sum_i s_i (s_i = ±1) commutes with H_0 when `conservesSz`.
 */
export interface ModelHamiltonian extends SpinHamiltonian {
  /** The model's name (from the model file). */
  readonly name: string;
  readonly lattice: Lattice;
  /** h in H = H_0 - h M (the field along z, in energy units). */
  readonly field: number;
  /**
   * M = magnetizationUnit * sum_i s_i: 1 in the Pauli convention (M = sum sigma^z), 1/2 for spin-1/2
   * operators (M = sum S^z). Susceptibilities are per site in these units.
   */
  readonly magnetizationUnit: number;
  /** An upper bound on ||H|| (scale for round-off tolerances). */
  readonly normBound: number;
  /** <x|H|x> for basis state x (the field term included). */
  diagonalAt(x: number): number;
  /**
   * The basis states y != x with <y|H|x> != 0, each state once: writes y into `states` and <y|H|x>
   * into `amps` (buffers of length maxConnected) and returns how many.
   */
  connectedAt(x: number, states: Int32Array, amps: Float64Array): number;
  /** True when relabelling sites by `perm` (site i -> perm[i]) leaves H unchanged. */
  isSymmetry(perm: Int32Array): boolean;
}
