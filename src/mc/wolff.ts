/**
 * Wolff single-cluster moves on the ring of an analytic network with the bond units traced out.
 *
 * A bond unit h with weights w1, w2 to spins a, b and no bias sums out to
 *   sum_h exp(h (w1 x_a + w2 x_b)) = 2 cosh(w1 x_a + w2 x_b) ∝ exp(J x_a x_b),
 *   J = 1/2 ln( cosh(w1 + w2) / cosh(w1 - w2) ),
 * so the marginal of the spins (visible units and both copies of the deep units) is a plain Ising
 * model on the ring: links K between slices, J_b tau within slices. A Wolff move (U. Wolff, PRL 62,
 * 361 (1989)) grows one Fortuin–Kasteleyn cluster from a random spin (a satisfied coupling joins
 * with probability 1 - exp(-2 |J|)) and flips it; it leaves that marginal invariant for couplings
 * of any sign. The bond units next to flipped spins are then re-drawn from their exact
 * conditional law given the new spins (the others' conditional law is unchanged, since the
 * cluster was chosen from the spins alone), so the joint distribution is invariant too.
 * Near a critical point the clusters are the correlated regions, which is where heat-bath sweeps
 * and the Swendsen–Wang move on the full graph (clusters through the bond units) slow down.
 * Fields (biases on spins) would need a ghost spin; such networks get no spin ring (Swendsen–Wang
 * is used instead).
 */
import type { Dbm } from '../dbm/network.ts';
import { HIDDEN } from '../dbm/network.ts';
import type { JointGraph } from './joint-graph.ts';
import { heatBath, type Sampler } from './sampler.ts';

/** The traced-out spin graph of a joint graph (CSR over joint node indices; hidden rows empty). */
export interface SpinRing {
  /** Joint-graph nodes that are spins (not bond units). */
  spins: Int32Array;
  rowStart: Int32Array;
  nbr: Int32Array;
  /** Probability 1 - exp(-2|J|) that a satisfied coupling joins the cluster. */
  pJoin: Float64Array;
  /** Sign of J (+1 ferro, -1 antiferro). */
  sign: Int8Array;
  /** The traced-out coupling J itself, per CSR entry. */
  J: Float64Array;
  /** Per spin, its bond-unit neighbours in the joint graph (CSR over joint nodes). */
  hidStart: Int32Array;
  hid: Int32Array;
}

/**
 * The spin ring of an analytic network's joint graph, or null when the bond units cannot be traced
 * out pairwise (a bond unit with a bias or with other than two neighbours) or a spin has a bias.
 */
export function buildSpinRing(d: Dbm, g: JointGraph): SpinRing | null {
  const hidden = new Uint8Array(g.nNodes);
  for (let c = 0; c < 2; c++) for (let u = 0; u < d.nUnits; u++) if (d.layer[u] === HIDDEN) hidden[g.unitNode[c][u]] = 1;
  const J = new Map<number, number>();
  const key = (a: number, b: number) => (a < b ? a * g.nNodes + b : b * g.nNodes + a);
  const add = (a: number, b: number, w: number) => J.set(key(a, b), (J.get(key(a, b)) ?? 0) + w);
  const spins: number[] = [];
  for (let u = 0; u < g.nNodes; u++) {
    const r0 = g.rowStart[u];
    const r1 = g.rowStart[u + 1];
    if (!hidden[u]) {
      if (g.bias[u] !== 0) return null;
      spins.push(u);
      for (let p = r0; p < r1; p++) if (!hidden[g.nbr[p]] && u < g.nbr[p]) add(u, g.nbr[p], g.nbrW[p]);
      continue;
    }
    if (g.bias[u] !== 0 || r1 - r0 !== 2 || hidden[g.nbr[r0]] || hidden[g.nbr[r0 + 1]]) return null;
    const w1 = g.nbrW[r0];
    const w2 = g.nbrW[r0 + 1];
    // ln cosh(w1 + w2) - ln cosh(w1 - w2), written to avoid overflow for large weights.
    const lc = (x: number) => Math.abs(x) + Math.log1p(Math.exp(-2 * Math.abs(x)));
    add(g.nbr[r0], g.nbr[r0 + 1], 0.5 * (lc(w1 + w2) - lc(w1 - w2)));
  }
  const deg = new Int32Array(g.nNodes);
  for (const k of J.keys()) {
    deg[Math.floor(k / g.nNodes)]++;
    deg[k % g.nNodes]++;
  }
  const rowStart = new Int32Array(g.nNodes + 1);
  for (let u = 0; u < g.nNodes; u++) rowStart[u + 1] = rowStart[u] + deg[u];
  const fill = rowStart.slice(0, g.nNodes);
  const nbr = new Int32Array(rowStart[g.nNodes]);
  const pJoin = new Float64Array(nbr.length);
  const sign = new Int8Array(nbr.length);
  const Jw = new Float64Array(nbr.length);
  for (const [k, w] of J) {
    const a = Math.floor(k / g.nNodes);
    const b = k % g.nNodes;
    const p = -Math.expm1(-2 * Math.abs(w));
    const s = w >= 0 ? 1 : -1;
    nbr[fill[a]] = b;
    pJoin[fill[a]] = p;
    Jw[fill[a]] = w;
    sign[fill[a]++] = s;
    nbr[fill[b]] = a;
    pJoin[fill[b]] = p;
    Jw[fill[b]] = w;
    sign[fill[b]++] = s;
  }
  const hs = new Int32Array(g.nNodes + 1);
  const hl: number[] = [];
  for (let u = 0; u < g.nNodes; u++) {
    if (!hidden[u]) for (let p = g.rowStart[u]; p < g.rowStart[u + 1]; p++) if (hidden[g.nbr[p]]) hl.push(g.nbr[p]);
    hs[u + 1] = hl.length;
  }
  return { spins: Int32Array.from(spins), rowStart, nbr, pJoin, sign, J: Jw, hidStart: hs, hid: Int32Array.from(hl) };
}

/** Wolff moves for one chain (its own stack and marks, on the chain's sampler state). */
export class WolffMove {
  /** Spins added to clusters plus bond units re-drawn, since construction. */
  updates = 0;
  private readonly stack: Int32Array;
  private readonly mark: Int32Array;
  private generation = 0;

  /**
   * @param redrawBonds re-draw the bond units next to flipped spins after each move (needed when
   *   other moves read them, e.g. heat-bath sweeps of the joint graph); false when the chain runs
   *   on the traced-out ring ({@link RingSampler}) and re-draws all bond units before measuring.
   */
  constructor(readonly ring: SpinRing, readonly sampler: Sampler, readonly redrawBonds = true) {
    this.stack = new Int32Array(ring.spins.length);
    this.mark = new Int32Array(sampler.x.length);
  }

  /** Grows and flips one cluster; returns its size. */
  move(): number {
    const { spins, rowStart, nbr, pJoin, sign, hidStart, hid } = this.ring;
    const { stack, mark } = this;
    const s = this.sampler;
    const x = s.x;
    const rng = s.rng;
    const gen = ++this.generation;
    const seed = spins[Math.min(spins.length - 1, Math.floor(rng.next() * spins.length))];
    let top = 0;
    let size = 0;
    stack[top++] = seed;
    mark[seed] = gen;
    x[seed] = -x[seed];
    // Spins are flipped when they join; a neighbour v joins when the coupling was satisfied
    // before the flip of u, i.e. sign * x_u(new) * x_v < 0 (tested first: it reads only hot
    // data and rejects most neighbours, including cluster members across unfrustrated bonds).
    while (top > size) {
      const u = stack[size++];
      const xu = x[u];
      const end = rowStart[u + 1];
      for (let p = rowStart[u]; p < end; p++) {
        const v = nbr[p];
        if (sign[p] * xu * x[v] < 0 && mark[v] !== gen && rng.next() < pJoin[p]) {
          mark[v] = gen;
          x[v] = -x[v];
          stack[top++] = v;
        }
      }
    }
    let redrawn = 0;
    if (this.redrawBonds) for (let k = 0; k < size; k++) {
      const u = stack[k];
      for (let p = hidStart[u]; p < hidStart[u + 1]; p++) s.updateNode(hid[p]);
      redrawn += hidStart[u + 1] - hidStart[u];
    }
    this.updates += size + redrawn;
    return size;
  }

  /** Spins flipped by all moves so far (for the adaptive move count during warm-up). */
  flipped = 0;
  moves = 0;

  /**
   * `count` Wolff moves. The count must not depend on the moves' outcomes: "flip clusters until
   * N spins flipped" is a stopping rule that favours states reached by large clusters and biases
   * the distribution (measured: m2 +10% on a 4-site ring). Choose it before measuring, e.g. with
   * {@link WolffMove.movesForSweep} at the end of the warm-up.
   */
  sweep(count = 1): void {
    for (let k = 0; k < count; k++) {
      this.flipped += this.move();
      this.moves++;
    }
  }

  /**
   * Moves that flip about `fraction` times as many spins as the ring has, from the mean cluster
   * size so far (at least one).
   */
  movesForSweep(fraction = 1): number {
    if (this.moves === 0) return 1;
    return Math.max(1, Math.round((fraction * this.ring.spins.length) / (this.flipped / this.moves)));
  }
}

/** Largest spin degree with a heat-bath lookup table on the ring. */
const RING_TABLE_MAX_DEGREE = 10;

/**
 * Heat-bath tables of the traced-out ring, shared by all chains on it. Spins with the same
 * couplings (every inner slice of a site, on a homogeneous lattice) share one table, so the tables
 * stay in cache however long the ring is.
 */
export interface RingTables {
  ring: SpinRing;
  /** Table offset of each joint node (spins only; -1: no table, exp() path). */
  tableOf: Int32Array;
  table: Float64Array;
  /** Every bond unit (hidden joint node), re-drawn before a measurement. */
  bonds: Int32Array;
  /** Zero bias per joint node (spins on the ring have none). */
  zero: Float64Array;
}

/** Builds the shared heat-bath tables of a spin ring (deduplicated by coupling pattern). */
export function buildRingTables(ring: SpinRing, nNodes: number): RingTables {
  const tableOf = new Int32Array(nNodes).fill(-1);
  const byKey = new Map<string, number>();
  const entries: number[] = [];
  for (const u of ring.spins) {
    const r0 = ring.rowStart[u];
    const d = ring.rowStart[u + 1] - r0;
    if (d > RING_TABLE_MAX_DEGREE) continue;
    const key = Array.from(ring.J.subarray(r0, r0 + d)).join(',');
    let off = byKey.get(key);
    if (off === undefined) {
      off = entries.length;
      byKey.set(key, off);
      for (let pat = 0; pat < 1 << d; pat++) {
        let f = 0;
        for (let p = 0; p < d; p++) f += ring.J[r0 + p] * ((pat >> p) & 1 ? 1 : -1);
        entries.push(1 / (1 + Math.exp(-2 * f)));
      }
    }
    tableOf[u] = off;
  }
  const isSpin = new Uint8Array(nNodes);
  for (const u of ring.spins) isSpin[u] = 1;
  const bonds: number[] = [];
  for (let u = 0; u < nNodes; u++) if (!isSpin[u]) bonds.push(u);
  return { ring, tableOf, table: Float64Array.from(entries), bonds: Int32Array.from(bonds), zero: new Float64Array(nNodes) };
}

/**
 * Heat-bath sweeps of the traced-out ring: the spins of the classical Ising model with couplings
 * J (links K between slices, J_b tau within slices), without the bond units, which are re-drawn
 * from their exact conditional law only when a measurement needs them ({@link redrawBonds}).
 * A sweep of a square lattice's ring updates a third of the joint graph's units, with direct
 * couplings (no mediation through bond units). Valid for the same reason as Wolff's move: the
 * spins' marginal is kept invariant, and re-drawing every bond unit given the spins restores the
 * joint law exactly.
 */
export class RingSampler {
  /** Spin updates plus bond re-draws, since construction. */
  updates = 0;
  constructor(readonly t: RingTables, readonly sampler: Sampler) {}

  /** One heat-bath sweep over every spin, in index order (a systematic-scan Gibbs sampler). */
  sweep(): void {
    const { spins, rowStart, nbr, J } = this.t.ring;
    const { tableOf, table, zero } = this.t;
    const x = this.sampler.x;
    const rng = this.sampler.rng;
    for (let k = 0; k < spins.length; k++) heatBath(spins[k], x, rowStart, nbr, J, zero, tableOf, table, rng);
    this.updates += spins.length;
  }

  /** Re-draws every bond unit given the spins: the configuration is then a joint sample. */
  redrawBonds(): void {
    const b = this.t.bonds;
    for (let k = 0; k < b.length; k++) this.sampler.updateNode(b[k]);
    this.updates += b.length;
  }
}
