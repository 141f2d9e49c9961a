// Checkpoints of the complex network (xxz models): a run stopped and resumed (twice, across a
// measured temperature, with 1 or 2 workers) gives the rows and meta numbers of an uninterrupted
// run; replicas resume from their own files; every corrupt, edited or foreign checkpoint is one
// InputError line naming the file and the field, and leaves the file as it was.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseModel } from '../src/model/model.ts';
import { rawFile, resignedCopy } from './support/checkpoint-files.ts';
import { InputError } from '../src/util/errors.ts';
import { trainComplexThermo, type ComplexTrainOptions, type ComplexTrainResult } from '../src/train/complex-driver.ts';
import { replicaCheckpoint } from '../src/train/replicas.ts';

const heis = (N: number, J = 1) => parseModel({ name: 'h', lattice: { kind: 'chain', size: [N] }, hamiltonian: { kind: 'xxz', J, Delta: 1 } });
const model = heis(4);
// Two temperatures; about 40 Heun steps from beta0 = 0.001, T = 2 reached after about 30.
const temps = [1, 2];
// Measurements of up to 4 batches (a never-met target): resumed runs must continue those too.
const o: Partial<ComplexTrainOptions> = { samples: 40, measureSamples: 64, maxMeasureSamples: 256, measureRelErr: 0, chains: 3, dbeta: 0.05, seed: 7, workers: 1, checkpointEvery: 4 };
const dir = mkdtempSync(join(tmpdir(), 'pdbm-complex-ck-'));

async function rejects(p: Promise<unknown>, re: RegExp): Promise<Error> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof InputError, `expected InputError, got ${String((e as Error)?.stack ?? e)}`);
    assert.match((e as Error).message, re);
    assert.not.match((e as Error).message, /\n/, 'the message is one line');
    return e as Error;
  }
  throw new assert.Assertion({ message: `expected an InputError matching ${re}`, generated: true, operator: 'rejects', actual: 'resolved', expects: re });
}

/** Meta without timings and without the resume marker (what must equal an uninterrupted run's). */
function numbers(r: ComplexTrainResult): Record<string, unknown> {
  const { seconds, sampleSeconds, solveSeconds, measureSeconds, resumed_from_step, workers, ...rest } = r.meta;
  void [seconds, sampleSeconds, solveSeconds, measureSeconds, resumed_from_step, workers];
  return rest;
}

let full: ComplexTrainResult;

test('stopped twice (once past a measured temperature) and resumed: rows and meta numbers of the uninterrupted run, 1 and 2 workers', async () => {
  full = await trainComplexThermo(model, temps, o);
  assert.ok(full.meta.complete);
  assert.is(full.meta.resumed_from_step, null);
  assert.ok(full.meta.steps > 35, `steps ${full.meta.steps}`);
  for (const workers of [1, 2]) {
    const ck = join(dir, `stop-${workers}.json`);
    const a = await trainComplexThermo(model, temps, { ...o, workers, checkpoint: ck, stopAfterSteps: 13 });
    assert.is(a.meta.complete, false);
    assert.is(a.meta.steps, 13);
    assert.is(a.rows.length, 0);
    assert.type(JSON.parse(readFileSync(ck, 'utf8')).checksum, 'string');
    // Second leg ends past T = 2 (step ~30): its row is in the partial result and in the checkpoint.
    const b = await trainComplexThermo(model, temps, { ...o, workers: 3 - workers, checkpoint: ck, resume: true, stopAfterSteps: 24 });
    assert.is(b.meta.resumed_from_step, 13);
    assert.is(b.meta.steps, 37);
    assert.is(b.rows.length, 1);
    assert.equal(JSON.stringify(b.rows[0]), JSON.stringify(full.rows[1]));
    const c = await trainComplexThermo(model, temps, { ...o, workers, checkpoint: ck, resume: true });
    assert.is(c.meta.resumed_from_step, 37);
    assert.ok(c.meta.complete);
    assert.is(JSON.stringify(c.rows), JSON.stringify(full.rows));
    assert.equal(numbers(c), numbers(full));
    // A finished checkpoint resumes to the same result without sampling.
    const d = await trainComplexThermo(model, temps, { ...o, workers, checkpoint: ck, resume: true });
    assert.is(JSON.stringify(d.rows), JSON.stringify(full.rows));
    assert.equal(numbers(d), numbers(full));
  }
  const two = await trainComplexThermo(model, temps, { ...o, workers: 2 });
  assert.is(JSON.stringify(two.rows), JSON.stringify(full.rows));
});

test('exact moments (no chains) resume too', async () => {
  const e = { exact: true, checkpointEvery: 5 };
  const ref = await trainComplexThermo(model, temps, e);
  const ck = join(dir, 'exact.json');
  await trainComplexThermo(model, temps, { ...e, checkpoint: ck, stopAfterSteps: 7 });
  assert.is(JSON.parse(readFileSync(ck, 'utf8')).chains, null);
  const r = await trainComplexThermo(model, temps, { ...e, checkpoint: ck, resume: true });
  assert.is(JSON.stringify(r.rows), JSON.stringify(ref.rows));
});

test('replicas: replica r > 0 checkpoints into NAME.r<r>.json; an interrupted replica run resumes to the uninterrupted result', async () => {
  const ro = { ...o, replicas: 2 };
  const ref = await trainComplexThermo(model, temps, ro);
  const ck = join(dir, 'rep.json');
  // 40 steps per replica here (no step shortened by the metric bound). First leg: replica 0 stops
  // at step 10 and replica 1 does not start.
  const r1 = await trainComplexThermo(model, temps, { ...ro, checkpoint: ck, stopAfterSteps: 10 });
  assert.is(r1.meta.complete, false);
  assert.is(r1.rows.length, 0);
  assert.ok(!existsSync(replicaCheckpoint(ck, 1)));
  // Second leg: replica 0 resumes and finishes (30 steps), replica 1 starts and stops at step 35.
  const r2 = await trainComplexThermo(model, temps, { ...ro, checkpoint: ck, resume: true, stopAfterSteps: 35 });
  assert.is(r2.meta.complete, false, 'replica 1 still stopped');
  const ck0 = JSON.parse(readFileSync(ck, 'utf8'));
  assert.equal([ck0.state.next, ck0.state.steps, ck0.chains], [2, 40, null]);
  const ck1 = JSON.parse(readFileSync(replicaCheckpoint(ck, 1), 'utf8'));
  assert.equal([ck1.state.steps, ck1.options.seed], [35, ref.meta.replica_seeds[1]]);
  const r = await trainComplexThermo(model, temps, { ...ro, checkpoint: ck, resume: true });
  assert.ok(r.meta.complete);
  assert.is(JSON.stringify(r.rows), JSON.stringify(ref.rows));
  assert.equal(numbers(r), numbers(ref));
});

// Every corruption case starts from one interrupted run's checkpoint.
const good = join(dir, 'good.json');
type Ck = Record<string, unknown> & { state: Record<string, unknown>; chains: Array<Record<string, unknown>>; options: Record<string, unknown> };
let goodJson: Ck;

test('the checkpoint of an interrupted run', async () => {
  await trainComplexThermo(model, temps, { ...o, checkpoint: good, stopAfterSteps: 6 });
  goodJson = JSON.parse(readFileSync(good, 'utf8'));
  assert.is(goodJson.format, 'purified-dbm/complex-train-checkpoint@2');
  assert.is(goodJson.chains.length, 3);
});

const resigned = (edit: (ck: Ck) => void) => resignedCopy(dir, goodJson, edit);
const raw = (text: string) => rawFile(dir, text);

const CASES: Array<[string, () => string, RegExp, Partial<ComplexTrainOptions>?]> = [
  ['empty', () => raw(''), /empty file/],
  ['truncated', () => raw(readFileSync(good, 'utf8').slice(0, 300)), /not valid JSON/],
  ['edited (checksum mismatch)', () => raw(readFileSync(good, 'utf8').replace(/"steps":(\d+)/, '"steps":3')), /checksum mismatch/],
  ['foreign JSON (a model file)', () => raw(JSON.stringify(model)), /no checksum/],
  ['the TFIM format', () => resigned((ck) => (ck.format = 'purified-dbm/train-checkpoint@2')), /format/],
  ['a null parameter', () => resigned((ck) => ((ck.state.re as unknown[])[2] = null)), /state\.re\[2\]/],
  ['a non-numeric parameter', () => resigned((ck) => ((ck.state.im as unknown[])[0] = 'x')), /state\.im\[0\]/],
  ['a missing parameter', () => resigned((ck) => (ck.state.im as unknown[]).pop()), /state\.im: .*parameters/],
  ['a negative step count', () => resigned((ck) => (ck.state.steps = -1)), /state\.steps/],
  ['a null beta', () => resigned((ck) => (ck.state.beta = null)), /state\.beta/],
  ['a beta past the next temperature', () => resigned((ck) => (ck.state.beta = 0.75)), /state\.beta: .*past/],
  ['rows that do not match next', () => resigned((ck) => (ck.state.next = 1)), /state\.rows\[0\]/],
  ['fewer chains than the run', () => resigned((ck) => ck.chains.pop()), /chains: 2 chains, the run has 3/],
  ['chains out of order', () => resigned((ck) => ck.chains.reverse()), /chains\[0\]\.chain/],
  ['a chain configuration of the wrong size', () => resigned((ck) => (ck.chains[1].x = 'AQE=')), /chains\[1\]\.x/],
  ['a chain configuration outside the sector', () => resigned((ck) => (ck.chains[0].x = Buffer.from([1, 1, 1, 1, 255, 255, 255, 255]).toString('base64'))), /chains\[0\]\.x: .*sector/],
  ['a chain RNG state of 3 numbers', () => resigned((ck) => (ck.chains[2].rng = [1, 2, 3])), /chains\[2\]\.rng/],
  ['a chain counter that is not a number', () => resigned((ck) => (ck.chains[0].accepted = 'many')), /chains\[0\]\.accepted/],
  ['no chains', () => resigned((ck) => ((ck as Record<string, unknown>).chains = null)), /chains: missing/],
  ['another model', () => good, /model: .*another model/, {}],
  ['other temperatures', () => good, /betas: .*other temperatures/, {}],
  ['another seed', () => good, /options\.seed: .*made with 7, this run has 8/, { seed: 8 }],
  ['more chains in this run', () => good, /options\.chains/, { chains: 4 }],
  ['another sign (--sign none on a Marshall-signed run)', () => good, /options\.marshall/, { marshall: false }],
];

for (const [name, make, re, change] of CASES) {
  test(`--resume from a checkpoint with ${name}: one InputError line naming file and field, file unchanged`, async () => {
    const path = make();
    const before = readFileSync(path);
    const m = name === 'another model' ? heis(4, 1.5) : model;
    const t = name === 'other temperatures' ? [1, 3] : temps;
    const e = await rejects(trainComplexThermo(m, t, { ...o, ...change, checkpoint: path, resume: true }), re);
    assert.ok(e.message.includes(path), `names the file: ${e.message}`);
    assert.ok(readFileSync(path).equals(before), 'file unchanged');
  });
}

test('--resume without a checkpoint file, a missing checkpoint, an unwritable place: InputError before any work', async () => {
  await rejects(trainComplexThermo(model, temps, { ...o, resume: true }), /--resume needs --checkpoint FILE/);
  await rejects(trainComplexThermo(model, temps, { ...o, checkpoint: join(dir, 'absent.json'), resume: true }), /checkpoint file .*absent\.json does not exist/);
  await rejects(trainComplexThermo(model, temps, { ...o, checkpoint: join(dir, 'nope', 'ck.json') }), /--checkpoint .*does not exist/);
  await rejects(trainComplexThermo(model, temps, { ...o, checkpoint: dir }), /is a directory/);
  const file = join(dir, 'plain-file');
  copyFileSync(good, file);
  await rejects(trainComplexThermo(model, temps, { ...o, checkpoint: join(file, 'ck.json') }), /--checkpoint .*is a file, not a directory/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
