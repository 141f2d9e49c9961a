/**
 * Metropolis sampling of |Psi(s, a)|^2 for the complex network, with moves that keep
 * Sz(s) = Sz(a) (Psi vanishes outside that sector for any Sz-conserving H):
 *   - exchange of two sites i != j within s (or within a): a no-op when the two spins agree;
 *   - joint flip of s_i and a_i: only proposed when s_i = a_i (else it would leave the sector).
 * Each proposal picks one of the three kinds with probability 1/3 and its sites uniformly, so the
 * proposal is symmetric and the acceptance is min(1, |phi'/phi|^2) (the Marshall sign has modulus 1).
 * Ergodic in the sector: joint flips reach every Sz(s) = Sz(a) value from s = a, exchanges then
 * permute s and a independently.
 *
 * Ancilla flip (optional, once per sweep): a -> F a, every spin of a flipped, when Sz(a) = 0.
 * The exact amplitude has Psi(s, F a) = <s| rho^{1/2} F |a>, and at low T, where the even
 * eigenstates dominate, Psi(s, F a) ~ Psi(s, a): the region a ~ -s weighs as much as a ~ s. Local
 * moves reach it only through configurations of small weight, so without this move a run hardly
 * samples it while the network's amplitude there takes shape, and a chain that wanders in late can
 * find a part the evolution never fitted (measured on the 16-site Heisenberg chain: one chain of
 * eight stuck at a = -s with a mean local energy of 0 against -0.407 per site; docs/design.md).
 *
 * Mismatch bias (kappa >= 0): the chain samples |phi|^2 e^{kappa m}, m = #{i: s_i != a_i}, and each
 * sample carries the weight e^{-kappa m} (reweighting back to |phi|^2). At small beta the pairs with
 * s != a carry weight ~ (beta J / 4)^2 per bond: too rare to be sampled, yet they are where the
 * exchange part of H is learned (O_k of the start features vanishes on s = a). Without the bias a
 * sampled run never leaves the classical diagonal (measured: e stuck at the Sz Sz third of the
 * Heisenberg energy). kappa = 0 is plain Metropolis with |phi'/phi|^2.
 */
import type { Rng } from '../mc/rng.ts';
import type { AmplitudeLocal } from './complex-network.ts';

/**
 * Magnetization Mz = sum_i s_i / 2 of the physical replica of a configuration x = (s, a) of N
 * sites, in the units of S = sigma/2 (equal to that of a wherever Psi does not vanish).
 */
export function magnetization(x: Int8Array, N: number): number {
  let m = 0;
  for (let i = 0; i < N; i++) m += x[i];
  return m / 2;
}

/** One chain's state: configuration and its evaluator. */
export class ComplexChain {
  readonly x: Int8Array;
  private readonly d = new Float64Array(2);
  accepted = 0;
  proposed = 0;
  /** Mismatch bias (see the file comment). */
  kappa = 0;
  /** Ancilla flips accepted and proposed by this object (diagnostics; not part of a saved state). */
  flipsAccepted = 0;
  flipsProposed = 0;

  /** `ancillaFlip`: end each sweep with the global move {@link flipAncilla} (see the file comment). */
  constructor(readonly local: AmplitudeLocal, readonly rng: Rng, readonly ancillaFlip = false) {
    this.x = new Int8Array(2 * local.net.N);
    this.restart();
  }

  /**
   * A fresh start from this chain's own random stream: on the diagonal s = a (never a zero of Psi),
   * each site up or down with probability 1/2 (Sz near 0). Used by the constructor, and before a
   * measurement with fresh chains: a chain that crossed into a far region of the amplitude at high
   * T (where the bias spreads the chains) can stay there at low T.
   */
  restart(): void {
    const { x, rng, local } = this;
    const N = local.net.N;
    for (let i = 0; i < N; i++) {
      const v = rng.next() < 0.5 ? 1 : -1;
      x[i] = v;
      x[N + i] = v;
    }
    local.refresh(x);
  }

  /** One proposal; returns true when accepted. */
  step(): boolean {
    const { x, rng, local, d } = this;
    const N = local.net.N;
    const kind = rng.int(3);
    let v1: number;
    let v2: number;
    this.proposed++;
    if (kind === 2) {
      const i = rng.int(N);
      if (x[i] !== x[N + i]) return false;
      v1 = i;
      v2 = N + i;
    } else {
      const i = rng.int(N);
      const j = rng.int(N);
      const off = kind === 0 ? 0 : N;
      if (x[off + i] === x[off + j]) return false;
      v1 = off + i;
      v2 = off + j;
    }
    local.logRatio(x, v1, v2, d);
    // |phi'/phi|^2 e^{kappa dm} = exp(2 Re d + kappa dm); joint flips keep m.
    let a = 2 * d[0];
    if (this.kappa !== 0 && kind !== 2) {
      const i = v1 % N;
      const j = v2 % N;
      const mi = x[i] !== x[N + i] ? 1 : 0;
      const mj = x[j] !== x[N + j] ? 1 : 0;
      // An exchange flips both sites of one replica: each site's mismatch toggles.
      a += this.kappa * (2 - 2 * mi - 2 * mj);
    }
    if (a >= 0 || rng.next() < Math.exp(a)) {
      local.accept(x, v1, v2, d);
      this.accepted++;
      return true;
    }
    return false;
  }

  /** Number of mismatched sites s_i != a_i of the current configuration. */
  mismatches(): number {
    const N = this.local.net.N;
    let m = 0;
    for (let i = 0; i < N; i++) if (this.x[i] !== this.x[N + i]) m++;
    return m;
  }

  /**
   * Global move a -> F a (every ancilla spin flipped), proposed only when Sz(a) = 0, the one
   * sector it keeps. It is its own reverse, so the acceptance is min(1, |phi(s, F a)/phi(s, a)|^2
   * e^{kappa (N - 2 m)}) (the mismatches become N - m). Costs one refresh, two when rejected.
   */
  flipAncilla(): boolean {
    const { x, rng, local } = this;
    const N = local.net.N;
    let sz = 0;
    for (let i = 0; i < N; i++) sz += x[N + i];
    if (sz !== 0) return false;
    const m = this.mismatches();
    const l0 = local.lpR;
    for (let i = 0; i < N; i++) x[N + i] = -x[N + i];
    local.refresh(x);
    const a = 2 * (local.lpR - l0) + this.kappa * (N - 2 * m);
    this.flipsProposed++;
    if (a >= 0 || rng.next() < Math.exp(a)) {
      this.flipsAccepted++;
      return true;
    }
    for (let i = 0; i < N; i++) x[N + i] = -x[N + i];
    local.refresh(x);
    return false;
  }

  /** A sweep: 2N proposals, then the ancilla flip when it is on. */
  sweep(): void {
    const n = 2 * this.local.net.N;
    for (let k = 0; k < n; k++) this.step();
    if (this.ancillaFlip) this.flipAncilla();
  }
}
