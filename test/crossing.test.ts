// Binder crossings on synthetic data with a known crossing: exact curves give the crossing to
// rounding; noisy curves give it within 4 reported sigma; the extrapolation removes a known drift.
import { test } from 'uvu';
import { withCrossingSection } from '../src/sweep/crossing-files.ts';
import * as assert from 'uvu/assert';
import { binderCrossings, type BinderPoint } from '../src/sweep/crossing.ts';
import { Rng } from '../src/mc/rng.ts';
import { InputError } from '../src/util/errors.ts';

const XC = 3.04438;
const grid = (lo: number, hi: number, n: number) => Array.from({ length: n }, (_, k) => lo + ((hi - lo) * k) / (n - 1));

/**
 * U4(L, x) = 0.6 - 0.3 tanh((x - xc) L / 4) + b / L: with b != 0 the crossing of L1 and L2 sits
 * near xc - 4 b / (0.3 L1 L2), a drift ~ L^-2 in L = sqrt(L1 L2).
 */
function synthetic(sizes: number[], b: number, noise: number, seed: number, xs = grid(2.95, 3.14, 9)): BinderPoint[] {
  const rng = new Rng(seed, 0);
  return sizes.flatMap((L) =>
    xs.map((x) => ({ L, param: x, binder: 0.6 - 0.3 * Math.tanh(((x - XC) * L) / 4) + b / L + noise * rng.normal(), binder_err: noise || 1e-6 })),
  );
}

/** Exact crossing of two synthetic curves by bisection. */
function trueCrossing(L1: number, L2: number, b: number): number {
  const d = (x: number) => -0.3 * Math.tanh(((x - XC) * L2) / 4) + b / L2 + 0.3 * Math.tanh(((x - XC) * L1) / 4) - b / L1;
  let lo = 2.5;
  let hi = 3.5;
  for (let k = 0; k < 200; k++) {
    const mid = 0.5 * (lo + hi);
    if (Math.sign(d(mid)) === Math.sign(d(lo))) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

test('curves through one point: every pair crosses there, and so does the estimate', () => {
  const r = binderCrossings(synthetic([8, 12, 16, 24], 0, 0, 1), { parameter: 'Gamma' });
  assert.is(r.parameter, 'Gamma');
  assert.equal(r.pairs.map((p) => [p.L1, p.L2]), [[8, 12], [12, 16], [16, 24]]);
  // Grid spacing 0.024 and a straight line through 4 points of a tanh difference: the cubic term
  // gives an interpolation error of up to ~2e-4 at the steepest pair, ~2x that after the
  // extrapolation (measured 2.0e-4 and 3.5e-4), 20x below the 0.3% target.
  for (const p of r.pairs) assert.ok(Math.abs(p.x - XC) < 3e-4, `${p.L1},${p.L2}: ${p.x}`);
  assert.ok(Math.abs((r.estimate.Gamma_c as number) - XC) < 5e-4, `${r.estimate.Gamma_c}`);
  assert.type(r.estimate.Gamma_c_err, 'number');
  assert.match(String(r.estimate.method), /weighted linear fit of 3 crossings in 1\/L/);
  assert.equal(r.warnings, []);
});

test('noisy curves: crossings and estimate within 4 sigma; errors of the size of the scatter', () => {
  const noise = 0.004;
  const devs: number[] = [];
  for (let seed = 1; seed <= 6; seed++) {
    const r = binderCrossings(synthetic([8, 12, 16, 24], 0, noise, seed), { parameter: 'Gamma', seed: 7 });
    for (const p of r.pairs) {
      const dev = (p.x - XC) / p.x_err;
      assert.ok(p.x_err > 0 && Math.abs(dev) < 4, `seed ${seed} ${p.L1},${p.L2}: ${p.x} ± ${p.x_err}`);
      devs.push(dev);
    }
    const e = r.estimate;
    assert.ok(Math.abs((e.Gamma_c as number) - XC) < 4 * (e.Gamma_c_err as number), `seed ${seed}: ${e.Gamma_c} ± ${e.Gamma_c_err}`);
  }
  // The bootstrap errors are neither far too large nor far too small: the rms of the deviations
  // in units of the error bar is of order one (18 crossings; a 2x misestimate fails).
  const rms = Math.sqrt(devs.reduce((a, d) => a + d * d, 0) / devs.length);
  assert.ok(rms > 0.5 && rms < 2, `rms deviation ${rms.toFixed(2)} sigma`);
});

test('same input and seed, same result', () => {
  const pts = synthetic([8, 12, 16], 0, 0.004, 3);
  assert.equal(binderCrossings(pts, { seed: 5 }), binderCrossings(pts, { seed: 5 }));
});

test('a drift ~ L^-2 is removed by the extrapolation in L^-2 and not by the largest pair alone', () => {
  const b = 0.1;
  const sizes = [8, 12, 16, 24];
  const pts = synthetic(sizes, b, 0, 1, grid(2.9, 3.1, 41));
  const r = binderCrossings(pts, { parameter: 'Gamma', exponent: 2, degree: 2 });
  r.pairs.forEach((p) => assert.ok(Math.abs(p.x - trueCrossing(p.L1, p.L2, b)) < 2e-5, `${p.L1},${p.L2}: ${p.x} vs ${trueCrossing(p.L1, p.L2, b)}`));
  const last = r.pairs[r.pairs.length - 1];
  assert.ok(Math.abs(last.x - XC) > 2e-3, 'the largest pair alone is off');
  assert.ok(Math.abs((r.estimate.Gamma_c as number) - XC) < 3e-4, `extrapolated ${r.estimate.Gamma_c}`);
});

test('no crossing on the grid, too few sizes, repeated points: warnings and one-line errors', () => {
  const far = synthetic([8, 12], 0, 0, 1, grid(3.2, 3.4, 6));
  const r = binderCrossings(far, { parameter: 'Gamma' });
  assert.is(r.pairs.length, 0);
  assert.match(r.warnings[0], /L = 8 and 12: U4 curves do not cross on the Gamma grid/);
  assert.ok(Number.isNaN(r.estimate.Gamma_c as number));
  assert.throws(() => binderCrossings(synthetic([8], 0, 0, 1)), (e: Error) => e instanceof InputError && /at least two sizes/.test(e.message));
  const dup = synthetic([8, 12], 0, 0, 1);
  assert.throws(() => binderCrossings([...dup, dup[0]]), (e: Error) => e instanceof InputError && /two rows at L = 8/.test(e.message));
  assert.throws(() => binderCrossings(dup.map((p) => ({ ...p, binder_err: 0 }))), (e: Error) => /binder_err must be positive/.test(e.message));
});

test('report.md: the crossing section is appended once and replaced when run again', () => {
  const c = (x: number) => ({ parameter: 'Gamma', pairs: [{ L1: 8, L2: 12, x, x_err: 0.001 }], estimate: { Gamma_c: x, Gamma_c_err: 0.002, method: 'test fit' }, method: 'dbm', warnings: [] });
  const report = '# set\n\nVerdict.\n\n## Warnings\n\n- one\n';
  const once = withCrossingSection(report, c(3.01));
  assert.ok(once.startsWith(report.trimEnd()), 'the sweep report is kept');
  assert.match(once, /## Binder crossings[\s\S]*\| 8 \| 12 \| 3\.01000 \| 0\.00100 \|[\s\S]*Gamma_c = 3\.01000 ± 0\.00200\*\* \(test fit\)/);
  const twice = withCrossingSection(once, c(3.02));
  assert.is(twice.split('## Binder crossings').length, 2, 'one section');
  assert.match(twice, /Gamma_c = 3\.02000/);
  assert.not.match(twice, /3\.01000/);
  assert.is(withCrossingSection(twice, c(3.01)), once);
});

test.run();
