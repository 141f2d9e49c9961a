// Product safety of the trained method: the success path against exact numbers with its
// diagnostics, every corrupt-checkpoint case (one InputError line naming file and field, file left
// untouched), output paths checked before work, warnings for suspicious numbers, and a crashing
// worker thread ending the run with one clear error instead of a hang or an unhandled rejection.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../src/util/errors.ts';
import { rawFile, resignedCopy } from './support/checkpoint-files.ts';
import { exactThermo } from '../src/exact/solver.ts';
import { makeTfim } from '../src/model/hamiltonian.ts';
import { parseModel, type ModelSpec } from '../src/model/model.ts';
import { ROW_KEYS } from '../src/stats/row.ts';
import { Rng } from '../src/mc/rng.ts';
import { combineChunks, solveSr, SrAccumulator } from '../src/train/sr.ts';
import { summarizeTrained } from '../src/train/measure.ts';
import { SamplingError } from '../src/train/pool.ts';
import { loadNetwork, networkBeta } from '../src/methods/saved-network.ts';
import { defaultTrainOptions, trainThermo, type TrainOptions } from '../src/train/driver.ts';

const chain = (n: number, Gamma = 1): ModelSpec => parseModel({ name: 'test', lattice: { kind: 'chain', size: [n] }, hamiltonian: { kind: 'tfim', J: 1, Gamma, h: 0 } });
const fast = (o: Partial<TrainOptions>): TrainOptions => ({
  ...defaultTrainOptions(), workers: 1, maxDbeta: 0.05, relDbeta: 0.1, samples: 400, measureSamples: 8000, maxMeasureSamples: 0, chains: 8, warmup: 50, ...o,
});
const dir = mkdtempSync(join(tmpdir(), 'pdbm-train-safety-'));

async function rejects(p: Promise<unknown>, cls: new (...a: never[]) => Error, re: RegExp): Promise<Error> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String((e as Error)?.stack ?? e)}`);
    assert.match((e as Error).message, re);
    assert.not.match((e as Error).message, /\n/, 'the message is one line');
    return e as Error;
  }
  throw new assert.Assertion({ message: `expected a ${cls.name} matching ${re}`, generated: true, operator: 'rejects', actual: 'resolved', expects: re });
}

test('success path on the 4-site chain: rows are Rows, within error bars of the exact numbers, with diagnostics', async () => {
  const model = chain(4);
  const temps = [2, 1];
  const ex = exactThermo(makeTfim(model), temps).rows;
  const o = fast({ alpha: 2, seed: 3, samples: 2000 });
  const tdvp = await trainThermo(model, temps, { ...o, exact: true });
  const res = await trainThermo(model, temps, o);
  assert.is(res.rows.length, 2);
  res.rows.forEach((r, k) => {
    for (const key of Object.keys(r)) assert.ok((ROW_KEYS as readonly string[]).includes(key), `row key ${key} is a Row key`);
    assert.is(r.T, temps[k]);
    for (const key of ['e', 'c'] as const) {
      // 4 reported sigma + the deterministic TDVP error of this configuration (exact moments).
      const tol = 4 * r[`${key}_err`] + Math.abs(tdvp.rows[k][key] - ex[k][key]);
      assert.ok(Math.abs(r[key] - ex[k][key]) < tol, `T=${r.T} ${key}: ${r[key]} ± ${r[`${key}_err`]} vs exact ${ex[k][key]}`);
    }
    assert.ok(r.c > 0 && r.e_err > 0 && r.c_err > 0 && (r.n_eff ?? 0) > 100);
  });
  const m = res.meta;
  assert.is(m.points.length, 2);
  assert.equal(m.points.map((p) => p.T), temps);
  assert.ok(m.points.every((p) => p.samples === 8000 && p.measure_batches === 1 && p.steps > 0));
  assert.ok(Array.isArray(m.warnings));
  assert.ok(m.us_per_sample > 0 && m.samples > 0);
});

// One interrupted run gives the checkpoint every corruption case below starts from.
const model = chain(4);
const temps = [1, 3];
const o = fast({ seed: 9, samples: 160, measureSamples: 800, checkpointEvery: 3, chains: 4 });
const good = join(dir, 'good.json');
let goodJson: Record<string, unknown> & { state: Record<string, unknown>; chains: Array<Record<string, unknown>> };

test('a checkpoint resumes; it carries a checksum', async () => {
  await trainThermo(model, temps, { ...o, checkpoint: good, stopAfter: 4 });
  goodJson = JSON.parse(readFileSync(good, 'utf8'));
  assert.type(goodJson.checksum, 'string');
  const copy = join(dir, 'copy.json');
  copyFileSync(good, copy);
  const r = await trainThermo(model, temps, { ...o, checkpoint: copy, resume: true });
  assert.is(r.meta.resumed_from_step, 4);
  assert.is(r.rows.length, 2);
});

const resigned = (edit: (ck: typeof goodJson) => void) => resignedCopy(dir, goodJson, edit);
const raw = (text: string) => rawFile(dir, text);

const CASES: Array<[string, () => string, RegExp, Partial<TrainOptions>?]> = [
  ['empty', () => raw(''), /empty file/],
  ['not JSON', () => raw('{"format": "purif'), /not valid JSON/],
  ['truncated', () => raw(readFileSync(good, 'utf8').slice(0, 400)), /not valid JSON/],
  ['edited (checksum mismatch)', () => raw(readFileSync(good, 'utf8').replace(/"beta":([0-9.e-]+)/, '"beta":0.5')), /checksum mismatch/],
  ['foreign JSON (a model file)', () => raw(JSON.stringify(model)), /no checksum/],
  ['a JSON array', () => raw('[1, 2]'), /expected a JSON object/],
  ['a null parameter', () => resigned((ck) => ((ck.state.theta as unknown[])[3] = null)), /state\.theta\[3\]/],
  ['a non-numeric parameter', () => resigned((ck) => ((ck.state.theta as unknown[])[0] = 'x')), /state\.theta\[0\]/],
  ['a missing parameter', () => resigned((ck) => (ck.state.theta as unknown[]).pop()), /state\.theta: .*parameters/],
  ['fewer chains than the run', () => resigned((ck) => ck.chains.pop()), /chains: 3 chains, the run has 4/],
  ['a chain configuration of the wrong size', () => resigned((ck) => (ck.chains[1].x = 'AQE=')), /chains\[1\]\.x/],
  ['a chain RNG state that is not 4 integers', () => resigned((ck) => (ck.chains[2].rng = [1, 2, 3])), /chains\[2\]\.rng/],
  ['another format', () => resigned((ck) => (ck.format = 'purified-dbm/train-checkpoint@1')), /format/],
  ['a negative step', () => resigned((ck) => (ck.state.step = -1)), /state\.step/],
  ['another model', () => good, /model: .*another model/, {}],
  ['other options', () => good, /options\.seed/, { seed: 10 }],
  ['more chains in this run', () => good, /options\.chains/, { chains: 8 }],
];

for (const [name, make, re, change] of CASES) {
  test(`--resume from a checkpoint with ${name}: one InputError line naming file and field, nothing overwritten`, async () => {
    const path = make();
    const before = readFileSync(path);
    const m = name === 'another model' ? chain(4, 1.5) : model;
    const e = await rejects(trainThermo(m, temps, { ...o, ...change, checkpoint: path, resume: true }), InputError, re);
    assert.ok(e.message.includes(path), `names the file: ${e.message}`);
    assert.ok(readFileSync(path).equals(before), 'file unchanged');
  });
}

test('the saved network carries a checksum and loads through the public loader', async () => {
  const path = join(dir, 'net.json');
  await trainThermo(model, [3], { ...o, saveNetwork: path });
  assert.type(JSON.parse(readFileSync(path, 'utf8')).checksum, 'string');
  const net = loadNetwork(path);
  assert.is(net.nSites, 4);
  assert.is(net.info.kind, 'trained-rbm');
  assert.ok(Math.abs(networkBeta(net) - 1 / 3) < 1e-12);
});

test('output paths are checked before any work', async () => {
  await rejects(trainThermo(model, temps, { ...o, saveNetwork: join(dir, 'missing', 'net.json') }), InputError, /--save-network .*does not exist/);
  await rejects(trainThermo(model, temps, { ...o, checkpoint: join(dir, 'nope', 'ck.json') }), InputError, /--checkpoint .*does not exist/);
  await rejects(trainThermo(model, temps, { ...o, checkpoint: dir }), InputError, /is a directory/);
});

for (const workers of [1, 2]) {
  test(`an exception in the chains (${workers} worker${workers > 1 ? 's' : ''}) ends the run with one SamplingError line`, async () => {
    const ck = join(dir, `crash-${workers}.json`);
    const e = await rejects(trainThermo(model, temps, { ...o, workers, injectWorkerCrash: 3, checkpoint: ck }), SamplingError, /sampling of chains? 0.* failed: injected crash on pass 3/);
    assert.not.instance(e, InputError);
    assert.ok(!existsSync(ck), 'no checkpoint written before step 3');
  });
}

test('a worker that dies at start-up rejects cleanly too', async () => {
  // A corrupt chain state reaching a worker (bypassing the checkpoint reader) kills its task.
  const { ChainPool } = await import('../src/train/pool.ts');
  const states = goodJson.chains.map((c) => ({ ...c, x: 'AQE=' })) as never;
  const net = { alpha: 2, share: true, jastrow: true, beta0: 0.02, noise: 0, seed: 9, split: true };
  const p = ChainPool.start({ model, net, seed: 9, clusterEvery: 1, metropolis: 1, states }, 4, 2);
  const pool = await p;
  const req = { theta: new Float64Array(0), samples: 1, thin: 1, warmup: 0, stepSweeps: 0, mode: 'sums' as const, series: false, oRef: new Float64Array(0), eRef: 0 };
  await rejects(pool.step(req), SamplingError, /chains 0-1 failed/);
  await pool.close();
});

test('warnings: unconverged tau_int, few effective samples, insignificant c; CG at its cap', () => {
  // A strongly correlated short series (random walk) on 2 chains.
  const rng = new Rng(1, 0);
  const walk = () => {
    const s = new Float64Array(200);
    let v = 0;
    for (let i = 0; i < s.length; i++) s[i] = v += rng.normal();
    return s;
  };
  const e = [walk(), walk()];
  const m = [new Float64Array(200), new Float64Array(200)];
  const { warnings } = summarizeTrained(e, e, m, 1, 4);
  assert.ok(warnings.some((w) => /tau_int window .* did not converge in 2 of 2 chains/.test(w)), warnings.join('; '));
  assert.ok(warnings.some((w) => /effective samples/.test(w)), warnings.join('; '));
  // Independent samples of a constant plus tiny noise: fine tau, but c ~ 0 is insignificant or negative.
  const flat = [Float64Array.from({ length: 4000 }, () => 1e-9 * rng.normal())];
  const w2 = summarizeTrained(flat, flat, [new Float64Array(4000)], 1, 4).warnings;
  assert.equal(w2.filter((w) => /tau_int|effective/.test(w)), []);
  // Var of 4000 normal samples is significant: c > 2 c_err, no specific-heat warning either.
  const noisy = [Float64Array.from({ length: 4000 }, () => rng.normal())];
  assert.equal(summarizeTrained(noisy, noisy, [new Float64Array(4000)], 1, 4).warnings, []);
  // CG with a cap of 2 iterations on a 7-parameter system cannot converge and says so.
  const P = 7;
  const acc = new SrAccumulator(P, 'rows', 50);
  acc.reset(new Float64Array(P), 0);
  const oo = new Float64Array(P);
  for (let i = 0; i < 50; i++) {
    for (let k = 0; k < P; k++) oo[k] = rng.normal() * (k + 1);
    acc.add(oo, oo[0] + rng.normal());
  }
  const mo = combineChunks([acc.pack()], P, 'rows', new Float64Array(P), 0, false);
  const capped = solveSr(mo, { shift: 1e-6, shiftAbs: 1e-9, solver: 'cg', cgMaxIter: 2 });
  assert.is(capped.converged, false);
  assert.ok(capped.residual > 1e-10);
  assert.ok(solveSr(mo, { shift: 1e-6, shiftAbs: 1e-9, solver: 'cg' }).converged);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
