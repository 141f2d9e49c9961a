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
  /**
   * Coupling class of each CSR entry: entries with the same traced-out J share a class (on a
   * homogeneous lattice: one for the links between slices, one per bond type within a slice), so
   * the Wolff loop reads a 2-byte index per neighbour and a few cached class constants instead of
   * an 8-byte probability and a sign per entry.
   */
  cls: Uint16Array;
  /**
   * Per class, the join probability p = 1 - exp(-2|J|) as an integer threshold ceil(p 2^32): a
   * uniform 32-bit draw r joins iff r < threshold, which is exactly the test r 2^-32 < p of
   * Rng.next() (scaling by 2^32 is exact), without the conversion to a float.
   */
  joinThreshold: Float64Array;
  /** Per class, the sign of J (+1 ferro, -1 antiferro). */
  classSign: Int8Array;
  /** The traced-out coupling J itself, per CSR entry. */
  J: Float64Array;
  /** Per spin, its bond-unit neighbours in the joint graph (CSR over joint nodes). */
  hidStart: Int32Array;
  hid: Int32Array;
}

/** Most coupling classes a spin ring may have (class indices are 16-bit). */
const MAX_CLASSES = 65536;

/**
 * The spin ring of an analytic network's joint graph, or null when the bond units cannot be traced
 * out pairwise (a bond unit with a bias or with other than two neighbours), a spin has a bias, or
 * the couplings take more than 65536 distinct values (the class index is 16-bit; such graphs get
 * Swendsen–Wang instead).
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
  const cls = new Uint16Array(nbr.length);
  const Jw = new Float64Array(nbr.length);
  const classOf = new Map<number, number>();
  const thresholds: number[] = [];
  const signs: number[] = [];
  for (const [k, w] of J) {
    const a = Math.floor(k / g.nNodes);
    const b = k % g.nNodes;
    let c = classOf.get(w);
    if (c === undefined) {
      if (classOf.size >= MAX_CLASSES) return null;
      c = classOf.size;
      classOf.set(w, c);
      // Join probability 1 - exp(-2|J|) as a threshold on a uint32 draw (see SpinRing.joinThreshold).
      thresholds.push(Math.ceil(-Math.expm1(-2 * Math.abs(w)) * 4294967296));
      signs.push(w >= 0 ? 1 : -1);
    }
    nbr[fill[a]] = b;
    Jw[fill[a]] = w;
    cls[fill[a]++] = c;
    nbr[fill[b]] = a;
    Jw[fill[b]] = w;
    cls[fill[b]++] = c;
  }
  const hs = new Int32Array(g.nNodes + 1);
  const hl: number[] = [];
  for (let u = 0; u < g.nNodes; u++) {
    if (!hidden[u]) for (let p = g.rowStart[u]; p < g.rowStart[u + 1]; p++) if (hidden[g.nbr[p]]) hl.push(g.nbr[p]);
    hs[u + 1] = hl.length;
  }
  return {
    spins: Int32Array.from(spins), rowStart, nbr, cls, joinThreshold: Float64Array.from(thresholds), classSign: Int8Array.from(signs),
    J: Jw, hidStart: hs, hid: Int32Array.from(hl),
  };
}

/**
 * Wolff moves for one chain (its own stack, on the chain's sampler state). While a cluster grows,
 * its members hold -2 x instead of -x in the configuration (the sign is already the flipped
 * one, the even value marks membership), so the loop needs no separate mark array; the values
 * are halved back to +-1 before anything else reads the configuration.
 */
export class WolffMove {
  /** Spins added to clusters plus bond units re-drawn, since construction. */
  updates = 0;
  /** Spins flipped by all moves so far (for the adaptive move count during warm-up). */
  flipped = 0;
  moves = 0;
  private readonly stack: Int32Array;
  /** The random generator's state while the moves run it inline. */
  private readonly rngState = new Int32Array(4);

  /**
   * @param redrawBonds re-draw the bond units next to flipped spins after each move (needed when
   *   other moves read them, e.g. heat-bath sweeps of the joint graph); false when the chain runs
   *   on the traced-out ring ({@link RingSampler}) and re-draws all bond units before measuring.
   */
  constructor(readonly ring: SpinRing, readonly sampler: Sampler, readonly redrawBonds = true) {
    // One spare entry: the branch-free push writes stack[top] even when the cluster is full.
    this.stack = new Int32Array(ring.spins.length + 1);
  }

  /** Grows and flips one cluster; returns its size. */
  move(): number {
    const before = this.flipped;
    this.sweep(1);
    return this.flipped - before;
  }

  /**
   * `count` Wolff moves. The count must not depend on the moves' outcomes: "flip clusters until
   * N spins flipped" is a stopping rule that favours states reached by large clusters and biases
   * the distribution (measured: m2 +10% on a 4-site ring). Choose it before measuring, e.g. with
   * {@link WolffMove.movesForSweep} at the end of the warm-up.
   *
   * The cluster growth runs the chain's xoshiro128** generator inline on local variables (the
   * same stream as Rng.nextUint32, handed back after each cluster) and allocates nothing. Every
   * neighbour of a cluster spin costs one 32-bit draw, compared with its class's integer
   * threshold, whether or not the coupling can join: the join decision (satisfied, not yet in the
   * cluster, draw below threshold) is then a 0/1 value applied by unconditional writes, with no
   * data-dependent branch. Drawing only for candidates saves about 40% of the draws, but its two
   * unpredictable branches per neighbour cost more (measured 12 -> 7.3 ms CPU per ring's worth
   * of flips at the 16x16 critical point, beta = 16, loaded box). A draw that is not used is
   * independent of everything else, so the move's law is unchanged.
   */
  sweep(count = 1): void {
    const { spins, rowStart, nbr, cls, joinThreshold: thr, classSign: sgn, hidStart, hid } = this.ring;
    const { stack, rngState: st } = this;
    const s = this.sampler;
    const x = s.x;
    const nSpins = spins.length;
    const rng = s.rng;
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    let r = 0;
    let t = 0;
    let flipped = 0;
    let redrawn = 0;
    for (let m = 0; m < count; m++) {
      const seed = spins[Math.min(nSpins - 1, Math.floor(rng.next() * nSpins))];
      // From here to the end of the growth the generator runs inline on locals.
      rng.saveState(st);
      a = st[0];
      b = st[1];
      c = st[2];
      d = st[3];
      let top = 0;
      let size = 0;
      stack[top++] = seed;
      x[seed] = -2 * x[seed];
      // Spins are flipped when they join; a neighbour v joins when the coupling was satisfied
      // before the flip of u, i.e. sign * x_u(new) * x_v < 0 (bit 31 of the product), it is not
      // in the cluster yet, and the draw is below the join threshold.
      while (top > size) {
        const u = stack[size++];
        const xu = x[u];
        const end = rowStart[u + 1];
        for (let p = rowStart[u]; p < end; p++) {
          const v = nbr[p];
          const k = cls[p];
          // xoshiro128** step (Rng.nextUint32), inline.
          r = Math.imul(b, 5);
          r = Math.imul((r << 7) | (r >>> 25), 9);
          t = b << 9;
          c ^= a;
          d ^= b;
          b ^= c;
          a ^= d;
          c ^= t;
          d = (d << 11) | (d >>> 21);
          const xv = x[v];
          // join = satisfied before the flip of u, not yet in the cluster (x odd), and the draw
          // succeeds; computed without branches and applied by unconditional writes (a no-op
          // when 0): a joining spin goes from x to -2x.
          const join = ((sgn[k] * xu * xv) >>> 31) & xv & +(r >>> 0 < thr[k]);
          x[v] = xv * (1 - 3 * join);
          stack[top] = v;
          top += join;
        }
      }
      st[0] = a;
      st[1] = b;
      st[2] = c;
      st[3] = d;
      rng.loadState(st);
      // Back to +-1: the cluster is flipped, and the other moves see a plain configuration.
      for (let q = 0; q < top; q++) x[stack[q]] >>= 1;
      flipped += size;
      if (this.redrawBonds) {
        for (let q = 0; q < size; q++) {
          const u = stack[q];
          for (let p = hidStart[u]; p < hidStart[u + 1]; p++) s.updateNode(hid[p]);
          redrawn += hidStart[u + 1] - hidStart[u];
        }
      }
    }
    this.flipped += flipped;
    this.moves += count;
    this.updates += flipped + redrawn;
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
    const s = this.sampler;
    const { rowStart, nbr, nbrW, bias } = s.g;
    const { tableStart, table } = s.tables;
    // The loop of Sampler.updateNode with the graph's arrays hoisted (same draws, same order).
    for (let k = 0; k < b.length; k++) heatBath(b[k], s.x, rowStart, nbr, nbrW, bias, tableStart, table, s.rng);
    this.updates += b.length;
  }
}
