// The command line: bad input gets one line on stderr, exit status 2, nothing on stdout and no
// output file; --json gives one parseable object.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/main.ts';

const dir = mkdtempSync(join(tmpdir(), 'pdbm-cli-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const chain4 = 'models/chain-4.json';

/** Runs main() in-process, capturing stdout and stderr. */
async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const wo = process.stdout.write.bind(process.stdout);
  const we = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    process.stdout.write = wo;
    process.stderr.write = we;
  }
}

const BAD: Array<[string, string[], RegExp]> = [
  ['unknown command', ['frobnicate'], /unknown command/],
  ['unknown option', ['exact', '--model', chain4, '--frob', '1'], /Unknown option '--frob'/],
  ['missing model', ['exact', '--temps', '1'], /--model FILE is required/],
  ['unreadable model', ['exact', '--model', join(dir, 'nope.json')], /cannot read model file/],
  ['malformed JSON', ['exact', '--model', file('bad.json', '{ "lattice": ')], /not valid JSON/],
  ['unknown lattice', ['exact', '--model', file('hex.json', '{"lattice":{"kind":"hex","size":[3]},"hamiltonian":{"kind":"tfim","Gamma":1}}')], /lattice\.kind/],
  ['negative temperature', ['exact', '--model', chain4, '--temps', '1,-2'], /temperatures must be > 0/],
  ['zero temperature', ['dbm', '--model', chain4, '--temps', '0'], /temperatures must be > 0/],
  ['NaN temperature', ['exact', '--model', chain4, '--temps', 'NaN'], /not a number/],
  ['NaN option', ['dbm', '--model', chain4, '--dt', 'NaN'], /--dt/],
  ['dt <= 0', ['dbm', '--model', chain4, '--temps', '1', '--dt', '0'], /--dt must be positive/],
  ['sweeps < 1', ['dbm', '--model', chain4, '--temps', '1', '--sweeps', '0'], /--sweeps must be an integer >= 1/],
  ['bad order', ['dbm', '--model', chain4, '--order', '3'], /--order must be 1 or 2/],
  ['unknown exact method', ['exact', '--model', chain4, '--method', 'magic'], /unknown method/],
  ['too large for full ED', ['exact', '--model', 'models/chain-16.json', '--method', 'full'], /too large for full diagonalization/],
  ['too large for any exact method', ['exact', '--model', file('big.json', '{"lattice":{"kind":"square","size":[6,6]},"hamiltonian":{"kind":"tfim","Gamma":1}}')], /too large for exact methods/],
  ['build without output', ['build', '--model', chain4, '--T', '1'], /--out FILE is required/],
  ['train alpha 0', ['train', '--model', chain4, '--alpha', '0'], /--alpha must be an integer >= 1/],
  ['train resume without checkpoint', ['train', '--model', chain4, '--resume'], /--resume needs --checkpoint/],
];

for (const [name, args, re] of BAD) {
  test(`bad input: ${name}`, async () => {
    const r = await run(args);
    assert.is(r.code, 2);
    assert.is(r.out, '');
    assert.ok(re.test(r.err), r.err);
    assert.is(r.err.trim().split('\n').length, 1, 'one line');
  });
}

test('a failed build leaves no file behind', async () => {
  const out = join(dir, 'net.json');
  const r = await run(['build', '--model', chain4, '--T', '-1', '--out', out]);
  assert.is(r.code, 2);
  assert.not.ok(existsSync(out));
});

test('build writes a network that round-trips', async () => {
  const out = join(dir, 'net.json');
  const r = await run(['build', '--model', chain4, '--T', '1', '--slices', '4', '--out', out, '--json']);
  assert.is(r.code, 0, r.err);
  const summary = JSON.parse(r.out);
  assert.is(summary.deep, 4 * 3);
  assert.is(summary.hidden, 4 * 5);
  const net = JSON.parse(readFileSync(out, 'utf8'));
  assert.is(net.format, 'purified-dbm/network@1');
});

test('a built network can be re-sampled with dbm --network', async () => {
  const out = join(dir, 'net-resample.json');
  assert.is((await run(['build', '--model', chain4, '--T', '0.5', '--dt', '0.05', '--out', out])).code, 0);
  const r = await run(['dbm', '--model', chain4, '--network', out, '--sweeps', '600', '--workers', '1', '--json']);
  assert.is(r.code, 0, r.err);
  const row = JSON.parse(r.out).rows[0];
  assert.is(row.T, 0.5);
  // Exact e of the 4-site chain at T = 0.5 (free fermions); Trotter error at dt = 0.05 is ~5e-5.
  assert.ok(Math.abs(row.e - -1.2726331379917548) < 4 * row.e_err, `${row.e} ± ${row.e_err}`);
  const wrong = await run(['dbm', '--model', 'models/chain-16.json', '--network', out]);
  assert.is(wrong.code, 2);
  assert.match(wrong.err, /network has 4 sites/);
});

test('exact --json is one object with the documented fields', async () => {
  const r = await run(['exact', '--model', chain4, '--temps', '0.5,1', '--json']);
  assert.is(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.is(j.method, 'exact');
  assert.is(j.rows.length, 2);
  for (const k of ['T', 'e', 'e_err', 'c', 'c_err']) assert.type(j.rows[0][k], 'number');
  assert.type(j.meta.solver, 'string');
  assert.type(j.meta.seconds, 'number');
});

test('the pdbm bin runs as a process: help, and an error exit', () => {
  const ok = spawnSync(process.execPath, ['bin/pdbm.js', '--help'], { encoding: 'utf8' });
  assert.is(ok.status, 0);
  assert.ok(ok.stdout.includes('usage: pdbm'));
  const bad = spawnSync(process.execPath, ['bin/pdbm.js', 'exact', '--model', chain4, '--temps', '-1'], { encoding: 'utf8' });
  assert.is(bad.status, 2);
  assert.is(bad.stdout, '');
  assert.match(bad.stderr, /^pdbm: /);
});

test.run();
