// Method 2 (trained purified network, imaginary-time TDVP): the network against the one-step
// Trotter state, the local estimators against LocalEnergy and finite differences, the S/F assembly
// against a direct dense computation, the exact-moment integrator against exact e(beta), the
// sampled run against the exact checker, checkpoint/resume, worker independence, bad options.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HIDDEN, dbmFromJson, type Dbm } from '../src/dbm/network.ts';
import { InputError } from '../src/util/errors.ts';
import { exactThermo } from '../src/exact/solver.ts';
import { makeTfim, diagonalEnergy, type Tfim } from '../src/model/hamiltonian.ts';
import { parseModel, type ModelSpec } from '../src/model/model.ts';
import { LocalEnergy, logCosh } from '../src/mc/local-estimators.ts';
import { Rng } from '../src/mc/rng.ts';
import { buildJointGraph } from '../src/mc/sampler.ts';
import { combineChunks, solveSr, SrAccumulator } from '../src/train/sr.ts';
import { JointRefresher, RbmLocal, TrainedNet, type NetworkOptions } from '../src/train/network.ts';
import { exactMoments } from '../src/train/exact-moments.ts';
import { flowHeat } from '../src/train/flow-heat.ts';
import { ChainGroup } from '../src/train/worker.ts';
import { summarizeChains } from '../src/stats/series.ts';
import { buildTrotterDbm } from '../src/dbm/trotter.ts';
import { defaultTrainOptions, trainThermo, type TrainOptions } from '../src/train/driver.ts';

const spec = (lattice: object, J: number, Gamma: number, h = 0): ModelSpec =>
  parseModel({ name: 'test', lattice, hamiltonian: { kind: 'tfim', J, Gamma, h } });
const net0: NetworkOptions = { alpha: 2, share: false, jastrow: false, beta0: 0.1, noise: 0, seed: 1, split: true };

/** ln Psi(v) of any DBM whose inner units are all hidden, straight from its arrays (+ const). */
function dbmLogPsi(d: Dbm, x: Int8Array): number {
  const theta = new Float64Array(d.nUnits);
  let lp = 0;
  for (let u = 0; u < d.nUnits; u++) if (d.layer[u] === HIDDEN) theta[u] = d.bias[u];
  else lp += d.bias[u] * x[u];
  for (let e = 0; e < d.edgeA.length; e++) {
    const a = d.edgeA[e];
    const b = d.edgeB[e];
    if (d.layer[a] === HIDDEN) theta[a] += d.weight[e] * x[b];
    else if (d.layer[b] === HIDDEN) theta[b] += d.weight[e] * x[a];
    else lp += d.weight[e] * x[a] * x[b];
  }
  for (let u = 0; u < d.nUnits; u++) if (d.layer[u] === HIDDEN) lp += logCosh(theta[u]);
  return lp;
}

const randomConfig = (rng: Rng, x: Int8Array, n: number) => {
  for (let v = 0; v < n; v++) x[v] = rng.next() < 0.5 ? 1 : -1;
};

/** Random parameters near the start (so that every kind of parameter is exercised). */
function perturb(net: TrainedNet, seed: number, size = 0.3): Float64Array {
  const rng = new Rng(seed, 99);
  return net.initial.map((v) => v + size * rng.normal());
}

const START_CASES: Array<[string, ModelSpec, Partial<NetworkOptions>]> = [
  ['periodic chain 4, shared', spec({ kind: 'chain', size: [4] }, 1, 1), { share: true }],
  ['square 3x3, shared, alpha 4', spec({ kind: 'square', size: [3, 3] }, 1, 3), { share: true, alpha: 4 }],
  ['mixed-sign graph in a field, unshared', spec({ kind: 'graph', sites: 3, bonds: [[0, 1, 1.3], [1, 2, -0.6], [2, 0]] }, 1, -0.7, 0.4), { alpha: 2 }],
];

for (const [name, model, o] of START_CASES) {
  test(`start state = one symmetric Trotter step (n = 1, dt = beta0/2): ${name}`, () => {
    const ham = makeTfim(model);
    const net = new TrainedNet(ham, { ...net0, ...o, alpha: o.alpha ?? 2 });
    const trot = buildTrotterDbm(ham, { beta: net0.beta0, slices: 1, order: 2 });
    const le = new LocalEnergy(trot, ham, buildJointGraph(trot));
    const local = new RbmLocal(net);
    const rng = new Rng(3, 0);
    const N = ham.nSites;
    const xt = new Int8Array(trot.nUnits * 2);
    const x = new Int8Array(2 * N);
    const o2 = new Float64Array(net.P);
    let offset = NaN;
    for (let k = 0; k < 200; k++) {
      randomConfig(rng, x, 2 * N);
      xt.set(x);
      const d = dbmLogPsi(net.dbm, x) - dbmLogPsi(trot, xt);
      if (k === 0) offset = d;
      assert.ok(Math.abs(d - offset) < 1e-12, `ln Psi differs from the Trotter network by a non-constant ${d - offset}`);
      assert.ok(Math.abs(local.eval(x, o2) - le.eval(xt, 0)) < 1e-10);
    }
  });
}

test('the start needs one hidden unit per bond and layer; sharing needs translations', () => {
  assert.throws(() => new TrainedNet(makeTfim(spec({ kind: 'square', size: [3, 3] }, 1, 3)), { ...net0, share: true, alpha: 2 }), (e: Error) => e instanceof InputError && /--alpha must be >= 4/.test(e.message));
  assert.throws(() => new TrainedNet(makeTfim(spec({ kind: 'chain', size: [4], boundary: 'open' }, 1, 1)), { ...net0, share: true }), (e: Error) => e instanceof InputError && /--share/.test(e.message));
  assert.throws(() => new TrainedNet(makeTfim(spec({ kind: 'chain', size: [4] }, 1, 0)), net0), (e: Error) => e instanceof InputError && /Gamma = 0/.test(e.message));
  // Parameter counts: O(alpha N) with sharing, O(alpha N^2) without.
  const ham = makeTfim(spec({ kind: 'chain', size: [8] }, 1, 1));
  assert.is(new TrainedNet(ham, { ...net0, share: true }).P, 2 * 2 * 8 + 1);
  assert.is(new TrainedNet(ham, { ...net0, share: false }).P, 16 * 16 + 8);
});

test('E_loc equals LocalEnergy and O_k equals finite differences of ln Psi (random parameters, Jastrow, field)', () => {
  for (const [model, share] of [[spec({ kind: 'chain', size: [3] }, 1, 0.8, 0.3), true], [spec({ kind: 'graph', sites: 3, bonds: [[0, 1], [1, 2, -0.5]] }, 1, 1.2, -0.2), false]] as const) {
    const ham = makeTfim(model);
    const net = new TrainedNet(ham, { ...net0, share, jastrow: true, alpha: 3 });
    const theta = perturb(net, 5);
    net.setParams(theta);
    const local = new RbmLocal(net);
    const le = new LocalEnergy(net.dbm, ham, buildJointGraph(net.dbm));
    const x = new Int8Array(6);
    const o = new Float64Array(net.P);
    for (let c = 0; c < 64; c++) {
      for (let v = 0; v < 6; v++) x[v] = (c >> v) & 1 ? -1 : 1;
      assert.ok(Math.abs(local.eval(x, o) - le.eval(x, 0)) < 1e-10);
      assert.ok(Math.abs(local.logPsi(x) - dbmLogPsi(net.dbm, x)) < 1e-12);
      for (let k = 0; k < net.P; k++) {
        const h = 1e-5;
        const tp = Float64Array.from(theta);
        tp[k] += h;
        net.setParams(tp);
        const lp = dbmLogPsi(net.dbm, x);
        tp[k] -= 2 * h;
        net.setParams(tp);
        const lm = dbmLogPsi(net.dbm, x);
        net.setParams(theta);
        assert.ok(Math.abs((lp - lm) / (2 * h) - o[k]) < 1e-8, `O[${net.names[k]}]: ${o[k]} vs ${(lp - lm) / (2 * h)}`);
      }
    }
  }
});

test('JointRefresher rewrites the joint graph exactly as buildJointGraph would', () => {
  const ham = makeTfim(spec({ kind: 'chain', size: [4] }, 1, 1, 0.2));
  const net = new TrainedNet(ham, { ...net0, share: true, jastrow: true });
  const g = buildJointGraph(net.dbm);
  const ref = new JointRefresher(net.dbm, g);
  net.setParams(perturb(net, 7));
  ref.refresh();
  const fresh = buildJointGraph(net.dbm);
  assert.equal(Array.from(g.edgeA), Array.from(fresh.edgeA));
  for (const k of ['bias', 'edgeW', 'nbrW'] as const) {
    for (let i = 0; i < g[k].length; i++) assert.ok(Math.abs(g[k][i] - fresh[k][i]) < 1e-15, `${k}[${i}]`);
  }
});

/** Direct dense computation of <E>, Var E, S and F: Psi over all (s, a), H Psi by flipping bits. */
function directMoments(ham: Tfim, net: TrainedNet, theta: Float64Array) {
  const N = ham.nSites;
  const dim = 2 ** (2 * N);
  const x = new Int8Array(2 * N);
  const cfg = (c: number) => {
    for (let v = 0; v < 2 * N; v++) x[v] = (c >> v) & 1 ? -1 : 1;
    return x;
  };
  const logPsiAt = (th: Float64Array) => {
    net.setParams(th);
    return Float64Array.from({ length: dim }, (_, c) => dbmLogPsi(net.dbm, cfg(c)));
  };
  const lp = logPsiAt(theta);
  const psi = lp.map((v) => Math.exp(v));
  const z = psi.reduce((a, p) => a + p * p, 0);
  const w = psi.map((p) => (p * p) / z);
  const G = Math.abs(ham.Gamma);
  const eloc = Float64Array.from({ length: dim }, (_, c) => {
    let hpsi = diagonalEnergy(ham, cfg(c), 0) * psi[c];
    for (let i = 0; i < N; i++) hpsi -= G * psi[c ^ (1 << i)]; // bit i of c is s_i
    return hpsi / psi[c];
  });
  const P = net.P;
  const O = Array.from({ length: P }, (_, k) => {
    const h = 1e-5;
    const tp = Float64Array.from(theta);
    tp[k] += h;
    const a = logPsiAt(tp);
    tp[k] -= 2 * h;
    const b = logPsiAt(tp);
    return a.map((v, c) => (v - b[c]) / (2 * h));
  });
  net.setParams(theta);
  const avg = (f: (c: number) => number) => {
    let s = 0;
    for (let c = 0; c < dim; c++) s += w[c] * f(c);
    return s;
  };
  const eMean = avg((c) => eloc[c]);
  const oMean = O.map((Ok) => avg((c) => Ok[c]));
  const S = new Float64Array(P * P);
  const F = new Float64Array(P);
  for (let k = 0; k < P; k++) {
    F[k] = avg((c) => O[k][c] * eloc[c]) - oMean[k] * eMean;
    for (let l = 0; l < P; l++) S[k * P + l] = avg((c) => O[k][c] * O[l][c]) - oMean[k] * oMean[l];
  }
  return { eMean, eVar: avg((c) => (eloc[c] - eMean) ** 2), S, F };
}

test('S and F assembled from (shifted, weighted) sums equal a direct dense computation', () => {
  for (const [model, share] of [[spec({ kind: 'chain', size: [2], boundary: 'open' }, 1, 0.9, 0.3), false], [spec({ kind: 'chain', size: [3] }, -1, 1.1), true]] as const) {
    const ham = makeTfim(model);
    const net = new TrainedNet(ham, { ...net0, share, jastrow: true, alpha: 2 });
    const theta = perturb(net, 11, 0.2);
    const direct = directMoments(ham, net, theta);
    net.setParams(theta);
    const local = new RbmLocal(net);
    // The Rao–Blackwellized energy has the same mean as E_loc.
    let z = 0;
    let rb = 0;
    const xs = new Int8Array(2 * ham.nSites);
    const oo = new Float64Array(net.P);
    for (let c = 0; c < 2 ** (2 * ham.nSites); c++) {
      for (let v = 0; v < xs.length; v++) xs[v] = (c >> v) & 1 ? -1 : 1;
      const w = Math.exp(2 * local.logPsi(xs));
      local.eval(xs, oo);
      z += w;
      rb += w * local.improved;
    }
    assert.ok(Math.abs(rb / z - direct.eMean) < 1e-10, `Rao-Blackwellized mean ${rb / z} vs ${direct.eMean}`);
    // A reference point far from the means: S and F must not depend on it.
    const oRef = Float64Array.from({ length: net.P }, (_, k) => 3 - k);
    const m = exactMoments(net, local, oRef, -7);
    const P = net.P;
    assert.ok(Math.abs(m.eMean - direct.eMean) < 1e-10 && Math.abs(m.eVar - direct.eVar) < 1e-9);
    for (let k = 0; k < P; k++) {
      assert.ok(Math.abs(m.F[k] - direct.F[k]) < 1e-7, `F[${k}] ${m.F[k]} vs ${direct.F[k]}`);
      for (let l = 0; l < P; l++) assert.ok(Math.abs(m.S![k * P + l] - direct.S[k * P + l]) < 1e-7, `S[${k},${l}]`);
    }
  }
});

test("chunks in 'rows' and 'sums' mode combine to the same S and F; CG solves like Cholesky", () => {
  const P = 7;
  const rng = new Rng(2, 0);
  const oRef = Float64Array.from({ length: P }, () => rng.normal());
  const modes = (['sums', 'rows'] as const).map((mode) => {
    const chunks: Float64Array[] = [];
    const r = new Rng(4, 0);
    for (let c = 0; c < 3; c++) {
      const acc = new SrAccumulator(P, mode, 40);
      acc.reset(oRef, 1.5);
      const o = new Float64Array(P);
      for (let i = 0; i < 40; i++) {
        for (let k = 0; k < P; k++) o[k] = r.normal() + (k === 0 ? o[1] : 0);
        acc.add(o, 2 * o[0] - o[3] + r.normal());
      }
      chunks.push(acc.pack());
    }
    return combineChunks(chunks, P, mode, oRef, 1.5);
  });
  const [a, b] = modes;
  assert.ok(Math.abs(a.eMean - b.eMean) < 1e-12 && Math.abs(a.eVar - b.eVar) < 1e-12);
  for (let q = 0; q < P * P; q++) assert.ok(Math.abs(a.S![q] - b.S![q]) < 1e-12);
  for (let k = 0; k < P; k++) assert.ok(Math.abs(a.F[k] - b.F[k]) < 1e-12);
  const dense = solveSr(a, { shift: 1e-3, shiftAbs: 1e-6, solver: 'dense' });
  const cg = solveSr(a, { shift: 1e-3, shiftAbs: 1e-6, solver: 'cg', cgTol: 1e-13 });
  for (let k = 0; k < P; k++) assert.ok(Math.abs(dense.x[k] - cg.x[k]) < 1e-9 * (1 + Math.abs(dense.x[k])));
});

test('persistent chains sample |Psi|^2: heat-bath + Swendsen-Wang and the marginal Metropolis move, each against enumeration', () => {
  const model = spec({ kind: 'chain', size: [3] }, 1, 0.8, 0.25);
  const ham = makeTfim(model);
  const opts: NetworkOptions = { ...net0, share: true, jastrow: true, alpha: 2 };
  const net = new TrainedNet(ham, opts);
  const theta = perturb(net, 21, 0.4);
  net.setParams(theta);
  const local = new RbmLocal(net);
  const ex = exactMoments(net, local, new Float64Array(net.P), 0);
  for (const [sampler, clusterEvery, metropolis] of [['joint', 1, 0], ['joint', 0, 1], ['marginal', 0, 0]] as const) {
    const g = new ChainGroup({ model, net: opts, seed: 8, chains: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], sampler, clusterEvery, metropolis, states: null });
    const r = g.step({ theta, samples: 2000, thin: 1, warmup: 100, stepSweeps: 0, mode: 'sums', series: true, oRef: new Float64Array(net.P), eRef: 0 });
    for (const [name, pick, want] of [['E_loc', 'e', ex.eMean], ['Rao-Blackwellized E', 'ei', ex.eMean]] as const) {
      const sm = summarizeChains(r.map((c) => c[pick]!));
      assert.ok(Math.abs(sm.mean - want) < 4 * sm.err, `${name} (${sampler}, cluster ${clusterEvery}, metropolis ${metropolis}): ${sm.mean} ± ${sm.err} vs exact ${want}`);
    }
  }
});

const fast = (o: Partial<TrainOptions>): TrainOptions => ({
  ...defaultTrainOptions(), workers: 1, maxDbeta: 0.05, relDbeta: 0.1, samples: 400, measureSamples: 8000, maxMeasureSamples: 0, chains: 8, warmup: 50, ...o,
});

test('exact moments: the TDVP run follows the exact e(beta), c(beta) of a 2-site chain', async () => {
  // Integrator, step control and shift alone (no sampling). Measured: |de/e| <= 1.2e-3, |dc/c| <= 1.3e-2 over these T
  // (Heun, relDbeta 0.1); the bound is 2x that.
  const model = spec({ kind: 'chain', size: [2], boundary: 'open' }, 1, 1, 0.2);
  const temps = [5, 2, 1, 0.5];
  const ex = exactThermo(makeTfim(model), temps, { method: 'full' }).rows;
  const res = await trainThermo(model, temps, fast({ exact: true, alpha: 2, shift: 1e-6, shiftAbs: 1e-9 }));
  res.rows.forEach((r, k) => {
    assert.ok(Math.abs(r.e - ex[k].e) < 2.5e-3 * Math.abs(ex[k].e), `T=${r.T}: e ${r.e} vs exact ${ex[k].e}`);
    assert.ok(Math.abs(r.c - ex[k].c) < 3e-2 * ex[k].c, `T=${r.T}: c ${r.c} vs exact ${ex[k].c}`);
  });
});

test('sampled run on the 4-site chain matches the exact checker', async () => {
  const model = spec({ kind: 'chain', size: [4] }, 1, 1);
  const temps = [2, 1];
  const ex = exactThermo(makeTfim(model), temps).rows;
  const o = fast({ alpha: 2, seed: 3, samples: 2000 });
  const tdvp = await trainThermo(model, temps, { ...o, exact: true });
  const res = await trainThermo(model, temps, o);
  res.rows.forEach((r, k) => {
    // Tolerance: 4 reported sigma + the deterministic TDVP error of this configuration (the same
    // run with exact moments: integrator, step and shift error, measured |de| <= 1.6e-3,
    // |dc| <= 2.6e-3 here). The noise that sampling adds to the evolution itself is not in the
    // error bar; measured over seeds 1-8 it stays within 2 sigma for e and 3 sigma for c at
    // 2000 samples per step (at 400 samples per step the finite-sample bias of S^-1 F is 6% of e).
    // c is the energy-flow estimator (flow-heat.ts); c_var, the variance of E_loc, is checked too.
    for (const key of ['e', 'c', 'c_var'] as const) {
      const exactKey = key === 'c_var' ? 'c' : key;
      const sys = Math.abs((tdvp.rows[k][key] as number) - ex[k][exactKey]);
      const tol = 4 * (r[`${key}_err`] as number) + sys;
      assert.ok(Math.abs((r[key] as number) - ex[k][exactKey]) < tol, `T=${r.T} ${key}: ${r[key]} ± ${r[`${key}_err`]} vs exact ${ex[k][exactKey]} (tol ${tol})`);
    }
  });
});

test('c from the energy flow: K identical chains give beta^2 F^T (S + shift)^-1 F / N with no spread; independent chains drop the F-noise bias', () => {
  // Synthetic samples: O in R^3, E = 2 O_0 - O_2 + noise, so F = S (2, 0, -1) and F^T S^-1 F = |S^1/2 (2, 0, -1)|^2.
  const P = 3;
  const rng = new Rng(11);
  const draw = () => {
    const o = Float64Array.from({ length: P }, () => rng.next() - 0.5);
    o[1] += 0.5 * o[0];
    return { o, e: 2 * o[0] - o[2] + 0.3 * (rng.next() - 0.5) };
  };
  const oRef = new Float64Array(P);
  const chunkOf = (samples: Array<{ o: Float64Array; e: number }>) => {
    const acc = new SrAccumulator(P, 'sums', samples.length);
    acc.reset(oRef, 0);
    for (const x of samples) acc.add(x.o, x.e, 1);
    return acc.pack();
  };
  const same = Array.from({ length: 500 }, draw);
  const K = 6;
  const chunks = Array.from({ length: K }, () => chunkOf(same));
  const m = combineChunks(chunks, P, 'sums', oRef, 0);
  const x = solveSr(m, { shift: 0, shiftAbs: 1e-12, solver: 'dense' }).x;
  const fx = m.F.reduce((a, f, k) => a + f * x[k], 0);
  // beta = 2, N = 4: beta^2 / N = 1.
  const flow = flowHeat(chunks, K, m, 0, 1e-12, 2, 4)!;
  assert.ok(Math.abs(flow.c - fx) < 1e-12 * fx, `${flow.c} vs ${fx}`);
  assert.ok(flow.err < 1e-12, `spread ${flow.err}`);
  // Independent chains of 40 samples with E independent of O (true F = 0, so F^T S^-1 F = 0): the
  // plain quadratic form of the sampled F is biased up by about P Var(E) / n = 3 (1/12) / 240 = 1e-3;
  // the U-statistic is not (its spread per repetition is about sqrt(2P) Var(E) / n = 8.5e-4, so
  // 6e-5 for the mean of 200).
  let plain = 0;
  let u = 0;
  const reps = 200;
  for (let rep = 0; rep < reps; rep++) {
    const groups = Array.from({ length: K }, () => Array.from({ length: 40 }, () => ({ ...draw(), e: rng.next() - 0.5 })));
    const cs = groups.map(chunkOf);
    const mm = combineChunks(cs, P, 'sums', oRef, 0);
    const xx = solveSr(mm, { shift: 0, shiftAbs: 1e-12, solver: 'dense' }).x;
    plain += mm.F.reduce((a, f, k) => a + f * xx[k], 0) / reps;
    u += flowHeat(cs, K, mm, 0, 1e-12, 1, 1)!.c / reps;
  }
  assert.ok(plain > 5e-4, `plain ${plain}: the bias this test is about`);
  assert.ok(Math.abs(u) < 2.5e-4, `U ${u} (plain ${plain})`);
});

const dir = mkdtempSync(join(tmpdir(), 'pdbm-train-'));

test('resume from a checkpoint gives byte-identical rows; the network file re-loads', async () => {
  const model = spec({ kind: 'chain', size: [4] }, 1, 1);
  const temps = [1, 3];
  const o = fast({ seed: 9, samples: 160, measureSamples: 800, checkpointEvery: 3 });
  const full = await trainThermo(model, temps, { ...o, checkpoint: join(dir, 'full.json'), saveNetwork: join(dir, 'net.json') });
  const ck = join(dir, 'part.json');
  const part = await trainThermo(model, temps, { ...o, checkpoint: ck, stopAfter: 7 });
  assert.is(part.meta.complete, false);
  assert.is(part.meta.steps, 7);
  const rest = await trainThermo(model, temps, { ...o, checkpoint: ck, resume: true });
  assert.is(rest.meta.resumed_from_step, 7);
  assert.is(JSON.stringify(rest.rows), JSON.stringify(full.rows));
  assert.is(rest.meta.steps, full.meta.steps);
  const net = dbmFromJson(JSON.parse(readFileSync(join(dir, 'net.json'), 'utf8')));
  assert.is(net.nSites, 4);
  assert.is(net.info.kind, 'trained-rbm');
  // A checkpoint of the finished run resumes to the same rows without sampling.
  const again = await trainThermo(model, temps, { ...o, checkpoint: join(dir, 'full.json'), resume: true });
  assert.is(JSON.stringify(again.rows), JSON.stringify(full.rows));
  // Resuming with different numbers is refused, naming the option.
  await assertRejects(trainThermo(model, temps, { ...o, seed: 10, checkpoint: ck, resume: true }), /seed/);
});

test('the same seed gives the same rows with 1 or 2 workers', async () => {
  const model = spec({ kind: 'chain', size: [4] }, 1, 1);
  const o = fast({ seed: 4, samples: 160, measureSamples: 800, chains: 4 });
  const one = await trainThermo(model, [1.5], { ...o, workers: 1 });
  const two = await trainThermo(model, [1.5], { ...o, workers: 2 });
  assert.is(JSON.stringify(two.rows), JSON.stringify(one.rows));
});

test('conjugate gradient on the O rows gives the dense result (exact moments) and is worker-independent (sampled)', async () => {
  const model = spec({ kind: 'chain', size: [4] }, 1, 1);
  const o = fast({ share: false, alpha: 2, exact: true, shift: 1e-4, shiftAbs: 1e-6 });
  const dense = await trainThermo(model, [1], { ...o, solver: 'dense' });
  const cg = await trainThermo(model, [1], { ...o, solver: 'cg' });
  assert.is(cg.meta.solver, 'cg');
  // CG stops at a 1e-10 relative residual (or 2P iterations): solutions differ from Cholesky by
  // 1e-7..5e-6 relative, which this over-parametrized unshared flow (P = 92, nearly singular S)
  // amplifies to 2.2e-4 in e and 6e-4 in c at T = 1 (measured); the bound is ~4x that.
  assert.ok(Math.abs(cg.rows[0].e - dense.rows[0].e) < 1e-3 * Math.abs(dense.rows[0].e), `e: cg ${cg.rows[0].e} vs dense ${dense.rows[0].e}`);
  assert.ok(Math.abs(cg.rows[0].c - dense.rows[0].c) < 3e-3 * dense.rows[0].c, `c: cg ${cg.rows[0].c} vs dense ${dense.rows[0].c}`);
  const s = fast({ share: false, alpha: 2, solver: 'cg', seed: 6, samples: 160, measureSamples: 800, chains: 4 });
  const one = await trainThermo(model, [3], { ...s, workers: 1 });
  const two = await trainThermo(model, [3], { ...s, workers: 2 });
  assert.is(JSON.stringify(two.rows), JSON.stringify(one.rows));
});

async function assertRejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable(`expected an InputError matching ${re}`);
}

const BAD: Array<[Partial<TrainOptions>, RegExp]> = [
  [{ alpha: 0 }, /--alpha/],
  [{ samples: 0 }, /--samples/],
  [{ chains: 1.5 }, /--chains/],
  [{ seed: 0.5 }, /--seed/],
  [{ workers: 0 }, /--workers/],
  [{ shift: -1 }, /--shift/],
  [{ maxDbeta: 0 }, /--max-dbeta/],
  [{ beta0: Number.NaN }, /--beta0/],
  [{ resume: true }, /--resume needs --checkpoint/],
  [{ checkpoint: join(dir, 'missing.json'), resume: true }, /does not exist/],
  [{ integrator: 'rk4' as 'heun' }, /--integrator/],
  [{ measureSamples: 10, chains: 16 }, /--measure-samples/],
];

for (const [o, re] of BAD) {
  test(`bad option ${JSON.stringify(o)} fails with InputError`, async () => {
    await assertRejects(trainThermo(spec({ kind: 'chain', size: [4] }, 1, 1), [1], fast(o)), re);
  });
}

test('bad temperatures and models fail with InputError', async () => {
  await assertRejects(trainThermo(spec({ kind: 'chain', size: [4] }, 1, 1), [1, -2], fast({})), /temperatures/);
  await assertRejects(trainThermo(spec({ kind: 'square', size: [3, 3] }, 1, 3), [1], fast({ alpha: 2 })), /--alpha must be >= 4/);
  await assertRejects(trainThermo(spec({ kind: 'chain', size: [12] }, 1, 1), [1], fast({ exact: true })), /too large/);
  assert.ok(!existsSync(join(dir, 'missing.json')));
});

test.run();
