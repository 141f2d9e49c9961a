import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseModel } from '../src/model/model.ts';
import { makeHamiltonian } from '../src/model/kinds.ts';
import type { ModelHamiltonian } from '../src/model/operator.ts';
import { ftlmSectors } from '../src/exact/ftlm-sectors.ts';
import { chooseMethod, exactThermo } from '../src/exact/solver.ts';
import { forEachSector } from '../src/exact/blocks.ts';
import { hermitianEigenvalues, symmetricEigenvalues } from '../src/linalg/eigen.ts';

function xxz(lattice: unknown, ham: Record<string, unknown>): ModelHamiltonian {
  return makeHamiltonian(parseModel({ lattice, hamiltonian: { kind: 'xxz', ...ham } }));
}

const temps = [0.3, 0.5, 1, 2, 5];

test('sector matrices for Lanczos (real, real form by the antiunitary, complex) have the block eigenvalues', () => {
  const ham = xxz({ kind: 'chain', size: [10] }, { Delta: 0.7, J2: 0.4, h: 0.3 });
  let real = 0;
  let total = 0;
  forEachSector(ham, (info, sp, eigenvalues) => {
    const d = info.dim;
    const re = new Float64Array(d * d);
    const im = new Float64Array(d * d);
    for (let c = 0; c < d; c++) {
      for (let e = sp.ptr[c]; e < sp.ptr[c + 1]; e++) {
        re[sp.rows[e] * d + c] += sp.re[e];
        im[sp.rows[e] * d + c] += sp.im[e];
      }
    }
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        assert.ok(Math.abs(re[i * d + j] - re[j * d + i]) < 1e-12 && Math.abs(im[i * d + j] + im[j * d + i]) < 1e-12, 'Hermitian');
      }
    }
    if (info.real) {
      real++;
      assert.ok(im.every((x) => x === 0));
    }
    total++;
    const ev = info.real ? symmetricEigenvalues(re, d) : hermitianEigenvalues(re, im, d);
    const ref = eigenvalues();
    for (let k = 0; k < d; k++) assert.ok(Math.abs(ev[k] - ref[k]) < 1e-12, `${info.label}`);
  });
  assert.ok(real === total, 'every block of a chain is real or made real by the reflection');
});

test('sector FTLM with every sector exact = blocks (weights, mirrors, field shifts, chi)', () => {
  for (const [lattice, p] of [
    [{ kind: 'chain', size: [10] }, { Delta: 0.6, J2: 0.3, h: 0.4 }],
    [{ kind: 'square', size: [3, 3] }, { J2: 0.5, h: 0.2 }],
  ] as const) {
    const ham = xxz(lattice, p);
    const ref = exactThermo(ham, temps, { method: 'blocks' }).rows;
    const res = ftlmSectors(ham, temps, { vectors: 2, steps: 10, seed: 1, exactBelow: Infinity });
    res.rows.forEach((r, k) => {
      assert.ok(Math.abs(r.e - ref[k].e) < 1e-10 && Math.abs(r.c - ref[k].c) < 1e-9 && Math.abs(r.chi! - ref[k].chi!) < 1e-10);
      assert.is(r.e_err, 0);
    });
  }
});

test('sector FTLM (real and complex sectors by Lanczos) agrees with blocks within 4 sigma', () => {
  const ham = xxz({ kind: 'chain', size: [14] }, { Delta: 0.8, J2: 0.3, h: 0.25 });
  const ref = exactThermo(ham, temps, { method: 'blocks' }).rows;
  const res = ftlmSectors(ham, temps, { vectors: 12, steps: 50, seed: 3, exactBelow: 20 });
  res.rows.forEach((r, k) => {
    const tag = `T=${r.T}`;
    assert.ok(r.e_err > 0 && r.e_err < 0.02 * Math.abs(ref[k].e), `${tag}: e_err ${r.e_err}`);
    assert.ok(Math.abs(r.e - ref[k].e) < 4 * r.e_err, `${tag}: e ${r.e} vs ${ref[k].e} +- ${r.e_err}`);
    assert.ok(Math.abs(r.c - ref[k].c) < 4 * r.c_err, `${tag}: c ${r.c} vs ${ref[k].c} +- ${r.c_err}`);
    assert.ok(Math.abs(r.chi! - ref[k].chi!) < 4 * r.chi_err!, `${tag}: chi ${r.chi} vs ${ref[k].chi} +- ${r.chi_err}`);
  });
});

test('exactThermo: xxz FTLM through the solver, progress reported to the end, convention stated', () => {
  const ham = xxz({ kind: 'chain', size: [12] }, { J2: 0.5 });
  const calls: Array<[number, number]> = [];
  const res = exactThermo(ham, [1, 2], { method: 'ftlm', vectors: 3, steps: 30, onProgress: (d, t) => calls.push([d, t]) });
  assert.is(res.method, 'ftlm');
  assert.is(res.convention, 'spin-1/2');
  assert.match(res.solver, /Sz x momentum/);
  assert.ok(calls.length > 1 && calls.every(([d], k) => k === 0 || d > calls[k - 1][0]));
  const [d, t] = calls[calls.length - 1];
  // Sz >= 0 half of the 2^12 states: sum_{down <= 6} C(12, down) = 2510.
  assert.is(d, 2510);
  assert.is(t, 2510);
  // 24 sites: dense blocks refused at once (no 2^24 tables built), auto picks FTLM.
  const big = xxz({ kind: 'chain', size: [24] }, {});
  assert.throws(() => exactThermo(big, [1], { method: 'blocks' }), /at least \d+ states.*use --method ftlm/);
  assert.is(chooseMethod(big), 'ftlm');
  // 36 sites: beyond every exact method.
  assert.throws(() => exactThermo(xxz({ kind: 'square', size: [6, 6] }, { J2: 0.5 }), [1]), /too large/);
});

test.run();
