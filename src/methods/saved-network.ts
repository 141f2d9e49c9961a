/**
 * Re-sampling a saved network (`pdbm dbm --network FILE`): more chains or longer chains on a
 * network built or trained earlier, to refine the error bars at its temperature.
 */
import { samplingFields, type ChainTask } from '../mc/chain.ts';
import { dbmFromJson, type Dbm } from '../dbm/network.ts';
import { InputError } from '../util/errors.ts';
import { readJsonFile, stripVerifiedChecksum } from '../util/checked-json.ts';
import { makeTfim } from '../model/hamiltonian.ts';
import type { ModelSpec } from '../model/model.ts';
import { summarizeRow } from '../mc/summary.ts';
import type { Row } from '../stats/row.ts';
import { collectWarnings } from '../stats/warnings.ts';
import { runChains } from '../mc/pool.ts';
import { checkSampling, type AnalyticOptions } from './analytic-dbm.ts';

/**
 * Reads a `purified-dbm/network@1` file; a missing, empty, truncated, corrupt, edited-inconsistent
 * or foreign file is one InputError line naming the file and the field (dbm/network.ts).
 */
export function loadNetwork(path: string): Dbm {
  return dbmFromJson(stripVerifiedChecksum(readJsonFile(path), path), path);
}

/** Inverse temperature of a network: from its Trotter data, or `info.beta` of a trained one. */
export function networkBeta(net: Dbm): number {
  const beta = net.trotter?.beta ?? Number(net.info.beta);
  if (!(beta > 0) || !Number.isFinite(beta)) throw new InputError('network: no valid inverse temperature (trotter.beta or info.beta)');
  return beta;
}

let calls = 0;

/** Samples `net` (for `model`) with the chains of `opts`; one row at T = 1/beta. */
export async function sampleNetwork(
  model: ModelSpec,
  net: Dbm,
  opts: Pick<AnalyticOptions, 'warmup' | 'sweeps' | 'thin' | 'cluster' | 'chains' | 'seed' | 'workers' | 'clusterMove' | 'traceBonds' | 'wolffFraction'>,
  onProgress?: (done: number, total: number) => void,
): Promise<{ row: Row; spinUpdates: number; meta: { warnings: string[]; seconds: number } }> {
  checkSampling(opts);
  const ham = makeTfim(model);
  if (ham.nSites !== net.nSites) throw new InputError(`network has ${net.nSites} sites, model ${model.name} has ${ham.nSites}`);
  const T = 1 / networkBeta(net);
  // One key per call: every thread builds the sampler of this network once for all its chains.
  const networkKey = `saved-network:${process.pid}:${++calls}`;
  const tasks: ChainTask[] = Array.from({ length: opts.chains }, (_, c) => ({
    model, network: net, networkKey, seed: opts.seed, chain: c, ...samplingFields(opts),
  }));
  let done = 0;
  const t0 = performance.now();
  const results = await runChains(tasks, opts.workers, () => onProgress?.(++done, tasks.length));
  const seconds = (performance.now() - t0) / 1000;
  const row = summarizeRow(results, T, ham.nSites);
  return { row, spinUpdates: results.reduce((a, r) => a + r.updates, 0), meta: { warnings: collectWarnings([row]), seconds } };
}
