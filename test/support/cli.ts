// Shared by the CLI and sweep tests: the CLI in-process (fast; stdout/stderr captured) or as a
// process (for exit codes, kills and worker crashes), and temporary directories that are removed
// when the test file ends.
//
// Spawned processes run the TypeScript source through tsx (`node --import tsx src/cli/main.ts`),
// not bin/pdbm.js, so the tests always exercise the current source and never a stale dist/.
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';

const dirs: string[] = [];

/** A fresh temporary directory, removed by {@link cleanup}. */
export function tempDir(prefix = 'pdbm-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** Removes every directory made by {@link tempDir} (call from `test.after`). */
export function cleanup(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Runs main() in-process, capturing stdout and stderr. */
export async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
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

const NODE_ARGS = ['--import', 'tsx'];
const ENTRY = 'src/cli/main.ts';

/** Runs `pdbm args` as a process (through tsx) and waits for it. `preload` modules load in every thread. */
export function pdbm(args: string[], env: Record<string, string> = {}, preload: string[] = []): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [...NODE_ARGS, ...preload.flatMap((p) => ['--import', p]), ENTRY, ...args], {
    encoding: 'utf8', env: { ...process.env, ...env },
  });
}

/** Starts `pdbm args` as a process without waiting (for kills and concurrent runs). */
export function pdbmAsync(args: string[], env: Record<string, string> = {}) {
  return spawn(process.execPath, [...NODE_ARGS, ENTRY, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Waits until `cond()` holds (polling), or fails after `ms`. */
export async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
