/**
 * Symmetry groups of the TFIM for block diagonalization: translations, point-group elements and
 * the global spin flip, their action on basis states and on momenta, and 1D characters.
 *
 * Conventions. A site permutation `perm` acts on basis states as the operator P moving the spin
 * of site i to site perm[i]: bit perm[i] of P x is bit i of x. Then P_a P_b = P_{a o b} with
 * (a o b)[i] = a[b[i]] (apply b first), so composing permutations composes operators. The spin
 * flip F flips every bit and commutes with all P. A group element is (perm, flip) = P F^flip.
 *
 * Momenta: the translation group is Z_L1 x Z_L2 (generators of the lattice), T_a = T_1^a1 T_2^a2.
 * A momentum is an integer vector m with k.a = 2 pi sum_j m_j a_j / L_j, and the momentum-k
 * sector is where T_a acts as chi(T_a) = exp(-i k.a).
 */
import type { Lattice } from './lattice.ts';

/** (a o b)[i] = a[b[i]]: the permutation "b, then a". */
export function composePerm(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = a[b[i]];
  return out;
}

/** The inverse permutation. */
export function invertPerm(p: Int32Array): Int32Array {
  const out = new Int32Array(p.length);
  for (let i = 0; i < p.length; i++) out[p[i]] = i;
  return out;
}

/** Equality of two permutations. */
export function samePerm(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True for the identity permutation. */
export function isIdentityPerm(p: Int32Array): boolean {
  for (let i = 0; i < p.length; i++) if (p[i] !== i) return false;
  return true;
}

/** The translation group Z_L1 x ... of a lattice, element by element. */
export interface TranslationGroup {
  /** Orders of the generators (empty: no translations). */
  L: number[];
  /** Element t: its vector a (generator powers) and permutation T_a; t = 0 is the identity. */
  vectors: number[][];
  perms: Int32Array[];
  /** Element index of the translation taking site 0 to site s (-1 if none). */
  bySite: Int32Array;
}

/** Enumerates T_a = T_1^a1 T_2^a2 (a1 fastest), checking that distinct a move site 0 apart. */
export function translationGroup(lat: Lattice): TranslationGroup {
  const n = lat.nSites;
  const L = lat.translations.map((t) => t.order);
  const id = Int32Array.from({ length: n }, (_, i) => i);
  let vectors: number[][] = [[]];
  let perms: Int32Array[] = [id];
  for (const gen of lat.translations) {
    const nv: number[][] = [];
    const np: Int32Array[] = [];
    let power: Int32Array = id;
    for (let a = 0; a < gen.order; a++) {
      for (let t = 0; t < perms.length; t++) {
        nv.push([...vectors[t], a]);
        np.push(composePerm(power, perms[t]));
      }
      power = composePerm(gen.perm, power);
    }
    if (!isIdentityPerm(power)) throw new Error(`translationGroup: generator order ${gen.order} is wrong`);
    vectors = nv;
    perms = np;
  }
  const bySite = new Int32Array(n).fill(-1);
  perms.forEach((p, t) => {
    if (bySite[p[0]] !== -1) throw new Error('translationGroup: two translations move site 0 to the same site');
    bySite[p[0]] = t;
  });
  return { L, vectors, perms, bySite };
}

/**
 * How a site permutation p acts on translations: p T_{e_j} p^-1 = T_{M e_j}. Returns the columns
 * M e_j, or null when p does not normalize the translation group (then it cannot be combined
 * with momenta).
 */
export function conjugationMatrix(tg: TranslationGroup, p: Int32Array): number[][] | null {
  const pinv = invertPerm(p);
  const cols: number[][] = [];
  for (let j = 0; j < tg.L.length; j++) {
    const ej = tg.L.map((_, l) => (l === j ? 1 : 0));
    const tj = tg.perms[translationIndex(tg, ej)];
    const q = composePerm(p, composePerm(tj, pinv));
    const t = tg.bySite[q[0]];
    if (t < 0 || !samePerm(q, tg.perms[t])) return null;
    cols.push(tg.vectors[t]);
  }
  return cols;
}

/** Element index of T_a. */
export function translationIndex(tg: TranslationGroup, a: number[]): number {
  for (let t = 0; t < tg.vectors.length; t++) {
    const v = tg.vectors[t];
    let ok = true;
    for (let j = 0; j < v.length; j++) if (((a[j] % tg.L[j]) + tg.L[j]) % tg.L[j] !== v[j]) ok = false;
    if (ok) return t;
  }
  throw new Error(`translationIndex: no translation ${a}`);
}

/**
 * The momentum m' with k'.a = k.(M a) for all a (M from {@link conjugationMatrix}): this is how
 * the point-group element acts on momentum sectors (up to inversion, which does not matter for
 * orbits, fixed points or k -> -k). m'_j = L_j sum_l m_l (M e_j)_l / L_l mod L_j, an integer
 * because M maps the lattice of translations onto itself.
 */
export function actOnMomentum(tg: TranslationGroup, M: number[][], m: number[]): number[] {
  return tg.L.map((Lj, j) => {
    let num = 0;
    for (let l = 0; l < tg.L.length; l++) num += (m[l] * M[j][l] * Lj) / tg.L[l];
    const r = Math.round(num);
    if (Math.abs(num - r) > 1e-9) throw new Error(`actOnMomentum: non-integer image ${num}`);
    return ((r % Lj) + Lj) % Lj;
  });
}

/** -k as an integer vector in [0, L_j). */
export const negMomentum = (tg: TranslationGroup, m: number[]): number[] => m.map((x, j) => (tg.L[j] - x) % tg.L[j]);
/** Equality of momenta given as reduced integer vectors. */
export const sameMomentum = (a: number[], b: number[]): boolean => a.every((x, j) => x === b[j]);
/** k with every component 0 or pi: all translation characters are real. */
export const isRealMomentum = (tg: TranslationGroup, m: number[]): boolean => m.every((x, j) => (2 * x) % tg.L[j] === 0);

/** One representative momentum per star (orbit under the point group and k -> -k), with its size. */
export function momentumStars(tg: TranslationGroup, mats: number[][][]): Array<{ m: number[]; size: number }> {
  const all = tg.vectors.map((v) => v.slice());
  const key = (m: number[]) => m.join(',');
  const seen = new Set<string>();
  const stars: Array<{ m: number[]; size: number }> = [];
  for (const m of all) {
    if (seen.has(key(m))) continue;
    const orbit = [m];
    seen.add(key(m));
    for (let q = 0; q < orbit.length; q++) {
      const images = [negMomentum(tg, orbit[q]), ...mats.map((M) => actOnMomentum(tg, M, orbit[q]))];
      for (const im of images) {
        if (!seen.has(key(im))) {
          seen.add(key(im));
          orbit.push(im);
        }
      }
    }
    stars.push({ m, size: orbit.length });
  }
  return stars;
}

/**
 * Generators of a largest elementary abelian 2-subgroup (commuting involutions) of the group
 * generated by `perms`; its 1D characters are the sign vectors on the generators.
 */
export function involutionGenerators(perms: Int32Array[]): Int32Array[] {
  const inv = perms.filter((p) => !isIdentityPerm(p) && isIdentityPerm(composePerm(p, p)));
  const commute = (a: Int32Array, b: Int32Array) => samePerm(composePerm(a, b), composePerm(b, a));
  let best: Int32Array[] = [];
  let bestSize = 1;
  // Point groups have at most 7 involutions (C6v), so all subsets is cheap.
  const cap = Math.min(inv.length, 12);
  for (let mask = 1; mask < 1 << cap; mask++) {
    const set = inv.filter((_, i) => (mask >> i) & 1);
    let ok = true;
    for (let a = 0; a < set.length && ok; a++) for (let b = a + 1; b < set.length && ok; b++) ok = commute(set[a], set[b]);
    if (!ok) continue;
    const gens = independent(set);
    if (2 ** gens.length > bestSize) {
      bestSize = 2 ** gens.length;
      best = gens;
    }
  }
  return best;
}

/** A minimal generating subset of commuting involutions (drops products of earlier ones). */
function independent(set: Int32Array[]): Int32Array[] {
  const gens: Int32Array[] = [];
  let group: Int32Array[] = [Int32Array.from({ length: set[0].length }, (_, i) => i)];
  for (const g of set) {
    if (group.some((h) => samePerm(h, g))) continue;
    gens.push(g);
    group = [...group, ...group.map((h) => composePerm(g, h))];
  }
  return gens;
}

/** All products of subsets of `gens`: element `mask` is the product of gens[i] with bit i set. */
export function subsetProducts(gens: Int32Array[], n: number): Int32Array[] {
  const out: Int32Array[] = [Int32Array.from({ length: n }, (_, i) => i)];
  for (let mask = 1; mask < 1 << gens.length; mask++) {
    const low = 31 - Math.clz32(mask);
    out.push(composePerm(gens[low], out[mask ^ (1 << low)]));
  }
  return out;
}

/**
 * A finite group of spin-flip-decorated site permutations, element g = T_t A_mask F^flip at
 * index (t |A| + mask) F + flip (identity at 0), with byte tables for applying it to states.
 */
export interface SymGroup {
  nSites: number;
  size: number;
  /** Per element: translation index, point-subgroup mask, flip. */
  tIndex: Int32Array;
  aMask: Int32Array;
  flip: Uint8Array;
  perms: Int32Array[];
  /** Multiplication table: mul[g * size + h] = index of g h. */
  mul: Int32Array;
  /** Byte tables: element g, chunk c, byte b at ((g * chunks) + c) * 256 + b. */
  tables: Int32Array;
  chunks: number;
  flipMask: number;
}

/** Byte lookup tables mapping x to P x for permutation `perm`. */
export function permTables(perm: Int32Array, out: Int32Array, offset: number): void {
  const n = perm.length;
  const chunks = Math.ceil(n / 8);
  for (let c = 0; c < chunks; c++) {
    for (let b = 0; b < 256; b++) {
      let y = 0;
      for (let k = 0; k < 8; k++) {
        const i = 8 * c + k;
        if (i < n && (b >> k) & 1) y |= 1 << perm[i];
      }
      out[offset + c * 256 + b] = y;
    }
  }
}

/** P x for a permutation given by {@link permTables} at `offset`. */
export function applyTables(tables: Int32Array, offset: number, chunks: number, x: number): number {
  let y = tables[offset + (x & 255)];
  if (chunks > 1) y |= tables[offset + 256 + ((x >>> 8) & 255)];
  if (chunks > 2) y |= tables[offset + 512 + ((x >>> 16) & 255)];
  if (chunks > 3) y |= tables[offset + 768 + ((x >>> 24) & 255)];
  return y;
}

/** The group T x A (x F if `withFlip`), T from `tg`, A generated by the commuting involutions `aGens`. */
export function makeGroup(tg: TranslationGroup, aGens: Int32Array[], withFlip: boolean, nSites: number): SymGroup {
  if (nSites > 31) throw new RangeError(`makeGroup: ${nSites} sites do not fit a 32-bit state index`);
  const aElems = subsetProducts(aGens, nSites);
  const nA = aElems.length;
  const nF = withFlip ? 2 : 1;
  const size = tg.perms.length * nA * nF;
  const tIndex = new Int32Array(size);
  const aMask = new Int32Array(size);
  const flip = new Uint8Array(size);
  const perms: Int32Array[] = [];
  const chunks = Math.ceil(nSites / 8);
  const tables = new Int32Array(size * chunks * 256);
  for (let t = 0; t < tg.perms.length; t++) {
    for (let a = 0; a < nA; a++) {
      const perm = composePerm(tg.perms[t], aElems[a]);
      for (let f = 0; f < nF; f++) {
        const g = (t * nA + a) * nF + f;
        tIndex[g] = t;
        aMask[g] = a;
        flip[g] = f;
        perms.push(perm);
        permTables(perm, tables, g * chunks * 256);
      }
    }
  }
  const index = new Map<string, number>();
  for (let g = 0; g < size; g++) {
    const k = `${perms[g].join(',')}|${flip[g]}`;
    if (index.has(k)) throw new Error('makeGroup: two elements act identically (the group is not T x A x F)');
    index.set(k, g);
  }
  const mul = new Int32Array(size * size);
  for (let g = 0; g < size; g++) {
    for (let h = 0; h < size; h++) {
      const k = `${composePerm(perms[g], perms[h]).join(',')}|${flip[g] ^ flip[h]}`;
      const gh = index.get(k);
      if (gh === undefined) throw new Error('makeGroup: the elements do not close under multiplication');
      mul[g * size + h] = gh;
    }
  }
  const flipMask = nSites === 32 ? -1 : (1 << nSites) - 1;
  return { nSites, size, tIndex, aMask, flip, perms, mul, tables, chunks, flipMask };
}

/** g x for element index g of `G`. */
export function applyElement(G: SymGroup, g: number, x: number): number {
  const y = applyTables(G.tables, g * G.chunks * 256, G.chunks, x);
  return G.flip[g] ? y ^ G.flipMask : y;
}

/** A 1D character as two arrays over the elements of its group. */
export interface Character {
  re: Float64Array;
  im: Float64Array;
}

/**
 * chi(T_a A_mask F^f) = exp(-i k.a) prod_{i in mask} aSigns[i] * parity^f. A homomorphism when
 * every A element fixes k (check with {@link isCharacter}).
 */
export function character(G: SymGroup, tg: TranslationGroup, m: number[], aSigns: number[], parity: number): Character {
  const re = new Float64Array(G.size);
  const im = new Float64Array(G.size);
  // k.a / 2 pi = num / den in integers, so that k.a = pi gives exactly -1, not -1 + 1e-16 i.
  const den = tg.L.reduce((x, y) => lcm(x, y), 1);
  for (let g = 0; g < G.size; g++) {
    const a = tg.vectors[G.tIndex[g]];
    let num = 0;
    for (let j = 0; j < a.length; j++) num += m[j] * a[j] * (den / tg.L[j]);
    num %= den;
    let sign = G.flip[g] ? parity : 1;
    for (let i = 0; i < aSigns.length; i++) if ((G.aMask[g] >> i) & 1) sign *= aSigns[i];
    const [c, s] = unitRoot(num, den);
    re[g] = sign * c;
    im[g] = -sign * s;
  }
  return { re, im };
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const lcm = (a: number, b: number): number => (a / gcd(a, b)) * b;

/** (cos 2 pi x, sin 2 pi x) for x = num / den in [0, 1), exact at multiples of 1/4. */
function unitRoot(num: number, den: number): [number, number] {
  if ((4 * num) % den === 0) {
    const q = (4 * num) / den;
    return ([[1, 0], [0, 1], [-1, 0], [0, -1]] as Array<[number, number]>)[q];
  }
  const x = (2 * Math.PI * num) / den;
  return [Math.cos(x), Math.sin(x)];
}

/** True when chi(g h) = chi(g) chi(h) for all elements (to 1e-9). */
export function isCharacter(G: SymGroup, chi: Character): boolean {
  const n = G.size;
  for (let g = 0; g < n; g++) {
    for (let h = 0; h < n; h++) {
      const gh = G.mul[g * n + h];
      const pr = chi.re[g] * chi.re[h] - chi.im[g] * chi.im[h];
      const pi = chi.re[g] * chi.im[h] + chi.im[g] * chi.re[h];
      if (Math.abs(pr - chi.re[gh]) > 1e-9 || Math.abs(pi - chi.im[gh]) > 1e-9) return false;
    }
  }
  return true;
}

/**
 * For an antiunitary Theta = P_g K (K = complex conjugation in the spin basis): true when
 * g h g^-1 is in G with chi(g h g^-1) = conj(chi(h)) for every h, i.e. Theta maps the chi-sector
 * onto itself.
 */
export function conjugatesCharacter(G: SymGroup, chi: Character, g: Int32Array): boolean {
  const ginv = invertPerm(g);
  const index = new Map<string, number>();
  for (let h = 0; h < G.size; h++) index.set(`${G.perms[h].join(',')}|${G.flip[h]}`, h);
  for (let h = 0; h < G.size; h++) {
    const c = index.get(`${composePerm(g, composePerm(G.perms[h], ginv)).join(',')}|${G.flip[h]}`);
    if (c === undefined) return false;
    if (Math.abs(chi.re[c] - chi.re[h]) > 1e-9 || Math.abs(chi.im[c] + chi.im[h]) > 1e-9) return false;
  }
  return true;
}
