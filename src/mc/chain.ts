/**
 * One Markov chain from start to finish: warm up, then record one row of measurements every
 * `thin` sweeps. A pure function of its task (same task, same series), which is what makes results
 * independent of how chains are spread over worker threads.
 *
 * Everything that does not depend on the chain (the network, its joint graph, the sampler tables
 * and the estimators) is a {@link ChainConfig}, built once per network in each thread and reused
 * by every chain on it: with a `build` task the network itself is built in the thread that runs
 * the chain, so networks are never copied between threads.
 */
import type { Dbm } from '../dbm/network.ts';
import { buildTrotterDbm } from '../dbm/trotter.ts';
import { makeTfim, type Tfim } from '../model/hamiltonian.ts';
import type { ModelSpec } from '../model/model.ts';
import { LocalEnergy, RingObservables, WorldlineEnergy, physicalMagnetization } from './local-estimators.ts';
import { Rng } from './rng.ts';
import { buildJointGraph, type JointGraph } from './joint-graph.ts';
import { buildSamplerTables, Sampler, type SamplerTables } from './sampler.ts';
import { SliceObservables, type SliceSample } from './slice-observables.ts';
import { integratedAutocorrTime } from '../stats/series.ts';
import { ContinuousRing, continuousRingConfig, type ContinuousRingConfig } from './continuous-ring.ts';
import { buildRingTables, buildSpinRing, RingSampler, WolffMove, type RingTables, type SpinRing } from './wolff.ts';

export interface SamplingOptions {
  /** Sweeps discarded before measuring. */
  warmup: number;
  /** Measurements recorded per chain. */
  sweeps: number;
  /** Sweeps between measurements (>= 1). */
  thin: number;
  /** Cluster moves after every heat-bath sweep. */
  cluster: boolean;
  /**
   * Which cluster move when `cluster` is set: 'sw' (Swendsen–Wang on the whole joint graph; what a
   * task without this field gets) or 'wolff' (Wolff single clusters on the ring with the bond units traced out; as many
   * per sweep as flip about all ring spins on average, fixed at the end of the warm-up; analytic
   * networks with h = 0 only, else Swendsen–Wang is used).
   */
  clusterMove?: 'sw' | 'wolff';
  /**
   * Sample the traced-out ring (spins only, bond units re-drawn before each measurement; see
   * RingSampler) instead of the whole joint graph; cluster moves are then Wolff moves. Analytic
   * networks with h = 0 only (otherwise ignored). A task without it samples the joint graph;
   * defaultAnalyticOptions() turns it on.
   */
  traceBonds?: boolean;
  /**
   * Wolff moves per sweep, as the fraction of the ring's spins they flip on average (default 1;
   * the count is fixed at the end of the warm-up).
   */
  wolffFraction?: number;
  /**
   * Choose the sweeps between measurements per chain from its own warm-up: the slice-averaged m^2
   * (what U4 and chi are made of) is recorded after every sweep of the second half of the warm-up,
   * and thin = round(2 tau_int) of that series, at least `thin` and at most {@link MAX_AUTO_THIN}
   * ({@link autoThin}). Measurements then come about one autocorrelation time apart, so their
   * cost (bond re-draws and estimators, more than a sweep on a large ring) buys independent
   * samples. Deterministic per chain (its own stream), so results still do not depend on the
   * worker count; ignored with fewer than {@link AUTO_THIN_MIN_SAMPLES} such warm-up sweeps.
   */
  autoThin?: boolean;
}

/** Largest thin that {@link SamplingOptions.autoThin} chooses. */
export const MAX_AUTO_THIN = 16;
/** Fewest warm-up sweeps (in the second half of the warm-up) that auto-thin needs. */
export const AUTO_THIN_MIN_SAMPLES = 20;

/**
 * The thin chosen from the warm-up series of m^2: round(2 tau_int) (successive measurements then
 * about one correlation time apart; tau_int = 1/2 gives 1), clamped to [max(1, min), MAX_AUTO_THIN].
 */
export function autoThin(m2: Float64Array, min: number): number {
  const { tau } = integratedAutocorrTime(m2);
  const k = Number.isFinite(tau) ? Math.round(2 * tau) : MAX_AUTO_THIN;
  return Math.max(1, min, Math.min(MAX_AUTO_THIN, k));
}

/**
 * The sampling fields of a chain task from a method's options: the measurement schedule and the
 * moves, with the optional move fields left out when unset (a task without them keeps the plain
 * joint-graph sampler, so older task descriptions mean what they meant).
 */
export function samplingFields(o: SamplingOptions): SamplingOptions {
  return {
    warmup: o.warmup, sweeps: o.sweeps, thin: o.thin, cluster: o.cluster,
    ...(o.clusterMove ? { clusterMove: o.clusterMove } : {}),
    ...(o.traceBonds ? { traceBonds: true } : {}),
    ...(o.wolffFraction !== undefined ? { wolffFraction: o.wolffFraction } : {}),
    ...(o.autoThin ? { autoThin: true } : {}),
  };
}

/** An analytic network described by how to build it (built in the thread that samples it). */
export interface NetworkBuild {
  beta: number;
  slices: number;
  order: 1 | 2;
}

export interface ChainTask extends SamplingOptions {
  model: ModelSpec;
  /**
   * Sample the dt -> 0 limit of the network at this inverse temperature instead (continuous
   * imaginary time, mc/continuous-ring.ts; h = 0): no network, no Trotter step. The move fields
   * (cluster, clusterMove, traceBonds, wolffFraction) do not apply: every sweep is one
   * Swendsen–Wang update of the whole ring.
   */
  continuousBeta?: number;
  /** The network to sample; or leave it out and give `build`. */
  network?: Dbm;
  build?: NetworkBuild;
  /**
   * Identity of `network` for the per-thread cache (a network sent to a worker arrives as a new
   * copy with every task, so object identity cannot tell that it is the same one).
   */
  networkKey?: string;
  seed: number;
  /** Global chain index: selects the random stream. */
  chain: number;
}

/** Per-measurement series, all energies total (not per site). */
export interface ChainSeries {
  /** E_loc of copy 0 and copy 1 of the inner units. */
  eA: Float64Array;
  eB: Float64Array;
  /** Thermodynamic (ring) energy estimator and its beta derivative; empty for trained networks. */
  eRing: Float64Array;
  dRing: Float64Array;
  /** Magnetization per site of the physical slice. */
  m: Float64Array;
  /** tau-weighted ring magnetization per site (empty for trained networks). */
  mRing: Float64Array;
  /** Slice averages of m^2, m^4 and |m| (see slice-observables.ts); absent for old producers. */
  m2?: Float64Array;
  m4?: Float64Array;
  mAbs?: Float64Array;
  /** C(r) and S(q) per measurement, row-major [measurement][r or q]. */
  corr?: Float64Array;
  sq?: Float64Array;
  nr?: number;
  nq?: number;
}

export interface ChainResult {
  chain: number;
  series: ChainSeries;
  /** Unit updates: heat-bath node updates plus spins flipped and bond units re-drawn by Wolff moves. */
  updates: number;
  clusterMoves: number;
  /** Sweeps between measurements this chain used (the task's, or its own with autoThin). */
  thin: number;
}

/** What the chains on one network share: built once per network and thread, read-only after. */
export interface ChainConfig {
  ham: Tfim;
  network: Dbm;
  graph: JointGraph;
  tables: SamplerTables;
  eloc: WorldlineEnergy | LocalEnergy;
  ring: RingObservables | null;
  slices: SliceObservables;
  spinRing: SpinRing | null;
  ringTables: RingTables | null;
}

/** Builds the shared part of every chain on `network`. */
export function makeChainConfig(model: ModelSpec, network: Dbm): ChainConfig {
  const ham = makeTfim(model);
  const graph = buildJointGraph(network);
  const spinRing = network.trotter ? buildSpinRing(network, graph) : null;
  return {
    ham, network, graph, tables: buildSamplerTables(graph),
    // Analytic networks: every deep spin summed out (much lower variance); trained ones: the
    // general estimator with the units next to the physical layer summed out.
    eloc: network.trotter ? new WorldlineEnergy(network, ham, graph) : new LocalEnergy(network, ham, graph),
    ring: network.trotter ? new RingObservables(network, ham, graph) : null,
    slices: SliceObservables.forNetwork(network, ham.lattice, graph),
    spinRing,
    ringTables: spinRing ? buildRingTables(spinRing, graph.nNodes) : null,
  };
}

// One cached configuration per thread: chains of one temperature arrive together, and keeping
// only the last bounds the memory to one network per thread.
let cachedKey: string | Dbm | null = null;
let cached: ChainConfig | null = null;

/** The configuration of `task`, from the per-thread cache when the network is the same. */
export function chainConfig(task: ChainTask): ChainConfig {
  const key = task.networkKey ?? task.network ?? JSON.stringify([task.model, task.build]);
  if (cached && cachedKey === key) return cached;
  let network = task.network;
  if (!network) {
    if (!task.build) throw new Error('chain task needs a network or a build description');
    network = buildTrotterDbm(makeTfim(task.model), task.build);
  }
  cached = null; // release the previous one before building the next
  cached = makeChainConfig(task.model, network);
  cachedKey = key;
  return cached;
}

/**
 * Series for n measurements: the ring estimators' only when `ring` is set (empty otherwise);
 * 'one-energy' (continuous time) has a single energy series, shared by eA, eB and eRing.
 */
function newSeries(n: number, slices: SliceObservables, ring: boolean | 'one-energy'): ChainSeries {
  const { nr, nq } = slices;
  const eA = new Float64Array(n);
  const one = ring === 'one-energy';
  return {
    eA, eB: one ? eA : new Float64Array(n),
    eRing: one ? eA : new Float64Array(ring ? n : 0), dRing: new Float64Array(ring ? n : 0),
    m: new Float64Array(n), mRing: new Float64Array(ring ? n : 0),
    m2: new Float64Array(n), m4: new Float64Array(n), mAbs: new Float64Array(n),
    corr: new Float64Array(n * nr), sq: new Float64Array(n * nq), nr, nq,
  };
}

/** Records measurement s of the slice observables. */
function storeSlices(series: ChainSeries, s: number, o: SliceSample): void {
  series.m2![s] = o.m2;
  series.m4![s] = o.m4;
  series.mAbs![s] = o.mAbs;
  series.corr!.set(o.corr, s * series.nr!);
  series.sq!.set(o.sq, s * series.nq!);
}

/** With autoThin: the buffer for m^2 over the warm-up's second half (`tail` sweeps), else null. */
function autoThinProbe(task: ChainTask): { warm: Float64Array | null; tail: number } {
  const tail = task.warmup - Math.ceil(task.warmup / 2);
  return { warm: task.autoThin && tail >= AUTO_THIN_MIN_SAMPLES ? new Float64Array(tail) : null, tail };
}

/** Imaginary times on which a continuous-time ring's equal-time observables are averaged. */
export const CONTINUOUS_GRID = 32;

let cachedRingKey: string | null = null;
let cachedRing: { ring: ContinuousRingConfig; slices: SliceObservables } | null = null;

/**
 * One chain on the continuous-time ring of `task` (see {@link ChainTask.continuousBeta}). The
 * series are those of runChain with the network's estimators replaced by their dt -> 0 limits:
 * eA = eB = eRing = the thermodynamic energy -n/beta + time-averaged H_z, dRing = n/beta^2 (so
 * that c_ring = beta^2 (Var E - <dRing>) / N), m the magnetization at tau = 0, mRing its time
 * average, and m2, m4, |m|, C(r), S(q) averaged over {@link CONTINUOUS_GRID} imaginary times.
 */
function runContinuousChain(task: ChainTask, beta: number): ChainResult {
  const key = JSON.stringify([task.model, beta]);
  if (!cachedRing || cachedRingKey !== key) {
    const ham = makeTfim(task.model);
    cachedRing = { ring: continuousRingConfig(ham, beta), slices: SliceObservables.forGrid(ham.lattice, CONTINUOUS_GRID, 8) };
    cachedRingKey = key;
  }
  const { ring: cfg, slices } = cachedRing;
  const N = cfg.N;
  const ring = new ContinuousRing(cfg, new Rng(task.seed, task.chain));
  const grid = new Int8Array(CONTINUOUS_GRID * N);
  const n = task.sweeps;
  // One energy series: the thermodynamic estimator is both copies' (see the function comment).
  const series = newSeries(n, slices, 'one-energy');
  const { warm, tail } = autoThinProbe(task);
  for (let s = 0; s < task.warmup; s++) {
    ring.sweep();
    if (warm && s >= task.warmup - tail) {
      ring.gridSpins(grid, CONTINUOUS_GRID);
      warm[s - (task.warmup - tail)] = slices.sliceM2(grid);
    }
  }
  const thin = warm ? autoThin(warm, task.thin) : task.thin;
  for (let s = 0; s < n; s++) {
    for (let t = 0; t < thin; t++) ring.sweep();
    const kinks = ring.kinkCount();
    series.eA[s] = -kinks / beta + ring.diagonalEnergy();
    series.dRing[s] = kinks / (beta * beta);
    series.mRing[s] = ring.gridSpins(grid, CONTINUOUS_GRID);
    let m0 = 0;
    for (let i = 0; i < N; i++) m0 += ring.s0[i];
    series.m[s] = m0 / N;
    storeSlices(series, s, slices.measure(grid));
  }
  return { chain: task.chain, series, updates: ring.updates, clusterMoves: task.warmup + n * thin, thin };
}

/** Runs one chain of `task` and returns its measurement series. */
export function runChain(task: ChainTask): ChainResult {
  if (task.continuousBeta !== undefined) return runContinuousChain(task, task.continuousBeta);
  const cfg = chainConfig(task);
  const { ham, eloc, ring, slices } = cfg;
  const sampler = new Sampler(cfg.tables, new Rng(task.seed, task.chain));
  const ringSampler = task.traceBonds && cfg.ringTables ? new RingSampler(cfg.ringTables, sampler) : null;
  const wolff =
    task.cluster && cfg.spinRing && (ringSampler || task.clusterMove === 'wolff') ? new WolffMove(cfg.spinRing, sampler, !ringSampler) : null;
  const n = task.sweeps;
  const series = newSeries(n, slices, ring !== null);
  let clusterMoves = 0;
  // Wolff moves per sweep: adapted during the warm-up (to flip about as many spins as the ring
  // has), then fixed, so that the measured chain has one fixed, valid kernel (see WolffMove.sweep).
  let wolffMoves = 1;
  const step = () => {
    if (ringSampler) ringSampler.sweep();
    else sampler.sweep();
    if (!task.cluster) return;
    if (wolff) wolff.sweep(wolffMoves);
    else sampler.clusterMove();
    clusterMoves++;
  };
  const x = sampler.x;
  // Auto-thin: m^2 after each sweep of the warm-up's second half (spins only: no bond re-draw).
  const { warm, tail } = autoThinProbe(task);
  for (let s = 0; s < task.warmup; s++) {
    step();
    if (wolff) wolffMoves = wolff.movesForSweep(task.wolffFraction ?? 1);
    if (warm && s >= task.warmup - tail) warm[s - (task.warmup - tail)] = slices.sliceM2(x);
  }
  const thin = warm ? autoThin(warm, task.thin) : task.thin;
  for (let s = 0; s < n; s++) {
    for (let t = 0; t < thin; t++) step();
    ringSampler?.redrawBonds();
    series.eA[s] = eloc.eval(x, 0);
    series.eB[s] = eloc.eval(x, 1);
    series.m[s] = physicalMagnetization(x, ham.nSites);
    if (ring) {
      series.eRing[s] = ring.energy(x);
      series.dRing[s] = ring.energyDerivative();
      series.mRing[s] = ring.magnetization(x);
    }
    storeSlices(series, s, slices.measure(x));
  }
  return { chain: task.chain, series, updates: sampler.updates + (wolff?.updates ?? 0) + (ringSampler?.updates ?? 0), clusterMoves, thin };
}
