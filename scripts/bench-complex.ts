/**
 * Benchmark of the complex trained network (xxz models): a short `pdbm train`-like run with 1 and
 * with 2 workers, alternating `reps` times, on the J1-J2 6x6 torus (J2 = J/2; --quick: the 4x4).
 *
 *   node --import tsx scripts/bench-complex.ts [--reps 1] [--T 10] [--quick] [--point-group] [--alpha 2] [--json]
 *
 * Timed region: the whole `trainComplexThermo(model, [T], { workers })` call, end to end: worker
 * start-up, every imaginary-time step from beta0 (sampling of S and F, solves, the Heun and
 * step-size logic, messages between threads), and one measurement batch at T. That is the figure a
 * user sees, minus model loading and output. The run is the network with the path sign, 8 chains
 * x 1000 samples per evaluation and alpha 2 (the figures below were measured with it; the default
 * is alpha 4 since: `--alpha 4`), without the point-group average (on by default, 8x the work per
 * amplitude on the square lattice: the 6x6's 1-worker run takes 740 s instead of 154 s), stopped
 * at T = 10 by default: 21 steps on the 6x6. `--point-group` turns the average on, as the CLI's
 * default does; measured with it, 2 workers over 1 was 2.01x on the 4x4 and 1.77x on the 6x6
 * (1.63x for the plain network there).
 *
 * Baseline: the 1-worker run in the same process; the 2-worker figure is printed as a ratio to it
 * (medians over reps). The rows of both must be identical (same seed, same numbers, whatever the
 * worker count): the script fails otherwise. It means something only on a machine with 2 idle
 * cores; the load average at the start and end is printed.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadModel } from '../src/model/model.ts';
import { trainComplexThermo } from '../src/train/complex-driver.ts';

// Not strict: `npm run bench -- ...` hands every script the same arguments, some meant for others.
const { values } = parseArgs({ strict: false, options: { reps: { type: 'string' }, T: { type: 'string' }, quick: { type: 'boolean' }, json: { type: 'boolean' }, 'point-group': { type: 'boolean' }, alpha: { type: 'string' } } });
const reps = Number(values.reps ?? 1);
const T = Number(values.T ?? 10);
const alpha = Number(values.alpha ?? 2);
if (!(reps >= 1) || !(T > 0) || !Number.isInteger(alpha) || alpha < 1) throw new Error('--reps must be >= 1, --T > 0 and --alpha an integer >= 1');
const pointGroup = values['point-group'] === true;
const file = values.quick ? 'models/j1j2-square-4x4.json' : 'models/j1j2-square-6x6.json';
const model = loadModel(file);
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(`complex network (alpha ${alpha}), ${model.name}${pointGroup ? ' with the point-group average' : ''}, T = ${T}, ${reps} rep(s) per worker count; load average at start ${load()}`);
const seconds: Record<number, number[]> = { 1: [], 2: [] };
const runs: Record<number, Awaited<ReturnType<typeof trainComplexThermo>>> = {};
for (let r = 0; r < reps; r++) {
  for (const workers of [1, 2]) {
    const t0 = performance.now();
    const res = await trainComplexThermo(model, [T], { workers, seed: 3, maxMeasureSamples: 0, pointGroup, alpha });
    const s = (performance.now() - t0) / 1000;
    seconds[workers].push(s);
    runs[workers] = res;
    const m = res.meta;
    console.log(
      `  ${workers} worker(s): ${s.toFixed(1)} s whole call (sampling ${m.sampleSeconds.toFixed(1)} s, solve ${m.solveSeconds.toFixed(2)} s, measurement ${m.measureSeconds.toFixed(1)} s), ${m.steps} steps, ${m.parameters} parameters`,
    );
  }
}
const same = JSON.stringify(runs[1].rows) === JSON.stringify(runs[2].rows);
const t1 = median(seconds[1]);
const t2 = median(seconds[2]);
console.log(`2 workers over 1: ${(t1 / t2).toFixed(2)}x (medians ${t1.toFixed(1)} s and ${t2.toFixed(1)} s); rows identical: ${same}; load average at end ${load()}`);
if (values.json) console.log(JSON.stringify({ model: model.name, T, pointGroup, seconds, speedup: t1 / t2, identical: same }));
if (!same) process.exitCode = 1;
