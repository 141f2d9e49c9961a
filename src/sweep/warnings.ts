/**
 * Warnings about suspicious numbers, gathered from every method's result and from the rows
 * themselves, so that none is printed silently: a negative or insignificant specific heat, too few
 * effective samples, and whatever the methods report (tau_int window not converged, CG at its
 * cap, raised diagonal shift) in `warnings` / `meta.warnings`.
 */
import type { Row } from '../stats/row.ts';

/** Fewer effective samples than this behind a value make its error bar itself uncertain by > 10%. */
export const MIN_EFFECTIVE_SAMPLES = 100;

const fmt = (x: number) => String(Number(x.toPrecision(3)));
const tfmt = (T: number) => String(Number(T.toPrecision(5)));

/** Strings found in `warnings` of a result, of its `meta`, and of each of its rows (deduplicated, in order). */
export function collectWarnings(result: unknown): string[] {
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

/** Warnings that follow from a sampled row alone (exact rows, with zero error bars, get none). */
export function rowWarnings(r: Row): string[] {
  const out: string[] = [];
  const where = `${r.method ? `${r.method} ` : ''}T = ${tfmt(r.T)}`;
  if (r.c_err > 0 || r.e_err > 0) {
    if (r.c < 0) out.push(`${where}: negative specific heat c = ${fmt(r.c)} ± ${fmt(r.c_err)} (unphysical: noise or a biased estimator)`);
    else if (r.c < 2 * r.c_err) out.push(`${where}: specific heat not significant, c = ${fmt(r.c)} ± ${fmt(r.c_err)} (less than 2 error bars from 0)`);
    if (r.n_eff !== undefined && r.n_eff < MIN_EFFECTIVE_SAMPLES) {
      out.push(`${where}: only ${fmt(r.n_eff)} effective samples (< ${MIN_EFFECTIVE_SAMPLES}): the error bars are unreliable`);
    }
  }
  return out;
}

/** Every warning of a set of rows plus per-unit warnings, deduplicated. */
export function allWarnings(rows: Row[], unitWarnings: string[]): string[] {
  return [...new Set([...unitWarnings, ...rows.flatMap(rowWarnings)])];
}
