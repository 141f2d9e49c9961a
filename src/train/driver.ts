/**
 * Method 2 end to end (docs/design.md, "Method 2: trained purified DBM"): imaginary-time evolution of the
 * trainable purified network (network.ts) by the time-dependent variational principle / stochastic
 * reconfiguration (sr.ts), with |Psi|^2 sampled by persistent chains in worker threads
 * (pool.ts), from the exact one-Trotter-step state at beta0 down to the lowest requested
 * temperature. One run gives the whole curve: at every requested T (landed on exactly) it reports
 *   e = <E_loc>/N,   c = beta^2 F^T (S + shift)^{-1} F / N  (the energy flow, flow-heat.ts),
 * and c_var = beta^2 Var(E_loc)/N, since under |Psi|^2, Var(E_loc) = <H^2> - <H>^2 of the
 * represented state (which also carries the residual of the variational projection).
 *
 * Integrator: the flow is theta' = -(1/2) S^{-1} F (S + shift). Heun (second order: Euler
 * predictor, trapezoidal corrector, two samplings per step) is the default: measured with exact
 * (enumerated) S and F on a 2-site chain with the same steps, Euler is off by 2e-2 relative in e at
 * T = 5 and Heun by 3e-4. The step is dbeta = min(maxDbeta, relDbeta beta, metric bound): near
 * beta0 the links K = -1/2 ln tanh(beta Gamma / 2) move like ln beta, so the step must scale with
 * beta there; the metric bound keeps sqrt(dtheta^T S dtheta / N) <= maxDistance (a guard against
 * blow-ups when S is ill-conditioned). Steps are shortened to land exactly on every requested beta.
 * With `stepTol` an error controller replaces the relDbeta bound (see TrainOptions.stepTol).
 *
 * Checkpoints (checkpoint.ts: checksummed JSON, written atomically, validated on resume) hold the
 * parameters, the driver state (beta, step, step sizes, reference point of the sums, rows and
 * warnings so far) and every chain's configuration and RNG state, at a step boundary; resuming
 * reproduces the uninterrupted run exactly. Replicas (replicas.ts) repeat the whole run with
 * derived seeds and combine the rows.
 */
import { existsSync } from 'node:fs';
import { defaultWorkers } from '../util/workers.ts';
import { writeChecksummedJson } from '../util/checked-json.ts';
import { dbmToJson } from '../dbm/network.ts';
import { InputError } from '../util/errors.ts';
import { makeTfim } from '../model/hamiltonian.ts';
import type { Row } from '../stats/row.ts';
import { MIN_CHAINS_BETWEEN } from '../stats/series.ts';
import type { ModelSpec } from '../model/model.ts';
import { applyS, combineChunks, solveSr, SrAccumulator, type Moments, type SolveResult, type SumsMode } from './sr.ts';
import { exactMoments, MAX_EXACT_SITES } from './exact-moments.ts';
import { flowAboveVarianceWarnings, flowHeat } from './flow-heat.ts';
import { ChainPool } from './pool.ts';
import { chainNodes, type ChainReply, type ChainState } from './worker.ts';
import { minAlpha, RbmLocal, TrainedNet, translationGroup, type NetworkOptions } from './network.ts';
import { energyAndHeat, energyFromMeans, GrowingSeries, specificHeatWarnings, summarizeTrained, type TrainPoint } from './measure.ts';
import { energyOrderWarnings } from '../stats/warnings.ts';
import { combineRows, droppedReplicaWarnings, replicaCheckpoint, replicaSeed, type ReplicaPoint } from './replicas.ts';

export { replicaCheckpoint };
import { checkOutputFile, readCheckpoint, writeCheckpoint, type CheckpointContext, type DriverState } from './checkpoint.ts';

export interface TrainOptions {
  /**
   * Hidden units per site (M = alpha N). The start needs alpha >= 2 bonds/N (chain 2, square 4);
   * undefined: 2, or that minimum when it is larger.
   */
  alpha?: number;
  /** Share parameters over lattice translations; undefined: share when the lattice is periodic. */
  share?: boolean;
  /** Direct visible-visible couplings (s-s, a-a, s-a, all pairs) as parameters. */
  jastrow: boolean;
  /** Hidden classes beyond the bond roles repeat the roles with unequal shares (exact start). */
  split: boolean;
  /** Seeded noise on the weights of hidden units without a role (only when split is off). */
  noise: number;
  /** Inverse temperature of the start (capped at half the smallest requested beta). */
  beta0: number;
  /** Measurements per imaginary-time step, over all chains (ceil(samples / chains) per chain). */
  samples: number;
  /** Measurements at each requested temperature, per batch (error bars come from these). */
  measureSamples: number;
  /**
   * More batches of `measureSamples` are taken until e_err <= measureRelErr |e| and
   * c_err <= measureRelErrC c, or until maxMeasureSamples in all (0: one batch).
   */
  measureRelErr: number;
  measureRelErrC: number;
  maxMeasureSamples: number;
  /** Markov chains (independent of workers; chain c uses Rng(seed, c)). */
  chains: number;
  /** Sweeps between measurements. */
  thin: number;
  /** Sweeps before the first measurement of a fresh chain. */
  warmup: number;
  /** Moves after each parameter update before measuring (the chains carry over from the last step). */
  stepSweeps: number;
  /**
   * Sampler of |Psi|^2. 'marginal' (default): heat bath on the visible (s_i, a_i) blocks and a
   * global flip, hidden units summed out (marginal-sampler.ts), one sweep per move.
   * 'joint': heat-bath on the two-copy joint graph with the two moves below (the sampler of
   * versions <= 0.1, about 5x slower per sample).
   */
  sampler?: 'marginal' | 'joint';
  /** Joint sampler: Swendsen–Wang cluster move after every k-th heat-bath sweep (0: never). */
  clusterEvery: number;
  /** Joint sampler: marginal Metropolis sweeps over (s, a) per move, hidden units summed (0: none); see marginal-move.ts. */
  metropolis: number;
  seed: number;
  workers: number;
  /** Relative and absolute diagonal shift of S. */
  shift: number;
  shiftAbs: number;
  /** Step-size bounds: dbeta <= maxDbeta, dbeta <= relDbeta beta, sqrt(dtheta S dtheta / N) <= maxDistance. */
  maxDbeta: number;
  relDbeta: number;
  maxDistance: number;
  integrator: 'heun' | 'euler';
  /**
   * Adaptive step (Heun only; undefined or 0: the fixed relDbeta schedule). The difference of the
   * Heun and Euler ends of a step, (dbeta/4) |x2 - x1| in the metric of S per site, estimates the
   * local error; the next step is scaled by min(2, 0.9 sqrt(stepTol / error)) (local error ~ dbeta^2),
   * replacing the relDbeta beta bound (maxDbeta and maxDistance still apply). Steps are not rejected.
   */
  stepTol?: number;
  /** 'dense' (Cholesky, ml-matrix), 'cg' (conjugate gradient on the O rows), 'auto' (dense up to 1500 parameters). */
  solver: 'auto' | 'dense' | 'cg';
  /** Checkpoint file (JSON, atomic); written every `checkpointEvery` steps and at the end. */
  checkpoint?: string;
  checkpointEvery: number;
  /** Continue from `checkpoint`. */
  resume: boolean;
  /** Save the final network as a purified-dbm/network@1 file; "{T}" in the name: one file per requested T. */
  saveNetwork?: string;
  /** Exact S, F, e, c by enumerating all (s, a) (N <= 10): no sampling, for checks (`pdbm train --exact-moments`). */
  exact: boolean;
  /** Stop after this many steps in this invocation (checkpoint written); for time-boxed runs and tests. */
  stopAfter?: number;
  /**
   * Independent replicas of the whole evolution (seeds derived from `seed`; replica 0 uses `seed`
   * itself), combined per temperature with an error bar covering the replica scatter and the
   * measurement error (replicas.ts). Undefined: 1.
   */
  replicas?: number;
  /**
   * Run only replica k (0 <= k < replicas) and return its uncombined result, for spreading replicas
   * over the jobs of a cluster array; combine the results with combineReplicaResults.
   */
  replica?: number;
  /**
   * Tests only (no CLI option): the worker owning chain 0 throws on this sampling pass (1-based),
   * to exercise the crash path of the thread pool. Not read anywhere on the sampling path.
   */
  injectWorkerCrash?: number;
}

export interface TrainMeta {
  steps: number;
  /** Measurements taken (all chains, all steps, this invocation). */
  samples: number;
  parameters: number;
  hidden: number;
  solver: 'dense' | 'cg';
  seconds: number;
  sampling_seconds: number;
  solve_seconds: number;
  /** False when stopped early by stopAfter; rows then hold only the temperatures reached. */
  complete: boolean;
  resumed_from_step: number | null;
  beta0: number;
  share: boolean;
  alpha: number;
  /** Per-temperature diagnostics, in the order of the rows (with the error split when replicas > 1). */
  points: Array<TrainPoint | ReplicaPoint>;
  /** Replicas combined in the rows (1: a plain run), their seeds, and which error part dominated. */
  replicas: number;
  replica_seeds: number[];
  /** Present when R >= 2: at how many temperatures the replica scatter set the error bar of e and of c. */
  scatter_dominates?: { e: number; c: number; of: number };
  /** Set when only this replica was run (TrainOptions.replica). */
  replica?: number;
  /** Suspicious numbers (unconverged tau_int, few effective samples, negative c, CG at its cap, raised shift). */
  warnings: string[];
  /** Wall time of the sampling passes per measurement taken (all threads together), microseconds. */
  us_per_sample: number;
}

export interface TrainResult {
  /**
   * One Row (stats/row.ts) per requested temperature that was reached, in the order of `temps`.
   * No keys beyond Row's are set; the index signature only keeps the rows assignable to callers
   * that take plain records.
   */
  rows: Array<Row & Record<string, unknown>>;
  meta: TrainMeta;
}

/** Above this many parameters 'auto' uses conjugate gradient (dense Cholesky is O(P^3)). */
export const DENSE_MAX_PARAMS = 1500;

/**
 * Defaults (see TrainOptions), from runs on the 16-site chain and the 4x4 square
 * (results/train-accuracy.md). The shift trades bias for noise: 1e-4 lags the fast early dynamics
 * of the 4x4 square at Gamma = 3 (e off by 1e-3 at T = 5, c by 27% at T = 0.5 with alpha 4), 1e-5
 * removes that but lets sampling noise through (16-site chain, alpha 4, 4000 samples per step:
 * seed-to-seed scatter of e up to 2e-3 at T = 5; 16000 samples per step remove it).
 */
export function defaultTrainOptions(): TrainOptions {
  return {
    alpha: undefined, share: undefined, jastrow: true, split: true, noise: 0, beta0: 0.02,
    samples: 4000, measureSamples: 20000, measureRelErr: 3e-4, measureRelErrC: 0.015, maxMeasureSamples: 1_000_000,
    chains: 16, thin: 1, warmup: 200, stepSweeps: 2, sampler: 'marginal', clusterEvery: 1, metropolis: 1,
    seed: 1, workers: defaultWorkers(),
    shift: 1e-5, shiftAbs: 1e-6, maxDbeta: 0.02, relDbeta: 0.05, maxDistance: 0.05,
    integrator: 'heun', solver: 'auto', checkpointEvery: 10, resume: false, exact: false,
  };
}

/** Checks options; throws InputError naming the option (as its CLI flag). */
export function checkTrainOptions(o: TrainOptions): void {
  const int = (v: number, name: string, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new InputError(`--${name} must be an integer >= ${min}, got ${v}`);
  };
  const pos = (v: number, name: string, allowZero = false) => {
    if (!Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) throw new InputError(`--${name} must be ${allowZero ? 'non-negative' : 'positive'} and finite, got ${v}`);
  };
  if (o.alpha !== undefined) int(o.alpha, 'alpha', 1);
  int(o.samples, 'samples', 1);
  int(o.measureSamples, 'measure-samples', 2);
  int(o.maxMeasureSamples, 'max-measure-samples', 0);
  int(o.clusterEvery, 'cluster-every', 0);
  int(o.metropolis, 'metropolis', 0);
  pos(o.measureRelErr, 'measure-rel-err', true);
  pos(o.measureRelErrC, 'measure-rel-err-c', true);
  int(o.chains, 'chains', 1);
  int(o.thin, 'thin', 1);
  int(o.warmup, 'warmup', 0);
  int(o.stepSweeps, 'step-sweeps', 0);
  int(o.workers, 'workers', 1);
  int(o.checkpointEvery, 'checkpoint-every', 1);
  if (!Number.isInteger(o.seed)) throw new InputError(`--seed must be an integer, got ${o.seed}`);
  pos(o.beta0, 'beta0');
  pos(o.shift, 'shift', true);
  pos(o.shiftAbs, 'shift-abs', true);
  if (o.shift === 0 && o.shiftAbs === 0) throw new InputError('--shift and --shift-abs cannot both be 0 (S is singular in general)');
  pos(o.maxDbeta, 'max-dbeta');
  pos(o.relDbeta, 'rel-dbeta');
  pos(o.maxDistance, 'max-distance');
  pos(o.noise, 'noise', true);
  if (o.integrator !== 'heun' && o.integrator !== 'euler') throw new InputError(`--integrator must be heun or euler, got ${String(o.integrator)}`);
  if (o.sampler !== undefined && o.sampler !== 'marginal' && o.sampler !== 'joint') throw new InputError(`--sampler must be marginal or joint, got ${String(o.sampler)}`);
  if (!['auto', 'dense', 'cg'].includes(o.solver)) throw new InputError(`--solver must be auto, dense or cg, got ${String(o.solver)}`);
  if (o.checkpoint !== undefined && (typeof o.checkpoint !== 'string' || o.checkpoint === '')) throw new InputError('--checkpoint needs a file name');
  if (o.resume && !o.checkpoint) throw new InputError('--resume needs --checkpoint FILE');
  if (o.saveNetwork !== undefined && (typeof o.saveNetwork !== 'string' || o.saveNetwork === '')) throw new InputError('--save-network needs a file name');
  if (o.stopAfter !== undefined) int(o.stopAfter, 'stop-after', 1);
  if (o.replicas !== undefined) int(o.replicas, 'replicas', 1);
  if (o.stepTol !== undefined) pos(o.stepTol, 'step-tol', true);
  if (o.replica !== undefined) {
    int(o.replica, 'replica', 0);
    if (o.replica >= (o.replicas ?? 1)) throw new InputError(`--replica must be below --replicas (${o.replicas ?? 1}), got ${o.replica}`);
  }
  if (!o.exact && o.measureSamples < 2 * o.chains) throw new InputError(`--measure-samples must be at least 2 per chain (${2 * o.chains}), got ${o.measureSamples}`);
}

/** Options that change the numbers (a checkpoint must match them to be resumed). */
const RESULT_KEYS = [
  'alpha', 'share', 'jastrow', 'split', 'noise', 'beta0', 'samples', 'measureSamples', 'measureRelErr', 'measureRelErrC',
  'maxMeasureSamples', 'chains', 'thin', 'warmup', 'stepSweeps', 'sampler', 'clusterEvery', 'metropolis', 'seed', 'shift', 'shiftAbs', 'maxDbeta', 'relDbeta', 'maxDistance', 'integrator', 'stepTol', 'solver', 'exact',
] as const;

/** What one sampling pass returns. */
interface Pass {
  moments: Moments;
  /** Row at this beta, its diagnostics (without steps) and warnings (measurement passes only). */
  measured?: { row: Row; point: Omit<TrainPoint, 'steps'>; warnings: string[] };
}

interface Source {
  /** Moments at theta; with `measure`, also the row at temperature T. */
  sample(theta: Float64Array, measure: number | null, oRef: Float64Array, eRef: number): Promise<Pass>;
  states(): Promise<ChainState[] | null>;
  close(): Promise<void>;
}

/** Exact moments by enumeration (no sampling, no chains). */
class ExactSource implements Source {
  private readonly local: RbmLocal;
  private readonly acc: SrAccumulator;
  constructor(private readonly net: TrainedNet, private readonly shift: number, private readonly shiftAbs: number) {
    this.local = new RbmLocal(net);
    this.acc = new SrAccumulator(net.P, 'sums', 0);
  }
  async sample(theta: Float64Array, T: number | null, oRef: Float64Array, eRef: number): Promise<Pass> {
    this.net.setParams(theta);
    this.local.refresh();
    const moments = exactMoments(this.net, this.local, oRef, eRef, this.acc);
    const N = this.net.N;
    if (T === null) return { moments };
    const e = moments.eMean / N;
    // c = beta^2 F^T (S + shift)^{-1} F / N (flow-heat.ts), exact here: no sampling bias in F.
    const x = solveSr(moments, { shift: this.shift, shiftAbs: this.shiftAbs, solver: 'dense' }).x;
    let fx = 0;
    for (let k = 0; k < moments.P; k++) fx += moments.F[k] * x[k];
    const row: Row = { T, e, e_err: 0, c: fx / (T * T * N), c_err: 0, c_var: moments.eVar / (T * T * N), c_var_err: 0 };
    const point = {
      T, beta: 1 / T, measure_batches: 0, samples: 0, e_estimator: 'exact' as const, e_loc: e, e_loc_err: 0, e_rb: e, e_rb_err: 0, tau_e: 0, tau_converged: true,
    };
    return { moments, measured: { row, point, warnings: specificHeatWarnings(row, `T = ${T}`) } };
  }
  async states(): Promise<null> {
    return null;
  }
  async close(): Promise<void> {}
}

/** Moments from the persistent chains. */
class SampledSource implements Source {
  samplesTaken = 0;
  private constructor(
    private readonly pool: ChainPool,
    private readonly net: TrainedNet,
    private readonly o: TrainOptions,
    private readonly solver: 'dense' | 'cg',
  ) {}

  static async start(model: ModelSpec, net: TrainedNet, netOpts: NetworkOptions, o: TrainOptions, solver: 'dense' | 'cg', states: ChainState[] | null): Promise<SampledSource> {
    const pool = await ChainPool.start(
      { model, net: netOpts, seed: o.seed, sampler: o.sampler, clusterEvery: o.clusterEvery, metropolis: o.metropolis, states, crashAtPass: o.injectWorkerCrash },
      o.chains, o.workers,
    );
    return new SampledSource(pool, net, o, solver);
  }

  private async run(theta: Float64Array, perChain: number, series: boolean, oRef: Float64Array, eRef: number, batch = 0, light = false): Promise<{ replies: ChainReply[]; mode: SumsMode }> {
    const o = this.o;
    // The dense solver gets each chain's packed O O^T sums, formed in the chains' threads (SIMD
    // kernel, in parallel). Sending the rows instead, though smaller when a chain has fewer than
    // (P + 1) / 2 samples, leaves the O(n P^2) formation of S to this thread, serially: on the 8x8
    // torus (P = 642, 250 samples per chain) that was most of each step. CG never forms S: rows.
    const mode: SumsMode = this.solver === 'cg' ? 'rows' : 'sums';
    const replies = await this.pool.step({ theta, samples: perChain, thin: o.thin, warmup: o.warmup, stepSweeps: o.stepSweeps, mode, series, batch, light, oRef, eRef });
    this.samplesTaken += perChain * o.chains;
    return { replies, mode };
  }

  async sample(theta: Float64Array, T: number | null, oRef: Float64Array, eRef: number): Promise<Pass> {
    const o = this.o;
    const P = this.net.P;
    const N = this.net.N;
    const formS = this.solver === 'dense';
    if (T === null) {
      const { replies, mode } = await this.run(theta, Math.ceil(o.samples / o.chains), false, oRef, eRef);
      return { moments: combineChunks(replies.map((r) => r.chunk), P, mode, oRef, eRef, formS) };
    }
    // Measurement: batches until the error bars reach the targets (a deterministic rule: it
    // depends only on the series). Chunk sums add up across batches, all with the same reference.
    // The chains' threads keep each chain's series over the batches and return its summaries
    // (the autocorrelation analysis, O(n log n) per chain and redone on the whole series after
    // every batch); this thread only appends the batch to its copy of the series and combines.
    const perChain = Math.ceil(o.measureSamples / o.chains);
    const perChainSeries = () => Array.from({ length: o.chains }, () => new GrowingSeries());
    const series = { e: perChainSeries(), ei: perChainSeries(), m: perChainSeries() };
    const views = (k: 'e' | 'ei' | 'm') => series[k].map((g) => g.view());
    const chunks: Float64Array[] = [];
    // Each chain's sums over the batches so far, for c from the energy flow (flow-heat.ts), which
    // needs a formed S: dense solver only; with CG (large P) c stays the variance estimator.
    const chainSums: Float64Array[] = [];
    let flow: { c: number; err: number } | null = null;
    // The stopping rule reads e, e_err, c and c_err. With enough chains for between-chains error
    // bars and c from the energy flow, none of these needs a chain's autocorrelation analysis, so
    // the batches return only chain means and the summaries are made once, after the last batch
    // (the same numbers as summaries after every batch: energyFromMeans).
    const light = formS && o.chains >= MIN_CHAINS_BETWEEN;
    let mode: SumsMode = 'sums';
    let unmet: string[] = [];
    let batches = 0;
    for (;;) {
      const r = await this.run(theta, perChain, true, oRef, eRef, batches, light);
      batches++;
      mode = r.mode;
      for (const rep of r.replies) chunks.push(rep.chunk);
      r.replies.forEach((rep, c) => {
        series.e[c].append(rep.e!);
        series.ei[c].append(rep.ei!);
        series.m[c].append(rep.m!);
      });
      if (r.mode === 'sums' && formS) {
        r.replies.forEach((rep, c) => {
          if (chainSums[c] === undefined) chainSums[c] = Float64Array.from(rep.chunk);
          else for (let q = 0; q < rep.chunk.length; q++) chainSums[c][q] += rep.chunk[q];
        });
        flow = flowHeat(chainSums, o.chains, combineChunks(chainSums, P, 'sums', oRef, eRef), o.shift, o.shiftAbs, 1 / T, N);
      }
      const row = light
        ? { ...energyFromMeans(views('e'), views('ei'), N, r.replies.map((rep) => rep.means!)), c: NaN, c_err: NaN }
        : energyAndHeat(views('e'), views('ei'), T, N, { e: r.replies.map((rep) => rep.stats!.e), rb: r.replies.map((rep) => rep.stats!.rb) });
      if (flow) {
        row.c = flow.c;
        row.c_err = flow.err;
      }
      const taken = batches * perChain * o.chains;
      const eOk = row.e_err <= o.measureRelErr * Math.abs(row.e);
      const cOk = row.c_err <= o.measureRelErrC * Math.abs(row.c);
      if (eOk && cOk) break;
      if (taken + perChain * o.chains > o.maxMeasureSamples) {
        // Stopped by the budget, not by the targets: said, never silent (only when a target loop
        // was asked for, i.e. the budget allows more than one batch).
        if (o.maxMeasureSamples > perChain * o.chains) {
          unmet = [`T = ${Number(T.toPrecision(6))}: measurement budget (${o.maxMeasureSamples} samples) reached before the error targets: ${[
            eOk ? '' : `e_err/|e| = ${(row.e_err / Math.abs(row.e)).toPrecision(2)} > ${o.measureRelErr}`,
            cOk ? '' : `c_err/|c| = ${(row.c_err / Math.abs(row.c)).toPrecision(2)} > ${o.measureRelErrC}`,
          ].filter(Boolean).join(', ')}`];
        }
        break;
      }
    }
    const fin = await this.pool.summaries();
    const s = summarizeTrained(views('e'), views('ei'), views('m'), T, N, {
      e: fin.map((q) => q.e), rb: fin.map((q) => q.rb), m2: fin.map((q) => q.m2), mAbs: fin.map((q) => q.mAbs),
    });
    // The step after the measurement takes S and F from the chunks in batch order, as before the
    // flow existed: combining the per-chain sums instead would round differently and change the
    // evolution (and every committed trained result) in the last digits.
    const moments = combineChunks(chunks, P, mode, oRef, eRef, formS);
    const row: Row = flow ? { ...s.row, c: flow.c, c_err: flow.err, c_var: s.row.c, c_var_err: s.row.c_err } : s.row;
    const at = `T = ${Number(T.toPrecision(6))}`;
    const flowWarnings = !flow ? [] : [
      ...specificHeatWarnings(row, at),
      ...flowAboveVarianceWarnings(flow, s.row.c, s.row.c_err).map((w) => `${at}: ${w}`),
    ];
    return { moments, measured: { row, point: { ...s.point, measure_batches: batches }, warnings: [...s.warnings, ...flowWarnings, ...unmet] } };
  }

  states(): Promise<ChainState[]> {
    return this.pool.states();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** The step schedule without the metric bound: steps to each target (for progress estimates). */
function plannedSteps(beta0: number, betas: number[], o: TrainOptions): number {
  let beta = beta0;
  let steps = 0;
  for (const target of betas) {
    while (beta < target) {
      const d = nextDbeta(beta, target, Math.min(o.maxDbeta, o.relDbeta * beta));
      beta = d.land ? target : beta + d.dbeta;
      steps++;
    }
  }
  return steps;
}

/**
 * The next imaginary-time step from beta toward `goal`: dbeta = min(maxDbeta, `preferred`, metric
 * bound), clipped by nextDbeta. The metric bound keeps the step's length per site,
 * (dbeta/2) sqrt(x^T S x / N), at most maxDistance; xSx is x^T S x of the SR solution x.
 * `preferred`: relDbeta beta on the fixed schedule, or the adaptive controller's step.
 */
export function proposeStep(
  beta: number, goal: number, xSx: number, N: number, o: Pick<TrainOptions, 'maxDbeta' | 'relDbeta' | 'maxDistance'>, preferred = o.relDbeta * beta,
): { dbeta: number; land: boolean } {
  const speed = Math.sqrt(Math.max(xSx, 0) / N) / 2;
  let proposed = Math.min(o.maxDbeta, preferred);
  if (speed > 0) proposed = Math.min(proposed, o.maxDistance / speed);
  return nextDbeta(beta, goal, proposed);
}

/** Refuses an empty temperature list or a temperature that is not positive and finite (InputError). */
export function checkTemperatures(temps: number[]): void {
  if (temps.length === 0) throw new InputError('no temperatures');
  for (const T of temps) if (!(T > 0) || !Number.isFinite(T)) throw new InputError(`temperatures must be positive and finite, got ${T}`);
}

/** Clips a proposed step to land exactly on `target`, splitting the approach into two equal steps. */
function nextDbeta(beta: number, target: number, proposed: number): { dbeta: number; land: boolean } {
  const rem = target - beta;
  if (proposed >= rem * (1 - 1e-12)) return { dbeta: rem, land: true };
  if (proposed > rem / 2) return { dbeta: rem / 2, land: false };
  return { dbeta: proposed, land: false };
}

function resultOptions(o: TrainOptions, alpha: number, share: boolean, beta0: number): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  for (const k of RESULT_KEYS) r[k] = o[k];
  r.alpha = alpha;
  r.share = share;
  r.beta0 = beta0;
  r.sampler = o.sampler ?? 'marginal';
  r.stepTol = o.stepTol ?? 0;
  return r;
}

/**
 * Trained purified DBM at every temperature T (> 0, units of J; any order, duplicates allowed):
 * one imaginary-time run from beta0 to the largest beta, or `replicas` independent runs combined
 * per temperature (replicas.ts). Rows come back in the order of `temps`, each with e, c per site
 * and their error bars (0 for `exact`). `onProgress(done, total)` counts imaginary-time steps over
 * all replicas (total is the planned schedule, an estimate).
 */
export async function trainThermo(
  model: ModelSpec,
  temps: number[],
  opts: TrainOptions,
  onProgress?: (done: number, total: number) => void,
): Promise<TrainResult> {
  checkTrainOptions(opts);
  const R = opts.replicas ?? 1;
  const seeds = Array.from({ length: R }, (_, r) => replicaSeed(opts.seed, r));
  const one = (r: number, progress?: (done: number, total: number) => void) => {
    const ck = opts.checkpoint === undefined ? undefined : replicaCheckpoint(opts.checkpoint, r);
    // Resuming a replica run: a replica without a checkpoint had not started (replica 0 must exist).
    const resume = opts.resume && (r === 0 || existsSync(ck!));
    const saveNetwork = r === 0 ? opts.saveNetwork : undefined;
    return trainOnce(model, temps, { ...opts, seed: seeds[r], checkpoint: ck, resume, saveNetwork }, progress);
  };
  if (opts.replica !== undefined) {
    const res = await one(opts.replica, onProgress);
    return { rows: res.rows, meta: { ...res.meta, replicas: 1, replica_seeds: [seeds[opts.replica]], replica: opts.replica } };
  }
  if (R === 1) return one(0, onProgress);
  const results: TrainResult[] = [];
  for (let r = 0; r < R; r++) {
    const res = await one(r, onProgress && ((d, t) => onProgress(r * t + d, R * t)));
    results.push(res);
    if (!res.meta.complete) break;
  }
  return combineReplicaResults(results, seeds);
}


/**
 * Combines complete results of replicas of one run (same model, temperatures and options; e.g. the
 * jobs of a cluster array run with `replica`), in replica order; see replicas.ts for the error bar.
 * An incomplete replica makes the combination incomplete, with no rows.
 */
export function combineReplicaResults(results: TrainResult[], seeds?: number[]): TrainResult {
  const R = results.length;
  if (R === 0) throw new InputError('no replica results to combine');
  const m0 = results[0].meta;
  const complete = results.every((r) => r.meta.complete);
  const temps = (r: TrainResult) => JSON.stringify(r.rows.map((x) => x.T));
  const other = results.findIndex((r) => r.meta.complete && complete && (temps(r) !== temps(results[0]) || r.meta.parameters !== m0.parameters));
  if (other >= 0) throw new InputError(`replica result ${other} has other temperatures or another network than result 0; they are not replicas of one run`);
  const sum = (key: 'steps' | 'samples' | 'seconds' | 'sampling_seconds' | 'solve_seconds') => results.reduce((a, r) => a + r.meta[key], 0);
  const warnings = results.flatMap((r, k) => r.meta.warnings.map((w) => (R > 1 ? `replica ${k}: ${w}` : w)));
  const base: TrainMeta = {
    ...m0, steps: sum('steps'), samples: sum('samples'), seconds: sum('seconds'), sampling_seconds: sum('sampling_seconds'),
    solve_seconds: sum('solve_seconds'), complete, resumed_from_step: m0.resumed_from_step, warnings,
    us_per_sample: sum('samples') > 0 ? (1e6 * sum('sampling_seconds')) / sum('samples') : 0,
    replicas: R, replica_seeds: seeds ?? results.flatMap((r) => r.meta.replica_seeds), replica: undefined,
  };
  delete base.replica;
  if (!complete || R === 1) return { rows: complete ? results[0].rows : [], meta: { ...base, points: complete ? m0.points : [] } };
  const { rows, points } = combineRows(results.map((r) => r.rows), results.map((r) => r.meta.points as TrainPoint[]));
  const count = (q: 'e' | 'c') => points.filter((p) => p.replica_errors[q].dominant === 'replica scatter').length;
  return {
    rows: rows.map((r) => ({ ...r })),
    meta: {
      ...base, points, scatter_dominates: { e: count('e'), c: count('c'), of: points.length },
      warnings: [...warnings, ...droppedReplicaWarnings(rows, points.map((p) => p.replica_errors), results.map((r) => r.rows)), ...energyOrderWarnings(rows)],
    },
  };
}

/** One imaginary-time run (one replica). */
async function trainOnce(
  model: ModelSpec,
  temps: number[],
  opts: TrainOptions,
  onProgress?: (done: number, total: number) => void,
): Promise<TrainResult> {
  const t0 = performance.now();
  checkTemperatures(temps);
  const ham = makeTfim(model);
  const betas = [...new Set(temps.map((T) => 1 / T))].sort((a, b) => a - b);
  const beta0 = Math.min(opts.beta0, betas[0] / 2);
  const share = opts.share ?? translationGroup(ham) !== null;
  const alpha = opts.alpha ?? Math.max(2, minAlpha(ham));
  const netOpts: NetworkOptions = { alpha, share, jastrow: opts.jastrow, beta0, noise: opts.noise, seed: opts.seed, split: opts.split };
  const net = new TrainedNet(ham, netOpts);
  const P = net.P;
  if (opts.exact && ham.nSites > MAX_EXACT_SITES) throw new InputError(`exact moments enumerate all 4^N configurations (s, a): N = ${ham.nSites} is too large (limit ${MAX_EXACT_SITES})`);
  const solver: 'dense' | 'cg' = opts.solver === 'auto' ? (P <= DENSE_MAX_PARAMS ? 'dense' : 'cg') : opts.solver;
  const optionsRecord = resultOptions(opts, alpha, share, beta0);
  // Output paths are checked before any work: a run must not end by failing to write.
  if (opts.checkpoint) checkOutputFile(opts.checkpoint, '--checkpoint');
  if (opts.saveNetwork) checkOutputFile(opts.saveNetwork, '--save-network');
  const ctx: CheckpointContext = {
    model, betas, options: optionsRecord, P, chains: opts.exact ? 0 : opts.chains, nodes: chainNodes(net, opts.sampler),
  };

  let st: DriverState;
  let states: ChainState[] | null = null;
  let resumedFrom: number | null = null;
  if (opts.resume) {
    const ck = readCheckpoint(opts.checkpoint!, ctx);
    st = ck.state;
    states = ck.chains;
    resumedFrom = st.step;
  } else {
    st = {
      theta: Float64Array.from(net.initial), beta: beta0, step: 0, dbeta: 0, oRef: new Float64Array(P), eRef: 0, next: 0,
      rows: betas.map(() => null), points: betas.map(() => null), warnings: [], dbetaNext: 0,
      solves: { count: 0, cgCapped: 0, maxResidual: 0, shiftRaised: 0, maxShiftAbs: opts.shiftAbs },
    };
  }
  const N = ham.nSites;
  const planned = plannedSteps(beta0, betas, opts);
  let samplingMs = 0;
  let solveMs = 0;
  let stepsHere = 0;
  const source: Source = st.next >= betas.length
    ? new ExactSource(net, opts.shift, opts.shiftAbs) // finished checkpoint: nothing to sample
    : opts.exact ? new ExactSource(net, opts.shift, opts.shiftAbs) : await SampledSource.start(model, net, netOpts, opts, solver, states);

  const saveCheckpoint = async () => {
    if (opts.checkpoint) writeCheckpoint(opts.checkpoint, ctx, st, opts.exact ? null : await source.states());
  };
  const saveNetwork = (path: string) => {
    net.setParams(st.theta);
    net.dbm.info = { ...net.dbm.info, beta: st.beta, T: 1 / st.beta, steps: st.step, parameters: P, parameter_names: net.names };
    // With a checksum, so that a reader using readChecksummedJson can refuse an edited file
    // (readers that ignore unknown keys load it unchanged).
    writeChecksummedJson(path, dbmToJson(net.dbm));
  };
  const pass = async (theta: Float64Array, measure: number | null): Promise<Pass> => {
    const t = performance.now();
    const p = await source.sample(theta, measure, st.oRef, st.eRef);
    samplingMs += performance.now() - t;
    // Next sums are taken relative to these means (see sr.ts: cancellation in S).
    st.oRef = Float64Array.from(p.moments.oMean);
    st.eRef = p.moments.eMean;
    return p;
  };
  const solve = (m: Moments): SolveResult => {
    const t = performance.now();
    const r = solveSr(m, { shift: opts.shift, shiftAbs: opts.shiftAbs, solver });
    solveMs += performance.now() - t;
    const q = st.solves;
    q.count++;
    if (!r.converged) {
      q.cgCapped++;
      q.maxResidual = Math.max(q.maxResidual, r.residual);
    }
    if (r.shiftAbs > opts.shiftAbs) {
      q.shiftRaised++;
      q.maxShiftAbs = Math.max(q.maxShiftAbs, r.shiftAbs);
    }
    return r;
  };

  let complete = true;
  try {
    while (st.next < betas.length) {
      const target = betas[st.next];
      const atTarget = st.beta === target;
      const p1 = await pass(st.theta, atTarget ? 1 / target : null);
      if (atTarget) {
        const { row, point, warnings } = p1.measured!;
        st.rows[st.next] = row;
        st.points[st.next] = { ...point, steps: st.step };
        st.warnings.push(...warnings);
        if (opts.saveNetwork?.includes('{T}')) saveNetwork(opts.saveNetwork.replace('{T}', String(Number((1 / target).toPrecision(6)))));
        st.next++;
        if (st.next >= betas.length) break;
      }
      const goal = betas[st.next];
      const s1 = solve(p1.moments);
      const adaptive = (opts.stepTol ?? 0) > 0 && opts.integrator === 'heun';
      const { dbeta, land } = proposeStep(st.beta, goal, s1.xSx, N, opts, adaptive && st.dbetaNext > 0 ? st.dbetaNext : opts.relDbeta * st.beta);
      const next = new Float64Array(P);
      if (opts.integrator === 'euler') {
        for (let k = 0; k < P; k++) next[k] = st.theta[k] - (dbeta / 2) * s1.x[k];
      } else {
        // Heun: predictor at the end of the step, then the average of both slopes.
        const mid = new Float64Array(P);
        for (let k = 0; k < P; k++) mid[k] = st.theta[k] - (dbeta / 2) * s1.x[k];
        const p2 = await pass(mid, null);
        const s2 = solve(p2.moments);
        for (let k = 0; k < P; k++) next[k] = st.theta[k] - (dbeta / 4) * (s1.x[k] + s2.x[k]);
        if (adaptive) {
          // Heun minus Euler end point: (dbeta/4)(x2 - x1) (p1's moments still hold S at theta).
          const diff = s2.x.map((v, k) => v - s1.x[k]);
          const Sd = new Float64Array(P);
          applyS(p1.moments, diff, Sd);
          let dSd = 0;
          for (let k = 0; k < P; k++) dSd += diff[k] * Sd[k];
          const err = (dbeta / 4) * Math.sqrt(Math.max(dSd, 0) / N);
          const tol = opts.stepTol!;
          st.dbetaNext = dbeta * (err > 0 ? Math.min(2, 0.9 * Math.sqrt(tol / err)) : 2);
        }
      }
      if (!next.every(Number.isFinite)) throw new Error(`imaginary-time step ${st.step} at beta = ${st.beta} gave non-finite parameters`);
      st.theta = next;
      st.beta = land ? goal : st.beta + dbeta;
      st.dbeta = dbeta;
      st.step++;
      stepsHere++;
      onProgress?.(st.step, Math.max(planned, st.step + 1));
      if (st.step % opts.checkpointEvery === 0) await saveCheckpoint();
      if (opts.stopAfter !== undefined && stepsHere >= opts.stopAfter) {
        complete = false;
        break;
      }
    }
    await saveCheckpoint();
    if (complete) onProgress?.(st.step, st.step);
  } finally {
    await source.close();
  }
  if (opts.saveNetwork && !opts.saveNetwork.includes('{T}')) saveNetwork(opts.saveNetwork);
  // Rows in the order of `temps` (only those reached when stopped early).
  const rows: TrainResult['rows'] = [];
  const points: TrainPoint[] = [];
  for (const T of temps) {
    const k = betas.indexOf(1 / T);
    const r = st.rows[k];
    if (r) {
      rows.push({ ...r, T });
      points.push({ ...st.points[k]!, T });
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const samples = source instanceof SampledSource ? source.samplesTaken : 0;
  return {
    rows,
    meta: {
      steps: st.step, samples, parameters: P, hidden: net.M, solver,
      seconds, sampling_seconds: samplingMs / 1000, solve_seconds: solveMs / 1000, complete, resumed_from_step: resumedFrom, beta0, share, alpha,
      points, warnings: [...st.warnings, ...energyOrderWarnings(rows), ...solveWarnings(st.solves, opts.shiftAbs)],
      us_per_sample: samples > 0 ? (samplingMs * 1000) / samples : 0, replicas: 1, replica_seeds: [opts.seed],
    },
  };
}

/** Warnings for solves that hit the CG iteration cap or needed a raised diagonal shift. */
function solveWarnings(q: DriverState['solves'], shiftAbs: number): string[] {
  const w: string[] = [];
  if (q.cgCapped > 0) w.push(`CG stopped at its iteration cap in ${q.cgCapped} of ${q.count} solves (largest relative residual ${q.maxResidual.toPrecision(3)})`);
  if (q.shiftRaised > 0) {
    w.push(`S + shift was not positive definite in ${q.shiftRaised} of ${q.count} solves: the absolute diagonal shift was raised from ${shiftAbs} up to ${q.maxShiftAbs.toPrecision(3)}`);
  }
  return w;
}
