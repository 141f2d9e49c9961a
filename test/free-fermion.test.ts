import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Matrix, EigenvalueDecomposition } from 'ml-matrix';
import { parseModel } from '../src/model/model.ts';
import { makeTfim, diagonalEnergies, type Tfim } from '../src/model/hamiltonian.ts';
import { freeFermionChain, freeFermionChainInfinite } from '../src/exact/free-fermion.ts';
import { thermoFromSpectrum } from './support/reference.ts';

function chain(N: number, J: number, Gamma: number): Tfim {
  return makeTfim(parseModel({ lattice: { kind: 'chain', size: [N], boundary: 'periodic' }, hamiltonian: { kind: 'tfim', J, Gamma } }));
}

/**
 * All eigenvalues of an h = 0 TFIM by dense ED in the two spin-flip sectors: |x>_s = (|x> + s|~x>)/sqrt 2
 * with x the representative whose top bit is 0; a flip landing on a non-representative y is s |~y>_s.
 */
function spectrum(ham: Tfim): number[] {
  const n = ham.nSites;
  const diag = diagonalEnergies(ham);
  const half = 2 ** (n - 1);
  const out: number[] = [];
  for (const s of [1, -1]) {
    const M = new Matrix(half, half);
    for (let x = 0; x < half; x++) {
      M.set(x, x, M.get(x, x) + diag[x]);
      for (let i = 0; i < n; i++) {
        const y = x ^ (1 << i);
        if (y < half) M.set(y, x, M.get(y, x) - ham.Gamma);
        else M.set(y ^ (2 * half - 1), x, M.get(y ^ (2 * half - 1), x) - s * ham.Gamma);
      }
    }
    out.push(...new EigenvalueDecomposition(M, { assumeSymmetric: true }).realEigenvalues);
  }
  return out;
}


const temps = [0.05, 0.2, 0.7, 1.5, 4, 20];

function compare(N: number, J: number, Gamma: number, tol = 1e-10) {
  const ed = thermoFromSpectrum(spectrum(chain(N, J, Gamma)), N, temps);
  const ff = freeFermionChain(N, J, Gamma, temps);
  for (let k = 0; k < temps.length; k++) {
    const de = Math.abs(ff[k].e - ed[k].e);
    const dc = Math.abs(ff[k].c - ed[k].c);
    assert.ok(de < tol && dc < tol, `N=${N} J=${J} Gamma=${Gamma} T=${temps[k]}: e ${ff[k].e} vs ${ed[k].e}, c ${ff[k].c} vs ${ed[k].c}`);
  }
}

test('agrees with exact diagonalization, N = 2..8, both signs of J and Gamma', () => {
  const couplings: Array<[number, number]> = [
    [1, 0.5], [1, 1], [1, 2.3], [-0.7, 1.1], [0.8, -1.3], [-1.2, -0.4], [1, 0], [0, 1.3], [-1, 1],
  ];
  for (let N = 2; N <= 8; N++) for (const [J, G] of couplings) compare(N, J, G);
});

test('agrees with exact diagonalization, N = 9 and 10 (odd N with J < 0 is the frustrated ring)', () => {
  compare(9, 1, 0.8);
  compare(9, -1, 0.6);
  compare(10, 1, 1.1);
  compare(10, -0.9, 0.4);
});

test('symmetries: Gamma -> -Gamma always, J -> -J for even N only', () => {
  const a = freeFermionChain(6, 1, 0.7, temps);
  const b = freeFermionChain(6, -1, -0.7, temps);
  const c = freeFermionChain(7, 1, 0.7, temps);
  const d = freeFermionChain(7, 1, -0.7, temps);
  const f = freeFermionChain(7, -1, 0.7, temps);
  for (let k = 0; k < temps.length; k++) {
    assert.ok(Math.abs(a[k].e - b[k].e) < 1e-13 && Math.abs(a[k].c - b[k].c) < 1e-13);
    assert.ok(Math.abs(c[k].e - d[k].e) < 1e-13 && Math.abs(c[k].c - d[k].c) < 1e-13);
  }
  // The frustrated odd ring has a higher energy than the ferromagnetic one at low T.
  assert.ok(f[0].e > c[0].e + 1e-3);
});

test('thermodynamic limit: closed forms of the integral', () => {
  const ts = [0.01, 0.1, 0.5, 2, 10];
  // Gamma = 0: classical Ising chain, e = -|J| tanh(beta |J|), c = (beta J)^2 sech^2(beta J).
  // J = 0: free spins in a field, the same with J -> Gamma.
  for (const [J, G, a] of [[1.3, 0, 1.3], [-0.8, 0, 0.8], [0, 0.6, 0.6], [0, -2, 2]]) {
    const r = freeFermionChainInfinite(J, G, ts);
    for (const { T, e, c } of r) {
      const x = a / T;
      assert.ok(Math.abs(e + a * Math.tanh(x)) < 1e-13, `J=${J} G=${G} T=${T}: e=${e}`);
      assert.ok(Math.abs(c - (x / Math.cosh(x)) ** 2) < 1e-13, `J=${J} G=${G} T=${T}: c=${c}`);
    }
  }
  // Critical point J = Gamma = 1: e0 = -4/pi; conformal low-T corrections with central charge 1/2
  // and velocity v = 2: e = e0 + pi T^2 / 24, c = pi T / 12.
  const [{ e, c }] = freeFermionChainInfinite(1, 1, [0.002]);
  assert.ok(Math.abs(e - (-4 / Math.PI + (Math.PI * 0.002 ** 2) / 24)) < 1e-9, `e = ${e}`);
  assert.ok(Math.abs(c / ((Math.PI * 0.002) / 12) - 1) < 1e-3, `c = ${c}`);
  // More nodes change nothing.
  const r1 = freeFermionChainInfinite(0.7, 1.4, ts);
  const r2 = freeFermionChainInfinite(0.7, 1.4, ts, 1600);
  for (let k = 0; k < ts.length; k++) assert.ok(Math.abs(r1[k].e - r2[k].e) < 1e-14 && Math.abs(r1[k].c - r2[k].c) < 1e-13);
});

test('large N approaches the integral, no overflow at N = 1000, T = 0.05', () => {
  // The limit is not uniform in T: the ring's parity projection differs from 1 by ~ prod tanh(beta
  // eps_k / 2), at criticality ~ exp(-pi N T / 8) (N = 1000, T = 0.05: 3e-9), and in the ordered
  // phase domain walls come in pairs on a ring, so the ring only looks infinite for N >> exp(beta Delta).
  const cases: Array<[number, number, number, number[]]> = [
    [1, 1, 2000, [0.05, 0.3, 1, 5]],
    [1, 1, 1000, [0.1, 0.3, 1, 5]],
    [-1, 1.7, 1000, [0.05, 0.3, 1, 5]],
    [0.5, -1, 1000, [0.05, 0.3, 1, 5]],
    [1, 0.6, 1000, [0.5, 1, 5]],
  ];
  for (const [J, G, N, ts] of cases) {
    const inf = freeFermionChainInfinite(J, G, ts);
    const fin = freeFermionChain(N, J, G, ts);
    for (let k = 0; k < ts.length; k++) {
      assert.ok(Number.isFinite(fin[k].e) && Number.isFinite(fin[k].c) && fin[k].c >= 0);
      assert.ok(Math.abs(fin[k].e - inf[k].e) < 1e-12, `J=${J} G=${G} T=${ts[k]}: e ${fin[k].e} vs ${inf[k].e}`);
      assert.ok(Math.abs(fin[k].c - inf[k].c) < 1e-12, `J=${J} G=${G} T=${ts[k]}: c ${fin[k].c} vs ${inf[k].c}`);
    }
  }
  // Ordered ring at T = 0.1: single domain walls (energy Delta = 2|J - Gamma| = 0.8) are forbidden,
  // pairs cost 2 Delta, so c is ~20x below the infinite chain.
  const [ring] = freeFermionChain(1000, 1, 0.6, [0.1]);
  const [bulk] = freeFermionChainInfinite(1, 0.6, [0.1]);
  assert.ok(ring.c < 0.1 * bulk.c, `ring ${ring.c} vs bulk ${bulk.c}`);
  // N = 64 in the ordered phase at low T: the two near-degenerate parity sectors both matter.
  const r = freeFermionChain(64, 1, 0.5, [0.05, 0.01]);
  for (const p of r) assert.ok(Number.isFinite(p.e) && Number.isFinite(p.c) && p.c >= 0);
  // ... and they make the ring a bulk piece: the gap 2|J - Gamma| = 1 freezes everything (c ~ 0)
  // and the finite-size correction to e is exponentially small.
  const bulk64 = freeFermionChainInfinite(1, 0.5, [0.05, 0.01]);
  r.forEach((p, k) => {
    assert.ok(Math.abs(p.e - bulk64[k].e) < 1e-9, `N = 64, T = ${p.T}: e ${p.e} vs bulk ${bulk64[k].e}`);
    assert.ok(p.c < 1e-12, `N = 64, T = ${p.T}: c ${p.c}`);
  });
  const odd = freeFermionChain(1001, -1, 0.5, [0.05]);
  assert.ok(Number.isFinite(odd[0].e) && Number.isFinite(odd[0].c));
  // An odd antiferromagnetic ring must hold one domain wall: a free kink whose band starts at
  // 2|J - Gamma| = 1 above the bulk, plus ~T/2 of kinetic energy; its band gives c ~ 1/(2N) > 0.
  const [bulkOdd] = freeFermionChainInfinite(-1, 0.5, [0.05]);
  const excess = 1001 * (odd[0].e - bulkOdd.e);
  assert.ok(excess > 1 && excess < 1 + 0.05 * 2, `kink energy ${excess}`);
  assert.ok(odd[0].c > 0.2 / 1001 && odd[0].c < 1 / 1001, `kink c ${odd[0].c}`);
  // Infinite temperature: e = 0, c = 0.
  const [hot] = freeFermionChain(12, 1, 1, [Infinity]);
  assert.is(hot.e, 0);
  assert.is(hot.c, 0);
});

test('bad input is rejected', () => {
  assert.throws(() => freeFermionChain(1, 1, 1, [1]), /N must be/);
  assert.throws(() => freeFermionChain(4.5, 1, 1, [1]), /N must be/);
  assert.throws(() => freeFermionChain(4, 1, 1, [0]), /temperatures/);
  assert.throws(() => freeFermionChain(4, NaN, 1, [1]), /finite/);
});

test.run();
