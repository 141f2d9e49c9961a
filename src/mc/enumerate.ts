/**
 * Exact averages over a network's two-copy joint distribution by enumeration, for tiny networks:
 * the reference that isolates sampler bugs from Trotter error. Non-hidden nodes (visible and both
 * copies of the deep units) are enumerated; hidden units are summed in closed form,
 * sum_h exp(h theta) = 2 cosh(theta).
 */
import { HIDDEN, type Dbm } from '../dbm/network.ts';
import { logCosh } from '../util/log-cosh.ts';
import type { JointGraph } from './joint-graph.ts';

/** Largest number of enumerated (non-hidden) nodes accepted: 2^22 configurations. */
export const MAX_ENUMERATED = 22;

/**
 * Calls `visit(x, weight)` for every configuration of the non-hidden joint nodes and of the hidden
 * nodes listed in `explicit`, with `weight` the normalized probability. The other hidden nodes are
 * summed in closed form and left at +1 in `x`: observables must not read them.
 */
export function enumerateJoint(
  d: Dbm,
  g: JointGraph,
  visit: (x: Int8Array, weight: number) => void,
  explicit: ArrayLike<number> = [],
): void {
  const isHidden = new Uint8Array(g.nNodes);
  for (let c = 0; c < 2; c++) for (let u = 0; u < d.nUnits; u++) if (d.layer[u] === HIDDEN) isHidden[g.unitNode[c][u]] = 1;
  for (let k = 0; k < explicit.length; k++) isHidden[explicit[k]] = 0;
  const free: number[] = [];
  const hidden: number[] = [];
  for (let u = 0; u < g.nNodes; u++) (isHidden[u] ? hidden : free).push(u);
  if (free.length > MAX_ENUMERATED) throw new Error(`enumerateJoint: ${free.length} nodes is too many to enumerate`);
  const x = new Int8Array(g.nNodes).fill(1);
  const total = 2 ** free.length;
  const logW = new Float64Array(total);
  const logWeight = () => {
    let lw = 0;
    for (const u of free) lw += g.bias[u] * x[u];
    for (let e = 0; e < g.edgeA.length; e++) {
      const a = g.edgeA[e];
      const b = g.edgeB[e];
      if (!isHidden[a] && !isHidden[b]) lw += g.edgeW[e] * x[a] * x[b];
    }
    for (const h of hidden) {
      let t = g.bias[h];
      for (let p = g.rowStart[h]; p < g.rowStart[h + 1]; p++) t += g.nbrW[p] * x[g.nbr[p]];
      lw += logCosh(t);
    }
    return lw;
  };
  const setConfig = (c: number) => {
    for (let k = 0; k < free.length; k++) x[free[k]] = (c >>> k) & 1 ? -1 : 1;
  };
  let max = -Infinity;
  for (let c = 0; c < total; c++) {
    setConfig(c);
    logW[c] = logWeight();
    if (logW[c] > max) max = logW[c];
  }
  let z = 0;
  for (let c = 0; c < total; c++) z += Math.exp(logW[c] - max);
  for (let c = 0; c < total; c++) {
    setConfig(c);
    visit(x, Math.exp(logW[c] - max) / z);
  }
}
