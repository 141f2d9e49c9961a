// The marginal sampler of the trained network (marginal-sampler.ts): configuration frequencies
// against |Psi(v)|^2 by enumeration, with and without the exact Z2 symmetry (global flip taken
// without a ratio, or by Metropolis), and its cached hidden and visible fields against a fresh
// computation after many flips; E_loc and O from the cached fields against the plain evaluator;
// the batched S accumulation against a direct sum; the grouped O gather (DerivativePlan) against
// the plain per-entry sum, bit for bit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeTfim } from '../src/model/hamiltonian.ts';
import { parseModel } from '../src/model/model.ts';
import { Rng } from '../src/mc/rng.ts';
import { derivativeEntries, DerivativePlan, RbmLocal, TrainedNet } from '../src/train/network.ts';
import { MarginalSampler } from '../src/train/marginal-sampler.ts';
import { SrAccumulator, combineChunks } from '../src/train/sr.ts';

const netFor = (N: number, h: number, share: boolean, seed: number, size = 0.4) => {
  const model = parseModel({ name: 't', lattice: { kind: 'chain', size: [N] }, hamiltonian: { kind: 'tfim', J: 1, Gamma: 0.9, h } });
  const net = new TrainedNet(makeTfim(model), { alpha: 2, share, jastrow: true, beta0: 0.3, noise: 0, seed: 1, split: true });
  const rng = new Rng(seed, 5);
  // With h = 0 only the weights are perturbed (biases stay 0: the symmetric case).
  const theta = net.initial.map((v) => v + size * rng.normal());
  if (h === 0) {
    net.setParams(theta);
    for (let u = 0; u < net.dbm.nUnits; u++) if (net.dbm.bias[u] !== 0) net.dbm.bias[u] = 0;
  } else net.setParams(theta);
  return net;
};

for (const [name, h] of [['in a field (no symmetry: global flip by its heat-bath ratio)', 0.3], ['at h = 0 (Z2 symmetric: global flip with probability 1/2)', 0]] as const) {
  test(`marginal sampler: configuration frequencies match |Psi|^2 by enumeration, ${name}`, () => {
    const net = netFor(3, h, false, 7);
    const local = new RbmLocal(net);
    const V = 2 * net.N;
    const nConf = 1 << V;
    const x = new Int8Array(V);
    const set = (c: number) => {
      for (let v = 0; v < V; v++) x[v] = (c >> v) & 1 ? -1 : 1;
    };
    const p = new Float64Array(nConf);
    let z = 0;
    for (let c = 0; c < nConf; c++) {
      set(c);
      p[c] = Math.exp(2 * local.logPsi(x));
      z += p[c];
    }
    const mc = new MarginalSampler(net);
    const rng = new Rng(3, 1);
    set(0);
    mc.load(x);
    const n = 200_000;
    const count = new Float64Array(nConf);
    for (let s = 0; s < 100; s++) mc.sweep(x, rng);
    for (let s = 0; s < n; s++) {
      mc.sweep(x, rng);
      let c = 0;
      for (let v = 0; v < V; v++) if (x[v] < 0) c |= 1 << v;
      count[c]++;
    }
    // Per configuration: |f - p| within 5 binomial sigma times sqrt(2 tau) (sweeps are correlated;
    // tau <= 4 sweeps is ample for these small systems), plus the total variation distance.
    let tv = 0;
    for (let c = 0; c < nConf; c++) {
      const q = p[c] / z;
      const f = count[c] / n;
      tv += Math.abs(f - q) / 2;
      const sigma = Math.sqrt((q * (1 - q) * 8) / n);
      assert.ok(Math.abs(f - q) < 5 * sigma + 1e-12, `config ${c}: frequency ${f} vs |Psi|^2 ${q}`);
    }
    assert.ok(tv < 0.02, `total variation ${tv}`);
  });
}

test('marginal sampler: cached fields equal a fresh computation; E_loc and O from them equal the plain evaluator', () => {
  const net = netFor(6, 0.2, true, 11, 0.3);
  const mc = new MarginalSampler(net);
  const local = new RbmLocal(net);
  const rng = new Rng(9, 0);
  const x = new Int8Array(2 * net.N).map(() => (rng.next() < 0.5 ? 1 : -1));
  mc.load(x);
  for (let s = 0; s < 500; s++) mc.sweep(x, rng);
  assert.ok(mc.accepted > 100, `accepted ${mc.accepted}`);
  const cached = { theta: Float64Array.from(mc.theta), f: Float64Array.from(mc.f), sigP: Float64Array.from(mc.sigP) };
  const o1 = new Float64Array(net.P);
  const o2 = new Float64Array(net.P);
  const e1 = local.evalCached(x, o1, mc.theta, mc.sigP, mc.sigM, mc.f);
  const rb1 = local.improved;
  const e2 = local.eval(x, o2);
  assert.ok(Math.abs(e1 - e2) < 1e-10 * (1 + Math.abs(e2)), `E_loc ${e1} vs ${e2}`);
  assert.ok(Math.abs(rb1 - local.improved) < 1e-10 * (1 + Math.abs(rb1)));
  for (let k = 0; k < net.P; k++) assert.ok(Math.abs(o1[k] - o2[k]) < 1e-10, `O[${k}]`);
  mc.load(x);
  for (let h = 0; h < net.M; h++) {
    assert.ok(Math.abs(cached.theta[h] - mc.theta[h]) < 1e-11, `theta[${h}] drifted`);
    assert.ok(Math.abs(cached.sigP[h] - mc.sigP[h]) < 1e-11);
  }
  for (let v = 0; v < 2 * net.N; v++) assert.ok(Math.abs(cached.f[v] - mc.f[v]) < 1e-11, `f[${v}] drifted`);
});

test('batched O O^T sums equal the direct sum (weighted, batch boundaries crossed, odd and even P)', () => {
  for (const P of [6, 9]) checkBatched(P);
});

function checkBatched(P: number): void {
  const rng = new Rng(4, P);
  const acc = new SrAccumulator(P, 'sums', 0);
  const oRef = Float64Array.from({ length: P }, () => rng.normal());
  acc.reset(oRef, 0.5);
  const direct = new Float64Array(P * P);
  let W = 0;
  const dBar = new Float64Array(P);
  const o = new Float64Array(P);
  for (let i = 0; i < 150; i++) {
    for (let k = 0; k < P; k++) o[k] = rng.normal() + (k > 0 ? 0.5 * o[k - 1] : 0);
    const w = 0.5 + rng.next();
    acc.add(o, rng.normal(), w);
    W += w;
    for (let k = 0; k < P; k++) {
      dBar[k] += w * o[k];
      for (let l = 0; l < P; l++) direct[k * P + l] += w * o[k] * o[l];
    }
  }
  const m = combineChunks([acc.pack()], P, 'sums', oRef, 0.5);
  for (let k = 0; k < P; k++) {
    for (let l = 0; l < P; l++) {
      const want = direct[k * P + l] / W - (dBar[k] / W) * (dBar[l] / W);
      assert.ok(Math.abs(m.S![k * P + l] - want) < 1e-12, `P = ${P}: S[${k},${l}] ${m.S![k * P + l]} vs ${want}`);
    }
  }
}

test('grouped O gather equals the plain per-entry sum bit for bit (alpha 2..9 shared and not: groups of 4 and remainders)', () => {
  const rng = new Rng(3, 0);
  for (const [lattice, alphas] of [[{ kind: 'chain', size: [6] }, [2, 3, 4, 5, 7, 8, 9]], [{ kind: 'square', size: [4, 4] }, [4, 8]]] as const) {
    for (const alpha of alphas) {
      for (const share of [true, false]) {
        const model = parseModel({ name: 't', lattice, hamiltonian: { kind: 'tfim', J: 1, Gamma: 3 } });
        const net = new TrainedNet(makeTfim(model), { alpha, share, jastrow: true, beta0: 0.3, noise: 0, seed: 1, split: true });
        const e = derivativeEntries(net);
        const plan = new DerivativePlan(e, net.P);
        const y = Float64Array.from({ length: 2 * net.N + net.M + 1 }, () => rng.normal());
        y[y.length - 1] = 1;
        const got = new Float64Array(net.P).fill(NaN);
        plan.apply(got, y);
        for (let p = 0; p < net.P; p++) {
          let want = 0;
          for (let k = e.start[p]; k < e.start[p + 1]; k++) want += y[e.a[k]] * y[e.b[k]];
          assert.ok(Object.is(got[p], want), `${lattice.kind} alpha ${alpha} share ${share}: O[${p}] ${got[p]} vs ${want}`);
        }
      }
    }
  }
});

test.run();
