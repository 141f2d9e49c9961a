#!/usr/bin/env node
// `npm start [-- options]`: the default sweep (`pdbm sweep --default`, see the sweep help), run from
// the built JavaScript in dist/. The build is redone only when a source file is newer than it, so a
// fresh clone (built by `npm ci` through `prepare`) starts at once. Options after `npm start --`
// override the preset, e.g. `npm start -- --methods exact,dbm`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const built = join(root, 'dist', 'cli', 'main.js');

/** Newest modification time of the files under `dir` (ms). */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

if (!existsSync(built) || newest(join(root, 'src')) > statSync(built).mtimeMs) {
  process.stderr.write('npm start: building dist/ (tsc) ...\n');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const { installCrashHandlers, main } = await import('../dist/cli/main.js');
installCrashHandlers();
process.exitCode = await main(['sweep', '--default', ...process.argv.slice(2)]);
