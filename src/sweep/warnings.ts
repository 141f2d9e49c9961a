/**
 * Warnings about suspicious numbers, gathered from every method's result and from the rows
 * themselves, so that none is printed silently: a negative or insignificant specific heat, too few
 * effective samples, and whatever the methods report (tau_int window not converged, CG at its
 * cap, raised diagonal shift) in `warnings` / `meta.warnings`.
 */
import type { Row } from '../stats/row.ts';
import { energyOrderWarnings, rowWarnings } from '../stats/warnings.ts';

/** Strings found in `warnings` of a result, of its `meta`, and of each of its rows (deduplicated, in order). */
export function resultWarnings(result: unknown): string[] {
  const out: string[] = [];
  const add = (w: unknown, prefix = '') => {
    if (typeof w === 'string') out.push(prefix + w);
    else if (Array.isArray(w)) for (const x of w) if (typeof x === 'string') out.push(prefix + x);
  };
  if (result && typeof result === 'object') {
    const r = result as { warnings?: unknown; meta?: { warnings?: unknown }; rows?: unknown };
    add(r.warnings);
    add(r.meta?.warnings);
    if (Array.isArray(r.rows)) {
      for (const row of r.rows as Array<Record<string, unknown>>) if (row && typeof row === 'object' && 'warnings' in row) add(row.warnings, `T = ${String(row.T)}: `);
    }
  }
  return [...new Set(out)];
}

/** A grid row's size and parameter value (`['L = 8', 'param = 3']`; none for a temperature sweep's row). */
function gridPlace(r: Row): string[] {
  return [...(r.L !== undefined ? [`L = ${r.L}`] : []), ...(r.param !== undefined ? [`param = ${r.param}`] : [])];
}

/**
 * The rule of stats/warnings.ts applied to a sampled row, each warning prefixed with where it is
 * (`dbm T = 0.5: ...`) for a sweep's list. Exact rows (zero error bars) get none.
 */
export function rowWarningsWithPlace(r: Row): string[] {
  if (!(r.c_err > 0 || r.e_err > 0)) return [];
  // Grid rows also say their size and parameter value (the same T recurs at every value).
  const grid = gridPlace(r);
  const where = `${r.method ? `${r.method} ` : ''}${grid.length ? `${grid.join(', ')}, ` : ''}T = ${Number(r.T.toPrecision(5))}`;
  return rowWarnings(r).map((w) => `${where}: ${w}`);
}

/**
 * The energy-order rule ({@link energyOrderWarnings}: e(T) must rise with T) over each curve of a
 * sweep, the rows of one method, size and parameter value, each warning prefixed with its curve
 * (`dbm: T = 0.5: ...`, `dbm (L = 8, param = 3): T = ...`). Why here: the analytic DBM runs one unit
 * per temperature, so no unit sees its curve. A trained unit checks its own curve already; in a
 * temperature sweep its warning has the same text under the same prefix, which {@link allWarnings}
 * deduplicates (a grid names the parameter by its key there, so both lines stay).
 */
export function curveOrderWarnings(rows: Row[]): string[] {
  const curves = new Map<string, Row[]>();
  for (const r of rows) {
    const grid = gridPlace(r);
    const where = `${r.method ?? ''}${grid.length ? ` (${grid.join(', ')})` : ''}`;
    const curve = curves.get(where);
    if (curve) curve.push(r);
    else curves.set(where, [r]);
  }
  return [...curves].flatMap(([where, curve]) => energyOrderWarnings(curve).map((w) => `${where}: ${w}`));
}

/** Every warning of a set of rows plus per-unit warnings and the curves' energy order, deduplicated. */
export function allWarnings(rows: Row[], unitWarnings: string[]): string[] {
  return [...new Set([...unitWarnings, ...rows.flatMap(rowWarningsWithPlace), ...curveOrderWarnings(rows)])];
}
