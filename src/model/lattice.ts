/**
 * Lattices: sites, bonds (with weights) and the site permutations that map the bond set onto itself.
 *
 * Site numbering: chain i = x; square and triangular i = x + Lx * y. Triangular lattices use
 * rhombic coordinates r = x a1 + y a2 with a1 = (1, 0), a2 = (1/2, sqrt(3)/2); the three bond
 * directions are a1, a2 and a2 - a1. A periodic lattice with a side of 2 has doubled bonds (both
 * neighbours are the same site); they are kept in `bondI/bondJ`, as the TFIM with periodic wrapping
 * implies (its finite-size results depend on it).
 *
 * Second neighbours (`bonds2`): chain (i, i+2); square the two diagonals (1, 1), (1, -1); triangular
 * the next shell at distance sqrt(3), a1 + a2, 2 a2 - a1, a2 - 2 a1; graphs list them as `bonds2`.
 * Each coupling class of the XXZ family is a set of DISTINCT unordered pairs: where a small periodic
 * lattice makes two lattice vectors give the same pair (chain of 4: i + 2 = i - 2; a side of 2), the
 * pair is counted once, and a vector that wraps onto the site itself is dropped. So the 4x4 torus has
 * 2N nearest and 2N diagonal pairs, the 4-site ring 4 nearest and 2 second-neighbour pairs.
 * {@link distinctBonds} gives the nearest-neighbour class in that form.
 */
import { InputError } from '../util/errors.ts';

export type LatticeKind = 'chain' | 'square' | 'triangular' | 'graph';
export type Boundary = 'periodic' | 'open';

/** A translation generator: a site permutation and its order (T^order = identity). */
export interface Translation {
  perm: Int32Array;
  order: number;
}

export interface Lattice {
  kind: LatticeKind;
  /** [L] for chains, [Lx, Ly] for square and triangular, [N] for graphs. */
  size: number[];
  boundary: Boundary;
  nSites: number;
  /** Bond b joins sites bondI[b] and bondJ[b] with weight bondW[b] (coupling J_ij = J * w). */
  bondI: Int32Array;
  bondJ: Int32Array;
  bondW: Float64Array;
  /** Second-neighbour pairs (distinct, unordered; see the file comment), with weights. */
  bonds2: BondSet;
  /** Cartesian positions, (x, y) per site, lattice spacing 1. */
  coords: Float64Array;
  /** Commuting generators of the translation group; empty for open boundaries and graphs. */
  translations: Translation[];
  /**
   * Point-group elements as site permutations (identity first). On periodic lattices each fixes
   * site 0, so together with the translations they generate the space group. Every element maps
   * the weighted bond set onto itself (checked at construction).
   */
  pointGroup: Int32Array[];
}

/** A set of bonds: pair b joins sites I[b] and J[b] with weight W[b]. */
export interface BondSet {
  I: Int32Array;
  J: Int32Array;
  W: Float64Array;
}

/** Input description of a lattice, as found in a model file. */
export type LatticeSpec =
  | { kind: 'chain' | 'square' | 'triangular'; size: number[]; boundary?: Boundary }
  | {
    kind: 'graph'; sites: number; bonds: Array<[number, number] | [number, number, number]>;
    bonds2?: Array<[number, number] | [number, number, number]>;
  };

type Vec2 = [number, number];
/** 2x2 integer matrices acting on (x, y) lattice coordinates, row-major [a, b, c, d]. */
type Mat2 = [number, number, number, number];

const SQUARE_POINT_GROUP: Mat2[] = [
  [1, 0, 0, 1], [-1, 0, 0, 1], [1, 0, 0, -1], [-1, 0, 0, -1],
  [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, -1, 0], [0, -1, -1, 0],
];
// C6v in rhombic coordinates: the 60-degree rotation sends a1 -> a2, a2 -> a2 - a1, i.e.
// (x, y) -> (-y, x + y); the mirror y -> -y sends a1 -> a1, a2 -> a1 - a2, i.e. (x, y) -> (x + y, -y).
const TRI_ROT: Mat2 = [0, -1, 1, 1];
const TRI_MIRROR: Mat2 = [1, 1, 0, -1];
const CHAIN_POINT_GROUP: Mat2[] = [[1, 0, 0, 1], [-1, 0, 0, 1]];

function mul(a: Mat2, b: Mat2): Mat2 {
  return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3]];
}

function closure(gens: Mat2[]): Mat2[] {
  const out: Mat2[] = [[1, 0, 0, 1]];
  const key = (m: Mat2) => m.join(',');
  const seen = new Set(out.map(key));
  for (let k = 0; k < out.length; k++) {
    for (const g of gens) {
      const m = mul(g, out[k]);
      if (!seen.has(key(m))) {
        seen.add(key(m));
        out.push(m);
      }
    }
  }
  return out;
}

const mod = (a: number, n: number) => ((a % n) + n) % n;

function bondKey(i: number, j: number): string {
  return i < j ? `${i},${j}` : `${j},${i}`;
}

/** Per unordered site pair, the summed weight of every class: the form in which bond lists are compared. */
function pairTable(classes: BondSet[], perm: Int32Array | null): Map<string, number[]> {
  const t = new Map<string, number[]>();
  classes.forEach((c, k) => {
    for (let b = 0; b < c.I.length; b++) {
      const key = perm ? bondKey(perm[c.I[b]], perm[c.J[b]]) : bondKey(c.I[b], c.J[b]);
      let v = t.get(key);
      if (!v) t.set(key, (v = new Array<number>(classes.length).fill(0)));
      v[k] += c.W[b];
    }
  });
  return t;
}

/**
 * True when the site permutation `perm` maps each weighted bond class onto itself (pairs are
 * unordered; repeated pairs count with their summed weight). The one symmetry check of bond lists:
 * lattices use it for their point groups, Hamiltonians for their isSymmetry.
 */
export function preservesPairs(classes: BondSet[], perm: Int32Array): boolean {
  const before = pairTable(classes, null);
  const mapped = pairTable(classes, perm);
  if (before.size !== mapped.size) return false;
  for (const [k, w] of before) {
    const v = mapped.get(k);
    if (!v) return false;
    for (let c = 0; c < w.length; c++) if (Math.abs(v[c] - w[c]) > 1e-12 * Math.max(1, Math.abs(w[c]))) return false;
  }
  return true;
}

/** True when `perm` maps the weighted nearest- and second-neighbour bond sets onto themselves. */
export function preservesBonds(lat: Pick<Lattice, 'bondI' | 'bondJ' | 'bondW' | 'bonds2'>, perm: Int32Array): boolean {
  return preservesPairs([{ I: lat.bondI, J: lat.bondJ, W: lat.bondW }, lat.bonds2], perm);
}

/**
 * Distinct unordered pairs of a bond list, self-pairs dropped: a pair listed k times counts once
 * (weight of its first listing) with `merge = 'once'` (pairs generated by lattice vectors), or with
 * the summed weight with `merge = 'sum'` (explicit graph bonds).
 */
export function uniquePairs(I: ArrayLike<number>, J: ArrayLike<number>, W: ArrayLike<number>, merge: 'once' | 'sum'): BondSet {
  const index = new Map<string, number>();
  const oi: number[] = [];
  const oj: number[] = [];
  const ow: number[] = [];
  for (let b = 0; b < I.length; b++) {
    if (I[b] === J[b]) continue;
    const k = bondKey(I[b], J[b]);
    const at = index.get(k);
    if (at === undefined) {
      index.set(k, oi.length);
      oi.push(Math.min(I[b], J[b]));
      oj.push(Math.max(I[b], J[b]));
      ow.push(W[b]);
    } else if (merge === 'sum') ow[at] += W[b];
  }
  return { I: Int32Array.from(oi), J: Int32Array.from(oj), W: Float64Array.from(ow) };
}

/**
 * The nearest-neighbour class as distinct pairs (the XXZ convention): a doubled bond of a periodic
 * side of 2 counts once; a graph's repeated bonds add their weights.
 */
export function distinctBonds(lat: Lattice): BondSet {
  return uniquePairs(lat.bondI, lat.bondJ, lat.bondW, lat.kind === 'graph' ? 'sum' : 'once');
}

function isPermutation(p: Int32Array): boolean {
  const seen = new Uint8Array(p.length);
  for (const v of p) {
    if (v < 0 || v >= p.length || seen[v]) return false;
    seen[v] = 1;
  }
  return true;
}

interface Grid {
  Lx: number;
  Ly: number;
  periodic: boolean;
  dirs: Vec2[];
  /** Second-neighbour vectors. */
  dirs2: Vec2[];
  pointCandidates: Mat2[];
  cart: (x: number, y: number) => Vec2;
}

function buildGrid(kind: 'chain' | 'square' | 'triangular', size: number[], boundary: Boundary, g: Grid): Lattice {
  const { Lx, Ly, periodic } = g;
  const n = Lx * Ly;
  const pairs = (dirs: Vec2[]): [number[], number[]] => {
    const I: number[] = [];
    const J: number[] = [];
    for (let y = 0; y < Ly; y++) {
      for (let x = 0; x < Lx; x++) {
        for (const [dx, dy] of dirs) {
          let x2 = x + dx;
          let y2 = y + dy;
          if (periodic) {
            x2 = mod(x2, Lx);
            y2 = mod(y2, Ly);
          } else if (x2 < 0 || x2 >= Lx || y2 < 0 || y2 >= Ly) continue;
          I.push(x + Lx * y);
          J.push(x2 + Lx * y2);
        }
      }
    }
    return [I, J];
  };
  const [I, J] = pairs(g.dirs);
  const [I2, J2] = pairs(g.dirs2);
  const coords = new Float64Array(2 * n);
  for (let y = 0; y < Ly; y++) {
    for (let x = 0; x < Lx; x++) {
      const [cx, cy] = g.cart(x, y);
      coords[2 * (x + Lx * y)] = cx;
      coords[2 * (x + Lx * y) + 1] = cy;
    }
  }
  const lat: Lattice = {
    kind, size: [...size], boundary, nSites: n,
    bondI: Int32Array.from(I), bondJ: Int32Array.from(J), bondW: new Float64Array(I.length).fill(1),
    bonds2: uniquePairs(I2, J2, new Float64Array(I2.length).fill(1), 'once'),
    coords, translations: [], pointGroup: [],
  };
  if (periodic) {
    const tx = new Int32Array(n);
    const ty = new Int32Array(n);
    for (let y = 0; y < Ly; y++) {
      for (let x = 0; x < Lx; x++) {
        tx[x + Lx * y] = mod(x + 1, Lx) + Lx * y;
        ty[x + Lx * y] = x + Lx * mod(y + 1, Ly);
      }
    }
    if (Lx > 1) lat.translations.push({ perm: tx, order: Lx });
    if (Ly > 1) lat.translations.push({ perm: ty, order: Ly });
  }
  const seen = new Set<string>();
  for (const m of g.pointCandidates) {
    const perm = new Int32Array(n);
    const xs = new Int32Array(n);
    const ys = new Int32Array(n);
    for (let y = 0; y < Ly; y++) {
      for (let x = 0; x < Lx; x++) {
        xs[x + Lx * y] = m[0] * x + m[1] * y;
        ys[x + Lx * y] = m[2] * x + m[3] * y;
      }
    }
    // Periodic: rotate about site 0 and wrap. Open: rotate, then shift back into the box.
    let ox = 0;
    let oy = 0;
    if (!periodic) {
      ox = -Math.min(...xs);
      oy = -Math.min(...ys);
    }
    let ok = true;
    for (let i = 0; i < n && ok; i++) {
      let x = xs[i] + ox;
      let y = ys[i] + oy;
      if (periodic) {
        x = mod(x, Lx);
        y = mod(y, Ly);
      } else if (x >= Lx || y >= Ly) ok = false;
      perm[i] = x + Lx * y;
    }
    if (!ok || !isPermutation(perm) || !preservesBonds(lat, perm)) continue;
    const key = perm.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    lat.pointGroup.push(perm);
  }
  return lat;
}

/** Builds a lattice from its model-file description (already validated by `parseModel`). */
export function makeLattice(spec: LatticeSpec): Lattice {
  if (spec.kind === 'graph') {
    const n = spec.sites;
    const I = new Int32Array(spec.bonds.length);
    const J = new Int32Array(spec.bonds.length);
    const W = new Float64Array(spec.bonds.length);
    spec.bonds.forEach((b, k) => {
      I[k] = b[0];
      J[k] = b[1];
      W[k] = b.length > 2 ? (b[2] as number) : 1;
    });
    const coords = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      coords[2 * i] = Math.cos((2 * Math.PI * i) / n);
      coords[2 * i + 1] = Math.sin((2 * Math.PI * i) / n);
    }
    const id = new Int32Array(n).map((_, i) => i);
    const b2 = spec.bonds2 ?? [];
    return {
      kind: 'graph', size: [n], boundary: 'open', nSites: n, bondI: I, bondJ: J, bondW: W,
      bonds2: uniquePairs(b2.map((b) => b[0]), b2.map((b) => b[1]), b2.map((b) => (b.length > 2 ? (b[2] as number) : 1)), 'sum'),
      coords, translations: [], pointGroup: [id],
    };
  }
  const boundary = spec.boundary ?? 'periodic';
  const periodic = boundary === 'periodic';
  if (spec.kind === 'chain') {
    return buildGrid('chain', spec.size, boundary, {
      Lx: spec.size[0], Ly: 1, periodic, dirs: [[1, 0]], dirs2: [[2, 0]], pointCandidates: CHAIN_POINT_GROUP,
      cart: (x) => [x, 0],
    });
  }
  if (spec.kind === 'square') {
    return buildGrid('square', spec.size, boundary, {
      Lx: spec.size[0], Ly: spec.size[1], periodic, dirs: [[1, 0], [0, 1]], dirs2: [[1, 1], [1, -1]], pointCandidates: SQUARE_POINT_GROUP,
      cart: (x, y) => [x, y],
    });
  }
  if (spec.kind === 'triangular') {
    return buildGrid('triangular', spec.size, boundary, {
      Lx: spec.size[0], Ly: spec.size[1], periodic, dirs: [[1, 0], [0, 1], [-1, 1]], dirs2: [[1, 1], [-1, 2], [-2, 1]],
      pointCandidates: closure([TRI_ROT, TRI_MIRROR]),
      cart: (x, y) => [x + 0.5 * y, (Math.sqrt(3) / 2) * y],
    });
  }
  throw new InputError(`model.lattice.kind: unknown lattice "${(spec as { kind: string }).kind}"`);
}
