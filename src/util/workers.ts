/**
 * The default number of worker threads, written once: every core the process may use. Results
 * never depend on it (chains draw from streams fixed by their index), only the wall time does.
 */
import { availableParallelism } from 'node:os';

/** Default worker count: every core available to this process (>= 1). */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}
