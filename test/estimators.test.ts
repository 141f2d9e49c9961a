import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../src/mc/rng.ts';
import {
  mean, variance, autocorrelation, integratedAutocorrTime, binningError, summarize, summarizeChains,
  blockMeans, jackknife,
} from '../src/stats/series.ts';

function normals(n: number, seed: number, stream = 0): Float64Array {
  const rng = new Rng(seed, stream);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.normal();
  return x;
}

/** Stationary AR(1), unit variance: x_t = phi x_{t-1} + sqrt(1 - phi^2) xi_t; tau_int = (1/2)(1+phi)/(1-phi). */
function ar1(n: number, phi: number, seed: number, stream = 0, mu = 0): Float64Array {
  const rng = new Rng(seed, stream);
  const x = new Float64Array(n);
  const s = Math.sqrt(1 - phi * phi);
  let v = rng.normal();
  for (let i = 0; i < n; i++) {
    x[i] = mu + v;
    v = phi * v + s * rng.normal();
  }
  return x;
}

const tauAr1 = (phi: number) => (0.5 * (1 + phi)) / (1 - phi);

test('mean and variance', () => {
  const x = Float64Array.from([1, 2, 3, 4]);
  assert.is(mean(x), 2.5);
  assert.ok(Math.abs(variance(x) - 5 / 3) < 1e-15);
  // Large offset: the two-pass variance keeps its digits.
  const y = x.map((v) => v + 1e9);
  assert.ok(Math.abs(variance(y) - 5 / 3) < 1e-6);
});

test('autocorrelation matches the direct sum', () => {
  const x = ar1(1000, 0.7, 3);
  const rho = autocorrelation(x);
  const m = mean(x);
  let c0 = 0;
  for (let i = 0; i < x.length; i++) c0 += (x[i] - m) ** 2;
  for (const t of [0, 1, 2, 5, 17, 500, 999]) {
    let ct = 0;
    for (let i = 0; i + t < x.length; i++) ct += (x[i] - m) * (x[i + t] - m);
    assert.ok(Math.abs(rho[t] - ct / c0) < 1e-12, `lag ${t}: ${rho[t]} vs ${ct / c0}`);
  }
  assert.is(rho[0], 1);
  const flat = autocorrelation(new Float64Array(10).fill(3));
  assert.equal(Array.from(flat), [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
});

test('i.i.d. normal data: tau ~ 1/2, error ~ sigma / sqrt(n)', () => {
  const n = 100000;
  const x = normals(n, 11).map((v) => 2 * v + 5);
  const s = summarize(x);
  assert.ok(Math.abs(s.tau - 0.5) < 0.05, `tau = ${s.tau}`);
  const ideal = 2 / Math.sqrt(n);
  assert.ok(Math.abs(s.err / ideal - 1) < 0.1, `err = ${s.err}, ideal ${ideal}`);
  assert.ok(Math.abs(s.mean - 5) < 4 * ideal);
  assert.ok(Math.abs(s.nEff / n - 1) < 0.1);
  const b = binningError(x);
  assert.ok(b.bins >= 32 && b.bins < 64, `bins = ${b.bins}`);
  assert.ok(Math.abs(b.err / ideal - 1) < 0.35, `binning err = ${b.err}`);
});

test('AR(1): tau_int and binning error recovered within ~10%', () => {
  for (const [phi, seed] of [[0.5, 1], [0.9, 2], [0.97, 3]] as const) {
    const n = 400000;
    const x = ar1(n, phi, seed);
    const { tau, window, converged } = integratedAutocorrTime(x);
    const exact = tauAr1(phi);
    assert.ok(converged);
    assert.ok(Math.abs(tau / exact - 1) < 0.1, `phi ${phi}: tau ${tau} vs ${exact} (window ${window})`);
    const errExact = Math.sqrt((2 * exact) / n);
    const s = summarize(x);
    assert.ok(Math.abs(s.err / errExact - 1) < 0.06, `phi ${phi}: err ${s.err} vs ${errExact}`);
    const b = binningError(x);
    assert.ok(Math.abs(b.err / errExact - 1) < 0.3, `phi ${phi}: binning err ${b.err} vs ${errExact}`);
  }
});

test('too short a series is flagged', () => {
  const r = integratedAutocorrTime(ar1(60, 0.99, 5));
  assert.is(r.converged, false);
});

test('AR(1) error bars cover the true mean at the Gaussian rate', () => {
  const runs = 200;
  let inside = 0;
  for (let r = 0; r < runs; r++) {
    const s = summarize(ar1(20000, 0.9, 77, r));
    if (Math.abs(s.mean) < 2 * s.err) inside++;
  }
  const frac = inside / runs;
  assert.ok(frac > 0.9 && frac < 0.99, `coverage ${frac}`);
});

test('summarizeChains: pooled mean, both error rules', () => {
  const phi = 0.8;
  const many = Array.from({ length: 32 }, (_, c) => ar1(4000, phi, 9, c, 1));
  const few = many.slice(0, 4);
  const ideal = (k: number) => Math.sqrt((2 * tauAr1(phi)) / (k * 4000));
  const a = summarizeChains(many);
  assert.is(a.method, 'between-chains');
  assert.is(a.chains, 32);
  assert.ok(Math.abs(a.err / ideal(32) - 1) < 0.35, `between: ${a.err} vs ${ideal(32)}`);
  let s = 0;
  for (const ch of many) s += mean(ch);
  assert.ok(Math.abs(a.mean - s / 32) < 1e-14);
  const b = summarizeChains(few);
  assert.is(b.method, 'autocorrelation');
  assert.ok(Math.abs(b.err / ideal(4) - 1) < 0.15, `autocorr: ${b.err} vs ${ideal(4)}`);
  assert.ok(Math.abs(b.tau / tauAr1(phi) - 1) < 0.15);
  assert.ok(Math.abs(b.nEff - (4 * 4000) / (2 * tauAr1(phi))) < 0.2 * b.nEff);
});

test('jackknife of a nonlinear function agrees with the delta method', () => {
  // f = <y> / <x>^2 from correlated pairs (x, y); delta method with the sample covariance.
  const n = 20000;
  const rng = new Rng(123);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = rng.normal();
    x[i] = 2 + 0.3 * u;
    y[i] = 1 + 0.5 * u + 0.2 * rng.normal();
  }
  const f = (m: number[]) => m[1] / (m[0] * m[0]);
  const jk = jackknife([x, y], f);
  const mx = mean(x);
  const my = mean(y);
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
    sxy += (x[i] - mx) * (y[i] - my);
  }
  [sxx, syy, sxy] = [sxx / (n - 1), syy / (n - 1), sxy / (n - 1)];
  const gx = (-2 * my) / mx ** 3;
  const gy = 1 / mx ** 2;
  const delta = Math.sqrt((gx * gx * sxx + gy * gy * syy + 2 * gx * gy * sxy) / n);
  assert.ok(Math.abs(jk.value - my / mx ** 2) < 1e-15);
  assert.ok(Math.abs(jk.err / delta - 1) < 0.01, `jackknife ${jk.err} vs delta ${delta}`);
  // The variance-type derived quantity used for c: <x^2> - <x>^2 = Var(x) (biased), on 50 blocks.
  const x2 = x.map((v) => v * v);
  const jv = jackknife([blockMeans(x, 50), blockMeans(x2, 50)], (m) => m[1] - m[0] * m[0]);
  assert.ok(Math.abs(jv.value - 0.09) < 4 * jv.err, `var ${jv.value} +- ${jv.err}`);
  assert.ok(jv.err > 0.5 * 0.09 * Math.sqrt(2 / n) && jv.err < 2 * 0.09 * Math.sqrt(2 / n));
  // Linear f: jackknife error equals the plain standard error, and no bias correction.
  const lin = jackknife([x], (m) => m[0]);
  assert.ok(Math.abs(lin.err - Math.sqrt(sxx / n)) < 1e-12);
  assert.ok(Math.abs(lin.biasCorrected - lin.value) < 1e-9); // B f - (B-1) fbar amplifies rounding by B
});

test.run();
