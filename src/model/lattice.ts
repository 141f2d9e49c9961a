/**
 * Lattices: sites, bonds (with weights) and the site permutations that map the bond set onto itself.
 *
 * Site numbering: chain i = x; square and triangular i = x + Lx * y. Triangular lattices use
 * rhombic coordinates r = x a1 + y a2 with a1 = (1, 0), a2 = (1/2, sqrt(3)/2); the three bond
 * directions are a1, a2 and a2 - a1. A periodic lattice with a side of 2 has doubled bonds (both
 * neighbours are the same site); they are kept, as the Hamiltonian with periodic wrapping implies.
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

/** Input description of a lattice, as found in a model file. */
export type LatticeSpec =
  | { kind: 'chain' | 'square' | 'triangular'; size: number[]; boundary?: Boundary }
  | { kind: 'graph'; sites: number; bonds: Array<[number, number] | [number, number, number]> };

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

/** Total weight per unordered site pair: the form in which two bond lists are compared. */
function bondTable(bondI: Int32Array, bondJ: Int32Array, bondW: Float64Array): Map<string, number> {
  const t = new Map<string, number>();
  for (let b = 0; b < bondI.length; b++) {
    const k = bondKey(bondI[b], bondJ[b]);
    t.set(k, (t.get(k) ?? 0) + bondW[b]);
  }
  return t;
}

/** True when the site permutation `perm` maps the weighted bond set onto itself. */
export function preservesBonds(lat: Pick<Lattice, 'bondI' | 'bondJ' | 'bondW'>, perm: Int32Array): boolean {
  const before = bondTable(lat.bondI, lat.bondJ, lat.bondW);
  const mapped = bondTable(lat.bondI.map((i) => perm[i]), lat.bondJ.map((j) => perm[j]), lat.bondW);
  if (before.size !== mapped.size) return false;
  for (const [k, w] of before) {
    const v = mapped.get(k);
    if (v === undefined || Math.abs(v - w) > 1e-12 * Math.max(1, Math.abs(w))) return false;
  }
  return true;
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
  pointCandidates: Mat2[];
  cart: (x: number, y: number) => Vec2;
}

function buildGrid(kind: 'chain' | 'square' | 'triangular', size: number[], boundary: Boundary, g: Grid): Lattice {
  const { Lx, Ly, periodic } = g;
  const n = Lx * Ly;
  const I: number[] = [];
  const J: number[] = [];
  for (let y = 0; y < Ly; y++) {
    for (let x = 0; x < Lx; x++) {
      for (const [dx, dy] of g.dirs) {
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
    return {
      kind: 'graph', size: [n], boundary: 'open', nSites: n, bondI: I, bondJ: J, bondW: W,
      coords, translations: [], pointGroup: [id],
    };
  }
  const boundary = spec.boundary ?? 'periodic';
  const periodic = boundary === 'periodic';
  if (spec.kind === 'chain') {
    return buildGrid('chain', spec.size, boundary, {
      Lx: spec.size[0], Ly: 1, periodic, dirs: [[1, 0]], pointCandidates: CHAIN_POINT_GROUP,
      cart: (x) => [x, 0],
    });
  }
  if (spec.kind === 'square') {
    return buildGrid('square', spec.size, boundary, {
      Lx: spec.size[0], Ly: spec.size[1], periodic, dirs: [[1, 0], [0, 1]], pointCandidates: SQUARE_POINT_GROUP,
      cart: (x, y) => [x, y],
    });
  }
  if (spec.kind === 'triangular') {
    return buildGrid('triangular', spec.size, boundary, {
      Lx: spec.size[0], Ly: spec.size[1], periodic, dirs: [[1, 0], [0, 1], [-1, 1]],
      pointCandidates: closure([TRI_ROT, TRI_MIRROR]),
      cart: (x, y) => [x + 0.5 * y, (Math.sqrt(3) / 2) * y],
    });
  }
  throw new InputError(`model.lattice.kind: unknown lattice "${(spec as { kind: string }).kind}"`);
}
