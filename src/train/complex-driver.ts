/**
 * Imaginary-time training of the complex purified network (complex-network.ts) for XXZ models:
 * start at beta0 (exact at first order on the diagonal and on the bonds, see startParams), then Heun steps of
 *   dp/dbeta = -(1/2) S^{-1} F   (holomorphic TDVP, complex-sr.ts),
 * with steps landing on each requested temperature, where e, c are measured:
 *   e = Re <E_loc> / N,   c = beta^2 (<|E_loc|^2> - |<E_loc>|^2) / N
 * (<|E_loc|^2> = Tr(H^2 e^{-beta H}) / Z for the represented state). Chains persist across
 * steps, in contiguous blocks over `workers` threads (complex-pool.ts), each with its own random
 * stream (seed, chain index), samples combined in chain order.
 *
 * Checkpoints (complex-checkpoint.ts) are taken at step boundaries: parameters, beta, counters,
 * rows so far and every chain's configuration and RNG state, so that a resumed run continues the
 * very same Markov chains and gives the numbers of an uninterrupted one.
 *
 * `exact: true` replaces sampling by enumeration of the Sz(s) = Sz(a) sector (N <= 10): the moments
 * are then exact and only the integrator and the ansatz limit the accuracy.
 */
import { existsSync } from 'node:fs';
import { InputError } from '../util/errors.ts';
import { checkOutputFile } from '../util/output.ts';
import { Rng } from '../mc/rng.ts';
import type { ModelSpec } from '../model/model.ts';
import { makeXxz, type Xxz } from '../model/xxz.ts';
import { blockMeans, jackknife, summarizeChains } from '../stats/series.ts';
import { energyOrderWarnings } from '../stats/warnings.ts';
import { GrowingSeries, specificHeatWarnings } from './measure.ts';
import type { Row } from '../stats/row.ts';
import { ComplexNet, freezeParameters, makeLocal, marshallByDefault, pathSignByDefault, pointGroupByDefault, startParams, type AmplitudeLocal } from './complex-network.ts';
import { ComplexPool } from './complex-pool.ts';
import { magnetization } from './complex-sampler.ts';
import { MEASURE_SERIES, type ComplexChainState, type ComplexReply } from './complex-worker.ts';
import { readComplexCheckpoint, writeComplexCheckpoint, type ComplexCheckpointContext, type ComplexDriverState } from './complex-checkpoint.ts';
import { combineReplicaRows, droppedReplicaWarnings, OUTLIER_BARS, outlierReplicas, replicaCheckpoint, replicaSeed, type ReplicaRowErrors } from './replicas.ts';
import { combineComplexChunks, complexChainForces, complexMoments, ComplexSamples, realForm, solveComplexSr, type ComplexMoments } from './complex-sr.ts';
import { flowAboveVarianceWarnings, flowFromChainForces } from './flow-heat.ts';

/** Options of {@link trainComplexThermo}. */
export interface ComplexTrainOptions {
  /**
   * Hidden units per site, integer >= 1 (default 4: on the 16-site chains e within 0.4% of exact
   * from T = 5 to 0.8 with 3 replicas, against up to 1.2% with alpha 2, at about the same time, and
   * unchanged below T = 0.5; the square lattice pays 1.5-2x per step; docs/design.md, "The width
   * of the network").
   */
  alpha: number;
  /** Share parameters over lattice translations (default true). */
  share: boolean;
  /**
   * Marshall sign prefactor on bipartite lattices: true, false, or 'auto' (the default: on where it
   * makes the amplitude positive, i.e. unfrustrated antiferromagnets, see marshallByDefault; on
   * other antiferromagnets 'auto' takes the path sign, see pathSignByDefault). false with pathSign
   * false: no prefactor, every phase learned. meta.sign says which was used.
   */
  marshall: boolean | 'auto';
  /**
   * The path sign (-1)^d(s, a) as the fixed sign prefactor instead of the Marshall sign
   * (complex-network.ts, PathSign): the exact sign at high T of any antiferromagnet, frustrated or
   * not. Default false, but `marshall: 'auto'` turns it on for antiferromagnets the Marshall sign
   * does not fit: on the J1-J2 4x4 torus it took e at T >= 2 from 3-8% to 0.9-4.6% above exact
   * (T <= 1.2 stays 15-42% off either way); with exact moments on the 8-site J1-J2 chain and the
   * 8-site triangular torus it is more accurate at every T measured (docs/design.md, "Method 2").
   */
  pathSign: boolean;
  /**
   * Start inverse temperature, > 0 (default 0.001). The start is exact at first order on the
   * diagonal and the bonds, but gives exchanged pairs at any distance the bond amplitude: an error
   * of the starting ensemble that the evolution keeps, growing with beta0 and N (8-site chain,
   * exact moments: e at T = 1 -0.02% from 0.001, -0.51% from 0.01; docs/design.md).
   */
  beta0: number;
  /** Largest imaginary-time step (default 0.02). */
  dbeta: number;
  /**
   * Largest step relative to beta (default 0.25): near the start the log-amplitudes of the
   * mismatched pairs (s_i != a_i) move at rates ~ 1/beta, and explicit Heun steps are only stable
   * for dbeta * rate below ~2.
   */
  relDbeta: number;
  /**
   * Largest metric length of a step per site, (dbeta/2) sqrt(x^H S x / N) (default 0.05, as the
   * real network): a guard against steps blown up by sampling noise in S^{-1} F.
   */
  maxDistance: number;
  /** Markov chains (default 8). */
  chains: number;
  /**
   * Samples per chain per SR evaluation (default 1000; two evaluations per Heun step). With 100 the
   * scatter of the evolution on the 4-site chain reached the size of the measurement error bar; on
   * the 8-site Heisenberg chain 400 left e at T = 1 1.2% (2.7 sigma) above exact and 2000 removed
   * that (+0.25%, 0.5 sigma): the sampled S and F make the evolution lag at high T. Those were
   * single seeds; over four seeds, 4x the default left the mean lag at T = 1 where it was (+0.97%
   * against +0.86%, scatter about 1%). The lag is made before beta = 0.1, and 16x the samples
   * there do not remove it (6-site chain, docs/design.md).
   */
  samples: number;
  /** Sweeps (2N proposals) between samples (default 1). */
  thin: number;
  /** Sweeps after each parameter change before sampling (default 4). */
  warmup: number;
  /** Samples per chain in each measurement batch at a requested temperature (default 4000). */
  measureSamples: number;
  /**
   * Measurement budget per chain and temperature (default 16000, four batches): more batches are
   * taken until e_err <= measureRelErr |e| and c_err <= measureRelErrC c, or until this many
   * samples per chain (at most measureSamples: one batch).
   */
  maxMeasureSamples: number;
  /** Relative error target of e per temperature (default 1e-3). */
  measureRelErr: number;
  /** Relative error target of c per temperature (default 0.02). */
  measureRelErrC: number;
  /** Relative and absolute diagonal shifts of S (defaults 1e-4, 1e-6). */
  shift: number;
  shiftAbs: number;
  /**
   * Spin-inversion symmetry phi(-s, -a) = phi(s, a): the odd parameters (fields, hidden biases)
   * start at 0 and stay there (ComplexNet.inversionOdd, freezeParameters). Only without a field
   * (h = 0), where the exact amplitude has the symmetry; 'auto': on exactly then. Default false:
   * with exact moments it changes e by < 0.1%, and sampled on 16-site chains and the J1-J2 4x4 it
   * helped one seed and hurt others, within the seed-to-seed scatter of the evolution
   * (docs/design.md, "Method 2").
   */
  inversion: boolean | 'auto';
  /**
   * Average the amplitude over the lattice's point group (ComplexNetOptions.pointGroup): the exact
   * amplitude has the symmetry, and the sampled evolution goes wrong along the network's
   * symmetry-odd directions. On the 6- and 8-site Heisenberg chains (prototype with the chain's
   * reflection) it took the mean error at T = 1 over seeds from +1.18% and +0.88% to +0.04% and
   * +0.02%; on the 16-site chains it helped at T >= 0.5 (docs/design.md). Costs one network
   * evaluation per group element per amplitude. Default 'auto': pointGroupByDefault, which says
   * where it is on and what it was measured to buy on the square and triangular lattices.
   */
  pointGroup: boolean | 'auto';
  /**
   * End every sweep with the ancilla flip a -> F a (complex-sampler.ts; default false). At low T
   * the region a ~ -s weighs as much as a ~ s, and local moves hardly reach it: without the flip a
   * run can leave it unfitted and a chain that wanders in late measures a hot part of the state.
   * On three 16-site runs that had failed at low T it fixed one; the two others failed at other
   * temperatures (docs/design.md, "Method 2"), hence off by default. Costs one or two refreshes of
   * the amplitude per sweep (+37% on the 16-site chain).
   */
  ancillaFlip: boolean;
  /**
   * Measure with fresh chains (default true): before the first batch at a requested temperature
   * every chain restarts on the diagonal s = a from its own random stream and takes
   * FRESH_WARMUP sweeps. The chains carried through the evolution can sit in a far region of the
   * amplitude they entered at high T and that the evolution never fitted; in the failed 16-site
   * rows examined, fresh chains on the same parameters gave e within 0.4% (docs/design.md). A far
   * region of real weight that fresh chains do not reach within the warmup is missed; the rows warn
   * when the chains disagree (chainDisagreement).
   */
  freshChains: boolean;
  seed: number;
  /** Worker threads (default 1: this thread); the numbers do not depend on it. */
  workers: number;
  /** Enumerate instead of sampling (N <= COMPLEX_EXACT_MAX_SITES = 10; default false; `pdbm train --exact-moments`). */
  exact: boolean;
  /**
   * Bias the chains toward s != a at small beta and reweight (default true; see
   * complex-sampler.ts): without it a sampled run does not learn the exchange term.
   */
  bias: boolean;
  /**
   * Independent evolutions with seeds replicaSeed(seed, r) (replica 0 is the plain run), combined
   * per temperature as for the TFIM network (replicas.ts): the error bar then covers the scatter of
   * the evolution as well as the final measurement (default 1).
   */
  replicas: number;
  /**
   * Checkpoint file (checksummed JSON, written atomically; complex-checkpoint.ts): written every
   * `checkpointEvery` steps, after each measured temperature and at the end. Replica r > 0 uses
   * replicaCheckpoint(checkpoint, r) ("NAME.r<r>.EXT").
   */
  checkpoint?: string;
  /** Steps between checkpoints (default 10). */
  checkpointEvery: number;
  /** Continue from `checkpoint` (default false): the rows are those of an uninterrupted run. */
  resume: boolean;
  /** Stop after this many steps in this invocation, checkpoint written (time-boxed runs and tests). */
  stopAfterSteps?: number;
}

/** Defaults of {@link ComplexTrainOptions}. */
export function defaultComplexTrainOptions(): ComplexTrainOptions {
  return {
    alpha: 4, share: true, marshall: 'auto', pathSign: false, beta0: 0.001, dbeta: 0.02, relDbeta: 0.25, maxDistance: 0.05, chains: 8, samples: 1000, thin: 1, warmup: 4,
    measureSamples: 4000, maxMeasureSamples: 16000, measureRelErr: 1e-3, measureRelErrC: 0.02, shift: 1e-4, shiftAbs: 1e-6, inversion: false, pointGroup: 'auto', ancillaFlip: false, freshChains: true, seed: 1, workers: 1, exact: false, bias: true, replicas: 1, checkpointEvery: 10, resume: false,
  };
}

export interface ComplexTrainMeta {
  method: 'trained-complex';
  convention: 'spin-1/2';
  steps: number;
  /** Steps shortened by the maxDistance bound. */
  distanceLimited: number;
  parameters: number;
  hidden: number;
  shared: boolean;
  /** Which sign structure was used: 'marshall', 'path' or 'none' (phases learned by the complex parameters). */
  sign: 'marshall' | 'path' | 'none';
  /** Whether the amplitude was kept even under spin inversion (ComplexTrainOptions.inversion, resolved). */
  inversion: boolean;
  /** Point-group elements the amplitude was averaged over (1: none). */
  pointGroup: number;
  /** Whether the chains ended every sweep with the ancilla flip. */
  ancillaFlip: boolean;
  /** Whether every measurement started from fresh chains. */
  freshChains: boolean;
  beta0: number;
  dbeta: number;
  exact: boolean;
  /** Whether the chains were biased toward s != a at small beta (and reweighted). */
  bias: boolean;
  /** Worker threads used (1: this thread). */
  workers: number;
  /** Wall-clock seconds: total, sampling (SR evaluations), solves, measurements. */
  seconds: number;
  sampleSeconds: number;
  solveSeconds: number;
  measureSeconds: number;
  /** Metropolis acceptance over all proposals (moves that would leave the sector count as rejected). */
  acceptance: number;
  /** Largest absolute diagonal shift the solver had to raise to. */
  maxShiftAbs: number;
  /** Independent evolutions combined into the rows (seeds in replica_seeds). */
  replicas: number;
  replica_seeds: number[];
  /** With replicas >= 2, per row: which part sets the error bar of e and c (see replicas.ts). */
  replica_errors?: Array<{ T: number } & ReplicaRowErrors>;
  /** False when stopped early by stopAfterSteps: rows then hold only the temperatures reached (none with replicas >= 2). */
  complete: boolean;
  /** Step of the checkpoint this run resumed from (replica 0), null for a fresh run. */
  resumed_from_step: number | null;
  warnings: string[];
}

export interface ComplexTrainResult {
  rows: Row[];
  meta: ComplexTrainMeta;
}

/**
 * Largest N for `exact`. 10 sites are 184756 configurations (s, a) per evaluation, held with their
 * log-derivatives (about 150 MB at alpha 2, twice that at the default alpha 4, allocated once): 11 s
 * per Heun step at alpha 2 on the 10-site chain with the point-group average (15 s before the
 * enumeration took one pass, measured side by side), about an hour for a run to T = 0.2 on one
 * core. It is the smallest chain on which the deterministic evolution shows the error below exact
 * at low T (8 sites do not), hence this limit rather than 8 (docs/design.md, "The error below
 * exact at low T").
 */
export const COMPLEX_EXACT_MAX_SITES = 10;

/** The on/off options added after the first checkpoints (key -> name in messages, as on the CLI). */
export const SWITCHES = { pointGroup: 'point-group', ancillaFlip: 'ancilla-flip', freshChains: 'fresh-chains' } as const;

/** The point-group option resolved for a Hamiltonian: 'auto' is pointGroupByDefault. */
function resolvePointGroup(x: boolean | 'auto', ham: Xxz): boolean {
  return x === 'auto' ? pointGroupByDefault(ham) : x;
}

/**
 * The on/off switches (SWITCHES) a run of `model` with the options `opts` uses: the given ones, the
 * defaults for the rest, 'auto' resolved. Sweeps record the ones that are on.
 */
export function complexSwitches(model: ModelSpec, opts: Partial<ComplexTrainOptions>): Record<keyof typeof SWITCHES, boolean> {
  const o = { ...defaultComplexTrainOptions(), ...opts };
  return { pointGroup: resolvePointGroup(o.pointGroup, makeXxz(model)), ancillaFlip: o.ancillaFlip, freshChains: o.freshChains };
}

function check(o: ComplexTrainOptions, temps: number[]): void {
  const pos = (v: number, name: string) => {
    if (!(Number.isFinite(v) && v > 0)) throw new InputError(`${name}: expected a positive number, got ${v}`);
  };
  const int = (v: number, name: string, min: number) => {
    if (!(Number.isInteger(v) && v >= min)) throw new InputError(`${name}: expected an integer >= ${min}, got ${v}`);
  };
  // The sign is resolved by now: 'auto' never picks the Marshall sign next to the path sign.
  if (o.marshall === true && o.pathSign) throw new InputError('sign: the Marshall sign and the path sign exclude each other');
  for (const [k, name] of Object.entries(SWITCHES) as Array<[keyof typeof SWITCHES, string]>) {
    if (typeof o[k] !== 'boolean') throw new InputError(`${name}: expected true or false, got ${String(o[k])}`);
  }
  pos(o.dbeta, 'dbeta');
  pos(o.relDbeta, 'rel-dbeta');
  pos(o.maxDistance, 'max-distance');
  // beta0 = 0 is the exact start, but TDVP cannot leave s = a from it (complex-network.ts).
  pos(o.beta0, 'beta0');
  int(o.alpha, 'alpha', 1);
  int(o.chains, 'chains', 2);
  int(o.samples, 'samples', 2);
  int(o.thin, 'thin', 1);
  int(o.warmup, 'warmup', 0);
  int(o.measureSamples, 'measure-samples', 8);
  int(o.maxMeasureSamples, 'max-measure-samples', 0);
  if (!(o.measureRelErr >= 0 && o.measureRelErrC >= 0)) throw new InputError('target-err: expected numbers >= 0');
  int(o.replicas, 'replicas', 1);
  int(o.checkpointEvery, 'checkpoint-every', 1);
  if (o.stopAfterSteps !== undefined) int(o.stopAfterSteps, 'stop-after-steps', 1);
  if (o.checkpoint !== undefined && (typeof o.checkpoint !== 'string' || o.checkpoint === '')) throw new InputError('--checkpoint needs a file name');
  if (o.resume && !o.checkpoint) throw new InputError('--resume needs --checkpoint FILE');
  if (!(o.shift >= 0 && o.shiftAbs >= 0)) throw new InputError('shift: expected numbers >= 0');
  if (temps.length === 0) throw new InputError('temps: no temperatures');
  for (const T of temps) {
    pos(T, 'temps');
    if (1 / T <= o.beta0) throw new InputError(`temps: T = ${T} is at or above the start temperature 1/beta0 = ${1 / o.beta0}`);
  }
}

/** The evaluation state shared by the sampled and the enumerated paths. */
class Engine {
  readonly net: ComplexNet;
  private readonly oR: Float64Array;
  private readonly oI: Float64Array;
  private readonly e = new Float64Array(2);
  private readonly enumLocal: AmplitudeLocal | null = null;
  private readonly pool: ComplexPool | null = null;
  sampleSeconds = 0;
  solveSeconds = 0;
  maxShiftAbs = 0;
  /** Parameters the steps keep fixed (spin inversion: the odd ones), or null. */
  readonly frozen: Int32Array | null;
  accepted = 0;
  proposed = 0;

  /**
   * `states`: saved chains to continue from (resume), null for fresh ones; `sample` false starts no
   * chains (a finished checkpoint: nothing left to sample).
   */
  constructor(model: ModelSpec, net: ComplexNet, readonly o: ComplexTrainOptions, states: ComplexChainState[] | null, sample: boolean) {
    this.net = net;
    this.frozen = o.inversion ? net.inversionOdd() : null;
    this.oR = new Float64Array(net.P);
    this.oI = new Float64Array(net.P);
    if (o.exact) {
      this.enumLocal = makeLocal(net);
    } else if (sample) {
      this.pool = ComplexPool.start({ model, net: net.opts, seed: o.seed, states, ancillaFlip: o.ancillaFlip }, o.chains, o.workers);
    }
  }

  close(): Promise<void> {
    return this.pool ? this.pool.close() : Promise.resolve();
  }

  /** Every chain's state in chain order (null: no chains). */
  states(): Promise<ComplexChainState[] | null> {
    return this.pool ? this.pool.states() : Promise.resolve(null);
  }

  /**
   * Mismatch bias at inverse temperature beta (complex-sampler.ts): e^{2 kappa} r = 1 with
   * r = (hopping pairs / 2) (beta J / 4)^2 the weight of one mismatched pair relative to s = a,
   * 0 once r >= 1 (beta of order 1).
   */
  kappa(beta: number): number {
    if (!this.o.bias) return 0;
    const ham = this.net.ham;
    const r = (ham.maxConnected / 2) * ((beta * Math.abs(ham.spec.J)) / 4) ** 2;
    return r > 0 && r < 1 ? -0.5 * Math.log(r) : 0;
  }

  /** Every chain's replies (chain order) at the current parameters; SR requests (and measurements with the flow c) carry the sums' reference. */
  async run(perChain: number, beta: number, mode: 'sr' | 'measure', ref?: { oRef: Float64Array; eRefR: number; eRefI: number }, warmup = this.o.warmup, restart = false): Promise<ComplexReply[]> {
    const { o, net } = this;
    const replies = await this.pool!.run({ re: net.re, im: net.im, perChain, thin: o.thin, warmup, kappa: this.kappa(beta), mode, ...ref, restart });
    for (const r of replies) {
      this.accepted += r.accepted;
      this.proposed += r.proposed;
    }
    return replies;
  }

  /**
   * The reference of the SR sums: O and E_loc at one configuration with s = a (never a node of phi),
   * at the current parameters. A function of the parameters only, so it needs no checkpointing and
   * is the same for any worker count; parameters whose O hardly varies (the trap of sr.ts) take
   * nearly the same value on every configuration, so it is close to their mean.
   */
  reference(): { oRef: Float64Array; eRefR: number; eRefI: number } {
    const { net, oR, oI, e } = this;
    const N = net.N;
    const loc = (this.refLocal ??= makeLocal(net));
    const x = (this.refX ??= Int8Array.from({ length: 2 * N }, (_, v) => ((v % N) % 2 ? -1 : 1)));
    loc.refresh(x);
    loc.grad(x, oR, oI);
    loc.eloc(x, e);
    const oRef = new Float64Array(2 * net.P);
    oRef.set(oR, 0);
    oRef.set(oI, net.P);
    return { oRef, eRefR: Number.isFinite(e[0]) ? e[0] : 0, eRefI: Number.isFinite(e[1]) ? e[1] : 0 };
  }

  private refLocal: AmplitudeLocal | null = null;
  /** The reference configuration: s = a, alternating (built once). */
  private refX: Int8Array | null = null;

  /** Moments at the current parameters and inverse temperature: enumeration or `perChain` samples from every chain. */
  async moments(perChain: number, beta: number): Promise<ComplexMoments> {
    const t0 = performance.now();
    let m: ComplexMoments;
    if (this.enumLocal) m = complexMoments(this.enumerate());
    else {
      const ref = this.reference();
      const replies = await this.run(perChain, beta, 'sr', ref);
      m = combineComplexChunks(replies.map((r) => r.sums!), this.net.P, ref.oRef, ref.eRefR, ref.eRefI);
    }
    this.sampleSeconds += (performance.now() - t0) / 1000;
    return m;
  }

  /**
   * Every configuration of the Sz(s) = Sz(a) sector, weighted by |phi|^2 / max |phi|^2; rows whose
   * weight is below 1e-300 (nodes of phi, underflow) are dropped, the rest kept in sector order.
   * One pass: each configuration is refreshed once for its weight, O and E_loc, into rows kept from
   * one evaluation to the next (the sector and the row length do not change; at 10 sites they are
   * about 160 MB, too much to allocate twice per Heun step), and the rows are compacted once the
   * largest weight is known. The numbers are those of weighing first and evaluating the kept rows
   * after: the same rows, values and order reach complexMoments.
   */
  enumerate(): ComplexSamples {
    const { net, oR, oI, e } = this;
    const loc = this.enumLocal!;
    const N = net.N;
    const P = net.P;
    const configs = (this.sector ??= sectorConfigs(N));
    const M = configs.length;
    const lp = (this.sectorLogW ??= new Float64Array(M));
    const smp = (this.sectorRows ??= new ComplexSamples(P, M));
    const x = (this.enumX ??= new Int8Array(2 * N));
    const mz = (this.sectorMz ??= new Float64Array(M));
    let max = -Infinity;
    for (let q = 0; q < M; q++) {
      const c = configs[q];
      for (let v = 0; v < 2 * N; v++) x[v] = (c >>> v) & 1 ? -1 : 1;
      loc.refresh(x);
      lp[q] = 2 * loc.lpR;
      if (lp[q] > max) max = lp[q];
      loc.grad(x, oR, oI);
      loc.eloc(x, e);
      smp.oR.set(oR, q * P);
      smp.oI.set(oI, q * P);
      smp.eR[q] = e[0];
      smp.eI[q] = e[1];
      mz[q] = magnetization(x, N);
    }
    let n = 0;
    for (let q = 0; q < M; q++) {
      const w = Math.exp(lp[q] - max);
      if (w < 1e-300) continue;
      if (n !== q) {
        smp.oR.copyWithin(n * P, q * P, (q + 1) * P);
        smp.oI.copyWithin(n * P, q * P, (q + 1) * P);
        smp.eR[n] = smp.eR[q];
        smp.eI[n] = smp.eI[q];
        mz[n] = mz[q];
      }
      smp.w[n++] = w;
    }
    smp.n = n;
    return smp;
  }

  /** The enumerated sector's configurations (bit v of each: spin v of (s, a) down), log-weights and rows, kept across evaluations. */
  private sector: Int32Array | null = null;
  private sectorLogW: Float64Array | null = null;
  private sectorRows: ComplexSamples | null = null;
  private enumX: Int8Array | null = null;
  /** Mz = sum_i s_i / 2 of each kept row of the last enumeration (compacted with the rows). */
  private sectorMz: Float64Array | null = null;

  /**
   * chi = beta (<Mz^2> - <Mz>^2) / N of the last enumeration (exact moments), Mz in S = sigma/2
   * units, weighted by |phi|^2 like the rows' other moments.
   */
  enumeratedSusceptibility(beta: number): number {
    const smp = this.sectorRows!;
    const mz = this.sectorMz!;
    let w = 0;
    let m = 0;
    let m2 = 0;
    for (let q = 0; q < smp.n; q++) {
      w += smp.w[q];
      m += smp.w[q] * mz[q];
      m2 += smp.w[q] * mz[q] * mz[q];
    }
    return susceptibility(beta, this.net.N, w, m, m2);
  }

  /** dp/dbeta = -(1/2) S^{-1} F at the current parameters, into kR, kI; returns the metric speed sqrt(x^H S x / N) / 2. */
  async derivative(kR: Float64Array, kI: Float64Array, beta: number): Promise<number> {
    const m = await this.moments(this.o.samples, beta);
    if (this.frozen) freezeParameters(m, this.frozen);
    const t0 = performance.now();
    const r = solveComplexSr(m, this.o.shift, this.o.shiftAbs);
    this.solveSeconds += (performance.now() - t0) / 1000;
    this.maxShiftAbs = Math.max(this.maxShiftAbs, r.shiftAbs);
    for (let k = 0; k < m.P; k++) {
      kR[k] = -0.5 * r.xR[k];
      kI[k] = -0.5 * r.xI[k];
    }
    return Math.sqrt(Math.max(r.xSx, 0) / this.net.N) / 2;
  }
}

/** The configurations (s, a) with Sz(s) = Sz(a), in increasing order of c (bit v: spin v down; s the low N bits, a the high N). */
function sectorConfigs(N: number): Int32Array {
  const pop = (v: number) => {
    let c = 0;
    for (let y = v; y; y &= y - 1) c++;
    return c;
  };
  const mask = (1 << N) - 1;
  const out: number[] = [];
  for (let c = 0; c < 1 << (2 * N); c++) if (pop(c & mask) === pop(c >>> N)) out.push(c);
  return Int32Array.from(out);
}

/**
 * Trains the complex purified network on an XXZ model (Heisenberg, XXZ, J1-J2) and measures
 * e, c (per site, coupling units, S = sigma/2) at each temperature of `temps` (any order; rows in
 * the given order). Same seed, same numbers for any `workers` (chain c has its own random stream
 * and samples are combined in chain order). With `checkpoint` the state is saved at step
 * boundaries; `resume` continues from it with the numbers of an uninterrupted run.
 * `onProgress(done, total)` counts imaginary-time steps over all replicas (total: the planned
 * schedule, an estimate).
 */
export async function trainComplexThermo(
  model: ModelSpec, temps: number[], opts: Partial<ComplexTrainOptions> = {}, onProgress?: (done: number, total: number) => void,
): Promise<ComplexTrainResult> {
  const given = { ...defaultComplexTrainOptions(), ...opts };
  if (model.hamiltonian.kind !== 'xxz') throw new InputError(`the complex network trains xxz models; model kind is ${model.hamiltonian.kind}`);
  // The sign is resolved once, so that checkpoints and meta record what was used.
  // 'auto': the Marshall sign where it makes the amplitude positive, else the path sign for any
  // other antiferromagnet (frustrated), else none (ferromagnetic exchange is positive already).
  const ham = makeXxz(model);
  const auto = given.marshall === 'auto' && !given.pathSign;
  const marshall = given.marshall === 'auto' ? auto && marshallByDefault(ham) : given.marshall;
  if (given.inversion === true && ham.field !== 0) throw new InputError(`inversion: the field h = ${model.hamiltonian.h} breaks the spin-inversion symmetry`);
  const inversion = given.inversion === 'auto' ? ham.field === 0 : given.inversion;
  const o = { ...given, marshall, inversion, pointGroup: resolvePointGroup(given.pointGroup, ham), pathSign: given.pathSign || (auto && !marshall && pathSignByDefault(ham)) };
  check(o, temps);
  const seeds = Array.from({ length: o.replicas }, (_, r) => replicaSeed(o.seed, r));
  const files = seeds.map((_, r) => (o.checkpoint === undefined ? undefined : replicaCheckpoint(o.checkpoint, r)));
  // Output paths are checked before any work: a run must not end by failing to write.
  for (const f of files) if (f !== undefined) checkOutputFile(f, '--checkpoint');
  const runs: ComplexTrainResult[] = [];
  for (const [r, seed] of seeds.entries()) {
    // Resuming a replica run: a replica without a checkpoint had not started (replica 0 must exist).
    const resume = o.resume && (r === 0 || existsSync(files[r]!));
    const progress = onProgress && ((d: number, t: number) => onProgress(r * t + d, seeds.length * t));
    const run = await trainOnce(model, ham, temps, { ...o, seed, checkpoint: files[r], resume }, progress);
    runs.push(run);
    if (!run.meta.complete) break;
  }
  return combineComplexReplicas(runs, seeds);
}

/**
 * Rows of R replicas combined per temperature (replicas.ts: mean, error bar max(measurement,
 * scatter)); meta sums the costs and prefixes each replica's warnings. R = 1 returns the run as is;
 * an incomplete replica (stopAfterSteps) makes the result incomplete, without rows when R >= 2.
 */
function combineComplexReplicas(runs: ComplexTrainResult[], seeds: number[]): ComplexTrainResult {
  const m0 = runs[0].meta;
  if (seeds.length === 1) return { rows: runs[0].rows, meta: { ...m0, replicas: 1, replica_seeds: seeds } };
  const complete = runs.length === seeds.length && runs.every((r) => r.meta.complete);
  const sum = (k: 'steps' | 'distanceLimited' | 'seconds' | 'sampleSeconds' | 'solveSeconds' | 'measureSeconds') => runs.reduce((a, r) => a + r.meta[k], 0);
  const combined = complete ? combineReplicaRows(runs.map((r) => r.rows)) : { rows: [], errors: [] };
  const rows = combined.rows;
  const replicaErrors = combined.errors.map((err, k) => ({ T: rows[k].T, ...err }));
  return {
    rows,
    meta: {
      ...m0, steps: sum('steps'), distanceLimited: sum('distanceLimited'), seconds: sum('seconds'), sampleSeconds: sum('sampleSeconds'),
      solveSeconds: sum('solveSeconds'), measureSeconds: sum('measureSeconds'),
      acceptance: runs.reduce((a, r) => a + r.meta.acceptance, 0) / runs.length,
      maxShiftAbs: Math.max(...runs.map((r) => r.meta.maxShiftAbs)),
      replicas: seeds.length, replica_seeds: seeds, ...(complete ? { replica_errors: replicaErrors } : {}), complete,
      warnings: [
        ...runs.flatMap((r, k) => r.meta.warnings.map((w) => `replica ${k}: ${w}`)), ...droppedReplicaWarnings(rows, combined.errors, runs.map((r) => r.rows)),
        ...energyOrderWarnings(rows),
      ],
    },
  };
}

/** Options that change the numbers: a checkpoint must have been made with the same values. */
const RESULT_KEYS = [
  'alpha', 'share', 'marshall', 'pathSign', 'beta0', 'dbeta', 'relDbeta', 'maxDistance', 'chains', 'samples', 'thin', 'warmup', 'measureSamples',
  'maxMeasureSamples', 'measureRelErr', 'measureRelErrC',
  'shift', 'shiftAbs', 'inversion', 'pointGroup', 'ancillaFlip', 'freshChains', 'seed', 'bias', 'exact',
] as const satisfies ReadonlyArray<keyof ComplexTrainOptions>;

/**
 * Keys a checkpoint records only when they are not at the value every checkpoint had before they
 * existed (so that those stay resumable): the path sign, spin inversion, the point-group
 * average, the ancilla flip and fresh measurement chains, when on. A checkpoint without such a key
 * was made with it off, whatever the default is now (fresh chains and, on chains, the point group
 * became defaults later): resuming it needs the option off.
 */
function recordedKey(k: (typeof RESULT_KEYS)[number], o: ComplexTrainOptions): boolean {
  if (k === 'pathSign') return o.pathSign;
  if (k === 'inversion') return o.inversion === true;
  if (k in SWITCHES) return o[k as keyof typeof SWITCHES] === true;
  return true;
}

/** One evolution (one replica), from the start or from its checkpoint; `ham` is makeXxz(model), built once for all replicas. */
async function trainOnce(
  model: ModelSpec, ham: Xxz, temps: number[], o: ComplexTrainOptions & { marshall: boolean; inversion: boolean; pointGroup: boolean }, progress?: (done: number, total: number) => void,
): Promise<ComplexTrainResult> {
  const t0 = performance.now();
  const net = new ComplexNet(ham, { alpha: o.alpha, share: o.share, marshall: o.marshall, pathSign: o.pathSign, pointGroup: o.pointGroup });
  if (o.exact && net.N > COMPLEX_EXACT_MAX_SITES) throw new InputError(`exact moments enumerate the Sz(s) = Sz(a) sector: N = ${net.N} is too large (limit ${COMPLEX_EXACT_MAX_SITES})`);
  startParams(net, o.beta0, new Rng(o.seed, 0x7fffffff));
  // Spin inversion: the odd parameters from 0 (the couplings are the plain start's, the same draws;
  // with h = 0 the fields are 0 already, so this clears the hidden biases).
  if (o.inversion) for (const k of net.inversionOdd()) net.re[k] = net.im[k] = 0;
  // Temperatures in ascending beta (stable: duplicates are measured twice, in the given order).
  const order = temps.map((T, k) => ({ T, k, beta: 1 / T })).sort((a, b) => a.beta - b.beta);
  const ctx: ComplexCheckpointContext = {
    model, betas: order.map((p) => p.beta), options: Object.fromEntries(RESULT_KEYS.filter((k) => recordedKey(k, o)).map((k) => [k, o[k]])), P: net.P,
    chains: o.exact ? 0 : o.chains, sites: net.N,
  };
  // The checkpoint is read and validated before any thread starts.
  const saved = o.resume ? readComplexCheckpoint(o.checkpoint!, ctx) : null;
  if (saved) {
    net.re.set(saved.state.re);
    net.im.set(saved.state.im);
  }
  // re, im alias the network's parameters (updated in place by the steps).
  const st: ComplexDriverState = saved
    ? { ...saved.state, re: net.re, im: net.im }
    : { re: net.re, im: net.im, beta: o.beta0, steps: 0, distanceLimited: 0, next: 0, rows: order.map(() => null), warnings: [], maxShiftAbs: 0, accepted: 0, proposed: 0 };
  const eng = new Engine(model, net, o, saved?.chains ?? null, st.next < order.length);
  eng.maxShiftAbs = st.maxShiftAbs;
  eng.accepted = st.accepted;
  eng.proposed = st.proposed;
  let complete: boolean;
  let measureSeconds: number;
  try {
    ({ complete, measureSeconds } = await evolve(eng, order, st, o, ctx, progress));
  } finally {
    await eng.close();
  }
  // Rows in the order of `temps` (only those reached when stopped early).
  const byK = new Map(order.map((p, i) => [p.k, st.rows[i]]));
  const rows = temps.flatMap((_, k) => (byK.get(k) ? [byK.get(k)!] : []));
  const warnings = [...st.warnings, ...energyOrderWarnings(rows)];
  if (st.distanceLimited > 0.2 * st.steps) warnings.push(`${st.distanceLimited} of ${st.steps} steps shortened by the metric bound (noisy SR: more samples per step help)`);
  if (eng.maxShiftAbs > o.shiftAbs) warnings.push(`SR: diagonal shift raised to ${eng.maxShiftAbs} (S + shift not positive definite)`);
  return {
    rows,
    meta: {
      method: 'trained-complex', convention: 'spin-1/2', steps: st.steps, distanceLimited: st.distanceLimited, parameters: net.P, hidden: net.H, shared: net.shared,
      sign: o.marshall ? 'marshall' : o.pathSign ? 'path' : 'none', inversion: o.inversion, pointGroup: o.pointGroup ? ham.lattice.pointGroup.length : 1, ancillaFlip: o.ancillaFlip && !o.exact, freshChains: o.freshChains && !o.exact, beta0: o.beta0, dbeta: o.dbeta, exact: o.exact, bias: o.bias && !o.exact, workers: o.exact ? 1 : Math.max(1, Math.min(o.workers, o.chains)),
      seconds: (performance.now() - t0) / 1000, sampleSeconds: eng.sampleSeconds, solveSeconds: eng.solveSeconds, measureSeconds,
      acceptance: eng.proposed ? eng.accepted / eng.proposed : 1, maxShiftAbs: eng.maxShiftAbs, replicas: 1, replica_seeds: [o.seed],
      complete, resumed_from_step: saved ? saved.state.steps : null, warnings,
    },
  };
}

/**
 * The Heun evolution from the state `st` through every remaining temperature (ascending beta in
 * `order`), with measurements; checkpoints every o.checkpointEvery steps, after each measurement
 * and at the end. Returns whether it got through (not stopped by stopAfterSteps).
 */
async function evolve(
  eng: Engine, order: Array<{ T: number; beta: number }>, st: ComplexDriverState, o: ComplexTrainOptions, ctx: ComplexCheckpointContext,
  progress?: (done: number, total: number) => void,
): Promise<{ complete: boolean; measureSeconds: number }> {
  // The planned total is an estimate: the metric bound can add steps, so `done` is clipped to it.
  const planned = progress ? plannedSteps(o.beta0, order.map((p) => p.beta), o) : 0;
  const net = eng.net;
  const P = net.P;
  const k1R = new Float64Array(P);
  const k1I = new Float64Array(P);
  const k2R = new Float64Array(P);
  const k2I = new Float64Array(P);
  const p0R = new Float64Array(P);
  const p0I = new Float64Array(P);
  let measureSeconds = 0;
  let savedAt = '';
  const save = async () => {
    const at = `${st.steps}:${st.next}`;
    if (!o.checkpoint || at === savedAt) return;
    st.maxShiftAbs = eng.maxShiftAbs;
    st.accepted = eng.accepted;
    st.proposed = eng.proposed;
    writeComplexCheckpoint(o.checkpoint, ctx, st, st.next < order.length ? await eng.states() : null);
    savedAt = at;
  };
  let stepsHere = 0;
  let complete = true;
  while (st.next < order.length) {
    const pt = order[st.next];
    if (st.beta >= pt.beta) {
      st.beta = pt.beta;
      const tm = performance.now();
      st.rows[st.next] = await measure(eng, pt.T, o, st.warnings);
      measureSeconds += (performance.now() - tm) / 1000;
      st.next++;
      await save();
      continue;
    }
    const beta = st.beta;
    // Heun: p1 = p + h k1(p); p <- p + h/2 (k1(p) + k2(p1)).
    p0R.set(net.re);
    p0I.set(net.im);
    const speed = await eng.derivative(k1R, k1I, beta);
    // Steps of at most min(dbeta, relDbeta beta, maxDistance / speed), the last one landing on pt.beta.
    let hMax = Math.min(o.dbeta, o.relDbeta * beta);
    if (speed * hMax > o.maxDistance) {
      hMax = o.maxDistance / speed;
      st.distanceLimited++;
    }
    const left = pt.beta - beta;
    const h = landingStep(left, hMax);
    for (let k = 0; k < P; k++) {
      net.re[k] = p0R[k] + h * k1R[k];
      net.im[k] = p0I[k] + h * k1I[k];
    }
    await eng.derivative(k2R, k2I, beta + h);
    for (let k = 0; k < P; k++) {
      net.re[k] = p0R[k] + 0.5 * h * (k1R[k] + k2R[k]);
      net.im[k] = p0I[k] + 0.5 * h * (k1I[k] + k2I[k]);
    }
    st.steps++;
    stepsHere++;
    st.beta = left === h ? pt.beta : beta + h;
    progress?.(Math.min(st.steps, planned), planned);
    if (st.steps % o.checkpointEvery === 0) await save();
    if (o.stopAfterSteps !== undefined && stepsHere >= o.stopAfterSteps) {
      complete = false;
      break;
    }
  }
  await save();
  return { complete, measureSeconds };
}

/** The last step lands on the target; a remainder up to two steps long is split in halves. */
function landingStep(left: number, hMax: number): number {
  return left <= hMax * (1 + 1e-9) ? left : Math.min(hMax, left / 2);
}

/** Steps of the schedule min(dbeta, relDbeta beta) to every beta (no metric bound): the progress total. */
function plannedSteps(beta0: number, betas: number[], o: Pick<ComplexTrainOptions, 'dbeta' | 'relDbeta'>): number {
  let beta = beta0;
  let steps = 0;
  for (const target of betas) {
    while (beta < target) {
      const h = landingStep(target - beta, Math.min(o.dbeta, o.relDbeta * beta));
      beta = h === target - beta ? target : beta + h;
      steps++;
    }
  }
  return steps;
}

/**
 * e, c at the current parameters: exact moments, or measurement batches of measureSamples per chain
 * (the chains continue from batch to batch, warmup before the first only) until the error targets
 * or the budget are met, with error bars from all batches.
 *
 * c is the energy flow, c = beta^2 Re F^H (S + shift)^{-1} F / N (flow-heat.ts: the part of
 * Var(H) that the tangent space captures, -beta^2 d<H>/dbeta / N along the trajectory), from the
 * SR sums of the measurement samples; c_var = beta^2 (<|E_loc|^2> - |<E_loc>|^2) / N beside it. At
 * low T the variance also carries the residual of the variational projection (the state is not
 * exactly e^{-beta H/2}), which the flow does not: measured on the 16-site Heisenberg chain at
 * T = 0.2, c_var 31% above exact.
 */
async function measure(eng: Engine, T: number, o: ComplexTrainOptions, warnings: string[]): Promise<Row> {
  const N = eng.net.N;
  const P = eng.net.P;
  const beta = 1 / T;
  const at = `T = ${T}`;
  if (o.exact) {
    const m = await eng.moments(0, beta);
    if (eng.frozen) freezeParameters(m, eng.frozen);
    const r = solveComplexSr(m, o.shift, o.shiftAbs);
    let fx = 0;
    for (let k = 0; k < P; k++) fx += m.Fr[k] * r.xR[k] + m.Fi[k] * r.xI[k];
    const row: Row = {
      T, beta, e: m.eR / N, e_err: 0, c: (beta * beta * fx) / N, c_err: 0, chi: eng.enumeratedSusceptibility(beta), chi_err: 0,
      c_var: (beta * beta * (m.eAbs2 - m.eR ** 2 - m.eI ** 2)) / N, c_var_err: 0,
    };
    warnings.push(...specificHeatWarnings(row, at));
    return row;
  }
  const M = o.measureSamples;
  const ref = eng.reference();
  const series: GrowingSeries[][] = [];
  // Each chain's SR sums over the batches (all with the reference `ref`: the parameters do not change).
  const chainSums: Float64Array[] = [];
  let batches = 0;
  const views = () => series.map((ch) => ch.map((g) => g.view()));
  let est: ReturnType<typeof weightedEstimates>;
  let flow: { c: number; err: number } | null = null;
  let unmet = '';
  for (;;) {
    // Fresh chains: restart and a long warmup before the first batch only (later batches continue).
    const fresh = batches === 0 && o.freshChains;
    const replies = await eng.run(M, beta, 'measure', ref, batches > 0 ? 0 : fresh ? FRESH_WARMUP : o.warmup, fresh);
    replies.forEach((r, c) => {
      r.series!.forEach((x, q) => ((series[c] ??= MEASURE_SERIES.map(() => new GrowingSeries()))[q]).append(x));
      if (chainSums[c] === undefined) chainSums[c] = Float64Array.from(r.sums!);
      else for (let q = 0; q < r.sums!.length; q++) chainSums[c][q] += r.sums![q];
    });
    batches++;
    // The stopping rule reads only the jackknife estimates and the flow; the tau_int diagnostic (an
    // FFT of every whole series) is made once, after the last batch.
    est = weightedEstimates(views(), beta, N);
    const m = combineComplexChunks(chainSums, P, ref.oRef, ref.eRefR, ref.eRefI);
    const forces = complexChainForces(chainSums, P);
    // The flow is the variance the tangent space captures: without the frozen directions.
    if (eng.frozen) freezeParameters(m, eng.frozen, forces);
    flow = flowFromChainForces(forces, realForm(m).S, 2 * P, o.shift, o.shiftAbs, (beta * beta) / N);
    const c = flow ?? { c: est.cj.value, err: est.cj.err };
    const eOk = est.ej.err <= o.measureRelErr * Math.abs(est.ej.value);
    const cOk = c.err <= o.measureRelErrC * Math.abs(c.c);
    if (eOk && cOk) break;
    if ((batches + 1) * M > o.maxMeasureSamples) {
      // Stopped by the budget, not by the targets: said, never silent (when more than one batch was allowed).
      if (o.maxMeasureSamples > M) {
        unmet = `measurement budget (${o.maxMeasureSamples * replies.length} samples) reached before the error targets: ${[
          eOk ? '' : `e_err/|e| = ${(est.ej.err / Math.abs(est.ej.value)).toPrecision(2)} > ${o.measureRelErr}`,
          cOk ? '' : `c_err/|c| = ${(c.err / Math.abs(c.c)).toPrecision(2)} > ${o.measureRelErrC}`,
        ].filter(Boolean).join(', ')}`;
      }
      break;
    }
  }
  const { row: r, warnings: w } = measuredRow(views(), T, N, est, flow ? 'c_var' : 'c');
  // Key order as a checkpoint's validated row has it (resumed rows must be identical).
  const out: Row = flow
    ? {
      T, beta, e: r.e, e_err: r.e_err, c: flow.c, c_err: flow.err, chi: r.chi, chi_err: r.chi_err, c_var: r.c, c_var_err: r.c_err,
      n_eff: r.n_eff, tau_e: r.tau_e, samples: r.samples, measure_batches: batches,
    }
    : { ...r, measure_batches: batches };
  if (flow) {
    w.push(...specificHeatWarnings(out));
    w.push(...flowAboveVarianceWarnings(flow, r.c, r.c_err));
  }
  if (unmet) w.push(unmet);
  // Row warnings are read with their temperature prefixed (sweep/warnings.ts); the run's list has it here.
  if (w.length) {
    out.warnings = w;
    warnings.push(...w.map((x) => `${at}: ${x}`));
  }
  return out;
}

/**
 * chi = beta (<Mz^2> - <Mz>^2) / N per site from weighted sums (or means) w, w Mz, w Mz^2: the
 * enumerated rows' and the measurement's jackknife blocks alike; beta in 1/J, N sites.
 */
function susceptibility(beta: number, N: number, w: number, m: number, m2: number): number {
  return (beta * (m2 / w - (m / w) ** 2)) / N;
}

/** Jackknife blocks per chain of {@link weightedEstimates}. */
const MEASURE_BLOCKS = 8;

/**
 * Warmup sweeps of fresh measurement chains (ComplexTrainOptions.freshChains), about 12% of a
 * default batch (4000 samples per chain). In the failed 16-site rows examined, fresh chains with 4
 * warmup sweeps already agreed with each other over their first 4000 samples (docs/design.md).
 */
const FRESH_WARMUP = 500;

/**
 * e, c (the variance of E_loc) and chi = beta (<Mz^2> - <Mz>^2) / N from every chain's weighted
 * series MEASURE_SERIES (chain order, all batches) as ratios of weighted means (w = 1 without
 * bias), errors by a jackknife over MEASURE_BLOCKS blocks per chain; beta in 1/J, per site.
 */
function weightedEstimates(series: Float64Array[][], beta: number, N: number) {
  const B = MEASURE_BLOCKS;
  const blocks = MEASURE_SERIES.map((_, q) => {
    const out = new Float64Array(B * series.length);
    series.forEach((s, c) => out.set(blockMeans(s[q], B), c * B));
    return out;
  });
  const ej = jackknife(blocks, ([r, , , w]) => r / w / N);
  const cj = jackknife(blocks, ([r, i, a, w]) => (beta * beta * (a / w - (r / w) ** 2 - (i / w) ** 2)) / N);
  const xj = jackknife(blocks, ([, , , w, m, m2]) => susceptibility(beta, N, w, m, m2));
  return { ej, cj, xj };
}

/**
 * The row of one measurement: the estimates `est` of {@link weightedEstimates} on `series`, with
 * tau_int and n_eff of the energy series (diagnostics) and the row's warnings, which call the
 * variance estimate of c `cName` (c_var when the flow gives c).
 */
function measuredRow(series: Float64Array[][], T: number, N: number, est: ReturnType<typeof weightedEstimates>, cName: 'c' | 'c_var'): { row: Row; warnings: string[] } {
  const beta = 1 / T;
  const M = series[0][0].length;
  const B = MEASURE_BLOCKS;
  const { ej, cj, xj } = est;
  // tau_int of the weighted energy series (a diagnostic; the error bar is the block jackknife's).
  const eS = summarizeChains(series.map((s) => s[0].map((v) => v / N)));
  const row: Row = {
    T, beta, e: ej.value, e_err: ej.err, c: cj.value, c_err: cj.err, chi: xj.value, chi_err: xj.err, n_eff: eS.nEff, tau_e: eS.tau, samples: M * series.length,
  };
  const w: string[] = [];
  if (!eS.converged) w.push('tau_int window of e not converged');
  if (M / B < 20 * Math.max(eS.tau, 0.5)) w.push(`jackknife blocks (${M / B} samples) shorter than 20 tau_int (${eS.tau.toFixed(1)})`);
  if (cj.value < 0) w.push(`negative ${cName}`);
  // Heavy tails: E_loc = (H Psi)(s, a) / Psi(s, a) is huge near nodes of the learned amplitude, and
  // a few such samples dominate <|E_loc|^2>; a wide c error bar is the visible symptom.
  if (Math.abs(cj.err) > 0.25 * Math.abs(cj.value)) w.push(`${cName} has a relative error of ${Math.round((100 * cj.err) / Math.abs(cj.value))}% (heavy-tailed local energies?)`);
  const split = chainDisagreement(series, N);
  if (split) w.push(split);
  return { row, warnings: w };
}

/**
 * The warning for chains that disagree, or null: a chain whose e lies more than OUTLIER_BARS
 * medians of the chains' bars from their median e (the replicas' rule, outlierReplicas; 3 chains or
 * more). Each chain's e and bar come from its weighted series (MEASURE_SERIES) like the
 * row's (ratio of weighted means, jackknife over its MEASURE_BLOCKS blocks); N sites.
 *
 * Why: the row pools the chains, so a chain that sits in a region the others never visit (at low T
 * the region a ~ -s, docs/design.md) moves e by 1/K of its offset while the pooled bar, dominated
 * by the other chains, stays small. The chains are not dropped: the region may be real weight of
 * the network's |Psi|^2; the row is flagged instead.
 */
export function chainDisagreement(series: Float64Array[][], N: number): string | null {
  const e: number[] = [];
  const err: number[] = [];
  for (const s of series) {
    const j = jackknife([blockMeans(s[0], MEASURE_BLOCKS), blockMeans(s[3], MEASURE_BLOCKS)], ([r, w]) => r / w / N);
    e.push(j.value);
    err.push(j.err);
  }
  const out = outlierReplicas(e, err);
  if (out.length === 0) return null;
  const mid = [...e].sort((a, b) => a - b)[Math.floor(e.length / 2)];
  return `chains disagree: ${out.map((c) => `chain ${c} has e = ${e[c].toPrecision(4)}`).join(', ')}, more than ${OUTLIER_BARS} bars from the others' (about ${mid.toPrecision(4)}): a region of the amplitude the other chains do not visit; e mixes the two`;
}
