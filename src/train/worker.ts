/**
 * Persistent Markov chains of the trained network (Method 2), as owned by one worker thread (or by
 * the main thread when running without workers). A `ChainGroup` keeps the configuration and the
 * random stream of each of its chains between imaginary-time steps; each step it receives the new
 * parameters, samples |Psi|^2 on the two-copy joint graph (heat-bath + Swendsen–Wang, sampler.ts)
 * and returns only per-chain sums of O, O O^T (or the O rows), O E, E, E^2 (sr.ts), plus the
 * E_loc and magnetization series when asked (for error bars at the requested temperatures).
 *
 * Determinism: chain c uses Rng(seed, c) and nothing else, so its results do not depend on which
 * group runs it. The default export is the piscina task: a long-lived handler that serves step
 * requests on a MessagePort until told to close, so the chains stay in this thread.
 */
import type { MessagePort } from 'node:worker_threads';
import { makeTfim } from '../model/hamiltonian.ts';
import type { ModelSpec } from '../model/model.ts';
import { physicalMagnetization } from '../mc/local-estimators.ts';
import { Rng } from '../mc/rng.ts';
import { buildJointGraph, Sampler, type JointGraph } from '../mc/sampler.ts';
import { MarginalMetropolis } from './marginal-move.ts';
import { MarginalSampler } from './marginal-sampler.ts';
import { SrAccumulator, type SumsMode } from './sr.ts';
import { energySummaries, GrowingSeries, magnetizationSummaries, perSiteMean, type ChainSummaries } from './measure.ts';
import type { Summary } from '../stats/series.ts';
import { JointRefresher, RbmLocal, TrainedNet, type NetworkOptions } from './network.ts';

/**
 * Saved state of one chain: configuration (base64 of the +-1 bytes: the 2N visible units for the
 * marginal sampler, every joint-graph node for the joint one) and RNG state.
 */
export interface ChainState {
  chain: number;
  x: string;
  rng: number[];
}

export interface GroupInit {
  model: ModelSpec;
  net: NetworkOptions;
  seed: number;
  /** Global chain indices owned by this group, ascending. */
  chains: number[];
  /**
   * 'marginal' (default): heat bath on the visible (s_i, a_i) blocks with cached hidden fields
   * (marginal-sampler.ts), one sweep per move; 'joint': heat-bath on the two-copy joint graph
   * (mc/sampler.ts) with the cluster and marginal moves below.
   */
  sampler?: 'marginal' | 'joint';
  /** Joint sampler: Swendsen–Wang cluster move after every `clusterEvery`-th heat-bath sweep (0: never). */
  clusterEvery: number;
  /** Joint sampler: marginal Metropolis sweeps over the visible units per move (marginal-move.ts; 0: none). */
  metropolis: number;
  /** Saved states (resume) or null for fresh chains. */
  states: ChainState[] | null;
  /** Tests only: the group owning chain 0 throws on this step request (1-based). */
  crashAtPass?: number;
}

export interface StepRequest {
  theta: Float64Array;
  /** Measurements per chain. */
  samples: number;
  /** Sweeps (each followed by a cluster move when enabled) between measurements. */
  thin: number;
  /** Moves before the first measurement: `warmup` for fresh chains, `stepSweeps` otherwise. */
  warmup: number;
  stepSweeps: number;
  mode: SumsMode;
  /** Also return the E_loc and magnetization series (a measurement batch), with per-chain summaries. */
  series: boolean;
  /**
   * Index of this measurement batch at the current temperature: 0 starts the chains' measurement
   * series afresh (also when absent), later batches append to them (the summaries cover all
   * batches so far).
   */
  batch?: number;
  /**
   * With the series: return each chain's means (ChainReply.means) instead of its summaries, whose
   * autocorrelation analysis of the whole series is then done once, after the last batch
   * ({@link ChainGroup.summaries}).
   */
  light?: boolean;
  oRef: Float64Array;
  eRef: number;
}

export interface ChainReply {
  chain: number;
  chunk: Float64Array;
  /** E_loc (total), the Rao–Blackwellized energy (RbmLocal.improved) and the physical
   * magnetization per site of every measurement, when asked. */
  e: Float64Array | null;
  ei: Float64Array | null;
  m: Float64Array | null;
  /**
   * With the series: summarize() of E_loc / N and of the Rao–Blackwellized energy / N over every
   * batch of this measurement so far (measure.ts energySummaries), computed here so that the
   * O(n log n) autocorrelation analysis runs in the chains' threads, not serially in the main one.
   */
  stats: { e: Summary; rb: Summary } | null;
  /** With the series and `light`: the means of E_loc / N and of the Rao–Blackwellized energy / N over every batch so far (measure.ts perSiteMean). */
  means: { e: number; rb: number } | null;
  updates: number;
  clusterMoves: number;
}

interface Chain {
  id: number;
  rng: Rng;
  x: Int8Array;
  fresh: boolean;
  /** The current measurement's series, all batches so far. */
  e: GrowingSeries;
  ei: GrowingSeries;
  m: GrowingSeries;
}

/** Encodes a +-1 configuration as base64 (bytes 0xff / 0x01). */
export function encodeConfig(x: Int8Array): string {
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64');
}

/** Inverse of {@link encodeConfig}. */
export function decodeConfig(s: string, n: number): Int8Array {
  const b = Buffer.from(s, 'base64');
  if (b.length !== n) throw new Error(`chain state has ${b.length} nodes, expected ${n}`);
  const x = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = (b[i] << 24) >> 24;
    if (x[i] !== 1 && x[i] !== -1) throw new Error('chain state is not a +-1 configuration');
  }
  return x;
}

/** The chains of one thread, with the network, joint graph and evaluator they share. */
export class ChainGroup {
  readonly net: TrainedNet;
  readonly graph: JointGraph;
  private readonly refresher: JointRefresher;
  private readonly local: RbmLocal;
  private readonly metro: MarginalMetropolis;
  private readonly marginal: MarginalSampler | null;
  private readonly chains: Chain[];
  private readonly o: Float64Array;
  private readonly acc = new Map<string, SrAccumulator>();
  private passes = 0;

  constructor(readonly init: GroupInit) {
    const ham = makeTfim(init.model);
    this.net = new TrainedNet(ham, init.net);
    this.graph = buildJointGraph(this.net.dbm);
    this.refresher = new JointRefresher(this.net.dbm, this.graph);
    this.local = new RbmLocal(this.net);
    this.metro = new MarginalMetropolis(this.net, this.graph);
    this.marginal = (init.sampler ?? 'marginal') === 'marginal' ? new MarginalSampler(this.net) : null;
    this.o = new Float64Array(this.net.P);
    const saved = new Map((init.states ?? []).map((s) => [s.chain, s]));
    const nodes = chainNodes(this.net, init.sampler);
    this.chains = init.chains.map((id) => {
      const rng = new Rng(init.seed, id);
      const s = saved.get(id);
      if (init.states && !s) throw new Error(`no saved state for chain ${id}`);
      const series = { e: new GrowingSeries(), ei: new GrowingSeries(), m: new GrowingSeries() };
      if (!s) return { id, rng, x: new Int8Array(nodes), fresh: true, ...series };
      rng.setState(s.rng);
      return { id, rng, x: decodeConfig(s.x, nodes), fresh: false, ...series };
    });
  }

  /**
   * One chain's share of a step, whatever the sampler: `pre` moves, then `req.samples`
   * measurements (`req.thin` moves each) of E_loc and O into the SR sums, and the series if asked.
   * `energy` evaluates configuration x into this.o and returns E_loc (RbmLocal.improved is then
   * the Rao–Blackwellized energy).
   */
  private measure(req: StepRequest, acc: SrAccumulator, x: Int8Array, pre: number, move: () => void, energy: () => number) {
    const { o } = this;
    for (let s = 0; s < pre; s++) move();
    acc.reset(req.oRef, req.eRef);
    const e = req.series ? new Float64Array(req.samples) : null;
    const ei = req.series ? new Float64Array(req.samples) : null;
    const m = req.series ? new Float64Array(req.samples) : null;
    for (let k = 0; k < req.samples; k++) {
      for (let t = 0; t < req.thin; t++) move();
      const el = energy();
      acc.add(o, el);
      if (e && ei && m) {
        e[k] = el;
        ei[k] = this.local.improved;
        m[k] = physicalMagnetization(x, this.net.N);
      }
    }
    return { chunk: acc.pack(), e, ei, m };
  }

  /** One imaginary-time step's sampling for every chain of the group, in chain order. */
  step(req: StepRequest): ChainReply[] {
    if (++this.passes === this.init.crashAtPass && this.init.chains[0] === 0) throw new Error(`injected crash on pass ${this.passes}`);
    const { net, graph, local, o } = this;
    net.setParams(req.theta);
    local.refresh();
    const key = `${req.mode}:${req.samples}`;
    let acc = this.acc.get(key);
    if (!acc) {
      acc = new SrAccumulator(net.P, req.mode, req.samples);
      this.acc.set(key, acc);
    }
    const replies: ChainReply[] = [];
    const mc = this.marginal;
    if (mc) {
      // Tables refreshed in place once per step; the hidden and visible fields are loaded once per
      // chain, then updated flip by flip and shared with E_loc.
      mc.refresh();
      for (const ch of this.chains) {
        const x = ch.x;
        if (ch.fresh) for (let v = 0; v < x.length; v++) x[v] = ch.rng.next() < 0.5 ? 1 : -1;
        mc.load(x);
        const proposed = mc.proposed;
        const r = this.measure(req, acc, x, ch.fresh ? req.warmup : req.stepSweeps, () => mc.sweep(x, ch.rng), () => local.evalCached(x, o, mc.theta, mc.sigP, mc.sigM, mc.f));
        ch.fresh = false;
        replies.push({ chain: ch.id, ...r, ...this.record(ch, req, r), updates: mc.proposed - proposed, clusterMoves: 0 });
      }
      return replies;
    }
    this.refresher.refresh();
    this.metro.refresh();
    for (const ch of this.chains) {
      // The joint sampler's tables depend on the weights, so it is rebuilt each step (mc/sampler.ts
      // has no in-place refresh); its constructor draws a random start, which is kept only for a
      // fresh chain (the RNG is rewound otherwise).
      const rs = ch.rng.getState();
      const sampler = new Sampler(graph, ch.rng);
      if (!ch.fresh) {
        ch.rng.setState(rs);
        sampler.x.set(ch.x);
      }
      let clusterMoves = 0;
      let sweeps = 0;
      const every = this.init.clusterEvery;
      const metro = this.init.metropolis;
      // One move: heat-bath sweep of the joint graph, Swendsen–Wang (s_i and a_i flip together
      // when the links are strong: high T), marginal Metropolis (mixes when the hidden weights
      // are strong: low T).
      const move = () => {
        sampler.sweep();
        if (every > 0 && ++sweeps % every === 0) {
          sampler.clusterMove();
          clusterMoves++;
        }
        if (metro > 0) this.metro.sweep(sampler.x, ch.rng, metro);
      };
      const x = sampler.x;
      const r = this.measure(req, acc, x, ch.fresh ? req.warmup : req.stepSweeps, move, () => local.eval(x, o));
      ch.x.set(x);
      ch.fresh = false;
      replies.push({ chain: ch.id, ...r, ...this.record(ch, req, r), updates: sampler.updates, clusterMoves });
    }
    return replies;
  }

  /** Appends a measurement batch to the chain's series and summarizes them, or only averages them when `light` (both null without series). */
  private record(ch: Chain, req: StepRequest, r: { e: Float64Array | null; ei: Float64Array | null; m: Float64Array | null }): Pick<ChainReply, 'stats' | 'means'> {
    if (!r.e || !r.ei || !r.m) return { stats: null, means: null };
    if (!req.batch) {
      ch.e.clear();
      ch.ei.clear();
      ch.m.clear();
    }
    ch.e.append(r.e);
    ch.ei.append(r.ei);
    ch.m.append(r.m);
    const N = this.net.N;
    if (req.light) return { stats: null, means: { e: perSiteMean(ch.e.view(), N), rb: perSiteMean(ch.ei.view(), N) } };
    return { stats: energySummaries(ch.e.view(), ch.ei.view(), N), means: null };
  }

  /** Every chain's summaries of its current measurement series (all batches), in chain order: energies and magnetization. */
  summaries(): ChainSummary[] {
    return this.chains.map((ch) => ({ ...energySummaries(ch.e.view(), ch.ei.view(), this.net.N), ...magnetizationSummaries(ch.m.view()) }));
  }

  /** Current state of every chain (for checkpoints). */
  states(): ChainState[] {
    return this.chains.map((c) => ({ chain: c.id, x: encodeConfig(c.x), rng: c.rng.getState() }));
  }
}

/** Length of a chain's saved configuration: 2N visible units (marginal) or every joint-graph node. */
export function chainNodes(net: TrainedNet, sampler: 'marginal' | 'joint' | undefined): number {
  return (sampler ?? 'marginal') === 'marginal' ? 2 * net.N : buildJointGraph(net.dbm).nNodes;
}

/** One chain's entry of {@link ChainSummaries}. */
export type ChainSummary = { [K in keyof Required<ChainSummaries>]: Summary };

/** Messages on the task's port. */
export type GroupMessage = { type: 'step'; req: StepRequest } | { type: 'states' } | { type: 'summaries' } | { type: 'close' };

/**
 * Piscina task: owns a ChainGroup for the life of the run and answers requests on `port` in order
 * ({ ok: true, value } or { ok: false, error }); resolves when told to close. An exception ends
 * the task (after reporting it): the group's chains are then in an unknown state.
 */
export default function handle(task: { port: MessagePort; init: GroupInit }): Promise<void> {
  return serveGroup<GroupMessage>(task.port, () => {
    const group = new ChainGroup(task.init);
    return (msg) => {
      if (msg.type === 'step') return { value: group.step(msg.req) };
      if (msg.type === 'summaries') return { value: group.summaries() };
      return { value: group.states() };
    };
  });
}

/**
 * The piscina task loop of a chain group (also complex-worker.ts): builds the group's message
 * handler with `make`, then answers every message on `port` in order with { ok: true, value } or
 * { ok: false, error } and resolves on { type: 'close' }. A failing constructor or message ends the
 * task with that error (the group's chains are then in an unknown state).
 */
export function serveGroup<M extends { type: string }>(
  port: MessagePort, make: () => (msg: M) => { value: unknown },
): Promise<void> {
  let serve: (msg: M) => { value: unknown };
  try {
    serve = make();
  } catch (e) {
    port.close();
    return Promise.reject(e);
  }
  return new Promise((resolve, reject) => {
    port.on('message', (msg: M) => {
      try {
        if (msg.type === 'close') {
          port.close();
          resolve();
          return;
        }
        // Replies are copied, never transferred. Trap: transferring detaches the ArrayBuffers in
        // this thread, and the first detach in an isolate invalidates V8's array-buffer-detaching
        // protector, after which every typed-array access in optimized code is checked again:
        // the chains' hot loops ran 34% slower in a worker that had transferred its replies
        // (16-site chain, 20 steps: 2250 ms against 1675 ms copied, 1604 ms in the main thread).
        // Copying a step's replies (under 1 MB) costs far less.
        port.postMessage({ ok: true, value: serve(msg).value });
      } catch (e) {
        port.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) });
        port.close();
        reject(e);
      }
    });
  });
}
