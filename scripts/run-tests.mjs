#!/usr/bin/env node
// Runs the uvu suites under tsx and closes with the plain line "N passed, N failed" that CI reads
// (uvu's own "Total/Passed" summary is not recognised there). Extra args are passed to uvu
// (a directory and a file pattern), e.g. `npm test -- test exact`.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const uvuBin = join(dirname(require.resolve('uvu')), '..', 'bin.js');
const args = process.argv.slice(2);
const child = spawn(process.execPath, ['--import', 'tsx', uvuBin, ...(args.length ? args : ['test']), '-i', 'support', '-c', 'false'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
child.stdout.on('data', (chunk) => {
  out += chunk;
  process.stdout.write(chunk);
});
child.on('close', (code) => {
  const num = (label) => {
    const m = out.match(new RegExp(`${label}:\\s+(\\d+)`));
    return m ? Number(m[1]) : 0;
  };
  const total = num('Total');
  const passed = num('Passed');
  const skipped = num('Skipped');
  // A crash before the summary counts as a failure, never as "0 failed".
  const failed = code === 0 ? total - passed - skipped : Math.max(1, total - passed - skipped);
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(code === 0 && total > 0 ? 0 : 1);
});
