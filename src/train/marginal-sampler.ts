/**
 * The default sampler of the trained network: Metropolis on the visible units v = (s, a) against
 * the marginal |Psi(v)|^2 (hidden units summed out, standard VMC), with the hidden fields
 *   theta_h = c_h + sum_v W_hv x_v
 * kept up to date on every accepted flip (O(M) per flip instead of O(M V) per evaluation) and
 * handed to the local-energy evaluator (RbmLocal.evalCached), so nothing is recomputed per sample.
 * Only the visible configuration is state; tables are refreshed in place after each parameter
 * update (no sampler is rebuilt per step); nothing is allocated after construction.
 *
 * Moves of one sweep, each a Metropolis step that leaves |Psi(v)|^2 invariant:
 *  1. single flips of every visible unit;
 *  2. pair flips (s_i, a_i) -> (-s_i, -a_i): at high T the direct links K s_i a_i are strong
 *     (K = -1/2 ln tanh(beta Gamma / 2) ~ 2.3 at beta = 0.02), single flips are then rejected with
 *     probability 1 - e^{-4K} and the pair flip is what moves (the job of the Swendsen–Wang move of
 *     the joint-graph sampler);
 *  3. the global flip v -> -v (all s and a): tunnels between the ordered states at low T, where
 *     local flips cannot. Exact symmetry when every visible and hidden bias is 0 (h = 0), then
 *     accepted without computing the ratio.
 * Flip ratios, as in RbmLocal: cosh(theta - d) / cosh(theta) = sigma(2 theta) e^{-d} + sigma(-2 theta) e^{d},
 * with e^{+-d} from tables and sigma(+-2 theta) from z = e^{2 theta}, which an accepted flip
 * multiplies by e^{-2d} (no exp in the hot loop; z is recomputed from theta when it leaves
 * [1e-250, 1e250], where the product form would lose it). The visible-visible ("Jastrow") part
 * adds exp(-2 x_v f_v), f_v = b_v + sum_u J_vu x_u, to a single flip.
 */
import { logCosh } from '../mc/local-estimators.ts';
import type { Rng } from '../mc/rng.ts';
import { flipProduct, visibleCouplings, type TrainedNet } from './network.ts';

const Z_MIN = 1e-250;
const Z_MAX = 1e250;

export class MarginalSampler {
  private readonly N: number;
  private readonly V: number;
  private readonly M: number;
  /** e^{+-2 W_hv} at [v M + h]. */
  private readonly ep: Float64Array;
  private readonly em: Float64Array;
  /** Pair tables at [i M + h]: e^{+-2 (W_hs + W_ha)} (sp, sm) and e^{+-2 (W_hs - W_ha)} (dp, dm), s = i, a = N + i. */
  private readonly sp: Float64Array;
  private readonly sm: Float64Array;
  private readonly dp: Float64Array;
  private readonly dm: Float64Array;
  /** Sum of the direct couplings between s_i and a_i. */
  private readonly pairJ: Float64Array;
  private readonly pairStart: Int32Array;
  private readonly pairEdge: Int32Array;
  /** Visible-visible couplings per visible unit (CSR): other unit, Dbm edge index. */
  private readonly vvStart: Int32Array;
  private readonly vvOther: Int32Array;
  private readonly vvEdge: Int32Array;
  /** True when every visible and hidden bias is 0: Psi(-v) = Psi(v). */
  private symmetric = false;
  /** Hidden fields of the current configuration and sigma(+-2 theta), z = e^{2 theta}. */
  readonly theta: Float64Array;
  readonly sigP: Float64Array;
  readonly sigM: Float64Array;
  private readonly z: Float64Array;
  /** Visible-visible fields f_v = b_v + sum_u J_vu x_u of the current configuration. */
  readonly f: Float64Array;
  /** W_hv at [v M + h] (an accepted flip of v reads one row). */
  private readonly wT: Float64Array;
  accepted = 0;
  proposed = 0;

  constructor(readonly net: TrainedNet) {
    const N = (this.N = net.N);
    const V = (this.V = 2 * N);
    const M = (this.M = net.M);
    this.ep = new Float64Array(V * M);
    this.em = new Float64Array(V * M);
    this.sp = new Float64Array(N * M);
    this.sm = new Float64Array(N * M);
    this.dp = new Float64Array(N * M);
    this.dm = new Float64Array(N * M);
    this.pairJ = new Float64Array(N);
    this.theta = new Float64Array(M);
    this.sigP = new Float64Array(M);
    this.sigM = new Float64Array(M);
    this.z = new Float64Array(M);
    this.f = new Float64Array(V);
    this.wT = new Float64Array(V * M);
    ({ start: this.vvStart, other: this.vvOther, edge: this.vvEdge } = visibleCouplings(net, V));
    // The direct s_i-a_i couplings, summed in pairJ by refresh().
    const pairs: number[][] = Array.from({ length: N }, () => []);
    const { edgeA, edgeB } = net.dbm;
    for (let e = net.nHV; e < edgeA.length; e++) if (Math.abs(edgeA[e] - edgeB[e]) === N) pairs[Math.min(edgeA[e], edgeB[e])].push(e);
    this.pairStart = new Int32Array(N + 1);
    for (let i = 0; i < N; i++) this.pairStart[i + 1] = this.pairStart[i] + pairs[i].length;
    this.pairEdge = Int32Array.from(pairs.flat());
    this.refresh();
  }

  /** Rewrites the tables from the network's current weights (after `net.setParams`), in place. */
  refresh(): void {
    const { N, V, M, ep, em, sp, sm, dp, dm } = this;
    const { weight, bias } = this.net.dbm;
    for (let h = 0; h < M; h++) {
      for (let v = 0; v < V; v++) {
        const d = 2 * weight[h * V + v];
        this.wT[v * M + h] = weight[h * V + v];
        ep[v * M + h] = Math.exp(d);
        em[v * M + h] = Math.exp(-d);
      }
      for (let i = 0; i < N; i++) {
        const ws = weight[h * V + i];
        const wa = weight[h * V + N + i];
        sp[i * M + h] = Math.exp(2 * (ws + wa));
        sm[i * M + h] = Math.exp(-2 * (ws + wa));
        dp[i * M + h] = Math.exp(2 * (ws - wa));
        dm[i * M + h] = Math.exp(-2 * (ws - wa));
      }
    }
    for (let i = 0; i < N; i++) {
      let j = 0;
      for (let k = this.pairStart[i]; k < this.pairStart[i + 1]; k++) j += weight[this.pairEdge[k]];
      this.pairJ[i] = j;
    }
    let sym = true;
    for (let u = 0; u < V + M; u++) if (bias[u] !== 0) sym = false;
    this.symmetric = sym;
  }

  /** Computes the hidden fields of x from scratch (after `refresh`, or when x was set from outside). */
  load(x: Int8Array): void {
    const { V, M, theta } = this;
    const { weight, bias } = this.net.dbm;
    for (let h = 0; h < M; h++) {
      let t = bias[V + h];
      const row = h * V;
      for (let v = 0; v < V; v++) t += weight[row + v] * x[v];
      theta[h] = t;
      this.setZ(h, Math.exp(2 * clamp(t)));
    }
    for (let v = 0; v < V; v++) this.f[v] = this.field(x, v);
  }

  /** Updates the visible-visible fields after unit u flipped from `old`. */
  private flipField(u: number, old: number): void {
    const { vvStart, vvOther, vvEdge, f } = this;
    const weight = this.net.dbm.weight;
    for (let k = vvStart[u]; k < vvStart[u + 1]; k++) f[vvOther[k]] -= 2 * weight[vvEdge[k]] * old;
  }

  /** Sets z_h = e^{2 theta_h} and the sigmas; recomputes z from theta when it left the safe range. */
  private setZ(h: number, z: number): void {
    if (!(z >= Z_MIN && z <= Z_MAX)) z = Math.exp(2 * clamp(this.theta[h]));
    // z <= e^600 here (finite), so z * sigma(-2 theta) is sigma(2 theta) without a second division.
    const q = 1 / (1 + z);
    this.z[h] = z;
    this.sigP[h] = z * q;
    this.sigM[h] = q;
  }

  /** Field of the visible-visible part on unit v: f_v = b_v + sum_u J_vu x_u. */
  private field(x: Int8Array, v: number): number {
    const { vvStart, vvOther, vvEdge } = this;
    const weight = this.net.dbm.weight;
    let f = this.net.dbm.bias[v];
    for (let k = vvStart[v]; k < vvStart[v + 1]; k++) f += weight[vvEdge[k]] * x[vvOther[k]];
    return f;
  }

  /** One sweep (single flips, pair flips, global flip) on visible configuration x (length >= 2N). */
  sweep(x: Int8Array, rng: Rng): void {
    const { N, V, M, ep, em, sp, sm, dp, dm, theta, z, f, wT } = this;
    for (let v = 0; v < V; v++) {
      const xv = x[v];
      // d = 2 W_hv x_v; factor sigma(2t) e^{-d} + sigma(-2t) e^{d}.
      const up = xv > 0 ? em : ep;
      const dn = xv > 0 ? ep : em;
      const base = v * M;
      const r = Math.exp(-2 * xv * f[v]) * flipProduct(this.sigP, this.sigM, up, dn, base, M);
      this.proposed++;
      if (rng.next() < r * r) {
        x[v] = -xv as -1 | 1;
        this.flipField(v, xv);
        this.accepted++;
        for (let h = 0; h < M; h++) {
          theta[h] -= 2 * wT[base + h] * xv;
          const g = up[base + h];
          this.setZ(h, z[h] * g * g);
        }
      }
    }
    for (let i = 0; i < N; i++) {
      const xs = x[i];
      const xa = x[N + i];
      // d = 2 (W_hs x_s + W_ha x_a) = 2 x_s (W_hs +- W_ha).
      const same = xs * xa > 0;
      const up = same ? (xs > 0 ? sm : sp) : xs > 0 ? dm : dp;
      const dn = same ? (xs > 0 ? sp : sm) : xs > 0 ? dp : dm;
      const base = i * M;
      // Both fields include the s_i-a_i coupling, which the pair flip leaves unchanged.
      const r = Math.exp(-2 * xs * f[i] - 2 * xa * f[N + i] + 4 * this.pairJ[i] * xs * xa) * flipProduct(this.sigP, this.sigM, up, dn, base, M);
      this.proposed++;
      if (rng.next() < r * r) {
        x[i] = -xs as -1 | 1;
        x[N + i] = -xa as -1 | 1;
        this.flipField(i, xs);
        this.flipField(N + i, xa);
        this.accepted++;
        const bs = i * M;
        const ba = (N + i) * M;
        for (let h = 0; h < M; h++) {
          theta[h] -= 2 * (wT[bs + h] * xs + wT[ba + h] * xa);
          const g = up[base + h];
          this.setZ(h, z[h] * g * g);
        }
      }
    }
    this.globalFlip(x, rng);
  }

  /** Metropolis flip of every visible unit: theta_h -> 2 c_h - theta_h. */
  private globalFlip(x: Int8Array, rng: Rng): void {
    const { V, M, theta, sigP, sigM, z, f } = this;
    const bias = this.net.dbm.bias;
    this.proposed++;
    if (this.symmetric) {
      // Psi(-v) = Psi(v): always accepted, theta -> -theta, z -> 1/z, the sigmas swap.
      for (let v = 0; v < V; v++) {
        x[v] = -x[v] as -1 | 1;
        f[v] = -f[v];
      }
      for (let h = 0; h < M; h++) {
        theta[h] = -theta[h];
        z[h] = 1 / z[h];
        const p = sigP[h];
        sigP[h] = sigM[h];
        sigM[h] = p;
      }
      this.accepted++;
      return;
    }
    let lr = 0;
    for (let v = 0; v < V; v++) lr -= 2 * bias[v] * x[v];
    for (let h = 0; h < M; h++) lr += logCosh(2 * bias[V + h] - theta[h]) - logCosh(theta[h]);
    if (rng.next() < Math.exp(2 * lr)) {
      for (let v = 0; v < V; v++) {
        x[v] = -x[v] as -1 | 1;
        // f_v - b_v is linear in x: f_v -> 2 b_v - f_v.
        f[v] = 2 * bias[v] - f[v];
      }
      for (let h = 0; h < M; h++) {
        theta[h] = 2 * bias[V + h] - theta[h];
        this.setZ(h, Math.exp(2 * clamp(theta[h])));
      }
      this.accepted++;
    }
  }
}

/** Fields beyond +-300 would overflow e^{2 theta}; sigma is then 0 or 1 to double precision anyway. */
const clamp = (t: number) => Math.max(-300, Math.min(300, t));
