// Slice-averaged magnetic observables (m2, m4, |m|, Binder U4, C(r), S(q)) and Wolff moves:
// (1) exact averages over the two-copy joint distribution of the SAME Trotterized network, by
// enumeration, against the sampler (heat-bath + Swendsen-Wang and heat-bath + Wolff), within 4
// reported sigma; (2) the dt -> 0 limit (dt^2 extrapolation) against dense exact thermal averages.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseModel, type ModelSpec } from '../src/model/model.ts';
import { makeTfim } from '../src/model/hamiltonian.ts';
import { thermalMoments } from './support/reference.ts';
import { exactMagnetizationMoments } from '../src/exact/solver.ts';
import { buildTrotterDbm } from '../src/dbm/trotter.ts';
import { HIDDEN } from '../src/dbm/network.ts';
import { buildJointGraph } from '../src/mc/joint-graph.ts';
import { SliceObservables } from '../src/mc/slice-observables.ts';
import { physicalMagnetization, RingObservables, WorldlineEnergy } from '../src/mc/local-estimators.ts';
import { enumerateJoint } from '../src/mc/enumerate.ts';
import { runChain } from '../src/mc/chain.ts';
import { summarizeRow } from '../src/mc/summary.ts';
import { buildSpinRing } from '../src/mc/wolff.ts';
import { analyticThermo, defaultAnalyticOptions } from '../src/methods/analytic-dbm.ts';

const spec = (lattice: object, J: number, Gamma: number, h = 0): ModelSpec =>
  parseModel({ name: 'test', lattice, hamiltonian: { kind: 'tfim', J, Gamma, h } });

const CASES: Array<{ name: string; model: ModelSpec; beta: number; slices: number; order: 1 | 2 }> = [
  { name: 'periodic chain 4', model: spec({ kind: 'chain', size: [4] }, 1, 1.1), beta: 1.5, slices: 2, order: 2 },
  { name: 'frustrated triangle', model: spec({ kind: 'graph', sites: 3, bonds: [[0, 1], [1, 2], [2, 0]] }, -1, 0.8), beta: 2, slices: 3, order: 2 },
  { name: 'open pair (energies too)', model: spec({ kind: 'chain', size: [2], boundary: 'open' }, 1, 0.9), beta: 2, slices: 3, order: 2 },
  { name: 'chain 3, first order (energies too)', model: spec({ kind: 'chain', size: [3] }, 1, 1.3), beta: 1, slices: 2, order: 1 },
];

interface Exact { e: number; eAB: number; eRing: number; m2: number; m4: number; mAbs: number; m2phys: number; corr: number[]; sq: number[] }

function enumerate(model: ModelSpec, beta: number, slices: number, order: 1 | 2): { exact: Exact; obs: SliceObservables } {
  const ham = makeTfim(model);
  const net = buildTrotterDbm(ham, { beta, slices, order });
  const g = buildJointGraph(net);
  const obs = SliceObservables.forNetwork(net, ham.lattice, g);
  const el = new WorldlineEnergy(net, ham, g);
  // The energy estimator reads bond units, which must then be enumerated explicitly too: only
  // for networks small enough (the magnetic observables read spins only).
  let free = 0;
  for (let u = 0; u < net.nUnits; u++) if (net.layer[u] !== HIDDEN) free += u < 2 * net.nSites ? 1 : 2;
  const withEnergy = free + el.readsNodes.length - net.nSites <= 22;
  const ring = new RingObservables(net, ham, g);
  const ex: Exact = { e: 0, eAB: 0, eRing: 0, m2: 0, m4: 0, mAbs: 0, m2phys: 0, corr: new Array(obs.nr).fill(0), sq: new Array(obs.nq).fill(0) };
  enumerateJoint(net, g, (x, w) => {
    const o = obs.measure(x);
    const a = el.eval(x, 0);
    const b = el.eval(x, 1);
    ex.e += (w * (a + b)) / 2;
    ex.eAB += w * a * b;
    ex.eRing += w * ring.energy(x);
    ex.m2 += w * o.m2;
    ex.m4 += w * o.m4;
    ex.mAbs += w * o.mAbs;
    ex.m2phys += w * physicalMagnetization(x, ham.nSites) ** 2;
    for (let r = 0; r < obs.nr; r++) ex.corr[r] += w * o.corr[r];
    for (let q = 0; q < obs.nq; q++) ex.sq[q] += w * o.sq[q];
    // Identities that hold configuration by configuration.
    if (obs.nq > 0) assert.ok(Math.abs(o.sq[0] - ham.nSites * o.m2) < 1e-9 || !obs.allSlices, 'S(0) = N m2');
    if (obs.nr > 0) assert.ok(Math.abs(o.corr[0] - 1) < 1e-12, 'C(0) = 1');
  }, withEnergy ? el.readsNodes : []);
  if (!withEnergy) ex.e = ex.eAB = ex.eRing = NaN;
  return { exact: ex, obs };
}

test('slice averages: the symmetric ring is homogeneous (slice average = physical slice, exactly)', () => {
  const c = CASES[0];
  const { exact, obs } = enumerate(c.model, c.beta, c.slices, c.order);
  assert.ok(obs.allSlices);
  assert.ok(Math.abs(exact.m2 - exact.m2phys) < 1e-12, `${exact.m2} vs ${exact.m2phys}`);
  // S(q) is the Fourier transform of C(r) on the ring of 4 sites: S(q) = sum_r C(r) cos(q r) over r = -1..2.
  for (let q = 0; q < obs.nq; q++) {
    const k = (2 * Math.PI * q) / 4;
    const ft = exact.corr[0] + 2 * exact.corr[1] * Math.cos(k) + exact.corr[2] * Math.cos(2 * k);
    assert.ok(Math.abs(exact.sq[q] - ft) < 1e-12, `S(${q}) = ${exact.sq[q]}, FT of C = ${ft}`);
  }
});

for (const c of CASES) {
  for (const move of ['sw', 'wolff', 'ring'] as const) {
    test(`${c.name}, ${move}: e, m2, m4, |m|, U4, C(r), S(q) sampled = enumerated within 4 sigma`, () => {
      const { exact } = enumerate(c.model, c.beta, c.slices, c.order);
      const net = buildTrotterDbm(makeTfim(c.model), { beta: c.beta, slices: c.slices, order: c.order });
      if (move === 'wolff') assert.ok(buildSpinRing(net, buildJointGraph(net)) !== null, 'h = 0: the bond units trace out');
      const results = Array.from({ length: 16 }, (_, chain) =>
        runChain({
          model: c.model, network: net, seed: 21, chain, warmup: 200, sweeps: 1500, thin: 1, cluster: true,
          clusterMove: move === 'sw' ? 'sw' : 'wolff', traceBonds: move === 'ring',
        }),
      );
      const row = summarizeRow(results, 1 / c.beta, net.nSites);
      const check = (name: string, v: number, err: number, want: number) => {
        const dev = Math.abs(v - want) / err;
        assert.ok(err > 0 && dev < 4, `${name}: sampled ${v} ± ${err}, exact ${want} (${dev.toFixed(1)} sigma)`);
      };
      assert.is(Number.isFinite(exact.e), c.name.includes('energies too'), 'energies enumerated where planned');
      if (Number.isFinite(exact.e)) {
        check('e', row.e, row.e_err, exact.e / net.nSites);
        check('e_ring', row.e_ring!, row.e_ring_err!, exact.eRing / net.nSites);
        check('c', row.c, row.c_err, (c.beta ** 2 * (exact.eAB - exact.e ** 2)) / net.nSites);
      }
      check('m2', row.m2!, row.m2_err!, exact.m2);
      check('m4', row.m4!, row.m4_err!, exact.m4);
      check('m_abs', row.m_abs!, row.m_abs_err!, exact.mAbs);
      check('binder', row.binder!, row.binder_err!, 1 - exact.m4 / (3 * exact.m2 ** 2));
      for (let r = 1; r < exact.corr.length; r++) check(`C(${r})`, row.corr![r], row.corr_err![r], exact.corr[r]);
      for (let q = 0; q < exact.sq.length; q++) check(`S(q_${q})`, row.sq![q], row.sq_err![q], exact.sq[q]);
    });
  }
}

test('dt -> 0: extrapolated m2, m4, U4 and C(1) agree with dense exact thermal averages (chain 6)', async () => {
  const model = spec({ kind: 'chain', size: [6] }, 1, 1);
  const T = 0.7;
  const ex = thermalMoments(makeTfim(model), 1 / T);
  const res = await analyticThermo(model, [T], {
    ...defaultAnalyticOptions(), dt: 0.1, extrapolate: [1, 0.5], sweeps: 1000, warmup: 100, seed: 4, workers: 1, clusterMove: 'wolff',
  });
  const r = res.rows[0];
  const check = (name: string, v: number, err: number, want: number) => {
    const dev = Math.abs(v - want) / err;
    assert.ok(err > 0 && dev < 4, `${name}: ${v} ± ${err}, exact ${want} (${dev.toFixed(1)} sigma)`);
  };
  check('m2', r.m2!, r.m2_err!, ex.m2);
  check('m4', r.m4!, r.m4_err!, ex.m4);
  check('binder', r.binder!, r.binder_err!, 1 - ex.m4 / (3 * ex.m2 ** 2));
  // The remaining Trotter bias is stated and small against the value.
  assert.type(r.m2_trotter_bias, 'number');
  assert.ok(Math.abs(r.m2_trotter_bias!) < 0.05 * ex.m2, `m2 Trotter bias ${r.m2_trotter_bias}`);
  assert.ok(res.meta.memory_bytes > 0);
  assert.ok(res.meta.trotter.extrapolated && res.meta.trotter.m2_bias_max === Math.abs(r.m2_trotter_bias!));
  assert.match(res.meta.trotter.statement, /extrapolated in dt\^2 from 2 Trotter steps/);
  // c: the extrapolated estimator with the smaller error bar, the other one kept.
  assert.ok(r.c_estimator === 'ring' || r.c_estimator === 'two-copy');
  assert.is(r.c_err, Math.min(r.c_two_copy_err!, r.c_ring_err!));
  // C(1) of a single run at dt = 0.05 (not extrapolated): within 4 sigma plus a Trotter allowance of
  // 0.01 (= 4 dt^2; the dt^2 coefficient of m2 above is ~ -2, measured from the two-dt fit).
  const fine = await analyticThermo(model, [T], { ...defaultAnalyticOptions(), dt: 0.05, sweeps: 1000, warmup: 100, seed: 6, workers: 1 });
  const f = fine.rows[0];
  assert.ok(Math.abs(f.corr![1] - ex.corr1) < 4 * f.corr_err![1] + 0.01, `C(1) ${f.corr![1]} ± ${f.corr_err![1]} vs ${ex.corr1}`);
  assert.ok(fine.meta.warnings.some((w) => /unmeasured O\(dt\^2\) Trotter bias/.test(w)), 'a single dt says its Trotter bias is unmeasured');
});

test('3x4 torus at the 2D critical field, beta = 3: dt^2-extrapolated m2, m4, U4 against exact (eigenvalue derivatives)', async () => {
  const model = spec({ kind: 'square', size: [3, 4] }, 1, 3.044);
  const T = 1 / 3;
  const ex = exactMagnetizationMoments(makeTfim(model), [T])[0];
  const res = await analyticThermo(model, [T], { ...defaultAnalyticOptions(), dt: 0.1, extrapolate: [1, 0.5], warmup: 200, sweeps: 2000, chains: 4, workers: 1, seed: 1 });
  const r = res.rows[0];
  for (const [k, want] of [['m2', ex.m2], ['m4', ex.m4], ['binder', ex.binder]] as const) {
    const dev = Math.abs(r[k]! - want) / r[`${k}_err`]!;
    assert.ok(dev < 4, `${k}: ${r[k]} ± ${r[`${k}_err`]}, exact ${want} (${dev.toFixed(1)} sigma)`);
  }
  // The Trotter bias the extrapolation removed is resolved (larger than the error bar), so the test
  // would fail without it.
  assert.ok(Math.abs(r.binder_trotter_bias!) > 2 * r.binder_err!, `U4 Trotter bias ${r.binder_trotter_bias} vs error ${r.binder_err}`);
});

test.run();
