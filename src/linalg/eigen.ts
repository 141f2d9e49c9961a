/**
 * Eigenvalues (only) of dense real symmetric and complex Hermitian matrices on Float64Array.
 *
 * Method: Householder reduction to a real symmetric tridiagonal matrix, then implicit QL with
 * Wilkinson shifts (EISPACK tql2; the same routine gives Lanczos its Ritz values and weights).
 * Cost 4/3 n^3 (real) or 16/3 n^3 (complex) flops for the reduction and O(n^2) for the QL. ml-matrix's general decomposition is ~100x slower, hence this file.
 *
 * Storage: row-major n x n, element (i, j) at i * n + j. Only the lower triangle (j <= i) is read.
 * The input may be overwritten (the JS path works in place; the wasm path copies the lower
 * triangle into packed storage, which halves the memory traffic of the O(n^3) sweeps).
 */
import { Asm, F64, F64X2, moduleBytes, OP, T_F64, T_I32, T_V128, type Lanes } from './wasm-asm.ts';

/**
 * Reduces the symmetric tridiagonal matrix with diagonal d[0..n-1] and off-diagonal
 * e[0..n-2] (e[i] couples i and i + 1; e[n-1] is scratch) to its eigenvalues, in place in d,
 * sorted ascending (by {@link tridiagonalEigen}).
 */
export function tridiagonalEigenvalues(d: Float64Array, e: Float64Array, n: number): Float64Array {
  if (n === 0) return d;
  d.set(tridiagonalEigen(d.subarray(0, n), e.subarray(0, n - 1)).values);
  return d;
}

/**
 * Eigenvalues (ascending) and first components z_j = <e_0|u_j> of the normalized eigenvectors of the
 * symmetric tridiagonal matrix with diagonal `alpha` and off-diagonal `beta` (length n - 1). Implicit
 * QL with Wilkinson-type shifts (EISPACK tql2, as in JAMA), applying the Givens rotations to the first
 * row of the eigenvector matrix only: each row of V transforms independently, so O(n^2) work instead
 * of O(n^3).
 */
export function tridiagonalEigen(alpha: Float64Array, beta: Float64Array): { values: Float64Array; first: Float64Array } {
  const n = alpha.length;
  if (beta.length !== Math.max(0, n - 1)) throw new RangeError('tridiagonalEigen: beta must have length alpha.length - 1');
  const d = Float64Array.from(alpha);
  const e = new Float64Array(n);
  for (let i = 0; i + 1 < n; i++) e[i] = beta[i];
  const z = new Float64Array(n);
  if (n > 0) z[0] = 1;
  const eps = 2 ** -52;
  let f = 0;
  let tst1 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    // e[n-1] = 0, so m <= n - 1 always.
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new Error('tridiagonalEigen: QL iteration did not converge');
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.sqrt(p * p + 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          // p and e[i] are O(matrix norm): the plain sqrt cannot overflow (hypot is ~10x slower).
          r = Math.sqrt(p * p + e[i] * e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          h = z[i + 1];
          z[i + 1] = s * z[i] + c * h;
          z[i] = c * z[i] - s * h;
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] = d[l] + f;
    e[l] = 0;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => d[a] - d[b]);
  return { values: Float64Array.from(order, (i) => d[i]), first: Float64Array.from(order, (i) => z[i]) };
}

/**
 * Eigenvalues, ascending, of the real symmetric n x n matrix `a` (row-major; only the lower
 * triangle is read; `a` may be destroyed).
 */
export function symmetricEigenvalues(a: Float64Array, n: number): Float64Array {
  if (a.length < n * n) throw new RangeError(`symmetricEigenvalues: need ${n * n} entries, got ${a.length}`);
  return realEigenvalues(a, n, false);
}

/**
 * Eigenvalues, ascending, of the real symmetric n x n matrix given as its packed lower triangle
 * (row i holds columns 0..i and starts at i (i + 1) / 2); half the memory of
 * {@link symmetricEigenvalues}. `ap` may be destroyed.
 */
export function symmetricEigenvaluesPacked(ap: Float64Array, n: number): Float64Array {
  if (ap.length < packedSize(n)) throw new RangeError(`symmetricEigenvaluesPacked: need ${packedSize(n)} entries, got ${ap.length}`);
  return realEigenvalues(ap, n, true);
}

function realEigenvalues(a: Float64Array, n: number, packed: boolean): Float64Array {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 0) return d;
  if (n === 1) {
    d[0] = a[0];
    return d;
  }
  const { A, V, ro, sweep } = realWork(a, n, packed);
  // Four vectors in V, swapped by offset: v and w = p - K v of the pending update
  // A -= v w^T + w v^T, the next reflector u and p = A' u, which the fused sweep accumulates while
  // it forms A' (each trailing element is read and written once per step instead of twice).
  // Column 0 is the same step with v = w = 0: the sweep is then a plain matvec.
  let iv = 0;
  let iw = n;
  let iu = 2 * n;
  let ip = 3 * n;
  V.fill(0, 0, 4 * n);
  d[0] = A[0];
  let tau = householder(A, ro, n, 0, V, iu, e);
  sweep(n, 1, iv, iw, iu, ip);
  finishW(V, ip, iu, tau, 1, n);
  [iv, iu, iw, ip] = [iu, iv, ip, iw];
  for (let c = 1; c + 1 < n; c++) {
    // Bring column c up to date, form reflector c from it, then update the rest (rows > c).
    const vc = V[iv + c];
    const wc = V[iw + c];
    A[ro[c] + c] -= 2 * vc * wc;
    d[c] = A[ro[c] + c];
    for (let i = c + 1; i < n; i++) A[ro[i] + c] -= V[iv + i] * wc + V[iw + i] * vc;
    if (c + 2 < n) tau = householder(A, ro, n, c, V, iu, e);
    else {
      e[c] = A[ro[c + 1] + c];
      tau = 0;
      V.fill(0, iu + c + 1, iu + n);
    }
    V.fill(0, ip + c + 1, ip + n);
    sweep(n, c + 1, iv, iw, iu, ip);
    finishW(V, ip, iu, tau, c + 1, n);
    [iv, iu, iw, ip] = [iu, iv, ip, iw];
  }
  d[n - 1] = A[ro[n - 1] + n - 1];
  return tridiagonalEigenvalues(d, e, n);
}

/**
 * The fused step on rows/columns s..n-1 of the lower triangle: A_ij -= v_i w_j + w_i v_j, then
 * p += A u with the updated A (both triangles' contributions from the stored lower one).
 */
function sweepJs(
  A: Float64Array, ro: Float64Array, n: number, s: number, V: Float64Array, iv: number, iw: number, iu: number, ip: number,
): void {
  for (let i = s; i < n; i++) {
    const row = ro[i];
    const vi = V[iv + i];
    const wi = V[iw + i];
    const ui = V[iu + i];
    let acc = 0;
    for (let j = s; j < i; j++) {
      const x = A[row + j] - vi * V[iw + j] - wi * V[iv + j];
      A[row + j] = x;
      acc += x * V[iu + j];
      V[ip + j] += x * ui;
    }
    const x = A[row + i] - 2 * vi * wi;
    A[row + i] = x;
    V[ip + i] += acc + x * ui;
  }
}

/** Doubles in a packed lower triangle: row i holds columns 0..i and starts at i (i + 1) / 2. */
const packedSize = (n: number): number => (n * (n + 1)) / 2;
const packedRows = (n: number): Float64Array => Float64Array.from({ length: n }, (_, i) => (i * (i + 1)) / 2);

interface RealWork {
  A: Float64Array;
  V: Float64Array;
  /** Start of row i in A: i n (full storage) or i (i + 1) / 2 (packed lower triangle; always in wasm). */
  ro: Float64Array;
  sweep: (n: number, s: number, iv: number, iw: number, iu: number, ip: number) => void;
}

/** The matrix and vectors the reduction works on: wasm memory when available, else `a` itself. */
function realWork(a: Float64Array, n: number, packed: boolean): RealWork {
  const size = packedSize(n);
  const k = n >= WASM_MIN_N ? wasmKernels((size + 4 * n) * 8) : null;
  if (k) {
    wasmRuns++;
    const A = k.f64.subarray(0, size);
    const ro = packedRows(n);
    if (packed) A.set(a.subarray(0, size));
    else for (let i = 0; i < n; i++) A.set(a.subarray(i * n, i * n + i + 1), ro[i]);
    const V = k.f64.subarray(size, size + 4 * n);
    const vb = 8 * size;
    const fn = k.sweepReal;
    return { A, V, ro, sweep: (nn, s, iv, iw, iu, ip) => fn(0, nn, s, vb + 8 * iv, vb + 8 * iw, vb + 8 * iu, vb + 8 * ip) };
  }
  const V = new Float64Array(4 * n);
  const ro = packed ? packedRows(n) : Float64Array.from({ length: n }, (_, i) => i * n);
  return { A: a, V, ro, sweep: (nn, s, iv, iw, iu, ip) => sweepJs(a, ro, nn, s, V, iv, iw, iu, ip) };
}

/**
 * Reflector for column c (rows c+1..n-1) of A: writes u = V[iu + c+1 ..] with H = I - tau u u^T
 * and H x = alpha e_1, stores alpha in e[c], returns tau (0 when the column is already reduced).
 */
function householder(
  A: Float64Array, ro: Float64Array, n: number, c: number, V: Float64Array, iu: number, e: Float64Array,
): number {
  let sigma = 0;
  for (let i = c + 2; i < n; i++) {
    const x = A[ro[i] + c];
    V[iu + i] = x;
    sigma += x * x;
  }
  const x0 = A[ro[c + 1] + c];
  if (sigma === 0) {
    e[c] = x0;
    V.fill(0, iu + c + 1, iu + n);
    return 0;
  }
  const norm = Math.sqrt(x0 * x0 + sigma);
  // alpha takes the sign opposite to x0 so that u0 = x0 - alpha does not cancel.
  const alpha = x0 >= 0 ? -norm : norm;
  V[iu + c + 1] = x0 - alpha;
  e[c] = alpha;
  return 2 / ((x0 - alpha) * (x0 - alpha) + sigma);
}

/** p <- tau p - K u with K = tau^2/2 (u.p): turns p = A u into w of A' = A - u w^T - w u^T. */
function finishW(V: Float64Array, ip: number, iu: number, tau: number, s: number, n: number): void {
  if (tau === 0) {
    V.fill(0, ip + s, ip + n);
    return;
  }
  let up = 0;
  for (let i = s; i < n; i++) up += V[iu + i] * V[ip + i];
  const K = 0.5 * tau * tau * up;
  for (let i = s; i < n; i++) V[ip + i] = tau * V[ip + i] - K * V[iu + i];
}

/**
 * Eigenvalues, ascending, of the complex Hermitian n x n matrix re + i im (row-major; only the
 * lower triangle is read, the diagonal of `im` is ignored; both arrays may be destroyed).
 *
 * The reflectors H = I - tau v v^H (tau real) leave a Hermitian tridiagonal matrix with complex
 * off-diagonals alpha_k; a diagonal unitary similarity turns them into |alpha_k| without changing
 * the eigenvalues, so the real QL finishes the job.
 */
export function hermitianEigenvalues(re: Float64Array, im: Float64Array, n: number): Float64Array {
  if (re.length < n * n || im.length < n * n) throw new RangeError(`hermitianEigenvalues: need ${n * n} entries`);
  return complexEigenvalues(re, im, n, false);
}

/** {@link hermitianEigenvalues} for packed lower triangles (layout of {@link symmetricEigenvaluesPacked}). */
export function hermitianEigenvaluesPacked(re: Float64Array, im: Float64Array, n: number): Float64Array {
  const size = packedSize(n);
  if (re.length < size || im.length < size) throw new RangeError(`hermitianEigenvaluesPacked: need ${size} entries`);
  return complexEigenvalues(re, im, n, true);
}

function complexEigenvalues(re: Float64Array, im: Float64Array, n: number, packed: boolean): Float64Array {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 0) return d;
  if (n === 1) {
    d[0] = re[0];
    return d;
  }
  const { R, I, V, ro, sweep } = complexWork(re, im, n, packed);
  // Complex vectors take 2n slots of V: real parts at [o, o + n), imaginary parts at [o + n, o + 2n).
  let iv = 0;
  let iw = 2 * n;
  let iu = 4 * n;
  let ip = 6 * n;
  V.fill(0, 0, 8 * n);
  d[0] = R[0];
  let tau = cHouseholder(R, I, ro, n, 0, V, iu, e);
  sweep(n, 1, iv, iw, iu, ip);
  cFinishW(V, ip, iu, tau, 1, n);
  [iv, iu, iw, ip] = [iu, iv, ip, iw];
  for (let c = 1; c + 1 < n; c++) {
    // B -= v w^H + w v^H; element (i, c) gets v_i conj(w_c) + w_i conj(v_c).
    const vcr = V[iv + c];
    const vci = V[iv + n + c];
    const wcr = V[iw + c];
    const wci = V[iw + n + c];
    R[ro[c] + c] -= 2 * (vcr * wcr + vci * wci);
    d[c] = R[ro[c] + c];
    for (let i = c + 1; i < n; i++) {
      const vr = V[iv + i];
      const vi = V[iv + n + i];
      const wr = V[iw + i];
      const wi = V[iw + n + i];
      R[ro[i] + c] -= vr * wcr + vi * wci + wr * vcr + wi * vci;
      I[ro[i] + c] -= vi * wcr - vr * wci + wi * vcr - wr * vci;
    }
    if (c + 2 < n) tau = cHouseholder(R, I, ro, n, c, V, iu, e);
    else {
      e[c] = Math.hypot(R[ro[c + 1] + c], I[ro[c + 1] + c]);
      tau = 0;
      V.fill(0, iu + c + 1, iu + n);
      V.fill(0, iu + n + c + 1, iu + 2 * n);
    }
    V.fill(0, ip + c + 1, ip + n);
    V.fill(0, ip + n + c + 1, ip + 2 * n);
    sweep(n, c + 1, iv, iw, iu, ip);
    cFinishW(V, ip, iu, tau, c + 1, n);
    [iv, iu, iw, ip] = [iu, iv, ip, iw];
  }
  d[n - 1] = R[ro[n - 1] + n - 1];
  return tridiagonalEigenvalues(d, e, n);
}

/**
 * Complex fused step: B_ij -= v_i conj(w_j) + w_i conj(v_j) on the stored lower triangle, then
 * p += B u. Row i of B u needs sum_{j<i} B_ij u_j (from row i) and sum_{j>i} conj(B_ji) u_j
 * (scattered from later rows), hence the two accumulations per stored element.
 */
function sweepHermJs(
  R: Float64Array, I: Float64Array, ro: Float64Array, n: number, s: number,
  V: Float64Array, iv: number, iw: number, iu: number, ip: number,
): void {
  const ivI = iv + n;
  const iwI = iw + n;
  const iuI = iu + n;
  const ipI = ip + n;
  for (let i = s; i < n; i++) {
    const row = ro[i];
    const ar = V[iv + i];
    const ai = V[ivI + i];
    const br = V[iw + i];
    const bi = V[iwI + i];
    const xr = V[iu + i];
    const xi = V[iuI + i];
    let accR = 0;
    let accI = 0;
    for (let j = s; j < i; j++) {
      const wjr = V[iw + j];
      const wji = V[iwI + j];
      const vjr = V[iv + j];
      const vji = V[ivI + j];
      const yr = R[row + j] - (ar * wjr + ai * wji + br * vjr + bi * vji);
      const yi = I[row + j] - (ai * wjr - ar * wji + bi * vjr - br * vji);
      R[row + j] = yr;
      I[row + j] = yi;
      const ujr = V[iu + j];
      const uji = V[iuI + j];
      accR += yr * ujr - yi * uji;
      accI += yr * uji + yi * ujr;
      V[ip + j] += yr * xr + yi * xi;
      V[ipI + j] += yr * xi - yi * xr;
    }
    const yd = R[row + i] - 2 * (ar * br + ai * bi);
    R[row + i] = yd;
    V[ip + i] += accR + yd * xr;
    V[ipI + i] += accI + yd * xi;
  }
}

interface ComplexWork {
  R: Float64Array;
  I: Float64Array;
  V: Float64Array;
  ro: Float64Array;
  sweep: (n: number, s: number, iv: number, iw: number, iu: number, ip: number) => void;
}

function complexWork(re: Float64Array, im: Float64Array, n: number, packed: boolean): ComplexWork {
  const size = packedSize(n);
  const k = n >= WASM_MIN_N ? wasmKernels((2 * size + 8 * n) * 8) : null;
  if (k) {
    wasmRuns++;
    const R = k.f64.subarray(0, size);
    const I = k.f64.subarray(size, 2 * size);
    const ro = packedRows(n);
    if (packed) {
      R.set(re.subarray(0, size));
      I.set(im.subarray(0, size));
    } else {
      for (let i = 0; i < n; i++) {
        R.set(re.subarray(i * n, i * n + i + 1), ro[i]);
        I.set(im.subarray(i * n, i * n + i + 1), ro[i]);
      }
    }
    const V = k.f64.subarray(2 * size, 2 * size + 8 * n);
    const vb = 16 * size;
    const fn = k.sweepHerm;
    return {
      R, I, V, ro,
      sweep: (nn, s, iv, iw, iu, ip) => fn(0, 8 * size, nn, s, vb + 8 * iv, vb + 8 * iw, vb + 8 * iu, vb + 8 * ip),
    };
  }
  const V = new Float64Array(8 * n);
  const ro = packed ? packedRows(n) : Float64Array.from({ length: n }, (_, i) => i * n);
  return { R: re, I: im, V, ro, sweep: (nn, s, iv, iw, iu, ip) => sweepHermJs(re, im, ro, nn, s, V, iv, iw, iu, ip) };
}

/**
 * Complex reflector for column c: x = B[c+1.., c], alpha = -e^{i arg x0} |x|, u = x - alpha e_1,
 * tau = 2 / |u|^2 (real). Stores |alpha| in e[c] (its phase is removed by the diagonal similarity).
 */
function cHouseholder(
  R: Float64Array, I: Float64Array, ro: Float64Array, n: number, c: number, V: Float64Array, iu: number, e: Float64Array,
): number {
  let sigma = 0;
  for (let i = c + 2; i < n; i++) {
    const xr = R[ro[i] + c];
    const xi = I[ro[i] + c];
    V[iu + i] = xr;
    V[iu + n + i] = xi;
    sigma += xr * xr + xi * xi;
  }
  const x0r = R[ro[c + 1] + c];
  const x0i = I[ro[c + 1] + c];
  const abs0 = Math.hypot(x0r, x0i);
  if (sigma === 0) {
    e[c] = abs0;
    V.fill(0, iu + c + 1, iu + n);
    V.fill(0, iu + n + c + 1, iu + 2 * n);
    return 0;
  }
  const norm = Math.sqrt(abs0 * abs0 + sigma);
  const phr = abs0 === 0 ? 1 : x0r / abs0;
  const phi = abs0 === 0 ? 0 : x0i / abs0;
  // u0 = x0 - alpha = e^{i arg x0} (|x0| + |x|): no cancellation.
  V[iu + c + 1] = phr * (abs0 + norm);
  V[iu + n + c + 1] = phi * (abs0 + norm);
  e[c] = norm;
  return 2 / ((abs0 + norm) * (abs0 + norm) + sigma);
}

/** p <- tau p - K u, K = tau^2/2 Re(u^H p) (u^H B u is real for Hermitian B). */
function cFinishW(V: Float64Array, ip: number, iu: number, tau: number, s: number, n: number): void {
  if (tau === 0) {
    V.fill(0, ip + s, ip + n);
    V.fill(0, ip + n + s, ip + 2 * n);
    return;
  }
  let up = 0;
  for (let i = s; i < n; i++) up += V[iu + i] * V[ip + i] + V[iu + n + i] * V[ip + n + i];
  const K = 0.5 * tau * tau * up;
  for (let i = s; i < n; i++) {
    V[ip + i] = tau * V[ip + i] - K * V[iu + i];
    V[ip + n + i] = tau * V[ip + n + i] - K * V[iu + n + i];
  }
}

// ---------------------------------------------------------------------------------------------
// WebAssembly SIMD kernels for the two fused sweeps (the O(n^3) part). Measured on this machine:
// 7x faster than the same loop in JS (f64x2 arithmetic, no bounds checks). The module is
// assembled here from opcodes, so there is no build step and no binary blob to trust.

/** Below this size the JS loop is as fast as the copy into wasm memory. */
const WASM_MIN_N = 48;
/** Memories up to this size are kept for reuse; larger ones are dropped after the call. */
const WASM_KEEP_BYTES = 64 * 2 ** 20;

let useWasm = true;
let wasmRuns = 0;

/**
 * How many reductions have run on the wasm kernels since the process started (a JS fallback, e.g.
 * without wasm SIMD, leaves it unchanged): lets tests and benchmarks assert which path ran.
 */
export function wasmKernelRuns(): number {
  return wasmRuns;
}

/** Switches the wasm kernels on or off (the JS loops compute the same thing); returns the old setting. */
export function setWasmKernels(on: boolean): boolean {
  const old = useWasm;
  useWasm = on;
  return old;
}

interface Kernels {
  f64: Float64Array;
  /** (a, n, s, v, w, u, p), byte addresses. */
  sweepReal: (a: number, n: number, s: number, v: number, w: number, u: number, p: number) => void;
  /** (re, im, n, s, v, w, u, p), byte addresses; complex vectors hold n reals then n imaginaries. */
  sweepHerm: (re: number, im: number, n: number, s: number, v: number, w: number, u: number, p: number) => void;
}

let wasmModule: WebAssembly.Module | null | undefined;
let kept: { mem: WebAssembly.Memory; inst: WebAssembly.Instance } | undefined;

/** Kernels over a wasm memory of at least `bytes` bytes, or null when wasm SIMD is unavailable. */
function wasmKernels(bytes: number): Kernels | null {
  if (!useWasm || bytes > 2 ** 32 - 2 ** 16) return null;
  if (wasmModule === undefined) {
    try {
      wasmModule = new WebAssembly.Module(buildKernelModule());
    } catch {
      wasmModule = null;
    }
  }
  if (wasmModule === null) return null;
  const pages = Math.ceil(bytes / 65536);
  let mem: WebAssembly.Memory;
  let inst: WebAssembly.Instance;
  if (kept && kept.mem.buffer.byteLength >= bytes) ({ mem, inst } = kept);
  else if (bytes <= WASM_KEEP_BYTES && kept) {
    kept.mem.grow(pages - kept.mem.buffer.byteLength / 65536);
    ({ mem, inst } = kept);
  } else {
    mem = new WebAssembly.Memory({ initial: pages });
    inst = new WebAssembly.Instance(wasmModule, { env: { mem } });
    if (bytes <= WASM_KEEP_BYTES) kept = { mem, inst };
  }
  const ex = inst.exports as unknown as Pick<Kernels, 'sweepReal' | 'sweepHerm'>;
  return { f64: new Float64Array(mem.buffer), sweepReal: ex.sweepReal, sweepHerm: ex.sweepHerm };
}

/**
 * Emits `for i in [s, n): { for j in [s, i) step 2 (vector), tail (scalar); diagonal }` where
 * `elem(L, sfx)` emits the body for one j (locals suffixed "v" in the vector flavour) and `row`,
 * `diag` set up and finish row i. Locals used: i, i8, j8.
 */
function rowsLoop(f: Asm, row: () => void, elem: (L: Lanes, sfx: string) => void, finishRow: () => void): void {
  f.emit(f.get('s'), f.set('i'));
  f.emit(OP.block, OP.loop);
  f.emit(f.get('i'), f.get('n'), OP.geS, OP.brIf(1));
  f.emit(f.get('i'), OP.i32(3), OP.shl, f.set('i8'));
  row();
  f.emit(f.get('s'), OP.i32(3), OP.shl, f.set('j8'));
  f.emit(OP.block, OP.loop);
  f.emit(f.get('j8'), OP.i32(8), OP.add, f.get('i8'), OP.geS, OP.brIf(1));
  elem(F64X2, 'v');
  f.emit(f.get('j8'), OP.i32(16), OP.add, f.set('j8'), OP.br(0));
  f.emit(OP.end, OP.end);
  f.emit(f.get('j8'), f.get('i8'), OP.ltS, OP.if);
  elem(F64, '');
  f.emit(OP.end);
  finishRow();
  f.emit(f.get('i'), OP.i32(1), OP.add, f.set('i'), OP.br(0));
  f.emit(OP.end, OP.end);
}

/** Byte offset of packed row i: 8 i (i + 1) / 2 = 4 i (i + 1). Fits i32 up to n = 16383. */
function packedRowBytes(f: Asm): number[] {
  return [...f.get('i'), ...f.get('i'), ...OP.i32(1), ...OP.add, ...OP.mul, ...OP.i32(2), ...OP.shl];
}

function buildSweepReal(): number[] {
  const f = new Asm(['a', 'n', 's', 'v', 'w', 'u', 'p'], [
    [T_I32, ['i', 'i8', 'j8', 'row']],
    [T_F64, ['vi', 'wi', 'ui', 'acc', 'x']],
    [T_V128, ['viv', 'wiv', 'uiv', 'accv', 'xv']],
  ]);
  const ld = (L: Lanes, base: string, off: string) => [...f.addr(base, off), ...L.load];
  rowsLoop(
    f,
    () => {
      f.emit(f.get('a'), packedRowBytes(f), OP.add, f.set('row'));
      for (const [x, arr] of [['vi', 'v'], ['wi', 'w'], ['ui', 'u']]) {
        f.emit(ld(F64, arr, 'i8'), f.tee(x), OP.splat, f.set(`${x}v`));
      }
      f.emit(OP.f64(0), f.set('acc'), OP.f64(0), OP.splat, f.set('accv'));
    },
    (L, sf) => {
      // x = a_ij - vi w_j - wi v_j; a_ij = x; acc += x u_j; p_j += x ui
      f.emit(f.addr('row', 'j8'));
      f.emit(ld(L, 'row', 'j8'), f.get(`vi${sf}`), ld(L, 'w', 'j8'), L.mul, L.sub);
      f.emit(f.get(`wi${sf}`), ld(L, 'v', 'j8'), L.mul, L.sub, f.tee(`x${sf}`), L.store);
      f.emit(f.get(`acc${sf}`), f.get(`x${sf}`), ld(L, 'u', 'j8'), L.mul, L.add, f.set(`acc${sf}`));
      f.emit(f.addr('p', 'j8'), ld(L, 'p', 'j8'), f.get(`x${sf}`), f.get(`ui${sf}`), L.mul, L.add, L.store);
    },
    () => {
      f.emit(f.get('acc'), f.get('accv'), OP.lane(0), F64.add, f.get('accv'), OP.lane(1), F64.add, f.set('acc'));
      f.emit(f.addr('row', 'i8'), ld(F64, 'row', 'i8'), OP.f64(2), f.get('vi'), F64.mul, f.get('wi'), F64.mul, F64.sub);
      f.emit(f.tee('x'), F64.store);
      f.emit(f.addr('p', 'i8'), ld(F64, 'p', 'i8'), f.get('acc'), F64.add, f.get('x'), f.get('ui'), F64.mul, F64.add, F64.store);
    },
  );
  return f.body();
}

function buildSweepHerm(): number[] {
  const f = new Asm(['re', 'im', 'n', 's', 'v', 'w', 'u', 'p'], [
    [T_I32, ['i', 'i8', 'j8', 'rowR', 'rowI', 'vI', 'wI', 'uI', 'pI']],
    [T_F64, ['ar', 'ai', 'br', 'bi', 'xr', 'xi', 'accR', 'accI', 'yr', 'yi']],
    [T_V128, ['arv', 'aiv', 'brv', 'biv', 'xrv', 'xiv', 'accRv', 'accIv', 'yrv', 'yiv']],
  ]);
  const ld = (L: Lanes, base: string, off: string) => [...f.addr(base, off), ...L.load];
  // Imaginary parts of the vectors sit 8n bytes after their real parts.
  for (const [im, re] of [['vI', 'v'], ['wI', 'w'], ['uI', 'u'], ['pI', 'p']]) {
    f.emit(f.get(re), f.get('n'), OP.i32(3), OP.shl, OP.add, f.set(im));
  }
  rowsLoop(
    f,
    () => {
      f.emit(packedRowBytes(f), f.set('rowR'));
      f.emit(f.get('im'), f.get('rowR'), OP.add, f.set('rowI'));
      f.emit(f.get('re'), f.get('rowR'), OP.add, f.set('rowR'));
      const scal: Array<[string, string]> = [['ar', 'v'], ['ai', 'vI'], ['br', 'w'], ['bi', 'wI'], ['xr', 'u'], ['xi', 'uI']];
      for (const [x, arr] of scal) f.emit(ld(F64, arr, 'i8'), f.tee(x), OP.splat, f.set(`${x}v`));
      f.emit(OP.f64(0), f.set('accR'), OP.f64(0), f.set('accI'), OP.f64(0), OP.splat, f.tee('accRv'), f.set('accIv'));
    },
    (L, sf) => {
      const g = (nm: string) => f.get(`${nm}${sf}`);
      // yr = R_ij - (ar wjr + ai wji + br vjr + bi vji); yi = I_ij - (ai wjr - ar wji + bi vjr - br vji)
      f.emit(f.addr('rowR', 'j8'), ld(L, 'rowR', 'j8'));
      f.emit(g('ar'), ld(L, 'w', 'j8'), L.mul, g('ai'), ld(L, 'wI', 'j8'), L.mul, L.add);
      f.emit(g('br'), ld(L, 'v', 'j8'), L.mul, L.add, g('bi'), ld(L, 'vI', 'j8'), L.mul, L.add);
      f.emit(L.sub, f.tee(`yr${sf}`), L.store);
      f.emit(f.addr('rowI', 'j8'), ld(L, 'rowI', 'j8'));
      f.emit(g('ai'), ld(L, 'w', 'j8'), L.mul, g('ar'), ld(L, 'wI', 'j8'), L.mul, L.sub);
      f.emit(g('bi'), ld(L, 'v', 'j8'), L.mul, L.add, g('br'), ld(L, 'vI', 'j8'), L.mul, L.sub);
      f.emit(L.sub, f.tee(`yi${sf}`), L.store);
      // accR += yr ujr - yi uji; accI += yr uji + yi ujr
      f.emit(g('accR'), g('yr'), ld(L, 'u', 'j8'), L.mul, L.add, g('yi'), ld(L, 'uI', 'j8'), L.mul, L.sub, f.set(`accR${sf}`));
      f.emit(g('accI'), g('yr'), ld(L, 'uI', 'j8'), L.mul, L.add, g('yi'), ld(L, 'u', 'j8'), L.mul, L.add, f.set(`accI${sf}`));
      // p_j += conj(y) x_i: re yr xr + yi xi, im yr xi - yi xr
      f.emit(f.addr('p', 'j8'), ld(L, 'p', 'j8'), g('yr'), g('xr'), L.mul, L.add, g('yi'), g('xi'), L.mul, L.add, L.store);
      f.emit(f.addr('pI', 'j8'), ld(L, 'pI', 'j8'), g('yr'), g('xi'), L.mul, L.add, g('yi'), g('xr'), L.mul, L.sub, L.store);
    },
    () => {
      for (const acc of ['accR', 'accI']) {
        f.emit(f.get(acc), f.get(`${acc}v`), OP.lane(0), F64.add, f.get(`${acc}v`), OP.lane(1), F64.add, f.set(acc));
      }
      // yd = R_ii - 2 (ar br + ai bi); p_i += acc + yd x_i
      f.emit(f.addr('rowR', 'i8'), ld(F64, 'rowR', 'i8'), OP.f64(2), f.get('ar'), f.get('br'), F64.mul);
      f.emit(f.get('ai'), f.get('bi'), F64.mul, F64.add, F64.mul, F64.sub, f.tee('yr'), F64.store);
      f.emit(f.addr('p', 'i8'), ld(F64, 'p', 'i8'), f.get('accR'), F64.add, f.get('yr'), f.get('xr'), F64.mul, F64.add, F64.store);
      f.emit(f.addr('pI', 'i8'), ld(F64, 'pI', 'i8'), f.get('accI'), F64.add, f.get('yr'), f.get('xi'), F64.mul, F64.add, F64.store);
    },
  );
  return f.body();
}

function buildKernelModule(): Uint8Array<ArrayBuffer> {
  return moduleBytes([{ name: 'sweepReal', params: 7, body: buildSweepReal() }, { name: 'sweepHerm', params: 8, body: buildSweepHerm() }]);
}
