/**
 * The exact checker: picks the cheapest exact method for a model and says which one ran.
 *   free-fermion  periodic chain with h = 0, any N (Jordan–Wigner, both parity sectors): exact;
 *   blocks        full spectrum by symmetry blocks (translations, point group, spin flip): exact;
 *   full          dense diagonalization of the whole 2^N space (N <= 12): exact;
 *   ftlm          finite-temperature Lanczos on 2^N (N <= 24): stochastic, error bars from the
 *                 spread over random vectors.
 */
import { InputError } from '../util/errors.ts';
import { blockPlan, blockSpectrum, fullSpectrum } from './blocks.ts';
import { freeFermionChain } from './free-fermion.ts';
import { ftlm, ftlmMemory } from './ftlm.ts';
import type { Tfim } from '../model/hamiltonian.ts';
import { logPartition, thermoFromLevels } from './thermo.ts';

export type ExactMethod = 'auto' | 'free-fermion' | 'blocks' | 'full' | 'ftlm';
export const EXACT_METHODS: ExactMethod[] = ['auto', 'free-fermion', 'blocks', 'full', 'ftlm'];

export interface ExactOptions {
  method?: ExactMethod;
  /** FTLM random vectors, Lanczos steps and seed. */
  vectors?: number;
  steps?: number;
  seed?: number;
}

export interface ExactRow {
  T: number;
  e: number;
  e_err: number;
  c: number;
  c_err: number;
  /** Susceptibility per site (1/N) d<M>/dh, where cheap (N <= MAX_CHI_SITES, not FTLM). */
  chi?: number;
  chi_err?: number;
}

/** Largest N for which the exact susceptibility (four extra spectra) is computed. */
export const MAX_CHI_SITES = 12;

/**
 * Susceptibility per site chi = (T/N) d^2 ln Z / dh^2 (the Kubo, imaginary-time-integrated
 * response, which the DBM's ring estimator measures), from spectra at h +- d and h +- 2d combined
 * by Richardson's rule (4 D(d) - D(2d)) / 3: truncation O(d^4), rounding ~1e-16 |ln Z| / d^2.
 */
export function exactSusceptibility(ham: Tfim, temps: number[]): number[] {
  const d = 2e-3 * Math.max(1, Math.abs(ham.J), Math.abs(ham.Gamma));
  const spectra = [-2, -1, 0, 1, 2].map((k) => blockSpectrum({ ...ham, h: ham.h + k * d }).levels);
  return temps.map((T) => {
    const lz = spectra.map((lv) => logPartition(lv, 1 / T));
    const d1 = (lz[3] - 2 * lz[2] + lz[1]) / (d * d);
    const d2 = (lz[4] - 2 * lz[2] + lz[0]) / (4 * d * d);
    return (T * (4 * d1 - d2)) / 3 / ham.nSites;
  });
}

export interface ExactResult {
  rows: ExactRow[];
  /** The method that ran. */
  method: Exclude<ExactMethod, 'auto'>;
  /** Human-readable description of the solver and its error. */
  solver: string;
}

/**
 * Largest N for dense diagonalization of the whole space: 2^12 = 4096 states take ~13 s here
 * (O(n^3): N = 13 would take ~2 min).
 */
export const MAX_FULL_SITES = 12;
/** Largest N whose symmetry blocks are planned (the plan enumerates all 2^N states). */
export const MAX_BLOCK_SITES = 20;
/** Largest N for FTLM (a few vectors of 2^N doubles). */
export const MAX_FTLM_SITES = 24;
/** `auto` uses blocks when the largest block has at most this many states (~13 s for 4096). */
const MAX_AUTO_BLOCK = 4096;

const isFreeFermionChain = (ham: Tfim) => ham.lattice.kind === 'chain' && ham.lattice.boundary === 'periodic' && ham.h === 0;

/** Which method `auto` picks for this model (or an InputError when none applies). */
export function chooseMethod(ham: Tfim): Exclude<ExactMethod, 'auto'> {
  if (isFreeFermionChain(ham)) return 'free-fermion';
  if (ham.nSites <= MAX_BLOCK_SITES && blockPlan(ham).maxBlock <= MAX_AUTO_BLOCK) return 'blocks';
  if (ham.nSites <= MAX_FTLM_SITES) return 'ftlm';
  throw new InputError(
    `N = ${ham.nSites} sites is too large for exact methods (limit ${MAX_FTLM_SITES}; only the periodic chain with h = 0 has no limit)`,
  );
}

/** Exact (or FTLM) e and c per site at each temperature T > 0 (units of J, k_B = 1). */
export function exactThermo(ham: Tfim, temps: number[], opts: ExactOptions = {}): ExactResult {
  for (const T of temps) if (!(T > 0) || !Number.isFinite(T)) throw new InputError(`temperatures must be positive and finite, got ${T}`);
  const method = !opts.method || opts.method === 'auto' ? chooseMethod(ham) : opts.method;
  const res = exactByMethod(ham, temps, method, opts);
  if (method !== 'ftlm' && ham.nSites <= MAX_CHI_SITES) {
    const chi = exactSusceptibility(ham, temps);
    res.rows.forEach((r, k) => {
      r.chi = chi[k];
      r.chi_err = 0;
    });
  }
  return res;
}

function exactByMethod(ham: Tfim, temps: number[], method: Exclude<ExactMethod, 'auto'>, opts: ExactOptions): ExactResult {
  const N = ham.nSites;
  const zeroErr = (p: { T: number; e: number; c: number }): ExactRow => ({ T: p.T, e: p.e, e_err: 0, c: p.c, c_err: 0 });
  switch (method) {
    case 'free-fermion': {
      if (!isFreeFermionChain(ham)) throw new InputError('--method free-fermion needs a periodic chain with h = 0');
      return {
        rows: freeFermionChain(N, ham.J, ham.Gamma, temps).map(zeroErr),
        method,
        solver: 'free fermions (Jordan-Wigner, both parity sectors); exact to rounding',
      };
    }
    case 'blocks': {
      if (N > MAX_BLOCK_SITES) throw new InputError(`N = ${N} is too large for symmetry blocks (limit ${MAX_BLOCK_SITES})`);
      const spec = blockSpectrum(ham);
      return {
        rows: thermoFromLevels(spec.levels, N, temps).map(zeroErr),
        method,
        solver: `full spectrum by symmetry blocks (${spec.blocks} blocks, largest ${spec.maxBlock}); exact to rounding`,
      };
    }
    case 'full': {
      if (N > MAX_FULL_SITES) throw new InputError(`N = ${N} is too large for full diagonalization (limit ${MAX_FULL_SITES})`);
      return {
        rows: thermoFromLevels([{ energies: fullSpectrum(ham), weight: 1 }], N, temps).map(zeroErr),
        method,
        solver: `full diagonalization of 2^${N} states; exact to rounding`,
      };
    }
    case 'ftlm': {
      if (N > MAX_FTLM_SITES) throw new InputError(`N = ${N} is too large for FTLM (limit ${MAX_FTLM_SITES})`);
      const vectors = opts.vectors ?? 40;
      const steps = opts.steps ?? 80;
      const seed = opts.seed ?? 1;
      // Full re-orthogonalization is 3-5x slower and changed no printed digit in our checks; keep it
      // only where it is cheap.
      const reorthogonalize = N <= 16 && ftlmMemory(N, steps, true) <= 2 ** 31;
      return {
        rows: ftlm(ham, temps, { vectors, steps, seed, reorthogonalize }),
        method,
        solver: `finite-temperature Lanczos (${vectors} random vectors, ${steps} steps, seed ${seed}); statistical error in e_err, c_err`,
      };
    }
    default:
      throw new InputError(`unknown exact method "${method as string}" (known: ${EXACT_METHODS.join(', ')})`);
  }
}
