/**
 * Suspicious numbers become warnings, never silence. One rule set for every method, so that the
 * analytic DBM, the trained network and sweeps say the same thing about the same number:
 *
 * - specific heat: negative (c < 0), or consistent with zero (c < 2 c_err) — a heat capacity is
 *   positive, so either the error bar is too large to say anything or something is wrong;
 * - the integrated autocorrelation time's window (Sokal) did not converge or the series is shorter
 *   than 50 tau_int: tau_int and any error bar that relies on it are likely underestimates;
 * - fewer than {@link MIN_EFFECTIVE_SAMPLES} effective samples behind `e`: the error bar itself
 *   is uncertain by more than ~7%, and the central limit behind it is doubtful;
 * - across the rows of one curve, an energy that falls as T rises ({@link energyOrderWarnings}).
 * A row's own warnings (`row.warnings`) do not repeat its temperature; {@link collectWarnings}
 * prefixes `T = <T>: ` (String(T)) for `meta.warnings`, e.g.
 * `T = 0.5: negative specific heat c = -0.356 ± 0.24 (unphysical: noise or a biased estimator)`.
 */
import type { Row } from './row.ts';

/** Fewer effective samples than this behind a row's energy is warned about. */
export const MIN_EFFECTIVE_SAMPLES = 100;

/** What a method knows about its series beyond the row itself. */
export interface RowDiagnostics {
  /**
   * Observables whose tau_int window did not converge (names as in the row, e.g. 'e', 'm2').
   * Leave empty or absent when all converged.
   */
  unconverged?: string[];
  /** Effective samples behind `e` when the row has no `n_eff` (the row's value wins). */
  nEff?: number;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? Number(x.toPrecision(3)).toString() : String(x);
}

/**
 * The warnings of one row (empty when nothing is suspicious). Rows with zero error bars (exact
 * methods) only get the negative-c check.
 */
export function rowWarnings(row: Row, diag: RowDiagnostics = {}): string[] {
  const out: string[] = [];
  // Wording shared with the sweep's report (identical strings are deduplicated there).
  if (row.c < 0 && !(row.c_err === 0 && row.c > -1e-12)) {
    out.push(`negative specific heat c = ${fmt(row.c)} ± ${fmt(row.c_err)} (unphysical: noise or a biased estimator)`);
  } else if (row.c_err > 0 && row.c < 2 * row.c_err) {
    out.push(`specific heat not significant, c = ${fmt(row.c)} ± ${fmt(row.c_err)} (less than 2 error bars from 0)`);
  }
  const unconv = diag.unconverged ?? [];
  if (unconv.length > 0) {
    out.push(`the autocorrelation window of ${unconv.join(', ')} did not converge (series shorter than 50 tau_int): tau_int and n_eff are likely underestimates; run longer chains`);
  }
  const nEff = row.n_eff ?? diag.nEff;
  if (nEff !== undefined && row.e_err > 0 && nEff < MIN_EFFECTIVE_SAMPLES) {
    out.push(`only ${fmt(nEff)} effective samples (< ${MIN_EFFECTIVE_SAMPLES}): the error bars are unreliable`);
  }
  return out;
}

/** An energy inversion beyond this many combined error bars is warned about. */
export const ORDER_SIGMAS = 4;

/**
 * Warnings about rows whose energies are out of thermal order: e(T) must rise with T (de/dT = c >= 0),
 * so a row whose `e` lies above that of a row at a higher temperature by more than
 * {@link ORDER_SIGMAS} combined bars (sqrt(e_err^2 + e_err'^2)) cannot both be right. One warning per
 * lower-temperature row, naming its most significant inversion, prefixed `T = <String(T)>: ` as in
 * {@link collectWarnings}. Rows of one curve only (one method, size and parameter); rows without
 * error bars (exact methods) are never compared with each other.
 */
export function energyOrderWarnings(rows: Row[]): string[] {
  const out: string[] = [];
  for (const lo of rows) {
    let worst: { hi: Row; z: number } | null = null;
    for (const hi of rows) {
      if (!(hi.T > lo.T)) continue;
      const err = Math.hypot(lo.e_err, hi.e_err);
      if (!(err > 0)) continue;
      const z = (lo.e - hi.e) / err;
      if (z > ORDER_SIGMAS && (!worst || z > worst.z)) worst = { hi, z };
    }
    if (worst) {
      out.push(
        `T = ${String(lo.T)}: e = ${fmt(lo.e)} lies above e = ${fmt(worst.hi.e)} at the higher T = ${fmt(worst.hi.T)} by ${fmt(worst.z)} error bars; ` +
          'the energy must rise with T (de/dT = c >= 0), so one of the two rows is wrong (a trained network: a far region of the amplitude or a failed evolution)',
      );
    }
  }
  return out;
}

/**
 * All rows' warnings in row order, each prefixed `T = <String(T)>: `, then `extra` (method-level
 * warnings), deduplicated: the list for `meta.warnings`.
 */
export function collectWarnings(rows: Row[], extra: string[] = []): string[] {
  return [...new Set([...rows.flatMap((r) => (r.warnings ?? []).map((w) => `T = ${String(r.T)}: ${w}`)), ...energyOrderWarnings(rows), ...extra])];
}
