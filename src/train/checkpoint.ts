/**
 * The train checkpoint file (purified-dbm/train-checkpoint@2): parameters, driver state, rows so
 * far and every chain's configuration and RNG state at a step boundary, with a SHA-256 checksum
 * of the content (util/checked-json.ts). Reading it back validates everything before any work
 * starts: a corrupt, truncated, empty, edited or foreign file, a non-numeric or null parameter, a
 * chain count or configuration that does not fit the run, or a checkpoint of another model, other
 * temperatures or other options is one InputError line naming the file and the field.
 * The trap this guards against: Float64Array.from([.., null, ..]) silently reads null as 0, and a
 * resumed run then looks healthy while e is off by a hundred error bars.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { readChecksummedJson, writeChecksummedJson } from '../util/checked-json.ts';
import { InputError } from '../util/errors.ts';
import type { ModelSpec } from '../model/model.ts';
import type { Row } from '../stats/row.ts';
import type { TrainPoint } from './measure.ts';
import { decodeConfig, type ChainState } from './worker.ts';

export const CHECKPOINT_FORMAT = 'purified-dbm/train-checkpoint@2';

/** Driver state at a step boundary (what a checkpoint holds besides the chains). */
export interface DriverState {
  theta: Float64Array;
  beta: number;
  step: number;
  /** Last step taken (0 before the first). */
  dbeta: number;
  /** Next step proposed by the adaptive step control (0: none yet, or fixed schedule). */
  dbetaNext: number;
  oRef: Float64Array;
  eRef: number;
  /** Index of the next requested beta (ascending order). */
  next: number;
  /** Rows and their diagnostics by ascending-beta index; null until reached. */
  rows: Array<Row | null>;
  points: Array<TrainPoint | null>;
  /** Warnings of the measurements so far. */
  warnings: string[];
  /** Solves so far: how many hit the CG cap (largest residual), how many needed a raised shift (largest shift). */
  solves: { count: number; cgCapped: number; maxResidual: number; shiftRaised: number; maxShiftAbs: number };
}

const num = z.number();
const rowSchema = z.object({
  T: num, e: num, e_err: num, c: num, c_err: num,
  m2: num.optional(), m2_err: num.optional(), m_abs: num.optional(), m_abs_err: num.optional(), n_eff: num.optional(), c_var: num.optional(), c_var_err: num.optional(),
}).strict();
const pointSchema = z.object({
  T: num, beta: num, steps: z.number().int().nonnegative(), measure_batches: z.number().int().nonnegative(),
  samples: z.number().int().nonnegative(), e_estimator: z.enum(['e_loc', 'rao-blackwell', 'exact']),
  e_loc: num, e_loc_err: num, e_rb: num, e_rb_err: num, tau_e: num, tau_converged: z.boolean(),
}).strict();
const schema = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  model: z.unknown(),
  betas: z.array(num),
  options: z.record(z.string(), z.unknown()),
  parameters: z.number().int().positive(),
  state: z.object({
    theta: z.array(num),
    beta: num.positive(),
    step: z.number().int().nonnegative(),
    dbeta: num.nonnegative(),
    dbetaNext: num.nonnegative(),
    oRef: z.array(num),
    eRef: num,
    next: z.number().int().nonnegative(),
    rows: z.array(rowSchema.nullable()),
    points: z.array(pointSchema.nullable()),
    warnings: z.array(z.string()),
    solves: z.object({
      count: z.number().int().nonnegative(), cgCapped: z.number().int().nonnegative(), maxResidual: num,
      shiftRaised: z.number().int().nonnegative(), maxShiftAbs: num,
    }).strict(),
  }).strict(),
  chains: z.array(z.object({ chain: z.number().int().nonnegative(), x: z.string(), rng: z.array(z.number().int()).length(4) }).strict()).nullable(),
}).strict();

/** What a run expects of its checkpoint. */
export interface CheckpointContext {
  model: ModelSpec;
  betas: number[];
  /** The options that change the numbers (must match exactly). */
  options: Record<string, unknown>;
  /** Parameters of the network. */
  P: number;
  /** Chains of the run (0: exact moments, no chains) and nodes of each chain's configuration. */
  chains: number;
  nodes: number;
}

/** Writes the checkpoint atomically with its checksum. */
export function writeCheckpoint(path: string, ctx: CheckpointContext, st: DriverState, chains: ChainState[] | null): void {
  writeChecksummedJson(path, {
    format: CHECKPOINT_FORMAT, model: ctx.model, betas: ctx.betas, options: ctx.options, parameters: ctx.P,
    state: {
      theta: Array.from(st.theta), beta: st.beta, step: st.step, dbeta: st.dbeta, dbetaNext: st.dbetaNext, oRef: Array.from(st.oRef), eRef: st.eRef,
      next: st.next, rows: st.rows, points: st.points, warnings: st.warnings, solves: st.solves,
    },
    chains,
  });
}

/**
 * Reads and validates a checkpoint for `ctx`; throws InputError("<path>: <field>: <problem>").
 * Nothing is written.
 */
export function readCheckpoint(path: string, ctx: CheckpointContext): { state: DriverState; chains: ChainState[] | null } {
  const { ck, fail } = openCheckpoint(path, schema, ctx);
  const s = ck.state;
  if (s.theta.length !== ctx.P) fail('state.theta', `${s.theta.length} values, the network has ${ctx.P} parameters`);
  if (s.oRef.length !== ctx.P) fail('state.oRef', `${s.oRef.length} values, expected ${ctx.P}`);
  const nb = ctx.betas.length;
  if (s.next > nb) fail('state.next', `${s.next} is beyond the ${nb} temperatures`);
  if (s.rows.length !== nb || s.points.length !== nb) fail('state.rows', `expected ${nb} entries`);
  for (let k = 0; k < nb; k++) {
    if ((s.rows[k] === null) !== (k >= s.next) || (s.points[k] === null) !== (k >= s.next)) fail(`state.rows[${k}]`, 'rows do not match state.next');
  }
  if (s.next < nb && s.beta > ctx.betas[s.next]) fail('state.beta', `${s.beta} is past the next temperature's beta ${ctx.betas[s.next]}`);
  const chains = ck.chains;
  if (s.next < nb) checkChainStates(path, chains, ctx.chains, ctx.nodes);
  return {
    state: {
      theta: Float64Array.from(s.theta), beta: s.beta, step: s.step, dbeta: s.dbeta, dbetaNext: s.dbetaNext, oRef: Float64Array.from(s.oRef), eRef: s.eRef,
      next: s.next, rows: s.rows, points: s.points, warnings: s.warnings, solves: s.solves,
    },
    chains,
  };
}

/** A thrower of InputError("<path>: <field>: <problem>"), the one message shape of checkpoint problems. */
export function checkpointFailure(path: string): (field: string, msg: string) => never {
  return (field, msg) => {
    throw new InputError(`${path}: ${field}: ${msg}`);
  };
}

/**
 * Reads a checkpoint file of either network: refuses a missing file, checks the checksum and the
 * schema (readChecksummedJson), then that it belongs to this run (checkSameRun) and has `ctx.P`
 * parameters. Returns the content and the field-naming thrower for the caller's further checks.
 */
export function openCheckpoint<S extends z.ZodType<{ model: unknown; betas: number[]; options: Record<string, unknown>; parameters: number }>>(
  path: string, schema: S, ctx: { model: ModelSpec; betas: number[]; options: Record<string, unknown>; P: number },
): { ck: z.output<S>; fail: (field: string, msg: string) => never } {
  if (!existsSync(path)) throw new InputError(`--resume: checkpoint file ${path} does not exist`);
  const ck = readChecksummedJson(path, schema);
  const fail = checkpointFailure(path);
  checkSameRun(path, ck, ctx);
  if (ck.parameters !== ctx.P) fail('parameters', `${ck.parameters}, the network has ${ctx.P}`);
  return { ck, fail };
}

/**
 * Checks that a checkpoint read from `path` belongs to this run: same model, same inverse
 * temperatures, and the same options: every option of `ctx.options` equal (JSON comparison) and
 * none recorded besides them; InputError naming the field otherwise. Shared by the real (this
 * file) and the complex network (complex-checkpoint.ts).
 */
export function checkSameRun(
  path: string,
  ck: { model: unknown; betas: number[]; options: Record<string, unknown> },
  ctx: { model: ModelSpec; betas: number[]; options: Record<string, unknown> },
): void {
  const fail = checkpointFailure(path);
  if (JSON.stringify(ck.model) !== JSON.stringify(ctx.model)) fail('model', 'the checkpoint was made for another model');
  if (JSON.stringify(ck.betas) !== JSON.stringify(ctx.betas)) fail('betas', 'the checkpoint was made for other temperatures');
  for (const [k, v] of Object.entries(ctx.options)) {
    if (JSON.stringify(ck.options[k]) !== JSON.stringify(v)) fail(`options.${k}`, `the checkpoint was made with ${k in ck.options ? JSON.stringify(ck.options[k]) : 'it off (not recorded)'}, this run has ${JSON.stringify(v)}`);
  }
  // Options recorded only when on (complex-driver.ts, recordedKey): one the checkpoint has and this
  // run does not is a run with it off.
  for (const k of Object.keys(ck.options)) {
    if (!(k in ctx.options)) fail(`options.${k}`, `the checkpoint was made with ${JSON.stringify(ck.options[k])}, this run has it off`);
  }
}

/**
 * Checks the saved chains of an unfinished run: `count` chains (0: exact moments, nothing to
 * check) in chain order, each a +-1 configuration of `nodes` units; returns the decoded
 * configurations (chain order). InputError naming the field otherwise.
 */
export function checkChainStates(path: string, chains: ChainState[] | null, count: number, nodes: number): Int8Array[] {
  const fail = checkpointFailure(path);
  if (count === 0) return [];
  if (chains === null) fail('chains', `missing; the run has ${count} chains`);
  if (chains!.length !== count) fail('chains', `${chains!.length} chains, the run has ${count}`);
  return chains!.map((c, i) => {
    if (c.chain !== i) fail(`chains[${i}].chain`, `${c.chain}, expected ${i}`);
    try {
      return decodeConfig(c.x, nodes);
    } catch (e) {
      return fail(`chains[${i}].x`, (e as Error).message);
    }
  });
}

/**
 * Checks before any work that `path` can be written: its directory exists and is writable and
 * `path` is not a directory. `flag` names the option in the message.
 */
export function checkOutputFile(path: string, flag: string): void {
  const dir = dirname(path);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`${flag} ${path}: directory ${dir} does not exist`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new InputError(`${flag} ${path}: directory ${dir} is not writable`);
  }
  if (existsSync(path) && statSync(path).isDirectory()) throw new InputError(`${flag} ${path}: is a directory`);
}
