import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { blockPlan, blockSpectrum, fullSpectrum, type BlockOptions } from '../src/exact/blocks.ts';
import { diagonalEnergies, makeTfim, type Tfim } from '../src/model/hamiltonian.ts';
import { parseModel } from '../src/model/model.ts';
import { Rng } from '../src/mc/rng.ts';
import { thermoFromLevels } from '../src/exact/thermo.ts';

function model(lattice: unknown, J: number, Gamma: number, h: number): Tfim {
  return makeTfim(parseModel({ lattice, hamiltonian: { kind: 'tfim', J, Gamma, h } }));
}

/** All eigenvalues with multiplicity, ascending; asserts the level count is 2^N. */
function flatten(levels: Array<{ energies: Float64Array; weight: number }>, n: number): Float64Array {
  const out: number[] = [];
  for (const l of levels) for (let w = 0; w < l.weight; w++) for (const x of l.energies) out.push(x);
  assert.is(out.length, 2 ** n);
  return Float64Array.from(out).sort();
}

function maxDiff(a: Float64Array, b: Float64Array): number {
  assert.is(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

function randomGraph(n: number, seed: number): unknown {
  const rng = new Rng(seed);
  const bonds: Array<[number, number, number]> = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) if (rng.nextDouble() < 0.4) bonds.push([i, j, 2 * rng.nextDouble() - 0.7]);
  }
  return { kind: 'graph', sites: n, bonds };
}

const temps = [0.1, 0.5, 1, 3, 20];

const cases: Array<[string, unknown, number, number[], number[]]> = [
  // name, lattice, J, Gammas, hs
  ['periodic chain 6', { kind: 'chain', size: [6] }, 1, [0.4, 1, 2.5], [0, 0.3]],
  ['periodic chain 8', { kind: 'chain', size: [8] }, 1, [0.5, 1.7], [0, 0.3]],
  ['periodic chain 10', { kind: 'chain', size: [10] }, 1, [1, 3], [0, 0.3]],
  ['antiferromagnetic chain 7 (odd, frustrated)', { kind: 'chain', size: [7] }, -1, [0.6], [0, 0.2]],
  ['periodic chain 2 (doubled bond)', { kind: 'chain', size: [2] }, 1, [0.8], [0, 0.5]],
  ['open chain 7', { kind: 'chain', size: [7], boundary: 'open' }, 1, [0.3, 1.2], [0, 0.3]],
  ['square 3x3 periodic', { kind: 'square', size: [3, 3] }, 1, [1, 3.04], [0, 0.1]],
  ['square 2x4 periodic', { kind: 'square', size: [2, 4] }, 1, [0.7, 2], [0, 0.3]],
  ['square 3x2 open', { kind: 'square', size: [3, 2], boundary: 'open' }, 1, [0.5, 2], [0, 0.3]],
  ['square 3x3 open (D4, non-abelian)', { kind: 'square', size: [3, 3], boundary: 'open' }, 1, [1.5], [0, 0.3]],
  ['triangular 3x3 open', { kind: 'triangular', size: [3, 3], boundary: 'open' }, -1, [0.8], [0, 0.3]],
  ['triangular 3x3 periodic, J = -1', { kind: 'triangular', size: [3, 3] }, -1, [0.2, 1, 2], [0, 0.25]],
  ['random 9-site graph', randomGraph(9, 3), 1, [0.6, 1.9], [0, 0.4]],
];

for (const [name, lattice, J, gammas, hs] of cases) {
  test(`blocks = full ED: ${name}`, () => {
    for (const G of gammas) {
      for (const h of hs) {
        const ham = model(lattice, J, G, h);
        const full = fullSpectrum(ham);
        const spec = blockSpectrum(ham);
        const blocks = flatten(spec.levels, ham.nSites);
        assert.ok(maxDiff(blocks, full) < 1e-10, `spectrum G=${G} h=${h}: ${maxDiff(blocks, full)}`);
        const a = thermoFromLevels(spec.levels, ham.nSites, temps);
        const b = thermoFromLevels([{ energies: full, weight: 1 }], ham.nSites, temps);
        for (let k = 0; k < temps.length; k++) {
          assert.ok(Math.abs(a[k].e - b[k].e) <= 1e-10 * Math.abs(b[k].e), `e T=${temps[k]} G=${G} h=${h}`);
          assert.ok(Math.abs(a[k].c - b[k].c) <= 1e-10 * Math.abs(b[k].c), `c T=${temps[k]} G=${G} h=${h}`);
        }
      }
    }
  });
}

test('blocks without the antiunitary (complex Hermitian) or without the point group agree', () => {
  const variants: BlockOptions[] = [{ antiunitary: false }, { pointGroup: false }, { pointGroup: false, antiunitary: false }];
  for (const lattice of [{ kind: 'chain', size: [9] }, { kind: 'square', size: [4, 2] }, { kind: 'triangular', size: [3, 3] }]) {
    for (const h of [0, 0.35]) {
      const ham = model(lattice, 1, 1.1, h);
      const spec = blockSpectrum(ham);
      const ref = flatten(spec.levels, ham.nSites);
      // Complex momenta are made real by an antiunitary by default (inversion exists on every torus).
      assert.ok(spec.levels.some((l) => l.solver === 'antiunitary'));
      assert.not.ok(spec.levels.some((l) => l.solver === 'hermitian'));
      for (const opts of variants) {
        const other = blockSpectrum(ham, opts);
        if (opts.antiunitary === false) assert.ok(other.levels.some((l) => l.solver === 'hermitian'));
        assert.ok(maxDiff(flatten(other.levels, ham.nSites), ref) < 1e-10, JSON.stringify(opts));
      }
    }
  }
});

test('Gamma = 0 gives the classical energies; the block plan of 4x4 and chain 16 is as small as expected', () => {
  const ham = model({ kind: 'square', size: [3, 3] }, 1, 0, 0.2);
  const ez = diagonalEnergies(ham).sort();
  assert.ok(maxDiff(flatten(blockSpectrum(ham).levels, 9), ez) < 1e-12);
  // Sizes are decided before any diagonalization, so a low limit fails fast and names the size.
  const sq = model({ kind: 'square', size: [4, 4] }, 1, 3, 0);
  assert.throws(() => blockSpectrum(sq, { maxBlock: 10 }), /1152 states/);
  assert.equal(blockPlan(sq).maxBlock, 1152);
  assert.is(blockPlan(sq).blocks, 36);
  assert.is(blockPlan(model({ kind: 'chain', size: [16] }, 1, 1, 0)).maxBlock, 2065);
  // Without the point group the 4x4 blocks are 2^16 / (16 translations x 2 parities) and more.
  assert.ok(blockPlan(sq, { pointGroup: false }).maxBlock >= 2048);
});

test('J = 0: free spins, eigenvalues -Gamma (N - 2k) with binomial multiplicities', () => {
  for (const lattice of [{ kind: 'chain', size: [8] }, { kind: 'square', size: [3, 3], boundary: 'open' }]) {
    const ham = model(lattice, 0, 0.75, 0);
    const n = ham.nSites;
    const expect: number[] = [];
    for (let k = 0, binom = 1; k <= n; binom = (binom * (n - k)) / (k + 1), k++) {
      for (let m = 0; m < binom; m++) expect.push(-0.75 * (n - 2 * k));
    }
    assert.ok(maxDiff(flatten(blockSpectrum(ham).levels, n), Float64Array.from(expect).sort()) < 1e-12);
  }
});

test('labels and weights: one block per sector, stars weighted by their size', () => {
  const spec = blockSpectrum(model({ kind: 'chain', size: [6] }, 1, 1, 0));
  const labels = spec.levels.map((l) => l.label);
  assert.ok(labels.includes('k=(0/6) A=+ F=+'));
  // k = 1 and k = 5 = -1 form one star: weight 2, no reflection characters (R maps k to -k).
  const k1 = spec.levels.filter((l) => l.label.startsWith('k=(1/6)'));
  assert.is(k1.length, 2);
  for (const l of k1) assert.is(l.weight, 2);
  assert.is(spec.blocks, spec.levels.length);
});

test.run();
