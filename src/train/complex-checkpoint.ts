/**
 * The checkpoint file of the complex network (purified-dbm/complex-train-checkpoint@2), the
 * counterpart of checkpoint.ts for xxz models: parameters (real and imaginary parts), driver state
 * and rows so far, and every chain's configuration, RNG state and counters at a step boundary,
 * with a SHA-256 checksum of the content (util/checked-json.ts). Reading it back validates
 * everything before any work starts: a corrupt, truncated, empty, edited or foreign file, a
 * non-numeric or null parameter, a chain count or configuration that does not fit the run, or a
 * checkpoint of another model, other temperatures or other options is one InputError line naming
 * the file and the field. The trap this guards against (as in checkpoint.ts):
 * Float64Array.from([.., null, ..]) silently reads null as 0, and a resumed run then looks healthy
 * while its numbers are wrong.
 *
 * Format @2: rows carry c from the energy flow and c_var beside it; an @1 file (c was the
 * variance) is refused rather than continued with rows of two kinds. The susceptibility chi came
 * later and is optional: a run resumed from a file without it has no chi at the temperatures
 * measured before (nothing else differs, so the file is continued rather than refused).
 */
import { z } from 'zod';
import { writeChecksummedJson } from '../util/checked-json.ts';
import type { ModelSpec } from '../model/model.ts';
import type { Row } from '../stats/row.ts';
import type { ComplexChainState } from './complex-worker.ts';
import { checkChainStates, openCheckpoint } from './checkpoint.ts';

/** Format tag of the complex network's checkpoint files. */
export const COMPLEX_CHECKPOINT_FORMAT = 'purified-dbm/complex-train-checkpoint@2';

/** Driver state of the complex network at a step boundary (what a checkpoint holds besides the chains). */
export interface ComplexDriverState {
  /** Parameters, real and imaginary parts (ComplexNet.re, .im). */
  re: Float64Array;
  im: Float64Array;
  /** Current inverse temperature. */
  beta: number;
  /** Heun steps taken, and how many of them the metric bound shortened. */
  steps: number;
  distanceLimited: number;
  /** Index of the next temperature to measure, in ascending-beta order. */
  next: number;
  /** Rows by ascending-beta index; null until reached. */
  rows: Array<Row | null>;
  /** Warnings of the measurements so far. */
  warnings: string[];
  /** Largest absolute diagonal shift the SR solver had to raise to so far. */
  maxShiftAbs: number;
  /** Metropolis proposals accepted and made so far, all chains. */
  accepted: number;
  proposed: number;
}

// Non-finite numbers are written as null by JSON.stringify: refusing them here (rather than
// reading null as 0) is the point of validating.
const num = z.number().refine(Number.isFinite, 'expected a finite number');
const count = z.number().int().nonnegative();
const rowSchema = z.strictObject({
  T: num, beta: num, e: num, e_err: num, c: num, c_err: num, chi: num.optional(), chi_err: num.optional(), c_var: num.optional(), c_var_err: num.optional(),
  n_eff: num.optional(), tau_e: num.optional(), samples: count.optional(), measure_batches: count.optional(), warnings: z.array(z.string()).optional(),
});
const schema = z.strictObject({
  format: z.literal(COMPLEX_CHECKPOINT_FORMAT),
  model: z.unknown(),
  betas: z.array(num),
  options: z.record(z.string(), z.unknown()),
  parameters: z.number().int().positive(),
  state: z.strictObject({
    re: z.array(num),
    im: z.array(num),
    beta: num.positive(),
    steps: count,
    distanceLimited: count,
    next: count,
    rows: z.array(rowSchema.nullable()),
    warnings: z.array(z.string()),
    maxShiftAbs: num.nonnegative(),
    accepted: count,
    proposed: count,
  }),
  chains: z.array(z.strictObject({
    chain: count, x: z.string(), rng: z.array(z.number().int()).length(4), accepted: count, proposed: count,
  })).nullable(),
});

/** What a run of the complex network expects of its checkpoint. */
export interface ComplexCheckpointContext {
  model: ModelSpec;
  /** Inverse temperatures of the run, ascending (one per requested temperature). */
  betas: number[];
  /** The options that change the numbers (must match exactly). */
  options: Record<string, unknown>;
  /** Parameters of the network (complex; re and im have this length each). */
  P: number;
  /** Chains of the run (0: exact moments, no chains) and sites N (a configuration has 2N units). */
  chains: number;
  sites: number;
}

/** Writes the checkpoint atomically with its checksum; `chains` is null for exact moments or a finished run. */
export function writeComplexCheckpoint(path: string, ctx: ComplexCheckpointContext, st: ComplexDriverState, chains: ComplexChainState[] | null): void {
  writeChecksummedJson(path, {
    format: COMPLEX_CHECKPOINT_FORMAT, model: ctx.model, betas: ctx.betas, options: ctx.options, parameters: ctx.P,
    state: {
      re: Array.from(st.re), im: Array.from(st.im), beta: st.beta, steps: st.steps, distanceLimited: st.distanceLimited, next: st.next,
      rows: st.rows, warnings: st.warnings, maxShiftAbs: st.maxShiftAbs, accepted: st.accepted, proposed: st.proposed,
    },
    chains,
  });
}

/**
 * Reads and validates a checkpoint of the complex network for `ctx`; throws
 * InputError("<path>: <field>: <problem>") (also for a missing file). Nothing is written.
 */
export function readComplexCheckpoint(path: string, ctx: ComplexCheckpointContext): { state: ComplexDriverState; chains: ComplexChainState[] | null } {
  const { ck, fail } = openCheckpoint(path, schema, ctx);
  const s = ck.state;
  if (s.re.length !== ctx.P) fail('state.re', `${s.re.length} values, the network has ${ctx.P} parameters`);
  if (s.im.length !== ctx.P) fail('state.im', `${s.im.length} values, the network has ${ctx.P} parameters`);
  if (s.distanceLimited > s.steps) fail('state.distanceLimited', `${s.distanceLimited} is more than the ${s.steps} steps`);
  if (s.accepted > s.proposed) fail('state.accepted', `${s.accepted} is more than the ${s.proposed} proposals`);
  const nb = ctx.betas.length;
  if (s.next > nb) fail('state.next', `${s.next} is beyond the ${nb} temperatures`);
  if (s.rows.length !== nb) fail('state.rows', `${s.rows.length} entries, expected ${nb}`);
  for (let k = 0; k < nb; k++) {
    const r = s.rows[k];
    if ((r === null) !== (k >= s.next)) fail(`state.rows[${k}]`, 'rows do not match state.next');
    if (r && r.beta !== ctx.betas[k]) fail(`state.rows[${k}].beta`, `${r.beta}, expected ${ctx.betas[k]}`);
  }
  if (s.next < nb && s.beta > ctx.betas[s.next]) fail('state.beta', `${s.beta} is past the next temperature's beta ${ctx.betas[s.next]}`);
  const chains = ck.chains;
  if (s.next < nb) {
    const N = ctx.sites;
    checkChainStates(path, chains, ctx.chains, 2 * N).forEach((x, i) => {
      const c = chains![i];
      if (c.accepted > c.proposed) fail(`chains[${i}].accepted`, `${c.accepted} is more than the ${c.proposed} proposals`);
      // The amplitude vanishes outside Sz(s) = Sz(a), and the moves never leave that sector.
      let sz = 0;
      for (let v = 0; v < N; v++) sz += x[v] - x[N + v];
      if (sz !== 0) fail(`chains[${i}].x`, 'configuration outside the Sz(s) = Sz(a) sector');
    });
  }
  return {
    state: {
      re: Float64Array.from(s.re), im: Float64Array.from(s.im), beta: s.beta, steps: s.steps, distanceLimited: s.distanceLimited, next: s.next,
      rows: s.rows, warnings: s.warnings, maxShiftAbs: s.maxShiftAbs, accepted: s.accepted, proposed: s.proposed,
    },
    chains,
  };
}
