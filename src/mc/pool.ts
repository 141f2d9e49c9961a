/**
 * Runs Markov chains in piscina worker threads. Each chain is a pure function of its task (its
 * random stream is chosen by the global chain index), so the results do not depend on `workers`.
 *
 * One pool per process, created on first use and reused by every later call with the same number
 * of threads (starting threads and loading the modules in them costs ~0.3-0.6 s, once per sweep
 * instead of once per temperature). Idle threads are unref'd by piscina, so the pool does not keep
 * the process alive; {@link destroyChainPool} ends it explicitly (tests, long-lived hosts).
 */
import { Piscina } from 'piscina';
import { workerEntryUrl } from '../util/worker-url.ts';
import { runChain, type ChainResult, type ChainTask } from './chain.ts';

export { defaultWorkers } from '../util/workers.ts';

let shared: { pool: Piscina; threads: number } | null = null;

function poolOf(threads: number): Piscina {
  if (shared && shared.threads === threads) return shared.pool;
  if (shared) void shared.pool.destroy();
  const pool = new Piscina({
    filename: workerEntryUrl(import.meta.url, 'worker'),
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Infinity,
  });
  shared = { pool, threads };
  return pool;
}

/** Ends the shared chain pool (if any); the next {@link runChains} call starts a new one. */
export async function destroyChainPool(): Promise<void> {
  const s = shared;
  shared = null;
  if (s) await s.pool.destroy();
}

/**
 * Runs every task and returns the results in task order. `workers` <= 1 runs in this thread
 * (no pool); otherwise on the shared pool of `workers` threads (see the module comment).
 * `onDone` is called after each finished chain (for progress reports).
 */
export async function runChains(tasks: ChainTask[], workers: number, onDone?: (r: ChainResult) => void): Promise<ChainResult[]> {
  if (workers <= 1 || tasks.length <= 1) {
    return tasks.map((t) => {
      const r = runChain(t);
      onDone?.(r);
      return r;
    });
  }
  const pool = poolOf(workers);
  try {
    return await Promise.all(
      tasks.map(async (t) => {
        const r = (await pool.run(t)) as ChainResult;
        onDone?.(r);
        return r;
      }),
    );
  } catch (e) {
    // A failed task may have taken its thread down (crash, out of memory): never reuse this pool,
    // so that a retry starts from fresh threads instead of waiting on dead ones.
    if (shared?.pool === pool) shared = null;
    void pool.destroy().catch(() => undefined);
    throw e;
  }
}
