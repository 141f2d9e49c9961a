/**
 * The DEEP trainable purified network (docs/design.md, "Method 2"): the shallow
 * purified RBM of network.ts (visible v = (s, a), M = alpha N hidden units h, s-a links, optional
 * Jastrow terms) plus a deep layer of D = K N units d coupled to the hidden units only: the
 * visible-hidden-deep layout of the deep Boltzmann machines of Carleo, Nomura, Imada, Nat. Commun.
 * 9, 5322 (2018), which the purified network of Nomura, Yoshioka, Nori, PRL 127, 060601 (2021)
 * builds on (visible s and a, a hidden layer h, a deep layer d):
 *
 *   Phi(v, d) = exp( b.v + sum_{u<w} J_uw x_u x_w + e.d ) prod_h 2 cosh( theta_h(v, d) ),
 *   theta_h = c_h + sum_v W_hv x_v + sum_k U_hk d_k,       Psi(v) = sum_d Phi(v, d).
 *
 * Which layer is summed: given (v, d) the hidden units are independent, so h is summed exactly
 * (the cosh factors above) and only d is sampled, as Carleo et al. sample (sigma, d). The other
 * choice (sum d given h, sample h) samples the larger layer (M = alpha N >= 2N here, D = K N with
 * K ~ 1) and loses the exact hidden sum that the shallow network lives on. The trap: Psi(v) is a
 * SUM over d, so |Psi(v)|^2 = sum_{d, d'} Phi(v, d) Phi(v, d') needs TWO copies of the deep layer,
 * sampled from p(v, d, d') ∝ Phi(v, d) Phi(v, d') (the two-copy construction of mc/sampler.ts);
 * given v the copies are independent, each distributed as q(d | v) = Phi(v, d) / Psi(v).
 *
 * Estimators (every one unbiased; X_c = X(v, d_c) for copy c = a, b):
 *   O_k(v)    = d ln Psi / d p_k = E_q[ O_k(v, d) ]          -> (O_a + O_b) / 2
 *               (for the deep parameters O_c is itself averaged over d_k given the rest of copy c:
 *               see DeepChain.deepDerivatives),
 *   R_i(v)    = Psi(v^i) / Psi(v) = E_q[ Phi(v^i, d) / Phi(v, d) ]  (v^i: s_i flipped),
 *   E_loc(v)  = H_z(s) - |Gamma| sum_i R_i(v)                   -> (E_a + E_b) / 2,
 *   O_k O_l   -> (O_ka O_lb + O_kb O_la) / 2,   O_k E_loc -> (O_ka E_b + O_kb E_a) / 2,
 *   E_loc^2   -> E_a E_b   (<H^2> = <E_loc^2> under |Psi|^2).
 * The trap here: a product of two conditional means must take its factors from DIFFERENT copies
 * (independent given v); ((O_a + O_b)/2)((O_a + O_b)/2)^T is biased by Cov_q(O)/2 and
 * ((E_a + E_b)/2)^2 by Var_q(E)/2 (c would come out too large). With O^ = (O_a + O_b)/2,
 * dO = (O_a - O_b)/2, E^ and dE likewise, the cross products are
 *   sym(O_a O_b^T) = O^ O^T - dO dO^T,  sym(O_a E_b) = O^ E^ - dO dE,  E_a E_b = E^2 - dE^2,
 * so two ordinary SR accumulators (sr.ts), one fed (O^, E^) and one fed (dO, dE), give S, F and
 * Var(E) by subtraction ({@link deepMoments}). The sampled cross-copy S is then not positive
 * semidefinite, and F is not bounded by it: unbiased, but the evolution built on it is unstable
 * (measured in deep-driver.ts); the evolution uses the same-copy pair by default.
 *
 * Start: the deep layer starts with zero deep bias and couplings U of seeded noise of size
 * `deepNoise`. With U = 0 exactly Psi = 2^D Psi_shallow (the exact beta0 state), but then
 * E_q[d_k | v] = 0, so every O of U vanishes, F = 0 and U never moves (a saddle of the TDVP
 * flow). A deep bias would break it too but also the spin-inversion symmetry at h = 0. Noise of
 * size eps changes ln Psi only at second order, ~ (1/2) sum_k (sum_h U_hk tanh theta_h)^2; measured
 * at beta0 = 0.02 (alpha 2, K = 1, 200 configurations near s = a), the configuration-dependent part
 * of ln Psi moves by 6e-5 (eps = 0.01) and 6e-3 (eps = 0.1) on 4 sites, 1e-4 and 1e-2 on 6.
 * Translation sharing: U(deep class g, hidden class f, displacement of the hidden site from the
 * deep site), deep bias e(g) (only when h != 0, as for the shallow biases).
 */
import { InputError } from '../util/errors.ts';
import { diagonalEnergy } from '../model/hamiltonian.ts';
import type { Tfim } from '../model/hamiltonian.ts';
import { Rng } from '../mc/rng.ts';
import { logCosh } from '../util/log-cosh.ts';
import { combineChunks, SrAccumulator, type Moments } from './sr.ts';
import { flipProduct, sigmaPair, TrainedNet, translationGroup, visibleCouplings, type NetworkOptions } from './network.ts';

export interface DeepOptions extends NetworkOptions {
  /** Deep units per site: D = deep N (0: the shallow network of network.ts, exactly). */
  deep: number;
  /** Standard deviation of the seeded noise on the deep couplings U at the start (see the header). */
  deepNoise: number;
}

/**
 * The deep network: the shallow TrainedNet (parameters 0..P0-1, same order and meaning) followed
 * by the deep parameters (couplings U, then deep biases). `U[k M + h]` is the coupling of deep
 * unit k to hidden unit h, `eBias[k]` the bias of deep unit k, both rewritten by setParams.
 */
export class DeepNet {
  readonly shallow: TrainedNet;
  readonly N: number;
  readonly M: number;
  /** Deep units (K N). */
  readonly D: number;
  /** Parameters of the shallow part. */
  readonly P0: number;
  readonly P: number;
  readonly U: Float64Array;
  readonly eBias: Float64Array;
  /** Parameter index of U[k M + h] and of eBias[k] (-1: fixed at 0). */
  readonly uParam: Int32Array;
  readonly eParam: Int32Array;
  readonly names: string[];
  readonly initial: Float64Array;

  constructor(readonly ham: Tfim, readonly options: DeepOptions) {
    if (!Number.isInteger(options.deep) || options.deep < 0) throw new InputError(`--deep must be an integer >= 0, got ${options.deep}`);
    if (!(options.deepNoise >= 0) || !Number.isFinite(options.deepNoise)) throw new InputError(`--deep-noise must be non-negative and finite, got ${options.deepNoise}`);
    const sh = (this.shallow = new TrainedNet(ham, options));
    const N = (this.N = sh.N);
    const M = (this.M = sh.M);
    const D = (this.D = options.deep * N);
    this.P0 = sh.P;
    const tr = options.share ? translationGroup(ham) : null;
    const names = [...sh.names];
    const index = new Map<string, number>();
    const id = (k: string) => {
      let p = index.get(k);
      if (p === undefined) {
        p = names.length;
        index.set(k, p);
        names.push(k);
      }
      return p;
    };
    this.uParam = new Int32Array(D * M);
    for (let k = 0; k < D; k++) {
      for (let h = 0; h < M; h++) {
        // Deep unit (g, i) and hidden unit (f, j): shared by the displacement g_i^{-1}(j).
        const key = tr ? `U:${Math.floor(k / N)}:${Math.floor(h / N)}:${tr.ginv[(k % N) * N + (h % N)]}` : `U:${k}:${h}`;
        this.uParam[k * M + h] = id(key);
      }
    }
    this.eParam = Int32Array.from({ length: D }, (_, k) => (ham.h === 0 ? -1 : id(tr ? `e:${Math.floor(k / N)}` : `e:${k}`)));
    this.names = names;
    this.P = names.length;
    this.initial = new Float64Array(this.P);
    this.initial.set(sh.initial);
    if (options.deepNoise > 0) {
      const rng = new Rng(options.seed, 0x7ffffffe);
      for (let p = this.P0; p < this.P; p++) if (names[p].startsWith('U:')) this.initial[p] = options.deepNoise * rng.normal();
    }
    this.U = new Float64Array(D * M);
    this.eBias = new Float64Array(D);
    this.setParams(this.initial);
  }

  /** Writes theta (length P) into the shallow Dbm arrays and U, eBias (in place). */
  setParams(theta: Float64Array): void {
    if (theta.length !== this.P) throw new Error(`expected ${this.P} parameters, got ${theta.length}`);
    this.shallow.setParams(theta.subarray(0, this.P0));
    for (let q = 0; q < this.U.length; q++) this.U[q] = theta[this.uParam[q]];
    for (let k = 0; k < this.D; k++) this.eBias[k] = this.eParam[k] >= 0 ? theta[this.eParam[k]] : 0;
  }
}

/**
 * One Markov chain of p(v, d, d') ∝ Phi(v, d) Phi(v, d') (hidden units summed), with the per-copy
 * estimators. Moves (Metropolis, all exact ratios): flip s_i, flip a_i, flip s_i and a_i together
 * (the s-a links are strong at small beta; alone the chain freezes), flip d_k of one copy. The
 * hidden fields theta of both copies and sigma(+-2 theta) are kept up to date, so a ratio is
 *   cosh(theta - delta) / cosh(theta) = sigma(2 theta) e^{-delta} + sigma(-2 theta) e^{delta},
 * a product of positive two-term sums over the hidden units from tables of e^{+-2W}, e^{+-2U}.
 * Call {@link refresh} after `net.setParams` (tables and fields are rebuilt in place).
 * No allocation in sweep() or measure().
 */
export class DeepChain {
  /** Visible configuration (s then a), +-1. */
  readonly x: Int8Array;
  /** Deep configuration, copy c at [c D, (c + 1) D). */
  readonly d: Int8Array;
  private readonly N: number;
  private readonly M: number;
  private readonly V: number;
  private readonly D: number;
  /** Hidden fields and sigmas of both copies, copy c at [c M, (c + 1) M). */
  private readonly theta: Float64Array;
  private readonly sigP: Float64Array;
  private readonly sigM: Float64Array;
  /** Views of sigP, sigM per copy. */
  private readonly sigP0: Float64Array;
  private readonly sigP1: Float64Array;
  private readonly sigM0: Float64Array;
  private readonly sigM1: Float64Array;
  /** e^{+2 W_hv}, e^{-2 W_hv} at [v M + h]; e^{+-2 U_hk} at [k M + h]. */
  private readonly wp: Float64Array;
  private readonly wm: Float64Array;
  private readonly up: Float64Array;
  private readonly um: Float64Array;
  /** tanh(2 U_hk) at [k M + h]. */
  private readonly tU: Float64Array;
  /** Scratch e^{-delta}, e^{delta} of a joint s_i a_i flip. */
  private readonly pairUp: Float64Array;
  private readonly pairDn: Float64Array;
  private readonly vvStart: Int32Array;
  private readonly vvOther: Int32Array;
  private readonly vvEdge: Int32Array;
  private readonly gamma: number;
  /** Scratch of measureAveraged. */
  private readonly ta: Float64Array;
  private readonly tb: Float64Array;
  private readonly te = new Float64Array(2);
  /** Metropolis proposals and acceptances so far (visible, deep). */
  readonly stats = { visTried: 0, visAccepted: 0, deepTried: 0, deepAccepted: 0 };

  constructor(readonly net: DeepNet, readonly rng: Rng) {
    const N = (this.N = net.N);
    const M = (this.M = net.M);
    const V = (this.V = 2 * N);
    const D = (this.D = net.D);
    this.x = new Int8Array(V);
    this.d = new Int8Array(2 * D);
    // Start on the diagonal s = a (where the early state lives), random s and deep units.
    for (let i = 0; i < N; i++) this.x[i] = this.x[i + N] = rng.next() < 0.5 ? 1 : -1;
    for (let k = 0; k < 2 * D; k++) this.d[k] = rng.next() < 0.5 ? 1 : -1;
    this.theta = new Float64Array(2 * M);
    this.sigP = new Float64Array(2 * M);
    this.sigM = new Float64Array(2 * M);
    this.sigP0 = this.sigP.subarray(0, M);
    this.sigP1 = this.sigP.subarray(M);
    this.sigM0 = this.sigM.subarray(0, M);
    this.sigM1 = this.sigM.subarray(M);
    this.wp = new Float64Array(V * M);
    this.wm = new Float64Array(V * M);
    this.up = new Float64Array(D * M);
    this.um = new Float64Array(D * M);
    this.tU = new Float64Array(D * M);
    this.pairUp = new Float64Array(M);
    this.pairDn = new Float64Array(M);
    this.ta = new Float64Array(net.P);
    this.tb = new Float64Array(net.P);
    ({ start: this.vvStart, other: this.vvOther, edge: this.vvEdge } = visibleCouplings(net.shallow, V));
    this.gamma = Math.abs(net.ham.Gamma);
    this.refresh();
  }

  /** Rebuilds the exponential tables and both copies' hidden fields from the current parameters. */
  refresh(): void {
    const { M, V, D, wp, wm, up, um } = this;
    const w = this.net.shallow.dbm.weight;
    for (let h = 0; h < M; h++) {
      for (let v = 0; v < V; v++) {
        const t = 2 * w[h * V + v];
        wp[v * M + h] = Math.exp(t);
        wm[v * M + h] = Math.exp(-t);
      }
    }
    const U = this.net.U;
    for (let q = 0; q < D * M; q++) {
      up[q] = Math.exp(2 * U[q]);
      um[q] = Math.exp(-2 * U[q]);
      this.tU[q] = Math.tanh(2 * U[q]);
    }
    this.fields();
  }

  /** theta and sigmas of both copies from scratch. */
  private fields(): void {
    const { M, V, D, x, d, theta, sigP, sigM } = this;
    const { weight, bias } = this.net.shallow.dbm;
    const U = this.net.U;
    for (let c = 0; c < 2; c++) {
      for (let h = 0; h < M; h++) {
        let t = bias[V + h];
        for (let v = 0; v < V; v++) t += weight[h * V + v] * x[v];
        for (let k = 0; k < D; k++) t += U[k * M + h] * d[c * D + k];
        theta[c * M + h] = t;
        sigmaPair(t, sigP, sigM, c * M + h);
      }
    }
  }

  /**
   * Sets the configuration (visible x, length 2N; deep d of both copies, length 2D) and recomputes
   * the hidden fields: for tests and for restoring a saved chain.
   */
  setConfig(x: Int8Array, d: Int8Array): void {
    if (x.length !== this.V || d.length !== 2 * this.D) throw new RangeError(`setConfig: expected ${this.V} visible and ${2 * this.D} deep units`);
    this.x.set(x);
    this.d.set(d);
    this.fields();
  }

  /** f_u = b_u + sum_w J_uw x_w: the field of the visible-only terms on visible unit u. */
  private visField(u: number): number {
    const { weight, bias } = this.net.shallow.dbm;
    let f = bias[u];
    for (let q = this.vvStart[u]; q < this.vvStart[u + 1]; q++) f += weight[this.vvEdge[q]] * this.x[this.vvOther[q]];
    return f;
  }

  /** prod_h over copy c of sigP e^{-delta} + sigM e^{delta}, with e^{-delta} in a[base + h], e^{delta} in b[base + h] (network.ts flipProduct). */
  private hiddenRatio(c: number, a: Float64Array, b: Float64Array, base: number): number {
    return c === 0 ? flipProduct(this.sigP0, this.sigM0, a, b, base, this.M) : flipProduct(this.sigP1, this.sigM1, a, b, base, this.M);
  }

  /** Applies theta_h -= 2 coef[h] x to copy c (x = the old value of the flipped unit) and refreshes its sigmas. */
  private shift(c: number, row: Float64Array, base: number, x: number): void {
    const { M, theta, sigP, sigM } = this;
    for (let h = 0; h < M; h++) {
      const t = (theta[c * M + h] -= 2 * row[base + h] * x);
      sigmaPair(t, sigP, sigM, c * M + h);
    }
  }

  /** One sweep: for every site the three visible flips, then every deep unit of both copies. */
  sweep(): void {
    const { N, M, V, D, x, d, rng, wp, wm, up, um, pairUp, pairDn } = this;
    const w = this.net.shallow.dbm.weight;
    for (let i = 0; i < N; i++) {
      for (let move = 0; move < 3; move++) {
        this.stats.visTried++;
        let ratio: number;
        if (move < 2) {
          const u = move === 0 ? i : i + N;
          const xu = x[u];
          // Visible-only terms appear in both Phi factors: exp(-2 x_u f_u) squared.
          ratio = Math.exp(-4 * xu * this.visField(u));
          const base = u * M;
          const a = xu > 0 ? wm : wp;
          const b = xu > 0 ? wp : wm;
          // Without deep units both copies have the same fields: square instead of a second product.
          const r0 = this.hiddenRatio(0, a, b, base);
          ratio *= r0 * (D === 0 ? r0 : this.hiddenRatio(1, a, b, base));
          if (ratio >= 1 || rng.next() < ratio) {
            this.stats.visAccepted++;
            x[u] = -xu;
            // theta_h -= 2 W_hu x_u in both copies (W_hu at weight[h V + u]).
            for (let c = 0; c < 2; c++) {
              for (let h = 0; h < M; h++) {
                const t = (this.theta[c * M + h] -= 2 * w[h * V + u] * xu);
                sigmaPair(t, this.sigP, this.sigM, c * M + h);
              }
            }
          }
        } else {
          const a = i + N;
          const xs = x[i];
          const xa = x[a];
          // exp(-2 x_s f_s) with the old a, then f_a with s already flipped: the s-a term counted once.
          let lr = -2 * xs * this.visField(i);
          x[i] = -xs;
          lr += -2 * xa * this.visField(a);
          x[i] = xs;
          ratio = Math.exp(2 * lr);
          const bs = i * M;
          const ba = a * M;
          const s1 = xs > 0 ? wm : wp;
          const s2 = xs > 0 ? wp : wm;
          const a1 = xa > 0 ? wm : wp;
          const a2 = xa > 0 ? wp : wm;
          for (let h = 0; h < M; h++) {
            pairUp[h] = s1[bs + h] * a1[ba + h];
            pairDn[h] = s2[bs + h] * a2[ba + h];
          }
          const r0 = this.hiddenRatio(0, pairUp, pairDn, 0);
          ratio *= r0 * (D === 0 ? r0 : this.hiddenRatio(1, pairUp, pairDn, 0));
          if (ratio >= 1 || rng.next() < ratio) {
            this.stats.visAccepted++;
            x[i] = -xs;
            x[a] = -xa;
            for (let c = 0; c < 2; c++) {
              for (let h = 0; h < M; h++) {
                const t = (this.theta[c * M + h] -= 2 * (w[h * V + i] * xs + w[h * V + a] * xa));
                sigmaPair(t, this.sigP, this.sigM, c * M + h);
              }
            }
          }
        }
      }
    }
    this.deepSweep();
  }

  /** Metropolis sweep over the deep units of both copies, v fixed (leaves q(d_a | v) q(d_b | v) invariant). */
  deepSweep(): void {
    const { M, D, d, rng, up, um } = this;
    const eB = this.net.eBias;
    const U = this.net.U;
    for (let c = 0; c < 2; c++) {
      for (let k = 0; k < D; k++) {
        this.stats.deepTried++;
        const dk = d[c * D + k];
        const ratio = Math.exp(-2 * eB[k] * dk) * this.hiddenRatio(c, dk > 0 ? um : up, dk > 0 ? up : um, k * M);
        if (ratio >= 1 || rng.next() < ratio) {
          this.stats.deepAccepted++;
          d[c * D + k] = -dk;
          this.shift(c, U, k * M, dk);
        }
      }
    }
  }

  /**
   * {@link measure} averaged over `inner` conditional samples of the deep layer: measure, then
   * (inner - 1) times a deep-only sweep and measure again, per-copy averages into oa, ob, e.
   * Unbiased and still independent between the copies given v: at stationarity d_a ~ q(. | v),
   * deep-only moves keep q(. | v) invariant and use each copy's own state, so every term is a
   * draw from q(. | v) of its copy. Why: the same-copy SR system is biased by Cov_q(O)/2 per copy
   * average, and averaging `inner` nearly independent draws divides that by ~inner (the deep
   * moves are accepted ~90% of the time), at the cost of deep sweeps and measurements only.
   */
  measureAveraged(oa: Float64Array, ob: Float64Array, e: Float64Array, inner: number): void {
    if (inner <= 1 || this.D === 0) {
      this.measure(oa, ob, e);
      return;
    }
    const { ta, tb, te } = this;
    this.measure(oa, ob, e);
    for (let l = 1; l < inner; l++) {
      this.deepSweep();
      this.measure(ta, tb, te);
      for (let k = 0; k < oa.length; k++) {
        oa[k] += ta[k];
        ob[k] += tb[k];
      }
      e[0] += te[0];
      e[1] += te[1];
    }
    const w = 1 / inner;
    for (let k = 0; k < oa.length; k++) {
      oa[k] *= w;
      ob[k] *= w;
    }
    e[0] *= w;
    e[1] *= w;
  }

  /**
   * Per-copy estimators at the current configuration: oa, ob = O(v, d_a), O(v, d_b) (length P);
   * returns [E_a, E_b] in `e` (total energies, units of J): E_c = H_z(s) - |Gamma| sum_i
   * Phi(v^i, d_c) / Phi(v, d_c).
   */
  measure(oa: Float64Array, ob: Float64Array, e: Float64Array): void {
    const { N, M, V, D, x, d, wp, wm, sigP, sigM } = this;
    const net = this.net;
    const sh = net.shallow;
    const { edgeA, edgeB } = sh.dbm;
    const ez = diagonalEnergy(net.ham, x, 0);
    const edgeParam = sh.edgeParam;
    for (let c = 0; c < 2; c++) {
      const o = c === 0 ? oa : ob;
      o.fill(0);
      for (let h = 0; h < M; h++) {
        const t = sigP[c * M + h] - sigM[c * M + h]; // tanh(theta_h)
        const row = h * V;
        for (let v = 0; v < V; v++) o[edgeParam[row + v]] += x[v] * t;
        const bp = sh.biasParam[V + h];
        if (bp >= 0) o[bp] += t;
      }
      for (let q = sh.nHV; q < edgeParam.length; q++) o[edgeParam[q]] += x[edgeA[q]] * x[edgeB[q]];
      for (let u = 0; u < V; u++) if (sh.biasParam[u] >= 0) o[sh.biasParam[u]] += x[u];
      this.deepDerivatives(c, o);
    }
    let sumA = 0;
    let sumB = 0;
    for (let i = 0; i < N; i++) {
      // Phi(v^i, d_c) / Phi(v, d_c): the visible terms once (one Phi), the hidden product of copy c.
      const xi = x[i];
      const vis = Math.exp(-2 * xi * this.visField(i));
      const a = xi > 0 ? wm : wp;
      const b = xi > 0 ? wp : wm;
      let ra = vis * this.hiddenRatio(0, a, b, i * M);
      if (!Number.isFinite(ra) || ra === 0) ra = this.ratioLog(0, i);
      sumA += ra;
      if (D === 0) continue;
      let rb = vis * this.hiddenRatio(1, a, b, i * M);
      if (!Number.isFinite(rb) || rb === 0) rb = this.ratioLog(1, i);
      sumB += rb;
    }
    e[0] = ez - this.gamma * sumA;
    e[1] = D === 0 ? e[0] : ez - this.gamma * sumB;
  }

  /**
   * Adds the derivatives of the deep parameters for copy c, Rao–Blackwellized over each d_k given
   * everything else: E[d_k tanh theta_h | v, d_{-k}] and E[d_k | v, d_{-k}] with
   *   pi_flip = rho / (1 + rho),  rho = e^{-2 e_k d_k} prod_h cosh(theta_h - 2 U_hk d_k) / cosh(theta_h)
   * (the Metropolis ratio of the deep move). Unbiased (the tower rule: E[E[X | v, d_{-k}] | v] =
   * E[X | v]), and it depends on copy c only, so cross-copy products stay unbiased. Why: near the
   * start U ~ eps, so d_k is a fair coin given v and the raw O_U = d_k tanh theta_h is O(1) noise
   * around an O(eps) mean; the sampled S and F of U were then pure noise (measured: the evolution
   * lagged and every solve needed a raised shift). tanh(theta - 2 U d) comes from the table
   * tanh(2 U) by the addition formula, no exp per (k, h).
   */
  private deepDerivatives(c: number, o: Float64Array): void {
    const { M, D, d, sigP, sigM, up, um, tU } = this;
    const net = this.net;
    const eB = net.eBias;
    for (let k = 0; k < D; k++) {
      const dk = d[c * D + k];
      const rho = Math.exp(-2 * eB[k] * dk) * this.hiddenRatio(c, dk > 0 ? um : up, dk > 0 ? up : um, k * M);
      // rho = inf (a flip overwhelmingly likely) must give pi_flip = 1, not NaN.
      const pf = rho === Infinity ? 1 : rho / (1 + rho);
      const pc = 1 - pf;
      for (let h = 0; h < M; h++) {
        const t = sigP[c * M + h] - sigM[c * M + h];
        const tau = dk * tU[k * M + h];
        const tf = (t - tau) / (1 - t * tau);
        o[net.uParam[k * M + h]] += dk * (pc * t - pf * tf);
      }
      if (net.eParam[k] >= 0) o[net.eParam[k]] += dk * (pc - pf);
    }
  }

  /** Overflow-safe flip ratio of s_i for copy c in the log domain (rarely needed). */
  private ratioLog(c: number, i: number): number {
    const { M, V, x, theta } = this;
    const w = this.net.shallow.dbm.weight;
    let lr = -2 * x[i] * this.visField(i);
    for (let h = 0; h < M; h++) lr += logCosh(theta[c * M + h] - 2 * w[h * V + i] * x[i]) - logCosh(theta[c * M + h]);
    return Math.exp(lr);
  }
}

/**
 * The two SR accumulators of the cross-copy estimators (see the header): `mean` takes
 * (O^, E^) = ((O_a + O_b)/2, (E_a + E_b)/2), `half` takes (dO, dE) = ((O_a - O_b)/2, (E_a - E_b)/2)
 * with a zero reference. For D = 0 the copies coincide and `half` stays empty.
 */
export class DeepAccumulator {
  readonly mean: SrAccumulator;
  readonly half: SrAccumulator;
  private readonly oh: Float64Array;
  private readonly od: Float64Array;
  private readonly zero: Float64Array;

  constructor(readonly P: number, readonly deep: boolean) {
    this.mean = new SrAccumulator(P, 'sums', 0);
    this.half = new SrAccumulator(P, 'sums', 0);
    this.oh = new Float64Array(P);
    this.od = new Float64Array(P);
    this.zero = new Float64Array(P);
  }

  reset(oRef: Float64Array, eRef: number): void {
    this.mean.reset(oRef, eRef);
    this.half.reset(this.zero, 0);
  }

  /** Adds one sample from its two copies. */
  add(oa: Float64Array, ob: Float64Array, ea: number, eb: number): void {
    const { P, oh, od } = this;
    for (let k = 0; k < P; k++) {
      oh[k] = 0.5 * (oa[k] + ob[k]);
      od[k] = 0.5 * (oa[k] - ob[k]);
    }
    this.mean.add(oh, 0.5 * (ea + eb));
    if (this.deep) this.half.add(od, 0.5 * (ea - eb));
  }
}

/**
 * SR moments from packed sums of {@link DeepAccumulator}s (chunks in chain order):
 *   S = S[O^] - (<dO dO^T>),  F = F[O^, E^] - <dO dE>,  Var(E) = Var(E^) - <dE^2>,
 * where S[O^] etc. are the centered moments of the `mean` accumulator and <.> are the raw
 * (uncentered) second moments of the `half` one (its mean is zero in expectation, by symmetry of
 * the copies; the raw moment is the unbiased choice). eVar may come out negative by noise.
 * With `metric: 'same'` S is left as the same-copy covariance of O^ (S + E_p[Cov(O^ | v)]: PSD,
 * biased upwards by the conditional noise), while F and Var(E) are still cross-copy (unbiased);
 * with 'naive' S, F and Var(E) are all the same-copy moments of (O^, E^): a consistent covariance
 * pair, biased (deep-driver.ts says why that is the one that evolves stably).
 */
export function deepMoments(mean: Float64Array[], half: Float64Array[] | null, P: number, oRef: Float64Array, eRef: number, metric: 'cross' | 'same' | 'naive' = 'cross'): Moments {
  const m = combineChunks(mean, P, 'sums', oRef, eRef);
  if (!half) return m;
  const zero = new Float64Array(P);
  const d = combineChunks(half, P, 'sums', zero, 0);
  const dBar = d.oMean;
  const eBar = d.eMean;
  const S = m.S!;
  const Sd = d.S!;
  for (let k = 0; k < P; k++) {
    if (metric === 'naive') break;
    m.F[k] -= d.F[k] + dBar[k] * eBar;
    if (metric === 'same') continue;
    for (let l = 0; l < P; l++) S[k * P + l] -= Sd[k * P + l] + dBar[k] * dBar[l];
    m.diagS[k] = S[k * P + k];
  }
  m.eVar = m.eVar - (d.eVar + eBar * eBar);
  return m;
}
