// The exact checker's dispatcher and its susceptibility, against closed forms.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseModel } from '../src/model/model.ts';
import { makeTfim } from '../src/model/hamiltonian.ts';
import { chooseMethod, exactMagnetizationMoments, exactThermo, exactSusceptibility } from '../src/exact/solver.ts';
import { thermalMoments } from './support/reference.ts';

const tfim = (lattice: object, J: number, Gamma: number, h = 0) =>
  makeTfim(parseModel({ lattice, hamiltonian: { kind: 'tfim', J, Gamma, h } }));

test('auto picks free fermions, blocks or FTLM and says so', () => {
  assert.is(chooseMethod(tfim({ kind: 'chain', size: [64] }, 1, 1)), 'free-fermion');
  assert.is(chooseMethod(tfim({ kind: 'square', size: [4, 4] }, 1, 3)), 'blocks');
  assert.is(chooseMethod(tfim({ kind: 'triangular', size: [3, 3] }, -1, 1)), 'blocks');
  assert.is(chooseMethod(tfim({ kind: 'chain', size: [16], boundary: 'open' }, 1, 1, 0.2)), 'ftlm');
  assert.throws(() => chooseMethod(tfim({ kind: 'square', size: [5, 5] }, 1, 1)), /too large/);
  const r = exactThermo(tfim({ kind: 'chain', size: [64] }, 1, 1), [1]);
  assert.match(r.solver, /free fermions/);
});

test('susceptibility of a single spin: tanh(beta Gamma) / Gamma', () => {
  const ham = tfim({ kind: 'graph', sites: 1, bonds: [] }, 1, 0.7);
  for (const T of [0.2, 1, 5]) {
    const [chi] = exactSusceptibility(ham, [T]);
    const want = Math.tanh(0.7 / T) / 0.7;
    assert.ok(Math.abs(chi - want) < 1e-8 * want, `T=${T}: ${chi} vs ${want}`);
  }
});

test('susceptibility of a classical pair (Gamma = 0): beta <M^2> / N', () => {
  const J = 0.8;
  const ham = tfim({ kind: 'chain', size: [2], boundary: 'open' }, J, 0);
  for (const T of [0.5, 2]) {
    const b = 1 / T;
    const z = 2 * Math.exp(b * J) + 2 * Math.exp(-b * J);
    const m2 = (4 * 2 * Math.exp(b * J)) / z;
    const [chi] = exactSusceptibility(ham, [T]);
    assert.ok(Math.abs(chi - (b * m2) / 2) < 1e-7, `T=${T}: ${chi} vs ${(b * m2) / 2}`);
  }
});

test('exact rows carry chi for small lattices only', () => {
  assert.type(exactThermo(tfim({ kind: 'square', size: [3, 3] }, 1, 1), [1]).rows[0].chi, 'number');
  assert.is(exactThermo(tfim({ kind: 'chain', size: [20] }, 1, 1), [1]).rows[0].chi, undefined);
});

test('equal-time m2, m4 from eigenvalues (d ln Z / d lambda) = dense exp(-beta H) averages, with and without a field', () => {
  for (const h of [0, 0.3]) {
    const ham = makeTfim(parseModel({ name: 't', lattice: { kind: 'chain', size: [6] }, hamiltonian: { kind: 'tfim', J: 1, Gamma: 1.1, h } }));
    const temps = [0.2, 0.7, 3];
    const got = exactMagnetizationMoments(ham, temps);
    temps.forEach((T, k) => {
      const want = thermalMoments(ham, 1 / T);
      assert.ok(Math.abs(got[k].m2 - want.m2) < 1e-8, `h ${h} T ${T}: m2 ${got[k].m2} vs ${want.m2}`);
      assert.ok(Math.abs(got[k].m4 - want.m4) < 1e-8, `h ${h} T ${T}: m4 ${got[k].m4} vs ${want.m4}`);
      assert.ok(Math.abs(got[k].binder - (1 - want.m4 / (3 * want.m2 ** 2))) < 1e-7);
    });
  }
  // A value does not depend on the other temperatures computed with it (shards of a sweep).
  const ham = makeTfim(parseModel({ name: 't', lattice: { kind: 'chain', size: [6] }, hamiltonian: { kind: 'tfim', J: 1, Gamma: 1.1, h: 0 } }));
  assert.equal(exactMagnetizationMoments(ham, [0.7])[0], exactMagnetizationMoments(ham, [0.2, 0.7, 3])[1]);
  // Rows of small TFIMs carry them; large ones do not.
  const row = exactThermo(tfim({ kind: 'square', size: [3, 3] }, 1, 3), [0.5]).rows[0];
  assert.type(row.binder, 'number');
  assert.is(exactThermo(tfim({ kind: 'chain', size: [20] }, 1, 1), [1]).rows[0].binder, undefined);
});

test('a curve evaluated with the rows (one solve) equals separate solves, for every solver', async () => {
  const { makeHamiltonian } = await import('../src/model/kinds.ts');
  const xxz = makeHamiltonian(parseModel({ lattice: { kind: 'chain', size: [16] }, hamiltonian: { kind: 'heisenberg', J: 1, J2: 0.5, h: 0 } }));
  const temps = [0.5, 2];
  const curve = [0.3, 0.7, 1.5, 4];
  const cases = [
    { ham: tfim({ kind: 'chain', size: [8] }, 1, 1), method: 'free-fermion' as const },
    { ham: tfim({ kind: 'chain', size: [8] }, 1, 1), method: 'blocks' as const },
    { ham: tfim({ kind: 'chain', size: [6], boundary: 'open' }, 1, 1, 0.2), method: 'full' as const },
    { ham: tfim({ kind: 'chain', size: [8], boundary: 'open' }, 1, 1, 0.2), method: 'ftlm' as const },
    // Sectors of up to 400 states are diagonalized exactly, the larger ones (16 sites: up to ~800) by seeded Lanczos.
    { ham: xxz, method: 'ftlm' as const },
  ];
  for (const { ham, method } of cases) {
    const both = exactThermo(ham, temps, { method, curve, vectors: 4, steps: 30 });
    const rows = exactThermo(ham, temps, { method, vectors: 4, steps: 30 });
    const alone = exactThermo(ham, curve, { method, vectors: 4, steps: 30 });
    assert.equal(both.rows, rows.rows, method);
    assert.equal(both.curve, alone.rows.map((r) => ({ T: r.T, e: r.e, c: r.c })), method);
    assert.equal(both.warnings, rows.warnings, method);
  }
  assert.is(exactThermo(xxz, temps).curve, undefined);
  assert.throws(() => exactThermo(xxz, temps, { curve: [0] }), /positive and finite/);
});

test.run();
