/**
 * The exact checker: picks the cheapest exact method for a model and says which one ran.
 *   free-fermion  TFIM: periodic chain with h = 0; XXZ: periodic XX chain (Delta = 0, J2 = 0, any
 *                 h), any N (Jordan-Wigner, both parity sectors): exact;
 *   blocks        full spectrum by symmetry blocks (Sz, translations, point group, spin flip): exact;
 *   full          dense diagonalization of the whole 2^N space (N <= MAX_FULL_SITES): exact;
 *   ftlm          finite-temperature Lanczos (N <= 24): stochastic, error bars from the spread
 *                 over random vectors; TFIM on the whole 2^N space, XXZ in Sz x momentum sectors.
 * Numbers are in the model's convention (`convention`: Pauli for the TFIM, spin-1/2 for XXZ).
 */
import { InputError } from '../util/errors.ts';
import type { Row } from '../stats/row.ts';
import { blockPlan, blockSizeLowerBound, blockSpectrum, fullSpectrum, MAX_BLOCK_SITES, MAX_FULL_SITES, type Level } from './blocks.ts';
import { freeFermionChain, freeFermionXXChain } from './free-fermion.ts';
import { ftlm, ftlmMemory, MAX_FTLM_SITES } from './ftlm.ts';
import { ftlmSectors, negativeCWarnings } from './ftlm-sectors.ts';
import type { Tfim } from '../model/hamiltonian.ts';
import { asHamiltonian } from '../model/kinds.ts';
import type { ModelHamiltonian } from '../model/operator.ts';
import type { Xxz } from '../model/xxz.ts';
import { groundEnergy, logPartition, thermoFromLevels, type ThermoPoint } from './thermo.ts';

export { MAX_BLOCK_SITES, MAX_FULL_SITES, MAX_FTLM_SITES };

export type ExactMethod = 'auto' | 'free-fermion' | 'blocks' | 'full' | 'ftlm';
export const EXACT_METHODS: ExactMethod[] = ['auto', 'free-fermion', 'blocks', 'full', 'ftlm'];

export interface ExactOptions {
  method?: ExactMethod;
  /**
   * FTLM random vectors, Lanczos steps and seed: defaults 40 and 80 on the whole space (TFIM), 6
   * per sector and 50 in symmetry sectors (models conserving Sz).
   */
  vectors?: number;
  steps?: number;
  seed?: number;
  /**
   * Progress of the long methods (blocks: blocks diagonalized; FTLM: random vectors done), called
   * with (done, total) as work completes. Not called by the instant methods.
   */
  onProgress?: (done: number, total: number) => void;
  /**
   * More temperatures evaluated from the same spectrum or Lanczos data (a plot's fine curve),
   * returned in {@link ExactResult.curve}: one solve instead of two, which matters where the solve
   * takes minutes (FTLM at 24 sites). Neither their rows nor their warnings enter `rows`.
   */
  curve?: number[];
}

/** A row of exact results: T, e, e_err, c, c_err, and chi, chi_err where available. */
export type ExactRow = Row;

/** Largest N for which the TFIM susceptibility (four extra spectra) is computed. */
export const MAX_CHI_SITES = 12;

/**
 * TFIM susceptibility per site chi = (T/N) d^2 ln Z / dh^2 (the Kubo, imaginary-time-integrated
 * response, which the DBM's ring estimator measures), from spectra at h +- d and h +- 2d combined
 * by Richardson's rule (4 D(d) - D(2d)) / 3: truncation O(d^4), rounding ~1e-16 |ln Z| / d^2.
 * (Models that conserve Sz get chi exactly from their Sz-resolved spectrum instead.)
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

/** Largest N for which exact rows carry m2, m4 and binder (eight extra block spectra). */
export const MAX_MOMENT_SITES = 12;

/**
 * Exact equal-time moments of the TFIM magnetization m = (1/N) sum_i sz_i at each T, from
 * eigenvalues only: for a diagonal operator D and H(lambda) = H - lambda D,
 *   d/dlambda ln Tr e^{-beta H(lambda)} = beta <D>   exactly (Duhamel: d/de Tr e^{A + e B} = Tr(B e^A),
 * so the derivative of the trace is the equal-time average even though D and H do not commute).
 * D = M^2 and M^4 keep every symmetry of H (lattice permutations, spin flip at h = 0), so the
 * blocks are those of H. Five-point differences at lambda = +-d, +-2d with d N^k = 1e-4 (energy
 * units), the same for every temperature, so that a value does not depend on which temperatures
 * are computed with it: truncation O((beta d N^k)^4) <= 1e-8 for beta <= 100, rounding
 * ~ 1e-16 |ln Z| / (beta d N^k). Eight block spectra, reused for all temperatures. Returns
 * m2 = <m^2>, m4 = <m^4> and the Binder cumulant U4 = 1 - m4 / (3 m2^2) per temperature.
 */
export function exactMagnetizationMoments(ham: Tfim, temps: number[]): Array<{ m2: number; m4: number; binder: number }> {
  const base = asHamiltonian(ham);
  const N = ham.nSites;
  const derivative = (k: number): number[] => {
    const scale = N ** k;
    const d = 1e-4 / scale;
    const spectra = [d, -d, 2 * d, -2 * d].map((lambda) => {
      const shifted: ModelHamiltonian = {
        ...base,
        normBound: base.normBound + Math.abs(lambda) * scale,
        diagonalAt: (x: number) => {
          let down = 0;
          for (let y = x; y !== 0; y &= y - 1) down++;
          return base.diagonalAt(x) - lambda * (N - 2 * down) ** k;
        },
      };
      return blockSpectrum(shifted).levels;
    });
    return temps.map((T) => {
      const f = spectra.map((lv) => logPartition(lv, 1 / T));
      // d ln Z / d lambda = beta <M^k>, by Richardson's five-point rule.
      return (T * (8 * (f[0] - f[1]) - (f[2] - f[3]))) / (12 * d) / scale;
    });
  };
  const m2 = derivative(2);
  const m4 = derivative(4);
  return temps.map((_, i) => ({ m2: m2[i], m4: m4[i], binder: 1 - m4[i] / (3 * m2[i] * m2[i]) }));
}

export interface ExactResult {
  rows: ExactRow[];
  /** The method that ran. */
  method: Exclude<ExactMethod, 'auto'>;
  /** Human-readable description of the solver and its error. */
  solver: string;
  /** Operator convention of every number: Pauli matrices (TFIM) or spin-1/2 operators S = sigma/2 (XXZ). */
  convention: 'pauli' | 'spin-1/2';
  /** Ground-state energy per site, where the full spectrum is known (blocks, full). */
  E0_per_site?: number;
  /** Suspicious numbers and caveats (never silent), about `rows`. */
  warnings: string[];
  /** e and c per site at ExactOptions.curve (absent without it). */
  curve?: Array<{ T: number; e: number; c: number }>;
}

/** `auto` uses blocks when the largest block has at most this many states (~13 s for 4096). */
const MAX_AUTO_BLOCK = 4096;

function isTfimFreeFermion(ham: ModelHamiltonian): boolean {
  return ham.kind === 'tfim' && ham.lattice.kind === 'chain' && ham.lattice.boundary === 'periodic' && ham.field === 0;
}

function isXXChain(ham: ModelHamiltonian): ham is Xxz {
  if (ham.kind !== 'xxz') return false;
  const { spec } = ham as Xxz;
  return ham.lattice.kind === 'chain' && ham.lattice.boundary === 'periodic' && ham.nSites >= 3 && spec.Delta === 0 && spec.J2 === 0;
}

/** Which method `auto` picks for this model (or an InputError when none applies). */
export function chooseMethod(hamIn: ModelHamiltonian | Tfim): Exclude<ExactMethod, 'auto'> {
  const ham = asHamiltonian(hamIn);
  if (isTfimFreeFermion(ham) || isXXChain(ham)) return 'free-fermion';
  if (ham.nSites <= MAX_BLOCK_SITES && blockSizeLowerBound(ham) <= MAX_AUTO_BLOCK && blockPlan(ham).maxBlock <= MAX_AUTO_BLOCK) return 'blocks';
  if (ham.nSites <= MAX_FTLM_SITES) return 'ftlm';
  throw new InputError(
    `N = ${ham.nSites} sites is too large for exact methods (limit ${MAX_FTLM_SITES}; only the periodic TFIM chain with h = 0 ` +
    'and the periodic XX chain have no limit)',
  );
}

/**
 * Exact (or FTLM) e, c and, where available, chi per site at each temperature T > 0 (energy units
 * of the model's couplings, k_B = 1, numbers in `result.convention`). chi is the uniform
 * susceptibility beta (<M^2> - <M>^2)/N for models conserving Sz (M = sum Sz for XXZ), and the
 * Kubo susceptibility (T/N) d^2 ln Z/dh^2 for the TFIM (N <= MAX_CHI_SITES, not with FTLM).
 * Accepts any model's Hamiltonian (makeHamiltonian), or TFIM data (makeTfim).
 */
export function exactThermo(hamIn: ModelHamiltonian | Tfim, temps: number[], opts: ExactOptions = {}): ExactResult {
  const curve = opts.curve ?? [];
  for (const T of [...temps, ...curve]) if (!(T > 0) || !Number.isFinite(T)) throw new InputError(`temperatures must be positive and finite, got ${T}`);
  const ham = asHamiltonian(hamIn);
  const method = !opts.method || opts.method === 'auto' ? chooseMethod(ham) : opts.method;
  // Every solver evaluates each temperature on its own from one spectrum (or one set of Lanczos
  // runs with fixed seeds), so the rows at `temps` do not depend on the curve beside them.
  const res = exactByMethod(ham, [...temps, ...curve], method, opts);
  if (curve.length > 0) {
    res.curve = res.rows.slice(temps.length).map((r) => ({ T: r.T, e: r.e, c: r.c }));
    res.rows = res.rows.slice(0, temps.length);
  }
  // FTLM's only warning (negative c) is about the rows at `temps`, whichever FTLM ran.
  if (method === 'ftlm') res.warnings = negativeCWarnings(res.rows);
  const tfim = (ham as { tfim?: Tfim }).tfim;
  if (tfim && method !== 'ftlm' && ham.nSites <= MAX_CHI_SITES && res.rows.some((r) => r.chi === undefined)) {
    const chi = exactSusceptibility(tfim, temps);
    res.rows.forEach((r, k) => {
      r.chi = chi[k];
      r.chi_err = 0;
    });
  }
  if (tfim && method !== 'ftlm' && ham.nSites <= MAX_MOMENT_SITES) {
    const mom = exactMagnetizationMoments(tfim, temps);
    res.rows.forEach((r, k) => {
      r.m2 = mom[k].m2;
      r.m2_err = 0;
      r.m4 = mom[k].m4;
      r.m4_err = 0;
      r.binder = mom[k].binder;
      r.binder_err = 0;
    });
  }
  return res;
}

const exactRow = (p: ThermoPoint): Row => {
  const r: Row = { T: p.T, e: p.e, e_err: 0, c: p.c, c_err: 0 };
  if (p.chi !== undefined) {
    r.chi = p.chi;
    r.chi_err = 0;
  }
  return r;
};

function fromLevels(ham: ModelHamiltonian, levels: Level[] | Array<{ energies: Float64Array; weight: number }>, temps: number[]) {
  return { rows: thermoFromLevels(levels, ham.nSites, temps).map(exactRow), E0_per_site: groundEnergy(levels) / ham.nSites };
}

function exactByMethod(ham: ModelHamiltonian, temps: number[], method: Exclude<ExactMethod, 'auto'>, opts: ExactOptions): ExactResult {
  const N = ham.nSites;
  const base = { method, convention: ham.convention, warnings: [] as string[] };
  switch (method) {
    case 'free-fermion': {
      if (isXXChain(ham)) {
        return {
          ...base,
          rows: freeFermionXXChain(N, ham.spec.J, ham.spec.h, temps).map(exactRow),
          solver: 'free fermions (XX chain, Jordan-Wigner, both parity sectors, h as chemical potential); exact to rounding',
        };
      }
      const tfim = (ham as { tfim?: Tfim }).tfim;
      if (!tfim || !isTfimFreeFermion(ham)) {
        throw new InputError('--method free-fermion needs a periodic TFIM chain with h = 0 or a periodic XX chain (xxz, Delta = 0, J2 = 0, N >= 3)');
      }
      return {
        ...base,
        rows: freeFermionChain(N, tfim.J, tfim.Gamma, temps).map(exactRow),
        solver: 'free fermions (Jordan-Wigner, both parity sectors); exact to rounding',
      };
    }
    case 'blocks': {
      if (N > MAX_BLOCK_SITES) throw new InputError(`N = ${N} is too large for symmetry blocks (limit ${MAX_BLOCK_SITES})`);
      let spec;
      try {
        spec = blockSpectrum(ham, { onProgress: opts.onProgress });
      } catch (e) {
        // Block sizes are known before any diagonalization: too large is a usage error, said at once.
        if (e instanceof RangeError && /largest block/.test(e.message)) throw new InputError(`${e.message.replace(/^blockSpectrum: /, '')}: use --method ftlm`);
        throw e;
      }
      const what = ham.conservesSz ? 'Sz x translations x point group x spin inversion' : 'translations x point group x spin flip';
      return {
        ...base,
        ...fromLevels(ham, spec.levels, temps),
        solver: `full spectrum by symmetry blocks (${what}: ${spec.blocks} blocks, largest ${spec.maxBlock}); exact to rounding`,
      };
    }
    case 'full': {
      if (N > MAX_FULL_SITES) throw new InputError(`N = ${N} is too large for full diagonalization (limit ${MAX_FULL_SITES})`);
      const res = fromLevels(ham, [{ energies: fullSpectrum(ham), weight: 1 }], temps);
      if (ham.conservesSz) {
        // chi needs the Sz label of each level: from the (cheap, independent) block spectrum.
        const chi = thermoFromLevels(blockSpectrum(ham).levels, N, temps);
        res.rows.forEach((r, k) => {
          r.chi = chi[k].chi;
          r.chi_err = 0;
        });
      }
      return { ...base, ...res, solver: `full diagonalization of 2^${N} states; exact to rounding` };
    }
    case 'ftlm': {
      if (N > MAX_FTLM_SITES) throw new InputError(`N = ${N} is too large for FTLM (limit ${MAX_FTLM_SITES})`);
      const seed = opts.seed ?? 1;
      const tfim = (ham as { tfim?: Tfim }).tfim;
      if (tfim && !ham.conservesSz) {
        const vectors = opts.vectors ?? 40;
        const steps = opts.steps ?? 80;
        // Full re-orthogonalization is 3-5x slower and changed no printed digit in our checks; keep it
        // only where it is cheap.
        const reorthogonalize = N <= 16 && ftlmMemory(N, steps, true) <= 2 ** 31;
        return {
          ...base,
          rows: ftlm(tfim, temps, { vectors, steps, seed, reorthogonalize, onProgress: opts.onProgress }),
          solver: `finite-temperature Lanczos (${vectors} random vectors, ${steps} steps, seed ${seed}); statistical error in e_err, c_err`,
        };
      }
      // Defaults measured on the 24-site Heisenberg chain (loaded 2-core box): 286 s, e_err 0.35% at
      // T = 0.5 and 0.14% at T = 1; 50 steps resolve the quadrature down to T ~ 0.1 J.
      const vectors = opts.vectors ?? 6;
      const steps = opts.steps ?? 50;
      const res = ftlmSectors(ham, temps, { vectors, steps, seed, onProgress: opts.onProgress });
      return {
        ...base,
        rows: res.rows,
        solver:
          `finite-temperature Lanczos in Sz x momentum sectors (${vectors} random vectors per sector, ${steps} steps, seed ${seed}; ` +
          `sectors up to ${res.exactBelow} states diagonalized exactly: ${res.sectors} sectors, largest ${res.maxSector}); ` +
          'statistical error in e_err, c_err, chi_err',
      };
    }
    default:
      throw new InputError(`unknown exact method "${method as string}" (known: ${EXACT_METHODS.join(', ')})`);
  }
}
