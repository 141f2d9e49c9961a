// Sweeps: output schema, resume after a hard kill equals an uninterrupted run byte for byte,
// shards merged equal the whole run, failures are retried once and then reported, bad input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = mkdtempSync(join(tmpdir(), 'pdbm-sweep-'));
const BASE = ['sweep', '--model', 'models/chain-4.json', '--methods', 'exact,dbm', '--temps', '0.5,1,2,4', '--sweeps', '150', '--warmup', '30', '--seed', '4'];

function pdbm(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['bin/pdbm.js', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
}
const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');

const whole = join(root, 'whole');

test('a sweep writes data, metadata, plots and a report', () => {
  const r = pdbm([...BASE, '--out', whole, '--workers', '2', '--json']);
  assert.is(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.is(summary.dir, whole);
  for (const f of ['data.csv', 'data.json', 'meta.json', 'energy.svg', 'specific-heat.svg', 'report.md']) assert.ok(existsSync(join(whole, f)), f);
  const data = JSON.parse(read(whole, 'data.json'));
  assert.equal(data.methods, ['exact', 'dbm']);
  assert.is(data.rows.length, 8);
  const dbm = data.rows.filter((r: { method: string }) => r.method === 'dbm');
  for (const row of dbm) for (const k of ['e', 'e_err', 'c', 'c_err', 'e_exact', 'e_dev_sigma', 'c_dev_sigma']) assert.type(row[k], 'number', k);
  const csv = read(whole, 'data.csv').trim().split('\n');
  assert.is(csv.length, 9);
  assert.ok(csv[0].startsWith('method,T,e,e_err,c,c_err'));
  const meta = JSON.parse(read(whole, 'meta.json'));
  assert.type(meta.machine.cores, 'number');
  assert.is(meta.options.seed, 4);
  assert.ok(read(whole, 'energy.svg').startsWith('<svg'));
  assert.match(read(whole, 'report.md'), /agree with exact within 4 sigma/);
});

test('a sweep killed midway and resumed gives byte-identical data files', () => {
  const dir = join(root, 'killed');
  const killed = pdbm([...BASE, '--out', dir, '--workers', '1'], { PDBM_TEST_KILL_AFTER_UNITS: '2' });
  assert.is(killed.signal, 'SIGKILL');
  const partial = JSON.parse(read(dir, 'data.json'));
  assert.ok(partial.rows.length > 0 && partial.rows.length < 8, 'partial results were kept');
  const resumed = pdbm([...BASE, '--out', dir, '--workers', '2', '--resume']);
  assert.is(resumed.status, 0, resumed.stderr);
  assert.is(read(dir, 'data.csv'), read(whole, 'data.csv'));
  assert.is(read(dir, 'data.json'), read(whole, 'data.json'));
});

test('shards merged equal the whole run', () => {
  const s0 = join(root, 'shard-0');
  const s1 = join(root, 'shard-1');
  assert.is(pdbm([...BASE, '--out', s0, '--shard', '0/2']).status, 0);
  // The second shard takes its index from a Slurm job array, as on a cluster.
  assert.is(pdbm([...BASE, '--out', s1], { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '2' }).status, 0);
  assert.is(JSON.parse(read(s1, 'data.json')).rows.length, 4);
  const merged = join(root, 'merged');
  const m = pdbm(['merge', s0, s1, '--out', merged]);
  assert.is(m.status, 0, m.stderr);
  assert.is(read(merged, 'data.csv'), read(whole, 'data.csv'));
  assert.is(read(merged, 'data.json'), read(whole, 'data.json'));
  const missing = pdbm(['merge', s0, '--out', join(root, 'bad-merge')]);
  assert.is(missing.status, 2);
  assert.match(missing.stderr, /shard 1\/2 is missing/);
});

test('a failing temperature is retried once, then reported in the output and the exit code', () => {
  const once = join(root, 'fail-once');
  const r1 = pdbm([...BASE, '--out', once], { PDBM_TEST_FAIL_UNIT: 'dbm@1:once' });
  assert.is(r1.status, 0, r1.stderr);
  assert.is(JSON.parse(read(once, 'meta.json')).failures.length, 0);
  assert.is(read(once, 'data.csv'), read(whole, 'data.csv'));
  const twice = join(root, 'fail-twice');
  const r2 = pdbm([...BASE, '--out', twice], { PDBM_TEST_FAIL_UNIT: 'dbm@1' });
  assert.is(r2.status, 3);
  assert.match(r2.stdout, /failed twice/);
  const meta = JSON.parse(read(twice, 'meta.json'));
  assert.equal(meta.failures.map((f: { unit: string }) => f.unit), ['dbm@1']);
  assert.match(read(twice, 'report.md'), /## Failures/);
  assert.is(JSON.parse(read(twice, 'data.json')).rows.length, 7);
});

test('bad sweep input fails with one line and no output directory', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--shard', '2/2'], /--shard must be i\/n/],
    [['--methods', 'exact,magic'], /unknown method "magic"/],
    [['--sweeps', '0'], /--sweeps must be an integer >= 1/],
  ];
  for (const [extra, re] of cases) {
    const dir = join(root, `bad-${extra[0].slice(2)}`);
    const r = pdbm([...BASE, '--out', dir, ...extra]);
    assert.is(r.status, 2);
    assert.is(r.stdout, '');
    assert.match(r.stderr, re);
    assert.not.ok(existsSync(dir));
  }
  const r = pdbm([...BASE.slice(0, -2), '--seed', '5', '--out', whole, '--resume']);
  assert.is(r.status, 2);
  assert.match(r.stderr, /options differ/);
});

test.run();
