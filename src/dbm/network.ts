/**
 * A deep Boltzmann machine as data: +-1 units in layers, biases and pairwise couplings in typed
 * arrays. The amplitude of visible units v = (s, a) (physical s, ancilla a) is
 *
 *   Psi(v) = sum_{inner units u} exp( sum_k b_k x_k + sum_e W_e x_{A(e)} x_{B(e)} ),
 *
 * all units x = +-1, all parameters real (so Psi > 0: no sign problem). "Hidden" units are those
 * coupled only to visible or deep units, never to each other: given (v, d) they sum out in closed
 * form, Psi(v, d) = exp(...) prod_h 2 cosh(theta_h), which is what the local estimators use.
 * Deep units may couple to anything (in the analytic network the imaginary-time slices are deep
 * units linked directly to their neighbours; see trotter.ts).
 */
import { z } from 'zod';
import { InputError } from '../util/errors.ts';
import { validate } from '../util/checked-json.ts';

export const PHYSICAL = 0;
export const ANCILLA = 1;
export const HIDDEN = 2;
export const DEEP = 3;
export const LAYER_NAMES = ['physical', 'ancilla', 'hidden', 'deep'] as const;
export type LayerName = (typeof LAYER_NAMES)[number];

/** Where the imaginary-time slices of an analytic (Trotter) network sit; absent for trained nets. */
export interface TrotterInfo {
  /** Number of Trotter steps n between s (slice 0) and a (slice n); dt = beta / (2 n). */
  slices: number;
  dt: number;
  beta: number;
  order: 1 | 2;
  /** |Gamma| used for the sx links. */
  Gamma: number;
  /** Unit index of site i on slice k at sliceUnits[k * N + i], k = 0..n. */
  sliceUnits: Int32Array;
  /** Imaginary-time weight tau_k of H_z on slice k (sum over the ring of both copies is beta). */
  sliceTau: Float64Array;
}

export interface Dbm {
  /** Number of physical sites N (there are N physical and N ancilla units). */
  nSites: number;
  nUnits: number;
  /** Layer of each unit: PHYSICAL, ANCILLA, HIDDEN or DEEP. Units 0..N-1 physical, N..2N-1 ancilla. */
  layer: Uint8Array;
  bias: Float64Array;
  edgeA: Int32Array;
  edgeB: Int32Array;
  weight: Float64Array;
  trotter?: TrotterInfo;
  /** Free-form description (how it was built), kept in saved files. */
  info: Record<string, unknown>;
}

/** Checks the structural rules (visible units first, hidden units never coupled to hidden units). */
export function validateDbm(d: Dbm): void {
  const n = d.nSites;
  const bad = (msg: string): never => {
    throw new InputError(`network: ${msg}`);
  };
  if (!(n >= 1) || d.nUnits < 2 * n) bad(`needs 2N visible units, N = ${n}, units = ${d.nUnits}`);
  if (d.layer.length !== d.nUnits || d.bias.length !== d.nUnits) bad('layer and bias arrays must have one entry per unit');
  if (d.edgeA.length !== d.edgeB.length || d.edgeA.length !== d.weight.length) bad('edge arrays differ in length');
  for (let u = 0; u < d.nUnits; u++) {
    const want = u < n ? PHYSICAL : u < 2 * n ? ANCILLA : -1;
    if (want >= 0 ? d.layer[u] !== want : d.layer[u] !== HIDDEN && d.layer[u] !== DEEP) bad(`unit ${u} is in the wrong layer`);
    if (!Number.isFinite(d.bias[u])) bad(`bias of unit ${u} is not finite`);
  }
  for (let e = 0; e < d.edgeA.length; e++) {
    const a = d.edgeA[e];
    const b = d.edgeB[e];
    if (a < 0 || b < 0 || a >= d.nUnits || b >= d.nUnits || a === b) bad(`edge ${e} joins invalid units ${a}, ${b}`);
    if (d.layer[a] === HIDDEN && d.layer[b] === HIDDEN) bad(`edge ${e} couples two hidden units`);
    if (!Number.isFinite(d.weight[e])) bad(`weight of edge ${e} is not finite`);
  }
}

/** Neighbours of every unit as [unit, weight] pairs: for building estimators, not for hot loops. */
export function unitAdjacency(d: Dbm): Array<Array<[number, number]>> {
  const adj: Array<Array<[number, number]>> = Array.from({ length: d.nUnits }, () => []);
  for (let e = 0; e < d.edgeA.length; e++) {
    adj[d.edgeA[e]].push([d.edgeB[e], d.weight[e]]);
    adj[d.edgeB[e]].push([d.edgeA[e], d.weight[e]]);
  }
  return adj;
}

/** Plain-JSON form of a network (typed arrays as number arrays), for `pdbm build --out`. */
export function dbmToJson(d: Dbm): Record<string, unknown> {
  return {
    format: 'purified-dbm/network@1',
    nSites: d.nSites,
    nUnits: d.nUnits,
    layers: Array.from(d.layer, (l) => LAYER_NAMES[l]),
    bias: Array.from(d.bias),
    edges: Array.from(d.edgeA, (a, e) => [a, d.edgeB[e], d.weight[e]]),
    trotter: d.trotter && {
      ...d.trotter,
      sliceUnits: Array.from(d.trotter.sliceUnits),
      sliceTau: Array.from(d.trotter.sliceTau),
    },
    info: d.info,
  };
}

const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const index = z.number().int().min(0);

/** Schema of a `purified-dbm/network@1` file (structure; consistency is checked after it). */
export const NetworkFileSchema = z.object({
  format: z.literal('purified-dbm/network@1', { error: 'not a purified-dbm network file (format must be "purified-dbm/network@1")' }),
  nSites: z.number().int().min(1),
  nUnits: z.number().int().min(2),
  layers: z.array(z.enum(LAYER_NAMES)),
  bias: z.array(finite),
  edges: z.array(z.tuple([index, index, finite])),
  trotter: z
    .object({
      slices: z.number().int().min(1),
      dt: z.number().positive().refine(Number.isFinite, 'expected a finite number'),
      beta: z.number().positive().refine(Number.isFinite, 'expected a finite number'),
      order: z.union([z.literal(1), z.literal(2)]),
      Gamma: z.number().positive().refine(Number.isFinite, 'expected a finite number'),
      sliceUnits: z.array(index),
      sliceTau: z.array(finite),
    })
    .optional()
    .nullable(),
  info: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Inverse of {@link dbmToJson}: validates the structure with {@link NetworkFileSchema} and the
 * consistency of the numbers (array lengths agree with nUnits and nSites, edge endpoints and slice
 * units in range, dt = beta / 2n), then the DBM rules ({@link validateDbm}). Every failure is one
 * InputError line `<what>: <field>: <message>`, e.g. `net.json: edges[3][1]: unit 99 out of range 0..40`.
 * @param what how messages name the source (a file path).
 */
export function dbmFromJson(j: unknown, what = 'network'): Dbm {
  const o = validate(j, NetworkFileSchema, what);
  const bad = (field: string, msg: string): never => {
    throw new InputError(`${what}: ${field}: ${msg}`);
  };
  const nU = o.nUnits;
  if (o.layers.length !== nU) bad('layers', `has ${o.layers.length} entries, nUnits is ${nU}`);
  if (o.bias.length !== nU) bad('bias', `has ${o.bias.length} entries, nUnits is ${nU}`);
  if (nU < 2 * o.nSites) bad('nUnits', `${nU} is fewer than the 2 nSites = ${2 * o.nSites} visible units`);
  o.edges.forEach((e, k) => {
    for (const p of [0, 1]) if (e[p] >= nU) bad(`edges[${k}][${p}]`, `unit ${e[p]} out of range 0..${nU - 1}`);
    if (e[0] === e[1]) bad(`edges[${k}]`, `joins unit ${e[0]} to itself`);
  });
  const t = o.trotter ?? undefined;
  if (t) {
    if (t.sliceUnits.length !== (t.slices + 1) * o.nSites) {
      bad('trotter.sliceUnits', `has ${t.sliceUnits.length} entries, (slices + 1) nSites = ${(t.slices + 1) * o.nSites}`);
    }
    t.sliceUnits.forEach((u, k) => {
      if (u >= nU) bad(`trotter.sliceUnits[${k}]`, `unit ${u} out of range 0..${nU - 1}`);
    });
    if (t.sliceTau.length !== t.slices + 1) bad('trotter.sliceTau', `has ${t.sliceTau.length} entries, slices + 1 = ${t.slices + 1}`);
    if (Math.abs(t.dt * 2 * t.slices - t.beta) > 1e-9 * t.beta) bad('trotter.dt', `${t.dt} is not beta / (2 slices) = ${t.beta / (2 * t.slices)}`);
  }
  const d: Dbm = {
    nSites: o.nSites,
    nUnits: nU,
    layer: Uint8Array.from(o.layers, (l) => LAYER_NAMES.indexOf(l)),
    bias: Float64Array.from(o.bias),
    edgeA: Int32Array.from(o.edges, (e) => e[0]),
    edgeB: Int32Array.from(o.edges, (e) => e[1]),
    weight: Float64Array.from(o.edges, (e) => e[2]),
    info: o.info ?? {},
  };
  if (t) {
    d.trotter = {
      slices: t.slices, dt: t.dt, beta: t.beta, order: t.order, Gamma: t.Gamma,
      sliceUnits: Int32Array.from(t.sliceUnits), sliceTau: Float64Array.from(t.sliceTau),
    };
  }
  try {
    validateDbm(d);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`${what}: ${e.message}`);
    throw e;
  }
  return d;
}

/** Growable edge list used by network builders. */
export class DbmBuilder {
  private layers: number[] = [];
  private biases: number[] = [];
  private ea: number[] = [];
  private eb: number[] = [];
  private w: number[] = [];

  constructor(readonly nSites: number) {
    for (let i = 0; i < nSites; i++) this.addUnit(PHYSICAL);
    for (let i = 0; i < nSites; i++) this.addUnit(ANCILLA);
  }

  /** Adds a unit and returns its index. */
  addUnit(layer: number, bias = 0): number {
    this.layers.push(layer);
    this.biases.push(bias);
    return this.layers.length - 1;
  }

  addBias(u: number, b: number): void {
    this.biases[u] += b;
  }

  addEdge(a: number, b: number, w: number): void {
    this.ea.push(a);
    this.eb.push(b);
    this.w.push(w);
  }

  build(info: Record<string, unknown>, trotter?: TrotterInfo): Dbm {
    const d: Dbm = {
      nSites: this.nSites, nUnits: this.layers.length, layer: Uint8Array.from(this.layers),
      bias: Float64Array.from(this.biases), edgeA: Int32Array.from(this.ea), edgeB: Int32Array.from(this.eb),
      weight: Float64Array.from(this.w), trotter, info,
    };
    validateDbm(d);
    return d;
  }
}
