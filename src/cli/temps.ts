/**
 * Temperature lists from the command line: "0.5,1,2", "lo:hi:count" (linear; geometric with
 * `log`), or a mathjs expression such as "logspace(-1, 1, 12)", "linspace(0.5, 5, 10)" or
 * "concat(linspace(0.5, 2, 4), [3, 5])".
 */
import { createRequire } from 'node:module';
import { InputError } from '../util/errors.ts';

/** n points from a to b inclusive, evenly spaced. */
function linspace(a: number, b: number, n: number): number[] {
  if (!Number.isInteger(n) || n < 1) throw new InputError(`the count must be an integer >= 1, got ${n}`);
  return Array.from({ length: n }, (_, k) => (n === 1 ? a : a + ((b - a) * k) / (n - 1)));
}

/** Functions available in a temperature expression (numpy conventions). */
const SCOPE = {
  linspace,
  /** 10^a .. 10^b, n points evenly spaced in the exponent. */
  logspace: (a: number, b: number, n: number) => linspace(a, b, n).map((x) => 10 ** x),
  /** a .. b, n points in geometric progression. */
  geomspace: (a: number, b: number, n: number) => {
    if (!(a > 0 && b > 0)) throw new InputError('geomspace needs positive ends');
    return linspace(Math.log(a), Math.log(b), n).map(Math.exp);
  },
};

const PLAIN_LIST = /^\s*[-+\d.eE\s]+(,[-+\d.eE\s]+)*$/;

/** Evaluates a mathjs expression to a flat list of numbers. mathjs is loaded only here (it takes ~1 s to load). */
function evaluateExpression(text: string, bad: (why: string) => never): number[] {
  const { evaluate } = createRequire(import.meta.url)('mathjs') as { evaluate: (expr: string, scope: object) => unknown };
  let value: unknown;
  try {
    value = evaluate(text, { ...SCOPE });
  } catch (e) {
    bad((e as Error).message.split('\n')[0]);
  }
  const v = value as { toArray?: () => unknown; valueOf(): unknown };
  const flat = ([] as unknown[]).concat(typeof v?.toArray === 'function' ? v.toArray() : value).flat(Infinity);
  return flat.map((x) => {
    const n = typeof x === 'number' ? x : Number((x as { valueOf(): unknown })?.valueOf?.());
    if (typeof n !== 'number' || !Number.isFinite(n)) bad(`the expression gives ${String(x)}, not a finite number`);
    return n;
  });
}

/**
 * Parses `--temps`. "a:b:n" gives n points from a to b inclusive, evenly spaced (or geometrically
 * with `log`); anything that is neither a plain list nor a range is a mathjs expression. Every T
 * must be positive and finite (units of J, k_B = 1).
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
  if (/^[^()[\]a-zA-Z]*:[^()[\]]*$/.test(text)) {
    const parts = text.split(':');
    if (parts.length !== 3) bad('a range is lo:hi:count');
    const [lo, hi, n] = parts.map(num);
    if (!Number.isInteger(n) || n < 1) bad('the count of a range must be an integer >= 1');
    if (lo <= 0 || hi <= 0) bad('temperatures must be > 0');
    temps = Array.from({ length: n }, (_, k) => {
      const f = n === 1 ? 0 : k / (n - 1);
      return log ? lo * (hi / lo) ** f : lo + (hi - lo) * f;
    });
  } else if (PLAIN_LIST.test(text) || /^\s*-?(NaN|Infinity)\s*$/i.test(text) || !/[a-zA-Z(]/.test(text)) {
    temps = text.split(',').map(num);
  } else {
    try {
      temps = evaluateExpression(text, bad);
    } catch (e) {
      if (e instanceof InputError && !e.message.startsWith('--temps')) bad(e.message);
      throw e;
    }
  }
  if (temps.length === 0) bad('no temperatures');
  for (const T of temps) if (!(T > 0)) bad(`temperatures must be > 0, got ${T}`);
  return temps;
}
