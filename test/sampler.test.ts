// The sampler against exact averages over the SAME Trotterized network (enumeration of the two-copy
// joint distribution): this isolates sampler and estimator bugs from Trotter error. Every
// comparison is within 4 reported sigma, with fixed seeds.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseModel, type ModelSpec } from '../src/model/model.ts';
import { makeTfim } from '../src/model/hamiltonian.ts';
import { buildTrotterDbm } from '../src/dbm/trotter.ts';
import { buildJointGraph } from '../src/mc/sampler.ts';
import { RingObservables, WorldlineEnergy, physicalMagnetization } from '../src/mc/local-estimators.ts';
import { enumerateJoint } from '../src/mc/enumerate.ts';
import { runChain, type ChainResult } from '../src/mc/chain.ts';
import { runChains } from '../src/mc/pool.ts';
import { summarizeChains } from '../src/stats/series.ts';

const spec = (lattice: object, J: number, Gamma: number, h: number): ModelSpec =>
  parseModel({ name: 'test', lattice, hamiltonian: { kind: 'tfim', J, Gamma, h } });

const CASES: Array<{ name: string; model: ModelSpec; beta: number; slices: number; order: 1 | 2 }> = [
  { name: 'open pair, field', model: spec({ kind: 'chain', size: [2], boundary: 'open' }, 1, 0.7, 0.4), beta: 2, slices: 3, order: 2 },
  { name: 'frustrated triangle', model: spec({ kind: 'graph', sites: 3, bonds: [[0, 1], [1, 2], [2, 0]] }, -1, 1, 0), beta: 1.5, slices: 2, order: 2 },
  { name: 'chain 3, first order', model: spec({ kind: 'chain', size: [3] }, 1, 1.2, 0.2), beta: 1, slices: 2, order: 1 },
  { name: 'mixed-sign graph', model: spec({ kind: 'graph', sites: 3, bonds: [[0, 1, 1.3], [1, 2, -0.6]] }, 1, 0.5, -0.3), beta: 3, slices: 2, order: 2 },
];

/** Per-sample observables whose means are compared: each is a plain average over |Psi|^2 samples. */
type Obs = Record<string, number>;

function observe(el: WorldlineEnergy, ring: RingObservables, x: Int8Array, N: number): Obs {
  const a = el.eval(x, 0);
  const b = el.eval(x, 1);
  const er = ring.energy(x);
  const m = physicalMagnetization(x, N);
  const mr = ring.magnetization(x);
  return { eA: a, eB: b, eAB: a * b, eRing: er, eRing2: er * er, dRing: ring.energyDerivative(), m2: m * m, mRing2: mr * mr };
}

function seriesObs(r: ChainResult): Record<string, Float64Array> {
  const s = r.series;
  return {
    eA: s.eA, eB: s.eB, eAB: s.eA.map((a, k) => a * s.eB[k]), eRing: s.eRing, eRing2: s.eRing.map((v) => v * v),
    dRing: s.dRing, m2: s.m.map((v) => v * v), mRing2: s.mRing.map((v) => v * v),
  };
}

for (const c of CASES) {
  for (const cluster of [false, true]) {
    test(`${c.name}, ${cluster ? 'heat-bath + Swendsen-Wang' : 'heat-bath only'}: sampled = enumerated within 4 sigma`, () => {
      const ham = makeTfim(c.model);
      const net = buildTrotterDbm(ham, { beta: c.beta, slices: c.slices, order: c.order });
      const g = buildJointGraph(net);
      const el = new WorldlineEnergy(net, ham, g);
      const ring = new RingObservables(net, ham, g);
      const exact: Obs = {};
      enumerateJoint(net, g, (x, w) => {
        for (const [k, v] of Object.entries(observe(el, ring, x, ham.nSites))) exact[k] = (exact[k] ?? 0) + w * v;
      }, el.readsNodes);
      // 16 chains, so that the error bar comes from the scatter of chain means: heat-bath alone
      // tunnels rarely between magnetization sectors, a slow mode a single chain's tau_int misses.
      const results = Array.from({ length: 16 }, (_, chain) =>
        runChain({ model: c.model, network: net, seed: 11, chain, warmup: 500, sweeps: 4000, thin: 1, cluster }),
      );
      const per = results.map(seriesObs);
      for (const key of Object.keys(exact)) {
        const s = summarizeChains(per.map((p) => p[key]));
        const dev = Math.abs(s.mean - exact[key]) / s.err;
        assert.ok(s.err > 0 && dev < 4, `${key}: sampled ${s.mean} ± ${s.err}, exact ${exact[key]} (${dev.toFixed(1)} sigma)`);
      }
    });
  }
}

test('the same seed gives the same series with 1 or 2 workers', async () => {
  const model = spec({ kind: 'chain', size: [6] }, 1, 1, 0);
  const network = buildTrotterDbm(makeTfim(model), { beta: 1, dt: 0.1 });
  const tasks = [0, 1, 2].map((chain) => ({ model, network, seed: 3, chain, warmup: 10, sweeps: 200, thin: 1, cluster: true }));
  const one = await runChains(tasks, 1);
  const two = await runChains(tasks, 2);
  for (let k = 0; k < tasks.length; k++) {
    assert.equal(Array.from(two[k].series.eA), Array.from(one[k].series.eA));
    assert.equal(Array.from(two[k].series.eRing), Array.from(one[k].series.eRing));
  }
  assert.not.equal(Array.from(one[0].series.eA), Array.from(one[1].series.eA));
});

test.run();
