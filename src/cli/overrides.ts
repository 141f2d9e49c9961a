/**
 * Command-line overrides of a model file (`--set Gamma=2.5`, `--size 20`, `--size 8,8`), applied
 * to the raw JSON before it is validated, so an override is checked exactly like the file itself.
 *
 * Interim copy: the model module is getting `applyOverrides(raw, { set, size })` with this
 * signature; the CLI switches to it once it lands.
 */
import { InputError } from '../util/errors.ts';

export interface ModelOverrides {
  /** "key=value" pairs; key is a Hamiltonian or lattice field (`Gamma`, `h`, `boundary`) or a dotted path (`hamiltonian.J`). */
  set?: string[];
  /** Lattice size: "20" for a chain, "8,8" (or "8x8") for a 2D lattice. */
  size?: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A number when the text is one, else the text itself (`boundary=open`). */
function parseValue(text: string): number | string {
  const x = Number(text);
  return text.trim() !== '' && Number.isFinite(x) ? x : text;
}

/**
 * Returns a copy of the raw model JSON with the overrides applied. A key without a dot goes to the
 * section that already has it (lattice, else hamiltonian); an unknown key is added to the
 * hamiltonian, where model validation then refuses it with the list of allowed fields.
 */
export function applyOverrides(raw: unknown, o: ModelOverrides): unknown {
  if (!isObject(raw)) return raw;
  const model = structuredClone(raw) as Record<string, unknown>;
  const section = (name: string): Record<string, unknown> => {
    if (!isObject(model[name])) model[name] = {};
    return model[name] as Record<string, unknown>;
  };
  for (const pair of o.set ?? []) {
    const m = /^([A-Za-z_][\w.]*)=(.+)$/.exec(pair.trim());
    if (!m) throw new InputError(`--set "${pair}": expected KEY=VALUE, e.g. --set Gamma=2.5`);
    const [, key, text] = m;
    const path = key.split('.');
    if (path.length > 2) throw new InputError(`--set ${key}: at most one dot (hamiltonian.Gamma)`);
    let target: Record<string, unknown>;
    let field: string;
    if (path.length === 2) {
      if (path[0] !== 'hamiltonian' && path[0] !== 'lattice') throw new InputError(`--set ${key}: the section is hamiltonian or lattice`);
      target = section(path[0]);
      field = path[1];
    } else {
      field = key;
      target = field !== 'kind' && isObject(model.lattice) && field in model.lattice ? section('lattice') : section('hamiltonian');
    }
    if (field === 'kind') throw new InputError(`--set ${key}: the kind of a model cannot be overridden; use another model file`);
    target[field] = parseValue(text);
  }
  if (o.size !== undefined) {
    const parts = o.size.split(/[,x]/).map((s) => s.trim());
    const size = parts.map(Number);
    if (size.some((n, k) => parts[k] === '' || !Number.isInteger(n))) throw new InputError(`--size "${o.size}": expected integers, e.g. --size 20 or --size 8,8`);
    const lattice = section('lattice');
    if (lattice.kind === 'graph') throw new InputError('--size: a graph lattice has no size; edit the model file');
    lattice.size = size;
  }
  return model;
}
