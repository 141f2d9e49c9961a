// Grid sweeps (--sizes, --vary, --beta-per-L) and `pdbm crossing`: rows carry L and param with the
// Binder observables, a killed and resumed grid sweep and a sharded and merged one equal the whole
// run byte for byte, bad grid input is one line, and the crossing analysis finds a known crossing
// in synthetic data and refuses damaged or unsuitable result sets.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, pdbm, run, tempDir } from './support/cli.ts';
import { parseVary, parseSizes } from '../src/cli/grid.ts';
import { sweepPoints } from '../src/sweep/sweep.ts';
import { parseModel } from '../src/model/model.ts';

const root = tempDir('pdbm-grid-');
const GRID = [
  'sweep', '--model', 'models/chain-4.json', '--methods', 'exact,dbm', '--sizes', '4,6', '--vary', 'Gamma=0.8:1.2:3', '--beta-per-L', '1',
  '--sweeps', '120', '--warmup', '20', '--chains', '4', '--seed', '3', '--workers', '1', '--quiet',
];
const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');
const sameData = (a: string, b: string) => {
  for (const f of ['data.csv', 'data.json']) assert.is(read(a, f), read(b, f), f);
};

let wholeDir: string | null = null;
/** The uninterrupted grid run (made once, on first use). */
async function whole(): Promise<string> {
  if (wholeDir) return wholeDir;
  const dir = join(root, 'whole');
  // Two worker threads here, one in the runs compared with it: the numbers must not depend on it.
  const r = await run([...GRID, '--out', dir, '--json', '--workers', '2']);
  assert.is(r.code, 0, r.err);
  wholeDir = dir;
  return dir;
}

test('--vary and --sizes parse ranges and lists; bad ones are one line', () => {
  assert.equal(parseVary('Gamma=2.95:3.14:20').values[9], 3.04);
  assert.equal(parseVary('Gamma=3,2.9,3.1'), { key: 'Gamma', values: [2.9, 3, 3.1] });
  assert.equal(parseVary('hamiltonian.h=0:0.2:3'), { key: 'h', values: [0, 0.1, 0.2] });
  for (const bad of ['Gamma', 'Gamma=1:2', 'Gamma=2:1:3', 'Gamma=1,x', 'Gamma=1,1', 'Gamma=1:2:0']) assert.throws(() => parseVary(bad), /--vary/);
  assert.equal(parseSizes(['12', '8']), [8, 12]);
  assert.throws(() => parseSizes(['8', '8']), /twice/);
  assert.throws(() => parseSizes(['1']), /integer >= 2/);
});

test('grid points: sizes outer, then parameter values, then temperatures; L x L on a square lattice', () => {
  const square = parseModel(JSON.parse(read('.', 'models/square-3x3.json')));
  const pts = sweepPoints({ model: square, temps: [1], grid: { sizes: [4, 6], vary: { key: 'Gamma', values: [2, 3] }, betaPerL: 0.5 } });
  assert.equal(pts.map((p) => [p.L, p.param, p.T, p.group]), [[4, 2, 0.5, 0], [4, 3, 0.5, 1], [6, 2, 1 / 3, 2], [6, 3, 1 / 3, 3]]);
  assert.equal(pts[2].model.lattice.kind === 'graph' ? null : pts[2].model.lattice.size, [6, 6]);
  assert.is((pts[3].model.hamiltonian as { Gamma: number }).Gamma, 3);
  const plain = sweepPoints({ model: square, temps: [0.5, 1] });
  assert.equal(plain.map((p) => [p.T, p.L, p.param]), [[0.5, undefined, undefined], [1, undefined, undefined]]);
});

test('a grid sweep writes rows with L, param, T = 1/(b L) and the Binder observables; exact agrees', async () => {
  const dir = await whole();
  const data = JSON.parse(read(dir, 'data.json'));
  assert.equal(data.grid, { sizes: [4, 6], parameter: 'Gamma', values: [0.8, 1, 1.2], beta_per_L: 1 });
  assert.equal(data.temps, [0.25, 1 / 6]);
  assert.is(data.rows.length, 12);
  const dbm = data.rows.filter((r: { method: string }) => r.method === 'dbm');
  assert.equal(dbm.map((r: { L: number; param: number }) => [r.L, r.param]), [[4, 0.8], [4, 1], [4, 1.2], [6, 0.8], [6, 1], [6, 1.2]]);
  for (const r of dbm) {
    assert.is(r.T, 1 / r.L);
    for (const k of ['m2', 'm2_err', 'm4', 'm4_err', 'binder', 'binder_err', 'e_exact', 'e_dev_sigma']) assert.type(r[k], 'number', k);
    // Exact values are matched by (L, Gamma, T), not by T alone: the deviation is small in sigma.
    assert.ok(Math.abs(r.e_dev_sigma) < 4, `L ${r.L} Gamma ${r.param}: e off by ${r.e_dev_sigma} sigma`);
  }
  // Different Gamma, different exact energy: the rows were not matched by T alone.
  assert.ok(dbm[0].e_exact !== dbm[1].e_exact);
  const header = read(dir, 'data.csv').split('\n')[0].split(',');
  for (const k of ['L', 'param', 'm2', 'm2_err', 'm4', 'm4_err', 'binder', 'binder_err']) assert.ok(header.includes(k), k);
  const meta = JSON.parse(read(dir, 'meta.json'));
  assert.is(meta.grid.parameter, 'Gamma');
  assert.equal(meta.units, { total: 6 + 6, done: 12 });
  assert.ok(read(dir, 'binder.svg').startsWith('<svg'));
  assert.not.ok(existsSync(join(dir, 'energy.svg')));
  assert.match(read(dir, 'report.md'), /\| dbm \| 6 \| 1\.2 \|/);
});

test('a grid sweep killed after three units and resumed equals the whole run byte for byte', async () => {
  const ref = await whole();
  const dir = join(root, 'killed');
  const killed = pdbm([...GRID, '--out', dir], { PDBM_TEST_KILL_AFTER_UNITS: '3' });
  assert.is(killed.signal, 'SIGKILL');
  const partial = JSON.parse(read(dir, 'data.json'));
  assert.ok(partial.rows.length > 0 && partial.rows.length < 12);
  const other = await run([...GRID, '--out', dir, '--resume', '--vary', 'Gamma=0.8:1.2:4']);
  assert.is(other.code, 2);
  assert.match(other.err, /options differ from the run being resumed: grid\.vary \(the directory's: /);
  const resumed = await run([...GRID, '--out', dir, '--resume']);
  assert.is(resumed.code, 0, resumed.err);
  sameData(dir, ref);
});

test('grid shards (points with index = i mod n) merged equal the whole run', async () => {
  const ref = await whole();
  const s = [0, 1, 2].map((i) => join(root, `shard-${i}`));
  for (const [i, d] of s.entries()) assert.is((await run([...GRID, '--out', d, '--shard', `${i}/3`])).code, 0);
  // Shard 1 of 3 has the points 1 and 4: (L 4, Gamma 1) and (L 6, Gamma 1).
  const rows1 = JSON.parse(read(s[1], 'data.json')).rows.filter((r: { method: string }) => r.method === 'dbm');
  assert.equal(rows1.map((r: { L: number; param: number }) => [r.L, r.param]), [[4, 1], [6, 1]]);
  const merged = join(root, 'merged');
  const m = await run(['merge', ...s, '--out', merged, '--quiet']);
  assert.is(m.code, 0, m.err);
  sameData(merged, ref);
});

test('sizes with plain --temps: rows carry L and every T; no parameter, no Binder plot', async () => {
  const dir = join(root, 'sizes-temps');
  const r = await run(['sweep', '--model', 'models/chain-4.json', '--methods', 'exact', '--sizes', '4,6', '--temps', '0.5,1', '--out', dir, '--quiet']);
  assert.is(r.code, 0, r.err);
  const data = JSON.parse(read(dir, 'data.json'));
  assert.equal(data.rows.map((x: { L: number; T: number }) => [x.L, x.T]), [[4, 0.5], [4, 1], [6, 0.5], [6, 1]]);
  assert.not.ok('param' in data.rows[0]);
  assert.not.ok(existsSync(join(dir, 'binder.svg')));
});

test('bad grid input: one line, exit 2, no output directory', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--beta-per-L', '1'], /--beta-per-L needs --sizes/],
    [['--sizes', '4,6', '--beta-per-L', '1', '--temps', '1'], /--temps or --beta-per-L, not both/],
    [['--sizes', '4', '--vary', 'Foo=1:2:3'], /--vary Foo=1: unknown field/],
    [['--sizes', '4', '--vary', 'Gamma=1:2'], /--vary "Gamma=1:2": a range is lo:hi:count/],
    [['--sizes', '4,x'], /--sizes: "x"/],
    [['--sizes', '4', '--methods', 'train'], /not available in sweeps over --sizes/],
    [['--sizes', '4', '--beta-per-L', '0'], /--beta-per-L must be positive/],
    [['--model', 'models/square-3x3.json', '--methods', 'exact', '--sizes', '3,8', '--temps', '1'], /exact method at L = 8: N = 64 sites is too large/],
  ];
  for (const [args, re] of cases) {
    const dir = join(root, 'bad');
    const r = await run(['sweep', '--model', 'models/chain-4.json', '--methods', 'dbm', ...args, '--out', dir]);
    assert.is(r.code, 2, args.join(' '));
    assert.match(r.err, re);
    assert.is(r.err.trim().split('\n').length, 1);
    assert.not.ok(existsSync(dir), args.join(' '));
  }
});

/**
 * A synthetic result set with a known crossing: U4(L, x) = 0.6 + a L (x - 3) + b / L, linear in x,
 * so that U4(L1) = U4(L2) at x = 3 + b / (a L1 L2) exactly, and the crossings lie on a straight
 * line in L^-2 (L = sqrt(L1 L2)) through x_c = 3.
 */
function syntheticSet(dir: string, opts: { temps?: number[] } = {}): void {
  const a = 0.05;
  const b = 0.4;
  const rows = [];
  for (const L of [8, 12, 16, 24]) {
    for (let k = 0; k < 9; k++) {
      const x = Number((2.95 + 0.02 * k).toFixed(2));
      for (const T of opts.temps ?? [1 / L]) {
        rows.push({ method: 'dbm', L, param: x, T, e: -1, e_err: 0.01, c: 1, c_err: 0.1, binder: 0.6 + a * L * (x - 3) + b / L, binder_err: 0.002 });
      }
    }
  }
  mkdirSync(dir, { recursive: true });
  const model = JSON.parse(read('.', 'models/square-4x4.json'));
  writeFileSync(join(dir, 'data.json'), JSON.stringify({ model, methods: ['dbm'], temps: [], grid: { sizes: [8, 12, 16, 24], parameter: 'Gamma', values: null, beta_per_L: 1 }, rows }));
}

test('crossing: a known crossing in synthetic data, crossing.json, binder.svg and the table', async () => {
  const dir = join(root, 'synthetic');
  syntheticSet(dir);
  const r = await run(['crossing', dir, '--exponent', '2', '--json']);
  assert.is(r.code, 0, r.err);
  const out = JSON.parse(r.out);
  assert.equal(out.files, ['crossing.json', 'binder.svg']);
  const file = JSON.parse(read(dir, 'crossing.json'));
  assert.is(file.parameter, 'Gamma');
  assert.equal(file.pairs.map((p: { L1: number; L2: number }) => [p.L1, p.L2]), [[8, 12], [12, 16], [16, 24]]);
  for (const p of file.pairs) {
    assert.ok(Math.abs(p.x - (3 + 0.4 / (0.05 * p.L1 * p.L2))) < 1e-9, `pair ${p.L1},${p.L2}: ${p.x}`);
    assert.ok(p.x_err > 0 && p.x_err < 0.05);
  }
  assert.ok(Math.abs(file.estimate.Gamma_c - 3) < 1e-9, String(file.estimate.Gamma_c));
  assert.ok(file.estimate.Gamma_c_err > 0 && file.estimate.Gamma_c_err < 0.05);
  assert.type(file.estimate.method, 'string');
  assert.ok(read(dir, 'binder.svg').startsWith('<svg'));
  // The text table, and another output directory.
  const other = join(root, 'synthetic-out');
  const t = await run(['crossing', dir, '--exponent', '2', '--out', other]);
  assert.is(t.code, 0, t.err);
  assert.match(t.out, /Gamma_c = 3 ±/);
  assert.match(t.out, /L1\s+L2\s+Gamma\s+Gamma_err/);
  assert.ok(existsSync(join(other, 'crossing.json')) && existsSync(join(other, 'binder.svg')));
});

test('crossing: several temperatures need --T; a wrong --parameter, a damaged or plain result set is one line', async () => {
  const multi = join(root, 'multi-T');
  syntheticSet(multi, { temps: [0.1, 0.2] });
  const r = await run(['crossing', multi]);
  assert.is(r.code, 2);
  assert.match(r.err, /2 temperatures at L = 8, Gamma = 2.95 .*choose one with --T/);
  const ok = await run(['crossing', multi, '--T', '0.1', '--exponent', '2', '--json']);
  assert.is(ok.code, 0, ok.err);
  assert.ok(Math.abs(JSON.parse(ok.out).estimate.Gamma_c - 3) < 1e-9);
  const wrong = await run(['crossing', multi, '--parameter', 'h', '--T', '0.1']);
  assert.match(wrong.err, /--parameter h, but the sweep .* varied Gamma/);
  const damaged = join(root, 'damaged');
  syntheticSet(damaged);
  writeFileSync(join(damaged, 'data.json'), read(damaged, 'data.json').slice(0, 200));
  const d = await run(['crossing', damaged]);
  assert.is(d.code, 2);
  assert.match(d.err, /data\.json: not valid JSON/);
  assert.not.ok(existsSync(join(damaged, 'crossing.json')));
  const edited = join(root, 'edited');
  syntheticSet(edited);
  const data = JSON.parse(read(edited, 'data.json'));
  data.rows[3].binder_err = 'small';
  writeFileSync(join(edited, 'data.json'), JSON.stringify(data));
  assert.match((await run(['crossing', edited])).err, /rows\[3\]\.binder_err/);
  const none = await run(['crossing', join(root, 'nowhere')]);
  assert.match(none.err, /no such result directory/);
  // A plain temperature sweep has no sizes to cross.
  const plain = join(root, 'plain');
  assert.is((await run(['sweep', '--model', 'models/chain-4.json', '--methods', 'exact', '--temps', '1', '--out', plain, '--quiet'])).code, 0);
  const p = await run(['crossing', plain, '--parameter', 'Gamma', '--method', 'exact']);
  assert.is(p.code, 2);
  assert.match(p.err, /no size L and Gamma value/);
  // A grid sweep's state.json edited by hand is refused.
  const ref = await whole();
  const copy = join(root, 'edited-state');
  mkdirSync(copy);
  writeFileSync(join(copy, 'data.json'), read(ref, 'data.json'));
  const state = JSON.parse(read(ref, 'state.json'));
  state.rows[0].e += 0.1;
  writeFileSync(join(copy, 'state.json'), JSON.stringify(state));
  assert.match((await run(['crossing', copy])).err, /state\.json: checksum mismatch/);
});

test('crossing on a real grid sweep: runs, and names the temperatures used', async () => {
  const dir = await whole();
  const r = await run(['crossing', dir, '--window', '3', '--json', '--quiet']);
  assert.is(r.code, 0, r.err);
  const out = JSON.parse(r.out);
  assert.equal(out.temperatures, [{ L: 4, T: 0.25 }, { L: 6, T: 1 / 6 }]);
  assert.is(out.parameter, 'Gamma');
});

test('help: the grid options of sweep and the crossing command, generated from their tables', async () => {
  const sweep = (await run(['help', 'sweep'])).out;
  for (const re of [/--sizes L1,L2,\.\.\./, /--vary KEY=lo:hi:n/, /--beta-per-L b/, /pdbm crossing DIR/]) assert.match(sweep, re);
  const crossing = await run(['crossing', '--help']);
  assert.is(crossing.code, 0);
  assert.match(crossing.out, /usage: pdbm crossing DIR/);
  assert.match(crossing.out, /--window N .*\(default 4\)/);
  assert.match(crossing.out, /--method S .*\(default dbm\)/);
  const two = await run(['crossing', 'a', 'b']);
  assert.is(two.code, 2);
  assert.match(two.err, /exactly one result directory, got 2/);
  const degree = await run(['crossing', 'a', '--degree', '3']);
  assert.match(degree.err, /--degree must be 1 or 2/);
});

test.after(cleanup);
test.run();
