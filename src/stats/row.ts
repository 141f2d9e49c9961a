/**
 * The one row type of every result: one temperature (and, in grid sweeps, one size and one set of
 * Hamiltonian parameters) with its per-site quantities and error bars. Every method (exact,
 * analytic DBM, trained network) and every output (`--json`, data.json, data.csv) uses it.
 *
 * Conventions (docs/design.md): k_B = 1, quantities per site, energies in the units of the model's
 * couplings. An `_err` of 0 means exact to rounding. Fields a method cannot give are absent, never
 * NaN or null in memory (files write absent fields as empty CSV cells).
 */
// A type alias rather than an interface so that a Row is assignable to Record<string, unknown>
// (interfaces are not), which is what generic writers (JSON, CSV) take.
export type Row = {
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
  /**
   * Which estimator `c` is (analytic DBM): 'two-copy' (E_A E_B over the two copies, the smaller
   * Trotter error) or 'ring' (thermodynamic); after dt^2 extrapolation the one with the smaller
   * error bar. The two-copy value is also in `c_two_copy`.
   */
  c_estimator?: string;
  c_two_copy?: number;
  c_two_copy_err?: number;
  /**
   * The trained TFIM network's `c` is the energy-flow estimator beta^2 F^T (S + shift)^{-1} F / N
   * (-beta^2 d<H>/dbeta along the trajectory; train/flow-heat.ts); `c_var` is the variance
   * estimator beta^2 Var(E_loc)/N of the represented state, which also picks up the residual of
   * the variational projection (too high at the lowest temperatures).
   */
  c_var?: number;
  c_var_err?: number;
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
  /** The same for the susceptibility, where both the row and the exact row have it. */
  chi_exact?: number;
  chi_dev_sigma?: number;
  /** Integrated autocorrelation time of the energy series, in measurements. */
  tau_e?: number;
  /** Measurements behind the row (all chains). */
  samples?: number;
  /** Sweeps between measurements used for the row (analytic DBM). */
  thin?: number;
  /** Trotter step and number of Trotter steps n of the analytic network (absent after dt^2 extrapolation). */
  dt?: number;
  slices?: number;
  /** dt^2 extrapolation: the Trotter steps used, space-separated. */
  extrapolated_from?: string;
  /**
   * Remaining Trotter bias of `e` (and `m2` with `m2_trotter_bias`, `binder` with
   * `binder_trotter_bias`): the difference between the extrapolated value and the value at the
   * finest dt measured, a measured bound on what the finest run alone would be off by.
   */
  e_trotter_bias?: number;
  m2_trotter_bias?: number;
  binder_trotter_bias?: number;
  /**
   * Equal-time correlation C(r) = <sz_i sz_{i + r a1}> per site, r = 0 .. floor(L1/2), averaged over
   * sites, over every lattice direction equivalent to a1 (both axes of a square Lx = Ly lattice) and
   * over every ring slice where valid; with errors.
   */
  corr?: number[];
  corr_err?: number[];
  /**
   * Static structure factor S(q) = (1/N) <|sum_j sz_j e^{i q . r_j}|^2> at q = 2 pi k / L1 along a1,
   * k = 0 .. floor(L1/2) (S(0) = N m2), averaged like `corr`; with errors.
   */
  sq?: number[];
  sq_err?: number[];
  /** Suspicious numbers in this row (see stats/warnings.ts); absent when there are none. */
  warnings?: string[];
  /** Trained network: measurement batches, the two energy estimators and which one `e` is. */
  measure_batches?: number;
  e_loc?: number;
  e_loc_err?: number;
  e_rb?: number;
  e_rb_err?: number;
  e_estimator?: string;
  /** Inverse temperature, where a method reports it. */
  beta?: number;
};

/** The keys of {@link Row}, in the column order of data.csv. */
export const ROW_KEYS = [
  'method', 'L', 'param', 'T', 'e', 'e_err', 'c', 'c_err', 'chi', 'chi_err', 'm2', 'm2_err', 'm4', 'm4_err',
  'm_abs', 'm_abs_err', 'binder', 'binder_err', 'e_ring', 'e_ring_err', 'c_ring', 'c_ring_err', 'c_two_copy', 'c_two_copy_err', 'c_var', 'c_var_err',
  'n_eff', 'e_exact', 'c_exact', 'e_dev_sigma', 'c_dev_sigma', 'chi_exact', 'chi_dev_sigma', 'e_trotter_bias', 'm2_trotter_bias', 'binder_trotter_bias',
] as const satisfies ReadonlyArray<keyof Row>;

/** An exact point without error bars (what a spectrum gives). */
export type ExactPoint = Pick<Row, 'T' | 'e' | 'c'>;
