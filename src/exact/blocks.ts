/**
 * Full spectrum of any {@link ModelHamiltonian} (TFIM, XXZ, ...) by symmetry blocks (the
 * "representative state" method, Sandvik, arXiv:1101.3281): the Hilbert space splits into sectors
 * of 1D characters chi of a group G = T x| A_k x F (translations, commuting point-group involutions
 * that fix k, spin flip); each sector is spanned by the projected states
 *   |r~> = |O_r|^-1/2 sum_{x in O_r} conj(chi(g_x)) |x>,   x = g_x r,
 * over orbit representatives r (smallest index of the orbit) whose stabilizer chi is trivial on.
 * With H|r> = sum_j h_j |y_j>, y_j = g_j r_j (r_j a representative):
 *   <r~_j|H|r~> = sum_j h_j chi(g_j) sqrt(|O_r| / |O_{r_j}|).
 * One momentum per star (point-group images and -k have the same spectrum), weighted by the star
 * size. Blocks at k with all components 0 or pi are real; the others are made real with the
 * antiunitary Theta = P_g K (g k = -k), or else solved as complex Hermitian.
 *
 * Conserved Sz (XXZ; the TFIM at Gamma = 0): H = H_0 - h M with [H_0, M] = 0, so each sector of
 * n_down down spins is diagonalized separately, at zero field, and shifted by -h M afterwards. The
 * spin inversion F maps n_down to N - n_down and commutes with H_0, so only n_down <= N/2 is
 * diagonalized (the mirror sector gets the same levels, M negated), and F is a symmetry inside the
 * sector M = 0. Without conserved Sz, F is used when h = 0 (TFIM).
 */
import type { Tfim } from '../model/hamiltonian.ts';
import { asHamiltonian } from '../model/kinds.ts';
import type { ModelHamiltonian } from '../model/operator.ts';
import { hermitianEigenvaluesPacked, symmetricEigenvaluesPacked } from '../linalg/eigen.ts';
import {
  applyElement, applyTables, character, conjugatesCharacter, conjugationMatrix, composePerm, involutionGenerators,
  isCharacter, isIdentityPerm, isRealMomentum, makeGroup, momentumStars, negMomentum, permTables, sameMomentum,
  translationGroup, actOnMomentum, type Character, type SymGroup, type TranslationGroup,
} from '../model/symmetry.ts';

/** Eigenvalues of one block; each counts `weight` times in the full spectrum. */
export interface Level {
  energies: Float64Array;
  weight: number;
  label: string;
  /** How the block was solved: real k, made real by an antiunitary, or complex Hermitian. */
  solver: 'real' | 'antiunitary' | 'hermitian';
  /**
   * The block's magnetization M (conserved-Sz models only), in the model's convention: sum sigma^z
   * (Pauli) or sum S^z (spin-1/2).
   */
  magnetization?: number;
}

export interface BlockSpectrum {
  levels: Level[];
  /** Number of blocks diagonalized (one momentum per star). */
  blocks: number;
  /** Largest block dimension. */
  maxBlock: number;
}

export interface BlockOptions {
  /** Use point-group characters (default true); false leaves translations and spin flip only. */
  pointGroup?: boolean;
  /** Make complex momentum blocks real with an antiunitary symmetry (default true). */
  antiunitary?: boolean;
  /** Refuse (RangeError) when a block would exceed this dimension (default MAX_DENSE_BLOCK). */
  maxBlock?: number;
  /** Called after each block (for progress reports and benchmarks). */
  onBlock?: (label: string, dim: number, seconds: number) => void;
  /** Called after each block with (blocks done, blocks in total). */
  onProgress?: (done: number, total: number) => void;
}

/** Largest N for symmetry blocks: the 2^N state tables (6 bytes a state) must fit in memory. */
export const MAX_BLOCK_SITES = 24;
/**
 * Largest N for dense diagonalization of the whole space ({@link fullSpectrum}): 2^12 = 4096
 * states take ~13 s (O(8^N): N = 13 would take ~2 min, and N = 14 needs 2 GiB).
 */
export const MAX_FULL_SITES = 12;

/** Largest block {@link blockSpectrum} diagonalizes densely by default (8192: ~2 min each here). */
export const MAX_DENSE_BLOCK = 8192;

/**
 * A cheap lower bound on the largest block: the largest Sz sector (or 2^N) over the group order
 * |translations| x |point group| x 2, since no sector decomposition has more blocks than that.
 */
export function blockSizeLowerBound(hamIn: ModelHamiltonian | Tfim): number {
  const ham = asHamiltonian(hamIn);
  const n = ham.nSites;
  const states = ham.conservesSz ? binomial(n, Math.floor(n / 2)) : 2 ** n;
  const group = ham.lattice.translations.reduce((a, t) => a * t.order, 1) * ham.lattice.pointGroup.length * 2;
  return states / group;
}

/** Orbit structure of all 2^N states under a group: independent of the character. */
interface Orbits {
  G: SymGroup;
  /** Per state: index of its representative in `reps`, and an element g with x = g rep. */
  repOf: Int32Array;
  elem: Uint16Array;
  /** Representative states (ascending), their orbit sizes and diagonal energies. */
  reps: Int32Array;
  sqrtOrbit: Float64Array;
  ez: Float64Array;
  /** Stabilizer elements other than the identity, CSR by representative. */
  stabPtr: Int32Array;
  stab: Int32Array;
}

/**
 * Orbits of the states `states` (ascending, closed under G; null: all 2^N states), with the
 * diagonal energies diagonalAt(rep) + shift of the representatives.
 */
function orbits(G: SymGroup, states: Int32Array | null, ham: ModelHamiltonian, shift: number): Orbits {
  if (G.size > 65535) throw new RangeError(`blockSpectrum: a group of ${G.size} elements does not fit the Uint16 element table`);
  const dim = 2 ** G.nSites;
  const repOf = new Int32Array(dim).fill(-1);
  const elem = new Uint16Array(dim);
  const reps: number[] = [];
  const orbitSize: number[] = [];
  const stabPtr: number[] = [0];
  const stab: number[] = [];
  const count = states ? states.length : dim;
  for (let q = 0; q < count; q++) {
    const x = states ? states[q] : q;
    if (repOf[x] >= 0) continue;
    // x is the smallest state of its orbit: every smaller state was visited, with its whole orbit.
    const r = reps.length;
    reps.push(x);
    let nStab = 1;
    for (let g = 0; g < G.size; g++) {
      const y = applyElement(G, g, x);
      if (repOf[y] < 0) {
        repOf[y] = r;
        elem[y] = g;
      } else if (y === x && g !== 0) {
        stab.push(g);
        nStab++;
      }
    }
    orbitSize.push(G.size / nStab);
    stabPtr.push(stab.length);
  }
  const repsArr = Int32Array.from(reps);
  return {
    G, repOf, elem, reps: repsArr,
    sqrtOrbit: Float64Array.from(orbitSize, Math.sqrt),
    ez: Float64Array.from(repsArr, (x) => ham.diagonalAt(x) + shift),
    stabPtr: Int32Array.from(stabPtr), stab: Int32Array.from(stab),
  };
}

/** Representatives (indices into o.reps) whose stabilizer the character is trivial on. */
function sectorBasis(o: Orbits, chi: Character): Int32Array {
  const out: number[] = [];
  for (let r = 0; r < o.reps.length; r++) {
    let ok = true;
    for (let s = o.stabPtr[r]; s < o.stabPtr[r + 1] && ok; s++) {
      const g = o.stab[s];
      ok = Math.abs(chi.re[g] - 1) < 1e-9 && Math.abs(chi.im[g]) < 1e-9;
    }
    if (ok) out.push(r);
  }
  return Int32Array.from(out);
}

/** A sector to diagonalize: group, character, momentum, and what to do with complex blocks. */
interface Sector {
  o: Orbits;
  chi: Character;
  basis: Int32Array;
  weight: number;
  label: string;
  real: boolean;
  /** Antiunitary P_theta K making a complex block real, if one was found. */
  theta: Int32Array | null;
  /** Conserved Sz: M of the sector, and whether its spin-inverted mirror (-M) is implied. */
  magnetization?: number;
  mirror: boolean;
}

/** Every N-bit state with `down` bits set, ascending (Gosper's hack). */
export function fixedPopcountStates(n: number, down: number): Int32Array {
  const out = new Int32Array(binomial(n, down));
  if (down === 0) return out;
  let x = (1 << down) - 1;
  for (let q = 0; q < out.length; q++) {
    out[q] = x;
    const c = x & -x;
    const r = x + c;
    x = (((r ^ x) >>> 2) / c) | r;
  }
  return out;
}

/** C(n, k), exact for the sizes used here. */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let b = 1;
  for (let i = 1; i <= k; i++) b = (b * (n - k + i)) / i;
  return Math.round(b);
}

/**
 * The full spectrum of `ham` by symmetry blocks, as eigenvalue lists with multiplicities (energy
 * units of the model's couplings). Sum over levels of weight * energies.length is 2^N (asserted).
 * Conserved-Sz models give each level its magnetization.
 */
export function blockSpectrum(hamIn: ModelHamiltonian | Tfim, opts: BlockOptions = {}): BlockSpectrum {
  const ham = asHamiltonian(hamIn);
  const maxAllowed = opts.maxBlock ?? MAX_DENSE_BLOCK;
  // Beyond 20 sites the plan's 2^N tables per Sz sector cost GiBs: refuse on the cheap bound first.
  const bound = blockSizeLowerBound(ham);
  if (ham.nSites > 20 && bound > maxAllowed) {
    throw new RangeError(`blockSpectrum: the largest block has at least ${Math.ceil(bound)} states (limit ${maxAllowed})`);
  }
  const sectors = planSectors(ham, opts);
  const { maxBlock } = summarize(ham, sectors);
  if (maxBlock > maxAllowed) {
    throw new RangeError(`blockSpectrum: the largest block has ${maxBlock} states (limit ${maxAllowed})`);
  }
  const levels: Level[] = [];
  const total = sectors.filter((s) => s.basis.length > 0).length;
  let done = 0;
  for (const s of sectors) {
    if (s.basis.length === 0) continue;
    const t0 = performance.now();
    const solver = s.real ? 'real' : s.theta && (opts.antiunitary ?? true) ? 'antiunitary' : 'hermitian';
    const energies = diagonalizeSector(ham, s, solver);
    if (s.magnetization === undefined) levels.push({ energies, weight: s.weight, label: s.label, solver });
    else {
      // Energies at zero field; H = H_0 - h M.
      const m = s.magnetization;
      levels.push({ energies: energies.map((e) => e - ham.field * m), weight: s.weight, label: s.label, solver, magnetization: m });
      if (s.mirror) {
        levels.push({
          energies: energies.map((e) => e + ham.field * m), weight: s.weight, label: `${s.label} (spin-inverted)`, solver,
          magnetization: -m,
        });
      }
    }
    opts.onBlock?.(s.label, s.basis.length, (performance.now() - t0) / 1000);
    done++;
    opts.onProgress?.(done, total);
  }
  return { levels, blocks: done, maxBlock };
}

/** What {@link blockSpectrum} would diagonalize, without diagonalizing (cheap: O(2^N |G|)). */
export interface BlockPlan {
  /** Number of non-empty blocks. */
  blocks: number;
  maxBlock: number;
  /** Sum of dim^3 over blocks: the dense-diagonalization work, up to a constant. */
  work: number;
}

/** The block sizes {@link blockSpectrum} would use for `ham`, e.g. to decide whether to run it. */
export function blockPlan(hamIn: ModelHamiltonian | Tfim, opts: Pick<BlockOptions, 'pointGroup'> = {}): BlockPlan {
  const ham = asHamiltonian(hamIn);
  return summarize(ham, planSectors(ham, opts));
}

function summarize(ham: ModelHamiltonian, sectors: Sector[]): BlockPlan {
  let total = 0;
  let maxBlock = 0;
  let blocks = 0;
  let work = 0;
  for (const s of sectors) {
    const d = s.basis.length;
    total += s.weight * d * (s.mirror ? 2 : 1);
    maxBlock = Math.max(maxBlock, d);
    if (d > 0) blocks++;
    work += d ** 3;
  }
  const n = ham.nSites;
  if (total !== 2 ** n) throw new Error(`blockSpectrum: sectors hold ${total} states, not 2^${n} = ${2 ** n}`);
  return { blocks, maxBlock, work };
}

/** All sectors of {@link sectorGroups} in one list (the orbit tables of every Sz sector stay alive). */
function planSectors(ham: ModelHamiltonian, opts: BlockOptions): Sector[] {
  const out: Sector[] = [];
  for (const group of sectorGroups(ham, opts)) out.push(...group);
  return out;
}

/**
 * Enumerates the sectors: Sz (if conserved) x one momentum per star x A_k characters x spin-flip
 * parity, yielding the sectors of one Sz sector at a time so that a caller may drop their 2^N
 * orbit tables before the next.
 */
function* sectorGroups(ham: ModelHamiltonian, opts: BlockOptions): Generator<Sector[]> {
  const n = ham.nSites;
  if (n > MAX_BLOCK_SITES) throw new RangeError(`blockSpectrum: N = ${n} is above the limit ${MAX_BLOCK_SITES}`);
  const lat = ham.lattice;
  const tg = translationGroup(lat);
  // Point-group elements usable with momenta: those normalizing the translation group.
  const usePg = opts.pointGroup ?? true;
  const pg: Array<{ p: Int32Array; M: number[][] }> = [];
  for (const p of usePg ? lat.pointGroup : lat.pointGroup.slice(0, 1)) {
    if (!isIdentityPerm(p) && !ham.isSymmetry(p)) throw new Error('blockSpectrum: a point-group element is not a symmetry of H');
    const M = conjugationMatrix(tg, p);
    if (M) pg.push({ p, M });
  }
  const stars = momentumStars(tg, pg.map((e) => e.M));
  // Sz sectors: n_down = 0..N/2 (mirrors implied), or one sector of all states.
  const szSectors: Array<{ states: Int32Array | null; withFlip: boolean; mag?: number; mirror: boolean; shift: number }> = [];
  if (ham.conservesSz) {
    for (let down = 0; 2 * down <= n; down++) {
      const mag = ham.magnetizationUnit * (n - 2 * down);
      szSectors.push({ states: fixedPopcountStates(n, down), withFlip: 2 * down === n, mag, mirror: 2 * down !== n, shift: ham.field * mag });
    }
  } else szSectors.push({ states: null, withFlip: ham.field === 0, mirror: false, shift: 0 });
  for (const sz of szSectors) {
    const sectors: Sector[] = [];
    const { withFlip } = sz;
    // Orbit tables are 2^N long: keep them for one Sz sector at a time.
    const orbitCache = new Map<string, Orbits>();
    for (const star of stars) {
      const m = star.m;
      const little = pg.filter((e) => sameMomentum(actOnMomentum(tg, e.M, m), m)).map((e) => e.p);
      let gens = involutionGenerators(little);
      const real = isRealMomentum(tg, m);
      const minusM = negMomentum(tg, m);
      for (;;) {
        const key = gens.map((g) => g.join(',')).join(';');
        let o = orbitCache.get(key);
        if (!o) {
          o = orbits(makeGroup(tg, gens, withFlip, n), sz.states, ham, sz.shift);
          orbitCache.set(key, o);
        }
        const planned: Sector[] = [];
        let ok = true;
        for (let a = 0; a < 1 << gens.length && ok; a++) {
          const signs = gens.map((_, i) => ((a >> i) & 1 ? -1 : 1));
          for (const parity of withFlip ? [1, -1] : [1]) {
            const chi = character(o.G, tg, m, signs, parity);
            // The character is a homomorphism because A_k fixes k; verified, not assumed.
            if (!isCharacter(o.G, chi)) {
              ok = false;
              break;
            }
            let theta: Int32Array | null = null;
            if (!real) {
              const G = o.G;
              theta = pg.find((e) =>
                isIdentityPerm(composePerm(e.p, e.p)) &&
                sameMomentum(actOnMomentum(tg, e.M, m), minusM) &&
                conjugatesCharacter(G, chi, e.p))?.p ?? null;
            }
            const label = sectorLabel(tg, m, signs, withFlip ? parity : 0);
            planned.push({
              o, chi, basis: sectorBasis(o, chi), weight: star.size, real, theta,
              label: sz.mag === undefined ? label : `M=${sz.mag} ${label}`.trim(), magnetization: sz.mag, mirror: sz.mirror,
            });
          }
        }
        if (ok) {
          sectors.push(...planned);
          break;
        }
        // Not a homomorphism (should not happen): retry with a smaller point subgroup.
        if (gens.length === 0) throw new Error(`blockSpectrum: translation character at k = ${m} is not a homomorphism`);
        gens = gens.slice(0, -1);
      }
    }
    yield sectors;
  }
}

/** What a caller of {@link forEachSector} learns about a sector. */
export interface SectorInfo {
  label: string;
  /** Number of basis states of the block. */
  dim: number;
  /** How many times the block's spectrum occurs (star size; a spin-inverted mirror counts separately). */
  weight: number;
  /** Magnetization M (conserved Sz), the block's levels being those of H_0 shifted by -h M. */
  magnetization?: number;
  /** The same block also occurs at -M (levels of H_0 shifted by +h M). */
  mirror: boolean;
  /** Real symmetric block (else complex Hermitian). */
  real: boolean;
}

/**
 * Visits every non-empty symmetry sector of `ham` (as {@link blockSpectrum} would, one Sz sector's
 * orbit tables alive at a time): `visit` gets the sector, its matrix at ZERO field for conserved-Sz
 * models (sparse columns: H |c> = sum_e (re[e] + i im[e]) |rows[e]>, rows may repeat in a column;
 * complex momentum blocks with an antiunitary symmetry come in their real form, `info.real`),
 * and a function returning its exact eigenvalues (dense; for small blocks). For Lanczos on sectors
 * too large for dense blocks (FTLM).
 */
export function forEachSector(
  hamIn: ModelHamiltonian | Tfim,
  visit: (info: SectorInfo, matrix: SparseBlock, eigenvalues: () => Float64Array) => void,
  opts: Pick<BlockOptions, 'pointGroup'> = {},
): void {
  const ham = asHamiltonian(hamIn);
  for (const group of sectorGroups(ham, opts)) {
    for (const s of group) {
      if (s.basis.length === 0) continue;
      const solver = s.real ? 'real' : s.theta ? 'antiunitary' : 'hermitian';
      const info: SectorInfo = {
        label: s.label, dim: s.basis.length, weight: s.weight, mirror: s.mirror, real: solver !== 'hermitian', magnetization: s.magnetization,
      };
      const sp = sparseBlock(ham, s);
      const m = solver === 'antiunitary' ? sparseRealForm(ham, s, sp, s.theta!, ham.normBound + 1) : sp;
      visit(info, m, () => diagonalizeSector(ham, s, solver));
    }
  }
}

function sectorLabel(tg: TranslationGroup, m: number[], signs: number[], parity: number): string {
  const parts: string[] = [];
  if (tg.L.length) parts.push(`k=(${m.map((x, j) => `${x}/${tg.L[j]}`).join(',')})`);
  if (signs.length) parts.push(`A=${signs.map((s) => (s > 0 ? '+' : '-')).join('')}`);
  if (parity) parts.push(`F=${parity > 0 ? '+' : '-'}`);
  return parts.join(' ') || 'all';
}

/** Block matrix columns as sparse complex entries: H |r~_c> = sum rows[e] (re[e] + i im[e]) |r~_rows[e]>. */
export interface SparseBlock {
  dim: number;
  ptr: Int32Array;
  rows: Int32Array;
  re: Float64Array;
  im: Float64Array;
}

/**
 * The sector's block as sparse columns, from the connected elements of `ham`. Entries of one
 * column may repeat a row (two connected states in the same orbit): consumers add them up.
 */
function sparseBlock(ham: ModelHamiltonian, s: Sector): SparseBlock {
  const { o, chi, basis } = s;
  const dim = basis.length;
  const index = new Int32Array(o.reps.length).fill(-1);
  for (let c = 0; c < dim; c++) index[basis[c]] = c;
  const ptr = new Int32Array(dim + 1);
  const cap = dim * (ham.maxConnected + 1);
  const rows = new Int32Array(cap);
  const re = new Float64Array(cap);
  const im = new Float64Array(cap);
  const ys = new Int32Array(ham.maxConnected);
  const amps = new Float64Array(ham.maxConnected);
  let e = 0;
  for (let c = 0; c < dim; c++) {
    const r = basis[c];
    const x = o.reps[r];
    rows[e] = c;
    re[e] = o.ez[r];
    im[e] = 0;
    e++;
    const nc = ham.connectedAt(x, ys, amps);
    for (let k = 0; k < nc; k++) {
      const y = ys[k];
      const rr = o.repOf[y];
      const b = rr < 0 ? -1 : index[rr];
      if (b < 0) continue;
      const g = o.elem[y];
      const f = (amps[k] * o.sqrtOrbit[r]) / o.sqrtOrbit[rr];
      rows[e] = b;
      re[e] = f * chi.re[g];
      im[e] = f * chi.im[g];
      e++;
    }
    ptr[c + 1] = e;
  }
  return { dim, ptr, rows, re, im };
}

function diagonalizeSector(ham: ModelHamiltonian, s: Sector, solver: Level['solver']): Float64Array {
  const sp = sparseBlock(ham, s);
  const dim = sp.dim;
  const scale = ham.normBound + 1;
  // Dense blocks are packed lower triangles: (b, c) with b >= c at b (b + 1) / 2 + c. Column c
  // of the sparse block holds every (b, c), so the lower triangle is complete.
  if (solver === 'real') {
    const a = new Float64Array(packedSize(dim));
    for (let c = 0; c < dim; c++) {
      for (let e = sp.ptr[c]; e < sp.ptr[c + 1]; e++) {
        if (Math.abs(sp.im[e]) > 1e-12 * scale) throw new Error(`blockSpectrum: complex entry in the real block ${s.label}`);
        const b = sp.rows[e];
        if (b >= c) a[(b * (b + 1)) / 2 + c] += sp.re[e];
      }
    }
    return symmetricEigenvaluesPacked(a, dim);
  }
  if (solver === 'antiunitary') return symmetricEigenvaluesPacked(realForm(ham, s, sp, s.theta!, scale), dim);
  const re = new Float64Array(packedSize(dim));
  const im = new Float64Array(packedSize(dim));
  for (let c = 0; c < dim; c++) {
    for (let e = sp.ptr[c]; e < sp.ptr[c + 1]; e++) {
      const b = sp.rows[e];
      if (b < c) continue;
      re[(b * (b + 1)) / 2 + c] += sp.re[e];
      im[(b * (b + 1)) / 2 + c] += sp.im[e];
    }
  }
  return hermitianEigenvaluesPacked(re, im, dim);
}

const packedSize = (n: number): number => (n * (n + 1)) / 2;

/** {@link realFormEntries} as a dense packed lower triangle, for the dense eigensolver. */
function realForm(ham: ModelHamiltonian, s: Sector, sp: SparseBlock, theta: Int32Array, scale: number): Float64Array {
  const R = new Float64Array(packedSize(sp.dim));
  realFormEntries(ham, s, sp, theta, scale, (alpha, beta, v) => {
    if (alpha >= beta) R[(alpha * (alpha + 1)) / 2 + beta] = v;
  });
  return R;
}

/** {@link realFormEntries} as sparse real columns (im = 0), for Lanczos. */
function sparseRealForm(ham: ModelHamiltonian, s: Sector, sp: SparseBlock, theta: Int32Array, scale: number): SparseBlock {
  const dim = sp.dim;
  const ptr = new Int32Array(dim + 1);
  let rows = new Int32Array(sp.ptr[dim] * 2 + dim);
  let re = new Float64Array(rows.length);
  let e = 0;
  realFormEntries(ham, s, sp, theta, scale, (alpha, beta, v) => {
    if (e === rows.length) {
      const r2 = new Int32Array(2 * rows.length);
      r2.set(rows);
      rows = r2;
      const v2 = new Float64Array(2 * re.length);
      v2.set(re);
      re = v2;
    }
    rows[e] = alpha;
    re[e] = v;
    e++;
    ptr[beta + 1] = e;
  });
  for (let c = 0; c < dim; c++) ptr[c + 1] = Math.max(ptr[c + 1], ptr[c]);
  return { dim, ptr, rows: rows.slice(0, e), re: re.slice(0, e), im: new Float64Array(e) };
}

/**
 * The block in the Theta-invariant basis, Theta = P_theta K with Theta^2 = 1: a real symmetric
 * matrix, emitted column by column (beta ascending) as emit(alpha, beta, R_alpha beta).
 * Theta |r~> = chi(h) |r~'> where theta r = h r' (r' a representative). A fixed r
 * (r' = r, chi(h) = e^{i phi}) gives e^{i phi/2} |r~>; a pair gives (|r~> + c |r~'>)/sqrt2 and
 * i (|r~> - c |r~'>)/sqrt2. R = Q^H M Q costs O(dim N) with the sparse M and Q.
 */
function realFormEntries(
  ham: ModelHamiltonian, s: Sector, sp: SparseBlock, theta: Int32Array, scale: number,
  emit: (alpha: number, beta: number, value: number) => void,
): void {
  const { o, chi, basis } = s;
  const dim = sp.dim;
  const chunks = Math.ceil(ham.nSites / 8);
  const tables = new Int32Array(chunks * 256);
  permTables(theta, tables, 0);
  const index = new Int32Array(o.reps.length).fill(-1);
  for (let c = 0; c < dim; c++) index[basis[c]] = c;
  const partner = new Int32Array(dim);
  const cRe = new Float64Array(dim);
  const cIm = new Float64Array(dim);
  for (let c = 0; c < dim; c++) {
    const y = applyTables(tables, 0, chunks, o.reps[basis[c]]);
    const b = index[o.repOf[y]];
    if (b < 0) throw new Error(`blockSpectrum: the antiunitary leaves sector ${s.label}`);
    partner[c] = b;
    cRe[c] = chi.re[o.elem[y]];
    cIm[c] = chi.im[o.elem[y]];
  }
  // Q: up to two (column, coefficient) entries per basis state; src: the same, by real column.
  const qCol = new Int32Array(2 * dim).fill(-1);
  const qRe = new Float64Array(2 * dim);
  const qIm = new Float64Array(2 * dim);
  const h = Math.SQRT1_2;
  let col = 0;
  for (let a = 0; a < dim; a++) {
    const b = partner[a];
    if (partner[b] !== a || Math.abs(cRe[b] - cRe[a]) > 1e-9 || Math.abs(cIm[b] - cIm[a]) > 1e-9) {
      throw new Error(`blockSpectrum: Theta^2 != 1 in sector ${s.label}`);
    }
    if (b === a) {
      const phi = Math.atan2(cIm[a], cRe[a]) / 2;
      qCol[2 * a] = col;
      qRe[2 * a] = Math.cos(phi);
      qIm[2 * a] = Math.sin(phi);
      col++;
    } else if (a < b) {
      qCol[2 * a] = col;
      qRe[2 * a] = h;
      qCol[2 * a + 1] = col + 1;
      qIm[2 * a + 1] = h;
      qCol[2 * b] = col;
      qRe[2 * b] = h * cRe[a];
      qIm[2 * b] = h * cIm[a];
      // -i c / sqrt2
      qCol[2 * b + 1] = col + 1;
      qRe[2 * b + 1] = h * cIm[a];
      qIm[2 * b + 1] = -h * cRe[a];
      col += 2;
    }
  }
  const srcPtr = new Int32Array(dim + 1);
  for (let k = 0; k < 2 * dim; k++) if (qCol[k] >= 0) srcPtr[qCol[k] + 1]++;
  for (let c = 0; c < dim; c++) srcPtr[c + 1] += srcPtr[c];
  const fill = srcPtr.slice(0, dim);
  const srcState = new Int32Array(srcPtr[dim]);
  const srcK = new Int32Array(srcPtr[dim]);
  for (let k = 0; k < 2 * dim; k++) {
    if (qCol[k] < 0) continue;
    const at = fill[qCol[k]]++;
    srcState[at] = k >> 1;
    srcK[at] = k;
  }
  const accRe = new Float64Array(dim);
  const accIm = new Float64Array(dim);
  const touched = new Int32Array(dim);
  const mark = new Uint8Array(dim);
  const tol = 1e-10 * scale;
  for (let beta = 0; beta < dim; beta++) {
    let nt = 0;
    for (let q = srcPtr[beta]; q < srcPtr[beta + 1]; q++) {
      const j = srcState[q];
      const k = srcK[q];
      const ar = qRe[k];
      const ai = qIm[k];
      for (let e = sp.ptr[j]; e < sp.ptr[j + 1]; e++) {
        // t_i = M_ij Q_j beta, then R_alpha beta += conj(Q_i alpha) t_i.
        const i = sp.rows[e];
        const tr = sp.re[e] * ar - sp.im[e] * ai;
        const ti = sp.re[e] * ai + sp.im[e] * ar;
        for (let kk = 2 * i; kk < 2 * i + 2; kk++) {
          const alpha = qCol[kk];
          if (alpha < 0) continue;
          if (!mark[alpha]) {
            mark[alpha] = 1;
            touched[nt++] = alpha;
          }
          accRe[alpha] += qRe[kk] * tr + qIm[kk] * ti;
          accIm[alpha] += qRe[kk] * ti - qIm[kk] * tr;
        }
      }
    }
    for (let t = 0; t < nt; t++) {
      const alpha = touched[t];
      if (Math.abs(accIm[alpha]) > tol) throw new Error(`blockSpectrum: the real form of ${s.label} is not real`);
      if (accRe[alpha] !== 0) emit(alpha, beta, accRe[alpha]);
      accRe[alpha] = 0;
      accIm[alpha] = 0;
      mark[alpha] = 0;
    }
  }
}

/**
 * All 2^N eigenvalues, ascending, by dense diagonalization of the whole space (no symmetry), built
 * from the Hamiltonian's diagonal and connected elements: the independent reference for
 * {@link blockSpectrum}. N <= MAX_FULL_SITES; memory 4^N * 4 bytes (packed, plus its copy in
 * wasm memory), time ~13 s at N = 12 and 8x more per extra site.
 */
export function fullSpectrum(hamIn: ModelHamiltonian | Tfim): Float64Array {
  const ham = asHamiltonian(hamIn);
  const n = ham.nSites;
  if (n > MAX_FULL_SITES) throw new RangeError(`fullSpectrum: N = ${n} is above the limit ${MAX_FULL_SITES}`);
  const dim = 2 ** n;
  const a = new Float64Array(packedSize(dim));
  const ys = new Int32Array(ham.maxConnected);
  const amps = new Float64Array(ham.maxConnected);
  for (let x = 0; x < dim; x++) {
    a[(x * (x + 1)) / 2 + x] = ham.diagonalAt(x);
    // Packed lower triangle: element (y, x) with y > x.
    const nc = ham.connectedAt(x, ys, amps);
    for (let k = 0; k < nc; k++) {
      const y = ys[k];
      if (y > x) a[(y * (y + 1)) / 2 + x] += amps[k];
    }
  }
  return symmetricEigenvaluesPacked(a, dim);
}
