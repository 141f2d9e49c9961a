/**
 * Table-driven command-line options: each command declares one table of {@link OptSpec} (name,
 * aliases, type, default, help), and parsing, validation of the type and the help text are all
 * generated from it, so a default is written in exactly one place and the help cannot drift.
 *
 * Syntax: `--name value`, `--name=value`, `-x value` for a short alias, bare `--flag` for booleans.
 * A value that starts with "-" must be attached with "=" (`--temps=-1`): otherwise `--temps -1`
 * would be ambiguous with an option, and the error says so in full.
 */
import { InputError } from '../util/errors.ts';

export type OptType = 'int' | 'number' | 'string' | 'bool' | 'list';

export interface OptSpec {
  /** Canonical name without the dashes, e.g. `temps`. */
  name: string;
  /** Other accepted long names (`T` for `temps`) and a one-letter short form. */
  aliases?: string[];
  short?: string;
  /** int: integer; number: finite number; list: comma-separated strings; bool: a flag. */
  type: OptType;
  /** The value when the option is not given (also printed in the help). */
  default?: number | string | boolean | string[];
  /** Help text for a default that is computed at run time (e.g. "all cores"). */
  defaultText?: string;
  /** Placeholder in the help, e.g. FILE. */
  arg?: string;
  help: string;
  /** Inclusive lower bound for int/number options. */
  min?: number;
  /** Allowed values of a string option. */
  choices?: readonly string[];
  /** May be given several times; the value is then the array of all occurrences. */
  repeat?: boolean;
}

export type OptValue = number | string | boolean | string[] | undefined;
export interface Parsed {
  values: Record<string, OptValue>;
  /** Canonical names of the options the user gave (as opposed to defaults). */
  given: Set<string>;
  positionals: string[];
}

const NUMBER_LIKE = /^-(\d|\.\d|Infinity|inf)/i;

function show(v: unknown): string {
  return Array.isArray(v) ? v.join(',') : String(v);
}

/** Converts one raw value by the option's type; throws a one-line InputError naming the option. */
export function convert(spec: OptSpec, raw: string): number | string | string[] {
  const flag = `--${spec.name}`;
  switch (spec.type) {
    case 'int':
    case 'number': {
      const x = raw.trim() === '' ? NaN : Number(raw);
      if (!Number.isFinite(x)) throw new InputError(`${flag}: "${raw}" is not a finite number`);
      if (spec.type === 'int' && !Number.isInteger(x)) throw new InputError(`${flag} must be an integer, got ${raw}`);
      if (spec.min !== undefined && x < spec.min) {
        throw new InputError(`${flag} must be ${spec.type === 'int' ? 'an integer ' : ''}>= ${spec.min}, got ${raw}`);
      }
      return x;
    }
    case 'list': {
      const items = raw.split(',').map((s) => s.trim());
      if (items.some((s) => s === '')) throw new InputError(`${flag}: empty item in "${raw}"`);
      return items;
    }
    default:
      if (spec.choices && !spec.choices.includes(raw)) throw new InputError(`${flag} must be one of ${spec.choices.join(', ')}, got "${raw}"`);
      return raw;
  }
}

/**
 * Parses `argv` against a command's table. Unknown options, missing values, values of the wrong
 * type and negative numbers not attached with "=" are one-line InputErrors that name the command.
 */
export function parseOptions(command: string, specs: OptSpec[], argv: string[], allowPositionals = false): Parsed {
  const byName = new Map<string, OptSpec>();
  for (const s of specs) {
    for (const n of [s.name, ...(s.aliases ?? [])]) byName.set(`--${n}`, s);
    if (s.short) byName.set(`-${s.short}`, s);
  }
  const values: Record<string, OptValue> = {};
  const given = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i];
    if (tok === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!tok.startsWith('-') || tok === '-' || NUMBER_LIKE.test(tok)) {
      if (!allowPositionals) {
        const prev = argv[i - 1];
        const hint = NUMBER_LIKE.test(tok) && prev?.startsWith('--') ? `: a negative value must be attached with "=", use ${prev}=${tok}` : '';
        throw new InputError(`${command}: unexpected argument "${tok}"${hint} (see pdbm help ${command})`);
      }
      positionals.push(tok);
      continue;
    }
    const eq = tok.indexOf('=');
    const key = eq > 0 ? tok.slice(0, eq) : tok;
    const spec = byName.get(key);
    if (!spec) throw new InputError(`${command}: unknown option ${key} (see pdbm help ${command})`);
    let raw: string;
    if (spec.type === 'bool') {
      if (eq > 0) {
        const b = tok.slice(eq + 1);
        if (b !== 'true' && b !== 'false') throw new InputError(`--${spec.name} is a flag: give it alone, or =true / =false`);
        values[spec.name] = b === 'true';
      } else values[spec.name] = true;
      given.add(spec.name);
      continue;
    }
    if (eq > 0) raw = tok.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new InputError(`${key} needs a value${spec.arg ? ` (${spec.arg})` : ''}`);
      if (next.startsWith('-') && next !== '-') {
        if (NUMBER_LIKE.test(next)) throw new InputError(`${key} ${next}: a value starting with "-" must be attached with "=", use ${key}=${next}`);
        throw new InputError(`${key} needs a value${spec.arg ? ` (${spec.arg})` : ''}, got the option ${next}`);
      }
      raw = next;
      i++;
    }
    const v = convert(spec, raw);
    if (spec.repeat) {
      const prev = given.has(spec.name) ? (values[spec.name] as string[]) : [];
      values[spec.name] = [...prev, ...(Array.isArray(v) ? v : [String(v)])];
    } else {
      // The last occurrence wins, so that `npm start -- --methods exact` overrides the preset.
      values[spec.name] = v;
    }
    given.add(spec.name);
  }
  for (const s of specs) if (values[s.name] === undefined && s.default !== undefined) values[s.name] = s.default;
  return { values, given, positionals };
}

/** The help lines of a table: `  --name, --alias ARG   text (default X)`. */
export function helpText(specs: OptSpec[]): string {
  const heads = specs.map((s) => {
    const names = [`--${s.name}`, ...(s.aliases ?? []).map((a) => `--${a}`), ...(s.short ? [`-${s.short}`] : [])].join(', ');
    return s.type === 'bool' ? names : `${names} ${s.arg ?? (s.type === 'int' ? 'N' : s.type === 'number' ? 'X' : s.type === 'list' ? 'LIST' : 'S')}`;
  });
  const width = Math.min(30, Math.max(...heads.map((h) => h.length)) + 2);
  return specs
    .map((s, k) => {
      const def = s.defaultText ?? (s.default === undefined || s.default === false ? undefined : show(s.default));
      const choices = s.choices ? ` (${s.choices.join(', ')})` : '';
      const text = `${s.help}${choices}${def !== undefined ? ` (default ${def})` : ''}${s.repeat ? ' (repeatable)' : ''}`;
      const head = `  ${heads[k]}`;
      return head.length + 1 >= width + 2 ? `${head}\n${' '.repeat(width + 2)}${text}` : `${head.padEnd(width + 2)}${text}`;
    })
    .join('\n');
}
