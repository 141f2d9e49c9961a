// Wolff moves on the traced-out ring and the per-chain measurement spacing (auto-thin): the join
// thresholds are exactly the float test they replace, the moves leave a plain +-1 configuration,
// auto-thin follows tau_int and is deterministic, and a run with a quarter-ring of Wolff flips per
// sweep and auto-thin agrees with plain thin-1 sampling of the same network within 4 sigma.
// (The moves against exact enumeration, for ferro- and antiferromagnetic couplings, are in
// observables.test.ts.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseModel } from '../src/model/model.ts';
import { makeTfim } from '../src/model/hamiltonian.ts';
import { buildTrotterDbm } from '../src/dbm/trotter.ts';
import { buildJointGraph } from '../src/mc/joint-graph.ts';
import { Sampler } from '../src/mc/sampler.ts';
import { Rng } from '../src/mc/rng.ts';
import { autoThin, MAX_AUTO_THIN, runChain, type ChainTask } from '../src/mc/chain.ts';
import { summarizeRow } from '../src/mc/summary.ts';
import { buildSpinRing, WolffMove } from '../src/mc/wolff.ts';
import { analyticThermo, defaultAnalyticOptions } from '../src/methods/analytic-dbm.ts';

const square = (L: number, Gamma: number) =>
  parseModel({ name: 'sq', lattice: { kind: 'square', size: [L, L] }, hamiltonian: { kind: 'tfim', J: 1, Gamma, h: 0 } });

test('join thresholds: r < ceil(p 2^32) is exactly r 2^-32 < p (the Rng.next() test)', () => {
  const net = buildTrotterDbm(makeTfim(square(3, 3.044)), { beta: 3, dt: 0.05 });
  const ring = buildSpinRing(net, buildJointGraph(net))!;
  assert.ok(ring.joinThreshold.length >= 2, 'links and bonds are different classes');
  assert.ok(ring.joinThreshold.length <= 4, `a homogeneous lattice has few classes, got ${ring.joinThreshold.length}`);
  for (let p = 0; p < ring.cls.length; p++) {
    const prob = -Math.expm1(-2 * Math.abs(ring.J[p]));
    const thr = ring.joinThreshold[ring.cls[p]];
    assert.ok((thr - 1) * 2.3283064365386963e-10 < prob, 'the last joining draw passes the float test');
    assert.ok(!(thr * 2.3283064365386963e-10 < prob), 'the first refused draw fails it');
    assert.is(ring.classSign[ring.cls[p]], ring.J[p] >= 0 ? 1 : -1);
  }
});

test('Wolff moves: the configuration is +-1 after moves (membership marks undone), same seed same moves', () => {
  const net = buildTrotterDbm(makeTfim(square(4, 3.044)), { beta: 4, dt: 0.1 });
  const g = buildJointGraph(net);
  const ring = buildSpinRing(net, g)!;
  const run = (redraw: boolean) => {
    const s = new Sampler(g, new Rng(5, 1));
    const w = new WolffMove(ring, s, redraw);
    let size = 0;
    for (let k = 0; k < 50; k++) size += w.move();
    w.sweep(20);
    assert.ok(s.x.every((v) => v === 1 || v === -1), 'every node +-1');
    assert.is(w.moves, 70);
    assert.ok(w.flipped >= size && size >= 50, 'each move flips at least its seed');
    return { x: Array.from(s.x), next: s.rng.nextUint32() };
  };
  for (const redraw of [false, true]) assert.equal(run(redraw), run(redraw), `redraw ${redraw}: deterministic, generator handed back`);
});

test('autoThin: round(2 tau_int), clamped; white noise -> 1, AR(1) rho = 0.6 (tau = 2) -> 4, rho = 0.97 -> cap', () => {
  const rng = new Rng(3);
  const ar = (rho: number, n: number) => {
    const x = new Float64Array(n);
    let v = 0;
    for (let i = 0; i < n; i++) x[i] = v = rho * v + rng.normal();
    return x;
  };
  assert.is(autoThin(ar(0, 20000), 1), 1);
  const k = autoThin(ar(0.6, 20000), 1);
  assert.ok(k >= 3 && k <= 5, `rho 0.6: ${k}`);
  assert.is(autoThin(ar(0.97, 20000), 1), MAX_AUTO_THIN);
  assert.is(autoThin(ar(0, 20000), 3), 3, 'at least the given thin');
});

test('auto-thin chains: deterministic, thin > 1 where sweeps are correlated, and unbiased against thin 1', () => {
  // 4x4 at the critical coupling, beta = 4: heat-bath sweeps of the ring alone decorrelate m^2 slowly.
  const model = square(4, 3.044);
  const net = buildTrotterDbm(makeTfim(model), { beta: 4, dt: 0.1 });
  const base: ChainTask = { model, network: net, seed: 11, chain: 0, warmup: 100, sweeps: 400, thin: 1, cluster: false, traceBonds: true };
  const a = runChain({ ...base, autoThin: true });
  const b = runChain({ ...base, autoThin: true });
  assert.equal(Array.from(a.series.m2!), Array.from(b.series.m2!), 'same task, same series');
  assert.ok(a.thin > 1 && a.thin <= MAX_AUTO_THIN, `heat-bath only: thin ${a.thin}`);
  assert.is(runChain(base).thin, 1, 'no auto-thin: the given thin');
  const chains = (extra: Partial<ChainTask>) =>
    Array.from({ length: 16 }, (_, chain) => runChain({ ...base, cluster: true, clusterMove: 'wolff', chain, sweeps: 300, ...extra }));
  const mixed = summarizeRow(chains({ wolffFraction: 0.25, autoThin: true }), 0.25, net.nSites);
  const plain = summarizeRow(chains({ seed: 12 }), 0.25, net.nSites);
  for (const k of ['m2', 'binder', 'e'] as const) {
    const err = Math.hypot((mixed[`${k}_err`] as number), (plain[`${k}_err`] as number));
    const dev = Math.abs((mixed[k] as number) - (plain[k] as number)) / err;
    assert.ok(err > 0 && dev < 4, `${k}: ${mixed[k]} vs ${plain[k]} (${dev.toFixed(1)} sigma)`);
  }
});

test('auto-thin runs: the same rows for 1 and 2 workers, rows give the mean thin', async () => {
  const model = square(3, 3.044);
  const opts = { ...defaultAnalyticOptions(), chains: 4, sweeps: 60, warmup: 60, seed: 3, autoThin: true, wolffFraction: 0.25 };
  const one = await analyticThermo(model, [0.5], { ...opts, workers: 1 });
  const two = await analyticThermo(model, [0.5], { ...opts, workers: 2 });
  assert.equal(JSON.stringify(one.rows), JSON.stringify(two.rows));
  const thin = one.rows[0].thin!;
  assert.ok(thin >= 1 && thin <= MAX_AUTO_THIN, `thin ${thin}`);
});

test.run();
