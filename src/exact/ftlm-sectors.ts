/**
 * Finite-temperature Lanczos (Jaklič & Prelovšek) in symmetry sectors, for models conserving Sz
 * beyond dense blocks (24 sites): Tr f(H) = sum_sectors weight_s Tr_s f(H_s), each sector trace by
 * Hutchinson's estimator E_r[r^T f(H_s) r] with R random ±1 vectors and Lanczos (Gauss) quadrature,
 * exactly as ftlm.ts does on the whole space. Working in Sz x momentum x point-group x spin-inversion
 * sectors (the blocks of blocks.ts) shrinks the vectors by the group size and makes the stochastic
 * error much smaller than on the whole space, since every sector is sampled.
 *
 * - Sectors with at most `exactBelow` states are diagonalized densely (no stochastic error).
 * - Complex (k != 0, pi) sectors run Lanczos on the real form [[Re, -Im], [Im, Re]] of the
 *   Hermitian block: a real symmetric matrix with every eigenvalue twice, so a random real vector of
 *   length 2 dim estimates twice the trace (weights halved).
 * - H = H_0 - h M with M conserved: Lanczos runs at zero field, nodes are shifted by -h M, and the
 *   spin-inverted mirror sector (-M) reuses them. Each node carries its M, which gives chi.
 * - Error bars: delete-one jackknife over the vector index r (sample r = vector r of every
 *   sector, plus the exact sectors), as for whole-space FTLM.
 */
import { InputError } from '../util/errors.ts';
import type { Row } from '../stats/row.ts';
import { Rng } from '../mc/rng.ts';
import { lanczos, tridiagonalEigen } from '../linalg/lanczos.ts';
import { asHamiltonian } from '../model/kinds.ts';
import type { ModelHamiltonian } from '../model/operator.ts';
import { binomial, forEachSector, type SparseBlock } from './blocks.ts';
import { ftlmThermo, type RitzSet } from './ftlm.ts';

export interface SectorFtlmOptions {
  /** Random vectors per sector (>= 2, for error bars). */
  vectors: number;
  /** Lanczos steps per vector. */
  steps: number;
  /** Vector r of the s-th sector visited uses the stream (seed, s * 2^16 + r) of {@link Rng}. */
  seed: number;
  /** Sectors up to this many states are diagonalized exactly (default 400). */
  exactBelow?: number;
  /** Called after each sector with (states done, states in total), counting the Sz >= 0 half. */
  onProgress?: (done: number, total: number) => void;
}

export interface SectorFtlmResult {
  rows: Row[];
  warnings: string[];
  /** Number of sectors visited, and the largest one. */
  sectors: number;
  maxSector: number;
  exactBelow: number;
}

/** Largest Lanczos vector length that gets full re-orthogonalization. */
const MAX_REORTH_LEN = 16384;

/** Growable node list: values, weights, magnetizations. */
class Nodes {
  values: number[] = [];
  weights: number[] = [];
  mags: number[] = [];
  add(v: number, w: number, m: number): void {
    this.values.push(v);
    this.weights.push(w);
    this.mags.push(m);
  }
}

/** y = A x for a real block (imaginary parts zero), columns scattered. */
function applyReal(sp: SparseBlock, x: Float64Array, y: Float64Array): void {
  y.fill(0);
  const { ptr, rows, re } = sp;
  for (let c = 0; c < sp.dim; c++) {
    const xc = x[c];
    for (let e = ptr[c]; e < ptr[c + 1]; e++) y[rows[e]] += re[e] * xc;
  }
}

/** y = [[Re, -Im], [Im, Re]] x: the real form of the Hermitian block, x = (Re x, Im x). */
function applyComplex(sp: SparseBlock, x: Float64Array, y: Float64Array): void {
  y.fill(0);
  const d = sp.dim;
  const { ptr, rows, re, im } = sp;
  for (let c = 0; c < d; c++) {
    const xr = x[c];
    const xi = x[d + c];
    for (let e = ptr[c]; e < ptr[c + 1]; e++) {
      const b = rows[e];
      y[b] += re[e] * xr - im[e] * xi;
      y[d + b] += im[e] * xr + re[e] * xi;
    }
  }
}

/**
 * FTLM e, c, chi per site (with jackknife errors) of a model that conserves Sz, in symmetry
 * sectors. Cost: R * steps sparse products over all sectors (~2^N / |translations| states per
 * product in total) plus the orbit tables (6 bytes per state of 2^N).
 */
export function ftlmSectors(hamIn: ModelHamiltonian, temps: number[], opts: SectorFtlmOptions): SectorFtlmResult {
  const ham = asHamiltonian(hamIn);
  if (!ham.conservesSz) throw new InputError(`ftlm in symmetry sectors needs a model conserving Sz (${ham.kind} here does not)`);
  const R = opts.vectors;
  if (!Number.isInteger(R) || R < 2) throw new InputError(`ftlm: vectors must be an integer >= 2 (for error bars), got ${R}`);
  if (!Number.isInteger(opts.steps) || opts.steps < 1) throw new InputError(`ftlm: steps must be a positive integer, got ${opts.steps}`);
  for (const T of temps) if (!(T > 0)) throw new InputError(`ftlm: temperatures must be > 0, got ${T}`);
  const exactBelow = opts.exactBelow ?? 400;
  const n = ham.nSites;
  let total = 0;
  for (let down = 0; 2 * down <= n; down++) total += binomial(n, down);
  const common = new Nodes();
  const perVector = Array.from({ length: R }, () => new Nodes());
  const h = ham.field;
  let done = 0;
  let sectorIndex = 0;
  let maxSector = 0;
  const workspace: Float64Array[] = [];
  forEachSector(ham, (info, sp, eigenvalues) => {
    const M = info.magnetization ?? 0;
    const add = (into: Nodes, values: ArrayLike<number>, weight: (j: number) => number) => {
      for (let j = 0; j < values.length; j++) {
        into.add(values[j] - h * M, weight(j), M);
        if (info.mirror) into.add(values[j] + h * M, weight(j), -M);
      }
    };
    maxSector = Math.max(maxSector, info.dim);
    if (info.dim <= exactBelow) {
      add(common, eigenvalues(), () => info.weight);
    } else {
      const len = info.real ? info.dim : 2 * info.dim;
      // Complex blocks: the real form doubles every eigenvalue, hence the trace.
      const scale = info.real ? info.weight : info.weight / 2;
      const apply = info.real ? (x: Float64Array, y: Float64Array) => applyReal(sp, x, y) : (x: Float64Array, y: Float64Array) => applyComplex(sp, x, y);
      const start = new Float64Array(len);
      // Full re-orthogonalization (~2 steps^2 len flops, as much as the products) only on small
      // sectors: without it ghost Ritz values merely split their quadrature weight (see ftlm.ts).
      const reorthogonalize = len <= MAX_REORTH_LEN;
      for (let r = 0; r < R; r++) {
        const rng = new Rng(opts.seed, sectorIndex * 65536 + r);
        for (let i = 0; i < len; i += 32) {
          let bits = rng.nextUint32();
          const end = Math.min(len, i + 32);
          for (let k = i; k < end; k++, bits >>>= 1) start[k] = bits & 1 ? 1 : -1;
        }
        const { alpha, beta, norm } = lanczos(apply, start, opts.steps, { reorthogonalize, workspace });
        const { values, first } = tridiagonalEigen(alpha, beta);
        add(perVector[r], values, (j) => scale * norm * norm * first[j] * first[j]);
      }
      workspace.length = 0;
    }
    sectorIndex++;
    done += info.weight * info.dim;
    opts.onProgress?.(done, total);
  });
  const ritz: RitzSet[] = perVector.map((v) => ({
    values: Float64Array.from([...common.values, ...v.values]),
    weights: Float64Array.from([...common.weights, ...v.weights]),
    mags: Float64Array.from([...common.mags, ...v.mags]),
  }));
  // Vector r's sample holds the exact sectors in full: the jackknife then sees only the stochastic part.
  const rows: Row[] = ftlmThermo(ritz, n, temps).map((p) => ({ ...p }));
  return { rows, warnings: negativeCWarnings(rows), sectors: sectorIndex, maxSector, exactBelow };
}

/** FTLM's statistical error can make c negative at low T: one warning per such row. */
export function negativeCWarnings(rows: Row[]): string[] {
  return rows.filter((r) => r.c < 0).map((r) => `ftlm: negative c = ${r.c} at T = ${r.T} (statistical error ${r.c_err})`);
}
