/**
 * Command-line overrides of a model file (`--set Gamma=2.5`, repeatable; `--size 20`, `--size 8,8`):
 * parses the option strings and hands them to the model layer's `applyOverrides`, which edits the
 * raw JSON before validation, so an override is checked exactly like the file itself.
 */
import { applyOverrides as applyModelOverrides } from '../model/model.ts';
import { InputError } from '../util/errors.ts';

export interface ModelOverrides {
  /** "key=value" pairs; key is a Hamiltonian field (`Gamma`, `h`), `boundary`, or a dotted path (`hamiltonian.J`). */
  set?: string[];
  /** Lattice size: "20" for a chain, "8,8" (or "8x8") for a 2D lattice. */
  size?: string;
}

/** Returns a copy of the raw model JSON with the command-line overrides applied (not yet validated). */
export function applyOverrides(raw: unknown, o: ModelOverrides): unknown {
  const set: Record<string, string> = {};
  for (const pair of o.set ?? []) {
    const m = /^([A-Za-z_][\w.]*)=(.+)$/.exec(pair.trim());
    if (!m) throw new InputError(`--set "${pair}": expected KEY=VALUE, e.g. --set Gamma=2.5`);
    set[m[1]] = m[2];
  }
  let size: number[] | undefined;
  if (o.size !== undefined) {
    const parts = o.size.split(/[,x]/).map((s) => s.trim());
    size = parts.map(Number);
    if (size.some((n, k) => parts[k] === '' || !Number.isInteger(n))) throw new InputError(`--size "${o.size}": expected integers, e.g. --size 20 or --size 8,8`);
  }
  return applyModelOverrides(raw, { set, size });
}
