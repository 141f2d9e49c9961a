/**
 * The Hamiltonian of a model file, by kind: the one place that maps `hamiltonian.kind` to an
 * implementation of {@link ModelHamiltonian}. A new model kind adds a file like xxz.ts, a schema
 * entry in model.ts and a line here.
 */
import { makeTfim, tfimHamiltonian, type Tfim } from './hamiltonian.ts';
import type { ModelSpec } from './model.ts';
import type { ModelHamiltonian } from './operator.ts';
import { makeXxz } from './xxz.ts';

/** The Hamiltonian of a validated model, whatever its kind (TFIM: Pauli; XXZ: spin-1/2 operators). */
export function makeHamiltonian(model: ModelSpec): ModelHamiltonian {
  switch (model.hamiltonian.kind) {
    case 'tfim':
      return tfimHamiltonian(makeTfim(model));
    case 'xxz':
      return makeXxz(model);
  }
}

/** A ModelHamiltonian, or the TFIM data of {@link makeTfim} wrapped as one (for older callers). */
export function asHamiltonian(ham: ModelHamiltonian | Tfim): ModelHamiltonian {
  return 'diagonalAt' in ham ? ham : tfimHamiltonian(ham);
}
