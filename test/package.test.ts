// The package as another project sees it: `npm pack` (which runs the tsc build through `prepare`),
// unpacked into a consumer's node_modules, then imported by name from plain JavaScript and
// type-checked from TypeScript. This is what `import { ... } from 'purified-dbm'` needs: package.json
// `exports`, `main` and `types` pointing at built files that exist, and no tsx at run time.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The consumer lives below the repository's node_modules so that the unpacked package finds its
// own dependencies there by Node's ordinary upward search, without a registry.
const cache = join(root, 'node_modules', '.cache');
mkdirSync(cache, { recursive: true });
const work = mkdtempSync(join(cache, 'pdbm-pack-'));

test.after(() => rmSync(work, { recursive: true, force: true }));

test('npm pack, install into another package, import by name from JS and TS', () => {
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--silent', '--pack-destination', work], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
  ) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const files = packed[0].files.map((f) => f.path);
  assert.ok(files.includes('dist/index.js') && files.includes('dist/index.d.ts'), 'built entry points are packed');
  assert.ok(files.includes('bin/pdbm.js'));

  const consumer = join(work, 'consumer');
  const pkgDir = join(consumer, 'node_modules', 'purified-dbm');
  mkdirSync(pkgDir, { recursive: true });
  execFileSync('tar', ['xzf', join(work, packed[0].filename), '-C', pkgDir, '--strip-components', '1']);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));

  // Plain JavaScript, no loader: the 4-site periodic TFIM chain at T = 1 (free fermions, exact).
  writeFileSync(
    join(consumer, 'use.mjs'),
    `import { loadModel, makeTfim, exactThermo } from 'purified-dbm';
const model = loadModel(${JSON.stringify(join(root, 'models', 'chain-4.json'))});
const r = exactThermo(makeTfim(model), [1]);
console.log(JSON.stringify(r.rows[0]));\n`,
  );
  const run = spawnSync(process.execPath, ['use.mjs'], { cwd: consumer, encoding: 'utf8' });
  assert.is(run.status, 0, run.stderr);
  const row = JSON.parse(run.stdout) as { T: number; e: number };
  // Reference: 4 spins, J = Gamma = 1, by the dense 16x16 matrix (test/support/reference.ts).
  assert.ok(Math.abs(row.e - -1.18903748) < 1e-7, `e = ${row.e}`);

  // The declarations: a TypeScript consumer type-checks against dist/index.d.ts.
  writeFileSync(
    join(consumer, 'use.ts'),
    `import { loadModel, makeTfim, exactThermo, type Row } from 'purified-dbm';
const rows: Row[] = exactThermo(makeTfim(loadModel('m.json')), [1]).rows;
const e: number = rows[0].e;
// @ts-expect-error a misspelled field does not compile (Row has no index signature)
const bad: number = rows[0].e_er;
export { e, bad };\n`,
  );
  writeFileSync(
    join(consumer, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['use.ts'] }),
  );
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', consumer], { encoding: 'utf8' });
  assert.is(tsc.status, 0, tsc.stdout + tsc.stderr);

  // The installed command runs from the built JavaScript.
  const cli = spawnSync(process.execPath, [join(pkgDir, 'bin', 'pdbm.js'), '--version'], { encoding: 'utf8' });
  assert.is(cli.status, 0, cli.stderr);
  assert.match(cli.stdout, /^\d+\.\d+\.\d+/);
});

test.run();
