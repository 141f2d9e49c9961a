/**
 * Regenerates the committed result sets under results/ (`npm run results`, replacing them): the
 * default set (a 16-site chain with all three methods; larger than the `npm start` preset), the 4x4 square lattice at its critical field, and the frustrated
 * triangular antiferromagnet. Each is a plain `pdbm sweep`, so any of them can be rerun by hand.
 */
import { main } from '../src/cli/main.ts';
import { DEFAULT_SWEEP } from './default-sweep.ts';

const SETS: string[][] = [
  DEFAULT_SWEEP,
  ['sweep', '--model', 'models/square-4x4.json', '--methods', 'exact,dbm', '--temps', '0.5:5:10', '--log', '--sweeps', '2000', '--out', 'results/square-4x4-critical'],
  ['sweep', '--model', 'models/triangular-3x3-afm.json', '--methods', 'exact,dbm', '--temps', '0.3:5:10', '--log', '--sweeps', '3000', '--out', 'results/triangular-3x3-afm'],
];

for (const args of SETS) {
  const methods = process.env.PDBM_METHODS;
  const code = await main([...args, '--progress', '--overwrite', ...(methods ? ['--methods', methods] : [])]);
  if (code !== 0) process.exit(code);
}
