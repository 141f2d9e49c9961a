/**
 * Model files (models/*.json): a lattice and a TFIM Hamiltonian, validated on load. Every error
 * names the offending field, e.g. `model.hamiltonian.Gamma: expected a finite number, got "x"`.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../util/errors.ts';
import type { LatticeSpec } from './lattice.ts';

export interface HamiltonianSpec {
  kind: 'tfim';
  /** Ising coupling (J > 0 ferromagnetic); a graph bond's coupling is J * w. */
  J: number;
  /** Transverse field (coefficient of -sum sx). */
  Gamma: number;
  /** Longitudinal field (coefficient of -sum sz). */
  h: number;
}

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

function isObject(v: unknown): v is Record<string, unknown> {
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

function parseLattice(v: unknown): LatticeSpec {
  if (!isObject(v)) fail('lattice', `expected an object, got ${show(v)}`);
  const kind = v.kind;
  if (kind === 'graph') {
    noExtraKeys(v, ['kind', 'sites', 'bonds'], 'lattice');
    const sites = int(v.sites, 'lattice.sites', 1);
    if (sites > MAX_SITES) fail('lattice.sites', `at most ${MAX_SITES} sites, got ${sites}`);
    if (!Array.isArray(v.bonds)) fail('lattice.bonds', `expected an array of [i, j] or [i, j, w], got ${show(v.bonds)}`);
    const bonds = v.bonds.map((b, k): [number, number, number] => {
      const f = `lattice.bonds[${k}]`;
      if (!Array.isArray(b) || (b.length !== 2 && b.length !== 3)) fail(f, `expected [i, j] or [i, j, w], got ${show(b)}`);
      const i = int(b[0], `${f}[0]`, 0);
      const j = int(b[1], `${f}[1]`, 0);
      if (i >= sites || j >= sites) fail(f, `site index out of range 0..${sites - 1}`);
      if (i === j) fail(f, `a bond joins two different sites, got ${i} twice`);
      return [i, j, b.length === 3 ? finite(b[2], `${f}[2]`) : 1];
    });
    return { kind: 'graph', sites, bonds };
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

function parseHamiltonian(v: unknown): HamiltonianSpec {
  if (!isObject(v)) fail('hamiltonian', `expected an object, got ${show(v)}`);
  if (v.kind !== 'tfim') fail('hamiltonian.kind', `unknown Hamiltonian ${show(v.kind)} (known: tfim)`);
  noExtraKeys(v, ['kind', 'J', 'Gamma', 'h'], 'hamiltonian');
  return {
    kind: 'tfim',
    J: v.J === undefined ? 1 : finite(v.J, 'hamiltonian.J'),
    Gamma: finite(v.Gamma, 'hamiltonian.Gamma'),
    h: v.h === undefined ? 0 : finite(v.h, 'hamiltonian.h'),
  };
}

/** Validates a parsed JSON value as a model; throws InputError naming the first bad field. */
export function parseModel(v: unknown): ModelSpec {
  if (!isObject(v)) throw new InputError(`model: expected a JSON object, got ${show(v)}`);
  noExtraKeys(v, ['name', 'lattice', 'hamiltonian', 'description'], '');
  const name = v.name === undefined ? 'unnamed' : v.name;
  if (typeof name !== 'string' || name.length === 0) fail('name', `expected a non-empty string, got ${show(name)}`);
  if (v.description !== undefined && typeof v.description !== 'string') fail('description', `expected a string, got ${show(v.description)}`);
  const spec: ModelSpec = { name, lattice: parseLattice(v.lattice), hamiltonian: parseHamiltonian(v.hamiltonian) };
  if (typeof v.description === 'string') spec.description = v.description;
  return spec;
}

/** Reads and validates a model file; every failure is a one-line InputError naming the file. */
export function loadModel(path: string): ModelSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read model file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  try {
    return parseModel(json);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`${path}: ${e.message}`);
    throw e;
  }
}
