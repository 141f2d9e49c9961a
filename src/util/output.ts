/**
 * Output paths are checked before any work starts (a run must not compute for minutes and then
 * fail to save), and an output directory is locked while a run writes into it, so that a second
 * run into the same directory is refused instead of silently interleaving with the first.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { InputError } from './errors.ts';

/** Whether a file can be created in directory `dir`: tried for real (root ignores permission bits, read-only mounts do not). */
function canCreateIn(dir: string): string | null {
  const probe = join(dir, `.pdbm-probe-${process.pid}`);
  try {
    closeSync(openSync(probe, 'wx'));
    rmSync(probe, { force: true });
    return null;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  }
}

function kind(path: string): 'dir' | 'file' | 'none' {
  try {
    return statSync(path).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'none';
  }
}

/**
 * Checks that `dir` is an existing writable directory or can be created (its nearest existing
 * ancestor is a writable directory). Creates nothing. `flag` names the option in the message.
 */
export function checkOutputDir(dir: string, flag = '--out'): void {
  const k = kind(dir);
  if (k === 'file') throw new InputError(`${flag} ${dir}: is a file, expected a directory`);
  if (k === 'dir') {
    const why = canCreateIn(dir);
    if (why) throw new InputError(`${flag} ${dir}: directory is not writable (${why})`);
    return;
  }
  let parent = dirname(resolve(dir));
  while (kind(parent) === 'none' && dirname(parent) !== parent) parent = dirname(parent);
  if (kind(parent) === 'file') throw new InputError(`${flag} ${dir}: cannot create it, ${parent} is a file`);
  const why = canCreateIn(parent);
  if (why) throw new InputError(`${flag} ${dir}: cannot create it, ${parent} is not writable (${why})`);
}

/**
 * Checks that a file can be written at `path`: not a directory, and its directory exists and is
 * writable (a missing directory is refused rather than created, since a typo there is likely).
 */
export function checkOutputFile(path: string, flag: string): void {
  if (kind(path) === 'dir') throw new InputError(`${flag} ${path}: is a directory, expected a file name`);
  const dir = dirname(resolve(path));
  const k = kind(dir);
  if (k === 'none') throw new InputError(`${flag} ${path}: directory ${dirname(path)} does not exist`);
  if (k === 'file') throw new InputError(`${flag} ${path}: ${dirname(path)} is a file, not a directory`);
  const why = canCreateIn(dir);
  if (why) throw new InputError(`${flag} ${path}: directory ${dirname(path)} is not writable (${why})`);
}

/** Whether process `pid` on this host is alive (EPERM: alive, owned by someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const LOCK_FILE = '.pdbm.lock';

/** A held lock on an output directory; `release()` removes it (also done at process exit). */
export interface DirLock {
  path: string;
  release(): void;
}

/**
 * Locks `dir` (created if missing) for this process: creates `dir/.pdbm.lock` exclusively with our
 * pid. A lock held by a live process refuses with one line; a lock left by a dead process (a run
 * killed with SIGKILL) is taken over. A hard kill leaves the file, which is why the pid is checked.
 */
export function lockDir(dir: string, what = 'pdbm'): DirLock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const me = `${process.pid} ${hostname()}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, me);
      closeSync(fd);
      let held = true;
      const release = () => {
        if (!held) return;
        held = false;
        process.off('exit', release);
        // Only remove our own lock (another process may have taken over a lock we lost).
        try {
          if (readFileSync(path, 'utf8') === me) rmSync(path, { force: true });
        } catch {
          /* already gone */
        }
      };
      process.on('exit', release);
      return { path, release };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new InputError(`${dir}: cannot create lock file (${(e as NodeJS.ErrnoException).code})`);
    }
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue; // removed between our open and read: try again
    }
    const [pidText, host] = text.trim().split(/\s+/);
    const pid = Number(pidText);
    const sameHost = host === undefined || host === hostname();
    if (Number.isInteger(pid) && pid > 0 && (!sameHost || alive(pid))) {
      throw new InputError(
        `${dir}: in use by another ${what} run (pid ${pid}${sameHost ? '' : ` on ${host}`}); wait for it, or remove ${path} if that run is gone`,
      );
    }
    // Stale (dead pid) or unreadable: take it over.
    rmSync(path, { force: true });
  }
  throw new InputError(`${dir}: could not take the lock ${path}`);
}

/** Whether a directory holds a lock file (for messages and tests). */
export function isLocked(dir: string): boolean {
  return existsSync(join(dir, LOCK_FILE));
}
