// The analytic network against the dense Trotter product it encodes, and the product against
// exp(-beta H / 2): builder bugs and Trotter error are checked separately from any sampling.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Matrix, EigenvalueDecomposition } from 'ml-matrix';
import { parseModel } from '../src/model/model.ts';
import { makeTfim, diagonalEnergies, type Tfim } from '../src/model/hamiltonian.ts';
import { buildTrotterDbm, bondUnitWeight, linkCoupling, trotterSteps } from '../src/dbm/trotter.ts';
import { HIDDEN, type Dbm } from '../src/dbm/network.ts';
import { buildJointGraph } from '../src/mc/sampler.ts';
import { LocalEnergy, RingObservables, WorldlineEnergy } from '../src/mc/local-estimators.ts';
import { enumerateJoint } from '../src/mc/enumerate.ts';

const tfim = (lattice: object, J: number, Gamma: number, h: number) =>
  makeTfim(parseModel({ lattice, hamiltonian: { kind: 'tfim', J, Gamma, h } }));

const MODELS: Array<[string, Tfim]> = [
  ['chain 3 periodic, h', tfim({ kind: 'chain', size: [3] }, 1, 0.8, 0.3)],
  ['antiferro graph, mixed weights', tfim({ kind: 'graph', sites: 3, bonds: [[0, 1], [1, 2, -0.5], [0, 2, 1.5]] }, -1, 1.2, 0)],
  ['open chain 2, negative Gamma', tfim({ kind: 'chain', size: [2], boundary: 'open' }, 0.7, -1.1, -0.4)],
];

/** Dense H on 2^N (bit i = 1: sz_i = -1). */
function denseH(ham: Tfim): Matrix {
  const d = diagonalEnergies(ham);
  const m = Matrix.zeros(d.length, d.length);
  for (let s = 0; s < d.length; s++) {
    m.set(s, s, d[s]);
    for (let i = 0; i < ham.nSites; i++) m.set(s, s ^ (1 << i), -ham.Gamma);
  }
  return m;
}

/** The Trotter product U for exp(-beta H / 2), built from exact factor matrices. */
function trotterProduct(ham: Tfim, n: number, dt: number, order: 1 | 2): Matrix {
  const d = diagonalEnergies(ham);
  const D = d.length;
  const z = (tau: number) => Matrix.diag(Array.from(d, (e) => Math.exp(-tau * e)));
  const x = Matrix.zeros(D, D);
  const c = Math.cosh(dt * ham.Gamma);
  const sh = Math.sinh(dt * ham.Gamma);
  for (let s = 0; s < D; s++) {
    for (let t = 0; t < D; t++) {
      let v = 1;
      for (let i = 0; i < ham.nSites; i++) v *= ((s ^ t) >> i) & 1 ? sh : c;
      x.set(s, t, v);
    }
  }
  const step = order === 2 ? z(dt / 2).mmul(x).mmul(z(dt / 2)) : z(dt).mmul(x);
  let u = Matrix.eye(D);
  for (let k = 0; k < n; k++) u = u.mmul(step);
  return u;
}

/** Psi(s, a) of one copy of the network, by enumerating deep units and summing hidden ones. */
function networkAmplitudes(net: Dbm): Matrix {
  const N = net.nSites;
  const D = 2 ** N;
  const deep: number[] = [];
  for (let u = 2 * N; u < net.nUnits; u++) if (net.layer[u] !== HIDDEN) deep.push(u);
  const x = new Float64Array(net.nUnits);
  const out = Matrix.zeros(D, D);
  for (let s = 0; s < D; s++) {
    for (let a = 0; a < D; a++) {
      for (let i = 0; i < N; i++) {
        x[i] = (s >> i) & 1 ? -1 : 1;
        x[N + i] = (a >> i) & 1 ? -1 : 1;
      }
      let sum = 0;
      for (let c = 0; c < 2 ** deep.length; c++) {
        deep.forEach((u, k) => (x[u] = (c >> k) & 1 ? -1 : 1));
        let lw = 0;
        const theta = new Float64Array(net.nUnits);
        for (let u = 0; u < net.nUnits; u++) if (net.layer[u] !== HIDDEN) lw += net.bias[u] * x[u];
        for (let u = 0; u < net.nUnits; u++) if (net.layer[u] === HIDDEN) theta[u] = net.bias[u];
        for (let e = 0; e < net.edgeA.length; e++) {
          const [p, q, w] = [net.edgeA[e], net.edgeB[e], net.weight[e]];
          if (net.layer[p] === HIDDEN) theta[p] += w * x[q];
          else if (net.layer[q] === HIDDEN) theta[q] += w * x[p];
          else lw += w * x[p] * x[q];
        }
        let prod = Math.exp(lw);
        for (let u = 0; u < net.nUnits; u++) if (net.layer[u] === HIDDEN) prod *= 2 * Math.cosh(theta[u]);
        sum += prod;
      }
      out.set(s, a, sum);
    }
  }
  return out;
}

const trace = (m: Matrix) => m.diag().reduce((p, v) => p + v, 0);

test('closed forms of the single factors', () => {
  // sum_h exp(W h (s + s')) over h = +-1 is 2 cosh(W (s + s')); its ratio aligned/anti-aligned must be e^{2 J tau}.
  for (const jt of [1e-9, 1e-3, 0.05, 0.7, 3]) {
    const w = bondUnitWeight(jt);
    assert.ok(Math.abs(Math.log(Math.cosh(2 * w)) - 2 * jt) < 1e-12 * Math.max(1, jt), `bond weight at ${jt}`);
  }
  // <s|e^{dt G sx}|s'> = A exp(K s s'): diagonal/off-diagonal ratio cosh/sinh = e^{2K}.
  for (const [dt, g] of [[0.01, 1], [0.3, 2], [1, 0.5]]) {
    assert.ok(Math.abs(Math.exp(2 * linkCoupling(dt, g)) - 1 / Math.tanh(dt * g)) < 1e-10 / Math.tanh(dt * g));
  }
});

test('network amplitudes equal the dense Trotter product up to a constant', () => {
  for (const [name, ham] of MODELS) {
    for (const order of [1, 2] as const) {
      for (const n of [1, 2, 3]) {
        const beta = 1.3;
        const net = buildTrotterDbm(ham, { beta, slices: n, order });
        // Gamma < 0 maps to |Gamma| by the gauge prod sz: U changes by signs (-1)^{#flips}; compare |U|.
        const u = trotterProduct({ ...ham, Gamma: Math.abs(ham.Gamma) }, n, beta / (2 * n), order);
        const psi = networkAmplitudes(net);
        const ratio = psi.get(0, 0) / u.get(0, 0);
        for (let s = 0; s < u.rows; s++) {
          for (let a = 0; a < u.columns; a++) {
            const rel = Math.abs(psi.get(s, a) / ratio - u.get(s, a)) / Math.abs(u.get(s, a));
            assert.ok(rel < 1e-12, `${name} order ${order} n ${n} (${s},${a}): rel ${rel}`);
          }
        }
      }
    }
  }
});

test('the Trotter product converges to exp(-beta H / 2) at the expected order', () => {
  const ham = MODELS[0][1];
  const beta = 1.3;
  const h = denseH(ham);
  const eig = new EigenvalueDecomposition(h, { assumeSymmetric: true });
  const ev = eig.realEigenvalues;
  const z = ev.reduce((p, e) => p + Math.exp(-beta * e), 0);
  const eExact = ev.reduce((p, e) => p + e * Math.exp(-beta * e), 0) / z;
  const energyOf = (u: Matrix) => trace(u.transpose().mmul(h).mmul(u)) / trace(u.transpose().mmul(u));
  // Measured fact: in <H> both splits converge as dt^2 (in the traced product U^T U the first-order
  // errors of the two copies cancel to leading order); the symmetric one has the smaller prefactor.
  const errs = ([1, 2] as const).map((order) => [4, 8, 16].map((n) => energyOf(trotterProduct(ham, n, beta / (2 * n), order)) - eExact));
  for (const e of errs) {
    const rate = Math.log2(Math.abs(e[1] / e[2]));
    assert.ok(Math.abs(rate - 2) < 0.15, `error ratio exponent ${rate}`);
  }
  assert.ok(Math.abs(errs[0][2]) > 3 * Math.abs(errs[1][2]), `first ${errs[0][2]} vs second ${errs[1][2]}`);
  // Reference numbers, N = 3, beta = 1.3, n = 4, per site: the second-order split is off by -9e-4.
  const ham3 = tfim({ kind: 'chain', size: [3] }, 1, 1, 0);
  const h3 = denseH(ham3);
  const ev3 = new EigenvalueDecomposition(h3, { assumeSymmetric: true }).realEigenvalues;
  const z3 = ev3.reduce((p, e) => p + Math.exp(-beta * e), 0);
  const e3 = ev3.reduce((p, e) => p + e * Math.exp(-beta * e), 0) / z3;
  const err = (order: 1 | 2) => {
    const u = trotterProduct(ham3, 4, beta / 8, order);
    return (trace(u.transpose().mmul(h3).mmul(u)) / trace(u.transpose().mmul(u)) - e3) / 3;
  };
  assert.ok(Math.abs(err(2) - -9e-4) < 1e-4, `second order ${err(2)}`);
  // An early note quoted +3.9e-3 for the first-order split; the product (e^{-dt Hz} e^{-dt Hx})^n gives
  // +1.33e-2 here (checked independently with numpy), so only its sign and size class are asserted.
  assert.ok(err(1) > 3e-3 && err(1) < 2e-2, `first order ${err(1)}`);
});

test('exact joint averages of the estimators equal the Trotterized state averages', () => {
  for (const [name, ham] of MODELS) {
    for (const [order, n] of [[1, 2], [2, 2], [2, 1]] as const) {
      const beta = 0.9;
      const net = buildTrotterDbm(ham, { beta, slices: n, order });
      const g = buildJointGraph(net);
      const el = new LocalEnergy(net, ham, g);
      const wl = new WorldlineEnergy(net, ham, g);
      const ring = new RingObservables(net, ham, g);
      let e = 0;
      let e2 = 0;
      let ew = 0;
      let ew2 = 0;
      let eRing = 0;
      enumerateJoint(net, g, (x, w) => {
        const a = el.eval(x, 0);
        const b = el.eval(x, 1);
        e += (w * (a + b)) / 2;
        e2 += w * a * b;
        const wa = wl.eval(x, 0);
        const wb = wl.eval(x, 1);
        ew += (w * (wa + wb)) / 2;
        ew2 += w * wa * wb;
        eRing += w * ring.energy(x);
      }, [...el.readsNodes, ...wl.readsNodes]);
      const hm = denseH(ham);
      const u = trotterProduct(ham, n, beta / (2 * n), order);
      const norm = trace(u.transpose().mmul(u));
      const eState = trace(u.transpose().mmul(hm).mmul(u)) / norm;
      const e2State = trace(u.transpose().mmul(hm).mmul(hm).mmul(u)) / norm;
      assert.ok(Math.abs(e - eState) < 1e-10, `${name} order ${order}: visible ${e} vs ${eState}`);
      assert.ok(Math.abs(e2 - e2State) < 1e-9, `${name} order ${order}: H^2 ${e2} vs ${e2State}`);
      assert.ok(Math.abs(ew - eState) < 1e-10, `${name} order ${order}: worldline ${ew} vs ${eState}`);
      assert.ok(Math.abs(ew2 - e2State) < 1e-9, `${name} order ${order}: worldline H^2 ${ew2} vs ${e2State}`);
      // Thermodynamic estimator = -d ln Tr(U^T U) / d beta at fixed n, by a central difference.
      const lnZ = (b: number) => {
        const ub = trotterProduct({ ...ham, Gamma: Math.abs(ham.Gamma) }, n, b / (2 * n), order);
        return Math.log(trace(ub.transpose().mmul(ub)));
      };
      const d = 1e-5;
      const eThermo = -(lnZ(beta + d) - lnZ(beta - d)) / (2 * d);
      assert.ok(Math.abs(eRing - eThermo) < 1e-6, `${name} order ${order}: ring ${eRing} vs ${eThermo}`);
    }
  }
});

test('bad Trotter options fail clearly', () => {
  const ham = MODELS[0][1];
  assert.throws(() => buildTrotterDbm(ham, { beta: 1, dt: 0 }), /--dt/);
  assert.throws(() => buildTrotterDbm(ham, { beta: 1, dt: -0.1 }), /--dt/);
  assert.throws(() => buildTrotterDbm(ham, { beta: 1, slices: 0 }), /--slices/);
  assert.throws(() => buildTrotterDbm(ham, { beta: -1 }), /beta/);
  assert.throws(() => buildTrotterDbm(ham, { beta: NaN }), /beta/);
  assert.throws(() => buildTrotterDbm({ ...ham, Gamma: 0 }, { beta: 1 }), /Gamma = 0/);
  assert.equal(trotterSteps({ beta: 2, dt: 1 / 16 }), { n: 16, dt: 1 / 16 });
});

test.run();
