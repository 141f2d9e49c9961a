/**
 * One Markov chain from start to finish: build the joint graph, warm up, then record one row of
 * measurements every `thin` sweeps. A pure function of its task (same task, same series), which is
 * what makes results independent of how chains are spread over worker threads.
 */
import type { Dbm } from '../dbm/network.ts';
import { makeTfim } from '../model/hamiltonian.ts';
import type { ModelSpec } from '../model/model.ts';
import { LocalEnergy, RingObservables, WorldlineEnergy, physicalMagnetization } from './local-estimators.ts';
import { Rng } from './rng.ts';
import { buildJointGraph, Sampler } from './sampler.ts';

export interface SamplingOptions {
  /** Sweeps discarded before measuring. */
  warmup: number;
  /** Measurements recorded per chain. */
  sweeps: number;
  /** Sweeps between measurements (>= 1). */
  thin: number;
  /** Swendsen–Wang cluster moves after every heat-bath sweep. */
  cluster: boolean;
}

export interface ChainTask extends SamplingOptions {
  model: ModelSpec;
  network: Dbm;
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
}

export interface ChainResult {
  chain: number;
  series: ChainSeries;
  updates: number;
  clusterMoves: number;
}

/** Runs one chain of `task` and returns its measurement series. */
export function runChain(task: ChainTask): ChainResult {
  const ham = makeTfim(task.model);
  const graph = buildJointGraph(task.network);
  const sampler = new Sampler(graph, new Rng(task.seed, task.chain));
  // Analytic networks: every deep spin summed out (much lower variance); trained ones: the
  // general estimator with the units next to the physical layer summed out.
  const eloc = task.network.trotter ? new WorldlineEnergy(task.network, ham, graph) : new LocalEnergy(task.network, ham, graph);
  const ring = task.network.trotter ? new RingObservables(task.network, ham, graph) : null;
  const n = task.sweeps;
  const series: ChainSeries = {
    eA: new Float64Array(n),
    eB: new Float64Array(n),
    eRing: new Float64Array(ring ? n : 0),
    dRing: new Float64Array(ring ? n : 0),
    m: new Float64Array(n),
    mRing: new Float64Array(ring ? n : 0),
  };
  let clusterMoves = 0;
  const step = () => {
    sampler.sweep();
    if (task.cluster) {
      sampler.clusterMove();
      clusterMoves++;
    }
  };
  for (let s = 0; s < task.warmup; s++) step();
  const x = sampler.x;
  for (let s = 0; s < n; s++) {
    for (let t = 0; t < task.thin; t++) step();
    series.eA[s] = eloc.eval(x, 0);
    series.eB[s] = eloc.eval(x, 1);
    series.m[s] = physicalMagnetization(x, ham.nSites);
    if (ring) {
      series.eRing[s] = ring.energy(x);
      series.dRing[s] = ring.energyDerivative();
      series.mRing[s] = ring.magnetization(x);
    }
  }
  return { chain: task.chain, series, updates: sampler.updates, clusterMoves };
}
