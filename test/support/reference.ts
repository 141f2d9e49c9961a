// Shared by tests: thermodynamics from a plain list of eigenvalues, written independently of
// src/thermo.ts so that the reference does not share code with what it checks.
import { applyTfim, diagonalEnergies, type Tfim } from '../../src/model/hamiltonian.ts';

/** e = <H>/N and c = beta^2 var(H)/N at each T from all eigenvalues E (k_B = 1). */
export function thermoFromSpectrum(E: number[], N: number, temps: number[]): Array<{ T: number; e: number; c: number }> {
  const e0 = Math.min(...E);
  return temps.map((T) => {
    const b = 1 / T;
    let z = 0;
    let m1 = 0;
    let m2 = 0;
    for (const x of E) {
      const w = Math.exp(-b * (x - e0));
      z += w;
      m1 += w * (x - e0);
      m2 += w * (x - e0) ** 2;
    }
    m1 /= z;
    m2 /= z;
    return { T, e: (e0 + m1) / N, c: (b * b * (m2 - m1 * m1)) / N };
  });
}

/** exp(-beta H) of a small TFIM by scaling and squaring of a Taylor series (dense, N <= 8). */
export function thermalMoments(ham: Tfim, beta: number): { m2: number; m4: number; corr1: number } {
  const dim = 2 ** ham.nSites;
  const diag = diagonalEnergies(ham);
  const H = new Float64Array(dim * dim);
  const x = new Float64Array(dim);
  const y = new Float64Array(dim);
  for (let j = 0; j < dim; j++) {
    x.fill(0);
    x[j] = 1;
    applyTfim(ham, diag, x, y);
    for (let i = 0; i < dim; i++) H[i * dim + j] = y[i];
  }
  const mul = (a: Float64Array, b: Float64Array) => {
    const c = new Float64Array(dim * dim);
    for (let i = 0; i < dim; i++) for (let k = 0; k < dim; k++) {
      const aik = a[i * dim + k];
      if (aik === 0) continue;
      for (let j = 0; j < dim; j++) c[i * dim + j] += aik * b[k * dim + j];
    }
    return c;
  };
  const squarings = 10;
  const s = -beta / 2 ** squarings;
  let term = new Float64Array(dim * dim);
  const E = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) term[i * dim + i] = E[i * dim + i] = 1;
  for (let k = 1; k <= 14; k++) {
    term = mul(term, H).map((v) => (v * s) / k);
    for (let i = 0; i < E.length; i++) E[i] += term[i];
  }
  let R: Float64Array = E;
  for (let k = 0; k < squarings; k++) R = mul(R, R);
  let z = 0;
  let m2 = 0;
  let m4 = 0;
  let c1 = 0;
  for (let st = 0; st < dim; st++) {
    const w = R[st * dim + st];
    let m = 0;
    const sp = (i: number) => (((st >>> i) & 1) ? -1 : 1);
    for (let i = 0; i < ham.nSites; i++) m += sp(i);
    m /= ham.nSites;
    let c = 0;
    for (let i = 0; i < ham.nSites; i++) c += sp(i) * sp((i + 1) % ham.nSites);
    z += w;
    m2 += w * m * m;
    m4 += w * m ** 4;
    c1 += (w * c) / ham.nSites;
  }
  return { m2: m2 / z, m4: m4 / z, corr1: c1 / z };
}
