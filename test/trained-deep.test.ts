// The deep purified network (src/train/deep-network.ts): Psi by enumerating (s, a, h, d) against
// the network's own formula, the beta0 start against the one-step Trotter state, deep = 0 against
// the shallow RbmLocal, and the sampled two-copy estimators (<E>, <H^2>, <O>, F, S) against
// enumeration within 4 error bars (scatter of 16 independent chains), on 2- and 3-site chains.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HIDDEN, type Dbm } from '../src/dbm/network.ts';
import { buildTrotterDbm } from '../src/dbm/trotter.ts';
import { makeTfim, diagonalEnergy, type Tfim } from '../src/model/hamiltonian.ts';
import { parseModel } from '../src/model/model.ts';
import { Rng } from '../src/mc/rng.ts';
import { logCosh } from '../src/util/log-cosh.ts';
import { RbmLocal } from '../src/train/network.ts';
import { solveSr } from '../src/train/sr.ts';
import { exactThermo } from '../src/exact/solver.ts';
import { InputError } from '../src/util/errors.ts';
import { defaultDeepOptions, trainDeep } from '../src/train/deep-driver.ts';
import { DeepAccumulator, DeepChain, DeepNet, deepMoments, type DeepOptions } from '../src/train/deep-network.ts';

const chain = (n: number, J = 1, Gamma = 1, h = 0): Tfim =>
  makeTfim(parseModel({ name: 'test', lattice: { kind: 'chain', size: [n] }, hamiltonian: { kind: 'tfim', J, Gamma, h } }));
const opts = (o: Partial<DeepOptions> = {}): DeepOptions => ({
  alpha: 2, share: true, jastrow: false, beta0: 0.1, noise: 0, seed: 1, split: true, deep: 1, deepNoise: 0, ...o,
});

/** The visible-only terms of ln Phi: biases and visible-visible couplings. */
function visibleLog(net: DeepNet, x: Int8Array): number {
  const { weight, bias, edgeA, edgeB } = net.shallow.dbm;
  let lp = 0;
  for (let v = 0; v < 2 * net.N; v++) lp += bias[v] * x[v];
  for (let e = net.shallow.nHV; e < edgeA.length; e++) lp += weight[e] * x[edgeA[e]] * x[edgeB[e]];
  return lp;
}

/** theta_h = c_h + W_h.x + U_h.d of hidden unit h, d(k) giving deep unit k. */
function hiddenField(net: DeepNet, x: Int8Array, h: number, d: (k: number) => number): number {
  const { weight, bias } = net.shallow.dbm;
  const V = 2 * net.N;
  let t = bias[V + h];
  for (let v = 0; v < V; v++) t += weight[h * V + v] * x[v];
  for (let k = 0; k < net.D; k++) t += net.U[k * net.M + h] * d(k);
  return t;
}

/** ln sum_{h, d} exp(...) of the deep network by brute force over every hidden and deep unit. */
function bruteLogPsi(net: DeepNet, x: Int8Array): number {
  const { M, D } = net;
  const base = visibleLog(net, x);
  const terms: number[] = [];
  for (let cd = 0; cd < 2 ** D; cd++) {
    const d = (k: number) => ((cd >>> k) & 1 ? -1 : 1);
    for (let ch = 0; ch < 2 ** M; ch++) {
      let lw = base;
      for (let k = 0; k < D; k++) lw += net.eBias[k] * d(k);
      for (let h = 0; h < M; h++) lw += ((ch >>> h) & 1 ? -1 : 1) * hiddenField(net, x, h, d);
      terms.push(lw);
    }
  }
  const m = Math.max(...terms);
  return m + Math.log(terms.reduce((s, t) => s + Math.exp(t - m), 0));
}

/** ln Psi with the hidden units summed in closed form (cosh) and d enumerated. */
function logPsi(net: DeepNet, x: Int8Array): number {
  const { M, D } = net;
  const base = visibleLog(net, x);
  const terms: number[] = [];
  for (let cd = 0; cd < 2 ** D; cd++) {
    let lw = base + M * Math.log(2);
    for (let h = 0; h < M; h++) lw += logCosh(hiddenField(net, x, h, (k) => ((cd >>> k) & 1 ? -1 : 1)));
    for (let k = 0; k < D; k++) lw += net.eBias[k] * ((cd >>> k) & 1 ? -1 : 1);
    terms.push(lw);
  }
  const m = Math.max(...terms);
  return m + Math.log(terms.reduce((s, t) => s + Math.exp(t - m), 0));
}

const config = (c: number, V: number, x = new Int8Array(V)) => {
  for (let v = 0; v < V; v++) x[v] = (c >>> v) & 1 ? -1 : 1;
  return x;
};

/** Exact <E>, <H^2>, <O>, F, S of the deep network by enumeration; O by central differences of ln Psi. */
function exactDeep(net: DeepNet, theta: Float64Array) {
  const N = net.N;
  const V = 2 * N;
  const P = net.P;
  const total = 2 ** V;
  const all = (th: Float64Array) => {
    net.setParams(th);
    return Float64Array.from({ length: total }, (_, c) => logPsi(net, config(c, V)));
  };
  const lp = all(theta);
  const O = Array.from({ length: total }, () => new Float64Array(P));
  const eps = 1e-5;
  for (let k = 0; k < P; k++) {
    const tp = Float64Array.from(theta);
    tp[k] += eps;
    const lpp = all(tp);
    tp[k] -= 2 * eps;
    const lpm = all(tp);
    for (let c = 0; c < total; c++) O[c][k] = (lpp[c] - lpm[c]) / (2 * eps);
  }
  net.setParams(theta);
  const max = Math.max(...lp);
  const w = lp.map((l) => Math.exp(2 * (l - max)));
  const z = w.reduce((a, b) => a + b, 0);
  const gamma = Math.abs(net.ham.Gamma);
  let e1 = 0;
  let e2 = 0;
  const o1 = new Float64Array(P);
  const oe = new Float64Array(P);
  const oo = new Float64Array(P * P);
  for (let c = 0; c < total; c++) {
    const p = w[c] / z;
    const x = config(c, V);
    let el = diagonalEnergy(net.ham, x, 0);
    for (let i = 0; i < N; i++) el -= gamma * Math.exp(lp[c ^ (1 << i)] - lp[c]);
    e1 += p * el;
    e2 += p * el * el;
    for (let k = 0; k < P; k++) {
      o1[k] += p * O[c][k];
      oe[k] += p * O[c][k] * el;
      for (let l = 0; l < P; l++) oo[k * P + l] += p * O[c][k] * O[c][l];
    }
  }
  const F = oe.map((v, k) => v - o1[k] * e1);
  const S = oo.map((v, q) => v - o1[Math.floor(q / P)] * o1[q % P]);
  return { e: e1, h2: e2, o: o1, F, S };
}

test('deep network: Psi with the hidden layer summed in closed form = brute force over (h, d), N = 2..4', () => {
  for (const N of [2, 3, 4]) {
    const net = new DeepNet(chain(N, 1, 0.8, N === 3 ? 0.3 : 0), opts({ deepNoise: 0.4, jastrow: N === 2 }));
    const rng = new Rng(5, N);
    const th = net.initial.map((v) => v + 0.3 * rng.normal());
    net.setParams(th);
    const V = 2 * N;
    for (let c = 0; c < 2 ** V; c += N === 4 ? 17 : 1) {
      const x = config(c, V);
      const a = bruteLogPsi(net, x);
      const b = logPsi(net, x);
      assert.ok(Math.abs(a - b) < 1e-10 * Math.max(1, Math.abs(a)), `N = ${N}, config ${c}: ${a} vs ${b}`);
    }
  }
});

test('deep network start: with deepNoise = 0, Psi ∝ the one-step symmetric Trotter state at beta0 (exact); noise changes ln Psi at second order', () => {
  const ham = chain(4);
  const beta0 = 0.1;
  const trot = buildTrotterDbm(ham, { beta: beta0, slices: 1, order: 2 });
  const trotLog = (d: Dbm, x: Int8Array) => {
    const theta = new Float64Array(d.nUnits);
    let lp = 0;
    for (let u = 0; u < d.nUnits; u++) if (d.layer[u] === HIDDEN) theta[u] = d.bias[u];
    else lp += d.bias[u] * x[u];
    for (let e = 0; e < d.edgeA.length; e++) {
      const [a, b] = [d.edgeA[e], d.edgeB[e]];
      if (d.layer[a] === HIDDEN) theta[a] += d.weight[e] * x[b];
      else if (d.layer[b] === HIDDEN) theta[b] += d.weight[e] * x[a];
      else lp += d.weight[e] * x[a] * x[b];
    }
    for (let u = 0; u < d.nUnits; u++) if (d.layer[u] === HIDDEN) lp += logCosh(theta[u]);
    return lp;
  };
  const exact = new DeepNet(ham, opts({ beta0, deep: 2 }));
  const noisy = new DeepNet(ham, opts({ beta0, deep: 2, deepNoise: 0.01 }));
  const xt = new Int8Array(trot.nUnits);
  let off = NaN;
  let offNoisy = NaN;
  let devNoisy = 0;
  for (let c = 0; c < 256; c++) {
    const x = config(c, 8);
    xt.set(x);
    const ref = trotLog(trot, xt);
    const d = logPsi(exact, x) - ref;
    if (c === 0) off = d;
    assert.ok(Math.abs(d - off) < 1e-10, `config ${c}: ln Psi - ln Psi_Trotter = ${d}, not the constant ${off}`);
    const dn = logPsi(noisy, x) - ref;
    if (c === 0) offNoisy = dn;
    devNoisy = Math.max(devNoisy, Math.abs(dn - offNoisy));
  }
  // Second order: ~ (1/2) sum_k (sum_h U_hk tanh theta_h)^2 <= (1/2) D (M eps)^2 ~ 1e-2 at most here.
  assert.ok(devNoisy > 0 && devNoisy < 1e-2, `noise 0.01 moved ln Psi by ${devNoisy}`);
});

test('deep = 0: the two-copy estimators equal the shallow RbmLocal (E_loc, O) on random configurations', () => {
  const ham = chain(4, 1, 0.7, 0.2);
  const net = new DeepNet(ham, opts({ deep: 0, jastrow: true }));
  const rng = new Rng(2, 0);
  const th = net.initial.map((v) => v + 0.3 * rng.normal());
  net.setParams(th);
  const local = new RbmLocal(net.shallow);
  const ch = new DeepChain(net, new Rng(1, 1));
  const oa = new Float64Array(net.P);
  const ob = new Float64Array(net.P);
  const o = new Float64Array(net.P);
  const e = new Float64Array(2);
  for (let k = 0; k < 20; k++) {
    const x = config(Math.floor(rng.next() * 256), 8);
    ch.setConfig(x, new Int8Array(0));
    ch.measure(oa, ob, e);
    const el = local.eval(x, o);
    assert.ok(Math.abs(e[0] - el) < 1e-10 && e[1] === e[0], `E ${e[0]} vs ${el}`);
    for (let p = 0; p < net.P; p++) assert.ok(Math.abs(oa[p] - o[p]) < 1e-12 && ob[p] === oa[p], `O_${p}`);
  }
});

/**
 * A point away from the start, with deep couplings large enough to matter and the s-a link at 0.5
 * (at the start's K ~ 1.5 the flip ratios off the diagonal s = a are ~e^{2K} and E_loc^2 is
 * heavy-tailed: error bars so wide that a test could hardly fail).
 */
function testPoint(net: DeepNet, rng: Rng): Float64Array {
  return net.initial.map((v, k) => {
    const n = net.names[k];
    if (n === 'K' || n.startsWith('K:') || n === 'J:sa:0') return 0.5;
    return v + (n.startsWith('U:') ? 0.6 : 0.25) * rng.normal();
  });
}

/** Samples the chains, returns the combined moments and per-chain scatter errors. */
function sampleDeep(net: DeepNet, chains: number, perChain: number, seed: number, inner = 1) {
  const P = net.P;
  const oRef = new Float64Array(P);
  const per: ReturnType<typeof deepMoments>[] = [];
  const means: Float64Array[] = [];
  const halves: Float64Array[] = [];
  const oa = new Float64Array(P);
  const ob = new Float64Array(P);
  const e = new Float64Array(2);
  for (let c = 0; c < chains; c++) {
    const ch = new DeepChain(net, new Rng(seed, c));
    const acc = new DeepAccumulator(P, net.D > 0);
    acc.reset(oRef, 0);
    for (let s = 0; s < 200; s++) ch.sweep();
    for (let s = 0; s < perChain; s++) {
      ch.sweep();
      ch.measureAveraged(oa, ob, e, inner);
      acc.add(oa, ob, e[0], e[1]);
    }
    const m = acc.mean.pack();
    const h = acc.half.pack();
    means.push(m);
    halves.push(h);
    per.push(deepMoments([m], [h], P, oRef, 0));
  }
  const all = deepMoments(means, halves, P, oRef, 0);
  /** Standard error of a per-chain quantity from the chain scatter. */
  const err = (f: (m: (typeof per)[number]) => number) => {
    const v = per.map(f);
    const mu = v.reduce((a, b) => a + b, 0) / chains;
    return Math.sqrt(v.reduce((a, b) => a + (b - mu) ** 2, 0) / (chains - 1) / chains);
  };
  return { all, err };
}

for (const [name, ham, o, inner] of [
  ['2-site chain, 2 deep units per site, Jastrow', chain(2, 1, 1), opts({ deep: 2, jastrow: true }), 1],
  ['3-site chain in a field, unshared, 1 deep unit per site', chain(3, 1, 0.7, 0.3), opts({ deep: 1, share: false }), 1],
  ['2-site chain, 2 deep units per site, 3 conditional deep samples per measurement', chain(2, 1, 1), opts({ deep: 2, jastrow: true }), 3],
] as const) {
  test(`deep network sampled vs enumeration (within 4 sigma): <E>, <H^2>, <O>, u.F, u^T S u: ${name}`, () => {
    const net = new DeepNet(ham, o);
    const rng = new Rng(11, 3);
    const th = testPoint(net, rng);
    const ex = exactDeep(net, th);
    net.setParams(th);
    const { all, err } = sampleDeep(net, 16, 3000, 7, inner);
    const P = net.P;
    const check = (what: string, mc: number, exact: number, sigma: number) =>
      assert.ok(Math.abs(mc - exact) <= 4 * sigma + 1e-9, `${what}: sampled ${mc} +- ${sigma}, exact ${exact}`);
    check('<E>', all.eMean, ex.e, err((m) => m.eMean));
    check('<H^2> - <E>^2', all.eVar, ex.h2 - ex.e ** 2, err((m) => m.eVar));
    for (let k = 0; k < P; k++) check(`<O_${net.names[k]}>`, all.oMean[k], ex.o[k], err((m) => m.oMean[k]));
    // F and S through random projections: a few checks, not P^2 (at 4 sigma with errors from 16
    // chains, hundreds of entrywise checks would fail by chance; entrywise they are one sum each).
    for (let r = 0; r < 4; r++) {
      const u = Float64Array.from({ length: P }, () => rng.normal());
      const dotF = (F: Float64Array) => F.reduce((a, f, k) => a + f * u[k], 0);
      const quad = (S: Float64Array) => {
        let s = 0;
        for (let k = 0; k < P; k++) for (let l = 0; l < P; l++) s += u[k] * S[k * P + l] * u[l];
        return s;
      };
      check(`u${r}.F`, dotF(all.F), dotF(ex.F), err((m) => dotF(m.F)));
      check(`u${r}^T S u${r}`, quad(all.S!), quad(ex.S), err((m) => quad(m.S!)));
    }
    // S restricted to the deep couplings (the block the two-copy correction changes most).
    const uU = Float64Array.from({ length: P }, (_, k) => (net.names[k].startsWith('U:') ? rng.normal() : 0));
    const quadU = (S: Float64Array) => {
      let s = 0;
      for (let k = 0; k < P; k++) for (let l = 0; l < P; l++) s += uU[k] * S[k * P + l] * uU[l];
      return s;
    };
    check('uU^T S uU', quadU(all.S!), quadU(ex.S), err((m) => quadU(m.S!)));
    // The deep layer matters at this point: some U derivative is clearly nonzero.
    assert.ok(net.names.some((n, k) => n.startsWith('U:') && Math.abs(ex.o[k]) > 0.05), 'deep couplings have no effect: the test would not see a wrong U derivative');
  });
}

test('the same-copy product is biased: ((E_a + E_b)/2)^2 misses <H^2> by Var_q(E)/2 (> 4 sigma) where the cross-copy E_a E_b meets it (the trap)', () => {
  const net = new DeepNet(chain(2, 1, 1), opts({ deep: 3, jastrow: true }));
  const th = testPoint(net, new Rng(11, 3));
  const ex = exactDeep(net, th);
  net.setParams(th);
  const oa = new Float64Array(net.P);
  const ob = new Float64Array(net.P);
  const e = new Float64Array(2);
  const C = 16;
  const naive = new Float64Array(C);
  const cross = new Float64Array(C);
  const n = 3000;
  for (let c = 0; c < C; c++) {
    const ch = new DeepChain(net, new Rng(3, c));
    for (let s = 0; s < 200; s++) ch.sweep();
    for (let s = 0; s < n; s++) {
      ch.sweep();
      ch.measure(oa, ob, e);
      naive[c] += ((e[0] + e[1]) / 2) ** 2 / n;
      cross[c] += (e[0] * e[1]) / n;
    }
  }
  const stat = (v: Float64Array) => {
    const mu = v.reduce((a, b) => a + b, 0) / C;
    return { mu, err: Math.sqrt(v.reduce((a, b) => a + (b - mu) ** 2, 0) / (C - 1) / C) };
  };
  const a = stat(naive);
  const b = stat(cross);
  assert.ok(Math.abs(b.mu - ex.h2) <= 4 * b.err, `cross-copy <H^2> ${b.mu} +- ${b.err}, exact ${ex.h2}`);
  assert.ok(a.mu - ex.h2 > 4 * a.err, `same-copy <H^2> ${a.mu} +- ${a.err} is not clearly above the exact ${ex.h2}: the test cannot see the bias`);
});

test('deep network TDVP with exact (enumerated) S and F follows exact e(beta) on the 3-site chain to beta = 1 (Euler, dbeta <= 0.02: step error ~1e-3)', () => {
  const ham = chain(3, 1, 1);
  const net = new DeepNet(ham, opts({ beta0: 0.02, deep: 1, deepNoise: 0.1, jastrow: true }));
  const P = net.P;
  let th = Float64Array.from(net.initial);
  let beta = 0.02;
  let e = 0;
  for (;;) {
    const ex = exactDeep(net, th);
    e = ex.e / 3;
    if (beta >= 1 - 1e-12) break;
    for (let k = 0; k < P; k++) for (let l = 0; l < k; l++) ex.S[k * P + l] = ex.S[l * P + k];
    const m = { P, weight: 1, eMean: ex.e, eVar: ex.h2 - ex.e ** 2, oMean: ex.o, F: ex.F, S: ex.S, diagS: ex.S.filter((_, q) => q % (P + 1) === 0), rows: null, nRows: 0 };
    const r = solveSr(m, { shift: 1e-5, shiftAbs: 1e-6, solver: 'dense' });
    const db = Math.min(0.02, 0.1 * beta, 1 - beta);
    th = th.map((v, k) => v - (db / 2) * r.x[k]);
    beta += db;
  }
  const ref = exactThermo(ham, [1]).rows[0].e;
  // Measured: 1.1e-3 relative with dbeta <= 0.01 (Euler's first-order error, the shallow network
  // the same); a wrong sign or factor in a deep derivative moves e by far more.
  assert.ok(Math.abs(e - ref) / Math.abs(ref) < 4e-3, `e(beta = 1) = ${e}, exact ${ref}`);
  // The deep couplings moved (they take part in the evolution).
  const moved = net.names.reduce((a, n, k) => (n.startsWith('U:') ? Math.max(a, Math.abs(th[k] - net.initial[k])) : a), 0);
  assert.ok(moved > 1e-3, `deep couplings moved by ${moved} only`);
});

test('trainDeep: same seed, same rows; rows in the order of temps; one-line errors for bad input; deep = 0 on the 4-site chain within 4 sigma + the measured TDVP bias of exact e', () => {
  const model = parseModel({ name: 'c4', lattice: { kind: 'chain', size: [4] }, hamiltonian: { kind: 'tfim', J: 1, Gamma: 1, h: 0 } });
  const o = { ...defaultDeepOptions(), samples: 400, measureSamples: 6400, deep: 1 };
  const a = trainDeep(model, [1, 2], o);
  const b = trainDeep(model, [1, 2], o);
  assert.equal(a.rows, b.rows);
  assert.equal(a.rows.map((r) => r.T), [1, 2]);
  assert.ok(a.meta.parameters > trainDeep(model, [2], { ...o, deep: 0, measureSamples: 640 }).meta.parameters);
  assert.throws(() => trainDeep(model, [0], o), (e: unknown) => e instanceof InputError);
  assert.throws(() => trainDeep(model, [1], { ...o, deep: -1 }), (e: unknown) => e instanceof InputError && /--deep/.test(e.message));
  const s = trainDeep(model, [1], { ...o, deep: 0 });
  const ex = exactThermo(makeTfim(model), [1]).rows[0];
  // 4e-3 |e|: the TDVP bias at this budget measured with the same settings (scripts/compare-deep.ts
  // on models/chain-4.json, 500 samples per evaluation: 3.5e-3), on top of 4 error bars.
  assert.ok(Math.abs(s.rows[0].e - ex.e) <= 4 * s.rows[0].e_err + 4e-3 * Math.abs(ex.e), `e ${s.rows[0].e} +- ${s.rows[0].e_err}, exact ${ex.e}`);
});

test.run();
