/**
 * The default sampler of the trained network: a Markov chain on the visible units v = (s, a) for
 * the marginal |Psi(v)|^2 (hidden units summed out, as in standard VMC), with the hidden fields
 *   theta_h = c_h + sum_v W_hv x_v
 * kept up to date on every accepted flip (O(M) per flip instead of O(M V) per evaluation) and
 * handed to the local-energy evaluator (RbmLocal.evalCached), so nothing is recomputed per sample.
 * Only the visible configuration is state; tables are refreshed in place after each parameter
 * update (no sampler is rebuilt per step); nothing is allocated after construction.
 *
 * Moves of one sweep, each leaving |Psi(v)|^2 invariant:
 *  1. for every site i, a heat-bath update of the block (s_i, a_i): one of its 4 states drawn with
 *     probabilities ∝ |Psi|^2 (3 flip ratios). Blocks, not single units: at high T the direct links
 *     K s_i a_i are strong (K = -1/2 ln tanh(beta Gamma / 2) ~ 2.3 at beta = 0.02), so single flips
 *     are rejected with probability ~ 1 - e^{-4K} and only the pair moves (the job of the
 *     Swendsen–Wang move of the joint-graph sampler). Heat bath, not Metropolis: a nearly free pair
 *     has a Metropolis acceptance close to 1, so all pairs flip together sweep after sweep and
 *     products such as s_i s_j barely change (measured: tau_int of sum_i s_i s_i+1 = 11 sweeps on
 *     the 16-site chain at beta = 0.2 with Metropolis pair flips, 0.5 with the heat bath);
 *  2. the global flip v -> -v (all s and a), taken with the heat-bath probability r^2 / (1 + r^2):
 *     tunnels between the ordered states at low T, where local moves cannot. Exact symmetry when
 *     every visible and hidden bias is 0 (h = 0): then r = 1 and no ratio is computed.
 * Flip ratios, as in RbmLocal: cosh(theta - d) / cosh(theta) = sigma(2 theta) e^{-d} + sigma(-2 theta) e^{d},
 * with e^{+-d} from tables and sigma(+-2 theta) from z = e^{2 theta}, which an accepted flip
 * multiplies by e^{-2d} (no exp in the hot loop; z is recomputed from theta when it leaves
 * [1e-250, 1e250], where the product form would lose it). The visible-visible ("Jastrow") part
 * adds exp(-2 x_v f_v), f_v = b_v + sum_u J_vu x_u, to a single flip.
 */
import { logCosh } from '../util/log-cosh.ts';
import type { Rng } from '../mc/rng.ts';
import { visibleCouplings, type TrainedNet } from './network.ts';

const Z_MIN = 1e-250;
const Z_MAX = 1e250;

export class MarginalSampler {
  private readonly N: number;
  private readonly V: number;
  private readonly M: number;
  /** e^{+-2 W_hv} at [v M + h]. */
  private readonly ep: Float64Array;
  private readonly em: Float64Array;
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
    const { N, V, M, ep, em } = this;
    const { weight, bias } = this.net.dbm;
    for (let h = 0; h < M; h++) {
      for (let v = 0; v < V; v++) {
        const d = 2 * weight[h * V + v];
        this.wT[v * M + h] = weight[h * V + v];
        ep[v * M + h] = Math.exp(d);
        em[v * M + h] = Math.exp(-d);
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

  /**
   * One sweep on visible configuration x (length >= 2N): a heat-bath update of every pair block
   * (s_i, a_i), then the global flip.
   */
  sweep(x: Int8Array, rng: Rng): void {
    const { N, M, ep, em, f, sigP, sigM } = this;
    for (let i = 0; i < N; i++) {
      const xs = x[i];
      const xa = x[N + i];
      const a = N + i;
      // Amplitude ratios of the three other states of the block: s_i flipped (d = 2 W_hs x_s),
      // a_i flipped, both flipped (d = 2 x_s (W_hs +- W_ha)); the fields f include the s_i-a_i
      // coupling, which the double flip leaves unchanged (hence + 4 J x_s x_a).
      // The three hidden-layer products in one pass over h (each sigma loaded once, not three times).
      const us = xs > 0 ? em : ep;
      const ds = xs > 0 ? ep : em;
      const ua = xa > 0 ? em : ep;
      const da = xa > 0 ? ep : em;
      const bs = i * M;
      const ba = a * M;
      // The double flip has d = d_s + d_a, so its e^{-+d} are the products of the single flips'
      // (no pair tables: two fewer loads per h). Two running products each (even and odd h)
      // break the multiply dependency chains.
      let ps0 = 1;
      let pa0 = 1;
      let pb0 = 1;
      let ps1 = 1;
      let pa1 = 1;
      let pb1 = 1;
      let h = 0;
      for (; h + 1 < M; h += 2) {
        const gp = sigP[h];
        const gm = sigM[h];
        const u0 = us[bs + h];
        const d0 = ds[bs + h];
        const v0 = ua[ba + h];
        const w0 = da[ba + h];
        ps0 *= gp * u0 + gm * d0;
        pa0 *= gp * v0 + gm * w0;
        pb0 *= gp * (u0 * v0) + gm * (d0 * w0);
        const gq = sigP[h + 1];
        const gn = sigM[h + 1];
        const u1 = us[bs + h + 1];
        const d1 = ds[bs + h + 1];
        const v1 = ua[ba + h + 1];
        const w1 = da[ba + h + 1];
        ps1 *= gq * u1 + gn * d1;
        pa1 *= gq * v1 + gn * w1;
        pb1 *= gq * (u1 * v1) + gn * (d1 * w1);
      }
      if (h < M) {
        ps0 *= sigP[h] * us[bs + h] + sigM[h] * ds[bs + h];
        pa0 *= sigP[h] * ua[ba + h] + sigM[h] * da[ba + h];
        pb0 *= sigP[h] * (us[bs + h] * ua[ba + h]) + sigM[h] * (ds[bs + h] * da[ba + h]);
      }
      const rs = Math.exp(-2 * xs * f[i]) * (ps0 * ps1);
      const ra = Math.exp(-2 * xa * f[a]) * (pa0 * pa1);
      const rb = Math.exp(-2 * xs * f[i] - 2 * xa * f[a] + 4 * this.pairJ[i] * xs * xa) * (pb0 * pb1);
      // Heat bath over the 4 states, probabilities ∝ |Psi|^2 (squares capped so the sum stays finite).
      const ps = Math.min(rs * rs, 1e300);
      const pa = Math.min(ra * ra, 1e300);
      const pb = Math.min(rb * rb, 1e300);
      const u = rng.next() * (1 + ps + pa + pb);
      this.proposed++;
      if (u < 1) continue;
      this.accepted++;
      if (u < 1 + ps) this.flipOne(x, i);
      else if (u < 1 + ps + pa) this.flipOne(x, a);
      else this.flipPair(x, i);
    }
    this.globalFlip(x, rng);
  }

  /** Flips visible unit v and updates the hidden and visible fields. */
  private flipOne(x: Int8Array, v: number): void {
    const { M, theta, z, wT } = this;
    const xv = x[v];
    x[v] = -xv as -1 | 1;
    this.flipField(v, xv);
    // theta_h -> theta_h - 2 W_hv x_v, z_h -> z_h e^{-4 W_hv x_v} = z_h (e^{-d})^2.
    const g = xv > 0 ? this.em : this.ep;
    const base = v * M;
    for (let h = 0; h < M; h++) {
      theta[h] -= 2 * wT[base + h] * xv;
      const e = g[base + h];
      this.setZ(h, z[h] * e * e);
    }
  }

  /** Flips s_i and a_i together and updates the hidden and visible fields. */
  private flipPair(x: Int8Array, i: number): void {
    const { N, M, theta, z, wT } = this;
    const xs = x[i];
    const xa = x[N + i];
    x[i] = -xs as -1 | 1;
    x[N + i] = -xa as -1 | 1;
    this.flipField(i, xs);
    this.flipField(N + i, xa);
    const bs = i * M;
    const ba = (N + i) * M;
    const gs = xs > 0 ? this.em : this.ep;
    const ga = xa > 0 ? this.em : this.ep;
    for (let h = 0; h < M; h++) {
      theta[h] -= 2 * (wT[bs + h] * xs + wT[ba + h] * xa);
      // z_h -> z_h (e^{-d})^2 with e^{-d} = e^{-d_s} e^{-d_a}.
      const e = gs[bs + h] * ga[ba + h];
      this.setZ(h, z[h] * e * e);
    }
  }

  /**
   * Heat-bath flip of every visible unit (taken with probability r^2 / (1 + r^2), r the amplitude
   * ratio): theta_h -> 2 c_h - theta_h.
   */
  private globalFlip(x: Int8Array, rng: Rng): void {
    const { V, M, theta, sigP, sigM, z, f } = this;
    const bias = this.net.dbm.bias;
    this.proposed++;
    if (this.symmetric) {
      // Psi(-v) = Psi(v): taken with probability 1/2 (always taking it would be a deterministic
      // map that decorrelates nothing); theta -> -theta, z -> 1/z, the sigmas swap.
      if (rng.next() < 0.5) return;
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
    // r^2 / (1 + r^2) = 1 / (1 + e^{-2 lr}).
    if (rng.next() * (1 + Math.exp(-2 * lr)) < 1) {
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
