import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Matrix, EigenvalueDecomposition } from 'ml-matrix';
import { parseModel } from '../src/model/model.ts';
import { makeTfim, diagonalEnergies, type Tfim } from '../src/model/hamiltonian.ts';
import type { LatticeSpec } from '../src/model/lattice.ts';
import { ftlm, ftlmRitz, ftlmThermo, ftlmMemory } from '../src/exact/ftlm.ts';
import { lanczos, tridiagonalEigen } from '../src/linalg/lanczos.ts';
import { freeFermionChain } from '../src/exact/free-fermion.ts';
import { thermoFromSpectrum } from './support/reference.ts';

function model(lattice: LatticeSpec, J: number, Gamma: number, h = 0): Tfim {
  return makeTfim(parseModel({ lattice, hamiltonian: { kind: 'tfim', J, Gamma, h } }));
}

/** All eigenvalues by dense ED of the full 2^N matrix (N <= 9 keeps this well under a second). */
function spectrum(ham: Tfim): number[] {
  const diag = diagonalEnergies(ham);
  const dim = diag.length;
  const M = new Matrix(dim, dim);
  for (let x = 0; x < dim; x++) {
    M.set(x, x, diag[x]);
    for (let i = 0; i < ham.nSites; i++) M.set(x ^ (1 << i), x, -ham.Gamma);
  }
  return new EigenvalueDecomposition(M, { assumeSymmetric: true }).realEigenvalues;
}

function exact(ham: Tfim, temps: number[]) {
  return thermoFromSpectrum(spectrum(ham), ham.nSites, temps);
}

const temps = [0.3, 0.5, 1, 2, 3];

test('tridiagonal eigen-decomposition: values and first components', () => {
  const n = 7;
  const alpha = Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1));
  const beta = Float64Array.from({ length: n - 1 }, (_, i) => 0.3 + Math.cos(2 * i) ** 2);
  const M = new Matrix(n, n);
  for (let i = 0; i < n; i++) M.set(i, i, alpha[i]);
  for (let i = 0; i + 1 < n; i++) {
    M.set(i, i + 1, beta[i]);
    M.set(i + 1, i, beta[i]);
  }
  const ref = new EigenvalueDecomposition(M, { assumeSymmetric: true });
  const { values, first } = tridiagonalEigen(alpha, beta);
  const V = ref.eigenvectorMatrix;
  for (let j = 0; j < n; j++) {
    assert.ok(Math.abs(values[j] - ref.realEigenvalues[j]) < 1e-13);
    assert.ok(Math.abs(first[j] ** 2 - V.get(0, j) ** 2) < 1e-13);
  }
  // Moments: sum_j z_j^2 theta_j^p = (T^p)_00.
  let m2 = 0;
  for (let j = 0; j < n; j++) m2 += first[j] ** 2 * values[j] ** 2;
  assert.ok(Math.abs(m2 - (alpha[0] ** 2 + beta[0] ** 2)) < 1e-13);
  const one = tridiagonalEigen(Float64Array.of(2.5), new Float64Array(0));
  assert.equal([...one.values, ...one.first], [2.5, 1]);
});

test('Lanczos: breakdown on an invariant subspace, orthogonality with re-orthogonalization', () => {
  // A diagonal operator with 3 distinct values: the Krylov space of any vector has dimension <= 3.
  const d = Float64Array.from({ length: 50 }, (_, i) => i % 3);
  const apply = (x: Float64Array, y: Float64Array) => {
    for (let i = 0; i < x.length; i++) y[i] = d[i] * x[i];
  };
  const start = Float64Array.from({ length: 50 }, (_, i) => 1 + (i % 7));
  const r = lanczos(apply, start, 20);
  assert.is(r.alpha.length, 3);
  const { values } = tridiagonalEigen(r.alpha, r.beta);
  for (let j = 0; j < 3; j++) assert.ok(Math.abs(values[j] - j) < 1e-12);
});

test('basis vectors make the trace exact: FTLM = ED to 1e-9 (chain with h, 2D square and triangular)', () => {
  const cases: Array<[string, Tfim]> = [
    ['chain 8, h = 0.3', model({ kind: 'chain', size: [8] }, 1, 0.9, 0.3)],
    ['square 2x4 AF, h = 0.2', model({ kind: 'square', size: [4, 2] }, -1, 1.2, 0.2)],
    ['triangular 3x3 AF', model({ kind: 'triangular', size: [3, 3] }, -1, 0.8)],
  ];
  const ts = [0.1, ...temps, 10];
  for (const [name, ham] of cases) {
    const ex = exact(ham, ts);
    const ft = ftlm(ham, ts, { vectors: 0, steps: 60, seed: 0, basis: true });
    for (let k = 0; k < ts.length; k++) {
      assert.ok(Math.abs(ft[k].e - ex[k].e) < 1e-9, `${name} T=${ts[k]}: e ${ft[k].e} vs ${ex[k].e}`);
      assert.ok(Math.abs(ft[k].c - ex[k].c) < 1e-9, `${name} T=${ts[k]}: c ${ft[k].c} vs ${ex[k].c}`);
      assert.is(ft[k].e_err, 0);
    }
  }
});

test('random vectors agree with exact results within 4 error bars', () => {
  const cases: Array<[string, Tfim, { e: number; c: number }[]]> = [];
  const c10 = model({ kind: 'chain', size: [10] }, 1, 1);
  cases.push(['chain 10 critical', c10, freeFermionChain(10, 1, 1, temps)]);
  const c9 = model({ kind: 'chain', size: [9] }, -1, 0.7);
  cases.push(['chain 9 frustrated', c9, freeFermionChain(9, -1, 0.7, temps)]);
  const sq = model({ kind: 'square', size: [3, 3] }, 1, 2.5, 0.1);
  cases.push(['square 3x3, h = 0.1', sq, exact(sq, temps)]);
  const tri = model({ kind: 'triangular', size: [3, 3] }, -1, 0.8);
  cases.push(['triangular 3x3 AF', tri, exact(tri, temps)]);
  for (const [name, ham, ex] of cases) {
    for (const distribution of ['rademacher', 'gaussian'] as const) {
      const ft = ftlm(ham, temps, { vectors: 20, steps: 60, seed: 42, distribution });
      for (let k = 0; k < temps.length; k++) {
        const { e, e_err, c, c_err } = ft[k];
        assert.ok(e_err > 0 && c_err > 0);
        assert.ok(Math.abs(e - ex[k].e) < 4 * e_err, `${name} ${distribution} T=${temps[k]}: e ${e} +- ${e_err} vs ${ex[k].e}`);
        assert.ok(Math.abs(c - ex[k].c) < 4 * c_err, `${name} ${distribution} T=${temps[k]}: c ${c} +- ${c_err} vs ${ex[k].c}`);
      }
    }
  }
});

test('without re-orthogonalization the quadrature is still accurate', () => {
  const ham = model({ kind: 'chain', size: [8] }, 1, 0.9, 0.3);
  const ex = exact(ham, temps);
  const ft = ftlm(ham, temps, { vectors: 0, steps: 80, seed: 0, basis: true, reorthogonalize: false });
  for (let k = 0; k < temps.length; k++) {
    assert.ok(Math.abs(ft[k].e - ex[k].e) < 1e-8, `T=${temps[k]}: e ${ft[k].e} vs ${ex[k].e}`);
    assert.ok(Math.abs(ft[k].c - ex[k].c) < 1e-8, `T=${temps[k]}: c ${ft[k].c} vs ${ex[k].c}`);
  }
});

test('error bars shrink like 1/sqrt(R)', () => {
  const ham = model({ kind: 'chain', size: [10] }, 1, 0.8);
  const ritz = ftlmRitz(ham, { vectors: 160, steps: 40, seed: 7 });
  // Average the error over independent groups of R vectors, for R = 10 and R = 40.
  const avgErr = (R: number) => {
    let s = 0;
    let n = 0;
    for (let g = 0; g + R <= 160; g += R) {
      for (const p of ftlmThermo(ritz.slice(g, g + R), ham.nSites, temps)) {
        s += p.e_err / Math.abs(p.e) + p.c_err / p.c;
        n += 2;
      }
    }
    return s / n;
  };
  const ratio = avgErr(10) / avgErr(40);
  assert.ok(ratio > 1.6 && ratio < 2.5, `err(R=10)/err(R=40) = ${ratio}, expected ~2`);
});

test('same seed, same result; memory guard and bad input', () => {
  const ham = model({ kind: 'chain', size: [6] }, 1, 1);
  const a = ftlm(ham, [1], { vectors: 4, steps: 20, seed: 3 });
  const b = ftlm(ham, [1], { vectors: 4, steps: 20, seed: 3 });
  assert.equal(a, b);
  assert.is(ftlmMemory(20, 80), 83 * 2 ** 20 * 8);
  assert.throws(() => ftlm(ham, [1], { vectors: 4, steps: 20, seed: 3, maxBytes: 1000 }), /GiB/);
  assert.throws(() => ftlm(ham, [0], { vectors: 4, steps: 20, seed: 3 }), /temperatures/);
  assert.throws(() => ftlm(ham, [1], { vectors: 4, steps: 0, seed: 3 }), /steps/);
});

test.run();
