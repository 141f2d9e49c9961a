import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import {
  hermitianEigenvalues, hermitianEigenvaluesPacked, setWasmKernels, symmetricEigenvalues, symmetricEigenvaluesPacked,
  tridiagonalEigenvalues, wasmKernelRuns,
} from '../src/linalg/eigen.ts';
import { Rng } from '../src/mc/rng.ts';

const rng = new Rng(12345);
const uniform = () => rng.nextDouble() - 0.5;

/** Random symmetric matrix, full storage. */
function randomSymmetric(n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const x = uniform();
      a[i * n + j] = x;
      a[j * n + i] = x;
    }
  }
  return a;
}

/** Random Hermitian matrix re + i im, full storage. */
function randomHermitian(n: number): { re: Float64Array; im: Float64Array } {
  const re = randomSymmetric(n);
  const im = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const x = uniform();
      im[i * n + j] = x;
      im[j * n + i] = -x;
    }
  }
  return { re, im };
}

function reference(a: Float64Array, n: number): number[] {
  const m = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m.set(i, j, a[i * n + j]);
  return new EigenvalueDecomposition(m, { assumeSymmetric: true }).realEigenvalues.sort((x, y) => x - y);
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.is(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** Q diag(d) Q^T with Q a product of random Householder reflections (exactly known spectrum). */
function withSpectrum(d: number[]): Float64Array {
  const n = d.length;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) a[i * n + i] = d[i];
  for (let r = 0; r < 3; r++) {
    const v = Float64Array.from({ length: n }, uniform);
    const vv = v.reduce((s, x) => s + x * x, 0);
    // A <- H A H with H = I - 2 v v^T / v^T v.
    const av = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) av[i] += a[i * n + j] * v[j];
    const vav = v.reduce((s, x, i) => s + x * av[i], 0);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        a[i * n + j] += (-2 * (v[i] * av[j] + av[i] * v[j])) / vv + (4 * vav * v[i] * v[j]) / (vv * vv);
      }
    }
  }
  return a;
}

/** The wasm reductions ran at least `min` times since `before` (backend wasm), or never (js). */
function assertBackendRan(backend: 'wasm' | 'js', before: number, min: number): void {
  const ran = wasmKernelRuns() - before;
  if (backend === 'wasm') assert.ok(ran >= min, `wasm path ran ${ran} times, expected >= ${min}`);
  else assert.is(ran, 0, 'the JS path must not touch the wasm kernels');
}

for (const backend of ['wasm', 'js'] as const) {
  test(`symmetric eigenvalues match ml-matrix for n = 1..60 (${backend})`, () => {
    const old = setWasmKernels(backend === 'wasm');
    const runs = wasmKernelRuns();
    try {
      for (let n = 1; n <= 60; n++) {
        const a = randomSymmetric(n);
        const ref = reference(a, n);
        assert.ok(maxDiff(symmetricEigenvalues(a, n), ref) < 1e-10, `n = ${n}`);
      }
      // n = 48..60 are at or above the wasm threshold: the wasm path must have run (or not, for js).
      assertBackendRan(backend, runs, 60 - 48 + 1);
    } finally {
      setWasmKernels(old);
    }
  });

  test(`Hermitian eigenvalues match the real embedding [[A, -B], [B, A]] (${backend})`, () => {
    const old = setWasmKernels(backend === 'wasm');
    const runs = wasmKernelRuns();
    try {
      for (const n of [1, 2, 3, 4, 7, 16, 33, 47, 48, 49, 64, 80]) {
        const { re, im } = randomHermitian(n);
        const m = 2 * n;
        const big = new Float64Array(m * m);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            big[i * m + j] = re[i * n + j];
            big[i * m + j + n] = -im[i * n + j];
            big[(i + n) * m + j] = im[i * n + j];
            big[(i + n) * m + j + n] = re[i * n + j];
          }
        }
        const doubled = symmetricEigenvalues(big, m);
        const ev = hermitianEigenvalues(re, im, n);
        // Every eigenvalue of A + iB appears twice in the embedding.
        const pairs = Float64Array.from({ length: m }, (_, k) => ev[k >> 1]);
        assert.ok(maxDiff(pairs, doubled) < 1e-10, `n = ${n}`);
      }
      // The embeddings of n >= 24 and the complex reductions of n >= 48 (3 of them) run in wasm.
      assertBackendRan(backend, runs, 3);
    } finally {
      setWasmKernels(old);
    }
  });
}

test('wasm and JS kernels agree on a 150 x 150 matrix', () => {
  const a = randomSymmetric(150);
  const { re, im } = randomHermitian(150);
  const old = setWasmKernels(true);
  const runs = wasmKernelRuns();
  const w = symmetricEigenvalues(a.slice(), 150);
  const wh = hermitianEigenvalues(re.slice(), im.slice(), 150);
  assertBackendRan('wasm', runs, 2);
  setWasmKernels(false);
  const j = symmetricEigenvalues(a, 150);
  const jh = hermitianEigenvalues(re, im, 150);
  setWasmKernels(old);
  assert.ok(maxDiff(w, j) < 1e-11);
  assert.ok(maxDiff(wh, jh) < 1e-11);
});

test('degenerate spectra (repeated eigenvalues, rank one, zero, multiple of identity)', () => {
  for (const n of [5, 30, 70]) {
    const d = Array.from({ length: n }, (_, i) => [-2, 0, 0.5, 3][i % 4]).sort((x, y) => x - y);
    assert.ok(maxDiff(symmetricEigenvalues(withSpectrum(d), n), d) < 1e-10, `clustered n = ${n}`);
    const ones = new Float64Array(n * n).fill(1);
    const expect = Array.from({ length: n }, (_, i) => (i === n - 1 ? n : 0));
    assert.ok(maxDiff(symmetricEigenvalues(ones, n), expect) < 1e-10, `all ones n = ${n}`);
    assert.ok(maxDiff(symmetricEigenvalues(new Float64Array(n * n), n), new Float64Array(n)) === 0, `zero n = ${n}`);
    const id = new Float64Array(n * n);
    for (let i = 0; i < n; i++) id[i * n + i] = 2.5;
    assert.ok(maxDiff(symmetricEigenvalues(id, n), new Float64Array(n).fill(2.5)) === 0, `identity n = ${n}`);
  }
});

test('diagonal matrices give their diagonal, sorted, exactly', () => {
  for (const n of [1, 2, 9, 64]) {
    const a = new Float64Array(n * n);
    const d: number[] = [];
    for (let i = 0; i < n; i++) {
      const x = Math.round(uniform() * 1000) / 7;
      a[i * n + i] = x;
      d.push(x);
    }
    d.sort((x, y) => x - y);
    assert.equal(Array.from(symmetricEigenvalues(a.slice(), n)), d);
    assert.equal(Array.from(hermitianEigenvalues(a, new Float64Array(n * n), n)), d);
  }
});

test('only the lower triangle is read (NaN above the diagonal)', () => {
  const n = 60;
  const a = randomSymmetric(n);
  const ref = reference(a, n);
  const { re, im } = randomHermitian(n);
  const hre = re.slice();
  const him = im.slice();
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      a[i * n + j] = NaN;
      hre[i * n + j] = NaN;
      him[i * n + j] = NaN;
    }
    him[i * n + i] = NaN;
  }
  assert.ok(maxDiff(symmetricEigenvalues(a, n), ref) < 1e-10);
  assert.ok(maxDiff(hermitianEigenvalues(hre, him, n), hermitianEigenvalues(re, im, n)) < 1e-10);
});

/** The packed lower triangle of a full row-major matrix. */
function pack(a: Float64Array, n: number): Float64Array {
  const out = new Float64Array((n * (n + 1)) / 2);
  for (let i = 0; i < n; i++) out.set(a.subarray(i * n, i * n + i + 1), (i * (i + 1)) / 2);
  return out;
}

test('packed storage gives the same eigenvalues (wasm and JS)', () => {
  for (const on of [true, false]) {
    const old = setWasmKernels(on);
    const runs = wasmKernelRuns();
    for (const n of [1, 2, 5, 47, 48, 90]) {
      const a = randomSymmetric(n);
      const { re, im } = randomHermitian(n);
      const ref = symmetricEigenvalues(a.slice(), n);
      const refH = hermitianEigenvalues(re.slice(), im.slice(), n);
      assert.ok(maxDiff(symmetricEigenvaluesPacked(pack(a, n), n), ref) < 1e-12, `real n = ${n}`);
      assert.ok(maxDiff(hermitianEigenvaluesPacked(pack(re, n), pack(im, n), n), refH) < 1e-12, `complex n = ${n}`);
    }
    // n = 48, 90: four reductions each (reference and packed, real and complex).
    assertBackendRan(on ? 'wasm' : 'js', runs, 8);
    setWasmKernels(old);
  }
});

test('tridiagonal QL: the discrete Laplacian 2 - 2 cos(k pi / (n + 1))', () => {
  const n = 200;
  const d = new Float64Array(n).fill(2);
  const e = new Float64Array(n).fill(-1);
  const expect = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1))).sort((x, y) => x - y);
  assert.ok(maxDiff(tridiagonalEigenvalues(d, e, n), expect) < 1e-12);
});

test.run();
