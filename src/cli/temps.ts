/** Temperature lists from the command line: "0.5,1,2" or "lo:hi:count" (linear; geometric with log). */
import { InputError } from '../util/errors.ts';

/**
 * Parses `--temps`. "a:b:n" gives n points from a to b inclusive, evenly spaced (or geometrically
 * with `log`). Every T must be positive and finite (units of J, k_B = 1).
 */
export function parseTemps(text: string, log = false): number[] {
  const bad = (why: string): never => {
    throw new InputError(`--temps ${JSON.stringify(text)}: ${why}`);
  };
  const num = (s: string): number => {
    const v = s.trim() === '' ? NaN : Number(s);
    if (!Number.isFinite(v)) bad(`"${s}" is not a number`);
    return v;
  };
  let temps: number[];
  if (text.includes(':')) {
    const parts = text.split(':');
    if (parts.length !== 3) bad('a range is lo:hi:count');
    const [lo, hi, n] = parts.map(num);
    if (!Number.isInteger(n) || n < 1) bad('the count of a range must be an integer >= 1');
    if (lo <= 0 || hi <= 0) bad('temperatures must be > 0');
    temps = Array.from({ length: n }, (_, k) => {
      const f = n === 1 ? 0 : k / (n - 1);
      return log ? lo * (hi / lo) ** f : lo + (hi - lo) * f;
    });
  } else {
    temps = text.split(',').map(num);
  }
  if (temps.length === 0) bad('no temperatures');
  for (const T of temps) if (!(T > 0)) bad(`temperatures must be > 0, got ${T}`);
  return temps;
}
