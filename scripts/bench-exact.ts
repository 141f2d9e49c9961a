/**
 * Times the exact full spectrum by symmetry blocks (and dense ED for a 12-site graph) and prints
 * a table: lattice, N, number of blocks, largest block, seconds; then e and c at T = 0.5, 1, 2 for
 * the 4x4 square (Gamma = 3) and the 16-site chain (Gamma = 1).
 *
 *   node --import tsx scripts/bench-exact.ts [--quick]
 *
 * --quick skips the two 16-site systems. Single-threaded; wall-clock times.
 */
import { blockSpectrum, fullSpectrum } from '../src/exact/blocks.ts';
import { makeTfim, type Tfim } from '../src/model/hamiltonian.ts';
import { parseModel } from '../src/model/model.ts';
import { Rng } from '../src/mc/rng.ts';
import { thermoFromLevels } from '../src/exact/thermo.ts';

const quick = process.argv.includes('--quick');

function model(lattice: unknown, Gamma: number, J = 1, h = 0): Tfim {
  return makeTfim(parseModel({ name: 'bench', lattice, hamiltonian: { kind: 'tfim', J, Gamma, h } }));
}

/** A connected random 12-site graph with random weights in [0.5, 1.5] (no symmetry). */
function randomGraph(n: number, seed: number): unknown {
  const r = new Rng(seed);
  const rng = () => r.nextDouble();
  const bonds: Array<[number, number, number]> = [];
  for (let i = 1; i < n; i++) bonds.push([Math.floor(rng() * i), i, 0.5 + rng()]);
  for (let k = 0; k < n; k++) {
    const i = Math.floor(rng() * n);
    const j = Math.floor(rng() * n);
    if (i !== j) bonds.push([i, j, 0.5 + rng()]);
  }
  return { kind: 'graph', sites: n, bonds };
}

const rows: string[][] = [['lattice', 'N', 'method', 'blocks', 'largest', 'seconds']];
const results = new Map<string, ReturnType<typeof blockSpectrum>>();

function runBlocks(label: string, ham: Tfim): void {
  const t0 = performance.now();
  const spec = blockSpectrum(ham);
  const s = (performance.now() - t0) / 1000;
  results.set(label, spec);
  rows.push([label, String(ham.nSites), 'blocks', String(spec.blocks), String(spec.maxBlock), s.toFixed(2)]);
  console.error(`${label}: ${s.toFixed(2)} s`);
}

const chains = quick ? [8, 10, 12, 14] : [8, 10, 12, 14, 16];
for (const L of chains) runBlocks(`chain ${L} (Gamma=1)`, model({ kind: 'chain', size: [L] }, 1));
runBlocks('square 3x3', model({ kind: 'square', size: [3, 3] }, 3));
runBlocks('square 4x3', model({ kind: 'square', size: [4, 3] }, 3));
if (!quick) runBlocks('square 4x4 (Gamma=3)', model({ kind: 'square', size: [4, 4] }, 3));
runBlocks('triangular 3x3', model({ kind: 'triangular', size: [3, 3] }, 3));
runBlocks('triangular 4x3', model({ kind: 'triangular', size: [4, 3] }, 3));
const graph = model(randomGraph(12, 7), 1);
runBlocks('graph 12 (h=0: spin flip only)', graph);
{
  const t0 = performance.now();
  fullSpectrum(graph);
  const s = (performance.now() - t0) / 1000;
  rows.push(['graph 12', '12', 'full ED', '1', '4096', s.toFixed(2)]);
}

const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
for (const r of rows) console.log(r.map((x, j) => (j === 0 ? x.padEnd(widths[j]) : x.padStart(widths[j]))).join('  '));

const temps = [0.5, 1, 2];
for (const label of ['square 4x4 (Gamma=3)', 'chain 16 (Gamma=1)']) {
  const spec = results.get(label);
  if (!spec) continue;
  console.log(`\n${label}`);
  for (const p of thermoFromLevels(spec.levels, 16, temps)) {
    console.log(`  T = ${p.T}: e = ${p.e.toPrecision(13)}  c = ${p.c.toPrecision(13)}`);
  }
}
