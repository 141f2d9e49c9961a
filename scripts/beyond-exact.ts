/**
 * Checks a sampled curve on a lattice beyond exact methods (a result set without an exact method)
 * in the two ways that remain: against exact curves of smaller tori of the same model at the same
 * temperatures, where the size no longer matters (high T), and against a known ground-state energy
 * per site, which no thermal e can go below. Writes SET/crosscheck.md.
 *
 *   node --import tsx scripts/beyond-exact.ts results/j1j2-square-6x6 \
 *        --reference results/j1j2-square-6x4 --reference models/j1j2-square-4x4.json --extrapolate \
 *        --e0=-0.50381 --e0-source "Lanczos, Schulz, Ziman and Poilblanc, J. Phys. I 6, 675 (1996)"
 *
 * A reference is a result set with an exact method (read back from its checksummed state.json) or
 * a model file, solved here by the exact checker (`auto`: small sizes only). The first reference
 * is the one compared with; a second one, smaller, shows how much e still changes with the size
 * at each temperature. With --extrapolate the comparison is with 2 e(first) - e(second): right
 * where the set's torus differs from the first as the first from the second (6x6, 6x4, 4x4: one
 * direction lengthened from 4 to 6, the other by the lattice's x <-> y symmetry), since at high T
 * the finite-size corrections of the two directions add (loops winding around either).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { exactThermo } from '../src/exact/solver.ts';
import { makeHamiltonian } from '../src/model/kinds.ts';
import { loadModel, type ModelSpec } from '../src/model/model.ts';
import type { Row } from '../src/stats/row.ts';
import { latticeSize } from '../src/sweep/results.ts';
import { readState } from '../src/sweep/state.ts';
import { allWarnings } from '../src/sweep/warnings.ts';
import { writeFileAtomic } from '../src/util/atomic.ts';
import { InputError } from '../src/util/errors.ts';

/** The Hamiltonian of a model in a comparable form (key order of the parsed spec). */
const couplings = (m: ModelSpec) => JSON.stringify(Object.entries(m.hamiltonian).sort(([a], [b]) => a.localeCompare(b)));

interface Curve {
  /** e.g. "6x4 (results/j1j2-square-6x4)" or "4x4 (blocks, models/j1j2-square-4x4.json)". */
  label: string;
  size: string;
  model: ModelSpec;
  rows: Row[];
}


function readSet(dir: string): { model: ModelSpec; rows: Row[]; seconds: Record<string, number>; warnings: string[] } {
  const s = readState(dir);
  if (!s) throw new InputError(`${dir}: no result set here (no state.json)`);
  // Every method's rows at every temperature: a sweep stopped early or with failed units is refused.
  if (s.failures.length > 0 || s.rows.length !== s.methods.length * s.temps.length) throw new InputError(`${dir}: the sweep is not finished or has failures`);
  // The warnings of meta.json: the units' and those about the rows.
  return { model: s.model, rows: s.rows, seconds: s.seconds, warnings: allWarnings(s.rows, Object.values(s.info).flatMap((u) => u.warnings)) };
}

/** The exact curve of a reference at `temps`: rows of its result set, or the exact checker on its model file. */
function reference(path: string, temps: number[]): Curve {
  if (path.endsWith('.json')) {
    const model = loadModel(path);
    const r = exactThermo(makeHamiltonian(model), temps);
    return { label: `${latticeSize(model)} (${r.method}, ${path})`, size: latticeSize(model), model, rows: r.rows };
  }
  const set = readSet(path);
  const rows = set.rows.filter((r) => r.method === 'exact');
  if (rows.length === 0) throw new InputError(`${path}: no exact rows in this result set`);
  return { label: `${latticeSize(set.model)} (${path})`, size: latticeSize(set.model), model: set.model, rows };
}

/** The row of `curve` at temperature T (the sets share the temperature grid: equal to rounding). */
const at = (curve: Curve, T: number) => curve.rows.find((r) => Math.abs(r.T - T) <= 1e-9 * T);

const g = (x: number, digits = 5) => Number(x.toPrecision(digits)).toString();
const pm = (v: number, err: number) => `${g(v, 6)} ± ${g(err, 2)}`;
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)}%`;
const sig = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;

try {
  run();
} catch (err) {
  // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown or malformed options.
  const parse = String((err as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS');
  if (!(err instanceof InputError) && !parse) throw err;
  console.error(`beyond-exact: ${(err as Error).message.split('\n')[0]}`);
  process.exit(2);
}

function run(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { reference: { type: 'string', multiple: true }, extrapolate: { type: 'boolean' }, e0: { type: 'string' }, 'e0-source': { type: 'string' } },
  });
  if (positionals.length !== 1 || !values.reference?.length) {
    throw new InputError('usage: beyond-exact.ts SET --reference SET|MODEL [--reference SET|MODEL [--extrapolate]] [--e0=E0_PER_SITE --e0-source TEXT]');
  }
  const dir = positionals[0];
  const set = readSet(dir);
  const method = [...new Set(set.rows.map((r) => r.method))].find((m) => m !== 'exact');
  if (!method) throw new InputError(`${dir}: no sampled rows`);
  const rows = set.rows.filter((r) => r.method === method).sort((a, b) => b.T - a.T);
  const temps = rows.map((r) => r.T);
  const refs = values.reference.map((p) => reference(p, temps));
  for (const [k, r] of refs.entries()) {
    if (couplings(r.model) !== couplings(set.model)) throw new InputError(`${values.reference[k]}: another Hamiltonian than ${dir} (${couplings(r.model)})`);
  }
  const [main, ...others] = refs;
  const e0 = values.e0 === undefined ? undefined : Number(values.e0);
  if (e0 !== undefined && !Number.isFinite(e0)) throw new InputError(`--e0 ${values.e0}: not a number`);

  const size = latticeSize(set.model);
  const far = others[0];
  if (values.extrapolate && !far) throw new InputError('--extrapolate needs a second --reference');
  const est = values.extrapolate ? `(2 e(${main.size}) - e(${far.size}))` : `e(${main.size})`;
  const cEst = values.extrapolate ? `2 c(${main.size}) - c(${far.size})` : `c, exact ${main.size}`;
  const lines: string[] = [
    `# ${set.model.name}: the ${method} curve beyond exact methods, checked at high T and against the ground state`,
    '',
    `No exact method reaches the ${size} lattice (${makeHamiltonian(set.model).nSites} sites). Its ${method} curve (${dir}) is compared, at the`,
    `same temperatures, with the exact curves of the ${main.label}${far ? ` and the ${far.label}` : ''}.`,
    ...(far
      ? [
        `The column "size change" is e(${main.size}) - e(${far.size}): how much the exact e still changes with the size at that T.`,
        ...(values.extrapolate
          ? [
            `The ${size} value is estimated as ${est.slice(1, -1)} (and c likewise): the ${size} torus differs from the ${main.size} one as the ${main.size} differs from the ${far.size}`,
            '(one direction longer by the same amount; the lattice is symmetric under exchange of the two), and at high T',
            'the finite-size corrections of the two directions add. What that misses is far smaller than the size change.',
          ]
          : []),
        `A difference larger than 4 bars and than the size change is the method's error; one within the size change is not resolved.`,
      ]
      : ['The lattices differ, so the curves can agree only where the correlation length is short against both: high T.']),
    '',
    `| T | e, ${method} ${size} | e, exact ${main.size} |${far ? ` e, exact ${far.size} | size change |` : ''} ${method} - ${est} | in bars | c, ${method} ${size} | ${cEst} | difference |`,
    `|---|---|---|${far ? '---|---|' : ''}---|---|---|---|---|`,
  ];
  const verdicts: string[] = [];
  for (const r of rows) {
    const x = at(main, r.T);
    const o = far ? at(far, r.T) : undefined;
    if (!x || (far && !o)) throw new InputError(`no reference row at T = ${r.T} (the sets must share their temperatures)`);
    const sizeChange = o ? x.e - o.e : NaN;
    const ref = values.extrapolate ? 2 * x.e - o!.e : x.e;
    const bar = values.extrapolate ? Math.hypot(r.e_err, 2 * x.e_err, o!.e_err) : Math.hypot(r.e_err, x.e_err);
    const cRef = values.extrapolate ? 2 * x.c - o!.c : x.c;
    const d = r.e - ref;
    const rel = d / Math.abs(ref);
    lines.push(
      `| ${g(r.T)} | ${pm(r.e, r.e_err)} | ${pm(x.e, x.e_err)} |${o ? ` ${g(o.e, 6)} | ${pct(sizeChange / Math.abs(x.e))} |` : ''} ${pct(rel)} | ${sig(d / bar)} | ${pm(r.c, r.c_err)} | ${g(cRef, 5)} | ${pct((r.c - cRef) / Math.abs(cRef))} |`,
    );
    const what = Math.abs(d) <= 4 * bar
      ? 'agrees within 4 bars'
      : Number.isFinite(sizeChange) && Math.abs(d) <= Math.abs(sizeChange) ? 'within the size change (not resolved)' : `the ${method} e is off`;
    // The bar in percent too: "within 4 bars" means little where a bar is several percent.
    verdicts.push(`T = ${g(r.T)}: ${what} (${pct(rel)}, ${sig(d / bar)} bars of ${(100 * bar / Math.abs(ref)).toFixed(2)}%${o ? `; size change ${pct(sizeChange / Math.abs(x.e))}` : ''})`);
  }
  lines.push('', `e against ${est}: ${verdicts.join('; ')}.`);
  if (e0 !== undefined) {
    const lowest = rows[rows.length - 1];
    const under = rows.filter((r) => r.e < e0);
    const below = under.filter((r) => r.e + 4 * r.e_err < e0);
    lines.push(
      '',
      `## Ground-state bound`,
      '',
      `No thermal state has e below the ground-state energy per site, E0 / N = ${e0} on the ${size} torus`,
      `(${values['e0-source'] ?? 'source not given'}).`,
      below.length > 0
        ? `VIOLATED at T = ${below.map((r) => g(r.T)).join(', ')}: e more than 4 bars below E0 / N (a defect or a failed evolution).`
        : under.length > 0
          ? `e at T = ${under.map((r) => g(r.T)).join(', ')} is below E0 / N, but within 4 bars of it (statistics).`
          : `Every ${method} e is above it; at the lowest temperature, T = ${g(lowest.T)}, by ${g(lowest.e - e0, 3)} (${pct((lowest.e - e0) / Math.abs(e0))} of |E0 / N|).`,
    );
  }
  const warnings = set.warnings;
  lines.push('', `## Run`, '', `${method}: ${g(set.seconds[method] ?? NaN, 4)} s (from ${dir}/state.json).`);
  // The per-replica warnings (budgets, tau_int) stay in meta.json; the others are shown.
  const combined = warnings.filter((w) => !/^\w+: replica \d+:/.test(w));
  if (warnings.length > 0) lines.push('', `${warnings.length} warnings of the run (every one in ${dir}/meta.json)${combined.length > 0 ? '; those about the combined values:' : '.'}`);
  if (combined.length > 0) lines.push('', ...combined.map((w) => `    ${w}`));
  writeFileAtomic(join(dir, 'crosscheck.md'), `${lines.join('\n')}\n`);
  console.log(`wrote ${join(dir, 'crosscheck.md')}`);
}
