/**
 * Binder-cumulant crossings: the critical coupling from finite-size scaling (docs/design.md, "Critical
 * points"). At the critical point U4 = 1 - <m^4> / (3 <m^2>^2) tends to a universal value for
 * every size L (at fixed beta / L), so the curves U4(L, x) of successive sizes cross near x_c; the
 * crossings drift with the size as x(L1, L2) - x_c ~ L^-(omega + 1/nu) and are extrapolated.
 *
 * Pure functions, no I/O:
 * - {@link binderCrossings}: for each pair of successive sizes, the crossing of U4(L1) and U4(L2)
 *   in the varied parameter x: the difference d(x) = U4(L2, x) - U4(L1, x) on the shared grid,
 *   a weighted polynomial fit of d over the `window` grid points around its sign change, and the
 *   root of that fit; then an extrapolation x(L) = x_c + a L^-p in L = sqrt(L1 L2) (weighted
 *   least squares, p = `exponent`, 1 by default: "in 1/L").
 * - Errors by a parametric bootstrap with a fixed seed: every U4 value is redrawn from a normal
 *   distribution with its error bar, every crossing and the extrapolation are redone on each
 *   replica, and the errors are the standard deviations over replicas. Crossings of pairs that
 *   share a size are correlated; the bootstrap carries that into the extrapolated error.
 * Output: the `crossing.json` object of {@link CrossingResult}.
 */
import { Rng } from '../mc/rng.ts';
import { InputError } from '../util/errors.ts';

/** One measured point: size, parameter value, Binder cumulant and its error. */
export interface BinderPoint {
  L: number;
  param: number;
  binder: number;
  binder_err: number;
}

export interface CrossingOptions {
  /** Name of the varied parameter, e.g. 'Gamma' (names the estimate's fields). */
  parameter?: string;
  /** Grid points around the sign change used in the fit of U4(L2) - U4(L1) (default 4, >= 2). */
  window?: number;
  /** Degree of that fit (default 1: linear; 2 needs window >= 3). */
  degree?: 1 | 2;
  /** Exponent p of the extrapolation x = x_c + a L^-p (default 1). */
  exponent?: number;
  /** Bootstrap replicas (default 400) and their seed (default 1). */
  replicas?: number;
  seed?: number;
}

export interface CrossingPair {
  L1: number;
  L2: number;
  x: number;
  x_err: number;
}

/** The `crossing.json` object. `estimate` holds `<parameter>_c`, `<parameter>_c_err` and `method`. */
export interface CrossingResult {
  parameter: string;
  pairs: CrossingPair[];
  estimate: Record<string, number | string>;
  /** Pairs without a crossing in the grid, replicas without a root, and similar. */
  warnings: string[];
}

/** Weighted least-squares polynomial fit y ~ sum_k c_k (x - x0)^k, degree 1 or 2; returns c. */
function polyFit(x: number[], y: number[], w: number[], degree: number, x0: number): number[] {
  const m = degree + 1;
  const A = new Float64Array(m * m);
  const b = new Float64Array(m);
  for (let i = 0; i < x.length; i++) {
    const t = x[i] - x0;
    const pw = [1, t, t * t];
    for (let r = 0; r < m; r++) {
      b[r] += w[i] * pw[r] * y[i];
      for (let c = 0; c < m; c++) A[r * m + c] += w[i] * pw[r] * pw[c];
    }
  }
  // Gaussian elimination with partial pivoting (m <= 3).
  const c = Array.from(b);
  for (let k = 0; k < m; k++) {
    let p = k;
    for (let r = k + 1; r < m; r++) if (Math.abs(A[r * m + k]) > Math.abs(A[p * m + k])) p = r;
    if (p !== k) {
      for (let j = 0; j < m; j++) [A[k * m + j], A[p * m + j]] = [A[p * m + j], A[k * m + j]];
      [c[k], c[p]] = [c[p], c[k]];
    }
    for (let r = k + 1; r < m; r++) {
      const f = A[r * m + k] / A[k * m + k];
      for (let j = k; j < m; j++) A[r * m + j] -= f * A[k * m + j];
      c[r] -= f * c[k];
    }
  }
  for (let k = m - 1; k >= 0; k--) {
    for (let j = k + 1; j < m; j++) c[k] -= A[k * m + j] * c[j];
    c[k] /= A[k * m + k];
  }
  return c;
}

/** Root of the fitted polynomial nearest to x0 (NaN when there is none). */
function polyRoot(c: number[], x0: number): number {
  if (c.length === 2) return c[1] !== 0 ? x0 - c[0] / c[1] : NaN;
  const [a0, a1, a2] = c;
  if (Math.abs(a2) < 1e-14 * (Math.abs(a1) + Math.abs(a0))) return a1 !== 0 ? x0 - a0 / a1 : NaN;
  const disc = a1 * a1 - 4 * a2 * a0;
  if (disc < 0) return NaN;
  // Stable quadratic roots; keep the one nearest to the window centre.
  const q = -0.5 * (a1 + Math.sign(a1 || 1) * Math.sqrt(disc));
  const r1 = q / a2;
  const r2 = q !== 0 ? a0 / q : r1;
  return x0 + (Math.abs(r1) < Math.abs(r2) ? r1 : r2);
}

/** Weighted straight-line fit y = y0 + a u; returns y0 (with two points: the exact line). */
function lineIntercept(u: number[], y: number[], w: number[]): number {
  const c = polyFit(u, y, w, 1, 0);
  return c[0];
}

interface PairPlan {
  L1: number;
  L2: number;
  /** Indices into the shared grid of the points in the fit window. */
  xs: number[];
  i1: number[];
  i2: number[];
  centre: number;
  lo: number;
  hi: number;
}

/**
 * Crossings of U4 for successive sizes and their extrapolation (see the module comment).
 * Throws InputError when fewer than two sizes are given, a (L, param) point is repeated, or an
 * error bar is not positive.
 */
export function binderCrossings(points: BinderPoint[], opts: CrossingOptions = {}): CrossingResult {
  const parameter = opts.parameter ?? 'x';
  const window = opts.window ?? 4;
  const degree = opts.degree ?? 1;
  const exponent = opts.exponent ?? 1;
  const replicas = opts.replicas ?? 400;
  if (!(window >= 2) || !Number.isInteger(window)) throw new InputError(`crossing window must be an integer >= 2, got ${window}`);
  if (degree !== 1 && degree !== 2) throw new InputError(`crossing fit degree must be 1 or 2, got ${String(degree)}`);
  if (window <= degree) throw new InputError(`a degree-${degree} fit needs a window of at least ${degree + 1} points`);
  if (!(exponent > 0)) throw new InputError(`extrapolation exponent must be positive, got ${exponent}`);
  const seen = new Set<string>();
  for (const p of points) {
    const key = `${p.L}:${p.param}`;
    if (seen.has(key)) throw new InputError(`crossing: two rows at L = ${p.L}, ${parameter} = ${p.param}`);
    seen.add(key);
    if (![p.L, p.param, p.binder].every(Number.isFinite)) throw new InputError(`crossing: non-finite value at L = ${p.L}, ${parameter} = ${p.param}`);
    if (!(p.binder_err > 0)) throw new InputError(`crossing: binder_err must be positive (L = ${p.L}, ${parameter} = ${p.param}, got ${p.binder_err})`);
  }
  const sizes = [...new Set(points.map((p) => p.L))].sort((a, b) => a - b);
  if (sizes.length < 2) throw new InputError(`crossing: needs at least two sizes, got ${sizes.join(', ') || 'none'}`);
  const index = new Map(points.map((p, k) => [`${p.L}:${p.param}`, k]));
  const warnings: string[] = [];
  const value = points.map((p) => p.binder);
  const err = points.map((p) => p.binder_err);

  // Plan each pair once from the central values: the shared grid and the fit window around the
  // sign change of U4(L2) - U4(L1). Replicas reuse the window, so a crossing moves smoothly.
  const plans: PairPlan[] = [];
  for (let s = 0; s + 1 < sizes.length; s++) {
    const [L1, L2] = [sizes[s], sizes[s + 1]];
    const grid = [...new Set(points.filter((p) => p.L === L1 && index.has(`${L2}:${p.param}`)).map((p) => p.param))].sort((a, b) => a - b);
    const i1 = grid.map((x) => index.get(`${L1}:${x}`)!);
    const i2 = grid.map((x) => index.get(`${L2}:${x}`)!);
    const d = grid.map((_, k) => value[i2[k]] - value[i1[k]]);
    let cut = -1;
    for (let k = 0; k + 1 < grid.length; k++) {
      if (Math.sign(d[k]) !== Math.sign(d[k + 1])) {
        // Several sign changes: keep the one with the steepest change (the real crossing, not noise).
        if (cut < 0 || Math.abs(d[k + 1] - d[k]) > Math.abs(d[cut + 1] - d[cut])) cut = k;
      }
    }
    if (cut < 0) {
      warnings.push(`L = ${L1} and ${L2}: U4 curves do not cross on the ${parameter} grid ${grid[0]}..${grid[grid.length - 1]} (${grid.length} shared points)`);
      continue;
    }
    if (grid.length < window) {
      warnings.push(`L = ${L1} and ${L2}: only ${grid.length} shared ${parameter} values, fewer than the fit window ${window}`);
      if (grid.length <= degree) continue;
    }
    const w = Math.min(window, grid.length);
    let start = Math.max(0, Math.min(grid.length - w, cut + 1 - Math.floor(w / 2)));
    if (start > cut) start = cut;
    const ks = Array.from({ length: w }, (_, j) => start + j);
    plans.push({
      L1, L2, xs: ks.map((k) => grid[k]), i1: ks.map((k) => i1[k]), i2: ks.map((k) => i2[k]),
      centre: 0.5 * (grid[cut] + grid[cut + 1]), lo: grid[start], hi: grid[start + w - 1],
    });
  }

  const crossing = (plan: PairPlan, u: ArrayLike<number>): number => {
    const y = plan.xs.map((_, j) => u[plan.i2[j]] - u[plan.i1[j]]);
    const wts = plan.xs.map((_, j) => 1 / (err[plan.i1[j]] ** 2 + err[plan.i2[j]] ** 2));
    const root = polyRoot(polyFit(plan.xs, y, wts, Math.min(degree, plan.xs.length - 1), plan.centre), plan.centre);
    // A root far outside the window is not a crossing the data show.
    const span = plan.hi - plan.lo;
    return root >= plan.lo - span && root <= plan.hi + span ? root : NaN;
  };
  const leff = plans.map((p) => Math.sqrt(p.L1 * p.L2) ** -exponent);
  const extrapolate = (xs: number[], ws: number[]): number => (xs.length >= 2 ? lineIntercept(leff, xs, ws) : xs[0]);

  const central = plans.map((p) => crossing(p, value));
  const rng = new Rng(opts.seed ?? 1, 0);
  const u = new Float64Array(points.length);
  const boot: number[][] = plans.map(() => []);
  let failed = 0;
  for (let r = 0; r < replicas; r++) {
    for (let k = 0; k < points.length; k++) u[k] = value[k] + err[k] * rng.normal();
    const xs = plans.map((p) => crossing(p, u));
    if (xs.some((x) => !Number.isFinite(x))) {
      failed++;
      continue;
    }
    // Replicas are kept only when every pair has a root, so they stay aligned across pairs.
    xs.forEach((x, k) => boot[k].push(x));
  }
  if (failed > 0.1 * replicas) warnings.push(`${failed} of ${replicas} bootstrap replicas had no crossing for some pair: the crossing errors are unreliable (finer grid or smaller error bars needed)`);
  const sd = (v: number[]) => {
    if (v.length < 2) return NaN;
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
  };
  const pairs: CrossingPair[] = plans.map((p, k) => ({ L1: p.L1, L2: p.L2, x: central[k], x_err: sd(boot[k]) }));
  const good = pairs.map((p, k) => k).filter((k) => Number.isFinite(central[k]) && pairs[k].x_err > 0);
  const ws = good.map((k) => 1 / pairs[k].x_err ** 2);
  const estimate: Record<string, number | string> = {};
  if (good.length === 0) {
    warnings.push('no crossing could be located: no estimate');
    estimate[`${parameter}_c`] = NaN;
    estimate[`${parameter}_c_err`] = NaN;
    estimate.method = 'none';
  } else {
    const est = extrapolate(good.map((k) => central[k]), ws);
    const nb = boot[0]?.length ?? 0;
    const reps: number[] = [];
    for (let r = 0; r < nb; r++) reps.push(extrapolate(good.map((k) => boot[k][r]), ws));
    estimate[`${parameter}_c`] = est;
    estimate[`${parameter}_c_err`] = sd(reps);
    const pw = exponent === 1 ? '1/L' : `L^-${exponent}`;
    estimate.method =
      good.length === 1
        ? `crossing of the largest pair (L = ${pairs[good[0]].L1}, ${pairs[good[0]].L2}), not extrapolated; error by parametric bootstrap (${replicas} replicas)`
        : `weighted linear fit of ${good.length} crossings in ${pw} with L = sqrt(L1 L2), extrapolated to ${pw} = 0; ` +
          `crossings from degree-${degree} fits of U4(L2) - U4(L1) over ${window} points; errors by parametric bootstrap (${replicas} replicas, seed ${opts.seed ?? 1})`;
  }
  return { parameter, pairs, estimate, warnings };
}
