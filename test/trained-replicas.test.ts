// Replicas of the trained evolution: the combination rule on known numbers, the combined run
// equal to its replicas run one by one (cluster-array style) and merged, independent of the
// worker count, resumable, and its error bar against the exact numbers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exactThermo } from '../src/exact/solver.ts';
import { makeTfim } from '../src/model/hamiltonian.ts';
import { parseModel } from '../src/model/model.ts';
import { InputError } from '../src/util/errors.ts';
import { combineQuantity, combineReplicaRows, droppedReplicaWarnings, outlierReplicas, replicaSeed } from '../src/train/replicas.ts';
import { combineReplicaResults, defaultTrainOptions, replicaCheckpoint, trainThermo, type TrainOptions } from '../src/train/driver.ts';

const model = parseModel({ name: 'test', lattice: { kind: 'chain', size: [4] }, hamiltonian: { kind: 'tfim', J: 1, Gamma: 1, h: 0 } });
const small = (o: Partial<TrainOptions>): TrainOptions => ({
  ...defaultTrainOptions(), workers: 1, maxDbeta: 0.05, relDbeta: 0.1, samples: 160, measureSamples: 800, maxMeasureSamples: 0, chains: 4, warmup: 50, seed: 5, ...o,
});
const dir = mkdtempSync(join(tmpdir(), 'pdbm-replicas-'));

test('combination rule: mean, measurement part, scatter part, the larger one reported', () => {
  // Scatter dominates: values 1, 2, 3 (SEM = 1/sqrt(3)) with error bars 0.1 (measurement part 0.1 sqrt(3)/3).
  const a = combineQuantity([1, 2, 3], [0.1, 0.1, 0.1]);
  assert.is(a.mean, 2);
  assert.ok(Math.abs(a.parts.scatter - 1 / Math.sqrt(3)) < 1e-15);
  assert.ok(Math.abs(a.parts.meas - 0.1 / Math.sqrt(3)) < 1e-15);
  assert.is(a.err, a.parts.scatter);
  assert.is(a.parts.dominant, 'replica scatter');
  // Measurement dominates: identical values cannot hide the measurement error.
  const b = combineQuantity([2, 2], [0.3, 0.4]);
  assert.is(b.err, 0.25);
  assert.is(b.parts.dominant, 'measurement');
  assert.is(replicaSeed(7, 0), 7);
  const seeds = new Set(Array.from({ length: 50 }, (_, r) => replicaSeed(7, r)));
  assert.is(seeds.size, 50);
  for (const s of seeds) assert.ok(Number.isInteger(s) && s >= 0);
});

test('failed replicas: left out beyond 10 median bars from the median, with a warning; never below 2 replicas', () => {
  // The 16-site Heisenberg chain at T = 0.3168 (three replicas, complex network): replica 0 blew up.
  const e = [-0.22767, -0.402, -0.40184];
  const err = [2.9e-2, 3.5e-4, 2.8e-4];
  assert.equal(outlierReplicas(e, err), [0]);
  // Ordinary scatter (the same chain at T = 1.26: 1.4 median bars at most) keeps every replica.
  assert.equal(outlierReplicas([-0.16295, -0.16404, -0.16312], [6.5e-4, 6.4e-4, 6.4e-4]), []);
  // Two replicas: no median to trust; and never fewer than two left.
  assert.equal(outlierReplicas([-0.2, -0.4], [1e-3, 1e-3]), []);
  assert.equal(outlierReplicas([0, 1, 2], [1e-3, 1e-3, 1e-3]), []);
  assert.equal(outlierReplicas([0, 0.5, -0.5, 0, 12], [1, 1, 1, 1, 1]), [4]);
  const rows = e.map((v, r) => [{ T: 0.3168, e: v, e_err: err[r], c: r === 0 ? 8.8 : 0.29, c_err: r === 0 ? 3.9 : 4e-3 }]);
  const got = combineReplicaRows(rows);
  assert.equal(got.errors[0].dropped, [0]);
  assert.ok(Math.abs(got.rows[0].e - (-0.402 - 0.40184) / 2) < 1e-12);
  assert.ok(Math.abs(got.rows[0].c - 0.29) < 1e-12);
  const w = droppedReplicaWarnings(got.rows, got.errors, rows);
  assert.is(w.length, 1);
  assert.match(w[0], /^T = 0\.3168: replica 0 left out/);
});

test('replicas: combined run = replicas run one by one and merged; the same with 2 workers; sane against exact', async () => {
  const temps = [2, 1];
  const o = small({ replicas: 3 });
  const all = await trainThermo(model, temps, o);
  assert.is(all.meta.replicas, 3);
  assert.equal(all.meta.replica_seeds, [5, replicaSeed(5, 1), replicaSeed(5, 2)]);
  const parts = [];
  for (let r = 0; r < 3; r++) parts.push(await trainThermo(model, temps, { ...o, replica: r }));
  assert.is(parts[1].meta.replica, 1);
  assert.is(JSON.stringify(combineReplicaResults(parts).rows), JSON.stringify(all.rows));
  // Replica 0 is the plain run with the same seed.
  const plain = await trainThermo(model, temps, small({}));
  assert.is(JSON.stringify(parts[0].rows), JSON.stringify(plain.rows));
  const two = await trainThermo(model, temps, { ...o, workers: 2 });
  assert.is(JSON.stringify(two.rows), JSON.stringify(all.rows));
  const pts = all.meta.points as Array<{ replica_errors: { e: { meas: number; scatter: number } } }>;
  all.rows.forEach((r, k) => assert.ok(r.e_err >= pts[k].replica_errors.e.meas && r.e_err >= pts[k].replica_errors.e.scatter));
  assert.ok(all.meta.scatter_dominates !== undefined && all.meta.scatter_dominates.of === 2);
});

test('replicas with a real budget: combined e and c within 4 combined error bars (+ TDVP error) of exact', async () => {
  const temps = [2, 1];
  const o = small({ alpha: 2, seed: 3, samples: 2000, measureSamples: 8000, chains: 8, replicas: 2 });
  const ex = exactThermo(makeTfim(model), temps).rows;
  const tdvp = await trainThermo(model, temps, { ...o, replicas: 1, exact: true });
  const res = await trainThermo(model, temps, o);
  res.rows.forEach((r, k) => {
    for (const key of ['e', 'c'] as const) {
      const tol = 4 * r[`${key}_err`] + Math.abs(tdvp.rows[k][key] - ex[k][key]);
      assert.ok(Math.abs(r[key] - ex[k][key]) < tol, `T=${r.T} ${key}: ${r[key]} ± ${r[`${key}_err`]} vs exact ${ex[k][key]}`);
    }
  });
});

test('replicas resume: an interrupted replica run continues to the uninterrupted result', async () => {
  const temps = [1.5];
  const o = small({ replicas: 2, checkpointEvery: 2 });
  const full = await trainThermo(model, temps, { ...o, checkpoint: join(dir, 'full.json') });
  assert.ok(existsSync(join(dir, 'full.r1.json')));
  const ck = join(dir, 'part.json');
  const part = await trainThermo(model, temps, { ...o, checkpoint: ck, stopAfter: 3 });
  assert.is(part.meta.complete, false);
  assert.is(part.rows.length, 0);
  assert.ok(!existsSync(replicaCheckpoint(ck, 1)), 'replica 1 had not started');
  const rest = await trainThermo(model, temps, { ...o, checkpoint: ck, resume: true });
  assert.is(JSON.stringify(rest.rows), JSON.stringify(full.rows));
});

test('bad replica options fail with InputError', async () => {
  for (const [bad, re] of [[{ replicas: 0 }, /--replicas/], [{ replicas: 2, replica: 2 }, /--replica must be below/], [{ replica: -1 }, /--replica/]] as const) {
    try {
      await trainThermo(model, [1], small(bad));
      assert.unreachable('accepted');
    } catch (e) {
      assert.instance(e, InputError);
      assert.match((e as Error).message, re);
    }
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
