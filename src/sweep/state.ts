/**
 * The state file of a sweep (DIR/state.json): everything needed to resume a sweep and to merge
 * shards (model, options, finished rows, failures, per-unit notes), written atomically after every
 * unit with a SHA-256 checksum of its content. Read back, it is validated by a zod schema, and a
 * file that was edited (a row removed by hand), truncated, emptied or written by another program
 * is refused with one line naming the file and the field.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { readChecksummedJson, writeChecksummedJson } from '../util/checked-json.ts';
import type { Row } from '../stats/row.ts';
import { ROW_KEYS } from '../stats/row.ts';
import type { ModelSpec } from '../model/model.ts';

export const STATE_FORMAT = 'purified-dbm/sweep-state@2';
export const STATE_FILE = 'state.json';

const num = z.number().refine(Number.isFinite, 'expected a finite number');

/** A data row as stored: the {@link Row} fields, T, e, c and their errors required. */
export const RowSchema = z.strictObject(
  Object.fromEntries(
    ROW_KEYS.map((k) => [k, k === 'method' ? z.string().optional() : ['T', 'e', 'e_err', 'c', 'c_err'].includes(k) ? num : num.optional()]),
  ) as unknown as Record<string, z.ZodType>,
);

const FailureSchema = z.strictObject({ unit: z.string(), T: num.nullable(), error: z.string() });

/** Per-unit notes kept outside the data rows: warnings and method details (dt, slices, solver). */
const UnitInfoSchema = z.strictObject({ warnings: z.array(z.string()), details: z.array(z.record(z.string(), z.unknown())) });

const ShardSchema = z.strictObject({ index: z.number().int().min(0), count: z.number().int().min(1) });

/** A grid sweep's sizes, varied parameter and beta per L (see sweep.ts `gridInfo`). */
export const GridSchema = z.strictObject({
  sizes: z.array(z.number().int().min(1)).min(1).nullable(),
  parameter: z.string().nullable(),
  values: z.array(num).min(1).nullable(),
  beta_per_L: num.nullable(),
});

export type GridInfo = z.infer<typeof GridSchema>;

export const StateSchema = z.strictObject({
  format: z.literal(STATE_FORMAT),
  /** JSON of everything that determines the numbers (see sweep.ts `fingerprint`). */
  fingerprint: z.string(),
  model: z.looseObject({ name: z.string(), lattice: z.looseObject({ kind: z.string() }), hamiltonian: z.looseObject({ kind: z.string() }) }),
  methods: z.array(z.enum(['exact', 'dbm', 'train'])).min(1),
  temps: z.array(num).min(1),
  logT: z.boolean(),
  shard: ShardSchema,
  rows: z.array(RowSchema),
  done: z.array(z.string()),
  failures: z.array(FailureSchema),
  seconds: z.record(z.string(), num),
  info: z.record(z.string(), UnitInfoSchema),
  /** Grid sweeps only (absent in temperature sweeps). */
  grid: GridSchema.optional(),
  /** The exact unit's fine curve for the plots (temperature sweeps with the exact method). */
  exactCurve: z.array(z.strictObject({ T: num, e: num, c: num })).optional(),
});

export interface UnitInfo {
  warnings: string[];
  details: Array<Record<string, unknown>>;
}

export interface SweepState {
  format: typeof STATE_FORMAT;
  fingerprint: string;
  model: ModelSpec;
  methods: Array<'exact' | 'dbm' | 'train'>;
  temps: number[];
  logT: boolean;
  shard: { index: number; count: number };
  rows: Row[];
  done: string[];
  failures: Array<{ unit: string; T: number | null; error: string }>;
  seconds: Record<string, number>;
  info: Record<string, UnitInfo>;
  grid?: GridInfo;
  exactCurve?: Array<{ T: number; e: number; c: number }>;
}

/** Reads and checks DIR/state.json (checksum, then schema); null when there is none. */
export function readState(dir: string): SweepState | null {
  const path = join(dir, STATE_FILE);
  if (!existsSync(path)) return null;
  return readChecksummedJson(path, StateSchema) as unknown as SweepState;
}

/** Writes DIR/state.json atomically with its checksum. */
export function writeState(dir: string, state: SweepState): void {
  writeChecksummedJson(join(dir, STATE_FILE), state as unknown as Record<string, unknown>);
}

/**
 * A method's row as a {@link Row}: only the Row fields, only finite numbers (a method's extra
 * fields such as dt, slices or solver go to the unit's details instead).
 */
export function toRow(r: Record<string, unknown>, method: string): { row: Row; details: Record<string, unknown> } {
  // Keys in ROW_KEYS order, whatever the method's order: a row read back from state.json (which
  // the schema returns in that order) then serializes exactly like a fresh one.
  const row: Record<string, unknown> = {};
  for (const k of ROW_KEYS) {
    const v = k === 'method' ? method : r[k];
    if (k === 'method' || (typeof v === 'number' && Number.isFinite(v))) row[k] = v;
  }
  const details: Record<string, unknown> = { T: r.T };
  for (const [k, v] of Object.entries(r)) {
    if (!(ROW_KEYS as readonly string[]).includes(k) && k !== 'warnings' && v !== null && v !== undefined) details[k] = v;
  }
  return { row: row as unknown as Row, details };
}
