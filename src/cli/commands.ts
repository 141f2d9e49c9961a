/**
 * The commands of `pdbm`: one option table per command (options.ts generates parsing, checks,
 * defaults and help from it) and what each command runs. Loaded by main.ts only when a command
 * runs or its help is asked for, so that `pdbm --help` does not load the numerical code.
 *
 * One name per idea across commands: `--temps` (alias `--T`), `--sweeps` (alias `--samples`) for
 * Monte Carlo measurements, `--methods` (alias `--method`) for which methods a sweep runs,
 * `--solver` for the algorithm inside one method (exact: alias `--method`).
 */
import { existsSync } from 'node:fs';
import { defaultWorkers } from '../util/workers.ts';
import { fileURLToPath } from 'node:url';
import { analyticThermo, checkAnalyticMemory, defaultAnalyticOptions, defaultMemoryLimit, type AnalyticOptions } from '../methods/analytic-dbm.ts';

/** How `meta.solver` names each --moves choice. */
const MOVES: Record<string, string> = {
  wolff: 'heat-bath + Wolff (bond units traced out)', sw: 'heat-bath + Swendsen-Wang', heatbath: 'heat-bath',
};
import { readJsonFile, writeChecksummedJson } from '../util/checked-json.ts';
import { dbmToJson } from '../dbm/network.ts';
import { InputError } from '../util/errors.ts';
import { EXACT_METHODS, exactThermo, type ExactMethod } from '../exact/solver.ts';
import { makeTfim } from '../model/hamiltonian.ts';
import { makeHamiltonian } from '../model/kinds.ts';
import { conventionOf, parseModel, type ModelSpec } from '../model/model.ts';
import { Progress } from '../util/progress.ts';
import { checkOutputFile } from '../util/output.ts';
import type { Row } from '../stats/row.ts';
import { parseTemps } from './temps.ts';
import { SUMMARIES, VERSION, type CommandName } from './command-list.ts';
import { applyOverrides } from './overrides.ts';
import { helpText, parseOptions, type OptSpec, type OptValue } from './options.ts';
import { defaultTrainOptions, trainThermo, type TrainOptions } from '../train/driver.ts';
import { MAX_EXACT_SITES } from '../train/exact-moments.ts';
import { COMPLEX_EXACT_MAX_SITES, complexSwitches, defaultComplexTrainOptions, SWITCHES, trainComplexThermo, type ComplexTrainOptions } from '../train/complex-driver.ts';
import { defaultDeepOptions, trainDeep, type DeepTrainOptions } from '../train/deep-driver.ts';
import { loadNetwork, sampleNetwork } from '../methods/saved-network.ts';
import { buildTrotterDbm } from '../dbm/trotter.ts';
import { mergeResults } from '../sweep/merge.ts';
import { checkTrainSteps, formatBytes } from '../sweep/limits.ts';
import { parseShard, runSweep, SWEEP_METHODS, type SweepMethod, type TrainRunner } from '../sweep/sweep.ts';
import { plotFiles } from '../sweep/results.ts';
import { gridFromOptions } from './grid.ts';
import { toRow } from '../sweep/state.ts';
import { resultWarnings as warningsOf, rowWarningsWithPlace } from '../sweep/warnings.ts';

type Values = Record<string, OptValue>;

interface Context {
  values: Values;
  given: Set<string>;
  positionals: string[];
}

interface Command {
  usage: string;
  options: OptSpec[];
  /** Whether the command takes positional arguments (merge: directories). */
  positionals?: boolean;
  /** Text after the option list. */
  epilogue?: string;
  /** Resolves to the exit status (0 when nothing is returned). */
  run(ctx: Context): Promise<number | void>;
}

// ---------------------------------------------------------------------------------------------
// Option tables. Defaults come from the methods' own default functions, never retyped here.

const AD = defaultAnalyticOptions();
const TD = defaultTrainOptions();
const CORES = defaultWorkers();

const O = {
  model: { name: 'model', type: 'string', arg: 'FILE', help: 'model file (models/*.json)' },
  set: { name: 'set', type: 'string', arg: 'KEY=VALUE', repeat: true, help: 'override a model parameter, e.g. --set Gamma=2.5 --set h=0.1' },
  size: { name: 'size', type: 'string', arg: 'L|Lx,Ly', help: 'override the lattice size, e.g. --size 20 or --size 8,8' },
  log: { name: 'log', type: 'bool', help: 'geometric spacing for lo:hi:count' },
  seed: { name: 'seed', type: 'int', default: 1, help: 'random seed (same seed, same numbers, whatever --workers)' },
  workers: { name: 'workers', type: 'int', min: 1, default: CORES, defaultText: `all cores, ${CORES} here`, help: 'worker threads' },
  progress: { name: 'progress', type: 'bool', help: 'progress on stderr even when it is not a terminal' },
  quiet: { name: 'quiet', short: 'q', type: 'bool', help: 'no progress, notes or warnings on stderr (warnings stay in meta)' },
  json: { name: 'json', type: 'bool', help: 'one JSON object on stdout' },
  help: { name: 'help', short: 'h', type: 'bool', help: 'this help' },
} satisfies Record<string, OptSpec>;

const temps = (def: string): OptSpec => ({
  name: 'temps', aliases: ['T'], type: 'string', arg: 'LIST', default: def,
  help: 'temperatures: 0.5,1,2 | lo:hi:count | an expression, e.g. "logspace(-1, 1, 12)", "linspace(0.5, 5, 10)"',
});

const MODEL: OptSpec[] = [O.model, O.set, O.size];
const TAIL: OptSpec[] = [O.progress, O.quiet, O.json, O.help];

/** The analytic DBM's Trotter and sampling options (dbm, sweep). */
const ANALYTIC: OptSpec[] = [
  { name: 'dt', type: 'number', default: AD.dt, help: 'Trotter step: n = ceil(beta / 2dt) steps, dt then beta / 2n (0: --continuous-time)' },
  { name: 'slices', type: 'int', min: 1, arg: 'n', help: 'number of Trotter steps instead of --dt' },
  { name: 'order', type: 'int', default: AD.order, arg: '1|2', help: 'Trotter splitting order (2: symmetric)' },
  { name: 'sweeps', aliases: ['samples'], type: 'int', default: AD.sweeps, help: 'measurements per chain and temperature' },
  { name: 'warmup', type: 'int', default: AD.warmup, help: 'sweeps discarded per chain' },
  { name: 'thin', type: 'int', default: AD.thin, help: 'sweeps between measurements' },
  { name: 'auto-thin', type: 'bool', help: 'sweeps between measurements per chain from its warm-up: round(2 tau_int) of the slice-averaged m^2, at least --thin, at most 16 (rows give the mean)' },
  { name: 'chains', type: 'int', default: AD.chains, help: 'independent chains per temperature (results do not depend on --workers)' },
  { name: 'moves', type: 'string', default: AD.cluster ? (AD.clusterMove ?? 'sw') : 'heatbath', choices: ['wolff', 'sw', 'heatbath'], help: 'wolff: heat-bath + Wolff clusters on the ring with the bond units traced out (h = 0; else falls back to sw); sw: heat-bath + Swendsen-Wang on the joint graph; heatbath: no cluster moves' },
  { name: 'wolff-fraction', type: 'number', default: AD.wolffFraction ?? 1, help: 'Wolff clusters per sweep, as a fraction of the ring spins flipped (0.25 with --auto-thin at critical points)' },
  { name: 'extrapolate', type: 'bool', help: 'run several dt and extrapolate e and c in dt^2' },
  { name: 'continuous-time', type: 'bool', help: 'sample the dt -> 0 limit of the network in continuous imaginary time: no Trotter error, cost set by Gamma beta N (TFIM with h = 0; --dt, --slices, --order, --extrapolate and --moves do not apply)' },
  { name: 'dt-factors', type: 'list', default: ['1', '0.75', '0.5'], help: 'dt multiples for --extrapolate' },
  { name: 'max-memory', type: 'number', min: 1, arg: 'MB', defaultText: `half the memory, at most 4096 (here ${Math.round(defaultMemoryLimit() / 2 ** 20)})`, help: 'refuse temperatures whose network would need more memory' },
];

/** Options of `pdbm train` that the complex network (xxz models) takes, and its field for each. */
const COMPLEX_FIELDS: Record<string, keyof ComplexTrainOptions> = {
  alpha: 'alpha', seed: 'seed', workers: 'workers', chains: 'chains', samples: 'samples', 'measure-samples': 'measureSamples',
  'max-measure-samples': 'maxMeasureSamples', 'target-err': 'measureRelErr', 'target-err-c': 'measureRelErrC', shift: 'shift', 'shift-abs': 'shiftAbs', 'max-dbeta': 'dbeta', 'rel-dbeta': 'relDbeta', marshall: 'marshall', replicas: 'replicas', checkpoint: 'checkpoint', resume: 'resume',
};

const CD = defaultComplexTrainOptions();

/**
 * The complex network's sample budgets, which it counts per chain, and the least per chain. The
 * CLI gives them as totals over all chains (as for the TFIM network): ceil(total / chains). A
 * budget not given is the default total (the network's per-chain default times its default chain
 * count), so `--chains` alone spreads the same samples over more chains instead of multiplying them.
 */
const PER_CHAIN_BUDGETS = { samples: 2, measureSamples: 8, maxMeasureSamples: 0 } as const;
type PerChainBudget = keyof typeof PER_CHAIN_BUDGETS;

/** A budget's default total over all chains, in the CLI's units: the per-chain default times the default chain count. */
const defaultTotal = (field: PerChainBudget): number => CD[field] * CD.chains;

function perChainBudgets(o: Partial<ComplexTrainOptions>): Partial<ComplexTrainOptions> {
  const chains = o.chains ?? CD.chains;
  const out: Record<string, unknown> = { ...o };
  for (const [field, least] of Object.entries(PER_CHAIN_BUDGETS)) {
    const key = field as PerChainBudget;
    const total = o[key] ?? (o.chains === undefined ? undefined : defaultTotal(key));
    if (total !== undefined) out[field] = Math.max(least, Math.ceil(total / chains));
  }
  return out as Partial<ComplexTrainOptions>;
}

/**
 * The complex network's (xxz models') own default of each option it takes, in the CLI's units
 * (sample budgets over all chains): the help shows it beside the TFIM default, since the complex
 * network does not take the TFIM defaults (it takes only what the user gives; see runComplexTrain).
 */
const XXZ_DEFAULTS: Record<string, unknown> = Object.fromEntries(
  Object.entries(COMPLEX_FIELDS).map(([opt, field]) => [opt, field in PER_CHAIN_BUDGETS ? defaultTotal(field as PerChainBudget) : CD[field]]),
);

/** A TRAIN entry whose help names the xxz default beside the TFIM one where they differ. */
function withXxzDefault(s: OptSpec): OptSpec {
  const x = XXZ_DEFAULTS[s.name];
  return x === undefined || x === s.default ? s : { ...s, defaultText: `${String(s.default)}; xxz models: ${String(x)}` };
}

/**
 * What 4x the default samples per step (32000: --samples, --train-samples in a sweep) was measured
 * to buy on the 16-site chains (docs/design.md, "With alpha 4, 4x the samples per step remove the
 * sampling part"); one text for the option's help and the complex network's warning, so that the
 * two cannot disagree.
 */
const LARGER_SAMPLE_MEASURED =
  'on 16-site chains 4x the default samples per step (32000, at 4x the time) took single runs at T <= 0.3 from 0.14-0.37% to 0.02-0.19% below exact';

/** The trained network's options (train; in sweep with a "train-" prefix). */
const TRAIN: OptSpec[] = ([
  { name: 'samples', aliases: ['sweeps'], type: 'int', default: TD.samples, help: `measurements per imaginary-time step, all chains (xxz models: ${LARGER_SAMPLE_MEASURED}; see docs/design.md)` },
  { name: 'measure-samples', type: 'int', default: TD.measureSamples, help: 'measurements per batch at each requested temperature' },
  { name: 'max-measure-samples', type: 'int', min: 0, default: TD.maxMeasureSamples, help: 'measurement budget per temperature: more batches until the error targets are met or this is reached (0: one batch)' },
  { name: 'target-err', type: 'number', min: 0, default: TD.measureRelErr, help: 'relative error target of e' },
  { name: 'target-err-c', type: 'number', min: 0, default: TD.measureRelErrC, help: 'relative error target of c' },
  { name: 'chains', type: 'int', default: TD.chains, help: 'Markov chains (results do not depend on --workers)' },
  { name: 'shift', type: 'number', default: TD.shift, help: 'relative diagonal shift of S (xxz models: 1e-5 with 32000 samples per step removes the floor of about 0.1% below exact at T = 0.3 on chains, but on 16 sites let far regions of the amplitude spoil rows by 10-80% in three runs of four; see docs/design.md)' },
  { name: 'shift-abs', type: 'number', min: 0, default: TD.shiftAbs, help: 'absolute diagonal shift of S (added to the relative one; it biases c at the lowest temperatures, see results/train-accuracy.md)' },
  { name: 'max-dbeta', type: 'number', default: TD.maxDbeta, help: 'largest imaginary-time step' },
  { name: 'rel-dbeta', type: 'number', default: TD.relDbeta, help: 'largest imaginary-time step relative to beta (fixed schedule; the Heun error of e at T >= 2 scales with it, see results/train-accuracy.md)' },
  { name: 'solver', type: 'string', default: TD.solver, choices: ['auto', 'dense', 'cg'], help: 'linear solver of stochastic reconfiguration' },
  { name: 'sampler', type: 'string', default: TD.sampler ?? 'marginal', choices: ['marginal', 'joint'], help: 'sampler of |Psi|^2: heat bath on the (s_i, a_i) pairs with cached hidden fields, or the joint-graph sampler (~3x slower per sample)' },
  { name: 'replicas', type: 'int', min: 1, default: TD.replicas ?? 1, help: 'independent evolutions with derived seeds, combined per temperature; the error bar then covers the scatter of the evolution (about as large as the measurement error: 3 gives honest bars)' },
  { name: 'replica', type: 'int', min: 0, help: 'run only replica K of --replicas (cluster job arrays; combine the results with combineReplicaResults)' },
  { name: 'step-tol', type: 'number', min: 0, default: TD.stepTol ?? 0, help: 'adaptive imaginary-time step: local-error tolerance per step (0: the fixed schedule)' },
] satisfies OptSpec[]).map(withXxzDefault);
const ALPHA: OptSpec = { name: 'alpha', type: 'int', min: 1, defaultText: `the smallest that holds the exact start, >= 2; xxz models: ${CD.alpha}`, help: 'hidden units per site of the trained network' };
/** Spin-inversion symmetry of the complex network (xxz models; train and sweep). */
const INVERSION: OptSpec = {
  name: 'inversion', type: 'string', default: 'off', choices: ['auto', 'on', 'off'],
  help: 'xxz models: keep the amplitude even under the global spin flip (fields and hidden biases fixed at 0); auto: on without a field (h = 0), where the exact amplitude is even (measured: no gain beyond the scatter of the evolution, see docs/design.md)',
};

/** Point-group average of the complex network's amplitude (xxz models; train and sweep). */
const POINT_GROUP: OptSpec = {
  name: 'point-group', type: 'string', default: 'auto', choices: ['auto', 'on', 'off'],
  help: "xxz models: average the amplitude over the lattice's point group (exact amplitude's symmetry; one network evaluation per element: 2x on a chain, 8x on the square lattice, 12x on small triangular tori). Measured: removes the mean lag of the sampled evolution at high T on chains, on the 4x4 torus (Heisenberg and J1-J2) takes e at T = 2 from about 4% to 1% above exact at 6-8x the time, and cuts the error below T = 2 about 3x on the 6x4 J1-J2 and triangular 3x3 tori (docs/design.md); auto: on wherever the group has more than the identity, off for a lattice without symmetry",
};

/** Ancilla flip of the complex network's chains (xxz models; train and sweep). */
const ANCILLA_FLIP: OptSpec = {
  name: 'ancilla-flip', type: 'string', default: 'off', choices: ['on', 'off'],
  help: 'xxz models: end every sweep of the chains with the move a -> -a (all ancilla spins flipped, when Sz(a) = 0), between the regions a ~ s and a ~ -s, which weigh alike at low T and which local moves hardly cross. Measured on three 16-site runs that had failed at low T: one fixed, two failed at other temperatures; +37% time (docs/design.md)',
};

/** Fresh measurement chains of the complex network (xxz models; train and sweep). */
const FRESH_CHAINS: OptSpec = {
  name: 'fresh-chains', type: 'string', default: 'on', choices: ['on', 'off'],
  help: 'xxz models: measure each temperature with chains restarted on s = a (500 warmup sweeps) instead of the chains carried through the evolution (off), which can sit in a far region of the amplitude that the evolution never fitted (docs/design.md)',
};

/** Exact moments instead of sampling (train, both networks). */
const EXACT_MOMENTS: OptSpec = {
  name: 'exact-moments', type: 'bool',
  help: `no sampling: S, F, e and c at every step from all configurations (s, a) (TFIM: all 4^N, N <= ${MAX_EXACT_SITES}; xxz models: the Sz(s) = Sz(a) sector, N <= ${COMPLEX_EXACT_MAX_SITES}), so the rows (error bars 0) differ from exact by the ansatz and the integrator alone: the reference that separates them from the sampling. Cost grows as 4^N: 2-3 minutes on 8 sites to T = 0.5, about an hour on 10`,
};

/**
 * Options that only steer the sampling: refused beside --exact-moments, which samples nothing, so
 * that a run never silently ignores what the user asked for.
 */
const SAMPLING_ONLY = ['samples', 'measure-samples', 'max-measure-samples', 'target-err', 'target-err-c', 'chains', 'sampler', 'ancilla-flip', 'fresh-chains'];

/**
 * The warning of a run with --exact-moments, saying what its error bars are: 0, or with replicas
 * the scatter over their starts (the complex network's start has random couplings; the TFIM
 * network's has none by default, so its replicas agree).
 */
function exactMomentsNote(replicas: number): string {
  const bars = replicas > 1 ? `error bars the scatter over the starts of ${replicas} replicas` : 'error bars 0';
  return `exact moments: nothing sampled, ${bars}; e and c differ from exact by the ansatz and the integrator alone`;
}

/** Whether --exact-moments is on; refuses it beside an option that steers the sampling. */
function checkExactMoments(v: Values, given: Set<string>): boolean {
  if (!v['exact-moments']) return false;
  for (const x of SAMPLING_ONLY) if (given.has(x)) throw new InputError(`--${x} steers the sampling, and --exact-moments samples nothing: drop one of them`);
  return true;
}

type ComplexSwitch = keyof typeof SWITCHES;
/** The complex network's on/off options: CLI name -> ComplexTrainOptions key (the driver's SWITCHES, inverted). */
const COMPLEX_SWITCHES = Object.fromEntries(Object.entries(SWITCHES).map(([key, opt]) => [opt, key])) as Record<string, ComplexSwitch>;

/** An on/off switch of COMPLEX_SWITCHES as the complex network's option (--point-group also takes auto). */
function switchValue(v: Values, opt: string): boolean | 'auto' {
  return v[opt] === 'auto' ? 'auto' : v[opt] === 'on';
}

/** --inversion as the complex network's option. */
function inversionOption(v: Values): boolean | 'auto' {
  return v.inversion === 'auto' ? 'auto' : v.inversion === 'on';
}

/** TrainOptions fields of the TRAIN table entries. */
const TRAIN_FIELDS: Record<string, keyof TrainOptions> = {
  samples: 'samples', 'measure-samples': 'measureSamples', 'max-measure-samples': 'maxMeasureSamples', 'target-err': 'measureRelErr',
  'target-err-c': 'measureRelErrC', chains: 'chains', shift: 'shift', 'shift-abs': 'shiftAbs', 'max-dbeta': 'maxDbeta', 'rel-dbeta': 'relDbeta', solver: 'solver',
  sampler: 'sampler', replicas: 'replicas', replica: 'replica', 'step-tol': 'stepTol',
};

/** The sweep's copy of the TRAIN table: every name prefixed with "train-", no aliases. */
const SWEEP_TRAIN: OptSpec[] = TRAIN.map((s) => ({ ...s, name: `train-${s.name}`, aliases: undefined, help: `trained network: ${s.help}` }));

/** TrainOptions from the TRAIN entries (prefix "train-" in a sweep); only fields that differ from the defaults when `onlyChanged`. */
function trainFields(v: Values, prefix: string, onlyChanged: boolean): Partial<TrainOptions> {
  const out: Record<string, unknown> = {};
  for (const [opt, field] of Object.entries(TRAIN_FIELDS)) {
    const x = v[prefix + opt];
    // The table's default stands for an option the method leaves undefined (replicas 1, step-tol 0).
    const def = TD[field] ?? TRAIN.find((s) => s.name === opt)?.default;
    if (x !== undefined && (!onlyChanged || x !== def)) out[field] = x;
  }
  return out as Partial<TrainOptions>;
}

// ---------------------------------------------------------------------------------------------

function str(v: Values, name: string): string | undefined {
  const x = v[name];
  return typeof x === 'string' ? x : undefined;
}

/**
 * Refuses, in one line, a model kind that a method cannot handle: the analytic network and the
 * (real) trained network exist for the TFIM only.
 */
function requireTfim(command: string, m: ModelSpec, what: string): void {
  if (m.hamiltonian.kind !== 'tfim') {
    throw new InputError(`${command}: ${what}; model ${m.name} is ${m.hamiltonian.kind} (use pdbm exact for it)`);
  }
}

/** The model file with the command-line overrides applied, validated. */
function loadModelWithOverrides(v: Values): { model: ModelSpec; overrides?: { set?: string[]; size?: string } } {
  const path = str(v, 'model');
  if (path === undefined) throw new InputError('--model FILE is required');
  const raw = readJsonFile(path, 'model file');
  const set = v.set as string[] | undefined;
  const size = str(v, 'size');
  const overrides = set || size ? { ...(set ? { set } : {}), ...(size ? { size } : {}) } : undefined;
  try {
    const model = parseModel(overrides ? applyOverrides(raw, overrides) : raw);
    if (overrides) {
      // The file's name and description no longer describe the model: say what changed, so that
      // report titles and default output directories do not claim the file's model.
      const changes = [...(set ?? []), ...(size ? [`size=${size}`] : [])];
      model.name = `${model.name}+${changes.map((c) => c.replace(/^hamiltonian\.|^lattice\./, '').replace(/[=,]/g, (ch) => (ch === '=' ? '' : 'x'))).join('+')}`;
      model.description = `${model.description ? `${model.description}; ` : ''}overridden from the command line: ${changes.join(', ')}`;
    }
    return { model, overrides };
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`${path}${overrides ? ' (with --set/--size)' : ''}: ${e.message}`);
    throw e;
  }
}

function temperatures(v: Values): number[] {
  return parseTemps(String(v.temps), Boolean(v.log));
}

const showProgress = (v: Values) => !v.quiet && (Boolean(v.progress) || Boolean(process.stderr.isTTY));

/** The analytic-DBM options shared by `dbm` and `sweep`. */
function analyticOptions(v: Values): AnalyticOptions {
  const order = v.order as number;
  if (order !== 1 && order !== 2) throw new InputError(`--order must be 1 or 2, got ${order}`);
  const factors = (v['dt-factors'] as string[]).map(Number);
  if (factors.some((f) => !(f > 0 && f <= 1))) throw new InputError(`--dt-factors must be numbers in (0, 1], got "${(v['dt-factors'] as string[]).join(',')}"`);
  // --dt 0 is the dt -> 0 limit itself: continuous imaginary time.
  const continuous = Boolean(v['continuous-time']) || v.dt === 0;
  if (!continuous && !((v.dt as number) > 0)) throw new InputError(`--dt must be positive and finite (or 0: continuous imaginary time), got ${String(v.dt)}`);
  return {
    ...AD,
    dt: v.dt as number,
    slices: v.slices as number | undefined,
    order,
    sweeps: v.sweeps as number,
    warmup: v.warmup as number,
    thin: v.thin as number,
    chains: v.chains as number,
    seed: v.seed as number,
    workers: v.workers as number,
    cluster: v.moves !== 'heatbath',
    clusterMove: v.moves === 'sw' ? 'sw' : 'wolff',
    traceBonds: v.moves !== 'sw',
    wolffFraction: v['wolff-fraction'] as number,
    ...(v['auto-thin'] ? { autoThin: true } : {}),
    extrapolate: v.extrapolate ? factors : undefined,
    ...(continuous ? { continuous: true } : {}),
    memoryLimit: v['max-memory'] === undefined ? undefined : (v['max-memory'] as number) * 2 ** 20,
  };
}

/** Numbers with 8 significant digits, trailing zeros dropped (0.5, not 0.50000000). */
const fmt = (x: unknown): string =>
  typeof x === 'number' ? String(Number(x.toPrecision(8))) : x === null || x === undefined ? '-' : String(x);

/** An aligned text table of rows (columns in first-seen key order). */
export function formatTable(rows: Array<Record<string, unknown>>): string {
  const keys: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!keys.includes(k)) keys.push(k);
  const cells = [keys, ...rows.map((r) => keys.map((k) => fmt(r[k])))];
  const width = keys.map((_, j) => Math.max(...cells.map((row) => row[j].length)));
  return cells.map((row) => row.map((c, j) => c.padStart(width[j])).join('  ')).join('\n');
}

/**
 * Warnings of a method's result: its own, and those that follow from its rows by the common rule
 * (stats/warnings.ts) for rows whose method did not apply it already (no `warnings` field).
 */
function resultWarnings(method: string, res: unknown, rows: Array<Record<string, unknown>>): string[] {
  const fromRows = rows.filter((r) => !('warnings' in r)).flatMap((r) => rowWarningsWithPlace(toRow(r, method).row as Row));
  return [...new Set([...warningsOf(res), ...fromRows])];
}

function emit(
  v: Values,
  out: { method: string; model: ModelSpec; rows: Array<Record<string, unknown>>; meta: Record<string, unknown> & { warnings: string[] } },
): void {
  if (!v.quiet) for (const w of out.meta.warnings) process.stderr.write(`pdbm: warning: ${w}\n`);
  // Every output states the operator convention its numbers are in (Pauli sigma or S = sigma/2).
  const convention = conventionOf(out.model);
  out = { ...out, meta: { convention, ...out.meta } };
  if (v.json) {
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }
  process.stdout.write(`# ${out.method} — model ${out.model.name} (${convention === 'pauli' ? 'Pauli matrices' : 'spin-1/2 operators S = sigma/2'})\n# ${String(out.meta.solver)}\n`);
  process.stdout.write(`${formatTable(out.rows)}\n`);
  process.stdout.write(`# ${Number(out.meta.seconds).toFixed(2)} s${out.meta.warnings.length ? `, ${out.meta.warnings.length} warning(s) (meta.warnings)` : ''}\n`);
}

/** Options of `pdbm train --deep K` (the deep network's in-thread driver), and its field for each. */
const DEEP_FIELDS: Record<string, keyof DeepTrainOptions> = {
  deep: 'deep', alpha: 'alpha', seed: 'seed', samples: 'samples', 'measure-samples': 'measureSamples', chains: 'chains', shift: 'shift', 'max-dbeta': 'maxDbeta',
};

/**
 * `pdbm train --deep K` on a TFIM model: the deep purified network (train/deep-driver.ts: hidden
 * layer summed, deep layer sampled in two copies). It runs in this thread, without checkpoints or
 * replicas; options it does not take are refused in one line, not ignored.
 */
async function runDeepTrain(v: Values, given: Set<string>, m: ModelSpec, overrides: unknown): Promise<void> {
  const allowed = new Set([...Object.keys(DEEP_FIELDS), 'model', 'set', 'size', 'temps', 'log', 'progress', 'quiet', 'json', 'help', 'workers']);
  for (const name of given) {
    if (!allowed.has(name)) throw new InputError(`--${name} does not apply with --deep; the deep network takes --${Object.keys(DEEP_FIELDS).join(', --')}`);
  }
  const T = temperatures(v);
  const opts: DeepTrainOptions = { ...defaultDeepOptions() };
  for (const [opt, field] of Object.entries(DEEP_FIELDS)) {
    // Only what the user gave (and the seed): the deep driver has its own defaults.
    if (given.has(opt) || opt === 'seed') (opts as unknown as Record<string, unknown>)[field] = v[opt];
  }
  checkTrainSteps(T, opts.maxDbeta);
  const t0 = performance.now();
  const res = trainDeep(m, T, opts);
  emit(v, {
    method: 'train', model: m, rows: res.rows,
    meta: {
      version: VERSION, ...res.meta, workers: 1,
      solver: `trained deep purified network (alpha ${opts.alpha ?? 'default'}, ${opts.deep} deep units per site), stochastic reconfiguration, ${res.meta.steps} steps`,
      seconds: (performance.now() - t0) / 1000, options: { ...opts, temps: T },
      ...(overrides ? { overrides } : {}),
      warnings: [
        'the deep network is experimental and runs in one thread: measured on the 16-site chain it is less accurate than the shallow network at equal cost (c +16% at T = 0.5, +125% at T = 0.3); error bars cover the final measurement only',
        ...resultWarnings('train', res, res.rows),
      ],
    },
  });
}

/** The budgets of a sweep's train method (TrainOptions fields, TRAIN_FIELDS) that the complex network has, and its field for each. */
const COMPLEX_SWEEP_FIELDS: Partial<Record<keyof TrainOptions, keyof ComplexTrainOptions>> = {
  samples: 'samples', measureSamples: 'measureSamples', maxMeasureSamples: 'maxMeasureSamples', measureRelErr: 'measureRelErr', measureRelErrC: 'measureRelErrC',
  chains: 'chains', shift: 'shift', shiftAbs: 'shiftAbs', maxDbeta: 'dbeta', relDbeta: 'relDbeta', replicas: 'replicas',
};

/**
 * A sweep's train budgets (`trainFields(v, 'train-', true)`) for the complex network (xxz models):
 * the ones it has are renamed, any other one is refused in one line naming the option (its
 * meaning for the TFIM network has no counterpart, e.g. --train-samples counts all chains there).
 */
function complexSweepOptions(t: Partial<TrainOptions>): Partial<ComplexTrainOptions> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(t)) {
    const to = COMPLEX_SWEEP_FIELDS[field as keyof TrainOptions];
    if (to === undefined) {
      const opt = Object.entries(TRAIN_FIELDS).find(([, f]) => f === field)?.[0] ?? field;
      const takes = Object.keys(COMPLEX_SWEEP_FIELDS).map((f) => `--train-${Object.entries(TRAIN_FIELDS).find(([, x]) => x === f)![0]}`);
      throw new InputError(`--train-${opt} applies to the TFIM network only; for xxz models the train method takes ${takes.join(', ')} (and --alpha)`);
    }
    out[to] = value;
  }
  return perChainBudgets(out as Partial<ComplexTrainOptions>);
}

/**
 * `pdbm train` on an xxz model: the complex purified network (train/complex-driver.ts). It takes a
 * subset of the options (COMPLEX_FIELDS); any other option given is refused in one line, rather than
 * silently ignored. Its accuracy is not yet at the level of the TFIM network, which meta.warnings says.
 */
async function runComplexTrain(v: Values, given: Set<string>, m: ModelSpec, overrides: unknown): Promise<void> {
  const takes = [...Object.keys(COMPLEX_FIELDS), 'sign', 'inversion', ...Object.keys(COMPLEX_SWITCHES), 'exact-moments'];
  const allowed = new Set([...takes, 'model', 'set', 'size', 'temps', 'log', 'progress', 'quiet', 'json', 'help']);
  for (const name of given) {
    if (!allowed.has(name)) throw new InputError(`--${name} applies to the TFIM network only; for xxz models train takes --${takes.join(', --')}`);
  }
  const T = temperatures(v);
  const opts: Partial<ComplexTrainOptions> = {};
  for (const [opt, field] of Object.entries(COMPLEX_FIELDS)) {
    // Only what the user gave: the complex network has its own defaults (defaultComplexTrainOptions).
    if (given.has(opt) || opt === 'seed' || opt === 'workers') (opts as Record<string, unknown>)[field] = v[opt];
  }
  if (given.has('sign')) {
    if (given.has('marshall') && v.sign !== 'marshall') throw new InputError(`--marshall and --sign ${String(v.sign)} contradict each other`);
    opts.marshall = v.sign === 'auto' ? 'auto' : v.sign === 'marshall';
    if (v.sign === 'path') opts.pathSign = true;
  }
  opts.inversion = inversionOption(v);
  for (const [opt, key] of Object.entries(COMPLEX_SWITCHES)) if (given.has(opt)) (opts as Record<string, unknown>)[key] = switchValue(v, opt);
  if (checkExactMoments(v, given)) opts.exact = true;
  const t0 = performance.now();
  const perChain = perChainBudgets(opts);
  const progress = new Progress('pdbm train', showProgress(v));
  const res = await trainComplexThermo(m, T, perChain, (d, t) => progress.update(d, t));
  const rows = res.rows as Array<Record<string, unknown>>;
  const warnings = [
    `the complex network for xxz models is experimental: measured against exact on 16-site Heisenberg and XXZ chains for T >= 0.2 with 3 replicas (alpha 4), e within 0.4% from T = 5 to 0.8 (1.2 bars) and 0.06-0.48% below exact at T <= 0.5 (a systematic error, up to 10 bars), c within 3.5% (a single run: e up to 0.7% off at T = 1 and 0.4% at T <= 0.5, c within 4.3%; ${LARGER_SAMPLE_MEASURED}), and on the frustrated J1-J2 4x4 (path sign, point-group average, alpha 4 with 3 replicas) e 0.3-1.2% too high for T >= 2, 2.3% at T = 1.2 and 5.5-9.4% below (c 22-27% low at T = 0.77 and 0.48), where the network fails (one replica of three failed from T = 1.2 down, warned and left out); ${
      opts.exact
        ? exactMomentsNote(res.meta.replicas)
        : res.meta.replicas > 1 ? `error bars cover the scatter of ${res.meta.replicas} evolutions and the measurement` : 'error bars cover the final measurement only, not the scatter of the evolution (--replicas 3 adds it)'
    }`,
    ...resultWarnings('train', res, rows),
  ];
  emit(v, {
    method: 'train', model: m, rows,
    meta: {
      version: VERSION, ...res.meta,
      solver: `trained complex purified network (alpha ${opts.alpha ?? defaultComplexTrainOptions().alpha}), stochastic reconfiguration${opts.exact ? ' with exact moments (the Sz(s) = Sz(a) sector enumerated, nothing sampled)' : ''}, sign ${res.meta.sign}${(opts.marshall ?? 'auto') === 'auto' ? ' (chosen by --sign auto)' : ''}`,
      seconds: (performance.now() - t0) / 1000, options: { ...defaultComplexTrainOptions(), ...perChain, temps: T },
      ...(overrides ? { overrides } : {}), warnings,
    },
  });
}

/** The trained-DBM method inside a sweep: defaults, the sweep's budgets, checkpointed into the result directory. */
const trainRunner: TrainRunner = async (m, temps, req) => {
  const resume = req.resume && existsSync(req.checkpoint);
  if (m.hamiltonian.kind === 'xxz') {
    // The complex network (its own defaults; the budgets it has, checked before the sweep started;
    // --inversion rides with them only when given, the switches only when on: off without a key).
    const { inversion, ...budgets } = req.options as Record<string, unknown>;
    const switches: Partial<Record<ComplexSwitch, boolean>> = {};
    for (const key of Object.values(COMPLEX_SWITCHES)) {
      switches[key] = budgets[key] === true;
      delete budgets[key];
    }
    const res = await trainComplexThermo(m, temps, {
      ...complexSweepOptions(budgets as Partial<TrainOptions>), ...(req.alpha !== undefined ? { alpha: req.alpha } : {}),
      ...(inversion !== undefined ? { inversion: inversion as boolean | 'auto' } : {}),
      ...switches,
      seed: req.seed, workers: req.workers, checkpoint: req.checkpoint, resume,
    }, req.onProgress);
    // The sign structure and the symmetries go with every row into the unit's details (meta.json),
    // not into the rows; the switches only when on (the point group as its order), so that earlier
    // sweeps' details are unchanged.
    const on = Object.fromEntries(Object.entries(switches).filter(([, x]) => x).map(([k]) => [k, k === 'pointGroup' ? res.meta.pointGroup : true]));
    return { ...res, rows: res.rows.map((r) => ({ ...r, sign: res.meta.sign, inversion: res.meta.inversion, ...on })) };
  }
  const res = await trainThermo(
    m,
    temps,
    {
      ...TD, ...(req.options as Partial<TrainOptions>), alpha: req.alpha, seed: req.seed, workers: req.workers,
      checkpoint: req.checkpoint, resume,
    },
    req.onProgress,
  );
  return { ...res, rows: res.rows.map((r) => ({ ...r })) };
};

/**
 * `npm start` (`pdbm sweep --default`): all three methods on the 8-site critical chain, 8
 * temperatures, in under a minute on a loaded 2-core machine. Budgets, measured: the trained
 * network needs >= 1500 measurements per imaginary-time step here, since with 800 the sampling
 * noise of the early steps biases e at T >= 3 by ~5 sigma (a real systematic error, not chance);
 * one measurement batch of 16000 per temperature (no error-target loop) bounds its run time.
 */
const START_PRESET: Values = {
  model: fileURLToPath(new URL('../../models/chain-16.json', import.meta.url)),
  size: '8',
  methods: ['exact', 'dbm', 'train'],
  temps: '0.5:5:8',
  log: true,
  sweeps: 3000,
  warmup: 200,
  // dt^2 extrapolation, so that no dbm number carries an unmeasured Trotter bias.
  extrapolate: true,
  'train-samples': 2000,
  'train-measure-samples': 16000,
  'train-max-measure-samples': 0,
  'train-max-dbeta': 0.05,
  out: 'results/_start',
  resume: true,
  progress: true,
};

export const COMMANDS: Record<CommandName, Command> = {
  exact: {
    usage: 'pdbm exact --model FILE --temps 0.5,1,2 [--solver auto|free-fermion|blocks|full|ftlm] [--json]',
    options: [
      ...MODEL, temps('0.5,1,2'), O.log,
      { name: 'solver', aliases: ['method'], type: 'string', default: 'auto', choices: EXACT_METHODS, help: 'exact method' },
      { name: 'vectors', type: 'int', min: 1, defaultText: "the solver's, shown in meta.solver", help: 'FTLM random vectors' },
      { name: 'steps', type: 'int', min: 1, defaultText: "the solver's, shown in meta.solver", help: 'FTLM Lanczos steps' },
      O.seed, O.quiet, O.json, O.help,
    ],
    async run({ values: v }) {
      const { model: m, overrides } = loadModelWithOverrides(v);
      const T = temperatures(v);
      const t0 = performance.now();
      const progress = new Progress('pdbm exact', showProgress(v));
      const res = exactThermo(makeHamiltonian(m), T, {
        onProgress: showProgress(v) ? (d, t) => progress.update(d, t) : undefined,
        method: v.solver as ExactMethod, vectors: v.vectors as number | undefined, steps: v.steps as number | undefined, seed: v.seed as number,
      });
      const rows = res.rows as unknown as Array<Record<string, unknown>>;
      emit(v, {
        method: 'exact', model: m, rows,
        meta: {
          version: VERSION, solver: res.solver, exact_method: res.method, convention: res.convention,
          ...(res.E0_per_site !== undefined ? { E0_per_site: res.E0_per_site } : {}), seconds: (performance.now() - t0) / 1000,
          ...(overrides ? { overrides } : {}), warnings: resultWarnings('exact', res, rows),
        },
      });
    },
  },
  dbm: {
    usage: 'pdbm dbm --model FILE --temps 0.5,1,2 [--dt 0.05] [--sweeps N] [--seed S] [--workers W] [--json]',
    options: [
      ...MODEL,
      { name: 'network', type: 'string', arg: 'FILE', help: 're-sample a saved network (pdbm build or pdbm train) at its temperature' },
      temps('0.5,1,2'), O.log, ...ANALYTIC, O.seed, O.workers, ...TAIL,
    ],
    async run({ values: v, given }) {
      const { model: m, overrides } = loadModelWithOverrides(v);
      const opts = analyticOptions(v);
      requireTfim('dbm', m, 'the analytic network is built for the transverse-field Ising model');
      const progress = new Progress('pdbm dbm', showProgress(v));
      const t0 = performance.now();
      const network = str(v, 'network');
      if (network !== undefined) {
        if (given.has('temps')) throw new InputError('--network samples the network at its own temperature: drop --temps');
        const net = loadNetwork(network);
        const res = await sampleNetwork(m, net, opts, (d, t) => progress.update(d, t));
        const seconds = (performance.now() - t0) / 1000;
        const rows = [res.row] as Array<Record<string, unknown>>;
        emit(v, {
          method: 'dbm', model: m, rows,
          meta: {
            version: VERSION, solver: `saved network ${network} re-sampled, ${opts.chains} chains x ${opts.sweeps} measurements`,
            seconds, spin_updates: res.spinUpdates, updates_per_second: res.spinUpdates / seconds, network: net.info,
            ...(overrides ? { overrides } : {}), warnings: resultWarnings('dbm', res, rows),
          },
        });
        return;
      }
      const T = temperatures(v);
      const memory = checkAnalyticMemory(m, T, opts);
      const res = await analyticThermo(m, T, opts, (d, t) => progress.update(d, t));
      const seconds = (performance.now() - t0) / 1000;
      emit(v, {
        method: 'dbm', model: m, rows: res.rows,
        meta: {
          version: VERSION,
          solver: opts.continuous
            ? `analytic purified DBM in continuous imaginary time (dt -> 0), Swendsen-Wang cluster updates, ${opts.chains} chains x ${opts.sweeps} measurements per temperature`
            : `analytic purified DBM, order-${opts.order} Trotter, ${MOVES[v.moves as string]} moves, ${opts.chains} chains x ${opts.sweeps} measurements per temperature${opts.extrapolate ? `, extrapolated in dt^2 from dt x ${opts.extrapolate.join(', ')}` : ''}`,
          ...res.meta,
          seconds, spin_updates: res.spinUpdates, cluster_moves: res.clusterMoves,
          updates_per_second: res.spinUpdates / seconds,
          memory_estimate: formatBytes(memory.bytes),
          options: { ...opts, temps: T },
          ...(overrides ? { overrides } : {}),
          warnings: resultWarnings('dbm', res, res.rows),
        },
      });
    },
  },
  train: {
    usage: 'pdbm train --model FILE --temps 5,2,1,0.5 [--alpha 2] [--samples N] [--seed S] [--workers W] [--checkpoint F [--resume]] [--json]',
    options: [
      ...MODEL, temps('5,2,1,0.5'), O.log, ALPHA, ...TRAIN, O.seed, O.workers,
      { name: 'checkpoint', type: 'string', arg: 'FILE', help: 'save parameters, chains and driver state every 10 steps and at the end' },
      { name: 'resume', type: 'bool', help: 'continue from --checkpoint (same result as an uninterrupted run)' },
      { name: 'save-network', type: 'string', arg: 'FILE', help: 'save the final network ("{T}" in the name: one file per temperature)' },
      { name: 'sign', type: 'string', default: 'auto', choices: ['auto', 'marshall', 'path', 'none'], help: 'xxz models: sign prefactor of the amplitude; marshall: (-1)^(up spins on sublattice B) on s and a (bipartite lattices); path: (-1)^(fewest exchanges from a to s), the exact sign at high T of any antiferromagnet, frustrated or not (measured on the J1-J2 4x4 torus: wrong on 5e-5 of the weight at T = 1.2, 1.4e-3 at 0.77, 1.6% at 0.48, 7.5% at 0.3); auto: marshall for unfrustrated antiferromagnets (J > 0, J2 = 0, bipartite), path for other antiferromagnets (frustrated), else none; none: every phase learned' },
      { name: 'marshall', type: 'bool', help: 'xxz models: same as --sign marshall' },
      INVERSION,
      POINT_GROUP,
      ANCILLA_FLIP,
      FRESH_CHAINS,
      EXACT_MOMENTS,
      { name: 'deep', type: 'int', min: 0, default: 0, help: 'TFIM: deep units per site (experimental, one thread; measured less accurate than the default shallow network at equal cost, see results/deep-vs-shallow.md)' },
      ...TAIL,
    ],
    async run({ values: v, given }) {
      const { model: m, overrides } = loadModelWithOverrides(v);
      if (m.hamiltonian.kind === 'xxz') {
        if (given.has('deep')) throw new InputError('--deep applies to the TFIM network only');
        return runComplexTrain(v, given, m, overrides);
      }
      if ((v.deep as number) > 0) return runDeepTrain(v, given, m, overrides);
      for (const x of ['marshall', 'sign', 'inversion', ...Object.keys(COMPLEX_SWITCHES)]) if (given.has(x)) throw new InputError(`--${x} applies to xxz models (the TFIM network is positive)`);
      const T = temperatures(v);
      const checkpoint = str(v, 'checkpoint');
      const saveNetwork = str(v, 'save-network');
      if (v.resume && checkpoint === undefined) throw new InputError('--resume needs --checkpoint FILE');
      // Output paths are checked now, not after a run of minutes.
      if (checkpoint !== undefined && !(v.resume && existsSync(checkpoint))) checkOutputFile(checkpoint, '--checkpoint');
      if (saveNetwork !== undefined) checkOutputFile(saveNetwork.replaceAll('{T}', String(T[0])), '--save-network');
      const opts: TrainOptions = {
        ...TD, ...trainFields(v, '', false),
        alpha: v.alpha as number | undefined, seed: v.seed as number, workers: v.workers as number,
        checkpoint, resume: Boolean(v.resume), saveNetwork, exact: checkExactMoments(v, given),
      };
      checkTrainSteps(T, opts.maxDbeta);
      const progress = new Progress('pdbm train', showProgress(v));
      const t0 = performance.now();
      const res = await trainThermo(m, T, opts, (d, t) => progress.update(d, t));
      emit(v, {
        method: 'train', model: m, rows: res.rows,
        meta: {
          version: VERSION,
          ...res.meta,
          sr_solver: res.meta.solver,
          solver: `trained purified DBM (alpha ${res.meta.alpha}), stochastic reconfiguration with ${res.meta.solver} solve${opts.exact ? ', exact moments (all 4^N configurations enumerated, nothing sampled)' : ''}, ${res.meta.steps} steps, c from the energy flow${res.meta.solver === 'cg' ? ' (not with cg: variance)' : ' (c_var: the variance of E_loc)'}`,
          seconds: (performance.now() - t0) / 1000,
          options: { ...opts, temps: T },
          ...(overrides ? { overrides } : {}),
          warnings: [...(opts.exact ? [exactMomentsNote(res.meta.replicas)] : []), ...resultWarnings('train', res, res.rows)],
        },
      });
    },
  },
  sweep: {
    usage: 'pdbm sweep --model FILE --methods exact,dbm --temps 0.3:5:24 [--log] --out results/NAME [--resume] [--shard i/n]',
    options: [
      { name: 'default', type: 'bool', help: 'the npm start preset (8-site chain, all three methods, about a minute, into results/_start/, resumes by itself); other options override it' },
      ...MODEL,
      { name: 'methods', aliases: ['method'], type: 'list', default: ['exact', 'dbm'], help: `any of ${SWEEP_METHODS.join(',')}` },
      temps('0.3:5:12'), O.log,
      { name: 'out', type: 'string', arg: 'DIR', defaultText: 'results/<model name>, plus -grid-L<sizes>-<parameter> for grid sweeps', help: 'result directory (locked while the sweep runs)' },
      { name: 'resume', type: 'bool', help: 'continue the interrupted sweep in DIR (same options required)' },
      { name: 'overwrite', type: 'bool', help: 'replace a finished or interrupted sweep in DIR' },
      { name: 'shard', type: 'string', arg: 'i/n', defaultText: 'from SLURM_ARRAY_TASK_ID/COUNT when set', help: 'run the points (temperatures, or grid points) with index = i mod n; join shards with pdbm merge' },
      { name: 'sizes', type: 'list', arg: 'L1,L2,...', help: 'linear sizes of a grid sweep (L x L on a 2D lattice); rows carry L' },
      { name: 'vary', type: 'string', arg: 'KEY=lo:hi:n', help: 'a Hamiltonian parameter to vary: KEY=lo:hi:count or KEY=v1,v2,...; rows carry param' },
      { name: 'beta-per-L', type: 'number', arg: 'b', help: 'with --sizes: T = 1 / (b L) for each size, instead of --temps' },
      ...ANALYTIC, ALPHA, INVERSION, POINT_GROUP, ANCILLA_FLIP, FRESH_CHAINS, ...SWEEP_TRAIN, O.seed, O.workers, ...TAIL,
    ],
    epilogue: `Writes data.csv, data.json, meta.json, energy.svg, specific-heat.svg, report.md. Exit status 3 when a
unit of work failed twice (it is listed in meta.json and report.md).

Grid sweeps (--sizes, --vary, --beta-per-L): one unit per (size, parameter value, temperature), in
that order (it fixes the random streams, so shards and resumes give the same numbers); rows carry
L and param, meta.json and data.json say which parameter varies; binder.svg replaces the plots
against T. Example: --sizes 8,12,16 --vary Gamma=2.95:3.14:9 --beta-per-L 1 --methods dbm; then
pdbm crossing DIR.`,
    async run({ values: v, given }) {
      if (v.default) {
        // The preset's --size belongs to its model: a user's --model comes without it.
        const skip = given.has('model') ? ['size'] : [];
        for (const [k, x] of Object.entries(START_PRESET)) if (!given.has(k) && !skip.includes(k)) v[k] = x;
      }
      const { model: m, overrides } = loadModelWithOverrides(v);
      const grid = gridFromOptions({
        sizes: v.sizes as string[] | undefined, vary: str(v, 'vary'), betaPerL: v['beta-per-L'] as number | undefined, tempsGiven: given.has('temps'),
      });
      // With --beta-per-L the temperatures follow from the sizes (the sweep records them).
      const T = grid?.betaPerL !== undefined ? [1] : temperatures(v);
      const methods = v.methods as SweepMethod[];
      for (const x of methods) if (!SWEEP_METHODS.includes(x)) throw new InputError(`--methods: unknown method "${x}" (known: ${SWEEP_METHODS.join(', ')})`);
      if (methods.includes('dbm')) requireTfim('sweep', m, 'the dbm method (analytic network) is built for the transverse-field Ising model');
      const trainOptions: Record<string, unknown> = methods.includes('train') ? trainFields(v, 'train-', true) : {};
      if (methods.includes('train') && m.hamiltonian.kind === 'xxz') {
        // The complex network has other defaults (8 chains, not 16): an option given with the TFIM
        // default's value still counts. Budgets it does not have are refused before any work.
        for (const [opt, field] of Object.entries(TRAIN_FIELDS)) if (given.has(`train-${opt}`)) trainOptions[field] = v[`train-${opt}`];
        complexSweepOptions(trainOptions);
      }
      if (given.has('inversion')) {
        if (!methods.includes('train') || m.hamiltonian.kind !== 'xxz') throw new InputError('--inversion applies to the train method on xxz models');
        // Only when given, so that the fingerprints of sweeps made before it existed are unchanged.
        trainOptions.inversion = inversionOption(v);
      }
      for (const opt of Object.keys(COMPLEX_SWITCHES)) {
        if (given.has(opt) && (!methods.includes('train') || m.hamiltonian.kind !== 'xxz')) throw new InputError(`--${opt} applies to the train method on xxz models`);
      }
      if (methods.includes('train') && m.hamiltonian.kind === 'xxz') {
        // The switches a unit runs with (given or default, auto resolved for the sweep's model), in
        // the fingerprint only when on: a sweep made before a switch existed, or before it became a
        // default, ran with it off and has no key.
        const given1 = Object.fromEntries(Object.entries(COMPLEX_SWITCHES).filter(([opt]) => given.has(opt)).map(([opt, key]) => [key, switchValue(v, opt)]));
        for (const [key, on] of Object.entries(complexSwitches(m, given1))) if (on) trainOptions[key] = true;
      }
      const { seed, workers, ...dbm } = analyticOptions(v);
      // A grid's default directory says it is a grid (the model file's own size is not what ran).
      const gridName = grid ? `-grid${grid.sizes ? `-L${grid.sizes.join('_')}` : ''}${grid.vary ? `-${grid.vary.key}` : ''}` : '';
      const out = str(v, 'out') ?? `results/${m.name}${gridName}`;
      if (v.resume && v.overwrite) throw new InputError('give --resume or --overwrite, not both');
      if (methods.includes('train')) checkTrainSteps(T, v['train-max-dbeta'] as number, '--train-max-dbeta');
      const outcome = await runSweep({
        model: m, ...(grid ? { grid } : {}), methods, temps: T, logT: Boolean(v.log), out, resume: Boolean(v.resume), overwrite: Boolean(v.overwrite),
        restartOnChange: Boolean(v.default), shard: parseShard(str(v, 'shard')),
        seed, workers, dbm,
        progress: showProgress(v), notes: !v.quiet, version: VERSION, train: trainRunner, alpha: v.alpha as number | undefined,
        trainOptions,
        extraMeta: overrides ? { overrides } : {},
      });
      const summary = {
        dir: outcome.dir,
        files: ['data.csv', 'data.json', 'meta.json', ...plotFiles({ grid: outcome.grid }), 'report.md'],
        rows: outcome.rows,
        all_agree_with_exact: outcome.allAgree,
        failures: outcome.failures,
        warnings: outcome.warnings,
        verdict: outcome.verdict,
      };
      if (!v.quiet) for (const w of outcome.warnings) process.stderr.write(`pdbm: warning: ${w}\n`);
      if (v.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else process.stdout.write(`results in ${outcome.dir}/ (${summary.files.join(', ')})\n${outcome.verdict}\n`);
      return outcome.failures > 0 ? 3 : 0;
    },
  },
  merge: {
    usage: 'pdbm merge results/NAME-0 results/NAME-1 ... --out results/NAME',
    options: [{ name: 'out', type: 'string', arg: 'DIR', help: 'merged result directory' }, O.quiet, O.json, O.help],
    positionals: true,
    epilogue: 'DIRS...: the shard result directories (all shards of one sweep).',
    async run({ values: v, positionals }) {
      const out = str(v, 'out');
      if (out === undefined) throw new InputError('--out DIR is required');
      const res = await mergeResults(positionals, out, VERSION);
      const summary = { dir: out, rows: res.rows, all_agree_with_exact: res.allAgree, warnings: res.warnings, verdict: res.verdict };
      if (!v.quiet) for (const w of res.warnings) process.stderr.write(`pdbm: warning: ${w}\n`);
      process.stdout.write(v.json ? `${JSON.stringify(summary)}\n` : `merged ${positionals.length} shards into ${out}/ (${res.rows} rows)\n${res.verdict}\n`);
    },
  },
  crossing: {
    usage: 'pdbm crossing DIR [--parameter Gamma] [--method dbm] [--T X] [--out DIR] [--json]',
    options: [
      { name: 'parameter', type: 'string', arg: 'NAME', defaultText: 'the one the sweep varied', help: 'name of the varied parameter' },
      { name: 'method', type: 'string', default: 'dbm', help: 'whose U4 values to use (rows of this method)' },
      { name: 'T', type: 'number', arg: 'X', help: 'the temperature to use when the sweep has several per size' },
      { name: 'window', type: 'int', min: 2, default: 4, help: 'grid points around the sign change in the fit of U4(L2) - U4(L1)' },
      { name: 'degree', type: 'int', min: 1, default: 1, arg: '1|2', help: 'degree of that fit' },
      { name: 'exponent', type: 'number', default: 1, arg: 'p', help: 'extrapolation of the crossings in L^-p with L = sqrt(L1 L2)' },
      { name: 'replicas', type: 'int', min: 10, default: 400, help: 'parametric bootstrap replicas for the errors' },
      O.seed,
      { name: 'out', type: 'string', arg: 'DIR', defaultText: 'DIR itself', help: 'where crossing.json and binder.svg go' },
      O.quiet, O.json, O.help,
    ],
    positionals: true,
    epilogue: `DIR: a result set of pdbm sweep --sizes ... --vary KEY=... (or pdbm merge of its shards).
Writes crossing.json { parameter, pairs: [{ L1, L2, x, x_err }], estimate: { <KEY>_c, <KEY>_c_err, method } }
and binder.svg (U4 against the parameter for every L, crossings marked).`,
    async run({ values: v, positionals }) {
      if (positionals.length !== 1) throw new InputError(`crossing needs exactly one result directory, got ${positionals.length}`);
      const degree = v.degree as number;
      if (degree !== 1 && degree !== 2) throw new InputError(`--degree must be 1 or 2, got ${degree}`);
      const { crossingOfResultSet } = await import('../sweep/crossing-files.ts');
      const res = await crossingOfResultSet(positionals[0], {
        parameter: str(v, 'parameter'), method: v.method as string, T: v.T as number | undefined, out: str(v, 'out'),
        window: v.window as number, degree, exponent: v.exponent as number, replicas: v.replicas as number, seed: v.seed as number,
      });
      if (!v.quiet) for (const w of res.warnings) process.stderr.write(`pdbm: warning: ${w}\n`);
      const out = str(v, 'out') ?? positionals[0];
      if (v.json) {
        process.stdout.write(`${JSON.stringify({ dir: out, files: res.files, parameter: res.parameter, pairs: res.pairs, estimate: res.estimate, temperatures: res.temperatures, warnings: res.warnings })}\n`);
        return;
      }
      const p = res.parameter;
      process.stdout.write(`# Binder crossings in ${p} (${out}/crossing.json)\n`);
      process.stdout.write(`${formatTable(res.pairs.map((c) => ({ L1: c.L1, L2: c.L2, [p]: c.x, [`${p}_err`]: c.x_err })))}\n`);
      process.stdout.write(`# ${p}_c = ${fmt(res.estimate[`${p}_c`])} ± ${fmt(res.estimate[`${p}_c_err`])}: ${String(res.estimate.method)}\n`);
    },
  },
  build: {
    usage: 'pdbm build --model FILE --temps 1 [--dt 0.05 | --slices n] [--order 2] --out FILE',
    options: [
      ...MODEL,
      { name: 'temps', aliases: ['T'], type: 'number', arg: 'X', help: 'temperature (or --beta)' },
      { name: 'beta', type: 'number', arg: 'X', help: 'inverse temperature' },
      ...ANALYTIC.filter((s) => ['dt', 'slices', 'order', 'max-memory'].includes(s.name)),
      { name: 'out', type: 'string', arg: 'FILE', help: 'where to write the network (written atomically)' },
      O.json, O.help,
    ],
    async run({ values: v }) {
      const { model: m } = loadModelWithOverrides(v);
      requireTfim('build', m, 'the analytic network is built for the transverse-field Ising model');
      const out = str(v, 'out');
      if (out === undefined) throw new InputError('--out FILE is required');
      if ((v.temps === undefined) === (v.beta === undefined)) throw new InputError('give exactly one of --temps (--T) and --beta');
      const beta = v.temps !== undefined ? 1 / (v.temps as number) : (v.beta as number);
      if (!(beta > 0) || !Number.isFinite(beta)) throw new InputError('the temperature must be positive and finite');
      const order = v.order as number;
      if (order !== 1 && order !== 2) throw new InputError(`--order must be 1 or 2, got ${order}`);
      checkOutputFile(out, '--out');
      checkAnalyticMemory(m, [1 / beta], {
        dt: v.dt as number, slices: v.slices as number | undefined, workers: 1, chains: 1,
        memoryLimit: v['max-memory'] === undefined ? undefined : (v['max-memory'] as number) * 2 ** 20,
      });
      const net = buildTrotterDbm(makeTfim(m), { beta, dt: v.dt as number, slices: v.slices as number | undefined, order });
      // Checksummed, so that `pdbm dbm --network` refuses an edited or damaged file.
      writeChecksummedJson(out, dbmToJson(net) as unknown as Record<string, unknown>);
      const layers = [0, 0, 0, 0];
      for (const l of net.layer) layers[l]++;
      const summary = { out, units: net.nUnits, edges: net.edgeA.length, physical: layers[0], ancilla: layers[1], hidden: layers[2], deep: layers[3], ...net.info };
      process.stdout.write(v.json ? `${JSON.stringify(summary)}\n` : `${formatTable([summary])}\n`);
    },
  },
};

/** The help of one command, generated from its option table. */
export function commandHelp(name: CommandName): string {
  const c = COMMANDS[name];
  return `usage: ${c.usage}\n\n${SUMMARIES[name]}\n\n${helpText(c.options)}\n${c.epilogue ? `\n${c.epilogue}\n` : ''}`;
}


export { parseOptions };
