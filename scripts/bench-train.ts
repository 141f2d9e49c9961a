/**
 * Benchmark of the trained purified DBM (Method 2): microseconds per sample of the chains, for the
 * default marginal sampler and the joint-graph sampler it replaced, back to back in one process,
 * and seconds per imaginary-time step split into sampling and solving.
 *
 *   node --import tsx scripts/bench-train.ts [--steps 3] [--samples 4000] [--workers 1] [--quick] [--json]
 *
 * Timed region ("us/sample"): the sampling passes of `steps` Heun steps (two passes each), i.e.
 * for every sample the Monte Carlo moves between measurements (thin = 1 move), the local energy
 * and log-derivatives O_k, and the per-chain SR sums (O, O E, the packed O O^T), divided by the
 * samples taken; with one worker all of it runs in this thread (the issue's "one thread" target).
 * Not timed: the S solve (reported separately), and one untimed warm-up step before (worker
 * start-up, JIT, the chains' warm-up sweeps). The result depends on the load of the machine.
 */
import { parseArgs } from 'node:util';
import { defaultTrainOptions, trainThermo, type TrainOptions } from '../src/train/driver.ts';
import { parseModel, type ModelSpec } from '../src/model/model.ts';

const { values } = parseArgs({
  options: {
    steps: { type: 'string' }, samples: { type: 'string' }, workers: { type: 'string' }, quick: { type: 'boolean' }, json: { type: 'boolean' },
  },
});
const steps = Number(values.steps ?? 3);
const samples = Number(values.samples ?? 4000);
const workers = Number(values.workers ?? 1);

const chain = (L: number): ModelSpec => parseModel({ name: `chain-${L}`, lattice: { kind: 'chain', size: [L] }, hamiltonian: { kind: 'tfim', J: 1, Gamma: 1 } });
const square = (L: number): ModelSpec => parseModel({ name: `square-${L}x${L}`, lattice: { kind: 'square', size: [L, L] }, hamiltonian: { kind: 'tfim', J: 1, Gamma: 3 } });

/** The issue's targets (one thread): 20 us on the 16-site chain at alpha 4, 40 us on the 4x4 at alpha 8. */
const CASES: Array<{ model: ModelSpec; alpha: number; target?: number }> = values.quick
  ? [{ model: chain(16), alpha: 4, target: 20 }]
  : [{ model: chain(16), alpha: 4, target: 20 }, { model: square(4), alpha: 8, target: 40 }];

interface BenchRow {
  model: string;
  alpha: number;
  params: number;
  sampler: 'marginal' | 'joint';
  workers: number;
  us_per_sample: number;
  s_per_step: number;
  solve_s_per_step: number;
  target_us?: number;
}

const rows: BenchRow[] = [];
for (const c of CASES) {
  for (const sampler of ['joint', 'marginal'] as const) {
    const opts: TrainOptions = { ...defaultTrainOptions(), alpha: c.alpha, samples, chains: 16, warmup: 20, workers, seed: 1, sampler };
    const warm = await trainThermo(c.model, [0.5], { ...opts, stopAfter: 1 });
    const res = await trainThermo(c.model, [0.5], { ...opts, stopAfter: steps + 1 });
    const dSteps = res.meta.steps - warm.meta.steps;
    const dSamples = res.meta.samples - warm.meta.samples;
    const row: BenchRow = {
      model: c.model.name, alpha: c.alpha, params: res.meta.parameters, sampler, workers,
      us_per_sample: (1e6 * (res.meta.sampling_seconds - warm.meta.sampling_seconds)) / dSamples,
      s_per_step: (res.meta.seconds - warm.meta.seconds) / dSteps,
      solve_s_per_step: (res.meta.solve_seconds - warm.meta.solve_seconds) / dSteps,
      target_us: sampler === 'marginal' ? c.target : undefined,
    };
    rows.push(row);
    if (!values.json) {
      console.log(
        `${row.model.padEnd(11)} alpha ${row.alpha} P=${String(row.params).padStart(4)} ${sampler.padEnd(8)} workers ${workers}: ` +
          `${row.us_per_sample.toFixed(1).padStart(6)} us/sample${row.target_us ? ` (target ${row.target_us})` : ''}, ` +
          `${row.s_per_step.toFixed(3)} s/step (solve ${row.solve_s_per_step.toFixed(3)})`,
      );
    }
  }
}
if (values.json) console.log(JSON.stringify({ samples, steps, workers, rows }));
