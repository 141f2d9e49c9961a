/**
 * purified-dbm: the public library API. Everything a user's program needs is exported here, in
 * the order of the data flow: model -> Hamiltonian -> thermal state (exact | analytic purified DBM
 * | trained purified network) -> sampler -> statistics -> sweeps. Conventions (Pauli matrices for
 * the TFIM, per-site quantities, k_B = 1) are in docs/design.md.
 *
 * Deep imports of files under `dist/` are not part of the API and may move.
 */

// Errors: every mistake in user input is an InputError with a one-line message.
export { InputError } from './util/errors.ts';

// Model files, lattices and the Hamiltonian.
export { loadModel, parseModel, type ModelSpec, type HamiltonianSpec } from './model/model.ts';
export { makeLattice, type Lattice, type LatticeSpec, type LatticeKind, type Boundary } from './model/lattice.ts';
export { makeTfim, diagonalEnergy, type Tfim } from './model/hamiltonian.ts';

// The exact checker.
export { exactThermo, exactSusceptibility, chooseMethod, EXACT_METHODS, type ExactMethod, type ExactOptions, type ExactResult, type ExactRow } from './exact/solver.ts';
export { thermoFromLevels, logPartition, type ThermoPoint } from './exact/thermo.ts';
export { freeFermionChain, freeFermionChainInfinite } from './exact/free-fermion.ts';

// The analytic purified DBM (Method 1): network, Trotter builder and its Monte Carlo.
export { type Dbm, dbmToJson, dbmFromJson, validateDbm } from './dbm/network.ts';
export { buildTrotterDbm, trotterSteps, type TrotterOptions } from './dbm/trotter.ts';
export { analyticThermo, defaultAnalyticOptions, type AnalyticOptions, type AnalyticResult } from './methods/analytic-dbm.ts';
export { loadNetwork, sampleNetwork, networkBeta } from './methods/saved-network.ts';
export { type ThermoRow, extrapolateLinear } from './mc/summary.ts';
export { Rng } from './mc/rng.ts';

// The trained purified network (Method 2).
export {
  trainThermo, defaultTrainOptions, checkTrainOptions, combineReplicaResults, replicaCheckpoint,
  type TrainOptions, type TrainResult, type TrainMeta,
} from './train/driver.ts';
/** Replica combination (error bar = max of measurement part and replica scatter) and replica seeds. */
export { combineQuantity, replicaSeed, type ReplicaError, type ReplicaPoint } from './train/replicas.ts';
/** Per-temperature diagnostics of a trained run (`meta.points`). */
export type { TrainPoint } from './train/measure.ts';
/** The error a trained run ends with when its chains fail (a worker thread crashed); one-line message. */
export { SamplingError } from './train/pool.ts';

// Statistics of correlated series.
export { summarize, summarizeChains, integratedAutocorrTime, binningError, jackknife, type Summary, type ChainsSummary } from './stats/series.ts';

// Sweeps and result sets.
export { runSweep, SWEEP_METHODS, type SweepMethod, type SweepOptions, type SweepOutcome } from './sweep/sweep.ts';
export { mergeResults } from './sweep/merge.ts';
