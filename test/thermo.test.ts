import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { blockSpectrum, fullSpectrum } from '../src/exact/blocks.ts';
import { makeTfim, type Tfim } from '../src/model/hamiltonian.ts';
import { parseModel } from '../src/model/model.ts';
import { thermoFromLevels } from '../src/exact/thermo.ts';

function model(lattice: unknown, J: number, Gamma: number, h: number): Tfim {
  return makeTfim(parseModel({ lattice, hamiltonian: { kind: 'tfim', J, Gamma, h } }));
}

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

const temps = [0.05, 0.3, 1, 2.5, 10];

test('single spin: e = -a tanh(beta a), c = (beta a)^2 / cosh^2(beta a), a = sqrt(Gamma^2 + h^2)', () => {
  for (const [G, h] of [[1, 0], [0.7, 0.4], [0, 1.3], [2, -0.5]]) {
    const ham = model({ kind: 'graph', sites: 1, bonds: [] }, 1, G, h);
    const a = Math.hypot(G, h);
    const full = thermoFromLevels([{ energies: fullSpectrum(ham), weight: 1 }], 1, temps);
    const blocks = thermoFromLevels(blockSpectrum(ham).levels, 1, temps);
    temps.forEach((T, k) => {
      const b = 1 / T;
      const e = -a * Math.tanh(b * a);
      const c = (b * a) ** 2 / Math.cosh(b * a) ** 2;
      close(full[k].e, e, 1e-12, `full e G=${G} h=${h} T=${T}`);
      close(full[k].c, c, 1e-12, `full c G=${G} h=${h} T=${T}`);
      close(blocks[k].e, e, 1e-12, `blocks e G=${G} h=${h} T=${T}`);
      close(blocks[k].c, c, 1e-12, `blocks c G=${G} h=${h} T=${T}`);
    });
  }
});

test('two-site open chain: levels +-sqrt(J^2 + 4 Gamma^2), -J, +J and their thermodynamics', () => {
  // Spin-flip even sector {(uu + dd), (ud + du)}: [[-J, -2G], [-2G, J]]; odd sector: uu - dd has
  // -J and ud - du has +J (sx1 + sx2 annihilates both).
  for (const [J, G] of [[1, 0.5], [1.5, 1], [-1, 2], [0.3, 0]]) {
    const ham = model({ kind: 'chain', size: [2], boundary: 'open' }, J, G, 0);
    const s = Math.sqrt(J * J + 4 * G * G);
    const levels = [-s, s, -J, J].sort((x, y) => x - y);
    const full = fullSpectrum(ham);
    levels.forEach((x, i) => close(full[i], x, 1e-13, `level ${i}`));
    const got = thermoFromLevels(blockSpectrum(ham).levels, 2, temps);
    temps.forEach((T, k) => {
      const b = 1 / T;
      const z = 2 * Math.cosh(b * s) + 2 * Math.cosh(b * J);
      const mean = -(2 * s * Math.sinh(b * s) + 2 * J * Math.sinh(b * J)) / z;
      const sq = (2 * s * s * Math.cosh(b * s) + 2 * J * J * Math.cosh(b * J)) / z;
      close(got[k].e, mean / 2, 1e-12, `e J=${J} G=${G} T=${T}`);
      close(got[k].c, (b * b * (sq - mean * mean)) / 2, 1e-9, `c J=${J} G=${G} T=${T}`);
    });
  }
});

test('weights count levels, shifts move e only, and low T is stable', () => {
  const E = Float64Array.from([-3, -1, -1, 0.5, 2]);
  const thrice = Float64Array.from([...E, ...E, ...E]);
  const a = thermoFromLevels([{ energies: E, weight: 3 }], 4, temps);
  const b = thermoFromLevels([{ energies: thrice, weight: 1 }], 4, temps);
  const shift = 1e6;
  const c = thermoFromLevels([{ energies: E.map((x) => x + shift), weight: 3 }], 4, temps);
  temps.forEach((_, k) => {
    close(a[k].e, b[k].e, 1e-14, 'weight e');
    close(a[k].c, b[k].c, 1e-13, 'weight c');
    close(c[k].e, a[k].e + shift / 4, 1e-14, 'shifted e');
    // The variance is formed from differences to E0, so a huge offset costs no digits.
    close(c[k].c, a[k].c, 1e-9, 'shifted c');
  });
  const cold = thermoFromLevels([{ energies: Float64Array.from([-1000, -999, 5]), weight: 1 }], 1, [1e-3, 0.02]);
  close(cold[0].e, -1000, 1e-15, 'ground state');
  assert.ok(cold[0].c >= 0 && cold[0].c < 1e-300, 'c vanishes at T -> 0');
  const b2 = 50;
  // Two-level system gap 1: c = (beta)^2 e^{-beta} / (1 + e^{-beta})^2 (third level negligible).
  close(cold[1].c, (b2 * b2 * Math.exp(-b2)) / (1 + Math.exp(-b2)) ** 2, 1e-10, 'two-level c');
  assert.throws(() => thermoFromLevels([{ energies: E, weight: 1 }], 1, [0]), /temperature/);
});

test.run();
