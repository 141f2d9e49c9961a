/**
 * Benchmarks of the Monte Carlo sampler (src/sampler.ts) of the analytic purified DBM. Run with
 * `node --import tsx scripts/bench-sampler.ts [a] [b] [c] [--quick]` (default: all sections), or through
 * `npm run bench`. Every figure is printed in absolute units and as a ratio against a baseline
 * measured in the same run.
 *
 *   a. Throughput per core on the joint graph of the 64-site chain (T = 0.5, dt = 1/16): JS heat-bath
 *      sweeps and Swendsen–Wang moves (benchmark.js), against a compiled C single-spin loop over the
 *      same CSR arrays (scripts/bench/metropolis.c, built with `cc -O2` into a temp dir).
 *   b. Integrated autocorrelation time of the energy with and without cluster moves, and the wall
 *      time per sweep, so that the time per independent sample can be compared.
 *   c. Speed-up of `analyticThermo` from 1 to 2 worker threads (and a check that the rows agree).
 *   d. At the 2D critical point (square L x L, beta = L, Gamma = 3.044; L = 16, or 8 with --quick):
 *      the end-to-end rate (meta.spin_updates / seconds, measurements included) of the default
 *      sampler (ring heat-bath + Wolff) and of the critical-point setting (a quarter ring of Wolff
 *      flips per sweep, auto-thin), as a fraction of the compiled Metropolis kernel timed in the
 *      same run on the same joint graph, and the efficiency figure U4 error x sqrt(CPU seconds)
 *      against the continuous-time SSE anchor (0.021 at L = 16, measured on this project's
 *      development machine; docs/design.md, "Critical points"). --with-sw adds the joint graph
 *      with Swendsen–Wang. The printout says what each timed region contains.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, endianness, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Benchmark from 'benchmark';
import { analyticThermo, defaultAnalyticOptions, type AnalyticOptions } from '../src/methods/analytic-dbm.ts';
import { runChain, type ChainTask } from '../src/mc/chain.ts';
import { integratedAutocorrTime } from '../src/stats/series.ts';
import { makeTfim } from '../src/model/hamiltonian.ts';
import { loadModel, parseModel, type ModelSpec } from '../src/model/model.ts';
import { runChains } from '../src/mc/pool.ts';
import { Rng } from '../src/mc/rng.ts';
import { buildJointGraph, Sampler, type JointGraph } from '../src/mc/sampler.ts';
import { buildTrotterDbm } from '../src/dbm/trotter.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
/** --quick: one round in a, looser tau targets in b (for a smoke run, not for quoting). */
const QUICK = process.argv.includes('--quick');
const modelPath = (name: string) => join(root, 'models', `${name}.json`);

// ---------------------------------------------------------------- formatting

function table(headers: string[], rows: Array<Array<string | number>>, alignLeft = 1): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const width = headers.map((h, j) => Math.max(h.length, ...cells.map((r) => (r[j] ?? '').length)));
  const fmt = (r: string[]) => r.map((c, j) => (j < alignLeft ? c.padEnd(width[j]) : c.padStart(width[j]))).join('  ');
  return [fmt(headers), width.map((w) => '-'.repeat(w)).join('  '), ...cells.map(fmt)].join('\n');
}

/** Engineering format: 3 significant digits with k/M/G suffix. */
function eng(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const units: Array<[number, string]> = [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [s, u] of units) if (Math.abs(x) >= s) return `${(x / s).toPrecision(3)}${u}`;
  return x.toPrecision(3);
}

const f2 = (x: number) => x.toFixed(2);
const f1 = (x: number) => x.toFixed(1);

function machineLine(): string {
  const la = loadavg().map((v) => v.toFixed(2)).join(' ');
  return `node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), load average ${la}`;
}

/** Mean per-node log-weight sum_u x_u (bias_u + 1/2 sum_v w_uv x_v) / n (same as the C checksum). */
function logWeightPerNode(g: JointGraph, x: Int8Array): number {
  let lp = 0;
  for (let u = 0; u < g.nNodes; u++) {
    let f = g.bias[u];
    for (let p = g.rowStart[u]; p < g.rowStart[u + 1]; p++) f += 0.5 * g.nbrW[p] * x[g.nbr[p]];
    lp += x[u] * f;
  }
  return lp / g.nNodes;
}

/** Runs `fn` in batches until `seconds` have passed; returns seconds per call (median of 5 batches). */
function timePerCall(fn: () => void, seconds: number): number {
  let batch = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    if (performance.now() - t0 > (seconds * 1000) / 10) break;
    batch *= 2;
  }
  const per: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    per.push((performance.now() - t0) / 1000 / batch);
  }
  per.sort((a, b) => a - b);
  return per[2];
}

// ---------------------------------------------------------------- a. throughput vs C

interface CResult {
  mode: string;
  rate: number;
  sweeps: number;
  seconds: number;
  logp: number;
}

/** Writes the CSR graph, compiles and runs scripts/bench/metropolis.c; null (with a reason) if no cc. */
function runC(g: JointGraph, secondsPerMode: number): { results: CResult[] } | { skipped: string } {
  const cc = process.env.CC ?? 'cc';
  const probe = spawnSync(cc, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return { skipped: `no C compiler (\`${cc} --version\` failed: ${probe.error?.message ?? probe.stderr.trim()})` };
  if (endianness() !== 'LE') return { skipped: 'big-endian host: binary graph format not supported' };
  const dir = mkdtempSync(join(tmpdir(), 'pdbm-bench-'));
  try {
    const nnz = g.rowStart[g.nNodes];
    const parts = [Int32Array.of(g.nNodes, nnz), g.rowStart, g.nbr.subarray(0, nnz), g.nbrW.subarray(0, nnz), g.bias];
    const file = join(dir, 'graph.bin');
    writeFileSync(file, Buffer.concat(parts.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))));
    const bin = join(dir, 'metropolis');
    const src = join(root, 'scripts', 'bench', 'metropolis.c');
    try {
      execFileSync(cc, ['-O2', '-o', bin, src, '-lm'], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      return { skipped: `compiling ${src} failed: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}` };
    }
    const out = execFileSync(bin, [file, String(secondsPerMode)], { encoding: 'utf8' });
    const results = out
      .trim()
      .split('\n')
      .map((line) => {
        const [mode, rate, sweeps, seconds, logp] = line.trim().split(/\s+/);
        return { mode, rate: Number(rate), sweeps: Number(sweeps), seconds: Number(seconds), logp: Number(logp) };
      });
    return { results };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** benchmark.js run of one function; returns ops/s and the relative margin of error in %. */
function bench(name: string, fn: () => void, maxTime: number): { hz: number; rme: number; samples: number } {
  const b = new Benchmark(name, fn, { maxTime, minSamples: 20 });
  b.run({ async: false });
  if (b.error) throw b.error;
  return { hz: b.hz, rme: b.stats.rme, samples: b.stats.sample.length };
}

function sectionA(): void {
  console.log('\n## a. Unit updates per second per core: 64-site chain, J = Gamma = 1, T = 0.5, dt = 1/16\n');
  const model = loadModel(modelPath('chain-64'));
  const network = buildTrotterDbm(makeTfim(model), { beta: 2, dt: 1 / 16 });
  const g = buildJointGraph(network);
  const degrees = new Map<number, number>();
  for (let u = 0; u < g.nNodes; u++) {
    const d = g.rowStart[u + 1] - g.rowStart[u];
    degrees.set(d, (degrees.get(d) ?? 0) + 1);
  }
  const degText = [...degrees].sort((a, b) => a[0] - b[0]).map(([d, c]) => `${c} of degree ${d}`).join(', ');
  console.log(`joint graph: ${g.nNodes} nodes, ${g.edgeA.length} couplings (${degText}), ${g.colours} colours`);

  // Two rounds, JS then C each time; the best round of each is kept (on a shared box background
  // load only ever slows a run down), and both rounds are shown.
  const sampler = new Sampler(g, new Rng(12345));
  for (let i = 0; i < 500; i++) sampler.sweep();
  type Js = { hz: number; rme: number; samples: number };
  const js: Array<{ hb: Js; sw: Js; both: Js }> = [];
  const cRounds: CResult[][] = [];
  let skipped: string | null = null;
  let jsLogp = NaN;
  for (let round = 0; round < (QUICK ? 1 : 2); round++) {
    const hb = bench('heat-bath sweep', () => sampler.sweep(), 1.5);
    jsLogp = logWeightPerNode(g, sampler.x);
    const sw = bench('Swendsen–Wang move', () => sampler.clusterMove(), 1.5);
    const both = bench('sweep + SW move', () => {
      sampler.sweep();
      sampler.clusterMove();
    }, 1);
    js.push({ hb, sw, both });
    if (skipped === null) {
      const c = runC(g, 0.7);
      if ('skipped' in c) skipped = c.skipped;
      else cRounds.push(c.results);
    }
  }
  const bestJs = (k: 'hb' | 'sw' | 'both') => js.map((r) => r[k]).reduce((a, b) => (b.hz > a.hz ? b : a));
  const cModes = cRounds.length ? cRounds[0].map((r) => r.mode) : [];
  const cBest = cModes.map((mode) => cRounds.map((rs) => rs.find((r) => r.mode === mode)!).reduce((a, b) => (b.rate > a.rate ? b : a)));
  const base = cBest.find((r) => r.mode === 'metropolis-table');
  const rows: Array<Array<string | number>> = [];
  const ratio = (rate: number) => (base ? f2(rate / base.rate) : '-');
  const addJs = (what: string, k: 'hb' | 'sw' | 'both') => {
    const r = bestJs(k);
    const rate = r.hz * g.nNodes;
    const rounds = js.map((x) => eng(x[k].hz * g.nNodes)).join(' / ');
    rows.push([what, eng(rate), f2(1e9 / rate), `${rounds}, ±${f1(r.rme)}%`, ratio(rate)]);
  };
  addJs('JS heat-bath sweep (table, colour order)', 'hb');
  addJs('JS Swendsen–Wang move (node visits)', 'sw');
  addJs('JS sweep + SW move (nodes per combined step)', 'both');
  for (const r of cBest) {
    const label = {
      'metropolis-table': 'C Metropolis, precomputed table  [baseline]',
      'metropolis-expf': 'C Metropolis, expf per update',
      'heatbath-table': 'C heat-bath, precomputed table (JS algorithm)',
    }[r.mode] ?? `C ${r.mode}`;
    const rounds = cRounds.map((rs) => eng(rs.find((x) => x.mode === r.mode)!.rate)).join(' / ');
    rows.push([label, eng(r.rate), f2(1e9 / r.rate), `${rounds}, median of 5 batches`, ratio(r.rate)]);
  }
  console.log();
  console.log(table(['method', 'updates/s', 'ns/update', 'rounds (best kept), spread', 'vs C Metropolis'], rows));
  console.log();
  console.log('JS: benchmark.js (hz x nodes, relative margin of error of the best round); C: scripts/bench/metropolis.c, cc -O2.');
  if (skipped !== null) {
    console.log(`C baseline skipped: ${skipped}`);
    return;
  }
  const jsRate = bestJs('hb').hz * g.nNodes;
  if (base) {
    const r = base.rate / jsRate;
    console.log(`C/JS = C Metropolis (table) / JS heat-bath = ${f2(r)}  (target <= 3: ${r <= 3 ? 'met' : 'NOT met'})`);
  }
  const expf = cBest.find((r) => r.mode === 'metropolis-expf');
  if (expf) console.log(`C Metropolis (expf) / JS heat-bath = ${f2(expf.rate / jsRate)}`);
  const chb = cBest.find((r) => r.mode === 'heatbath-table');
  if (chb) console.log(`C heat-bath (table) / JS heat-bath = ${f2(chb.rate / jsRate)}  (same algorithm: the language/codegen gap)`);
  console.log(
    `sanity, log-weight per node of the final configuration: JS ${jsLogp.toFixed(4)}, C ` +
      cBest.map((r) => `${r.mode} ${r.logp.toFixed(4)}`).join(', '),
  );
}

// ---------------------------------------------------------------- b. autocorrelation times

interface TauCase {
  file: string;
  label: string;
  T: number;
  dt: number;
}

const TAU_CASES: TauCase[] = [
  { file: 'chain-16', label: 'chain-16', T: 0.5, dt: 0.05 },
  { file: 'chain-16', label: 'chain-16', T: 2, dt: 0.05 },
  { file: 'square-4x4', label: 'square-4x4 (G=3)', T: 1, dt: 0.05 },
  { file: 'triangular-3x3-afm', label: 'triangular-3x3-afm', T: 0.5, dt: 0.05 },
];
/** Target relative statistical error of tau (Sokal: var(tau)/tau^2 ~ 2 (2M + 1) / n). */
const TAU_REL_ERR = QUICK ? 0.1 : 0.05;
const TAU_MIN_SWEEPS = 20_000;
const TAU_MAX_SWEEPS = QUICK ? 100_000 : 400_000;
const TAU_WARMUP = 2_000;

interface TauStat {
  tau: number;
  err: number;
  window: number;
  converged: boolean;
}

function tauOf(x: Float64Array): TauStat {
  const r = integratedAutocorrTime(x);
  return { ...r, err: r.tau * Math.sqrt((2 * (2 * r.window + 1)) / x.length) };
}

interface TauRun {
  cluster: boolean;
  sweeps: number;
  eLoc: TauStat;
  eRing: TauStat;
  /** runChain wall seconds per measured sweep (sweep [+ SW move] + measurements). */
  chainSec: number;
  /** Sampler-only seconds per step (sweep [+ SW move]), no measurements. */
  stepSec: number;
}

function tauRun(model: ModelSpec, c: TauCase, cluster: boolean): TauRun {
  const network = buildTrotterDbm(makeTfim(model), { beta: 1 / c.T, dt: c.dt });
  let sweeps = TAU_MIN_SWEEPS;
  for (;;) {
    const task: ChainTask = { model, network, seed: 2024, chain: 0, warmup: TAU_WARMUP, sweeps, thin: 1, cluster };
    const t0 = performance.now();
    const r = runChain(task);
    const chainSec = (performance.now() - t0) / 1000 / (TAU_WARMUP + sweeps);
    const eLocSeries = r.series.eA.map((a, k) => (a + r.series.eB[k]) / 2);
    const eLoc = tauOf(eLocSeries);
    const eRing = tauOf(r.series.eRing);
    const need = Math.max(
      ...[eLoc, eRing].map((s) => Math.ceil((2 * (2 * s.window + 1)) / (TAU_REL_ERR * TAU_REL_ERR))),
    );
    const ok = eLoc.converged && eRing.converged && sweeps >= need;
    if (ok || sweeps >= TAU_MAX_SWEEPS) {
      const g = buildJointGraph(network);
      const s = new Sampler(g, new Rng(7));
      const step = cluster
        ? () => {
            s.sweep();
            s.clusterMove();
          }
        : () => s.sweep();
      for (let i = 0; i < 200; i++) step();
      return { cluster, sweeps, eLoc, eRing, chainSec, stepSec: timePerCall(step, 0.3) };
    }
    sweeps = Math.min(TAU_MAX_SWEEPS, Math.max(2 * sweeps, Math.ceil(need / 10_000) * 10_000));
  }
}

function sectionB(): void {
  console.log('\n## b. Integrated autocorrelation time of the energy, with and without Swendsen–Wang moves\n');
  console.log('tau_int (Sokal, tau = 1/2 for independent samples) in sweeps; one sweep = one heat-bath pass over all');
  console.log('nodes [+ one SW move]; one measurement per sweep (thin = 1); single chains, seed 2024, 2000 warm-up');
  console.log(`sweeps, lengthened until n >= 50 tau and the tau error ~ tau sqrt(2 (2M+1)/n) <= ${TAU_REL_ERR * 100}% (cap ${TAU_MAX_SWEEPS}).`);
  console.log('E_loc = (eA + eB)/2 per measurement, E_ring = thermodynamic estimator. t_step: sampler only;');
  console.log('t_chain: runChain per measured sweep (incl. both measurements). t_ind = 2 tau t_chain, the wall time per');
  console.log('independent sample (n_eff = n / 2 tau); "SW gain" = t_ind(local) / t_ind(SW), > 1 means cluster moves pay.\n');
  const rows: Array<Array<string | number>> = [];
  const gains: Array<Array<string | number>> = [];
  for (const c of TAU_CASES) {
    const model = loadModel(modelPath(c.file));
    const nodes = buildJointGraph(buildTrotterDbm(makeTfim(model), { beta: 1 / c.T, dt: c.dt })).nNodes;
    const runs = [tauRun(model, c, false), tauRun(model, c, true)];
    for (const r of runs) {
      const t = (s: TauStat) => `${s.tau.toFixed(2)} ± ${s.err.toFixed(2)}${s.converged ? '' : ' (NOT converged)'}`;
      rows.push([
        c.label, c.T, c.dt, nodes, r.cluster ? 'heat-bath + SW' : 'heat-bath', r.sweeps, t(r.eLoc), t(r.eRing),
        f1(r.stepSec * 1e6), f1(r.chainSec * 1e6), f1(2 * r.eLoc.tau * r.chainSec * 1e6), f1(2 * r.eRing.tau * r.chainSec * 1e6),
      ]);
    }
    const [loc, sw] = runs;
    const gain = (a: TauStat, b: TauStat, ta: number, tb: number) => f2((a.tau * ta) / (b.tau * tb));
    gains.push([
      `${c.label} T=${c.T}`, f2(sw.stepSec / loc.stepSec), f2(sw.chainSec / loc.chainSec),
      f2(loc.eLoc.tau / sw.eLoc.tau), f2(loc.eRing.tau / sw.eRing.tau),
      gain(loc.eLoc, sw.eLoc, loc.chainSec, sw.chainSec), gain(loc.eRing, sw.eRing, loc.chainSec, sw.chainSec),
      gain(loc.eLoc, sw.eLoc, loc.stepSec, sw.stepSec), gain(loc.eRing, sw.eRing, loc.stepSec, sw.stepSec),
    ]);
  }
  console.log(table(
    ['model', 'T', 'dt', 'nodes', 'moves', 'sweeps', 'tau E_loc', 'tau E_ring', 't_step us', 't_chain us', 't_ind E_loc us', 't_ind E_ring us'],
    rows,
    1,
  ));
  console.log('\nCluster moves, ratios against heat-bath only (baseline = heat-bath row of the same model):\n');
  console.log(table(
    ['case', 'cost/step', 'cost/chain sweep', 'tau ratio E_loc', 'tau ratio E_ring', 'SW gain E_loc', 'SW gain E_ring', 'gain E_loc (t_step)', 'gain E_ring (t_step)'],
    gains,
  ));
  console.log('\n(gain with t_step: the same ratio if measurements were thinned out so that sampling dominates.)');
}

// ---------------------------------------------------------------- c. worker speed-up

function sectionC(): Promise<void> {
  return (async () => {
    console.log('\n## c. analyticThermo on chain-16, T = 0.5, 1, 2 (dt = 0.05, defaults: 16 chains x (200 + 1000) sweeps, SW on)\n');
    console.log(machineLine());
    const model = loadModel(modelPath('chain-16'));
    const temps = [0.5, 1, 2];
    const opts = (workers: number) => ({ ...defaultAnalyticOptions(), seed: 1, chains: 16, workers });
    const times: Record<1 | 2, number[]> = { 1: [], 2: [] };
    const cpuTimes: Record<1 | 2, number[]> = { 1: [], 2: [] };
    const rows: Record<1 | 2, string> = { 1: '', 2: '' };
    let finishTimes: number[] = [];
    let serialStart = 0;
    // Alternate 1, 2, 1, 2 so that drifting background load hits both; best of two each.
    for (const w of [1, 2, 1, 2] as const) {
      const stamps: number[] = [];
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const res = await analyticThermo(model, temps, opts(w), () => stamps.push(performance.now()));
      const t = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(c0);
      cpuTimes[w].push((cpu.user + cpu.system) / 1e6);
      if (w === 1 && (times[1].length === 0 || t < Math.min(...times[1]))) {
        finishTimes = stamps;
        serialStart = t0;
      }
      times[w].push(t);
      const json = JSON.stringify(res.rows);
      if (rows[w] && rows[w] !== json) console.log(`WARNING: workers = ${w} gave different rows in two runs`);
      rows[w] = json;
    }
    const best1 = Math.min(...times[1]);
    const best2 = Math.min(...times[2]);
    const row = (w: 1 | 2) => {
      const i = times[w].indexOf(Math.min(...times[w]));
      return [
        w, times[w].map((t) => t.toFixed(2)).join(', '), times[w][i].toFixed(2), cpuTimes[w][i].toFixed(2),
        f2(cpuTimes[w][i] / times[w][i]), f2(best1 / times[w][i]),
      ];
    };
    console.log();
    console.log(table(['workers', 'wall s (runs)', 'best s', 'CPU s (best)', 'cores used', 'speed-up vs 1 worker'], [row(1), row(2)]));
    console.log();
    console.log('CPU s: process-wide user + system time (all threads); "cores used" = CPU / wall. A value well below 2 for');
    console.log('2 workers means the box was busy with other processes, and the speed-up is then not meaningful.');
    console.log(`rows identical for workers = 1 and 2: ${rows[1] === rows[2] ? 'yes' : 'NO'}`);

    // Where the time goes: task durations from the serial run (gaps between completions), the
    // best 2-worker makespan with the pool's FIFO order, and the fixed cost of a pool.
    const durations = finishTimes.map((t, i) => (t - (i === 0 ? serialStart : finishTimes[i - 1])) / 1000);
    const first = durations[0];
    const taskSum = durations.reduce((a, b) => a + b, 0);
    const load = [0, 0];
    for (const d of durations) load[load[0] <= load[1] ? 0 : 1] += d;
    const makespan = Math.max(...load);
    const perT = temps.map((T, t) => durations.slice(t * 16, (t + 1) * 16).reduce((a, b) => a + b, 0));
    const tiny: ChainTask[] = [0, 1].map((chain) => ({
      model, network: buildTrotterDbm(makeTfim(model), { beta: 1, dt: 0.5 }), seed: 1, chain, warmup: 0, sweeps: 1, thin: 1, cluster: false,
    }));
    const tp = performance.now();
    const cp = process.cpuUsage();
    await runChains(tiny, 2);
    const poolCost = (performance.now() - tp) / 1000;
    const poolCpu = process.cpuUsage(cp);
    console.log(`serial run: ${durations.length} tasks, sum ${taskSum.toFixed(2)} s (T = ${temps.map((T, i) => `${T}: ${perT[i].toFixed(2)} s`).join(', ')}),`);
    console.log(`  first completion after ${first.toFixed(2)} s (includes building the 3 networks), rest of wall time ${(best1 - taskSum).toFixed(2)} s (summaries)`);
    console.log(`ideal 2-worker makespan of these tasks (FIFO, greedy) ${makespan.toFixed(2)} s -> bound on speed-up ${f2(best1 / (makespan + (best1 - taskSum)))}`);
    console.log(`cost of 2 tiny tasks on the process's shared 2-thread pool (already started above, so no start-up): ${poolCost.toFixed(2)} s wall, ${((poolCpu.user + poolCpu.system) / 1e6).toFixed(2)} s CPU`);
    console.log(`CPU overhead of the 2-worker run over the serial one: ${(cpuTimes[2][times[2].indexOf(best2)] - cpuTimes[1][times[1].indexOf(best1)]).toFixed(2)} s`);
  })();
}

// ---------------------------------------------------------------- d. critical point

/** SSE anchor at L = 16, beta = 16, Gamma = 3.044: U4 error x sqrt(CPU s) of a compiled continuous-time code. */
const SSE_U4_EFFICIENCY = 0.021;
/** --with-sw: also run the joint graph with Swendsen–Wang (the old default; slow at L = 16). */
const WITH_SW = process.argv.includes('--with-sw');

async function sectionD(): Promise<void> {
  const L = QUICK ? 8 : 16;
  const sweeps = QUICK ? 150 : 300;
  console.log(`\n## d. Square ${L}x${L}, beta = ${L}, Gamma = 3.044, dt = 0.05 and dt -> 0: end-to-end rate and U4 efficiency (16 chains x (50 warm-up + ${sweeps} measurements), 1 worker)\n`);
  console.log(`before: ${machineLine()}`);
  const model = parseModel({ name: `square-${L}`, lattice: { kind: 'square', size: [L, L] }, hamiltonian: { kind: 'tfim', J: 1, Gamma: 3.044, h: 0 } });
  const net = buildTrotterDbm(makeTfim(model), { beta: L, dt: 0.05 });
  const runKernel = () => {
    const c = runC(buildJointGraph(net), QUICK ? 0.5 : 1);
    return 'results' in c ? c.results.find((r) => r.mode === 'metropolis-table')?.rate ?? NaN : NaN;
  };
  // The kernel is timed before and after the JS runs (the box's load drifts); their mean is the
  // reference, and both are printed.
  const cBefore = runKernel();
  const configs: Array<[string, Partial<AnalyticOptions>]> = [
    ...(WITH_SW ? [['joint graph, heat-bath + Swendsen-Wang (old default)', { traceBonds: false, clusterMove: 'sw' }] as [string, Partial<AnalyticOptions>]] : []),
    ['ring heat-bath + Wolff (1 x spins per sweep), thin 1 (default)', { traceBonds: true, clusterMove: 'wolff' }],
    ['ring heat-bath + Wolff (0.25 x spins per sweep), --auto-thin', { traceBonds: true, clusterMove: 'wolff', wolffFraction: 0.25, autoThin: true }],
    // The same number of measured sweeps in continuous imaginary time: no Trotter bias at all (the
    // two rows above carry the O(dt^2) bias of dt = 0.05, removed only by extrapolating over several dt).
    ['continuous time (dt -> 0), Swendsen-Wang, thin 1 (--continuous-time)', { continuous: true }],
  ];
  const out: Array<Array<string | number>> = [];
  const runs: Array<{ rate: number; cpuRate: number }> = [];
  for (const [name, o] of configs) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const res = await analyticThermo(model, [1 / L], { ...defaultAnalyticOptions(), chains: 16, sweeps, warmup: 50, workers: 1, ...o });
    const wall = (performance.now() - t0) / 1000;
    const cu = process.cpuUsage(c0);
    const cpu = (cu.user + cu.system) / 1e6;
    const r = res.rows[0];
    const rate = res.meta.spin_updates / res.meta.seconds;
    runs.push({ rate, cpuRate: res.meta.spin_updates / cpu });
    out.push([
      name, r.thin ?? 1, f1(wall), f1(cpu), eng(rate), eng(res.meta.spin_updates / cpu), '',
      `${r.binder!.toFixed(4)} ± ${r.binder_err!.toFixed(4)}`, (r.binder_err! * Math.sqrt(cpu)).toFixed(4),
      L === 16 ? f2((r.binder_err! * Math.sqrt(cpu)) / SSE_U4_EFFICIENCY) : '-', (r.m2_err! * Math.sqrt(cpu)).toFixed(4),
    ]);
  }
  const cAfter = runKernel();
  const cRate = (cBefore + cAfter) / 2;
  // Continuous-time units are segments, not ring spins: no rate comparison with the kernel.
  out.forEach((row, i) => (row[6] = Number.isFinite(cRate) && !configs[i][1].continuous ? f2(runs[i].rate / cRate) : '-'));
  console.log(`compiled Metropolis kernel (scripts/bench/metropolis.c, table mode) on this joint graph: ${eng(cBefore)} before, ${eng(cAfter)} after the JS runs (unit updates/s, wall)`);
  console.log();
  console.log(table(['sampler', 'thin', 'wall s', 'CPU s', 'upd/s (wall)', 'upd/s (CPU)', 'vs kernel', 'U4', 'U4 err x sqrt(CPU s)', 'vs SSE', 'm2 err x sqrt(CPU s)'], out));
  console.log(`\nafter: ${machineLine()}`);
  console.log('\nTimed regions. JS "upd/s (wall)" = meta.spin_updates / meta.seconds: meta.seconds is the wall time of');
  console.log('runChains, i.e. building the network, joint graph, ring and tables in the worker, warm-up (and the auto-thin');
  console.log('probe), every sweep and Wolff move, the bond re-draws before each measurement and every measurement (E_loc of');
  console.log('both copies, ring energy, m2/m4/C(r)/S(q) on all slices), and the messages between threads; not the summary');
  console.log('(jackknife). Unit updates: ring heat-bath spin updates, spins flipped by Wolff clusters and bond units re-drawn.');
  console.log('"upd/s (CPU)" divides by the process CPU time of the whole analyticThermo call instead (all threads; robust to');
  console.log('other load on the box). Kernel: single-spin Metropolis sweeps only (no measurements), median of 5 timed batches,');
  console.log('wall clock; "vs kernel" = JS wall rate / mean of the kernel before and after (target >= 1/3). U4 err x sqrt(CPU s):');
  console.log('CPU s of the whole analyticThermo call; "vs SSE" divides by the compiled continuous-time SSE anchor (0.021 at');
  console.log('L = 16, target <= 2). Continuous time: its units are the segments between cuts of one Swendsen-Wang update');
  console.log('(about 2 Gamma beta per site), so its rate is not compared with the kernel; its U4 figure is the one with no');
  console.log('Trotter bias (the dt = 0.05 rows need three dt and an extrapolation for that, which costs 3x the time and more).');
  console.log('On a shared box every wall figure is loaded: compare the load averages printed above.');
}

// ---------------------------------------------------------------- main

const which = new Set(process.argv.slice(2).filter((a) => /^[abcd]$/.test(a)));
const want = (s: string) => which.size === 0 || which.has(s);
console.log(machineLine());
const t0 = performance.now();
if (want('a')) sectionA();
if (want('b')) sectionB();
if (want('c')) await sectionC();
if (want('d')) await sectionD();
console.log(`\nbench-sampler done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
