// The dt -> 0 limit of the analytic network (continuous imaginary time, mc/continuous-ring.ts):
// e, c, chi against exact diagonalization and m2, m4, U4 against dense exact thermal averages,
// within 4 reported sigma and with no Trotter allowance (there is no Trotter step); couplings of
// both signs (a frustrated triangle); same numbers for any worker count; refusals.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseModel, type ModelSpec } from '../src/model/model.ts';
import { makeTfim } from '../src/model/hamiltonian.ts';
import { exactMagnetizationMoments, exactThermo } from '../src/exact/solver.ts';
import { analyticThermo, defaultAnalyticOptions } from '../src/methods/analytic-dbm.ts';
import { destroyChainPool } from '../src/mc/pool.ts';
import { InputError } from '../src/util/errors.ts';
import { verdict } from '../src/sweep/results.ts';
import { thermalMoments } from './support/reference.ts';

const spec = (lattice: object, J: number, Gamma: number, h = 0): ModelSpec =>
  parseModel({ name: 'test', lattice, hamiltonian: { kind: 'tfim', J, Gamma, h } });

const within = (name: string, v: number | undefined, err: number | undefined, want: number) => {
  assert.ok(v !== undefined && err !== undefined && err > 0, `${name}: value and error bar present`);
  const dev = Math.abs(v! - want) / err!;
  assert.ok(dev < 4, `${name}: ${v} ± ${err}, exact ${want} (${dev.toFixed(1)} sigma)`);
};

const OPTS = { ...defaultAnalyticOptions(), continuous: true, warmup: 200, sweeps: 4000, chains: 4, workers: 1 };

test('chain 6: e, c, chi against exact, m2, m4, U4 against dense thermal averages', async () => {
  const model = spec({ kind: 'chain', size: [6] }, 1, 1);
  const T = 0.7;
  const ham = makeTfim(model);
  const ex = exactThermo(ham, [T]).rows[0];
  const mom = thermalMoments(ham, 1 / T);
  const res = await analyticThermo(model, [T], { ...OPTS, seed: 2 });
  const r = res.rows[0];
  within('e', r.e, r.e_err, ex.e);
  within('c', r.c, r.c_err, ex.c);
  within('chi', r.chi, r.chi_err, ex.chi!);
  within('m2', r.m2, r.m2_err, mom.m2);
  within('m4', r.m4, r.m4_err, mom.m4);
  within('binder', r.binder, r.binder_err, 1 - mom.m4 / (3 * mom.m2 ** 2));
  within('C(1)', r.corr?.[1], r.corr_err?.[1], mom.corr1);
  assert.is(r.c_estimator, 'continuous-time');
  assert.is(r.dt, 0);
  assert.is(r.e_ring, undefined);
  assert.match(res.meta.trotter.statement, /no Trotter error/);
  assert.not.ok(res.meta.warnings.some((w) => /Trotter/.test(w)), 'no unmeasured-Trotter-bias warning');
});

test('2D and frustrated: 3x3 square near its critical field, antiferromagnetic triangle', async () => {
  const cases: Array<{ model: ModelSpec; T: number }> = [
    { model: spec({ kind: 'square', size: [3, 3] }, 1, 3), T: 0.5 },
    { model: spec({ kind: 'graph', sites: 3, bonds: [[0, 1], [1, 2], [2, 0]] }, -1, 0.8), T: 0.4 },
  ];
  for (const { model, T } of cases) {
    const ex = exactThermo(makeTfim(model), [T]).rows[0];
    const r = (await analyticThermo(model, [T], { ...OPTS, seed: 7 })).rows[0];
    within(`${model.lattice.kind} e`, r.e, r.e_err, ex.e);
    within(`${model.lattice.kind} c`, r.c, r.c_err, ex.c);
    within(`${model.lattice.kind} chi`, r.chi, r.chi_err, ex.chi!);
  }
});

test('3x4 and 4x4 at the 2D critical field: m2, m4, U4 against exact (eigenvalue derivatives)', async () => {
  for (const { size, T } of [{ size: [3, 4], T: 1 / 3 }, { size: [4, 4], T: 1 / 4 }]) {
    const model = spec({ kind: 'square', size }, 1, 3.044);
    const ex = exactMagnetizationMoments(makeTfim(model), [T])[0];
    const r = (await analyticThermo(model, [T], { ...OPTS, seed: 3 })).rows[0];
    const name = size.join('x');
    within(`${name} m2`, r.m2, r.m2_err, ex.m2);
    within(`${name} m4`, r.m4, r.m4_err, ex.m4);
    within(`${name} binder`, r.binder, r.binder_err, ex.binder);
  }
});

test('same seed, same rows with 1 and 2 workers; several temperatures keep their streams', async () => {
  const model = spec({ kind: 'chain', size: [8] }, 1, 1.2);
  const o = { ...OPTS, sweeps: 200, warmup: 50, seed: 11 };
  const one = await analyticThermo(model, [2, 0.5], { ...o, workers: 1 });
  const two = await analyticThermo(model, [2, 0.5], { ...o, workers: 2 });
  assert.equal(JSON.stringify(two.rows), JSON.stringify(one.rows));
  // A temperature run alone with its index in the full list gives the same row.
  const alone = await analyticThermo(model, [0.5], { ...o, workers: 1, temperatureIndex: [1] });
  assert.equal(JSON.stringify(alone.rows[0]), JSON.stringify(one.rows[1]));
  await destroyChainPool();
});

test('refused: a longitudinal field, and dt^2 extrapolation (there is no dt)', async () => {
  const withField = spec({ kind: 'chain', size: [4] }, 1, 1, 0.3);
  const refusal = async (run: Promise<unknown>, re: RegExp) => {
    try {
      await run;
    } catch (e) {
      assert.ok(e instanceof InputError && re.test(e.message), String(e));
      return;
    }
    assert.unreachable('should have been refused');
  };
  await refusal(analyticThermo(withField, [1], OPTS), /h = 0/);
  const plain = spec({ kind: 'chain', size: [4] }, 1, 1);
  await refusal(analyticThermo(plain, [1], { ...OPTS, extrapolate: [1, 0.5] }), /extrapolate/);
});

test('a sweep verdict does not blame a deviation of continuous-time rows on a Trotter error', () => {
  const rows = (dt: number) => [
    { T: 1, e: -1, e_err: 0, c: 0.5, c_err: 0, method: 'exact' },
    { T: 1, e: -0.9, e_err: 0.01, c: 0.5, c_err: 0.01, method: 'dbm', dt },
  ];
  const say = (dt: number) => verdict({ rows: rows(dt), methods: ['exact', 'dbm'], warnings: [], failures: [] });
  assert.match(say(0), /no Trotter error/);
  assert.match(say(0.05), /Trotter error of order dt\^2/);
});

test.run();
