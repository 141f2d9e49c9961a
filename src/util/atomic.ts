/** Atomic file output: write a sibling temp file, then rename it over the target. */
import { renameSync, writeFileSync, rmSync } from 'node:fs';

/**
 * Writes `data` to `path` so that readers (and a run killed midway) see either the old file or the
 * complete new one, never a half-written file. rename(2) is atomic within one file system, which
 * the sibling temp file guarantees.
 */
export function writeFileAtomic(path: string, data: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
