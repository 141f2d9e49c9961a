/**
 * Exact SR moments of a small trained network by enumerating every visible configuration (s, a)
 * with weight |Psi(s, a)|^2 (hidden units summed in closed form): the no-sampling reference for
 * the S/F assembly and for the TDVP integrator (time-step and expressivity error alone).
 */
import { combineChunks, SrAccumulator, type Moments } from './sr.ts';
import type { RbmLocal, TrainedNet } from './network.ts';

/** Largest N enumerated: 2^(2N) visible configurations. */
export const MAX_EXACT_SITES = 10;

/**
 * Exact <E>, Var(E), S and F of `net`'s current parameters (call local.refresh() after setParams
 * first). E totals in units of J; oRef, eRef as in {@link combineChunks}. `acc`: a 'sums' accumulator
 * for net.P to reuse from call to call (one may own a wasm memory, ~40-100 us to create).
 */
export function exactMoments(
  net: TrainedNet, local: RbmLocal, oRef: Float64Array, eRef: number, acc = new SrAccumulator(net.P, 'sums', 0),
): Moments {
  const N = net.N;
  if (N > MAX_EXACT_SITES) throw new Error(`exactMoments: N = ${N} is too large to enumerate (limit ${MAX_EXACT_SITES})`);
  const V = 2 * N;
  const total = 2 ** V;
  const x = new Int8Array(V);
  const set = (c: number) => {
    for (let v = 0; v < V; v++) x[v] = (c >>> v) & 1 ? -1 : 1;
  };
  const lp = new Float64Array(total);
  let max = -Infinity;
  for (let c = 0; c < total; c++) {
    set(c);
    lp[c] = 2 * local.logPsi(x);
    if (lp[c] > max) max = lp[c];
  }
  let z = 0;
  for (let c = 0; c < total; c++) z += Math.exp(lp[c] - max);
  if (acc.P !== net.P || acc.mode !== 'sums') throw new Error('exactMoments: the accumulator must be in sums mode for net.P');
  acc.reset(oRef, eRef);
  const o = new Float64Array(net.P);
  for (let c = 0; c < total; c++) {
    const w = Math.exp(lp[c] - max) / z;
    if (w === 0) continue;
    set(c);
    const e = local.eval(x, o);
    acc.add(o, e, w);
  }
  return combineChunks([acc.pack()], net.P, 'sums', oRef, eRef);
}
