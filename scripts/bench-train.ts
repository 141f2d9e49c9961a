/**
 * Benchmark of the trained purified DBM (Method 2): microseconds per sample of the chains, for the
 * default marginal sampler and the joint-graph sampler it replaced, back to back in one process,
 * and seconds per imaginary-time step split into sampling and solving.
 *
 *   node --import tsx scripts/bench-train.ts [--steps 3] [--samples 4000] [--workers 1] [--reps 3]
 *     [--speedup-reps 3] [--quick] [--json]
 *
 * Timed region ("us/sample"): the sampling passes of `steps` Heun steps (two passes each), i.e.
 * for every sample the Monte Carlo moves between measurements (thin = 1 move), the local energy
 * and log-derivatives O_k, and the per-chain SR sums (O, O E, the packed O O^T), divided by the
 * samples taken; with one worker all of it runs in this thread (the issue's "one thread" target).
 * Not timed: the S solve (reported separately), and one untimed warm-up step before (worker
 * start-up, JIT, the chains' warm-up sweeps). Both samplers are measured alternately `reps`
 * times and the minimum is kept: on a shared machine the load changes within seconds, and the
 * minimum is the best estimate of the unloaded cost. "cpu" is the process CPU time (user + system)
 * of the timed run minus the warm-up run and the solve, per sample: with one worker it is the
 * sampling thread's CPU time, much less sensitive to the load of the machine than wall time.
 *
 * The joint-graph sampler is the baseline measured in the same run (same machine, same load): the
 * marginal sampler's figure is also printed as a ratio to it.
 *
 * Worker speedup (last line): wall time of a short `pdbm train`-like run of the 16-site chain
 * (alpha 4, T = 2 and 1, its own small budgets, measurement batches included) with 1 and with 2
 * workers, `speedup-reps` times each, alternating; the ratio of the medians. It is only meaningful
 * on a machine with at least 2 idle cores: the load average at the start and end is printed.
 * Note: every module loaded in a process started with `--import tsx` (this script's, also the
 * tsc-built dist/ ones) runs these hot loops 1.3-1.4x slower than under plain `node`, which is how
 * `pdbm` runs (same component timings, measured both ways; the cause is not the transform: tsx
 * hands dist/ files to node unchanged). The figures here are therefore upper bounds of the
 * installed command's.
 *
 * Components (marginal sampler, one thread, min over `reps` runs of 2000 calls after 500 untimed):
 * one sweep (the move between measurements), E_loc and O from the cached fields, and one sample's
 * SR sums in 'sums' mode (P (P + 1) / 2 multiply-adds for O O^T: the dense S costs this per sample
 * whatever the sampler), on parameters near the start with a little noise. The line after them
 * says whether the S sums ran on the wasm SIMD kernel (train/sr-wasm.ts) or the JS fallback.
 */
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { defaultTrainOptions, trainThermo, type TrainOptions } from '../src/train/driver.ts';
import { parseModel, type ModelSpec } from '../src/model/model.ts';
import { makeTfim } from '../src/model/hamiltonian.ts';
import { Rng } from '../src/mc/rng.ts';
import { RbmLocal, TrainedNet } from '../src/train/network.ts';
import { MarginalSampler } from '../src/train/marginal-sampler.ts';
import { SrAccumulator } from '../src/train/sr.ts';
import { srWasmFlushes } from '../src/train/sr-wasm.ts';

// Not strict: `npm run bench` passes the same arguments to every benchmark script.
const { values } = parseArgs({
  strict: false,
  allowPositionals: true,
  options: {
    steps: { type: 'string' }, samples: { type: 'string' }, workers: { type: 'string' }, reps: { type: 'string' }, 'speedup-reps': { type: 'string' },
    quick: { type: 'boolean' }, json: { type: 'boolean' },
  },
});
const steps = Number(values.steps ?? 3);
const samples = Number(values.samples ?? 4000);
const workers = Number(values.workers ?? 1);
const reps = Number(values.reps ?? 3);
const speedupReps = Number(values['speedup-reps'] ?? (values.quick ? 1 : 3));
for (const [k, v] of Object.entries({ steps, samples, workers, reps, 'speedup-reps': speedupReps })) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${k} must be a positive integer`);
}

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
  /** Minimum over the repetitions: wall time and CPU time of the sampling per sample. */
  us_per_sample: number;
  cpu_us_per_sample: number;
  s_per_step: number;
  solve_s_per_step: number;
  target_us?: number;
}

/** One timed measurement (after an untimed warm-up step). */
async function measure(model: ModelSpec, opts: TrainOptions) {
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const c0 = cpu();
  const warm = await trainThermo(model, [0.5], { ...opts, stopAfter: 1 });
  const c1 = cpu();
  const res = await trainThermo(model, [0.5], { ...opts, stopAfter: steps + 1 });
  const c2 = cpu();
  const dSteps = res.meta.steps - warm.meta.steps;
  const dSamples = res.meta.samples - warm.meta.samples;
  const dSolve = res.meta.solve_seconds - warm.meta.solve_seconds;
  return {
    params: res.meta.parameters,
    wall: (1e6 * (res.meta.sampling_seconds - warm.meta.sampling_seconds)) / dSamples,
    cpu: (1e6 * (c2 - c1 - (c1 - c0) - dSolve)) / dSamples,
    step: (res.meta.seconds - warm.meta.seconds) / dSteps,
    solve: dSolve / dSteps,
  };
}

const load = () => loadavg().map((v) => v.toFixed(2)).join(' ');
if (!values.json) {
  console.log('code measured: src/ through tsx (1.3-1.4x slower than the built code `pdbm` runs under plain node)');
  console.log(`load average at start: ${load()} (timings are only comparable on an idle machine)`);
  console.log(
    'timed region (us/sample): per measurement, the Monte Carlo moves before it, E_loc and O_k from the cached fields, and the\n' +
      '  per-chain SR sums (O, O E, packed O O^T), over the sampling passes of the timed steps; not the S solve, not the warm-up step',
  );
}
const rows: BenchRow[] = [];
const ratios: string[] = [];
for (const c of CASES) {
  const best = new Map<'joint' | 'marginal', Awaited<ReturnType<typeof measure>>>();
  for (let rep = 0; rep < reps; rep++) {
    for (const sampler of ['joint', 'marginal'] as const) {
      const opts: TrainOptions = { ...defaultTrainOptions(), alpha: c.alpha, samples, chains: 16, warmup: 20, workers, seed: 1, sampler };
      const m = await measure(c.model, opts);
      const b = best.get(sampler);
      best.set(sampler, b ? { ...m, wall: Math.min(b.wall, m.wall), cpu: Math.min(b.cpu, m.cpu), step: Math.min(b.step, m.step), solve: Math.min(b.solve, m.solve) } : m);
    }
  }
  for (const sampler of ['joint', 'marginal'] as const) {
    const m = best.get(sampler)!;
    const row: BenchRow = {
      model: c.model.name, alpha: c.alpha, params: m.params, sampler, workers, us_per_sample: m.wall, cpu_us_per_sample: m.cpu,
      s_per_step: m.step, solve_s_per_step: m.solve, target_us: sampler === 'marginal' ? c.target : undefined,
    };
    rows.push(row);
    if (sampler === 'marginal') {
      const j = best.get('joint')!;
      ratios.push(`${c.model.name} alpha ${c.alpha}: marginal / joint (baseline, same run) = ${(m.wall / j.wall).toFixed(3)} wall, ${(m.cpu / j.cpu).toFixed(3)} cpu`);
    }
    if (!values.json) {
      console.log(
        `${row.model.padEnd(11)} alpha ${row.alpha} P=${String(row.params).padStart(4)} ${sampler.padEnd(8)} workers ${workers}: ` +
          `${row.us_per_sample.toFixed(1).padStart(6)} us/sample wall, ${row.cpu_us_per_sample.toFixed(1).padStart(6)} cpu` +
          `${row.target_us ? ` (target ${row.target_us})` : ''}, ${row.s_per_step.toFixed(3)} s/step (solve ${row.solve_s_per_step.toFixed(3)})`,
      );
    }
  }
}
/** Microseconds per call of the three parts of a sample (see the header). */
function components(model: ModelSpec, alpha: number) {
  const net = new TrainedNet(makeTfim(model), { alpha, share: true, jastrow: true, beta0: 0.3, noise: 0, seed: 1, split: true });
  const rng = new Rng(1, 0);
  net.setParams(net.initial.map((v) => v + 0.05 * rng.normal()));
  const mc = new MarginalSampler(net);
  const local = new RbmLocal(net);
  const acc = new SrAccumulator(net.P, 'sums', 0);
  acc.reset(new Float64Array(net.P), 0);
  const x = new Int8Array(2 * net.N).map(() => (rng.next() < 0.5 ? 1 : -1));
  mc.load(x);
  const o = new Float64Array(net.P);
  const time = (f: () => void) => {
    let best = Infinity;
    for (let r = 0; r < reps; r++) {
      for (let i = 0; i < 500; i++) f();
      const t = performance.now();
      for (let i = 0; i < 2000; i++) f();
      best = Math.min(best, ((performance.now() - t) * 1000) / 2000);
    }
    return best;
  };
  return {
    sweep: time(() => mc.sweep(x, rng)),
    energy: time(() => local.evalCached(x, o, mc.theta, mc.sigP, mc.sigM, mc.f)),
    sums: time(() => acc.add(o, 1)),
  };
}

if (!values.json) for (const r of ratios) console.log(r);

const parts = CASES.map((c) => ({ model: c.model.name, alpha: c.alpha, ...components(c.model, c.alpha) }));
if (!values.json) {
  for (const p of parts) {
    console.log(
      `${p.model.padEnd(11)} alpha ${p.alpha} components: sweep ${p.sweep.toFixed(1)} us, E_loc + O ${p.energy.toFixed(1)} us ` +
        `(chain work ${(p.sweep + p.energy).toFixed(1)} us), S sums ${p.sums.toFixed(1)} us`,
    );
  }
  // The O O^T sums run on a wasm SIMD kernel when it is available (train/sr-wasm.ts), else in JS.
  console.log(`S sums path: ${srWasmFlushes() > 0 ? 'wasm SIMD kernel' : 'JS loop (no wasm SIMD)'}`);
}
/**
 * Wall seconds of the speedup run (see the header) with `w` workers: 16-site chain, alpha 4, down
 * to T = 1 with a measurement at T = 2 and 1 (1000 samples per step, batches of 4000 up to 16000).
 */
async function speedupRun(w: number): Promise<number> {
  const t = performance.now();
  await trainThermo(chain(16), [2, 1], {
    ...defaultTrainOptions(), alpha: 4, samples: 1000, measureSamples: 4000, maxMeasureSamples: 16000, maxDbeta: 0.05, relDbeta: 0.1, workers: w, seed: 1,
  });
  return (performance.now() - t) / 1000;
}
const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const loadBefore = load();
const wall: Record<1 | 2, number[]> = { 1: [], 2: [] };
for (let r = 0; r < speedupReps; r++) for (const w of [1, 2] as const) wall[w].push(await speedupRun(w));
const speedup = { reps: speedupReps, w1_s: median(wall[1]), w2_s: median(wall[2]), speedup: median(wall[1]) / median(wall[2]), load_before: loadBefore, load_after: load() };
if (!values.json) {
  console.log(
    `worker speedup (chain-16 alpha 4, T = 2, 1; median of ${speedupReps}): 1 worker ${speedup.w1_s.toFixed(2)} s, 2 workers ${speedup.w2_s.toFixed(2)} s, ` +
      `speedup ${speedup.speedup.toFixed(2)}x (target >= 1.8; needs 2 idle cores; load average ${loadBefore} -> ${speedup.load_after})`,
  );
}
if (values.json) console.log(JSON.stringify({ samples, steps, workers, reps, rows, ratios, components: parts, speedup }));
