import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseModel } from '../src/model/model.ts';
import { makeLattice } from '../src/model/lattice.ts';
import { makeTfim, diagonalEnergies } from '../src/model/hamiltonian.ts';

test('chain lattice bonds and symmetries', () => {
  const lat = makeLattice({ kind: 'chain', size: [6], boundary: 'periodic' });
  assert.is(lat.nSites, 6);
  assert.is(lat.bondI.length, 6);
  assert.is(lat.translations.length, 1);
  assert.is(lat.pointGroup.length, 2);
  const open = makeLattice({ kind: 'chain', size: [6], boundary: 'open' });
  assert.is(open.bondI.length, 5);
  assert.is(open.translations.length, 0);
  assert.is(open.pointGroup.length, 2);
});

test('square and triangular point groups', () => {
  assert.is(makeLattice({ kind: 'square', size: [4, 4] }).pointGroup.length, 8);
  assert.is(makeLattice({ kind: 'square', size: [4, 3] }).pointGroup.length, 4);
  const tri = makeLattice({ kind: 'triangular', size: [3, 3] });
  assert.is(tri.bondI.length, 27);
  assert.is(tri.pointGroup.length, 12);
  assert.is(makeLattice({ kind: 'triangular', size: [3, 3], boundary: 'open' }).bondI.length, 6 + 6 + 4);
});

test('two-site open chain diagonal energies', () => {
  const ham = makeTfim(parseModel({ lattice: { kind: 'chain', size: [2], boundary: 'open' }, hamiltonian: { kind: 'tfim', J: 1.5, Gamma: 1, h: 0.25 } }));
  // x = 0: both up: -J - 2h; x = 1: site 0 down: +J; x = 3: both down: -J + 2h.
  assert.equal(Array.from(diagonalEnergies(ham)), [-1.5 - 0.5, 1.5, 1.5, -1.5 + 0.5]);
});

test('bad models name the field', () => {
  const bad: Array<[unknown, RegExp]> = [
    [{ lattice: { kind: 'hex', size: [3] }, hamiltonian: { kind: 'tfim', Gamma: 1 } }, /lattice\.kind/],
    [{ lattice: { kind: 'chain', size: [3, 3] }, hamiltonian: { kind: 'tfim', Gamma: 1 } }, /lattice\.size/],
    [{ lattice: { kind: 'chain', size: [1] }, hamiltonian: { kind: 'tfim', Gamma: 1 } }, /lattice\.size\[0\]/],
    [{ lattice: { kind: 'chain', size: [4], boundary: 'twisted' }, hamiltonian: { kind: 'tfim', Gamma: 1 } }, /boundary/],
    [{ lattice: { kind: 'chain', size: [4] }, hamiltonian: { kind: 'tfim', Gamma: 'x' } }, /hamiltonian\.Gamma/],
    [{ lattice: { kind: 'chain', size: [4] }, hamiltonian: { kind: 'ising', Gamma: 1 } }, /hamiltonian\.kind/],
    [{ lattice: { kind: 'graph', sites: 3, bonds: [[0, 3]] }, hamiltonian: { kind: 'tfim', Gamma: 1 } }, /bonds\[0\]/],
    [{ lattice: { kind: 'graph', sites: 3, bonds: [[1, 1]] }, hamiltonian: { kind: 'tfim', Gamma: 1 } }, /bonds\[0\]/],
    [{ lattice: { kind: 'chain', size: [4] }, hamiltonian: { kind: 'tfim', Gamma: 1, K: 2 } }, /hamiltonian\.K/],
    [[1, 2], /model: expected a JSON object/],
  ];
  for (const [m, re] of bad) assert.throws(() => parseModel(m), re);
});

test.run();
