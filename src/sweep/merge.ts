/**
 * `pdbm merge`: joins the shards of a sweep (results/NAME-0, results/NAME-1, ...) into one result
 * set. Shards must come from the same sweep (same model, methods, temperatures, seed and sampling
 * options) and together cover every shard index; the merged data files then equal those of an
 * unsplit run byte for byte.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../util/errors.ts';
import { exactThermo } from '../exact/solver.ts';
import { makeTfim } from '../model/hamiltonian.ts';
import type { ModelSpec } from '../model/model.ts';
import { agreement, finishRows, machine, writeData, writePlotsAndReport, type ResultRow } from './results.ts';
import { curveGrid } from './sweep.ts';

interface ShardFiles {
  dir: string;
  fp: Record<string, unknown>;
  rows: ResultRow[];
  failures: unknown[];
  options: { methods: string[]; temps: number[]; log: boolean; shard: string };
}

function readShard(dir: string): ShardFiles {
  const statePath = join(dir, 'state.json');
  const metaPath = join(dir, 'meta.json');
  if (!existsSync(statePath) || !existsSync(metaPath)) throw new InputError(`${dir}: not a sweep result directory (no state.json/meta.json)`);
  const state = JSON.parse(readFileSync(statePath, 'utf8'));
  const meta = JSON.parse(readFileSync(metaPath, 'utf8'));
  return { dir, fp: JSON.parse(state.fingerprint), rows: state.rows, failures: state.failures, options: meta.options };
}

/** Merges shard directories into `out`; returns whether all sampled rows agree with exact. */
export async function mergeResults(dirs: string[], out: string, version: string): Promise<{ allAgree: boolean; rows: number }> {
  if (dirs.length === 0) throw new InputError('merge needs at least one shard directory');
  const shards = dirs.map(readShard);
  const key = (s: ShardFiles) => JSON.stringify({ ...s.fp, shard: undefined });
  const count = (shards[0].fp.shard as { count: number }).count;
  const seen = new Set<number>();
  for (const s of shards) {
    if (key(s) !== key(shards[0])) throw new InputError(`${s.dir}: from a different sweep than ${shards[0].dir}`);
    const sh = s.fp.shard as { index: number; count: number };
    if (sh.count !== count) throw new InputError(`${s.dir}: shard count ${sh.count}, expected ${count}`);
    if (seen.has(sh.index)) throw new InputError(`${s.dir}: shard ${sh.index}/${count} given twice`);
    seen.add(sh.index);
    if (s.failures.length > 0) throw new InputError(`${s.dir}: has failed units; rerun it with --resume first`);
  }
  for (let i = 0; i < count; i++) if (!seen.has(i)) throw new InputError(`shard ${i}/${count} is missing`);
  const model = shards[0].fp.model as ModelSpec;
  const { methods, temps, log } = shards[0].options;
  const rows = shards.flatMap((s) => s.rows);
  mkdirSync(out, { recursive: true });
  const set = {
    model, methods, temps, rows, failures: [], logT: log,
    exactCurve: methods.includes('exact') ? exactThermo(makeTfim(model), curveGrid(temps, log)).rows.map((r) => ({ T: r.T, e: r.e, c: r.c })) : [],
    meta: { version, model, options: { ...shards[0].options, shard: 'merged' }, merged_from: dirs, machine: machine(), finished: new Date().toISOString() },
  };
  writeData(out, set);
  await writePlotsAndReport(out, set);
  return { allAgree: agreement(finishRows(rows, methods)).allAgree, rows: rows.length };
}
