/**
 * Markov-chain sampler of |Psi(v)|^2 for a real DBM, by the two-copy construction (docs/design.md, "Sampling"):
 *
 *   p(v, u, u') ∝ Psi(v, u) Psi(v, u'),   u, u' two independent copies of the inner units,
 *
 * which is a classical Ising model ("joint graph") on the visible units plus both copies of the
 * inner units. Visible biases and visible-visible couplings appear twice in |Psi|^2 and are doubled.
 * Moves: heat-bath (Gibbs) updates in colour order — units of one colour are conditionally
 * independent, so a colour class is one exact block-Gibbs step — and Swendsen–Wang cluster flips
 * on the same graph, with biases as bonds to a frozen ghost spin. Both leave p invariant for any
 * signs of the couplings. For the analytic network the joint graph is the ring of 2n imaginary-time
 * slices of the quantum-to-classical mapping.
 */
import type { Rng } from './rng.ts';
import type { JointGraph } from './joint-graph.ts';

// The graph type moved to joint-graph.ts; re-exported so existing imports keep working.
export { buildJointGraph, type JointGraph } from './joint-graph.ts';

/**
 * The immutable part of a sampler: the joint graph and every table derived from its weights
 * (heat-bath lookup tables, Swendsen–Wang bond probabilities). Built once per network and shared
 * by every chain on it in a thread; a chain's state ({@link Sampler}) is just its configuration,
 * its random stream and scratch buffers. When the graph's weights change in place (trained
 * networks), {@link refreshSamplerTables} recomputes the tables without reallocating.
 */
export interface SamplerTables {
  readonly g: JointGraph;
  /** Swendsen–Wang bond probabilities 1 - exp(-2|w|), per edge. */
  readonly pBond: Float64Array;
  /** Ghost-bond probabilities 1 - exp(-2|b|), per node. */
  readonly pBias: Float64Array;
  /**
   * Heat-bath lookup: for a node of degree d <= TABLE_MAX_DEGREE, the probability of x = +1 for
   * each of the 2^d neighbour patterns (bit p set when neighbour p is +1), at tableStart[u]. Saves
   * the exp() per update that dominates the sweep; -1 marks nodes updated with exp().
   */
  readonly tableStart: Int32Array;
  readonly table: Float64Array;
}

/** Largest node degree that gets a heat-bath lookup table (2^8 entries). */
export const TABLE_MAX_DEGREE = 8;

/** Bytes of the heat-bath table and cluster scratch for a graph (for memory estimates). */
export function samplerTableBytes(g: JointGraph): number {
  let entries = 0;
  for (let u = 0; u < g.nNodes; u++) {
    const d = g.rowStart[u + 1] - g.rowStart[u];
    if (d <= TABLE_MAX_DEGREE) entries += 1 << d;
  }
  return 8 * entries + 4 * g.nNodes + 8 * (g.nNodes + g.edgeA.length);
}

/** Builds the tables of {@link SamplerTables} for `g`. */
export function buildSamplerTables(g: JointGraph): SamplerTables {
  const tableStart = new Int32Array(g.nNodes).fill(-1);
  let size = 0;
  for (let u = 0; u < g.nNodes; u++) {
    const d = g.rowStart[u + 1] - g.rowStart[u];
    if (d <= TABLE_MAX_DEGREE) {
      tableStart[u] = size;
      size += 1 << d;
    }
  }
  const t: SamplerTables = {
    g, pBond: new Float64Array(g.edgeW.length), pBias: new Float64Array(g.nNodes), tableStart, table: new Float64Array(size),
  };
  refreshSamplerTables(t);
  return t;
}

/** Recomputes every table of `t` from the current weights of its graph (same sizes, in place). */
export function refreshSamplerTables(t: SamplerTables): void {
  const { g, pBond, pBias, tableStart, table } = t;
  for (let e = 0; e < g.edgeW.length; e++) pBond[e] = -Math.expm1(-2 * Math.abs(g.edgeW[e]));
  for (let u = 0; u < g.nNodes; u++) pBias[u] = -Math.expm1(-2 * Math.abs(g.bias[u]));
  for (let u = 0; u < g.nNodes; u++) {
    if (tableStart[u] < 0) continue;
    const r0 = g.rowStart[u];
    const d = g.rowStart[u + 1] - r0;
    for (let pat = 0; pat < 1 << d; pat++) {
      let f = g.bias[u];
      for (let p = 0; p < d; p++) f += g.nbrW[r0 + p] * ((pat >> p) & 1 ? 1 : -1);
      table[tableStart[u] + pat] = 1 / (1 + Math.exp(-2 * f));
    }
  }
}

/**
 * Heat-bath draw of node u of a CSR Ising graph given its neighbours: x_u = +1 with probability
 * 1 / (1 + exp(-2 f_u)), f_u = bias_u + sum_p w_p x_p, from the lookup table at tableStart[u]
 * (bit p of the index set when neighbour p is +1) or, for nodes without a table (-1), from exp().
 * Shared by every sweep and re-draw (small enough for V8 to inline into their loops).
 */
export function heatBath(
  u: number, x: Int8Array, rowStart: Int32Array, nbr: Int32Array, nbrW: Float64Array, bias: Float64Array,
  tableStart: Int32Array, table: Float64Array, rng: Rng,
): void {
  const r0 = rowStart[u];
  const r1 = rowStart[u + 1];
  const t = tableStart[u];
  if (t >= 0) {
    // Branch-free on purpose: the spins and the accept test are unpredictable, and mispredicted
    // branches cost more than the arithmetic (measured 1.5-2.2x on sweeps).
    let pat = 0;
    for (let p = r0; p < r1; p++) pat |= ((x[nbr[p]] + 1) >> 1) << (p - r0);
    x[u] = 1 - 2 * +(rng.next() >= table[t + pat]);
  } else {
    let f = bias[u];
    for (let p = r0; p < r1; p++) f += nbrW[p] * x[nbr[p]];
    x[u] = rng.next() * (1 + Math.exp(-2 * f)) < 1 ? 1 : -1;
  }
}

function isTables(v: JointGraph | SamplerTables): v is SamplerTables {
  return (v as SamplerTables).table !== undefined && (v as SamplerTables).g !== undefined;
}

/**
 * One Markov chain: its configuration, random stream and scratch buffers, on shared
 * {@link SamplerTables}. All buffers are allocated here, none during sweeps.
 */
export class Sampler {
  /** Current configuration, +-1 per joint-graph node. */
  readonly x: Int8Array;
  /** Heat-bath unit updates performed so far. */
  updates = 0;
  readonly g: JointGraph;
  readonly tables: SamplerTables;
  private readonly parent: Int32Array;
  private readonly flip: Int8Array;
  private readonly pBond: Float64Array;
  private readonly pBias: Float64Array;
  private readonly tableStart: Int32Array;
  private readonly table: Float64Array;

  /**
   * @param source the joint graph (tables are then built for this chain alone: the old form) or
   *   shared tables from {@link buildSamplerTables}.
   * @param start the starting configuration (copied; no random numbers are drawn). Without it the
   *   start is drawn uniformly from `rng`, one number per node (the old behaviour).
   */
  constructor(source: JointGraph | SamplerTables, readonly rng: Rng, start?: Int8Array) {
    const t = isTables(source) ? source : buildSamplerTables(source);
    const g = (this.g = t.g);
    this.tables = t;
    this.x = new Int8Array(g.nNodes);
    if (start) {
      if (start.length !== g.nNodes) throw new RangeError(`Sampler: start has ${start.length} nodes, graph ${g.nNodes}`);
      this.x.set(start);
    } else for (let u = 0; u < g.nNodes; u++) this.x[u] = rng.next() < 0.5 ? 1 : -1;
    this.parent = new Int32Array(g.nNodes + 1);
    this.flip = new Int8Array(g.nNodes + 1);
    this.pBond = t.pBond;
    this.pBias = t.pBias;
    this.tableStart = t.tableStart;
    this.table = t.table;
  }

  /** One heat-bath sweep over every node: x_u = +1 with probability 1 / (1 + exp(-2 f_u)). */
  sweep(): void {
    const { order, rowStart, nbr, nbrW, bias } = this.g;
    const { x, rng, tableStart, table } = this;
    for (let k = 0; k < order.length; k++) heatBath(order[k], x, rowStart, nbr, nbrW, bias, tableStart, table, rng);
    this.updates += order.length;
  }

  /** Heat-bath update of the single node u (for moves that re-draw a few units). */
  updateNode(u: number): void {
    const { rowStart, nbr, nbrW, bias } = this.g;
    heatBath(u, this.x, rowStart, nbr, nbrW, bias, this.tableStart, this.table, this.rng);
  }

  /**
   * One Swendsen–Wang move: satisfied couplings (w x_a x_b > 0) are kept with probability
   * 1 - exp(-2|w|), satisfied biases bind the node to a ghost spin (index nNodes) that never flips,
   * and every cluster without the ghost flips with probability 1/2.
   */
  clusterMove(): void {
    const { nNodes, edgeA, edgeB, edgeW, bias } = this.g;
    const { x, parent, flip, pBond, pBias, rng } = this;
    for (let u = 0; u <= nNodes; u++) parent[u] = u;
    const find = this.find;
    const ghost = nNodes;
    for (let u = 0; u < nNodes; u++) {
      if (bias[u] * x[u] > 0 && rng.next() < pBias[u]) {
        const r = find(u);
        // Keep the ghost as the root of its cluster so it is recognised below.
        if (r !== ghost) parent[r] = ghost;
      }
    }
    for (let e = 0; e < edgeA.length; e++) {
      const a = edgeA[e];
      const b = edgeB[e];
      if (edgeW[e] * x[a] * x[b] > 0 && rng.next() < pBond[e]) {
        const ra = find(a);
        const rb = find(b);
        if (ra === rb) continue;
        if (ra === ghost) parent[rb] = ghost;
        else parent[ra] = rb;
      }
    }
    for (let u = 0; u < nNodes; u++) if (parent[u] === u) flip[u] = rng.next() < 0.5 ? -1 : 1;
    flip[ghost] = 1;
    for (let u = 0; u < nNodes; u++) x[u] *= flip[find(u)];
  }

  /** Union-find root with path halving (an arrow function so the hot loop calls no `this`). */
  private readonly find = (u: number): number => {
    const parent = this.parent;
    while (parent[u] !== u) {
      parent[u] = parent[parent[u]];
      u = parent[u];
    }
    return u;
  };
}
