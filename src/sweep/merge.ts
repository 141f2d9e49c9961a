/**
 * `pdbm merge`: joins the shards of a sweep (results/NAME-0, results/NAME-1, ...) into one result
 * set. Shards must come from the same sweep (same model, methods, temperatures, seed and sampling
 * options) and together cover every shard index; the merged data files then equal those of an
 * unsplit run byte for byte. Each shard's state.json is checked (checksum and schema) before use.
 */
import { join } from 'node:path';
import { InputError } from '../util/errors.ts';
import { conventionOf } from '../model/model.ts';
import { checkOutputDir, lockDir } from '../util/output.ts';
import { agreement, finishRows, machine, writeData, writePlotsAndReport, type ResultSet } from './results.ts';
import { readState, STATE_FILE, type SweepState } from './state.ts';
import { exactCurveOf } from './sweep.ts';
import { allWarnings } from './warnings.ts';

function readShard(dir: string): SweepState {
  const state = readState(dir);
  if (!state) throw new InputError(`${dir}: not a sweep result directory (no ${STATE_FILE})`);
  return state;
}

/** Merges shard directories into `out`; returns whether all sampled rows agree with exact. */
export async function mergeResults(dirs: string[], out: string, version: string): Promise<{ allAgree: boolean; rows: number; warnings: string[]; verdict: string }> {
  if (dirs.length === 0) throw new InputError('merge needs at least one shard directory');
  checkOutputDir(out);
  const shards = dirs.map(readShard);
  const key = (s: SweepState) => JSON.stringify({ ...JSON.parse(s.fingerprint), shard: undefined });
  const count = shards[0].shard.count;
  const seen = new Set<number>();
  shards.forEach((s, k) => {
    if (key(s) !== key(shards[0])) throw new InputError(`${dirs[k]}: from a different sweep than ${dirs[0]}`);
    if (s.shard.count !== count) throw new InputError(`${dirs[k]}: shard count ${s.shard.count}, expected ${count}`);
    if (seen.has(s.shard.index)) throw new InputError(`${dirs[k]}: shard ${s.shard.index}/${count} given twice`);
    seen.add(s.shard.index);
    if (s.failures.length > 0) throw new InputError(`${dirs[k]}: has failed units; rerun it with --resume first`);
  });
  for (let i = 0; i < count; i++) if (!seen.has(i)) throw new InputError(`shard ${i}/${count} is missing`);
  const { methods, temps, logT } = shards[0];
  // The model exactly as the sweep had it (the fingerprint is its JSON text, key order included),
  // so that the merged data.json equals the unsplit run's byte for byte.
  const model = JSON.parse(shards[0].fingerprint).model as SweepState['model'];
  const rows = shards.flatMap((s) => s.rows);
  const unitWarnings = shards.flatMap((s) => Object.values(s.info).flatMap((i) => i.warnings));
  const lock = lockDir(out, 'merge');
  try {
    const grid = shards[0].grid;
    const set: ResultSet = {
      // A grid's result files list its distinct temperatures (as sweep.ts `shardTemps` does).
      model, methods, temps: grid ? [...new Set(temps)] : temps, rows, failures: [], logT,
      ...(grid ? { grid } : {}),
      warnings: allWarnings(rows, unitWarnings),
      // Every shard's exact unit kept the same curve (older states: none, solve again).
      exactCurve: methods.includes('exact') && !grid ? (shards.find((s) => s.exactCurve)?.exactCurve ?? exactCurveOf(model, temps, logT)) : [],
      meta: {
        version, model, convention: conventionOf(model), options: { ...JSON.parse(shards[0].fingerprint), shard: 'merged' }, merged_from: dirs.map((d) => join(d)),
        machine: machine(), finished: new Date().toISOString(),
      },
    };
    writeData(out, set);
    const verdict = await writePlotsAndReport(out, set);
    return { allAgree: agreement(finishRows(rows, methods)).allAgree, rows: rows.length, warnings: set.warnings, verdict };
  } finally {
    lock.release();
  }
}
