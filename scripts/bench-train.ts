/**
 * Benchmark of the trained purified DBM (Method 2): seconds per imaginary-time step against the
 * system size N and alpha, split into sampling (workers: sweeps, cluster moves, E_loc, O, sums)
 * and solving (S assembly in the main thread + Cholesky / CG), and the 1 -> 2 worker speedup.
 *
 *   node --import tsx scripts/bench-train.ts [--steps 6] [--samples 4000] [--quick] [--json]
 *
 * Each case runs `steps` Heun steps (two sampling passes each) from the start state with the
 * default options, after one untimed warm-up pass; times are per step.
 */
import { parseArgs } from 'node:util';
import { defaultTrainOptions, trainThermo } from '../src/train/driver.ts';
import { parseModel, type ModelSpec } from '../src/model/model.ts';

const { values } = parseArgs({
  options: { steps: { type: 'string' }, samples: { type: 'string' }, quick: { type: 'boolean' }, json: { type: 'boolean' } },
});
const steps = Number(values.steps ?? 6);
const samples = Number(values.samples ?? 4000);

const chain = (L: number): ModelSpec => parseModel({ name: `chain-${L}`, lattice: { kind: 'chain', size: [L] }, hamiltonian: { kind: 'tfim', J: 1, Gamma: 1 } });
const square = (L: number): ModelSpec => parseModel({ name: `square-${L}x${L}`, lattice: { kind: 'square', size: [L, L] }, hamiltonian: { kind: 'tfim', J: 1, Gamma: 3 } });

const CASES: Array<{ model: ModelSpec; alpha: number; share: boolean }> = values.quick
  ? [{ model: chain(8), alpha: 2, share: true }, { model: chain(16), alpha: 2, share: true }]
  : [
      { model: chain(8), alpha: 2, share: true },
      { model: chain(16), alpha: 2, share: true },
      { model: chain(16), alpha: 4, share: true },
      { model: chain(32), alpha: 2, share: true },
      { model: square(4), alpha: 4, share: true },
      { model: square(4), alpha: 8, share: true },
      { model: chain(16), alpha: 2, share: false },
    ];

interface Row {
  model: string;
  N: number;
  alpha: number;
  share: boolean;
  params: number;
  workers: number;
  s_per_step: number;
  sampling: number;
  solve: number;
  us_per_sample: number;
  speedup?: number;
}

const rows: Row[] = [];
for (const c of CASES) {
  let one = NaN;
  for (const workers of [1, 2]) {
    const opts = { ...defaultTrainOptions(), alpha: c.alpha, share: c.share, samples, chains: 16, warmup: 20, workers, seed: 1 };
    // Untimed: worker start-up, JIT warm-up and the chains' warm-up sweeps.
    const warm = await trainThermo(c.model, [0.5], { ...opts, stopAfter: 1 });
    const res = await trainThermo(c.model, [0.5], { ...opts, stopAfter: steps + 1 });
    const dSteps = res.meta.steps - warm.meta.steps;
    const s = (res.meta.seconds - warm.meta.seconds) / dSteps;
    const row: Row = {
      model: c.model.name, N: res.meta.hidden / c.alpha, alpha: c.alpha, share: c.share, params: res.meta.parameters, workers,
      s_per_step: s,
      sampling: (res.meta.sampling_seconds - warm.meta.sampling_seconds) / dSteps,
      solve: (res.meta.solve_seconds - warm.meta.solve_seconds) / dSteps,
      // Heun: two passes of `samples` measurements per step; wall-clock time per measurement.
      us_per_sample: (1e6 * (res.meta.sampling_seconds - warm.meta.sampling_seconds)) / (dSteps * 2 * samples),
    };
    if (workers === 1) one = s;
    else row.speedup = one / s;
    rows.push(row);
    if (!values.json) {
      console.log(
        `${row.model.padEnd(12)} alpha ${row.alpha} ${row.share ? 'shared  ' : 'unshared'} P=${String(row.params).padStart(5)} workers ${workers}: ` +
          `${row.s_per_step.toFixed(3)} s/step (sampling ${row.sampling.toFixed(3)}, solve ${row.solve.toFixed(3)}), ` +
          `${row.us_per_sample.toFixed(1)} us/sample${row.speedup ? `, speedup ${row.speedup.toFixed(2)}x` : ''}`,
      );
    }
  }
}
if (values.json) console.log(JSON.stringify({ samples, steps, rows }));
