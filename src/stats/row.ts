/**
 * The one row type of every result: one temperature (and, in grid sweeps, one size and one set of
 * Hamiltonian parameters) with its per-site quantities and error bars. Every method (exact,
 * analytic DBM, trained network) and every output (`--json`, data.json, data.csv) uses it.
 *
 * Conventions (docs/design.md): k_B = 1, quantities per site, energies in the units of the model's
 * couplings. An `_err` of 0 means exact to rounding. Fields a method cannot give are absent, never
 * NaN or null in memory (files write absent fields as empty CSV cells).
 */
export interface Row {
  /** Temperature T = 1/beta. */
  T: number;
  /** Energy per site <H>/N, and its standard error. */
  e: number;
  e_err: number;
  /** Specific heat per site beta^2 (<H^2> - <H>^2)/N, and its standard error. */
  c: number;
  c_err: number;
  /** Uniform susceptibility per site. */
  chi?: number;
  chi_err?: number;
  /** Magnetization moments, m = sum_i sz_i / N (Pauli sz, eigenvalues ±1). */
  m2?: number;
  m2_err?: number;
  m4?: number;
  m4_err?: number;
  m_abs?: number;
  m_abs_err?: number;
  /** Binder cumulant U4 = 1 - <m^4> / (3 <m^2>^2), by jackknife. */
  binder?: number;
  binder_err?: number;
  /** Energy and specific heat from the thermodynamic (ring) estimators of the analytic DBM. */
  e_ring?: number;
  e_ring_err?: number;
  c_ring?: number;
  c_ring_err?: number;
  /** Effective number of independent samples behind `e` (samples / 2 tau_int). */
  n_eff?: number;
  /** Which method produced the row (sweeps and merged result sets). */
  method?: string;
  /** Linear size, in sweeps over sizes. */
  L?: number;
  /** The value of the varied Hamiltonian parameter, in sweeps over a coupling. */
  param?: number;
  /** Exact values and deviations (value - exact) / error, added by sweeps for comparison. */
  e_exact?: number;
  c_exact?: number;
  e_dev_sigma?: number;
  c_dev_sigma?: number;
}

/** The keys of {@link Row}, in the column order of data.csv. */
export const ROW_KEYS = [
  'method', 'L', 'param', 'T', 'e', 'e_err', 'c', 'c_err', 'chi', 'chi_err', 'm2', 'm2_err', 'm4', 'm4_err',
  'm_abs', 'm_abs_err', 'binder', 'binder_err', 'e_ring', 'e_ring_err', 'c_ring', 'c_ring_err',
  'n_eff', 'e_exact', 'c_exact', 'e_dev_sigma', 'c_dev_sigma',
] as const satisfies ReadonlyArray<keyof Row>;

/** An exact point without error bars (what a spectrum gives). */
export type ExactPoint = Pick<Row, 'T' | 'e' | 'c'>;
