import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseModel, applyOverrides } from '../src/model/model.ts';
import { makeLattice } from '../src/model/lattice.ts';
import { makeHamiltonian } from '../src/model/kinds.ts';
import type { ModelHamiltonian } from '../src/model/operator.ts';
import { blockSpectrum, fullSpectrum } from '../src/exact/blocks.ts';
import { freeFermionXXChain } from '../src/exact/free-fermion.ts';
import { exactThermo } from '../src/exact/solver.ts';
import { logPartition } from '../src/exact/thermo.ts';
import { Rng } from '../src/mc/rng.ts';
import { thermoFromSpectrum } from './support/reference.ts';

function xxz(lattice: unknown, ham: Record<string, unknown>): ModelHamiltonian {
  return makeHamiltonian(parseModel({ lattice, hamiltonian: { kind: 'xxz', ...ham } }));
}

/** All eigenvalues with multiplicity, ascending; asserts the count is 2^N. */
function flatten(levels: Array<{ energies: Float64Array; weight: number }>, n: number): Float64Array {
  const out: number[] = [];
  for (const l of levels) for (let w = 0; w < l.weight; w++) for (const x of l.energies) out.push(x);
  assert.is(out.length, 2 ** n);
  return Float64Array.from(out).sort();
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.is(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

// ---- An independent dense Hamiltonian: 2x2 complex site operators applied to basis vectors. ----
type C2 = [[number, number], [number, number]][]; // [row][col] = [re, im]
const half = 0.5;
const SX: C2 = [[[0, 0], [half, 0]], [[half, 0], [0, 0]]];
const SY: C2 = [[[0, 0], [0, -half]], [[0, half], [0, 0]]];
const SZ: C2 = [[[half, 0], [0, 0]], [[0, 0], [-half, 0]]];
const PX: C2 = [[[0, 0], [1, 0]], [[1, 0], [0, 0]]];
const PZ: C2 = [[[1, 0], [0, 0]], [[0, 0], [-1, 0]]];

/** op_i acting on the complex vector (re, im); local state index = bit i (0 = up). */
function applySite(op: C2, i: number, re: Float64Array, im: Float64Array): [Float64Array, Float64Array] {
  const oRe = new Float64Array(re.length);
  const oIm = new Float64Array(re.length);
  for (let x = 0; x < re.length; x++) {
    const b = (x >> i) & 1;
    for (let a = 0; a < 2; a++) {
      const [cr, ci] = op[a][b];
      const y = (x & ~(1 << i)) | (a << i);
      oRe[y] += cr * re[x] - ci * im[x];
      oIm[y] += cr * im[x] + ci * re[x];
    }
  }
  return [oRe, oIm];
}

/** Dense real matrix (row-major) of sum_terms coef * op1_i op2_j (+ single-site terms), checked real. */
function denseFromTerms(n: number, terms: Array<{ coef: number; ops: Array<[C2, number]> }>): Float64Array {
  const dim = 2 ** n;
  const H = new Float64Array(dim * dim);
  for (let x = 0; x < dim; x++) {
    for (const t of terms) {
      let re: Float64Array = new Float64Array(dim);
      let im: Float64Array = new Float64Array(dim);
      re[x] = 1;
      for (const [op, site] of t.ops) [re, im] = applySite(op, site, re, im);
      for (let y = 0; y < dim; y++) {
        assert.ok(Math.abs(im[y]) < 1e-14, 'dense H is real');
        H[y * dim + x] += t.coef * re[y];
      }
    }
  }
  return H;
}

function denseXxz(n: number, pairs: Array<[number, number, number, number]>, h: number): Float64Array {
  const terms: Array<{ coef: number; ops: Array<[C2, number]> }> = [];
  for (const [i, j, jz, jxy] of pairs) {
    terms.push({ coef: jz, ops: [[SZ, i], [SZ, j]] }, { coef: jxy, ops: [[SX, i], [SX, j]] }, { coef: jxy, ops: [[SY, i], [SY, j]] });
  }
  for (let i = 0; i < n; i++) terms.push({ coef: -h, ops: [[SZ, i]] });
  return denseFromTerms(n, terms);
}

/** Dense matrix from the interface: config-based (`diagonal`/`connected`) and index-based, checked equal. */
function denseFromInterface(ham: ModelHamiltonian): Float64Array {
  const n = ham.nSites;
  const dim = 2 ** n;
  const A = new Float64Array(dim * dim);
  const B = new Float64Array(dim * dim);
  const s = new Int8Array(n + 2);
  const sa = new Int32Array(ham.maxConnected);
  const sb = new Int32Array(ham.maxConnected);
  const amp = new Float64Array(ham.maxConnected);
  const ys = new Int32Array(ham.maxConnected);
  const amps = new Float64Array(ham.maxConnected);
  for (let x = 0; x < dim; x++) {
    // Config at offset 2 (the offset must be honoured): s_i = +1 when bit i is 0.
    for (let i = 0; i < n; i++) s[2 + i] = (x >> i) & 1 ? -1 : 1;
    A[x * dim + x] += ham.diagonal(s, 2);
    const nc = ham.connected(s, 2, sa, sb, amp);
    for (let k = 0; k < nc; k++) {
      const y = x ^ (1 << sa[k]) ^ (sb[k] >= 0 ? 1 << sb[k] : 0);
      A[y * dim + x] += amp[k];
    }
    B[x * dim + x] += ham.diagonalAt(x);
    const nk = ham.connectedAt(x, ys, amps);
    const seen = new Set<number>();
    for (let k = 0; k < nk; k++) {
      assert.not.ok(seen.has(ys[k]), 'connectedAt lists each state once');
      seen.add(ys[k]);
      B[ys[k] * dim + x] += amps[k];
    }
  }
  assert.ok(maxDiff(A, B) < 1e-14, 'config-based and index-based elements agree');
  return A;
}

test('XXZ interface = dense spin-1/2 operators (chain with J2 and h, open chain, graph with bonds2)', () => {
  const chainPairs = (n: number, J: number, D: number, J2: number): Array<[number, number, number, number]> => {
    const p: Array<[number, number, number, number]> = [];
    for (let i = 0; i < n; i++) p.push([i, (i + 1) % n, J * D, J]);
    for (let i = 0; i < n; i++) p.push([i, (i + 2) % n, J2, J2]);
    return p;
  };
  const a = xxz({ kind: 'chain', size: [6] }, { J: 1.3, Delta: 0.4, J2: 0.7, h: 0.3 });
  assert.ok(maxDiff(denseFromInterface(a), denseXxz(6, chainPairs(6, 1.3, 0.4, 0.7), 0.3)) < 1e-14);
  const open: Array<[number, number, number, number]> = [[0, 1, -0.8, 1], [1, 2, -0.8, 1], [2, 3, -0.8, 1], [3, 4, -0.8, 1], [0, 2, 0.5, 0.5], [1, 3, 0.5, 0.5], [2, 4, 0.5, 0.5]];
  const b = xxz({ kind: 'chain', size: [5], boundary: 'open' }, { J: 1, Delta: -0.8, J2: 0.5 });
  assert.ok(maxDiff(denseFromInterface(b), denseXxz(5, open, 0)) < 1e-14);
  const g = xxz({ kind: 'graph', sites: 5, bonds: [[0, 1], [1, 2, 0.5], [3, 4, -1], [0, 4]], bonds2: [[0, 2, 2], [1, 3]] }, { J: 2, Delta: 1.5, J2: 0.25, h: -0.2 });
  const gp: Array<[number, number, number, number]> = [[0, 1, 3, 2], [1, 2, 1.5, 1], [3, 4, -3, -2], [0, 4, 3, 2], [0, 2, 0.5, 0.5], [1, 3, 0.25, 0.25]];
  assert.ok(maxDiff(denseFromInterface(g), denseXxz(5, gp, -0.2)) < 1e-14);
  assert.is(a.convention, 'spin-1/2');
});

test('TFIM interface = dense Pauli operators', () => {
  const ham = makeHamiltonian(parseModel({ lattice: { kind: 'chain', size: [5] }, hamiltonian: { kind: 'tfim', J: 0.7, Gamma: 1.3, h: 0.2 } }));
  const terms: Array<{ coef: number; ops: Array<[C2, number]> }> = [];
  for (let i = 0; i < 5; i++) terms.push({ coef: -0.7, ops: [[PZ, i], [PZ, (i + 1) % 5]] }, { coef: -1.3, ops: [[PX, i]] }, { coef: -0.2, ops: [[PZ, i]] });
  assert.ok(maxDiff(denseFromInterface(ham), denseFromTerms(5, terms)) < 1e-14);
  assert.is(ham.convention, 'pauli');
});

function randomGraph(n: number, seed: number): unknown {
  const rng = new Rng(seed);
  const bonds: Array<[number, number, number]> = [];
  const bonds2: Array<[number, number, number]> = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const u = rng.nextDouble();
      if (u < 0.35) bonds.push([i, j, 2 * rng.nextDouble() - 0.5]);
      else if (u < 0.5) bonds2.push([i, j, rng.nextDouble()]);
    }
  }
  return { kind: 'graph', sites: n, bonds, bonds2 };
}

const temps = [0.1, 0.5, 1, 3, 20];

const cases: Array<[string, unknown, Array<Record<string, number>>]> = [
  ['periodic chain 8', { kind: 'chain', size: [8] }, [{ Delta: 1 }, { Delta: 0.5, J2: 0.5, h: 0.3 }, { Delta: -1.5, J2: -0.3, h: 0.1 }]],
  ['periodic chain 10', { kind: 'chain', size: [10] }, [{ Delta: 1, J2: 0.5 }, { Delta: 2, h: 0.7 }]],
  ['periodic chain 7 (odd)', { kind: 'chain', size: [7] }, [{ Delta: 1, J2: 0.2, h: 0.2 }]],
  ['periodic chain 4 (pairs i, i+2 counted once)', { kind: 'chain', size: [4] }, [{ Delta: 0.7, J2: 0.9, h: 0.1 }]],
  ['open chain 9', { kind: 'chain', size: [9], boundary: 'open' }, [{ Delta: 1, J2: 0.4, h: 0.25 }]],
  ['square 3x3', { kind: 'square', size: [3, 3] }, [{ Delta: 1, J2: 0.5 }, { Delta: 0.3, J2: 0.1, h: 0.4 }]],
  ['square 2x4 (doubled bonds counted once)', { kind: 'square', size: [2, 4] }, [{ Delta: 1, J2: 0.5, h: 0.2 }]],
  ['square 3x3 open', { kind: 'square', size: [3, 3], boundary: 'open' }, [{ Delta: 1.2, J2: 0.6 }]],
  ['triangular 3x3', { kind: 'triangular', size: [3, 3] }, [{ Delta: 1, J2: 0.15, h: 0.3 }]],
  ['random 10-site graph with bonds2', randomGraph(10, 5), [{ Delta: 0.8, J2: 0.6, h: 0.15 }, { Delta: 1, J2: 1 }]],
];

for (const [name, lattice, params] of cases) {
  test(`XXZ blocks = dense ED (e, c, chi, E0): ${name}`, () => {
    for (const p of params) {
      const ham = xxz(lattice, p);
      const n = ham.nSites;
      const full = fullSpectrum(ham);
      const spec = blockSpectrum(ham);
      const d = maxDiff(flatten(spec.levels, n), full);
      assert.ok(d < 1e-10, `${name} ${JSON.stringify(p)}: spectra differ by ${d}`);
      const res = exactThermo(ham, temps, { method: 'blocks' });
      const ref = thermoFromSpectrum(Array.from(full), n, temps);
      res.rows.forEach((r, k) => {
        assert.ok(Math.abs(r.e - ref[k].e) < 1e-10 && Math.abs(r.c - ref[k].c) < 1e-10, `${name} T=${r.T}: e, c`);
      });
      if (p === params[0]) {
        // chi = beta var(M)/N = (T/N) d^2 ln Z/dh^2, here by a Richardson second difference of dense spectra.
        const dh = 1e-3;
        const lz = [-2, -1, 0, 1, 2].map((k) => (k === 0 ? full : fullSpectrum(xxz(lattice, { ...p, h: (p.h ?? 0) + k * dh }))));
        res.rows.forEach((r) => {
          const L = lz.map((E) => logPartition([{ energies: E, weight: 1 }], 1 / r.T));
          const d1 = (L[3] - 2 * L[2] + L[1]) / dh ** 2;
          const d2 = (L[4] - 2 * L[2] + L[0]) / (4 * dh ** 2);
          const chi = (r.T * (4 * d1 - d2)) / 3 / n;
          assert.ok(Math.abs(r.chi! - chi) < 1e-6 * Math.max(1, chi), `${name} T=${r.T}: chi ${r.chi} vs ${chi}`);
        });
      }
      assert.ok(Math.abs(res.E0_per_site! - full[0] / n) < 1e-12);
      assert.is(res.convention, 'spin-1/2');
    }
  });
}

test('Majumdar-Ghosh chain (J2 = J/2): E0 = -3/8 per site for even N >= 6, periodic', () => {
  for (const n of [6, 8, 10, 12, 14, 16]) {
    const res = exactThermo(xxz({ kind: 'chain', size: [n] }, { J: 1, J2: 0.5 }), [1], { method: 'blocks' });
    assert.ok(Math.abs(res.E0_per_site! + 0.375) < 1e-12, `N = ${n}: ${res.E0_per_site}`);
  }
});

test('bond-counting pitfall: the 4-site ring has 2 second-neighbour pairs, so MG gives -0.5, not -3/8', () => {
  // Pairs (0,2), (1,3) counted once each: H = sum_i S_i.S_{i+1} + (1/2)(S_0.S_2 + S_1.S_3). With
  // A = S_0 + S_2, B = S_1 + S_3: H = A.B + (A^2 + B^2 - 3)/4; A = B = 1, total spin 0 gives
  // -2 + (2 + 2 - 3)/4 = -7/4 (per site -7/16), A = 1, B = 0 etc. are higher; computed by ED here:
  const lat = makeLattice({ kind: 'chain', size: [4] });
  assert.is(lat.bonds2.I.length, 2);
  const e0 = fullSpectrum(xxz({ kind: 'chain', size: [4] }, { J2: 0.5 }))[0];
  assert.ok(Math.abs(e0 - -1.75) < 1e-12, `E0 = ${e0}`);
  // 2-site ring: one distinct bond, E0 = -3/4 J (a singlet), not the doubled -3/2.
  assert.ok(Math.abs(fullSpectrum(xxz({ kind: 'chain', size: [2] }, {}))[0] + 0.75) < 1e-14);
  // 4x4 torus: 4 nearest and 4 diagonal neighbours per site, 2N pairs of each.
  const sq = makeLattice({ kind: 'square', size: [4, 4] });
  assert.is(sq.bonds2.I.length, 32);
  const deg = new Int32Array(16);
  for (let b = 0; b < 32; b++) {
    deg[sq.bonds2.I[b]]++;
    deg[sq.bonds2.J[b]]++;
  }
  assert.ok(deg.every((d) => d === 4));
  assert.is(makeLattice({ kind: 'triangular', size: [4, 4] }).bonds2.I.length, 48);
});

test('convention pitfall: spin-1/2 operators, not Pauli (singlet -3/4 J, Curie chi T -> 1/4)', () => {
  const ham = xxz({ kind: 'chain', size: [2], boundary: 'open' }, { J: 1 });
  const E = fullSpectrum(ham);
  // S1.S2 = -3/4 (singlet), +1/4 (triplet); with Pauli matrices it would be -3 and +1.
  assert.ok(maxDiff(E, [-0.75, 0.25, 0.25, 0.25]) < 1e-14);
  const hot = exactThermo(xxz({ kind: 'chain', size: [8] }, { J: 1 }), [1000], { method: 'blocks' }).rows[0];
  // Free spins: chi = beta var(M)/N = beta/4 for M = sum Sz.
  assert.ok(Math.abs(hot.chi! * 1000 - 0.25) < 1e-3, `chi T = ${hot.chi! * 1000}`);
});

test('4x4 Heisenberg torus: E0 = -11.2284832', () => {
  const res = exactThermo(xxz({ kind: 'square', size: [4, 4] }, { J: 1 }), [1], { method: 'blocks' });
  assert.ok(Math.abs(res.E0_per_site! * 16 + 11.2284832) < 5e-7, `${res.E0_per_site! * 16}`);
});

test('Heisenberg chain E0/N approaches 1/4 - ln 2 with the conformal 1/N^2 correction', () => {
  // E0/N = e_inf - pi v c / (6 N^2) with v = pi J / 2, c = 1, up to log corrections (~1e-4 here).
  const eInf = 0.25 - Math.LN2;
  for (const n of [12, 16]) {
    const e0 = exactThermo(xxz({ kind: 'chain', size: [n] }, {}), [1], { method: 'blocks' }).E0_per_site!;
    const cft = eInf - (Math.PI * Math.PI) / (12 * n * n);
    assert.ok(Math.abs(e0 - cft) < 2e-4, `N = ${n}: ${e0} vs ${cft}`);
  }
});

test('XX chain by free fermions = dense ED (periodic, N = 3..10, with h, J of both signs)', () => {
  for (const n of [3, 4, 5, 6, 9, 10]) {
    for (const [J, h] of [[1, 0], [1, 0.35], [-0.7, 0.9], [1.2, -1.5]]) {
      const ham = xxz({ kind: 'chain', size: [n] }, { J, Delta: 0, h });
      const full = Array.from(fullSpectrum(ham));
      const ref = thermoFromSpectrum(full, n, temps);
      const ff = freeFermionXXChain(n, J, h, temps);
      const blocks = exactThermo(ham, temps, { method: 'blocks' }).rows;
      ff.forEach((p, k) => {
        const tag = `N=${n} J=${J} h=${h} T=${p.T}`;
        assert.ok(Math.abs(p.e - ref[k].e) < 1e-12 && Math.abs(p.c - ref[k].c) < 1e-11, `${tag}: e ${p.e} vs ${ref[k].e}, c ${p.c} vs ${ref[k].c}`);
        assert.ok(Math.abs(p.chi! - blocks[k].chi!) < 1e-11, `${tag}: chi ${p.chi} vs ${blocks[k].chi}`);
      });
    }
  }
  assert.is(exactThermo(xxz({ kind: 'chain', size: [64] }, { Delta: 0 }), [1]).method, 'free-fermion');
});

test('XX chain far beyond ED: N = 20000 at low T gives the infinite-chain e0 = -J/pi', () => {
  const [p] = freeFermionXXChain(20000, 1, 0, [0.002]);
  assert.ok(Math.abs(p.e + 1 / Math.PI) < 1e-5, `e = ${p.e}`);
  // chi of the infinite XX chain at T -> 0: 1/(pi J) (density of states at the Fermi level).
  assert.ok(Math.abs(p.chi! - 1 / Math.PI) < 1e-4, `chi = ${p.chi}`);
  // Sommerfeld: c = (pi^2/3) rho(0) T = pi T / 3.
  assert.ok(Math.abs(p.c - (Math.PI * 0.002) / 3) < 1e-6, `c = ${p.c}`);
});

test('TFIM at Gamma = 0 conserves Sz: blocks by Sz = dense ED, chi exact', () => {
  const ham = makeHamiltonian(parseModel({ lattice: { kind: 'square', size: [3, 3] }, hamiltonian: { kind: 'tfim', J: -1, Gamma: 0, h: 0.3 } }));
  assert.ok(ham.conservesSz);
  const full = fullSpectrum(ham);
  assert.ok(maxDiff(flatten(blockSpectrum(ham).levels, 9), full) < 1e-12);
  const rows = exactThermo(ham, temps, { method: 'blocks' }).rows;
  const ref = thermoFromSpectrum(Array.from(full), 9, temps);
  rows.forEach((r, k) => assert.ok(Math.abs(r.e - ref[k].e) < 1e-12 && r.chi! > 0));
});

test('XX chain: free fermions = blocks at N = 16', () => {
  for (const n of [16]) {
    const ham = xxz({ kind: 'chain', size: [n] }, { Delta: 0, h: 0.3 });
    const b = exactThermo(ham, [0.2, 1, 4], { method: 'blocks' }).rows;
    const f = freeFermionXXChain(n, 1, 0.3, [0.2, 1, 4]);
    f.forEach((p, k) => assert.ok(Math.abs(p.e - b[k].e) + Math.abs(p.c - b[k].c) + Math.abs(p.chi! - b[k].chi!) < 1e-11));
  }
});

test('model files: xxz and heisenberg kinds, defaults, expressions, errors name the field', () => {
  const m = parseModel({ lattice: { kind: 'chain', size: [4] }, hamiltonian: { kind: 'heisenberg', J2: 'J / 2', J: 2 } });
  assert.equal(m.hamiltonian, { kind: 'xxz', J: 2, Delta: 1, J2: 1, h: 0 });
  const t = parseModel({ lattice: { kind: 'chain', size: [4] }, hamiltonian: { kind: 'tfim', J: '-1', Gamma: '3.04438 * abs(J)', h: 'Gamma / 10' } });
  assert.ok(Math.abs(t.hamiltonian.Gamma! - 3.04438) < 1e-15 && Math.abs(t.hamiltonian.h - 0.304438) < 1e-15);
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ kind: 'xxz', Delta: 'x' }, /^model\.hamiltonian\.Delta: cannot evaluate "x"/],
    [{ kind: 'xxz', Delta: true }, /^model\.hamiltonian\.Delta: expected a finite number/],
    [{ kind: 'xxz', Delta: 'sqrt(-1)' }, /^model\.hamiltonian\.Delta: .*finite real/],
    [{ kind: 'xxz', Delta: '1/0' }, /^model\.hamiltonian\.Delta: .*finite real/],
    [{ kind: 'xxz', Delta: 'J2', J2: 'Delta' }, /^model\.hamiltonian\.(Delta|J2): cannot evaluate/],
    [{ kind: 'heisenberg', Delta: 0.5 }, /^model\.hamiltonian\.Delta: not allowed/],
    [{ kind: 'xxz', Gamma: 1 }, /^model\.hamiltonian\.Gamma: unknown field/],
  ];
  for (const [h, re] of bad) assert.throws(() => parseModel({ lattice: { kind: 'chain', size: [4] }, hamiltonian: h }), re);
  assert.throws(() => parseModel({ lattice: { kind: 'graph', sites: 3, bonds: [[0, 1]], bonds2: [[0, 2]] }, hamiltonian: { kind: 'tfim', Gamma: 1 } }), /^model\.lattice\.bonds2:/);
  assert.throws(() => parseModel({ lattice: { kind: 'graph', sites: 3, bonds: [[0, 1]], bonds2: [[0, 3]] }, hamiltonian: { kind: 'xxz' } }), /^model\.lattice\.bonds2\[0\]/);
});

test('applyOverrides edits the raw model before validation', () => {
  const raw = { name: 'x', lattice: { kind: 'square', size: [4, 4] }, hamiltonian: { kind: 'xxz', J: 1, J2: 0.5 } };
  const out = applyOverrides(raw, { set: { J2: '0.25', Delta: 'J / 2' }, size: [2, 4] });
  assert.equal(raw.lattice.size, [4, 4], 'pure: the input is untouched');
  const m = parseModel(out);
  assert.equal(m.lattice, { kind: 'square', size: [2, 4], boundary: 'periodic' });
  assert.equal(m.hamiltonian, { kind: 'xxz', J: 1, Delta: 0.5, J2: 0.25, h: 0 });
  assert.throws(() => applyOverrides(raw, { set: { Gamma: '1' } }), /Gamma/);
  assert.throws(() => applyOverrides({ lattice: { kind: 'graph', sites: 2, bonds: [] }, hamiltonian: { kind: 'tfim', Gamma: 1 } }, { size: [3] }), /size/);
});

test.run();
