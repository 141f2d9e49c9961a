/**
 * The two-copy joint Ising graph of a real DBM (see sampler.ts for how it is sampled):
 *
 *   p(v, u, u') ∝ Psi(v, u) Psi(v, u'),   u, u' two independent copies of the inner units,
 *
 * as plain data (CSR adjacency, edge list, colour order). Estimators, enumeration and the trained
 * network's refresher read it; only the sampler moves on it. Visible biases and visible-visible
 * couplings appear twice in |Psi|^2 and are doubled here.
 */
import type { Dbm } from '../dbm/network.ts';

export interface JointGraph {
  nNodes: number;
  /** Joint-graph node of each DBM unit in copy 0 and copy 1 (visible units share their node). */
  unitNode: [Int32Array, Int32Array];
  bias: Float64Array;
  /** CSR adjacency: neighbours of node u are nbr[rowStart[u] .. rowStart[u+1]). */
  rowStart: Int32Array;
  nbr: Int32Array;
  nbrW: Float64Array;
  /** Each undirected coupling once, for cluster moves. */
  edgeA: Int32Array;
  edgeB: Int32Array;
  edgeW: Float64Array;
  /** Update order: nodes sorted by colour of a greedy proper colouring (2 colours when bipartite). */
  order: Int32Array;
  colours: number;
}

/** Builds the two-copy joint Ising graph of a DBM. */
export function buildJointGraph(d: Dbm): JointGraph {
  const nVis = 2 * d.nSites;
  const nInner = d.nUnits - nVis;
  const nNodes = nVis + 2 * nInner;
  const n0 = new Int32Array(d.nUnits);
  const n1 = new Int32Array(d.nUnits);
  for (let u = 0; u < d.nUnits; u++) {
    n0[u] = u;
    n1[u] = u < nVis ? u : u + nInner;
  }
  const bias = new Float64Array(nNodes);
  for (let u = 0; u < d.nUnits; u++) {
    if (u < nVis) bias[u] = 2 * d.bias[u];
    else {
      bias[n0[u]] = d.bias[u];
      bias[n1[u]] = d.bias[u];
    }
  }
  // Merge parallel couplings (visible-visible edges of both copies, repeated edges) into one.
  const merged = new Map<number, number>();
  const addEdge = (a: number, b: number, w: number) => {
    const key = a < b ? a * nNodes + b : b * nNodes + a;
    merged.set(key, (merged.get(key) ?? 0) + w);
  };
  for (let e = 0; e < d.edgeA.length; e++) {
    const a = d.edgeA[e];
    const b = d.edgeB[e];
    // A visible-visible edge maps to the same node pair in both copies, so it is doubled here.
    addEdge(n0[a], n0[b], d.weight[e]);
    addEdge(n1[a], n1[b], d.weight[e]);
  }
  const nE = merged.size;
  const edgeA = new Int32Array(nE);
  const edgeB = new Int32Array(nE);
  const edgeW = new Float64Array(nE);
  const degree = new Int32Array(nNodes);
  let k = 0;
  for (const [key, w] of merged) {
    edgeA[k] = Math.floor(key / nNodes);
    edgeB[k] = key % nNodes;
    edgeW[k] = w;
    degree[edgeA[k]]++;
    degree[edgeB[k]]++;
    k++;
  }
  const rowStart = new Int32Array(nNodes + 1);
  for (let u = 0; u < nNodes; u++) rowStart[u + 1] = rowStart[u] + degree[u];
  const fill = rowStart.slice(0, nNodes);
  const nbr = new Int32Array(2 * nE);
  const nbrW = new Float64Array(2 * nE);
  for (let e = 0; e < nE; e++) {
    nbr[fill[edgeA[e]]] = edgeB[e];
    nbrW[fill[edgeA[e]]++] = edgeW[e];
    nbr[fill[edgeB[e]]] = edgeA[e];
    nbrW[fill[edgeB[e]]++] = edgeW[e];
  }
  const { order, colours } = colourOrder(nNodes, rowStart, nbr);
  return { nNodes, unitNode: [n0, n1], bias, rowStart, nbr, nbrW, edgeA, edgeB, edgeW, order, colours };
}

/** Greedy colouring in BFS order (exact 2-colouring for bipartite graphs); nodes sorted by colour. */
function colourOrder(n: number, rowStart: Int32Array, nbr: Int32Array): { order: Int32Array; colours: number } {
  const colour = new Int32Array(n).fill(-1);
  const queue = new Int32Array(n);
  let colours = 0;
  const used: number[] = [];
  for (let s = 0; s < n; s++) {
    if (colour[s] >= 0) continue;
    let head = 0;
    let tail = 0;
    queue[tail++] = s;
    colour[s] = 0;
    while (head < tail) {
      const u = queue[head++];
      for (let p = rowStart[u]; p < rowStart[u + 1]; p++) {
        const v = nbr[p];
        if (colour[v] >= 0) continue;
        used.length = 0;
        for (let q = rowStart[v]; q < rowStart[v + 1]; q++) if (colour[nbr[q]] >= 0) used.push(colour[nbr[q]]);
        let c = 0;
        while (used.includes(c)) c++;
        colour[v] = c;
        queue[tail++] = v;
      }
    }
  }
  for (let u = 0; u < n; u++) colours = Math.max(colours, colour[u] + 1);
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => colour[a] - colour[b] || a - b);
  return { order, colours };
}
