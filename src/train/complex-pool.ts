/**
 * Main-thread side of the complex network's persistent chains: chains 0 .. chains-1 in contiguous
 * blocks over worker threads (chain c stays in one thread for the run), replies concatenated in
 * chain order. With one worker the same ComplexChainGroup runs in this thread, so the numbers are
 * identical for any worker count.
 */
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { workerEntryUrl } from '../util/worker-url.ts';
import { Remote, SamplingError } from './pool.ts';
import {
  ComplexChainGroup, type ComplexChainState, type ComplexGroupInit, type ComplexGroupMessage, type ComplexReply, type ComplexRequest,
} from './complex-worker.ts';

export class ComplexPool {
  private constructor(
    private readonly local: ComplexChainGroup | null,
    private readonly remotes: Array<Remote<ComplexGroupMessage>>,
    private readonly pool: Piscina | null,
  ) {}

  /**
   * Starts min(workers, chains) threads (<= 1: this thread). `base.states` (resume) holds every
   * chain's saved state; each group gets those of its own chains.
   */
  static start(base: Omit<ComplexGroupInit, 'chains'>, chains: number, workers: number): ComplexPool {
    const W = Math.max(1, Math.min(workers, chains));
    const ids = Array.from({ length: chains }, (_, c) => c);
    if (W === 1) {
      try {
        return new ComplexPool(new ComplexChainGroup({ ...base, chains: ids }), [], null);
      } catch (e) {
        throw new SamplingError(ids, e);
      }
    }
    const pool = new Piscina({
      filename: workerEntryUrl(import.meta.url, 'complex-worker'),
      minThreads: W,
      maxThreads: W,
      concurrentTasksPerWorker: 1,
      idleTimeout: 1000,
    });
    const remotes: Array<Remote<ComplexGroupMessage>> = [];
    for (let w = 0; w < W; w++) {
      const mine = ids.slice(Math.floor((w * chains) / W), Math.floor(((w + 1) * chains) / W));
      const { port1, port2 } = new MessageChannel();
      const states = base.states ? base.states.filter((st) => mine.includes(st.chain)) : null;
      const done = pool.run({ port: port2, init: { ...base, chains: mine, states } }, { transferList: [port2] });
      remotes.push(new Remote<ComplexGroupMessage>(port1, done, mine));
    }
    return new ComplexPool(null, remotes, pool);
  }

  /** One request to every chain; replies in chain order. Rejects with a SamplingError when a group fails. */
  async run(req: ComplexRequest): Promise<ComplexReply[]> {
    if (this.local) {
      try {
        return this.local.run(req);
      } catch (e) {
        throw new SamplingError(this.local.init.chains, e);
      }
    }
    return this.all<ComplexReply>({ type: 'run', req });
  }

  /** Every chain's state (configuration, RNG state, counters), in chain order. */
  async states(): Promise<ComplexChainState[]> {
    if (this.local) return this.local.states();
    return this.all<ComplexChainState>({ type: 'states' });
  }

  /** One message to every remote group, replies concatenated in chain order; waits for all before rejecting. */
  private async all<T>(msg: ComplexGroupMessage): Promise<T[]> {
    const settled = await Promise.allSettled(this.remotes.map((r) => r.request<T[]>(msg)));
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    return settled.flatMap((s) => (s as PromiseFulfilledResult<T[]>).value);
  }

  /** Ends the groups and the threads; never rejects. */
  async close(): Promise<void> {
    if (!this.pool) return;
    for (const r of this.remotes) r.port.postMessage({ type: 'close' } satisfies ComplexGroupMessage);
    await Promise.allSettled(this.remotes.map((r) => r.done));
    for (const r of this.remotes) r.port.close();
    await this.pool.destroy();
  }
}
