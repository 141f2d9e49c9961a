/**
 * The `pdbm` command line. Every user error is one line on stderr (`pdbm: ...`) with exit status 2
 * and nothing on stdout; `--json` makes stdout a single JSON object; progress goes to stderr only on
 * a terminal or with `--progress`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { analyticThermo, checkSampling, defaultAnalyticOptions, type AnalyticOptions } from '../methods/analytic-dbm.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { dbmToJson } from '../dbm/network.ts';
import { InputError } from '../util/errors.ts';
import { EXACT_METHODS, exactThermo, type ExactMethod } from '../exact/solver.ts';
import { makeTfim } from '../model/hamiltonian.ts';
import { loadModel, type ModelSpec } from '../model/model.ts';
import { Progress } from '../util/progress.ts';
import { parseTemps } from './temps.ts';
import { defaultTrainOptions, trainThermo, type TrainOptions } from '../train/driver.ts';
import { loadNetwork, sampleNetwork } from '../methods/saved-network.ts';
import { buildTrotterDbm, trotterSteps } from '../dbm/trotter.ts';
import { mergeResults } from '../sweep/merge.ts';
import { parseShard, runSweep, SWEEP_METHODS, type SweepMethod, type TrainRunner } from '../sweep/sweep.ts';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | undefined>;

export const VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

interface Command {
  summary: string;
  usage: string;
  options: Options;
  /** Whether the command takes positional arguments (merge: directories). */
  positionals?: boolean;
  help: string;
  /** Resolves to the exit status (0 when nothing is returned). */
  run(v: Values, positionals: string[]): Promise<number | void>;
}

/** The trained-DBM method inside a sweep: default options, checkpointed into the result directory. */
const trainRunner: TrainRunner = async (m, temps, seed, workers, checkpoint, resume, alpha) => {
  const res = await trainThermo(m, temps, { ...defaultTrainOptions(), alpha, seed, workers, checkpoint, resume: resume && existsSync(checkpoint) });
  return res.rows.map((r) => ({ ...r, method: 'train' }));
};

const COMMON: Options = {
  model: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const TEMPS: Options = { temps: { type: 'string' }, log: { type: 'boolean' } };

const SAMPLING: Options = {
  sweeps: { type: 'string' },
  warmup: { type: 'string' },
  thin: { type: 'string' },
  chains: { type: 'string' },
  seed: { type: 'string' },
  workers: { type: 'string' },
  moves: { type: 'string' },
  progress: { type: 'boolean' },
};

const TROTTER: Options = {
  dt: { type: 'string' },
  slices: { type: 'string' },
  order: { type: 'string' },
};

function num(v: Values, name: string, def?: number): number {
  const s = v[name];
  if (s === undefined) {
    if (def === undefined) throw new InputError(`--${name} is required`);
    return def;
  }
  const x = Number(s);
  if (typeof s !== 'string' || s.trim() === '' || !Number.isFinite(x)) throw new InputError(`--${name}: "${s}" is not a finite number`);
  return x;
}

function optionalNum(v: Values, name: string): number | undefined {
  return v[name] === undefined ? undefined : num(v, name);
}

function model(v: Values): ModelSpec {
  if (typeof v.model !== 'string') throw new InputError('--model FILE is required');
  return loadModel(v.model);
}

function order(v: Values): 1 | 2 {
  const o = num(v, 'order', 2);
  if (o !== 1 && o !== 2) throw new InputError(`--order must be 1 or 2, got ${o}`);
  return o;
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

function emit(v: Values, out: { method: string; model: ModelSpec; rows: Array<Record<string, unknown>>; meta: Record<string, unknown> }): void {
  if (v.json) {
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }
  process.stdout.write(`# ${out.method} — model ${out.model.name}\n# ${String(out.meta.solver)}\n`);
  process.stdout.write(`${formatTable(out.rows)}\n`);
  process.stdout.write(`# ${Number(out.meta.seconds).toFixed(2)} s\n`);
}

/** The analytic-DBM options shared by `dbm` and `sweep`. */
function analyticOptions(v: Values): AnalyticOptions {
  const def = defaultAnalyticOptions();
  const moves = String(v.moves ?? 'cluster');
  if (moves !== 'cluster' && moves !== 'heatbath') throw new InputError(`--moves must be cluster or heatbath, got "${moves}"`);
  const factors = v['dt-factors'] === undefined ? [1, 0.75, 0.5] : String(v['dt-factors']).split(',').map(Number);
  if (factors.some((f) => !(f > 0 && f <= 1))) throw new InputError(`--dt-factors must be numbers in (0, 1], got "${String(v['dt-factors'])}"`);
  const opts: AnalyticOptions = {
    ...def,
    dt: optionalNum(v, 'dt') ?? def.dt,
    slices: optionalNum(v, 'slices'),
    order: order(v),
    sweeps: num(v, 'sweeps', def.sweeps),
    warmup: num(v, 'warmup', def.warmup),
    thin: num(v, 'thin', def.thin),
    chains: num(v, 'chains', def.chains),
    seed: num(v, 'seed', def.seed),
    workers: num(v, 'workers', def.workers),
    cluster: moves === 'cluster',
    extrapolate: v.extrapolate ? factors : undefined,
  };
  checkSampling(opts);
  if (opts.slices === undefined) trotterSteps({ beta: 1, dt: opts.dt });
  return opts;
}

const COMMANDS: Record<string, Command> = {
  exact: {
    summary: 'exact e and c per site from the spectrum (free fermions, symmetry blocks, full ED or FTLM)',
    usage: 'pdbm exact --model FILE --temps 0.5,1,2 [--method auto|free-fermion|blocks|full|ftlm] [--json]',
    options: { ...COMMON, ...TEMPS, method: { type: 'string' }, vectors: { type: 'string' }, steps: { type: 'string' }, seed: { type: 'string' } },
    help: `  --model FILE     model file (models/*.json)
  --temps LIST     temperatures: 0.5,1,2 or lo:hi:count (default 0.5,1,2)
  --log            geometric spacing for lo:hi:count
  --method M       auto (default), free-fermion, blocks, full or ftlm
  --vectors R      FTLM random vectors (default 40)
  --steps M        FTLM Lanczos steps (default 80)
  --seed S         FTLM seed (default 1)
  --json           one JSON object on stdout`,
    async run(v) {
      const m = model(v);
      const temps = parseTemps(String(v.temps ?? '0.5,1,2'), Boolean(v.log));
      const method = String(v.method ?? 'auto') as ExactMethod;
      if (!EXACT_METHODS.includes(method)) throw new InputError(`--method: unknown method "${method}" (known: ${EXACT_METHODS.join(', ')})`);
      const t0 = performance.now();
      const res = exactThermo(makeTfim(m), temps, {
        method, vectors: optionalNum(v, 'vectors'), steps: optionalNum(v, 'steps'), seed: optionalNum(v, 'seed'),
      });
      emit(v, {
        method: 'exact', model: m, rows: res.rows as unknown as Array<Record<string, unknown>>,
        meta: { version: VERSION, solver: res.solver, exact_method: res.method, seconds: (performance.now() - t0) / 1000 },
      });
    },
  },
  dbm: {
    summary: 'analytic purified DBM (Trotter network) sampled by Monte Carlo, with error bars',
    usage: 'pdbm dbm --model FILE --temps 0.5,1,2 [--dt 0.05] [--sweeps N] [--seed S] [--workers W] [--json]',
    options: { ...COMMON, ...TEMPS, ...SAMPLING, ...TROTTER, extrapolate: { type: 'boolean' }, 'dt-factors': { type: 'string' }, network: { type: 'string' } },
    help: `  --model FILE     model file (models/*.json)
  --network FILE   re-sample a saved network (pdbm build or pdbm train) at its temperature
  --temps LIST     temperatures: 0.5,1,2 or lo:hi:count (default 0.5,1,2)
  --log            geometric spacing for lo:hi:count
  --dt X           Trotter step (default 0.05; n = ceil(beta / 2dt) steps, dt then beta / 2n)
  --slices n       number of Trotter steps instead of --dt
  --order 1|2      Trotter splitting order (default 2, symmetric)
  --sweeps N       measurements per chain (default 1000)
  --warmup N       sweeps discarded per chain (default 200)
  --thin N         sweeps between measurements (default 1)
  --chains N       independent chains per temperature (default 16; results do not depend on --workers)
  --seed S         random seed (default 1)
  --workers W      worker threads (default: all cores)
  --moves M        cluster (heat-bath + Swendsen-Wang, default) or heatbath
  --extrapolate    run dt, 0.75 dt, 0.5 dt and extrapolate e and c in dt^2
  --dt-factors L   dt multiples for --extrapolate (default 1,0.75,0.5)
  --progress       progress on stderr even when it is not a terminal
  --json           one JSON object on stdout`,
    async run(v) {
      const m = model(v);
      const temps = parseTemps(String(v.temps ?? '0.5,1,2'), Boolean(v.log));
      const opts = analyticOptions(v);
      makeTfim(m); // validate the lattice before starting workers
      const progress = new Progress('pdbm dbm', Boolean(v.progress) || Boolean(process.stderr.isTTY));
      const t0 = performance.now();
      if (typeof v.network === 'string') {
        if (v.temps !== undefined) throw new InputError('--network samples the network at its own temperature: drop --temps');
        const net = loadNetwork(v.network);
        const res = await sampleNetwork(m, net, opts, (d, t) => progress.update(d, t));
        const seconds = (performance.now() - t0) / 1000;
        emit(v, {
          method: 'dbm', model: m, rows: [res.row],
          meta: {
            version: VERSION, solver: `saved network ${v.network} re-sampled, ${opts.chains} chains x ${opts.sweeps} measurements`,
            seconds, spin_updates: res.spinUpdates, updates_per_second: res.spinUpdates / seconds, network: net.info,
          },
        });
        return;
      }
      const res = await analyticThermo(m, temps, opts, (d, t) => progress.update(d, t));
      const seconds = (performance.now() - t0) / 1000;
      emit(v, {
        method: 'dbm', model: m, rows: res.rows,
        meta: {
          version: VERSION,
          solver: `analytic purified DBM, order-${opts.order} Trotter, ${opts.cluster ? 'heat-bath + Swendsen-Wang' : 'heat-bath'} moves, ${opts.chains} chains x ${opts.sweeps} measurements per temperature${opts.extrapolate ? `, extrapolated in dt^2 from dt x ${opts.extrapolate.join(', ')}` : ''}`,
          seconds, spin_updates: res.spinUpdates, cluster_moves: res.clusterMoves,
          updates_per_second: res.spinUpdates / seconds,
          options: { ...opts, temps },
        },
      });
    },
  },
  train: {
    summary: 'trained purified DBM driven through imaginary time by stochastic reconfiguration (one run, whole curve)',
    usage: 'pdbm train --model FILE --temps 5,2,1,0.5 [--alpha 2] [--samples N] [--seed S] [--workers W] [--checkpoint F [--resume]] [--json]',
    options: {
      ...COMMON, ...TEMPS, seed: { type: 'string' }, workers: { type: 'string' }, chains: { type: 'string' }, progress: { type: 'boolean' },
      alpha: { type: 'string' }, samples: { type: 'string' }, 'measure-samples': { type: 'string' }, shift: { type: 'string' },
      'max-dbeta': { type: 'string' }, solver: { type: 'string' }, checkpoint: { type: 'string' }, resume: { type: 'boolean' },
      'save-network': { type: 'string' },
    },
    help: `  --model FILE         model file (models/*.json)
  --temps LIST         temperatures, any order (default 5,2,1,0.5); the run goes from high to low T
  --alpha A            hidden units per site (default: the smallest that holds the exact start, >= 2)
  --samples N          measurements per imaginary-time step, all chains (default 4000)
  --measure-samples N  measurements per batch at each requested temperature (default 20000)
  --chains N           Markov chains (default 16; results do not depend on --workers)
  --shift X            relative diagonal shift of S (default 1e-5)
  --max-dbeta X        largest imaginary-time step (default 0.02)
  --solver S           auto (default), dense or cg
  --seed S, --workers W
  --checkpoint FILE    save parameters, chains and driver state every 10 steps and at the end
  --resume             continue from --checkpoint (same result as an uninterrupted run)
  --save-network FILE  save the final network ("{T}" in the name: one file per temperature)
  --progress, --json`,
    async run(v) {
      const m = model(v);
      const temps = parseTemps(String(v.temps ?? '5,2,1,0.5'), Boolean(v.log));
      const def = defaultTrainOptions();
      const solver = String(v.solver ?? def.solver);
      if (solver !== 'auto' && solver !== 'dense' && solver !== 'cg') throw new InputError(`--solver must be auto, dense or cg, got "${solver}"`);
      if (v.resume && typeof v.checkpoint !== 'string') throw new InputError('--resume needs --checkpoint FILE');
      const opts: TrainOptions = {
        ...def,
        alpha: optionalNum(v, 'alpha') ?? def.alpha,
        samples: num(v, 'samples', def.samples),
        measureSamples: num(v, 'measure-samples', def.measureSamples),
        chains: num(v, 'chains', def.chains),
        shift: num(v, 'shift', def.shift),
        maxDbeta: num(v, 'max-dbeta', def.maxDbeta),
        seed: num(v, 'seed', def.seed),
        workers: num(v, 'workers', def.workers),
        solver,
        checkpoint: v.checkpoint as string | undefined,
        resume: Boolean(v.resume),
        saveNetwork: v['save-network'] as string | undefined,
      };
      const progress = new Progress('pdbm train', Boolean(v.progress) || Boolean(process.stderr.isTTY));
      const t0 = performance.now();
      const res = await trainThermo(m, temps, opts, (d, t) => progress.update(d, t));
      emit(v, {
        method: 'train', model: m, rows: res.rows,
        meta: {
          version: VERSION,
          ...res.meta,
          sr_solver: res.meta.solver,
          solver: `trained purified DBM (alpha ${opts.alpha ?? 'auto'}), stochastic reconfiguration with ${res.meta.solver} solve, ${res.meta.steps} steps`,
          seconds: (performance.now() - t0) / 1000,
          options: { ...opts, temps },
        },
      });
    },
  },
  sweep: {
    summary: 'every method on every temperature, into results/NAME/ (data, plots, report); resumable, shardable',
    usage: 'pdbm sweep --model FILE --methods exact,dbm --temps 0.3:5:24 [--log] --out results/NAME [--resume] [--shard i/n]',
    options: {
      ...COMMON, ...TEMPS, ...SAMPLING, ...TROTTER, extrapolate: { type: 'boolean' }, 'dt-factors': { type: 'string' },
      methods: { type: 'string' }, out: { type: 'string' }, resume: { type: 'boolean' }, shard: { type: 'string' }, alpha: { type: 'string' },
    },
    help: `  --model FILE     model file (models/*.json)
  --methods LIST   any of ${SWEEP_METHODS.join(',')} (default exact,dbm)
  --temps LIST     0.5,1,2 or lo:hi:count (default 0.3:5:12), --log for geometric spacing
  --out DIR        result directory (default results/<model name>)
  --resume         continue an interrupted sweep in DIR (same options required)
  --shard i/n      run temperatures with index = i mod n (default from SLURM_ARRAY_TASK_ID and
                   SLURM_ARRAY_TASK_COUNT when set); join shards with pdbm merge
  --alpha A        hidden units per site of the trained network (default as in pdbm train)
  --seed, --workers, --progress and every sampling option of pdbm dbm (--dt, --sweeps, --chains, ...)
  --json           print a JSON summary on stdout
Writes data.csv, data.json, meta.json, energy.svg, specific-heat.svg, report.md. Exit status 3 when a
temperature failed twice (it is listed in meta.json and report.md).`,
    async run(v) {
      const m = model(v);
      const temps = parseTemps(String(v.temps ?? '0.3:5:12'), Boolean(v.log));
      const methods = String(v.methods ?? 'exact,dbm').split(',').map((x) => x.trim()) as SweepMethod[];
      for (const x of methods) if (!SWEEP_METHODS.includes(x)) throw new InputError(`--methods: unknown method "${x}" (known: ${SWEEP_METHODS.join(', ')})`);
      const { seed, workers, ...dbm } = analyticOptions(v);
      const out = typeof v.out === 'string' ? v.out : `results/${m.name}`;
      const outcome = await runSweep({
        model: m, methods, temps, logT: Boolean(v.log), out, resume: Boolean(v.resume), shard: parseShard(v.shard as string | undefined),
        seed, workers, dbm,
        progress: Boolean(v.progress) || Boolean(process.stderr.isTTY), version: VERSION, train: trainRunner, alpha: optionalNum(v, 'alpha'),
      });
      const summary = {
        dir: outcome.dir,
        files: ['data.csv', 'data.json', 'meta.json', 'energy.svg', 'specific-heat.svg', 'report.md'],
        rows: outcome.rows,
        all_agree_with_exact: outcome.allAgree,
        failures: outcome.failures,
      };
      if (v.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else {
        process.stdout.write(`results in ${outcome.dir}/ (${summary.files.join(', ')})\n`);
        process.stdout.write(
          methods.includes('exact') && methods.length > 1
            ? outcome.allAgree
              ? 'every sampled value agrees with exact within 4 sigma\n'
              : `some sampled values deviate from exact by more than 4 sigma: see ${outcome.dir}/report.md\n`
            : '',
        );
        if (outcome.failures > 0) process.stdout.write(`${outcome.failures} unit(s) failed twice: see ${outcome.dir}/meta.json\n`);
      }
      return outcome.failures > 0 ? 3 : 0;
    },
  },
  merge: {
    summary: 'join the shards of a sweep into one result set',
    usage: 'pdbm merge results/NAME-0 results/NAME-1 ... --out results/NAME',
    options: { out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    positionals: true,
    help: `  DIRS...          shard result directories (all shards of one sweep)
  --out DIR        merged result directory
  --json           print a JSON summary on stdout`,
    async run(v, positionals) {
      if (typeof v.out !== 'string') throw new InputError('--out DIR is required');
      const res = await mergeResults(positionals, v.out, VERSION);
      const summary = { dir: v.out, rows: res.rows, all_agree_with_exact: res.allAgree };
      process.stdout.write(v.json ? `${JSON.stringify(summary)}\n` : `merged ${positionals.length} shards into ${v.out}/ (${res.rows} rows)\n`);
    },
  },
  build: {
    summary: 'build the analytic purified DBM at one temperature and save it as JSON',
    usage: 'pdbm build --model FILE --T 1 [--dt 0.05 | --slices n] [--order 2] --out FILE',
    options: { ...COMMON, ...TROTTER, T: { type: 'string' }, beta: { type: 'string' }, out: { type: 'string' } },
    help: `  --model FILE     model file (models/*.json)
  --T X | --beta X temperature or inverse temperature
  --dt X           Trotter step (default 0.05), or --slices n
  --order 1|2      Trotter splitting order (default 2)
  --out FILE       where to write the network (written atomically)
  --json           print a JSON summary on stdout`,
    async run(v) {
      const m = model(v);
      if (typeof v.out !== 'string') throw new InputError('--out FILE is required');
      if ((v.T === undefined) === (v.beta === undefined)) throw new InputError('give exactly one of --T and --beta');
      const beta = v.T !== undefined ? 1 / num(v, 'T') : num(v, 'beta');
      if (!(beta > 0) || !Number.isFinite(beta)) throw new InputError('the temperature must be positive and finite');
      const net = buildTrotterDbm(makeTfim(m), { beta, dt: optionalNum(v, 'dt'), slices: optionalNum(v, 'slices'), order: order(v) });
      writeFileAtomic(v.out, `${JSON.stringify(dbmToJson(net))}\n`);
      const layers = [0, 0, 0, 0];
      for (const l of net.layer) layers[l]++;
      const summary = { out: v.out, units: net.nUnits, edges: net.edgeA.length, physical: layers[0], ancilla: layers[1], hidden: layers[2], deep: layers[3], ...net.info };
      process.stdout.write(v.json ? `${JSON.stringify(summary)}\n` : `${formatTable([summary])}\n`);
    },
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(7)} ${c.summary}`);
  return `pdbm ${VERSION}: finite-temperature TFIM properties with purified deep Boltzmann machines

usage: pdbm <command> [options]   (pdbm <command> --help for its options)

commands:
${lines.join('\n')}

Conventions: H = - sum J_ij sz_i sz_j - Gamma sum sx_i - h sum sz_i (Pauli matrices), k_B = 1,
e = <H>/N and c = beta^2 (<H^2> - <H>^2)/N per site.
`;
}

/** Runs the CLI with `argv` (without node and script); returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      process.stdout.write(usage());
      return 0;
    }
    if (name === '--version') {
      process.stdout.write(`${VERSION}\n`);
      return 0;
    }
    const cmd = COMMANDS[name];
    if (!cmd) throw new InputError(`unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')}; see pdbm --help)`);
    let values: Values;
    let positionals: string[];
    try {
      ({ values, positionals } = parseArgs({ args: rest, options: cmd.options, strict: true, allowPositionals: Boolean(cmd.positionals) }) as {
        values: Values;
        positionals: string[];
      });
    } catch (e) {
      throw new InputError(`${name}: ${(e as Error).message.split('\n')[0]}`);
    }
    if (values.help) {
      process.stdout.write(`usage: ${cmd.usage}\n\n${cmd.summary}\n\n${cmd.help}\n`);
      return 0;
    }
    return (await cmd.run(values, positionals)) ?? 0;
  } catch (e) {
    if (e instanceof InputError) {
      process.stderr.write(`pdbm: ${e.message.split('\n')[0]}\n`);
      return 2;
    }
    throw e;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
