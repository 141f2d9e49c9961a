/** Piscina task handler: runs one Markov chain in a worker thread (see chain.ts). */
import { runChain, type ChainTask, type ChainResult } from './chain.ts';

export default function handle(task: ChainTask): ChainResult {
  return runChain(task);
}
