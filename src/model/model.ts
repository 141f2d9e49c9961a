/**
 * Model files (models/*.json): a lattice and a Hamiltonian (TFIM or XXZ), validated on load. Every
 * error names the offending field, e.g. `model.hamiltonian.Gamma: expected a finite number, got "x"`.
 *
 * Hamiltonian numbers may be written as mathjs expressions over the other numeric fields of the
 * Hamiltonian (defaults included), e.g. `"Gamma": "3.04438 * J"` or `"J2": "J / 2"`; see
 * {@link evaluateFields}.
 */
import { readJsonFile } from '../util/checked-json.ts';
import { createRequire } from 'node:module';
import { InputError } from '../util/errors.ts';
import type { LatticeSpec } from './lattice.ts';

/** Transverse-field Ising model, Pauli matrices: H = -sum J_b sz sz - Gamma sum sx - h sum sz. */
export interface TfimSpec {
  kind: 'tfim';
  /** Ising coupling (J > 0 ferromagnetic); a graph bond's coupling is J * w. */
  J: number;
  /** Transverse field (coefficient of -sum sx). */
  Gamma: number;
  /** Longitudinal field (coefficient of -sum sz). */
  h: number;
  /** Absent: XXZ fields (declared so that code reading a field of either kind type-checks). */
  Delta?: undefined;
  J2?: undefined;
}

/**
 * XXZ / Heisenberg / J1-J2 model with spin-1/2 operators S = sigma/2:
 * H = sum_<ij> J w_ij [Delta Sz_i Sz_j + Sx_i Sx_j + Sy_i Sy_j] + sum_<<ij>> J2 w_ij S_i.S_j - h sum_i Sz_i.
 * The file's kind "heisenberg" is read as kind "xxz" with Delta = 1.
 */
export interface XxzSpec {
  kind: 'xxz';
  /** Nearest-neighbour exchange (J > 0 antiferromagnetic), default 1. */
  J: number;
  /** Anisotropy of the nearest-neighbour exchange, default 1 (isotropic Heisenberg). */
  Delta: number;
  /** Second-neighbour isotropic exchange, default 0. */
  J2: number;
  /** Field along z (coefficient of -sum Sz), default 0. */
  h: number;
  /** Absent: the TFIM's transverse field. */
  Gamma?: undefined;
}

export type HamiltonianSpec = TfimSpec | XxzSpec;

export interface ModelSpec {
  name: string;
  /** Free text shown in plot titles. */
  description?: string;
  lattice: LatticeSpec;
  hamiltonian: HamiltonianSpec;
}

const MAX_SITES = 4096;

function fail(field: string, msg: string): never {
  throw new InputError(`model.${field}: ${msg}`);
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

/** A plain JSON object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function finite(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(field, `expected a finite number, got ${show(v)}`);
  return v;
}

function int(v: unknown, field: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(field, `expected an integer >= ${min}, got ${show(v)}`);
  return v;
}

function noExtraKeys(o: Record<string, unknown>, allowed: string[], field: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) fail(field ? `${field}.${k}` : k, `unknown field (allowed: ${allowed.join(', ')})`);
  }
}

function parseBonds(v: unknown, field: string, sites: number): Array<[number, number, number]> {
  if (!Array.isArray(v)) fail(field, `expected an array of [i, j] or [i, j, w], got ${show(v)}`);
  return v.map((b, k): [number, number, number] => {
    const f = `${field}[${k}]`;
    if (!Array.isArray(b) || (b.length !== 2 && b.length !== 3)) fail(f, `expected [i, j] or [i, j, w], got ${show(b)}`);
    const i = int(b[0], `${f}[0]`, 0);
    const j = int(b[1], `${f}[1]`, 0);
    if (i >= sites || j >= sites) fail(f, `site index out of range 0..${sites - 1}`);
    if (i === j) fail(f, `a bond joins two different sites, got ${i} twice`);
    return [i, j, b.length === 3 ? finite(b[2], `${f}[2]`) : 1];
  });
}

function parseLattice(v: unknown): LatticeSpec {
  if (!isObject(v)) fail('lattice', `expected an object, got ${show(v)}`);
  const kind = v.kind;
  if (kind === 'graph') {
    noExtraKeys(v, ['kind', 'sites', 'bonds', 'bonds2'], 'lattice');
    const sites = int(v.sites, 'lattice.sites', 1);
    if (sites > MAX_SITES) fail('lattice.sites', `at most ${MAX_SITES} sites, got ${sites}`);
    const bonds = parseBonds(v.bonds, 'lattice.bonds', sites);
    if (v.bonds2 === undefined) return { kind: 'graph', sites, bonds };
    return { kind: 'graph', sites, bonds, bonds2: parseBonds(v.bonds2, 'lattice.bonds2', sites) };
  }
  if (kind !== 'chain' && kind !== 'square' && kind !== 'triangular') {
    fail('lattice.kind', `unknown lattice ${show(kind)} (known: chain, square, triangular, graph)`);
  }
  noExtraKeys(v, ['kind', 'size', 'boundary'], 'lattice');
  const dims = kind === 'chain' ? 1 : 2;
  if (!Array.isArray(v.size) || v.size.length !== dims) {
    fail('lattice.size', `expected ${dims === 1 ? '[L]' : '[Lx, Ly]'} for a ${kind}, got ${show(v.size)}`);
  }
  const size = v.size.map((s, k) => int(s, `lattice.size[${k}]`, 2));
  if (size.reduce((a, b) => a * b, 1) > MAX_SITES) fail('lattice.size', `at most ${MAX_SITES} sites`);
  const boundary = v.boundary ?? 'periodic';
  if (boundary !== 'periodic' && boundary !== 'open') fail('lattice.boundary', `expected "periodic" or "open", got ${show(boundary)}`);
  return { kind, size, boundary };
}

/** The numeric fields of each Hamiltonian kind, with their defaults (undefined: required). */
const FIELDS: Record<string, Record<string, number | undefined>> = {
  tfim: { J: 1, Gamma: undefined, h: 0 },
  xxz: { J: 1, Delta: 1, J2: 0, h: 0 },
  heisenberg: { J: 1, J2: 0, h: 0 },
};

let mathjs: { evaluate: (expr: string, scope: Record<string, number>) => unknown } | undefined;
/** mathjs takes ~0.5 s to load: only when a model actually contains an expression. */
function loadMathjs(): NonNullable<typeof mathjs> {
  mathjs ??= createRequire(import.meta.url)('mathjs') as NonNullable<typeof mathjs>;
  return mathjs;
}

/**
 * Resolves numeric fields that may be mathjs expressions: `values[k]` is a finite number or a
 * string such as "3.04438 * J" evaluated with every other field of `values` and `defaults` in
 * scope (expressions may use fields that are expressions themselves, in any order; a cycle is an
 * error). The result must be a finite real number. Errors are InputErrors naming the field as
 * `${prefix}${k}`. Returns a plain record of numbers (defaults filled in).
 */
export function evaluateFields(
  values: Record<string, unknown>, defaults: Record<string, number | undefined>, prefix: string,
): Record<string, number> {
  const out: Record<string, number> = {};
  const pending = new Map<string, string>();
  for (const k of Object.keys(defaults)) {
    const v = values[k];
    if (v === undefined) {
      const d = defaults[k];
      if (d === undefined) throw new InputError(`${prefix}${k}: expected a finite number, got undefined`);
      out[k] = d;
    } else if (typeof v === 'string') {
      pending.set(k, v);
    } else if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new InputError(`${prefix}${k}: expected a finite number or an expression, got ${show(v)}`);
    } else out[k] = v;
  }
  // Evaluate what can be evaluated, pass after pass; a pass without progress means an unknown
  // symbol or a cycle, reported with mathjs' own message for the first field still pending.
  while (pending.size > 0) {
    let progressed = false;
    let lastError = '';
    let lastField = '';
    for (const [k, expr] of pending) {
      let r: unknown;
      try {
        r = loadMathjs().evaluate(expr, { ...out });
      } catch (e) {
        lastError = (e as Error).message;
        lastField = k;
        continue;
      }
      if (typeof r !== 'number' || !Number.isFinite(r)) {
        throw new InputError(`${prefix}${k}: expression ${show(expr)} must give a finite real number, got ${show(String(r))}`);
      }
      out[k] = r;
      pending.delete(k);
      progressed = true;
    }
    if (!progressed) {
      const others = [...pending.keys()].filter((x) => x !== lastField);
      const cycle = others.length && others.some((x) => lastError.includes(x)) ? ` (fields ${[lastField, ...others].join(', ')} depend on each other)` : '';
      throw new InputError(`${prefix}${lastField}: cannot evaluate ${show(pending.get(lastField))}: ${lastError}${cycle}`);
    }
  }
  return out;
}

function parseHamiltonian(v: unknown): HamiltonianSpec {
  if (!isObject(v)) fail('hamiltonian', `expected an object, got ${show(v)}`);
  const kind = v.kind;
  if (typeof kind !== 'string' || !(kind in FIELDS)) {
    fail('hamiltonian.kind', `unknown Hamiltonian ${show(kind)} (known: ${Object.keys(FIELDS).join(', ')})`);
  }
  if (kind === 'heisenberg' && v.Delta !== undefined) fail('hamiltonian.Delta', 'not allowed for kind "heisenberg" (Delta = 1; use kind "xxz")');
  noExtraKeys(v, ['kind', ...Object.keys(FIELDS[kind])], 'hamiltonian');
  const f = evaluateFields(v, FIELDS[kind], 'model.hamiltonian.');
  if (kind === 'tfim') return { kind: 'tfim', J: f.J, Gamma: f.Gamma, h: f.h };
  return { kind: 'xxz', J: f.J, Delta: kind === 'heisenberg' ? 1 : f.Delta, J2: f.J2, h: f.h };
}

/**
 * Edits a raw (not yet validated) model JSON value before {@link parseModel}, for command-line
 * overrides: `set` assigns Hamiltonian fields (values are strings: a number, or a mathjs
 * expression over the other fields, evaluated by parseModel), `size` replaces `lattice.size`.
 * Pure: returns a modified copy. An unknown key, or `size` for a graph, is an InputError naming it.
 */
export function applyOverrides(raw: unknown, overrides: { set?: Record<string, string>; size?: number[] }): unknown {
  if (!isObject(raw)) throw new InputError(`model: expected a JSON object, got ${show(raw)}`);
  const out: Record<string, unknown> = { ...raw };
  for (const [key, v] of Object.entries(overrides.set ?? {})) {
    const t = v.trim();
    // Plain numbers stay numbers; anything else is an expression (or a word such as "open") for
    // parseModel to evaluate and validate like the file itself.
    const value = t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
    const dotted = /^(hamiltonian|lattice)\.(\w+)$/.exec(key);
    const section = dotted ? dotted[1] : LATTICE_OVERRIDES.includes(key) ? 'lattice' : 'hamiltonian';
    const field = dotted ? dotted[2] : key;
    if (field === 'kind') throw new InputError(`--set ${key}: the kind cannot be overridden; use another model file`);
    if (!isObject(raw[section])) fail(section, `expected an object, got ${show(raw[section])}`);
    if (section === 'lattice') {
      if (!LATTICE_OVERRIDES.includes(field)) throw new InputError(`--set ${key}: only ${LATTICE_OVERRIDES.join(', ')} of a lattice can be set (use --size for its size)`);
      out.lattice = { ...(out.lattice as Record<string, unknown>), [field]: value };
      continue;
    }
    const kind = raw.hamiltonian && isObject(raw.hamiltonian) ? raw.hamiltonian.kind : undefined;
    const fields = typeof kind === 'string' ? FIELDS[kind] : undefined;
    if (!fields) fail('hamiltonian.kind', `unknown Hamiltonian ${show(kind)} (known: ${Object.keys(FIELDS).join(', ')})`);
    if (!(field in fields)) {
      throw new InputError(`--set ${key}: unknown field of a ${kind as string} Hamiltonian (known: ${Object.keys(fields).join(', ')})`);
    }
    out.hamiltonian = { ...(out.hamiltonian as Record<string, unknown>), [field]: value };
  }
  if (overrides.size) {
    if (!isObject(raw.lattice)) fail('lattice', `expected an object, got ${show(raw.lattice)}`);
    if (raw.lattice.kind === 'graph') throw new InputError('--size: a graph lattice has no size to replace');
    out.lattice = { ...(out.lattice as Record<string, unknown>), size: [...overrides.size] };
  }
  return out;
}

/** Lattice fields that `--set` may change (the size has its own option). */
const LATTICE_OVERRIDES = ['boundary'];

/** Validates a parsed JSON value as a model; throws InputError naming the first bad field. */
export function parseModel(v: unknown): ModelSpec {
  if (!isObject(v)) throw new InputError(`model: expected a JSON object, got ${show(v)}`);
  noExtraKeys(v, ['name', 'lattice', 'hamiltonian', 'description'], '');
  const name = v.name === undefined ? 'unnamed' : v.name;
  if (typeof name !== 'string' || name.length === 0) fail('name', `expected a non-empty string, got ${show(name)}`);
  if (v.description !== undefined && typeof v.description !== 'string') fail('description', `expected a string, got ${show(v.description)}`);
  const spec: ModelSpec = { name, lattice: parseLattice(v.lattice), hamiltonian: parseHamiltonian(v.hamiltonian) };
  if (spec.lattice.kind === 'graph' && spec.lattice.bonds2?.length && spec.hamiltonian.kind === 'tfim') {
    // Silently ignoring them would solve a different model than the file describes.
    fail('lattice.bonds2', 'second-neighbour bonds need a Hamiltonian with J2 (kind xxz or heisenberg); the TFIM has none');
  }
  if (typeof v.description === 'string') spec.description = v.description;
  return spec;
}

/** Reads and validates a model file; every failure is a one-line InputError naming the file. */
export function loadModel(path: string): ModelSpec {
  const json = readJsonFile(path, 'model file');
  try {
    return parseModel(json);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`${path}: ${e.message}`);
    throw e;
  }
}

/**
 * The operator convention of a model's numbers: the TFIM is written with Pauli matrices
 * (eigenvalues ±1), the XXZ family with spin-1/2 operators S = sigma/2. Every output states it.
 */
export function conventionOf(m: ModelSpec): 'pauli' | 'spin-1/2' {
  return m.hamiltonian.kind === 'tfim' ? 'pauli' : 'spin-1/2';
}
