// Shared by the checkpoint tests of the real and the complex network: damaged checkpoint files.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeChecksummedJson } from '../../src/util/checked-json.ts';

const name = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2)}.json`;

/** A copy of checkpoint content `base` (checksum dropped), edited and given a valid checksum again: what a careless tool would produce. */
export function resignedCopy<T extends object>(dir: string, base: T, edit: (ck: T) => void): string {
  const ck = structuredClone(base);
  delete (ck as Record<string, unknown>).checksum;
  edit(ck);
  const path = join(dir, name('case'));
  writeChecksummedJson(path, ck as Record<string, unknown>);
  return path;
}

/** A file in `dir` with exactly `text`. */
export function rawFile(dir: string, text: string): string {
  const path = join(dir, name('raw'));
  writeFileSync(path, text);
  return path;
}
