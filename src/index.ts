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
export {
  loadModel, parseModel, applyOverrides, evaluateFields, type ModelSpec, type HamiltonianSpec, type TfimSpec, type XxzSpec,
} from './model/model.ts';
export { makeLattice, type Lattice, type LatticeSpec, type LatticeKind, type Boundary, type BondSet } from './model/lattice.ts';
export { makeTfim, tfimHamiltonian, diagonalEnergy, type Tfim } from './model/hamiltonian.ts';
export type { SpinHamiltonian, ModelHamiltonian } from './model/operator.ts';
export { makeHamiltonian } from './model/kinds.ts';
export { makeXxz, type Xxz } from './model/xxz.ts';

// The exact checker.
export {
  exactThermo, exactSusceptibility, exactMagnetizationMoments, chooseMethod, EXACT_METHODS, MAX_BLOCK_SITES, MAX_FULL_SITES, MAX_FTLM_SITES,
  type ExactMethod, type ExactOptions, type ExactResult, type ExactRow,
} from './exact/solver.ts';
export { thermoFromLevels, logPartition, groundEnergy, type ThermoPoint } from './exact/thermo.ts';
export { freeFermionChain, freeFermionChainInfinite, freeFermionXXChain } from './exact/free-fermion.ts';
export { ftlmSectors, type SectorFtlmOptions, type SectorFtlmResult } from './exact/ftlm-sectors.ts';

// The analytic purified DBM (Method 1): network, Trotter builder and its Monte Carlo.
export { type Dbm, dbmToJson, dbmFromJson, validateDbm } from './dbm/network.ts';
export { buildTrotterDbm, trotterSteps, type TrotterOptions } from './dbm/trotter.ts';
export { analyticThermo, defaultAnalyticOptions, type AnalyticOptions, type AnalyticResult } from './methods/analytic-dbm.ts';
export { loadNetwork, sampleNetwork, networkBeta } from './methods/saved-network.ts';
export { type ThermoRow, extrapolateLinear } from './mc/summary.ts';
export { type Row, type ExactPoint, ROW_KEYS } from './stats/row.ts';
export { Rng } from './mc/rng.ts';
/** Memory needed by the analytic network at a temperature, checked before any work (meta.memory_bytes). */
export {
  analyticMemoryEstimate, checkAnalyticMemory, defaultMemoryLimit, extrapolateRows, checkSampling,
  type MemoryEstimate as AnalyticMemoryEstimate, type AnalyticMeta,
} from './methods/analytic-dbm.ts';
/** Ends the process-wide worker pool of the Monte Carlo chains (it is otherwise reused and never keeps the process alive). */
export { destroyChainPool } from './mc/pool.ts';
/** Sampling options: cluster moves ('sw' | 'wolff'), the traced-out ring, Wolff moves per sweep. */
export { type SamplingOptions } from './mc/chain.ts';
/** The dt -> 0 limit of the network: a continuous-time ring and its Swendsen–Wang update (TFIM, h = 0). */
export { ContinuousRing, continuousRingConfig, type ContinuousRingConfig } from './mc/continuous-ring.ts';

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
/**
 * The deep purified network (visible s, a; hidden layer summed; deep layer sampled in two copies)
 * and its in-thread evolution (experimental, TFIM): rows { T, e, e_err, c, c_err }; `deep: 0` is the
 * shallow network through the same sampler. Measured less accurate than the shallow network at
 * equal cost on the 16-site chain (scripts/compare-deep.ts).
 */
export { trainDeep, defaultDeepOptions, type DeepTrainOptions, type DeepTrainResult } from './train/deep-driver.ts';
export { DeepNet, DeepChain, DeepAccumulator, deepMoments, type DeepOptions } from './train/deep-network.ts';
/**
 * The complex purified network for XXZ / Heisenberg / J1-J2 models (spin-1/2 operators): training
 * from a first-order-exact start at beta0 by holomorphic TDVP, rows { T, e, e_err, c, c_err } and meta
 * (sign structure, timings); chains over `workers` threads (same numbers for any count), checkpoints
 * and resume (`checkpoint`, `resume`).
 */
export {
  trainComplexThermo, defaultComplexTrainOptions, COMPLEX_EXACT_MAX_SITES,
  type ComplexTrainOptions, type ComplexTrainResult, type ComplexTrainMeta,
} from './train/complex-driver.ts';
/** The complex network, its start and per-chain evaluator (log-amplitudes, O_k, E_loc), and its sector-preserving chain. */
export { ComplexNet, ComplexLocal, SymmetricLocal, makeLocal, PathSign, startParams, bipartition, type AmplitudeLocal, type ComplexNetOptions } from './train/complex-network.ts';
export { ComplexChain } from './train/complex-sampler.ts';
/** Complex SR moments (S Hermitian, F complex) and their solve through the real 2P form. */
export { complexMoments, solveComplexSr, ComplexSamples, type ComplexMoments } from './train/complex-sr.ts';
/**
 * The complex network's checkpoint file (purified-dbm/complex-train-checkpoint@2): write and
 * read back (checksum and every field validated; InputError naming file and field), the driver
 * state it holds, and a chain's saved state.
 */
export {
  COMPLEX_CHECKPOINT_FORMAT, writeComplexCheckpoint, readComplexCheckpoint,
  type ComplexDriverState, type ComplexCheckpointContext,
} from './train/complex-checkpoint.ts';
export { type ComplexChainState } from './train/complex-worker.ts';

// Statistics of correlated series.
export { summarize, summarizeChains, integratedAutocorrTime, binningError, jackknife, type Summary, type ChainsSummary } from './stats/series.ts';
/** What a method knows about its series for the warnings rule (stats/warnings.ts). */
export { rowWarnings, collectWarnings, energyOrderWarnings, MIN_EFFECTIVE_SAMPLES, type RowDiagnostics } from './stats/warnings.ts';
/** Binder-cumulant crossings of successive sizes and their extrapolation (the crossing.json object). */
export { binderCrossings, type BinderPoint, type CrossingOptions, type CrossingResult, type CrossingPair } from './sweep/crossing.ts';

// Sweeps and result sets.
export { runSweep, SWEEP_METHODS, type SweepMethod, type SweepOptions, type SweepOutcome, type TrainRunner, type TrainRequest } from './sweep/sweep.ts';
export { mergeResults } from './sweep/merge.ts';
/** Grid sweeps over sizes and one Hamiltonian parameter: the grid, its points in stream order, the model at a point. */
export { sweepPoints, gridModel, type SweepGrid, type SweepPoint } from './sweep/sweep.ts';
/** `pdbm crossing` as a function: Binder crossings of a result set, written to crossing.json and binder.svg. */
export { crossingOfResultSet, readResultSet, type CrossingRequest, type CrossingOutcome } from './sweep/crossing-files.ts';
export { agreement, verdict } from './sweep/results.ts';
export { resultWarnings, rowWarningsWithPlace } from './sweep/warnings.ts';
/** The trained network's step limit at low T (refused beyond it, with the lowest T that fits). */
export { checkTrainSteps, MAX_TRAIN_STEPS } from './sweep/limits.ts';
