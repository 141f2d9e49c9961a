/**
 * Persistent chains of the complex network, as owned by one worker thread (or by the main thread
 * without workers): each request brings the current parameters and the mismatch bias, every chain
 * of the group samples in chain order and replies with its samples (SR mode: the O rows, E and
 * weights; measure mode: the weighted energy series). Chain c uses Rng(seed, c) only, so its
 * numbers do not depend on which group runs it. The default export is the piscina task (a
 * long-lived handler on a MessagePort, as in worker.ts).
 */
import type { MessagePort } from 'node:worker_threads';
import type { ModelSpec } from '../model/model.ts';
import { makeXxz } from '../model/xxz.ts';
import { Rng } from '../mc/rng.ts';
import { ComplexNet, makeLocal, type ComplexNetOptions } from './complex-network.ts';
import { ComplexChain, magnetization } from './complex-sampler.ts';
import { ComplexSrAccumulator } from './complex-sr.ts';
import { decodeConfig, encodeConfig, serveGroup, type ChainState } from './worker.ts';

/**
 * Saved state of one chain of the complex network (checkpoints): the 2N visible units (s, a) as
 * base64 of the +-1 bytes, the RNG state and the chain's acceptance counters.
 */
export interface ComplexChainState extends ChainState {
  accepted: number;
  proposed: number;
}

export interface ComplexGroupInit {
  model: ModelSpec;
  net: ComplexNetOptions;
  seed: number;
  /** Global chain indices owned by this group, ascending. */
  chains: number[];
  /** End each sweep with the ancilla flip (complex-sampler.ts; default false). */
  ancillaFlip?: boolean;
  /** Saved states of (at least) this group's chains, to continue from (resume); absent or null: fresh chains. */
  states?: ComplexChainState[] | null;
}

export interface ComplexRequest {
  re: Float64Array;
  im: Float64Array;
  /** Samples per chain, sweeps between samples, sweeps before the first sample. */
  perChain: number;
  thin: number;
  warmup: number;
  /** Mismatch bias (complex-sampler.ts). */
  kappa: number;
  /**
   * 'sr': each chain's SR sums (complex-sr.ts ComplexSrAccumulator); 'measure': the series
   * w Re E, w Im E, w |E|^2, w, w Mz, w Mz^2 (MEASURE_SERIES), and the SR sums too when oRef is
   * given (the energy-flow c).
   */
  mode: 'sr' | 'measure';
  /** The reference of the SR sums, (Re O, Im O) (length 2P) and E (re, im): required in SR mode. */
  oRef?: Float64Array;
  eRefR?: number;
  eRefI?: number;
  /** Each chain starts afresh (ComplexChain.restart) before its warmup (default false). */
  restart?: boolean;
}

/**
 * The series of a measurement, per sample: the energy E = E_loc (complex: the network is an
 * approximation, so Im E is kept to show it), |E|^2 for the variance, the reweighting w =
 * e^{-kappa m} (1 without the mismatch bias) and the magnetization Mz = sum_i s_i / 2 of the
 * physical replica in the units of S = sigma/2 (Mz(s) = Mz(a) in the sector Psi lives in), each
 * but w multiplied by w. Estimates are ratios of their means to the mean of w.
 */
export const MEASURE_SERIES = ['wRe', 'wIm', 'wAbs2', 'w', 'wMz', 'wMz2'] as const;

/** One chain's reply: its packed SR sums (SR mode, or measure mode with oRef) and, measure mode, the series MEASURE_SERIES in that order. */
export interface ComplexReply {
  chain: number;
  sums: Float64Array | null;
  series: Float64Array[] | null;
  accepted: number;
  proposed: number;
}

export class ComplexChainGroup {
  readonly net: ComplexNet;
  readonly chains: Array<{ id: number; chain: ComplexChain }>;
  /** Per chain, its SR accumulator (created on the first SR request; it owns a wasm memory). */
  private readonly acc: ComplexSrAccumulator[] = [];

  constructor(readonly init: ComplexGroupInit) {
    this.net = new ComplexNet(makeXxz(init.model), init.net);
    const saved = new Map((init.states ?? []).map((st) => [st.chain, st]));
    this.chains = init.chains.map((id) => {
      // A restored chain is built as a fresh one (its constructor draws the random start), then
      // overwritten: configuration, random stream and counters are exactly those saved.
      const chain = new ComplexChain(makeLocal(this.net), new Rng(init.seed, id), init.ancillaFlip ?? false);
      const st = saved.get(id);
      if (init.states && !st) throw new Error(`no saved state for chain ${id}`);
      if (st) {
        chain.x.set(decodeConfig(st.x, chain.x.length));
        chain.rng.setState(st.rng);
        chain.accepted = st.accepted;
        chain.proposed = st.proposed;
        chain.local.refresh(chain.x);
      }
      return { id, chain };
    });
  }

  /** Every chain's current state, in chain order (for checkpoints). */
  states(): ComplexChainState[] {
    return this.chains.map(({ id, chain }) => ({ chain: id, x: encodeConfig(chain.x), rng: chain.rng.getState(), accepted: chain.accepted, proposed: chain.proposed }));
  }

  run(req: ComplexRequest): ComplexReply[] {
    const { net } = this;
    net.re.set(req.re);
    net.im.set(req.im);
    const P = net.P;
    const N = net.N;
    const M = req.perChain;
    const e = new Float64Array(2);
    const oRow = new Float64Array(P);
    const oIow = new Float64Array(P);
    const sr = req.mode === 'sr';
    if (sr && !req.oRef) throw new Error('an SR request needs the reference oRef');
    return this.chains.map(({ id, chain: ch }, c) => {
      const acc = sr || req.oRef ? (this.acc[c] ??= new ComplexSrAccumulator(P)) : null;
      acc?.reset(req.oRef!, req.eRefR ?? 0, req.eRefI ?? 0);
      const eR = sr ? null : new Float64Array(M);
      const eI = sr ? null : new Float64Array(M);
      const w = sr ? null : new Float64Array(M);
      const mz = sr ? null : new Float64Array(M);
      const a0 = ch.accepted;
      const p0 = ch.proposed;
      ch.kappa = req.kappa;
      if (req.restart) ch.restart();
      else ch.local.refresh(ch.x);
      for (let t = 0; t < req.warmup; t++) ch.sweep();
      for (let i = 0; i < M; i++) {
        for (let t = 0; t < req.thin; t++) ch.sweep();
        ch.local.eloc(ch.x, e);
        const wi = req.kappa ? Math.exp(-req.kappa * ch.mismatches()) : 1;
        if (acc) {
          ch.local.grad(ch.x, oRow, oIow);
          acc.add(oRow, oIow, e[0], e[1], wi);
        }
        if (!sr) {
          eR![i] = e[0];
          eI![i] = e[1];
          w![i] = wi;
          mz![i] = magnetization(ch.x, N);
        }
      }
      const series = sr ? null : [
        eR!.map((v, i) => w![i] * v), eI!.map((v, i) => w![i] * v), eR!.map((v, i) => w![i] * (v * v + eI![i] * eI![i])), w!,
        mz!.map((v, i) => w![i] * v), mz!.map((v, i) => w![i] * v * v),
      ];
      // pack() copies: replies are copied, never transferred (worker.ts, the thread rule).
      return { chain: id, sums: acc ? acc.pack() : null, series, accepted: ch.accepted - a0, proposed: ch.proposed - p0 };
    });
  }
}

export type ComplexGroupMessage = { type: 'run'; req: ComplexRequest } | { type: 'states' } | { type: 'close' };

/** Piscina task: owns a ComplexChainGroup for the run (worker.ts serveGroup). */
export default function handle(task: { port: MessagePort; init: ComplexGroupInit }): Promise<void> {
  return serveGroup<ComplexGroupMessage>(task.port, () => {
    const group = new ComplexChainGroup(task.init);
    return (msg) => (msg.type === 'run' ? { value: group.run(msg.req) } : { value: group.states() });
  });
}
