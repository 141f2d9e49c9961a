/**
 * Runs Markov chains in piscina worker threads. Each chain is a pure function of its task (its
 * random stream is chosen by the global chain index), so the results do not depend on `workers`.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { workerEntryUrl } from '../util/worker-url.ts';
import { runChain, type ChainResult, type ChainTask } from './chain.ts';

/** Default worker count: every core. */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Runs every task and returns the results in task order. `workers` <= 1 runs in this thread
 * (no pool); otherwise a pool of `workers` threads lives for the duration of the call.
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
  const pool = new Piscina({
    filename: workerEntryUrl(import.meta.url, 'worker'),
    minThreads: Math.min(workers, tasks.length),
    maxThreads: Math.min(workers, tasks.length),
    idleTimeout: 1000,
  });
  try {
    return await Promise.all(
      tasks.map(async (t) => {
        const r = (await pool.run(t)) as ChainResult;
        onDone?.(r);
        return r;
      }),
    );
  } finally {
    await pool.destroy();
  }
}
