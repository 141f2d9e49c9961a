/**
 * The list of `pdbm` commands with their one-line summaries, and the version: all that the general
 * help needs, in a module that loads nothing else (`pdbm --help` must start fast).
 */
import { readFileSync } from 'node:fs';

export const VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

export const SUMMARIES = {
  exact: 'exact e and c per site from the spectrum (free fermions, symmetry blocks, full ED or FTLM)',
  dbm: 'analytic purified DBM (Trotter network) sampled by Monte Carlo, with error bars',
  train: 'trained purified DBM driven through imaginary time by stochastic reconfiguration (one run, whole curve)',
  sweep: 'every method on every temperature (or grid of sizes and a coupling), into results/NAME/; resumable, shardable',
  merge: 'join the shards of a sweep into one result set',
  crossing: 'critical coupling from Binder-cumulant crossings of a sweep over --sizes and --vary',
  build: 'build the analytic purified DBM at one temperature and save it as JSON',
} as const;

export type CommandName = keyof typeof SUMMARIES;

export function isCommand(name: string): name is CommandName {
  return Object.hasOwn(SUMMARIES, name);
}
