// The measurement batches of the trained network (driver.ts SampledSource, worker.ts ChainGroup):
// each chain's autocorrelation summaries are computed in the thread that owns the chain, over all
// batches so far at one temperature, and combined in the main thread. Checked: those summaries
// are exactly the ones of the concatenated batches (and a new measurement starts afresh), the
// row built from them is exactly the one summarizeTrained computes from the series alone, and a
// multi-batch measurement gives the same rows and diagnostics with 1 and 2 workers. Light batches
// (chain means only, the analysis once at the end) give the stopping rule the same e and e_err.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseModel } from '../src/model/model.ts';
import { Rng } from '../src/mc/rng.ts';
import { ChainGroup, type ChainReply, type StepRequest } from '../src/train/worker.ts';
import { TrainedNet, type NetworkOptions } from '../src/train/network.ts';
import { makeTfim } from '../src/model/hamiltonian.ts';
import { energyAndHeat, energyFromMeans, energySummaries, magnetizationSummaries, summarizeTrained } from '../src/train/measure.ts';
import { MIN_CHAINS_BETWEEN } from '../src/stats/series.ts';
import { defaultTrainOptions, trainThermo } from '../src/train/driver.ts';

const model = parseModel({ name: 'c4', lattice: { kind: 'chain', size: [4] }, hamiltonian: { kind: 'tfim', J: 1, Gamma: 1 } });
const opts: NetworkOptions = { alpha: 2, share: true, jastrow: true, beta0: 0.3, noise: 0, seed: 1, split: true };

const cat = (a: Float64Array, b: Float64Array) => {
  const out = new Float64Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

test('per-chain summaries of a measurement cover exactly its batches and give summarizeTrained bit for bit', () => {
  const net = new TrainedNet(makeTfim(model), opts);
  const rng = new Rng(3, 0);
  const theta = net.initial.map((v) => v + 0.1 * rng.normal());
  const g = new ChainGroup({ model, net: opts, seed: 5, chains: [0, 1, 2, 3], clusterEvery: 1, metropolis: 1, states: null });
  const req = (batch: number): StepRequest => ({
    theta, samples: 300, thin: 1, warmup: 50, stepSweeps: 1, mode: 'sums', series: true, batch, oRef: new Float64Array(net.P), eRef: 0,
  });
  const b0 = g.step(req(0));
  const b1 = g.step(req(1));
  const N = net.N;
  const e = b0.map((r, c) => cat(r.e!, b1[c].e!));
  const ei = b0.map((r, c) => cat(r.ei!, b1[c].ei!));
  const m = b0.map((r, c) => cat(r.m!, b1[c].m!));
  b1.forEach((r, c) => assert.equal(r.stats, energySummaries(e[c], ei[c], N), `chain ${c}: summaries of both batches`));
  const fin = g.summaries();
  fin.forEach((q, c) => assert.equal(q, { ...b1[c].stats, ...magnetizationSummaries(m[c]) }, `chain ${c}: final summaries`));
  const pre = { e: b1.map((r) => r.stats!.e), rb: b1.map((r) => r.stats!.rb), m2: fin.map((q) => q.m2), mAbs: fin.map((q) => q.mAbs) };
  assert.is(JSON.stringify(summarizeTrained(e, ei, m, 1, N, pre)), JSON.stringify(summarizeTrained(e, ei, m, 1, N)));
  // Batch 0 starts a new measurement: its summaries cover that batch only.
  const again = g.step(req(0));
  again.forEach((r, c) => assert.equal(r.stats, energySummaries(r.e!, r.ei!, N), `chain ${c}: new measurement`));
});

test('light batches: chain means and e, e_err from them equal the full analysis bit for bit (16 chains)', () => {
  const net = new TrainedNet(makeTfim(model), opts);
  const chains = Array.from({ length: MIN_CHAINS_BETWEEN }, (_, c) => c);
  const req = (batch: number, light: boolean): StepRequest => ({
    theta: net.initial, samples: 200, thin: 1, warmup: 50, stepSweeps: 1, mode: 'sums', series: true, batch, light, oRef: new Float64Array(net.P), eRef: 0,
  });
  const full = new ChainGroup({ model, net: opts, seed: 5, chains, clusterEvery: 1, metropolis: 1, states: null });
  const light = new ChainGroup({ model, net: opts, seed: 5, chains, clusterEvery: 1, metropolis: 1, states: null });
  const f0 = full.step(req(0, false));
  const l0 = light.step(req(0, true));
  const f1 = full.step(req(1, false));
  const l1 = light.step(req(1, true));
  l1.forEach((r, c) => {
    assert.is(r.stats, null);
    assert.equal(r.means, { e: f1[c].stats!.e.mean, rb: f1[c].stats!.rb.mean }, `chain ${c}: means`);
  });
  const N = net.N;
  const fs = full.summaries();
  const series = (b0: ChainReply[], b1: ChainReply[], key: 'e' | 'ei') => b0.map((r, c) => cat(r[key]!, b1[c][key]!));
  const ref = energyAndHeat(series(f0, f1, 'e'), series(f0, f1, 'ei'), 1, N, { e: fs.map((q) => q.e), rb: fs.map((q) => q.rb) });
  const got = energyFromMeans(series(l0, l1, 'e'), series(l0, l1, 'ei'), N, l1.map((r) => r.means!));
  assert.equal(got, { e: ref.e, e_err: ref.e_err });
  assert.equal(light.summaries(), fs);
});

test('a measurement of several batches gives the same rows and diagnostics with 1 and 2 workers', async () => {
  // measureRelErr 1e-9 is never met: every batch up to the budget (4 of them) is taken.
  const o = {
    ...defaultTrainOptions(), alpha: 2, seed: 7, samples: 160, measureSamples: 400, maxMeasureSamples: 1600, measureRelErr: 1e-9,
    chains: 4, warmup: 50, maxDbeta: 0.1, relDbeta: 0.2,
  };
  const one = await trainThermo(model, [1.5], { ...o, workers: 1 });
  const two = await trainThermo(model, [1.5], { ...o, workers: 2 });
  assert.is(one.meta.points[0].measure_batches, 4);
  assert.is(JSON.stringify(two.rows), JSON.stringify(one.rows));
  assert.is(JSON.stringify(two.meta.points), JSON.stringify(one.meta.points));
  assert.equal(two.meta.warnings, one.meta.warnings);
});

test.run();
