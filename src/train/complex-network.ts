/**
 * Complex-valued purified RBM for models that conserve total Sz (XXZ, Heisenberg, J1-J2), with
 * spin-1/2 operators S = sigma/2. Visible spins x = (s, a): s = physical (x[0..N-1]), a = ancilla
 * (x[N..2N-1]), each ±1. The amplitude, with every parameter complex,
 *
 *   log phi(s, a) = b_s sum_i s_i + b_a sum_i a_i + sum_c [js_c sum_{(ij) in c} s_i s_j + ja_c sum_{(ij) in c} a_i a_j]
 *                   + sum_{f, g} log 2 cosh(theta_fg),
 *   theta_fg = c_f + sum_i W_f[rho_g(i)] s_i + V_f[rho_g(i)] a_i,
 *
 * approximates Psi(s, a) = <s| e^{-beta H/2} |a> = M(s) M(a) phi(s, a), with M the optional Marshall
 * sign (-1)^(up spins on sublattice B), or = (-1)^d(s, a) phi(s, a) with the optional path sign
 * ({@link PathSign}). Parameters are shared over lattice translations g (rho_g =
 * T_g^{-1} maps a site to its displacement from the unit's origin) when the translations act simply
 * transitively; otherwise unshared (one feature per hidden unit, rho = identity). Pair classes c are
 * the translation orbits of site pairs (Jastrow terms, which carry the diagonal Sz Sz part exactly
 * at first order in beta).
 *
 * Start (see {@link startParams}): feature(s) "delta" with W = w, V = -w on one displacement give
 * per site 2 cosh(w (s_i - a_i)) = 2 [1 if s_i = a_i, cosh(2w) otherwise]. w = i pi/4 is the exact
 * beta = 0 state, 2 delta(s_i, a_i). Trap: from that state imaginary-time TDVP cannot leave the
 * diagonal (H Psi_0 lives on configurations with two mismatched sites, where every parameter
 * derivative of Psi still carries a vanishing cos factor), so training starts at a small beta0 with
 * cosh(2w) = eps, eps^2 = -(beta0/4) J m (m = -1 across Marshall-signed bonds, else 1): the
 * nearest-neighbour exchange element of 1 - beta0 H / 2, exact at first order in beta0 for the
 * energy. Trap: non-bond pairs get the same amplitude eps^2 (exact: order beta0^d at distance d).
 * That is an error of the starting ensemble, and imaginary time keeps it: e at T = 1 moves by
 * -0.5% on the 8-site chain when beta0 goes from 0.001 to 0.01 (docs/design.md).
 */
import { InputError } from '../util/errors.ts';
import { invertPerm, translationGroup } from '../model/symmetry.ts';
import type { Xxz } from '../model/xxz.ts';
import type { Rng } from '../mc/rng.ts';

/** Structure options of the complex network. */
export interface ComplexNetOptions {
  /** Hidden units per site (>= 1; the first feature is the delta/start feature). */
  alpha: number;
  /** Share parameters over lattice translations (falls back to unshared when they are not simply transitive). */
  share: boolean;
  /** Multiply by the Marshall sign (-1)^(up spins on sublattice B) for s and for a (bipartite nearest-neighbour graph only). */
  marshall: boolean;
  /** Multiply by the path sign (-1)^d(s, a) (see {@link PathSign}; antiferromagnetic exchange only; excludes marshall). */
  pathSign?: boolean;
  /**
   * Average the amplitude over the lattice's point group: phi_sym(x) = sum_g phi(g x), g applied to
   * s and a alike (see {@link SymmetricLocal}). Costs one network evaluation per group element.
   */
  pointGroup?: boolean;
}

/** The network: structure tables and the complex parameter vector (re, im). */
export class ComplexNet {
  readonly N: number;
  /** Translations used (1 = unshared). */
  readonly G: number;
  /** Hidden features; hidden units H = F G = alpha N. */
  readonly F: number;
  readonly H: number;
  /** Pair classes (Jastrow). */
  readonly C: number;
  /** Number of complex parameters. */
  readonly P: number;
  readonly re: Float64Array;
  readonly im: Float64Array;
  /** cls[i N + j]: pair class of (i, j), i != j. */
  readonly cls: Int32Array;
  /** idx[u N + i]: index of W_f[rho_g(i)] for unit u = f G + g (V is idx + N). */
  readonly idx: Int32Array;
  /** Parameter index of c_f for unit u. */
  readonly cIdx: Int32Array;
  /** Sublattice B flag per site when the Marshall sign is on, else null. */
  readonly subB: Int8Array | null;
  /** The path sign's evaluator when that sign is on, else null. */
  readonly path: PathSign | null;
  /** (feature, displacement) pairs of the delta features. */
  readonly delta: Array<[number, number]>;
  readonly shared: boolean;
  /** Offsets of the parameter blocks. */
  readonly jsOff = 2;
  readonly jaOff: number;
  readonly featOff: number;

  constructor(readonly ham: Xxz, readonly opts: ComplexNetOptions) {
    const N = ham.nSites;
    this.N = N;
    if (!Number.isInteger(opts.alpha) || opts.alpha < 1) throw new InputError(`alpha: expected an integer >= 1, got ${opts.alpha}`);
    let rho: Int32Array[] = [Int32Array.from({ length: N }, (_, i) => i)];
    let shared = false;
    if (opts.share && ham.lattice.translations.length > 0) {
      const tg = translationGroup(ham.lattice);
      if (tg.perms.length === N) {
        rho = tg.perms.map((p) => invertPerm(p));
        shared = true;
      }
    }
    this.shared = shared;
    const G = rho.length;
    this.G = G;
    this.F = shared ? opts.alpha : opts.alpha * N;
    this.H = this.F * G;
    // Pair classes: orbits of unordered pairs under the translations (tg.perms[g] = T_g = inverse of rho[g]).
    const T = rho.map((r) => invertPerm(r));
    const cls = new Int32Array(N * N).fill(-1);
    let C = 0;
    for (let i = 0; i < N; i++) {
      for (let j = i + 1; j < N; j++) {
        if (cls[i * N + j] >= 0) continue;
        for (const t of T) {
          const a = t[i];
          const b = t[j];
          cls[a * N + b] = C;
          cls[b * N + a] = C;
        }
        C++;
      }
    }
    this.cls = cls;
    this.C = C;
    this.jaOff = 2 + C;
    this.featOff = 2 + 2 * C;
    this.P = this.featOff + this.F * (1 + 2 * N);
    this.re = new Float64Array(this.P);
    this.im = new Float64Array(this.P);
    this.idx = new Int32Array(this.H * N);
    this.cIdx = new Int32Array(this.H);
    for (let f = 0; f < this.F; f++) {
      const base = this.featOff + f * (1 + 2 * N);
      for (let g = 0; g < G; g++) {
        const u = f * G + g;
        this.cIdx[u] = base;
        for (let i = 0; i < N; i++) this.idx[u * N + i] = base + 1 + rho[g][i];
      }
    }
    // Delta features: shared -> feature 0 on displacement 0 (unit g couples to site T_g(0));
    // unshared -> feature i on site i.
    this.delta = shared ? [[0, 0]] : Array.from({ length: N }, (_, i) => [i, i] as [number, number]);
    this.subB = opts.marshall ? bipartition(ham) : null;
    if (opts.marshall && opts.pathSign) throw new InputError('sign: the Marshall sign and the path sign exclude each other');
    this.path = opts.pathSign ? new PathSign(ham) : null;
  }

  /** Parameter index of W_f[r] (V_f[r] is this + N). */
  wIndex(f: number, r: number): number {
    return this.featOff + f * (1 + 2 * this.N) + 1 + r;
  }

  /** Parameter index of c_f. */
  cIndex(f: number): number {
    return this.featOff + f * (1 + 2 * this.N);
  }

  /**
   * The parameters that are odd under spin inversion (s, a) -> (-s, -a): the fields b_s, b_a and
   * every hidden bias c_f. With them at 0 every other term is even (Jastrow products, and
   * log cosh of a theta that is linear in (s, a)), so phi(-s, -a) = phi(s, a), as the exact
   * amplitude has it without a field (H commutes with the global flip; the Marshall and path signs
   * are even too).
   */
  inversionOdd(): Int32Array {
    return Int32Array.from([0, 1, ...Array.from({ length: this.F }, (_, f) => this.cIndex(f))]);
  }
}

/**
 * Clears the spin-inversion-odd parameters ({@link ComplexNet.inversionOdd}) of a moments set, so
 * that the SR step keeps them where they are (at 0): their rows and columns of S and their F
 * entries become 0, with S_kk = 1 to keep S regular (x_k = 0 then). Their force vanishes in
 * expectation for an inversion-symmetric state; sampled, it is pure noise, which would break the
 * symmetry and feed the near-singular directions of S. `chainF`: each chain's F in the real form
 * (Re, Im), cleared alike.
 */
export function freezeParameters(
  m: { P: number; Sr: Float64Array; Si: Float64Array; Fr: Float64Array; Fi: Float64Array }, frozen: Int32Array, chainF?: Float64Array[],
): void {
  const P = m.P;
  for (const k of frozen) {
    for (let l = 0; l < P; l++) {
      m.Sr[k * P + l] = 0;
      m.Sr[l * P + k] = 0;
      m.Si[k * P + l] = 0;
      m.Si[l * P + k] = 0;
    }
    m.Sr[k * P + k] = 1;
    m.Fr[k] = 0;
    m.Fi[k] = 0;
    for (const f of chainF ?? []) {
      f[k] = 0;
      f[P + k] = 0;
    }
  }
}

/**
 * Whether the Marshall sign makes the represented amplitude positive, so that it is the right
 * default: antiferromagnetic nearest-neighbour exchange (J > 0, every bond weight > 0), no second
 * neighbours (J2 = 0: a J2 > 0 frustrates it) and a bipartite lattice. Then
 * M(s) <s|e^{-beta H/2}|a> M(a) >= 0 for every beta (the exchange is stoquastic in the rotated
 * basis, Marshall 1955), whatever Delta and h.
 */
export function marshallByDefault(ham: Xxz): boolean {
  const { spec, lattice } = ham;
  if (!(spec.J > 0) || spec.J2 !== 0 || lattice.bondW.some((w) => !(w > 0))) return false;
  try {
    bipartition(ham);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the path sign (PathSign) is the default where the Marshall sign is not
 * (marshallByDefault false): some exchange and every exchange pair antiferromagnetic (Jxy > 0),
 * as on frustrated lattices (J1-J2, triangular). There it is the exact sign at high T, and it was
 * measured more accurate than learning the phases from a positive start (docs/design.md, "Method 2").
 * Ferromagnetic exchange is stoquastic already: no prefactor.
 */
export function pathSignByDefault(ham: Xxz): boolean {
  let some = false;
  for (let p = 0; p < ham.jxy.length; p++) {
    if (ham.jxy[p] < 0) return false;
    if (ham.jxy[p] > 0) some = true;
  }
  return some;
}

/**
 * Whether the point-group average (ComplexNetOptions.pointGroup) is the default: wherever the
 * lattice's point group has more than the identity, at one network evaluation per element (2x on a
 * chain, 4x on a 6x4 torus, 8x on the square lattice, 12x on the triangular 3x3 and 4x4 tori). On
 * chains the sampled evolution drifts along the reflection-odd directions of the network, which the
 * average takes out of the amplitude. Measured (docs/design.md, "Method 2"): on the 6- and 8-site
 * chains it removed the mean lag at T = 1; on the 4x4 torus at T = 2 `e` went from 3.4-3.9% to
 * 0.1-0.8% above exact on the Heisenberg antiferromagnet (two seeds) and from 4.1-4.9% to 0.2-1.4%
 * on the J1-J2 model (J2 = J/2, three seeds), at 6-8x the time; on the 6x4 J1-J2 torus and the
 * triangular 3x3 Heisenberg torus it cut the error below T = 2 by about 3x. With 1 element it is
 * the plain network.
 */
export function pointGroupByDefault(ham: Xxz): boolean {
  return ham.lattice.pointGroup.length > 1;
}

/** Sublattice B flags of the nearest-neighbour graph (2-colouring); InputError when it is not bipartite. */
export function bipartition(ham: Xxz): Int8Array {
  const N = ham.nSites;
  const adj: number[][] = Array.from({ length: N }, () => []);
  const L = ham.lattice;
  for (let b = 0; b < L.bondI.length; b++) {
    adj[L.bondI[b]].push(L.bondJ[b]);
    adj[L.bondJ[b]].push(L.bondI[b]);
  }
  const col = new Int8Array(N).fill(-1);
  for (let s0 = 0; s0 < N; s0++) {
    if (col[s0] >= 0) continue;
    col[s0] = 0;
    const queue = [s0];
    while (queue.length) {
      const i = queue.pop()!;
      for (const j of adj[i]) {
        if (col[j] < 0) {
          col[j] = 1 - col[i];
          queue.push(j);
        } else if (col[j] === col[i]) {
          throw new InputError('marshall: the nearest-neighbour lattice is not bipartite (no Marshall sign)');
        }
      }
    }
  }
  return col;
}

/**
 * Sets the start parameters at inverse temperature beta0 >= 0 (see the file comment): delta
 * features with cosh(2w) = eps, Jastrow js = ja = -beta0 Jz / 16 per pair class (on s = a this is
 * exp(-beta0 Jz s_i s_j / 8), the diagonal of 1 - beta0 H / 2), biases beta0 h / 8, and for the
 * other features c_f = small noise (random, from `rng`; a hidden bias breaks the spin-inversion
 * symmetry of the state, and starting at c_f = 0.5 was measured 5x less accurate at T = 1 on the
 * 4-site chain) and couplings W = eta, V = -eta of size `etaScale` (see the body), so that their
 * derivatives are neither zero nor alike. `noise = 0` (no hidden biases) was measured and not
 * adopted: steadier on the 4-site ring, but 1-2% high in e at T = 0.8-2 on the 16-site
 * Heisenberg chain (docs/design.md, the complex network).
 */
export function startParams(net: ComplexNet, beta0: number, rng: Rng, noise = 0.1, etaScale = 0.05): void {
  const { re, im, N, ham } = net;
  re.fill(0);
  im.fill(0);
  const J = ham.spec.J;
  // With a sign prefactor every exchange element of 1 - beta0 H / 2 is positive: the Marshall sign
  // on the bipartite bonds, the path sign on every exchange bond.
  const m = net.subB || net.path ? -1 : 1;
  const q = -(beta0 / 4) * J * m;
  // cosh(2w) = eps with eps^2 = q.
  let wr: number;
  let wi: number;
  if (q >= 0) {
    wr = 0;
    wi = Math.acos(Math.sqrt(q)) / 2;
  } else {
    wr = Math.asinh(Math.sqrt(-q)) / 2;
    wi = Math.PI / 4;
  }
  if (q > 1) throw new InputError(`beta0 = ${beta0} is too large for the first-order start`);
  const isDelta = new Uint8Array(net.F);
  for (const [f, r] of net.delta) {
    const k = net.wIndex(f, r);
    re[k] = wr;
    im[k] = wi;
    re[k + N] = -wr;
    im[k + N] = -wi;
    isDelta[f] = 1;
  }
  for (let p = 0; p < ham.pairI.length; p++) {
    const c = net.cls[ham.pairI[p] * N + ham.pairJ[p]];
    re[net.jsOff + c] = (-beta0 * ham.jz[p]) / 16;
    re[net.jaOff + c] = (-beta0 * ham.jz[p]) / 16;
  }
  re[0] = (beta0 * ham.field) / 8;
  re[1] = (beta0 * ham.field) / 8;
  for (let f = 0; f < net.F; f++) {
    if (isDelta[f]) continue;
    re[net.cIndex(f)] = noise * (rng.next() - 0.5);
    im[net.cIndex(f)] = noise * (rng.next() - 0.5);
    // Small random couplings W_f[r] = eta_r, V_f[r] = -eta_r: theta = c_f + eta . (s - a) equals c_f
    // on the diagonal s = a (the start amplitude is unchanged there; mismatched pairs change at
    // relative order eta). Without them every translated copy of a feature has the same
    // derivative sum_i s_i (and all unshared extra units are alike), so TDVP would keep them
    // uniform (functions of the magnetization only) forever.
    for (let r = 0; r < N; r++) {
      const k = net.wIndex(f, r);
      re[k] = etaScale * (rng.next() - 0.5);
      im[k] = etaScale * (rng.next() - 0.5);
      re[k + N] = -re[k];
      im[k + N] = -im[k];
    }
  }
}

/**
 * The path sign of a purified state, (-1)^d(s, a), with d(s, a) the fewest exchanges along the
 * model's exchange bonds that turn a into s. Why: every exchange element of -beta H / 2 is
 * negative when the exchange is antiferromagnetic (-(beta/4) Jxy_b), so the lowest order of
 * <s|e^{-beta H/2}|a>, the term beta^d, has the sign (-1)^d from every shortest path alike: the
 * exact sign at high T. On a bipartite lattice with nearest-neighbour exchange it is the Marshall
 * sign M(s) M(a); with frustrating bonds (J1-J2) it is not a product over sites, and the phases
 * of the network would have to learn it.
 *
 * d is a two-colour token-swapping distance: the fewest swaps equal the minimum-cost perfect
 * matching between the sites with (s, a) = (up, down) and those with (down, up), the cost of a
 * pair being its graph distance over the exchange bonds (a swap moves one up token by one bond, so
 * d is at least the matching cost; relaying an up token along a shortest path reaches it). The
 * matching is the Hungarian algorithm, O(m^3) for m mismatched up sites, on preallocated arrays.
 */
export class PathSign {
  readonly N: number;
  /** Graph distances over the exchange bonds (N * N; unreachable = N * N). */
  readonly dist: Int32Array;
  private readonly up: Int32Array;
  private readonly dn: Int32Array;
  private readonly u: Float64Array;
  private readonly v: Float64Array;
  private readonly minv: Float64Array;
  private readonly pm: Int32Array;
  private readonly way: Int32Array;
  private readonly used: Uint8Array;

  constructor(ham: Xxz) {
    const N = ham.nSites;
    this.N = N;
    const adj: number[][] = Array.from({ length: N }, () => []);
    for (let p = 0; p < ham.pairI.length; p++) {
      if (ham.jxy[p] === 0) continue;
      if (!(ham.jxy[p] > 0)) throw new InputError('sign path: needs antiferromagnetic exchange (every Jxy > 0)');
      adj[ham.pairI[p]].push(ham.pairJ[p]);
      adj[ham.pairJ[p]].push(ham.pairI[p]);
    }
    const far = N * N;
    this.dist = new Int32Array(N * N).fill(far);
    const queue = new Int32Array(N);
    for (let s0 = 0; s0 < N; s0++) {
      const row = s0 * N;
      this.dist[row + s0] = 0;
      let head = 0;
      let tail = 0;
      queue[tail++] = s0;
      while (head < tail) {
        const i = queue[head++];
        for (const j of adj[i]) {
          if (this.dist[row + j] === far) {
            this.dist[row + j] = this.dist[row + i] + 1;
            queue[tail++] = j;
          }
        }
      }
    }
    this.up = new Int32Array(N);
    this.dn = new Int32Array(N);
    this.u = new Float64Array(N + 1);
    this.v = new Float64Array(N + 1);
    this.minv = new Float64Array(N + 1);
    this.pm = new Int32Array(N + 1);
    this.way = new Int32Array(N + 1);
    this.used = new Uint8Array(N + 1);
  }

  /** d(s, a) mod 2 for x = (s, a), with s_i and s_j exchanged first when i >= 0 (x unchanged). */
  parity(x: Int8Array, i: number, j: number): number {
    return this.distance(x, i, j) & 1;
  }

  /** d(s, a) for x = (s, a), with s_i and s_j exchanged first when i >= 0 (x unchanged). */
  distance(x: Int8Array, i: number, j: number): number {
    const { N, up, dn, dist, u, v, minv, pm, way, used } = this;
    let m = 0;
    let q = 0;
    for (let k = 0; k < N; k++) {
      const sk = k === i ? x[j] : k === j ? x[i] : x[k];
      const ak = x[N + k];
      if (sk === ak) continue;
      if (sk > 0) up[m++] = k;
      else dn[q++] = k;
    }
    if (m !== q) throw new Error('path sign: Sz(s) != Sz(a)');
    if (m === 0) return 0;
    // Hungarian algorithm (potentials u, v; pm[col] = matched row, 1-based, 0 = free).
    u.fill(0, 0, m + 1);
    v.fill(0, 0, m + 1);
    pm.fill(0, 0, m + 1);
    way.fill(0, 0, m + 1);
    for (let r = 1; r <= m; r++) {
      pm[0] = r;
      let c0 = 0;
      minv.fill(Infinity, 0, m + 1);
      used.fill(0, 0, m + 1);
      do {
        used[c0] = 1;
        const r0 = pm[c0];
        let delta = Infinity;
        let c1 = 0;
        for (let c = 1; c <= m; c++) {
          if (used[c]) continue;
          const cur = dist[up[r0 - 1] * N + dn[c - 1]] - u[r0] - v[c];
          if (cur < minv[c]) {
            minv[c] = cur;
            way[c] = c0;
          }
          if (minv[c] < delta) {
            delta = minv[c];
            c1 = c;
          }
        }
        for (let c = 0; c <= m; c++) {
          if (used[c]) {
            u[pm[c]] += delta;
            v[c] -= delta;
          } else {
            minv[c] -= delta;
          }
        }
        c0 = c1;
      } while (pm[c0] !== 0);
      do {
        const c1 = way[c0];
        pm[c0] = pm[c1];
        c0 = c1;
      } while (c0 !== 0);
    }
    let cost = 0;
    for (let c = 1; c <= m; c++) cost += dist[up[pm[c] - 1] * N + dn[c - 1]];
    return cost;
  }
}

/** log(2 cosh(x + i y)) into out[0] (re), out[1] (im); the imaginary part modulo 2 pi. */
export function logCosh2(x: number, y: number, out: Float64Array): void {
  if (x < 0) {
    x = -x;
    y = -y;
  }
  // 2 cosh t = e^t (1 + e^{-2t}), |e^{-2t}| <= 1.
  const r = Math.exp(-2 * x);
  const zr = 1 + r * Math.cos(2 * y);
  const zi = -r * Math.sin(2 * y);
  out[0] = x + 0.5 * Math.log(zr * zr + zi * zi);
  out[1] = y + Math.atan2(zi, zr);
}

/** tanh(x + i y) into out[0], out[1]. */
export function tanhC(x: number, y: number, out: Float64Array): void {
  if (Math.abs(x) > 20) {
    out[0] = Math.sign(x);
    out[1] = 0;
    return;
  }
  const d = Math.cosh(2 * x) + Math.cos(2 * y);
  out[0] = Math.sinh(2 * x) / d;
  out[1] = Math.sin(2 * y) / d;
}

/**
 * Per-chain evaluator of one network: caches theta and t = tanh theta of the current configuration;
 * log-amplitude ratios of moves, log-derivatives O_k and the local energy. No allocation after
 * construction.
 *
 * Ratios without transcendental functions per unit: a move changes theta_u by D_u = sum_v p_k(v) d_v
 * (d_v = -2 x_v, p_k the coupling of unit u to spin v), and
 *   cosh(theta + D) / cosh(theta) = ((1 + t) e^D + (1 - t) e^{-D}) / 2,
 * where e^{+-D} is a product of the cached e^{+-2 p_k} of the parameters involved (refreshed with the
 * parameters). The ratio of a move is the product of these factors over the units, one logarithm
 * at the end; the local energy, which needs a ratio per connected configuration, costs a few complex
 * multiplications per unit instead of a complex log cosh. An accepted move updates t by the addition
 * theorem tanh(theta + D) = (t + tanh D) / (1 + t tanh D).
 */
export class ComplexLocal implements AmplitudeLocal {
  readonly thR: Float64Array;
  readonly thI: Float64Array;
  /** tanh theta of the current configuration. */
  readonly tR: Float64Array;
  readonly tI: Float64Array;
  /** Proposed theta and e^{+-D} of the last {@link logRatio}, for {@link accept}. */
  readonly prR: Float64Array;
  readonly prI: Float64Array;
  private readonly peR: Float64Array;
  private readonly peI: Float64Array;
  private readonly pfR: Float64Array;
  private readonly pfI: Float64Array;
  /** e^{2 p_k} and e^{-2 p_k} of every parameter (re, im), from the last {@link refresh}. */
  private readonly epR: Float64Array;
  private readonly epI: Float64Array;
  private readonly emR: Float64Array;
  private readonly emI: Float64Array;
  private readonly tmp = new Float64Array(2);
  private readonly scratch: EnergyScratch;
  /** log phi of the current configuration (re, im). */
  lpR = 0;
  lpI = 0;

  constructor(readonly net: ComplexNet) {
    const H = net.H;
    this.thR = new Float64Array(H);
    this.thI = new Float64Array(H);
    this.tR = new Float64Array(H);
    this.tI = new Float64Array(H);
    this.prR = new Float64Array(H);
    this.prI = new Float64Array(H);
    this.peR = new Float64Array(H);
    this.peI = new Float64Array(H);
    this.pfR = new Float64Array(H);
    this.pfI = new Float64Array(H);
    this.epR = new Float64Array(net.P);
    this.epI = new Float64Array(net.P);
    this.emR = new Float64Array(net.P);
    this.emI = new Float64Array(net.P);
    this.scratch = energyScratch(net);
  }

  /** Visible part of log phi (biases and Jastrow) into tmp. */
  private visible(x: Int8Array): void {
    const { net } = this;
    const { N, re, im, cls } = net;
    let sr = 0;
    let si = 0;
    let ms = 0;
    let ma = 0;
    for (let i = 0; i < N; i++) {
      ms += x[i];
      ma += x[N + i];
    }
    const tr = re[0] * ms + re[1] * ma;
    const ti = im[0] * ms + im[1] * ma;
    for (let i = 0; i < N; i++) {
      for (let j = i + 1; j < N; j++) {
        const c = cls[i * N + j];
        const ps = x[i] * x[j];
        const pa = x[N + i] * x[N + j];
        sr += re[net.jsOff + c] * ps + re[net.jaOff + c] * pa;
        si += im[net.jsOff + c] * ps + im[net.jaOff + c] * pa;
      }
    }
    this.tmp[0] = tr + sr;
    this.tmp[1] = ti + si;
  }

  /**
   * Change of the visible part (biases, Jastrow) when visible spins v1 (and v2 >= 0) flip, into
   * tmp, in O(N): flipping site i of one replica changes it by -2 x_i (b + sum_j J_c(ij) x_j); two
   * flips in the same replica counted the pair (i, j) twice, although x_i x_j does not change.
   */
  private visibleDelta(x: Int8Array, v1: number, v2: number): void {
    const { net, tmp } = this;
    const { N, re, im, cls } = net;
    let dr = 0;
    let di = 0;
    for (let q = 0; q < (v2 >= 0 ? 2 : 1); q++) {
      const v = q === 0 ? v1 : v2;
      const off = v < N ? 0 : N;
      const i = v - off;
      const jo = off ? net.jaOff : net.jsOff;
      let sr = re[off ? 1 : 0];
      let si = im[off ? 1 : 0];
      for (let j = 0; j < N; j++) {
        if (j === i) continue;
        const c = jo + cls[i * N + j];
        sr += re[c] * x[off + j];
        si += im[c] * x[off + j];
      }
      dr += -2 * x[v] * sr;
      di += -2 * x[v] * si;
    }
    if (v2 >= 0 && (v1 < N) === (v2 < N)) {
      const off = v1 < N ? 0 : N;
      const c = (off ? net.jaOff : net.jsOff) + cls[(v1 - off) * N + (v2 - off)];
      const p = 4 * x[v1] * x[v2];
      dr += p * re[c];
      di += p * im[c];
    }
    tmp[0] = dr;
    tmp[1] = di;
  }

  /** Recomputes theta, tanh theta, log phi and the e^{+-2 p} cache for configuration x (after a parameter change or a new x). */
  refresh(x: Int8Array): void {
    const { net, thR, thI, tR, tI, tmp, epR, epI, emR, emI } = this;
    const { N, H, P, re, im, idx, cIdx } = net;
    for (let k = 0; k < P; k++) {
      const a = Math.exp(2 * re[k]);
      const c = Math.cos(2 * im[k]);
      const sn = Math.sin(2 * im[k]);
      epR[k] = a * c;
      epI[k] = a * sn;
      emR[k] = c / a;
      emI[k] = -sn / a;
    }
    this.visible(x);
    let lr = tmp[0];
    let li = tmp[1];
    for (let u = 0; u < H; u++) {
      let tr = re[cIdx[u]];
      let ti = im[cIdx[u]];
      const b = u * N;
      for (let i = 0; i < N; i++) {
        const k = idx[b + i];
        tr += re[k] * x[i] + re[k + N] * x[N + i];
        ti += im[k] * x[i] + im[k + N] * x[N + i];
      }
      thR[u] = tr;
      thI[u] = ti;
      logCosh2(tr, ti, tmp);
      lr += tmp[0];
      li += tmp[1];
      tanhC(tr, ti, tmp);
      tR[u] = tmp[0];
      tI[u] = tmp[1];
    }
    this.lpR = lr;
    this.lpI = li;
  }

  /**
   * log phi(x') - log phi(x) (into out; the imaginary part in (-pi, pi]) for x' = x with visible
   * spins v1 (and v2 >= 0) flipped (x unchanged). The proposed theta and e^{+-D} are kept for
   * {@link accept}.
   */
  logRatio(x: Int8Array, v1: number, v2: number, out: Float64Array): void {
    const { net, thR, thI, tR, tI, prR, prI, peR, peI, pfR, pfI, epR, epI, emR, emI, tmp } = this;
    const { N, H, re, im, idx } = net;
    this.visibleDelta(x, v1, v2);
    let logMag = tmp[0];
    const phase0 = tmp[1];
    const site1 = v1 < N ? v1 : v1 - N;
    const off1 = v1 < N ? 0 : N;
    const d1 = -2 * x[v1];
    const two = v2 >= 0;
    const site2 = !two ? 0 : v2 < N ? v2 : v2 - N;
    const off2 = v2 < N ? 0 : N;
    const d2 = !two ? 0 : -2 * x[v2];
    // e^{+-D}: d = -2 means e^{-2p} for e^{D} and e^{2p} for e^{-D}.
    const up1 = d1 > 0;
    const up2 = d2 > 0;
    let rr = 1;
    let ri = 0;
    for (let u = 0; u < H; u++) {
      const k1 = idx[u * N + site1] + off1;
      let tr = thR[u] + re[k1] * d1;
      let ti = thI[u] + im[k1] * d1;
      let er = up1 ? epR[k1] : emR[k1];
      let ei = up1 ? epI[k1] : emI[k1];
      let fr = up1 ? emR[k1] : epR[k1];
      let fi = up1 ? emI[k1] : epI[k1];
      if (two) {
        const k2 = idx[u * N + site2] + off2;
        tr += re[k2] * d2;
        ti += im[k2] * d2;
        const gr = up2 ? epR[k2] : emR[k2];
        const gi = up2 ? epI[k2] : emI[k2];
        const hr = up2 ? emR[k2] : epR[k2];
        const hi = up2 ? emI[k2] : epI[k2];
        let q = er * gr - ei * gi;
        ei = er * gi + ei * gr;
        er = q;
        q = fr * hr - fi * hi;
        fi = fr * hi + fi * hr;
        fr = q;
      }
      prR[u] = tr;
      prI[u] = ti;
      peR[u] = er;
      peI[u] = ei;
      pfR[u] = fr;
      pfI[u] = fi;
      // Factor ((1 + t) e + (1 - t) f) / 2 = (e + f) / 2 + t (e - f) / 2.
      const t0 = tR[u];
      const t1 = tI[u];
      const ar = 0.5 * (er - fr);
      const ai = 0.5 * (ei - fi);
      const cr = 0.5 * (er + fr) + t0 * ar - t1 * ai;
      const ci = 0.5 * (ei + fi) + t0 * ai + t1 * ar;
      const q = rr * cr - ri * ci;
      ri = rr * ci + ri * cr;
      rr = q;
      // Keep the running product representable: fold its modulus into logMag now and then.
      const m2 = rr * rr + ri * ri;
      if (m2 > 1e200 || m2 < 1e-200) {
        const m = Math.sqrt(m2);
        logMag += Math.log(m);
        rr /= m;
        ri /= m;
      }
    }
    out[0] = logMag + 0.5 * Math.log(rr * rr + ri * ri);
    // The visible part's phase plus the product's argument, reduced to (-pi, pi].
    out[1] = Math.atan2(Math.sin(phase0) * rr + Math.cos(phase0) * ri, Math.cos(phase0) * rr - Math.sin(phase0) * ri);
  }

  /** Accepts the last proposal: flips v1 (and v2) in x and adopts the proposed theta; `d` = its log ratio. */
  accept(x: Int8Array, v1: number, v2: number, d: Float64Array): void {
    x[v1] = -x[v1];
    if (v2 >= 0) x[v2] = -x[v2];
    const { H } = this.net;
    const { tR, tI, peR, peI, pfR, pfI } = this;
    for (let u = 0; u < H; u++) {
      // tanh D = (e - f) / (e + f); t' = (t + tanh D) / (1 + t tanh D).
      const nr = peR[u] - pfR[u];
      const ni = peI[u] - pfI[u];
      const sr = peR[u] + pfR[u];
      const si = peI[u] + pfI[u];
      const s2 = sr * sr + si * si;
      const hr = (nr * sr + ni * si) / s2;
      const hi = (ni * sr - nr * si) / s2;
      const t0 = tR[u];
      const t1 = tI[u];
      const ar = t0 + hr;
      const ai = t1 + hi;
      const br = 1 + t0 * hr - t1 * hi;
      const bi = t0 * hi + t1 * hr;
      const b2 = br * br + bi * bi;
      tR[u] = (ar * br + ai * bi) / b2;
      tI[u] = (ai * br - ar * bi) / b2;
    }
    this.thR.set(this.prR);
    this.thI.set(this.prI);
    this.lpR += d[0];
    this.lpI += d[1];
  }

  /** Holomorphic log-derivatives O_k = d log phi / d p_k of the current configuration x. */
  grad(x: Int8Array, oR: Float64Array, oI: Float64Array): void {
    const { net, tR, tI } = this;
    const { N, H, idx, cIdx, cls } = net;
    oR.fill(0);
    oI.fill(0);
    for (let i = 0; i < N; i++) {
      oR[0] += x[i];
      oR[1] += x[N + i];
      for (let j = i + 1; j < N; j++) {
        const c = cls[i * N + j];
        oR[net.jsOff + c] += x[i] * x[j];
        oR[net.jaOff + c] += x[N + i] * x[N + j];
      }
    }
    for (let u = 0; u < H; u++) {
      const tr = tR[u];
      const ti = tI[u];
      oR[cIdx[u]] += tr;
      oI[cIdx[u]] += ti;
      const b = u * N;
      for (let i = 0; i < N; i++) {
        const k = idx[b + i];
        oR[k] += tr * x[i];
        oI[k] += ti * x[i];
        oR[k + N] += tr * x[N + i];
        oI[k + N] += ti * x[N + i];
      }
    }
  }

  /**
   * Local energy E_loc = sum_s' <s|H|s'> Psi(s', a) / Psi(s, a) (H on the physical spins, Marshall
   * sign included) of the current configuration x, into out (re, im). Total energy, coupling units.
   */
  eloc(x: Int8Array, out: Float64Array): void {
    localEnergy(this, x, out, this.scratch);
  }
}

/**
 * What the sampler, the SR sums and the enumeration need of an amplitude evaluator: log phi of the
 * current configuration, the log ratio of a proposed flip of one or two visible spins and its
 * acceptance, the log-derivatives and the local energy. {@link ComplexLocal} evaluates the network;
 * {@link SymmetricLocal} its average over the point group.
 */
export interface AmplitudeLocal {
  readonly net: ComplexNet;
  /** log phi of the current configuration (re, im). */
  lpR: number;
  lpI: number;
  refresh(x: Int8Array): void;
  logRatio(x: Int8Array, v1: number, v2: number, out: Float64Array): void;
  accept(x: Int8Array, v1: number, v2: number, d: Float64Array): void;
  grad(x: Int8Array, oR: Float64Array, oI: Float64Array): void;
  eloc(x: Int8Array, out: Float64Array): void;
}

/** Buffers of {@link localEnergy}: the connected configurations of one x, and one log ratio. */
interface EnergyScratch {
  sA: Int32Array;
  sB: Int32Array;
  amp: Float64Array;
  d: Float64Array;
}

function energyScratch(net: ComplexNet): EnergyScratch {
  const mc = Math.max(1, net.ham.maxConnected);
  return { sA: new Int32Array(mc), sB: new Int32Array(mc), amp: new Float64Array(mc), d: new Float64Array(2) };
}

/**
 * Local energy E_loc = sum_s' <s|H|s'> Psi(s', a) / Psi(s, a) (H on the physical spins, Marshall or
 * path sign included) of the current configuration x, into out (re, im). Total energy, coupling
 * units. The signs are invariant under the lattice's point group, so the same relative sign serves
 * the averaged amplitude.
 */
function localEnergy(local: AmplitudeLocal, x: Int8Array, out: Float64Array, scr: EnergyScratch): void {
  const net = local.net;
  const { sA, sB, amp, d } = scr;
  const ham = net.ham;
  let er = ham.diagonal(x, 0);
  let ei = 0;
  const n = ham.connected(x, 0, sA, sB, amp);
  const path = net.path;
  const p0 = path ? path.parity(x, -1, -1) : 0;
  for (let k = 0; k < n; k++) {
    const i = sA[k];
    const j = sB[k];
    local.logRatio(x, i, j, d);
    let sign = 1;
    if (net.subB && net.subB[i] !== net.subB[j]) sign = -1;
    if (path && path.parity(x, i, j) !== p0) sign = -1;
    const mag = Math.exp(d[0]) * amp[k] * sign;
    er += mag * Math.cos(d[1]);
    ei += mag * Math.sin(d[1]);
  }
  out[0] = er;
  out[1] = ei;
}

/**
 * The network averaged over the lattice's point group G (identity first, each element fixing site
 * 0; with the shared translations they generate the space group):
 *   phi_sym(s, a) = sum_{g in G} phi(g s, g a),   (g x)_{g(i)} = x_i on each replica.
 * Why: the exact amplitude is invariant under every lattice symmetry, and the network's
 * symmetry-odd parameter directions are where the sampled evolution goes wrong (docs/design.md,
 * "Where the lag comes from"); the average does not see them at first order.
 * One {@link ComplexLocal} per element, each holding the permuted configuration g x, so that every
 * incremental update is theirs; this class combines them:
 *   log phi_sym = log sum_g e^{l_g},   O_sym = sum_g w_g O_g with w_g = e^{l_g - log phi_sym}
 * (complex weights; the parameters are shared, so O_g is the derivative of copy g at g x).
 */
export class SymmetricLocal implements AmplitudeLocal {
  readonly group: Int32Array[];
  private readonly copies: ComplexLocal[];
  private readonly ys: Int8Array[];
  /** Proposed log ratio of each copy (re, im interleaved), for {@link accept}. */
  private readonly dg: Float64Array;
  /** Log amplitudes (re, im interleaved) to combine, and the combination; no allocation per move. */
  private readonly lg: Float64Array;
  private readonly lsum = new Float64Array(2);
  private readonly oR: Float64Array;
  private readonly oI: Float64Array;
  private readonly scratch: EnergyScratch;
  lpR = 0;
  lpI = 0;

  constructor(readonly net: ComplexNet) {
    this.group = net.ham.lattice.pointGroup;
    const N = net.N;
    for (const g of this.group) {
      if (g.length !== N) throw new Error('point group: permutation of the wrong size');
      // The Marshall sign must be the same on x and g x for the average to carry one sign.
      if (net.subB && g.some((gi, i) => net.subB![gi] !== net.subB![i])) throw new InputError('point-group: an element exchanges the sublattices of the Marshall sign');
    }
    this.copies = this.group.map(() => new ComplexLocal(net));
    this.ys = this.group.map(() => new Int8Array(2 * N));
    this.dg = new Float64Array(2 * this.group.length);
    this.lg = new Float64Array(2 * this.group.length);
    this.oR = new Float64Array(net.P);
    this.oI = new Float64Array(net.P);
    this.scratch = energyScratch(net);
  }

  /** Visible index v of x as seen by copy q (site g(i) of the same replica). */
  private mapped(q: number, v: number): number {
    const N = this.net.N;
    return v < N ? this.group[q][v] : N + this.group[q][v - N];
  }

  refresh(x: Int8Array): void {
    const N = this.net.N;
    // A loop, not a closure: with the ancilla flip, refresh runs once or twice per sweep.
    for (let q = 0; q < this.copies.length; q++) {
      const c = this.copies[q];
      const g = this.group[q];
      const y = this.ys[q];
      for (let i = 0; i < N; i++) {
        y[g[i]] = x[i];
        y[N + g[i]] = x[N + i];
      }
      c.refresh(y);
      this.lg[2 * q] = c.lpR;
      this.lg[2 * q + 1] = c.lpI;
    }
    this.combine();
    this.lpR = this.lsum[0];
    this.lpI = this.lsum[1];
  }

  /**
   * lsum = log sum_q e^{lg_q} (re, im; the imaginary part in (-pi, pi]), with the largest real part
   * taken out so that no term overflows.
   */
  private combine(): void {
    const { lg, lsum } = this;
    const G = this.copies.length;
    let m = -Infinity;
    for (let q = 0; q < G; q++) m = Math.max(m, lg[2 * q]);
    let sr = 0;
    let si = 0;
    for (let q = 0; q < G; q++) {
      const r = Math.exp(lg[2 * q] - m);
      sr += r * Math.cos(lg[2 * q + 1]);
      si += r * Math.sin(lg[2 * q + 1]);
    }
    lsum[0] = m + 0.5 * Math.log(sr * sr + si * si);
    lsum[1] = Math.atan2(si, sr);
  }

  logRatio(x: Int8Array, v1: number, v2: number, out: Float64Array): void {
    const { copies, ys, dg, lg, lsum } = this;
    const d = this.scratch.d;
    for (let q = 0; q < copies.length; q++) {
      const c = copies[q];
      c.logRatio(ys[q], this.mapped(q, v1), v2 >= 0 ? this.mapped(q, v2) : -1, d);
      dg[2 * q] = d[0];
      dg[2 * q + 1] = d[1];
      lg[2 * q] = c.lpR + d[0];
      lg[2 * q + 1] = c.lpI + d[1];
    }
    // New log phi_sym relative to the old: log sum_q e^{l_q + d_q} - log sum_q e^{l_q}.
    this.combine();
    out[0] = lsum[0] - this.lpR;
    const ph = lsum[1] - this.lpI;
    out[1] = Math.atan2(Math.sin(ph), Math.cos(ph));
  }

  accept(x: Int8Array, v1: number, v2: number, d: Float64Array): void {
    x[v1] = -x[v1];
    if (v2 >= 0) x[v2] = -x[v2];
    const dq = this.scratch.d;
    for (let q = 0; q < this.copies.length; q++) {
      dq[0] = this.dg[2 * q];
      dq[1] = this.dg[2 * q + 1];
      this.copies[q].accept(this.ys[q], this.mapped(q, v1), v2 >= 0 ? this.mapped(q, v2) : -1, dq);
    }
    this.lpR += d[0];
    this.lpI += d[1];
  }

  grad(x: Int8Array, oR: Float64Array, oI: Float64Array): void {
    const P = this.net.P;
    oR.fill(0);
    oI.fill(0);
    for (let q = 0; q < this.copies.length; q++) {
      const c = this.copies[q];
      c.grad(this.ys[q], this.oR, this.oI);
      // w_q = e^{l_q - log phi_sym}.
      const a = Math.exp(c.lpR - this.lpR);
      const wr = a * Math.cos(c.lpI - this.lpI);
      const wi = a * Math.sin(c.lpI - this.lpI);
      for (let k = 0; k < P; k++) {
        oR[k] += wr * this.oR[k] - wi * this.oI[k];
        oI[k] += wr * this.oI[k] + wi * this.oR[k];
      }
    }
  }

  eloc(x: Int8Array, out: Float64Array): void {
    localEnergy(this, x, out, this.scratch);
  }
}

/** The evaluator of a network: averaged over the point group when its options say so. */
export function makeLocal(net: ComplexNet): AmplitudeLocal {
  return net.opts.pointGroup ? new SymmetricLocal(net) : new ComplexLocal(net);
}
