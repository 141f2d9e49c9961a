/**
 * `npm run bench`: runs every benchmark script in its own child process (so that a crash in one
 * does not hide the others, and each starts with a fresh JIT and heap), each under a heading.
 *   scripts/bench-sampler.ts  Monte Carlo sampler: throughput vs C, autocorrelation, worker speed-up
 *   scripts/bench-exact.ts    exact diagonalization (if present)
 *   scripts/bench-train.ts    trained DBM: seconds per step against N and alpha, sampling vs solving
 *   scripts/bench-complex.ts  complex trained network (xxz): a short run on the J1-J2 6x6, 1 and 2 workers
 * Extra arguments are passed to every script. Exit code 1 if any script failed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const scripts: Array<{ file: string; title: string; optional: boolean }> = [
  { file: 'scripts/bench-sampler.ts', title: 'Monte Carlo sampler (scripts/bench-sampler.ts)', optional: false },
  { file: 'scripts/bench-exact.ts', title: 'Exact methods (scripts/bench-exact.ts)', optional: true },
  { file: 'scripts/bench-train.ts', title: 'Trained DBM: seconds per imaginary-time step (scripts/bench-train.ts)', optional: true },
  { file: 'scripts/bench-complex.ts', title: 'Complex trained network: 2 workers against 1 (scripts/bench-complex.ts)', optional: true },
];

const summary: string[] = [];
let failed = false;
const start = performance.now();
for (const s of scripts) {
  const path = join(root, s.file);
  console.log(`\n${'='.repeat(100)}\n# ${s.title}\n${'='.repeat(100)}`);
  if (!existsSync(path)) {
    const msg = s.optional ? 'not present, skipped' : 'MISSING';
    console.log(msg);
    summary.push(`${s.file}: ${msg}`);
    if (!s.optional) failed = true;
    continue;
  }
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', path, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  const ok = r.status === 0 && !r.error;
  if (!ok) failed = true;
  const why = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit code ${r.status}`;
  summary.push(`${s.file}: ${ok ? 'ok' : `FAILED (${why})`} in ${secs} s`);
}
console.log(`\n${'='.repeat(100)}\n# Summary (${((performance.now() - start) / 1000).toFixed(1)} s)\n${'='.repeat(100)}`);
for (const line of summary) console.log(line);
process.exitCode = failed ? 1 : 0;
