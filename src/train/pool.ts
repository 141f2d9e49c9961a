/**
 * Main-thread side of the persistent chains of Method 2: spreads a fixed set of chains over
 * worker threads (contiguous blocks, chain c always in the same thread for the whole run), sends
 * each step's parameters and collects the per-chain replies in chain order. With one worker the
 * chains run in this thread, through the same ChainGroup code, so results are identical.
 *
 * Piscina runs one long-lived task per thread (worker.ts `handle`), which keeps its chains
 * and talks to us over a MessagePort: piscina has no thread affinity for ordinary tasks, so a
 * chain's state could not otherwise stay in one thread.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { workerEntryUrl } from '../util/worker-url.ts';
import { ChainGroup, type ChainReply, type ChainState, type ChainSummary, type GroupInit, type GroupMessage, type StepRequest } from './worker.ts';

/**
 * A failure while sampling (an exception in a worker thread or in the chains of this thread, or a
 * thread that died). Not an input error: the message is one line saying which chains failed and
 * why; the original error is its `cause`.
 */
export class SamplingError extends Error {
  override name = 'SamplingError';
  constructor(chains: number[], cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    const which = chains.length === 1 ? `chain ${chains[0]}` : `chains ${chains[0]}-${chains[chains.length - 1]}`;
    super(`sampling of ${which} failed: ${why.split('\n')[0]}`, { cause });
  }
}

/** A connection to one worker's chain group: strictly one request at a time (also used by complex-pool.ts). */
export class Remote<M = GroupMessage> {
  private waiting: { resolve: (v: unknown) => void; reject: (e: Error) => void } | null = null;
  /** Set once the worker has failed; every later request fails at once. */
  private failure: SamplingError | null = null;

  constructor(readonly port: MessagePort, readonly done: Promise<unknown>, readonly chains: number[]) {
    port.on('message', (msg: { ok: boolean; value?: unknown; error?: string }) => {
      if (msg.ok) this.settle(null, msg.value);
      else this.settle(new SamplingError(chains, msg.error));
    });
    // A task that dies (constructor error, crash, uncaught exception) rejects `done`.
    done.catch((e: unknown) => this.settle(new SamplingError(chains, e)));
  }

  private settle(err: SamplingError | null, value?: unknown): void {
    if (err) this.failure ??= err;
    const w = this.waiting;
    this.waiting = null;
    if (!w) return;
    if (err) w.reject(err);
    else w.resolve(value);
  }

  request<T>(msg: M): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting) throw new Error('Remote: request already pending');
    return new Promise<T>((resolve, reject) => {
      this.waiting = { resolve: resolve as (v: unknown) => void, reject };
      this.port.postMessage(msg);
    });
  }
}

export class ChainPool {
  private constructor(
    private readonly local: ChainGroup | null,
    private readonly remotes: Remote[],
    private readonly pool: Piscina | null,
  ) {}

  /**
   * Starts `workers` threads (capped at the number of chains; <= 1: this thread) owning chains
   * 0 .. chains-1 in contiguous blocks. `base.states` (resume) may hold every chain's state.
   */
  static async start(base: Omit<GroupInit, 'chains'>, chains: number, workers: number): Promise<ChainPool> {
    const W = Math.max(1, Math.min(workers, chains));
    const ids = Array.from({ length: chains }, (_, c) => c);
    if (W === 1) {
      try {
        return new ChainPool(new ChainGroup({ ...base, chains: ids }), [], null);
      } catch (e) {
        throw new SamplingError(ids, e);
      }
    }
    const pool = new Piscina({
      filename: workerEntryUrl(import.meta.url, 'worker'),
      minThreads: W,
      maxThreads: W,
      // One task per thread for the whole run: a thread must never queue a second group.
      concurrentTasksPerWorker: 1,
      idleTimeout: 1000,
    });
    const remotes: Remote[] = [];
    for (let w = 0; w < W; w++) {
      const mine = ids.slice(Math.floor((w * chains) / W), Math.floor(((w + 1) * chains) / W));
      const states = base.states ? base.states.filter((s) => mine.includes(s.chain)) : null;
      const { port1, port2 } = new MessageChannel();
      const init: GroupInit = { ...base, chains: mine, states };
      const done = pool.run({ port: port2, init }, { transferList: [port2] });
      remotes.push(new Remote(port1, done, mine));
    }
    return new ChainPool(null, remotes, pool);
  }

  /**
   * Runs one step on every chain; replies in chain order. Rejects with a {@link SamplingError} when
   * any group fails (the caller must still {@link close} the pool).
   */
  async step(req: StepRequest): Promise<ChainReply[]> {
    if (this.local) {
      try {
        return this.local.step(req);
      } catch (e) {
        throw new SamplingError(this.local.init.chains, e);
      }
    }
    return this.all<ChainReply>({ type: 'step', req });
  }

  /**
   * One request to every remote group, replies concatenated in chain order. Waits for every group
   * to answer (or fail) before rejecting, so that no request is left pending when the pool closes.
   */
  private async all<T>(msg: GroupMessage): Promise<T[]> {
    const settled = await Promise.allSettled(this.remotes.map((r) => r.request<T[]>(msg)));
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    return settled.flatMap((s) => (s as PromiseFulfilledResult<T[]>).value);
  }

  /** Every chain's summaries of the current measurement (ChainGroup.summaries), in chain order. */
  async summaries(): Promise<ChainSummary[]> {
    if (this.local) return this.local.summaries();
    return this.all({ type: 'summaries' });
  }

  /** Every chain's state, in chain order. */
  async states(): Promise<ChainState[]> {
    if (this.local) return this.local.states();
    return this.all<ChainState>({ type: 'states' });
  }

  /** Ends every group and destroys the threads; never rejects (also after a failure). */
  async close(): Promise<void> {
    if (!this.pool) return;
    for (const r of this.remotes) {
      r.port.postMessage({ type: 'close' } satisfies GroupMessage);
    }
    await Promise.allSettled(this.remotes.map((r) => r.done));
    for (const r of this.remotes) r.port.close();
    await this.pool.destroy();
  }
}
