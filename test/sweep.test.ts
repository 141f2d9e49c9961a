// Sweeps: output schema, resume after a hard kill (by the test hook, and a real SIGKILL at a random
// moment) equals an uninterrupted run byte for byte, shards merged equal the whole run, failures
// are retried once and then reported, the output directory is checked and locked, the state file
// is validated and checksummed, worker crashes end in one line, and the trained method runs in a
// sweep. Every test can run alone: the reference run is made on first use.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, pdbm, pdbmAsync, run, tempDir, waitFor } from './support/cli.ts';
import { contentHash } from '../src/util/checked-json.ts';
import { LOCK_FILE } from '../src/util/output.ts';
import { finishRows, verdict } from '../src/sweep/results.ts';

const root = tempDir('pdbm-sweep-');
const BASE = ['sweep', '--model', 'models/chain-4.json', '--methods', 'exact,dbm', '--temps', '0.5,1,2,4', '--sweeps', '150', '--warmup', '30', '--seed', '4', '--workers', '1'];
const DATA = ['data.csv', 'data.json'];
const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');

let wholeDir: string | null = null;
let wholeSummary: Record<string, unknown> = {};
/** The uninterrupted reference run (made once, on first use), with 2 worker threads where the others use 1. */
async function whole(): Promise<string> {
  if (wholeDir) return wholeDir;
  const dir = join(root, 'whole');
  const r = await run([...BASE, '--out', dir, '--workers', '2', '--json']);
  assert.is(r.code, 0, r.err);
  wholeSummary = JSON.parse(r.out);
  wholeDir = dir;
  return dir;
}

function sameData(a: string, b: string): void {
  for (const f of DATA) assert.is(read(a, f), read(b, f), f);
}

/** Runs main() with extra environment variables set for the duration. */
async function runEnv(args: string[], env: Record<string, string>) {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await run(args);
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  }
}

test('a sweep writes data, metadata, plots and a report, and releases its lock', async () => {
  const dir = await whole();
  const summary = wholeSummary;
  assert.is(summary.dir, dir);
  assert.type(summary.verdict, 'string');
  assert.ok(Array.isArray(summary.warnings));
  for (const f of ['data.csv', 'data.json', 'meta.json', 'energy.svg', 'specific-heat.svg', 'report.md', 'state.json']) assert.ok(existsSync(join(dir, f)), f);
  assert.not.ok(existsSync(join(dir, LOCK_FILE)), 'lock released');
  const data = JSON.parse(read(dir, 'data.json'));
  assert.equal(data.methods, ['exact', 'dbm']);
  assert.is(data.rows.length, 8);
  const dbm = data.rows.filter((row: { method: string }) => row.method === 'dbm');
  for (const row of dbm) for (const k of ['e', 'e_err', 'c', 'c_err', 'e_exact', 'e_dev_sigma', 'c_dev_sigma']) assert.type(row[k], 'number', k);
  // Rows hold only Row fields: method details (dt, slices) are in meta.details.
  for (const row of data.rows) for (const k of ['dt', 'slices', 'solver', 'samples']) assert.not.ok(k in row, k);
  const csv = read(dir, 'data.csv').trim().split('\n');
  assert.is(csv.length, 9);
  assert.ok(csv[0].startsWith('method,T,e,e_err,c,c_err'));
  const meta = JSON.parse(read(dir, 'meta.json'));
  assert.type(meta.machine.cores, 'number');
  assert.is(meta.options.seed, 4);
  assert.ok(Array.isArray(meta.warnings));
  assert.type(meta.memory_estimate.bytes, 'number');
  assert.is(meta.details['dbm@0'][0].slices, 20); // T = 0.5, dt = 0.05: n = beta / 2dt
  const svg = read(dir, 'energy.svg');
  assert.ok(svg.startsWith('<svg'));
  // The plot is the one asked for: both methods in the legend, the quantity on the y axis.
  const labels = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  for (const want of ['exact', 'dbm', 'temperature T  (units of J, k_B = 1)']) assert.ok(labels.includes(want), want);
  assert.ok(labels.some((t) => t.startsWith('energy per site')));
  assert.match(read(dir, 'specific-heat.svg'), /specific heat per site/);
  assert.match(read(dir, 'report.md'), /\*\*Verdict\.\*\* Every sampled value agrees with exact within 4 sigma/);
  // The plots' fine exact curve came from the exact unit's one solve and is kept in the state.
  const { exactThermo } = await import('../src/exact/solver.ts');
  const { makeHamiltonian } = await import('../src/model/kinds.ts');
  const { curveGrid } = await import('../src/sweep/sweep.ts');
  const grid = curveGrid([0.5, 1, 2, 4], false);
  assert.equal(JSON.parse(read(dir, 'state.json')).exactCurve, exactThermo(makeHamiltonian(data.model), grid).rows.map((r) => ({ T: r.T, e: r.e, c: r.c })));
});

test('a sweep killed after two units and resumed gives byte-identical data files', async () => {
  const ref = await whole();
  const dir = join(root, 'killed');
  const killed = pdbm([...BASE, '--out', dir, '--workers', '1'], { PDBM_TEST_KILL_AFTER_UNITS: '2' });
  assert.is(killed.signal, 'SIGKILL');
  const partial = JSON.parse(read(dir, 'data.json'));
  assert.ok(partial.rows.length > 0 && partial.rows.length < 8, 'partial results were kept');
  assert.ok(existsSync(join(dir, LOCK_FILE)), 'the killed run left its lock');
  // The lock of a dead process is taken over.
  const resumed = await run([...BASE, '--out', dir, '--resume', '--quiet']);
  assert.is(resumed.code, 0, resumed.err);
  sameData(dir, ref);
});

test('a real SIGKILL at a random moment leaves valid files, and the resumed run equals the whole run', async () => {
  const ref = await whole();
  const dir = join(root, 'sigkill');
  for (const delay of [Math.random() * 150, Math.random() * 400]) {
    const child = pdbmAsync([...BASE, '--out', dir, '--workers', '1', '--resume']);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await waitFor(() => existsSync(join(dir, 'state.json')), 20000, 'the first unit');
    await new Promise((r) => setTimeout(r, delay));
    child.kill('SIGKILL');
    await exited;
    // Whatever the moment, every file is either absent or complete.
    for (const f of ['state.json', 'data.json', 'meta.json']) if (existsSync(join(dir, f))) JSON.parse(read(dir, f));
  }
  const resumed = await run([...BASE, '--out', dir, '--resume', '--quiet']);
  assert.is(resumed.code, 0, resumed.err);
  sameData(dir, ref);
});

test('shards merged equal the whole run; a missing or damaged shard is refused', async () => {
  const ref = await whole();
  const s0 = join(root, 'shard-0');
  const s1 = join(root, 'shard-1');
  assert.is((await run([...BASE, '--out', s0, '--shard', '0/2', '--quiet'])).code, 0);
  // The second shard takes its index from a Slurm job array, as on a cluster.
  assert.is((await runEnv([...BASE, '--out', s1, '--quiet'], { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '2' })).code, 0);
  assert.is(JSON.parse(read(s1, 'data.json')).rows.length, 4);
  const merged = join(root, 'merged');
  const m = await run(['merge', s0, s1, '--out', merged, '--quiet']);
  assert.is(m.code, 0, m.err);
  sameData(merged, ref);
  // The shards' exact units each kept the whole curve, so the merged plots are the whole run's.
  for (const f of ['energy.svg', 'specific-heat.svg']) assert.is(read(merged, f), read(ref, f), f);
  const missing = await run(['merge', s0, '--out', join(root, 'bad-merge')]);
  assert.is(missing.code, 2);
  assert.match(missing.err, /shard 1\/2 is missing/);
  const state = JSON.parse(read(s1, 'state.json'));
  state.rows[0].e += 0.1;
  writeFileSync(join(s1, 'state.json'), JSON.stringify(state));
  const edited = await run(['merge', s0, s1, '--out', join(root, 'bad-merge-2')]);
  assert.is(edited.code, 2);
  assert.match(edited.err, /shard-1\/state\.json: checksum mismatch/);
  assert.not.ok(existsSync(join(root, 'bad-merge-2')));
});

test('a failing unit is retried once, then reported in the output and the exit code', async () => {
  const ref = await whole();
  const once = join(root, 'fail-once');
  const r1 = await runEnv([...BASE, '--out', once, '--quiet'], { PDBM_TEST_FAIL_UNIT: 'dbm@1:once' });
  assert.is(r1.code, 0, r1.err);
  assert.is(JSON.parse(read(once, 'meta.json')).failures.length, 0);
  sameData(once, ref);
  const twice = join(root, 'fail-twice');
  const r2 = await runEnv([...BASE, '--out', twice], { PDBM_TEST_FAIL_UNIT: 'dbm@1' });
  assert.is(r2.code, 3);
  assert.match(r2.out, /1 unit\(s\) failed twice and are missing \(dbm@1\)/);
  const meta = JSON.parse(read(twice, 'meta.json'));
  assert.equal(meta.failures.map((f: { unit: string }) => f.unit), ['dbm@1']);
  assert.match(read(twice, 'report.md'), /## Failures/);
  assert.is(JSON.parse(read(twice, 'data.json')).rows.length, 7);
  // Resuming runs the failed unit again and completes the set.
  const r3 = await run([...BASE, '--out', twice, '--resume', '--quiet']);
  assert.is(r3.code, 0, r3.err);
  sameData(twice, ref);
});

test('bad sweep input fails with one line and no output directory', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--shard', '2/2'], /--shard must be i\/n/],
    [['--methods', 'exact,magic'], /unknown method "magic"/],
    [['--sweeps', '0'], /--sweeps must be an integer >= 1/],
    [['--seed', '1.5'], /--seed must be an integer, got 1\.5/],
    [['--temps', '1e-5'], /T = 0\.00001 needs about .* more than the limit of/],
    [['--resume', '--overwrite'], /give --resume or --overwrite, not both/],
  ];
  for (const [extra, re] of cases) {
    const dir = join(root, `bad-${extra[0].slice(2)}`);
    const r = await run([...BASE, '--out', dir, ...extra]);
    assert.is(r.code, 2, extra.join(' '));
    assert.is(r.out, '');
    assert.match(r.err, re);
    assert.is(r.err.trim().split('\n').length, 1);
    assert.not.ok(existsSync(dir));
  }
});

test('an existing sweep is neither resumed with other options nor overwritten by accident', async () => {
  const ref = await whole();
  const before = read(ref, 'data.json');
  const differ = await run([...BASE, '--seed', '5', '--out', ref, '--resume']);
  assert.is(differ.code, 2);
  // The line names the field: the directory's seed and this run's.
  assert.match(differ.err, /options differ from the run being resumed: seed \(the directory's: \d+, this run's: 5\)\n$/);
  const again = await run([...BASE, '--out', ref]);
  assert.is(again.code, 2);
  assert.match(again.err, /holds a sweep already: --resume continues it, --overwrite replaces it/);
  assert.is(read(ref, 'data.json'), before);
  // A finished sweep resumed does nothing and changes no data file.
  const done = await run([...BASE, '--out', ref, '--resume', '--quiet']);
  assert.is(done.code, 0, done.err);
  assert.is(read(ref, 'data.json'), before);
});

test('output directory: a file, a path under a file, an unwritable directory', async () => {
  const f = join(root, 'plain-file');
  writeFileSync(f, 'x');
  const cases: Array<[string, RegExp]> = [
    [f, /--out .*plain-file: is a file, expected a directory/],
    [join(f, 'sub'), /cannot create it, .*plain-file is a file/],
  ];
  // Root ignores permission bits, so as root the unwritable directory is one the kernel refuses.
  let locked = join(root, 'read-only');
  if (process.getuid?.() === 0) locked = '/sys/kernel';
  else {
    mkdirSync(locked);
    chmodSync(locked, 0o555);
  }
  cases.push([join(locked, 'out'), /cannot create it, .* is not writable \(EACCES|EPERM|EROFS/]);
  cases.push([locked, /directory is not writable/]);
  for (const [out, re] of cases) {
    const r = await run([...BASE, '--out', out]);
    assert.is(r.code, 2, out);
    assert.match(r.err, re);
    assert.is(r.err.trim().split('\n').length, 1);
  }
  const merge = await run(['merge', join(root, 'nothing'), '--out', f]);
  assert.is(merge.code, 2);
  assert.match(merge.err, /is a file/);
});

test('state.json on --resume: corrupt, empty, truncated, foreign, a row removed by hand, a bad field', async () => {
  const src = join(root, 'state-src');
  const args = ['sweep', '--model', 'models/chain-4.json', '--methods', 'exact', '--temps', '1,2', '--quiet'];
  assert.is((await run([...args, '--out', src])).code, 0);
  const good = read(src, 'state.json');
  const state = JSON.parse(good);
  const { checksum: _, ...content } = state;
  const rowRemoved = { ...state, rows: state.rows.slice(1) };
  const badField = { ...content, rows: [{ ...content.rows[0], e: 'x' }, content.rows[1]] };
  const cases: Array<[string, string, RegExp]> = [
    ['empty', '', /state\.json: empty file/],
    ['whitespace', '  \n', /state\.json: empty file/],
    ['truncated', good.slice(0, good.length / 2), /state\.json: not valid JSON/],
    ['garbage', '\u0000\u0001 binary', /state\.json: not valid JSON/],
    ['foreign', '{"hello": "world"}', /state\.json: no checksum/],
    ['array', '[1, 2]', /state\.json: expected a JSON object/],
    ['row removed by hand', JSON.stringify(rowRemoved), /state\.json: checksum mismatch/],
    ['bad field, checksum recomputed', JSON.stringify({ ...badField, checksum: contentHash(badField) }), /state\.json: rows\[0\]\.e: /],
  ];
  for (const [name, text, re] of cases) {
    const dir = join(root, `state-${name.replace(/\W+/g, '-')}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'state.json'), text);
    writeFileSync(join(dir, 'data.json'), 'previous');
    const r = await run([...args, '--out', dir, '--resume']);
    assert.is(r.code, 2, name);
    assert.is(r.out, '');
    assert.match(r.err, re, name);
    assert.is(r.err.trim().split('\n').length, 1, name);
    assert.is(read(dir, 'state.json'), text, `${name}: nothing overwritten`);
    assert.is(read(dir, 'data.json'), 'previous', `${name}: nothing overwritten`);
    assert.not.ok(existsSync(join(dir, LOCK_FILE)), `${name}: lock released`);
  }
});

test('two sweeps into one directory: the second is refused while the first runs', async () => {
  const dir = join(root, 'locked');
  const long = ['sweep', '--model', 'models/chain-4.json', '--methods', 'dbm', '--temps', '0.5', '--sweeps', '400000', '--workers', '1', '--out', dir];
  const first = pdbmAsync(long);
  const exited = new Promise((resolve) => first.on('exit', resolve));
  try {
    await waitFor(() => existsSync(join(dir, LOCK_FILE)), 20000, 'the first sweep to lock');
    const second = await run([...BASE, '--out', dir]);
    assert.is(second.code, 2);
    assert.match(second.err, new RegExp(`in use by another sweep run \\(pid ${first.pid}\\)`));
    assert.is(second.err.trim().split('\n').length, 1);
  } finally {
    first.kill('SIGKILL');
    await exited;
  }
  // The dead run's lock is stale: a new run takes it over.
  assert.ok(existsSync(join(dir, LOCK_FILE)));
  const third = await run([...BASE, '--out', dir, '--quiet', '--resume']);
  assert.is(third.code, 0, third.err);
  assert.not.ok(existsSync(join(dir, LOCK_FILE)));
});

test('a crashing worker thread ends dbm and train with one line (exit 2), and a sweep unit with a recorded failure', () => {
  const crash = ['./test/support/crash-worker.mjs'];
  const dbm = pdbm(['dbm', '--model', 'models/chain-4.json', '--temps', '1', '--sweeps', '1000000', '--workers', '2'], {}, crash);
  assert.is(dbm.status, 2);
  assert.is(dbm.stderr, 'pdbm: failed: worker exited with code: 1 (PDBM_DEBUG=1 shows the stack trace)\n');
  const train = pdbm(['train', '--model', 'models/chain-4.json', '--temps', '1', '--samples', '1000000', '--workers', '2'], {}, crash);
  assert.is(train.status, 2);
  assert.match(train.stderr, /^pdbm: failed: sampling of chains \d+-\d+ failed: worker exited with code: 1 \(PDBM_DEBUG=1 shows the stack trace\)\n$/);
  const dir = join(root, 'crash');
  const sweep = pdbm(['sweep', '--model', 'models/chain-4.json', '--methods', 'dbm', '--temps', '1', '--sweeps', '1000000', '--workers', '2', '--out', dir], {}, crash);
  assert.is(sweep.status, 3);
  assert.not.match(sweep.stderr, /\n\s+at /, 'no stack trace');
  assert.match(sweep.stderr, /dbm@0 failed \(worker exited with code: 1\), retrying once/);
  assert.equal(JSON.parse(read(dir, 'meta.json')).failures.map((f: { unit: string }) => f.unit), ['dbm@0']);
});

test('sweep --methods train on a tiny model: the trained network agrees with exact, and a resume changes nothing', async () => {
  const dir = join(root, 'train');
  const args = [
    'sweep', '--model', 'models/chain-4.json', '--methods', 'exact,train', '--temps', '1,3', '--train-samples', '1000',
    '--train-measure-samples', '4000', '--train-max-measure-samples', '0', '--train-max-dbeta', '0.05', '--workers', '1', '--out', dir, '--json', '--quiet',
  ];
  const r = await run(args);
  assert.is(r.code, 0, r.err);
  const summary = JSON.parse(r.out);
  assert.ok(summary.all_agree_with_exact, summary.verdict);
  const rows = JSON.parse(read(dir, 'data.json')).rows.filter((x: { method: string }) => x.method === 'train');
  assert.is(rows.length, 2);
  for (const row of rows) assert.ok(Math.abs(row.e_dev_sigma) <= 4 && row.e_err > 0, JSON.stringify(row));
  assert.equal(JSON.parse(read(dir, 'meta.json')).options.train, { samples: 1000, measureSamples: 4000, maxMeasureSamples: 0, maxDbeta: 0.05 });
  const before = read(dir, 'data.json');
  const again = await run([...args.filter((a) => a !== '--json'), '--resume']);
  assert.is(again.code, 0, again.err);
  assert.is(read(dir, 'data.json'), before);
});

test('sweep --methods exact,train on an xxz model runs the complex network; its checkpoint is resumed mid-run, and a corrupt one is refused', async () => {
  const args = ['sweep', '--model', 'models/heisenberg-chain-16.json', '--size', '4', '--methods', 'exact,train', '--temps', '2,1', '--train-chains', '4', '--workers', '1', '--quiet'];
  const ref = join(root, 'xxz-ref');
  const r = await run([...args, '--out', ref, '--json']);
  assert.is(r.code, 0, r.err);
  const data = JSON.parse(read(ref, 'data.json'));
  for (const method of ['exact', 'train']) assert.is(data.rows.filter((x: { method: string }) => x.method === method).length, 2, method);
  // 4 error bars plus the ansatz/integrator error measured on this ring (< 2e-3 relative, test/trained-complex-evolution.test.ts).
  for (const row of data.rows.filter((x: { method: string }) => x.method === 'train')) {
    assert.ok(row.e_err > 0 && Math.abs(row.e - row.e_exact) < 4 * row.e_err + 2e-3 * Math.abs(row.e_exact), JSON.stringify(row));
  }
  const meta = JSON.parse(read(ref, 'meta.json'));
  // The switches on by default on a chain (the point-group average, auto; fresh measurement chains)
  // are in the sweep's options, so that a resume must match them; switches that are off are not,
  // so that sweeps made before a switch existed, or became a default, keep their fingerprints.
  const defaults = { chains: 4, pointGroup: true, freshChains: true };
  assert.equal(meta.options.train, defaults);
  // The sign structure the network used (auto: Marshall on this bipartite ring) and the switches that
  // are on (the point group as its order) are in the details.
  assert.equal(meta.details.train.map((d: { sign: string }) => d.sign), ['marshall', 'marshall']);
  assert.equal(meta.details.train.map((d: { inversion: boolean }) => d.inversion), [false, false]);
  assert.equal(meta.details.train.map((d: { pointGroup: number }) => d.pointGroup), [2, 2]);
  assert.equal(meta.details.train.map((d: { freshChains: boolean }) => d.freshChains), [true, true]);
  assert.ok(meta.details.train.every((d: object) => !('ancillaFlip' in d)), JSON.stringify(meta.details.train));
  // Each option given reaches the network, the options and the details (the switches' keys only when on).
  const cases: Array<[string, string, string, Record<string, unknown>, unknown]> = [
    ['inversion', 'on', 'inversion', { ...defaults, inversion: true }, true],
    ['point-group', 'off', 'pointGroup', { chains: 4, freshChains: true }, undefined],
    ['ancilla-flip', 'on', 'ancillaFlip', { ...defaults, ancillaFlip: true }, true],
    ['fresh-chains', 'off', 'freshChains', { chains: 4, pointGroup: true }, undefined],
  ];
  for (const [opt, value, key, options, detail] of cases) {
    const out = join(root, `xxz-${opt}`);
    const r2 = await run(['sweep', '--model', 'models/heisenberg-chain-16.json', '--size', '4', '--methods', 'train', '--temps', '2', '--train-chains', '4', '--workers', '1', '--quiet', `--${opt}`, value, '--out', out]);
    assert.is(r2.code, 0, r2.err);
    const m2 = JSON.parse(read(out, 'meta.json'));
    assert.equal(m2.options.train, options, opt);
    assert.equal(m2.details.train.map((d: Record<string, unknown>) => d[key]), [detail], opt);
    if (detail === undefined) assert.ok(!(key in m2.details.train[0]), `${key} in ${JSON.stringify(m2.details.train)}`);
  }
  // An interrupted sweep: the train unit failed twice (exact done), and a checkpoint of the train
  // run stopped at step 15 is in the directory; --resume continues it and gives the same files.
  const dir = join(root, 'xxz-resumed');
  const failed = await runEnv([...args, '--out', dir], { PDBM_TEST_FAIL_UNIT: 'train' });
  assert.is(failed.code, 3, failed.err);
  const { trainComplexThermo } = await import('../src/train/complex-driver.ts');
  const ck = JSON.parse(read(ref, 'train-checkpoint.json'));
  // The sweep's --train-chains 4 spreads the default sample totals over the 4 chains; the library counts per chain.
  const { samples, measureSamples, maxMeasureSamples } = ck.options;
  const partial = await trainComplexThermo(ck.model, [2, 1], {
    seed: 1, workers: 1, chains: 4, samples, measureSamples, maxMeasureSamples, checkpoint: join(dir, 'train-checkpoint.json'), stopAfterSteps: 15,
  });
  assert.is(partial.meta.complete, false);
  const resumed = await run([...args, '--out', dir, '--resume']);
  assert.is(resumed.code, 0, resumed.err);
  assert.is(read(dir, 'data.json'), read(ref, 'data.json'));
  // A damaged checkpoint on --resume: exit 2, one line naming it (the train unit is still pending).
  const bad = join(root, 'xxz-bad');
  assert.is((await runEnv([...args, '--out', bad], { PDBM_TEST_FAIL_UNIT: 'train' })).code, 3);
  writeFileSync(join(bad, 'train-checkpoint.json'), read(ref, 'train-checkpoint.json').replace(/"steps":(\d+)/, '"steps":1'));
  const refused = await run([...args, '--out', bad, '--resume']);
  assert.is(refused.code, 2);
  assert.match(refused.err, /^pdbm: .*train-checkpoint\.json: checksum mismatch/);
  // Starting over (--overwrite) removes the old checkpoints, replicas' included, before any work.
  writeFileSync(join(bad, 'train-checkpoint.r1.json'), '{}');
  const over = await runEnv([...args, '--out', bad, '--overwrite'], { PDBM_TEST_FAIL_UNIT: 'train' });
  assert.is(over.code, 3);
  assert.not.ok(existsSync(join(bad, 'train-checkpoint.r1.json')), 'stale replica checkpoint removed');
});

test('the npm start preset reaches the sweep, takes overrides, and starts over when they change', async () => {
  const dir = join(root, 'preset');
  const fast = ['--sweeps', '50', '--warmup', '10', '--quiet', '--out', dir];
  const r = await run(['sweep', '--default', '--methods', 'exact,dbm', '--temps', '1,2', ...fast]);
  assert.is(r.code, 0, r.err);
  const data = JSON.parse(read(dir, 'data.json'));
  assert.equal(data.methods, ['exact', 'dbm']);
  assert.equal(data.model.lattice.size, [8]);
  assert.equal(data.temps, [1, 2]);
  // Rerun with other options: the preset's directory is scratch, so it starts over instead of refusing.
  const r2 = await run(['sweep', '--default', '--methods', 'exact', '--temps', '1', ...fast]);
  assert.is(r2.code, 0, r2.err);
  assert.equal(JSON.parse(read(dir, 'data.json')).methods, ['exact']);
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});

test('chi is compared with exact where both rows have it: a deviation is listed in the verdict, an agreement counted', () => {
  const exact = [{ T: 1, e: -1, e_err: 0, c: 0.5, c_err: 0, chi: 0.1, chi_err: 0, method: 'exact' }, { T: 2, e: -0.5, e_err: 0, c: 0.3, c_err: 0, method: 'exact' }];
  const train = (chi: number) => [
    { T: 1, e: -1.001, e_err: 0.001, c: 0.5, c_err: 0.01, chi, chi_err: 0.001, method: 'train' },
    // No exact chi at T = 2: nothing to compare, whatever the row says.
    { T: 2, e: -0.5, e_err: 0.001, c: 0.3, c_err: 0.01, chi: 5, chi_err: 0.001, method: 'train' },
  ];
  const say = (chi: number) => verdict({ rows: [...exact, ...train(chi)], methods: ['exact', 'train'], warnings: [], failures: [] });
  const rows = finishRows([...exact, ...train(0.12)], ['exact', 'train']).filter((r) => r.method === 'train');
  assert.is(rows[0].chi_exact, 0.1);
  assert.ok(Math.abs(rows[0].chi_dev_sigma! - 20) < 1e-9, String(rows[0].chi_dev_sigma));
  assert.is(rows[1].chi_dev_sigma, undefined);
  assert.match(say(0.12), /1 of 5 sampled values deviate from exact by more than 4 sigma: train chi at T = 1 \(20\.0 sigma\)/);
  assert.match(say(0.1005), /Every sampled value agrees with exact within 4 sigma \(5 comparisons of e, c and chi, train\)/);
});

test.after(cleanup);
test.run();
