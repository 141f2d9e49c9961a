/**
 * Grid options of `pdbm sweep`: `--sizes 8,12,16` (linear sizes; L x L on a 2D lattice),
 * `--vary Gamma=2.95:3.14:9` (KEY=lo:hi:count, evenly spaced, ends included) or
 * `--vary Gamma=2.9,3.0,3.1`, and `--beta-per-L b` (T = 1 / (b L) for each size).
 */
import { InputError } from '../util/errors.ts';
import type { SweepGrid } from '../sweep/sweep.ts';

/** Parses `--sizes`: distinct integers >= 2, in increasing order. */
export function parseSizes(items: string[]): number[] {
  const sizes = items.map((s) => {
    const L = Number(s);
    if (!Number.isInteger(L) || L < 2) throw new InputError(`--sizes: "${s}" is not an integer >= 2`);
    return L;
  });
  if (new Set(sizes).size !== sizes.length) throw new InputError(`--sizes: a size is given twice (${items.join(',')})`);
  return [...sizes].sort((a, b) => a - b);
}

/** Parses `--vary KEY=lo:hi:count` or `--vary KEY=v1,v2,...` into the key and its distinct values, in increasing order. */
export function parseVary(text: string): { key: string; values: number[] } {
  const m = /^([A-Za-z_][\w.]*)=(.+)$/.exec(text.trim());
  if (!m) throw new InputError(`--vary "${text}": expected KEY=lo:hi:count or KEY=v1,v2,..., e.g. --vary Gamma=2.95:3.14:9`);
  const [, key, spec] = m;
  const num = (s: string): number => {
    const x = s.trim() === '' ? NaN : Number(s);
    if (!Number.isFinite(x)) throw new InputError(`--vary "${text}": "${s}" is not a finite number`);
    return x;
  };
  let values: number[];
  if (spec.includes(':')) {
    const parts = spec.split(':');
    if (parts.length !== 3) throw new InputError(`--vary "${text}": a range is lo:hi:count`);
    const [lo, hi, n] = parts.map(num);
    if (!Number.isInteger(n) || n < 1) throw new InputError(`--vary "${text}": the count of a range must be an integer >= 1`);
    if (n > 1 && !(hi > lo)) throw new InputError(`--vary "${text}": a range needs lo < hi`);
    // lo + (hi - lo) k / (n - 1), rounded to 12 significant digits so that 2.95:3.14:20 gives
    // 3.04, not 3.0400000000000005 (the value names the point in files and tables).
    values = Array.from({ length: n }, (_, k) => (n === 1 ? lo : Number((lo + ((hi - lo) * k) / (n - 1)).toPrecision(12))));
  } else values = spec.split(',').map(num);
  if (new Set(values).size !== values.length) throw new InputError(`--vary "${text}": a value is given twice`);
  return { key: key.replace(/^hamiltonian\./, ''), values: [...values].sort((a, b) => a - b) };
}

/**
 * The grid of a sweep from its options, or undefined for a plain temperature sweep. `--beta-per-L`
 * needs `--sizes` and excludes `--temps`.
 */
export function gridFromOptions(o: { sizes?: string[]; vary?: string; betaPerL?: number; tempsGiven: boolean }): SweepGrid | undefined {
  if (o.sizes === undefined && o.vary === undefined && o.betaPerL === undefined) return undefined;
  if (o.betaPerL !== undefined) {
    if (!(o.betaPerL > 0)) throw new InputError(`--beta-per-L must be positive, got ${o.betaPerL}`);
    if (o.sizes === undefined) throw new InputError('--beta-per-L needs --sizes (T = 1 / (b L) for each size)');
    if (o.tempsGiven) throw new InputError('give --temps or --beta-per-L, not both');
  }
  return {
    ...(o.sizes !== undefined ? { sizes: parseSizes(o.sizes) } : {}),
    ...(o.vary !== undefined ? { vary: parseVary(o.vary) } : {}),
    ...(o.betaPerL !== undefined ? { betaPerL: o.betaPerL } : {}),
  };
}
