/**
 * Metropolis sampling of |Psi(s, a)|^2 for the complex network, with moves that keep
 * Sz(s) = Sz(a) (Psi vanishes outside that sector for any Sz-conserving H):
 *   - exchange of two sites i != j within s (or within a): a no-op when the two spins agree;
 *   - joint flip of s_i and a_i: only proposed when s_i = a_i (else it would leave the sector).
 * Each proposal picks one of the three kinds with probability 1/3 and its sites uniformly, so the
 * proposal is symmetric and the acceptance is min(1, |phi'/phi|^2) (the Marshall sign has modulus 1).
 * Ergodic in the sector: joint flips reach every Sz(s) = Sz(a) value from s = a, exchanges then
 * permute s and a independently.
 */
import type { Rng } from '../mc/rng.ts';
import type { ComplexLocal } from './complex-network.ts';

/** One chain's state: configuration and its evaluator. */
export class ComplexChain {
  readonly x: Int8Array;
  private readonly d = new Float64Array(2);
  accepted = 0;
  proposed = 0;

  constructor(readonly local: ComplexLocal, readonly rng: Rng) {
    const N = local.net.N;
    this.x = new Int8Array(2 * N);
    // Start on the diagonal s = a (never a zero of Psi), Sz near 0.
    for (let i = 0; i < N; i++) {
      const v = rng.next() < 0.5 ? 1 : -1;
      this.x[i] = v;
      this.x[N + i] = v;
    }
    local.refresh(this.x);
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
    // |phi'/phi|^2 = exp(2 Re d).
    if (d[0] >= 0 || rng.next() < Math.exp(2 * d[0])) {
      local.accept(x, v1, v2, d);
      this.accepted++;
      return true;
    }
    return false;
  }

  /** A sweep: 2N proposals. */
  sweep(): void {
    const n = 2 * this.local.net.N;
    for (let k = 0; k < n; k++) this.step();
  }
}
