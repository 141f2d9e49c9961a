/**
 * Validation of the trained purified DBM (Method 2) against the exact checker, on the accuracy
 * targets of the trained method:
 *   16-site periodic chain at Gamma = J, T = 5, 2, 1, 0.5, 0.3, 0.2: |de|/|e| <= 3e-4, c within 2%;
 *   4x4 torus at Gamma = 3 J,          T = 5, 2, 1, 0.5, 0.3:      |de|/|e| <= 3e-4, c within 3%.
 * Each model is one `trainThermo` call with R replicas (independent evolutions, combined per
 * temperature: the error bar covers the replica scatter and the measurement error).
 *
 *   node --import tsx scripts/validate-train.ts [--only NAME] [--alpha-chain 8] [--alpha-square 16] [--shift-chain X] [--shift-square X]
 *        [--shift-abs-chain X] [--shift-abs-square X]
 *        [--replicas R] [--step-tol X] [--samples N] [--rel-dbeta X] [--max-measure-samples N] [--target-err X]
 *        [--workers W] [--seed S] [--out results/train-accuracy]
 *
 * --samples (per imaginary-time step, all chains), --rel-dbeta, --max-measure-samples and --target-err
 * apply to both models; unset, they are the `pdbm train` defaults.
 *
 * Writes OUT.json (rows, exact values, deviations, run metadata) and OUT.md (a table).
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../src/util/atomic.ts';
import { exactThermo } from '../src/exact/solver.ts';
import { makeTfim } from '../src/model/hamiltonian.ts';
import { defaultTrainOptions, trainThermo } from '../src/train/driver.ts';
import { loadModel } from '../src/model/model.ts';

const { values } = parseArgs({
  options: {
    only: { type: 'string' }, 'alpha-chain': { type: 'string' }, 'alpha-square': { type: 'string' },
    'shift-chain': { type: 'string' }, 'shift-square': { type: 'string' }, 'shift-abs-chain': { type: 'string' }, 'shift-abs-square': { type: 'string' },
    workers: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' },
    replicas: { type: 'string' }, 'step-tol': { type: 'string' }, 'max-measure-samples': { type: 'string' },
    samples: { type: 'string' }, 'rel-dbeta': { type: 'string' }, 'target-err': { type: 'string' },
  },
});
const replicas = Number(values.replicas ?? 3);
const stepTol = values['step-tol'] === undefined ? undefined : Number(values['step-tol']);
const CASES = [
  {
    name: 'chain-16', file: 'models/chain-16.json', alpha: Number(values['alpha-chain'] ?? 8), shift: Number(values['shift-chain'] ?? defaultTrainOptions().shift),
    shiftAbs: Number(values['shift-abs-chain'] ?? defaultTrainOptions().shiftAbs),
    temps: [5, 2, 1, 0.5, 0.3, 0.2], eTol: 3e-4, cTol: 0.02,
  },
  {
    name: 'square-4x4', file: 'models/square-4x4.json', alpha: Number(values['alpha-square'] ?? 16), shift: Number(values['shift-square'] ?? defaultTrainOptions().shift),
    shiftAbs: Number(values['shift-abs-square'] ?? defaultTrainOptions().shiftAbs),
    temps: [5, 2, 1, 0.5, 0.3], eTol: 3e-4, cTol: 0.03,
  },
].filter((c) => !values.only || c.name === values.only);
const out = values.out ?? 'results/train-accuracy';

interface Case {
  model: string;
  alpha: number;
  shift: number;
  /** Absolute diagonal shift of S (absent in files written before it was an option: the default then, 1e-6). */
  shift_abs?: number;
  /** Measurement budget per temperature and replica (absent in older files: the default then, 1e6). */
  max_measure_samples?: number;
  /** Samples per imaginary-time step, step bound relative to beta, relative e target of the measurement (absent in older files: 4000, 0.05, 3e-4). */
  samples?: number;
  rel_dbeta?: number;
  target_err?: number;
  replicas: number;
  step_tol: number | null;
  targets: { e_rel: number; c_rel: number };
  exact_method: string;
  meta: { parameters: number; steps: number; samples: number; seconds: number; sampling_seconds: number; solve_seconds: number };
  workers: number;
  rows: Array<{
    T: number; e: number; e_err: number; e_exact: number; e_rel: number; c: number; c_err: number; c_exact: number; c_rel: number; e_ok: boolean; c_ok: boolean;
    e_dominant?: string; c_dominant?: string;
    c_var?: number; c_var_err?: number; c_var_rel?: number;
  }>;
}

/** Cases already in OUT.json (kept when this run covers only some of them). */
const previous: Case[] = existsSync(`${out}.json`) ? (JSON.parse(readFileSync(`${out}.json`, 'utf8')) as { cases: Case[] }).cases : [];
// Cases written by an older version of this script (other targets, no replicas) are dropped.
const report: Case[] = previous.filter((c) => c.targets !== undefined);

function render(cases: Case[]): string {
  const md: string[] = [
    '# Trained purified DBM vs exact',
    '',
    'Targets: 16-site chain at Gamma = J, |de|/|e| <= 3e-4 and c within 2% for T >= 0.2; 4x4 torus at Gamma = 3, |de|/|e| <= 3e-4 and c within 3% for T >= 0.3. `pdbm train` defaults except alpha, shift, samples per step, step control, measurement budget and replicas (each table says which); each model is one call from beta0 = 0.02 down to its lowest T. Each row combines R independent evolutions (replicas, derived seeds): the error bar is the larger of the replica scatter and the measurement error (column "bar set by"). c is the energy-flow estimator beta^2 F^T (S + shift)^-1 F / N (src/train/flow-heat.ts); c_var, the variance of E_loc, is shown beside it: at the lowest T it also carries the residual of the variational projection. "ok" asks for the deviation within the target; a deviation beyond 4 error bars is marked too. Written by scripts/validate-train.ts.',
    '',
  ];
  for (const c of cases) {
    md.push(`## ${c.model}, alpha = ${c.alpha}, shift = ${c.shift} (relative) + ${c.shift_abs ?? 1e-6} (absolute), ${c.meta.parameters} parameters`, '');
    md.push(
      `${c.replicas} replicas, ${c.samples ?? 4000} samples per step, ${c.step_tol ? `adaptive step (tolerance ${c.step_tol})` : `steps up to ${c.rel_dbeta ?? 0.05} beta`}, ` +
        `measurement until e_err <= ${c.target_err ?? 3e-4} |e| or ${(c.max_measure_samples ?? 1e6) / 1e6} M samples per temperature; targets |de|/|e| <= ${c.targets.e_rel}, c within ${100 * c.targets.c_rel}%. ` +
        `${c.meta.steps} steps, ${(c.meta.samples / 1e6).toFixed(2)} M samples, ${c.meta.seconds.toFixed(0)} s (sampling ${c.meta.sampling_seconds.toFixed(0)} s, solve ${c.meta.solve_seconds.toFixed(1)} s), ${c.workers} workers; exact: ${c.exact_method}.`,
      '',
    );
    // c is the energy-flow estimator; c_var (the variance of E_loc) is shown beside it.
    const cVar = c.rows.every((r) => r.c_var !== undefined);
    md.push(
      `| T | e | e exact | rel. dev. | c | c exact | rel. dev. |${cVar ? ' c_var | rel. dev. |' : ''} bar set by (e / c) | ok |`,
      `|---|---|---|---|---|---|---|${cVar ? '---|---|' : ''}---|---|`,
    );
    for (const r of c.rows) {
      const bad = [r.e_ok ? '' : 'e', r.c_ok ? '' : 'c'].filter(Boolean).join(', ');
      const sig = (d: number, err: number) => (Math.abs(d) > 4 * err ? ` (${(d / err).toFixed(1)} σ)` : '');
      md.push(
        `| ${r.T} | ${r.e.toFixed(6)} ± ${r.e_err.toExponential(1)} | ${r.e_exact.toFixed(6)} | ${r.e_rel.toExponential(2)}${sig(r.e - r.e_exact, r.e_err)} | ` +
          `${r.c.toFixed(5)} ± ${r.c_err.toExponential(1)} | ${r.c_exact.toFixed(5)} | ${(100 * r.c_rel).toFixed(2)}%${sig(r.c - r.c_exact, r.c_err)} | ` +
          (cVar ? `${r.c_var!.toFixed(5)} ± ${r.c_var_err!.toExponential(1)} | ${(100 * r.c_var_rel!).toFixed(2)}%${sig(r.c_var! - r.c_exact, r.c_var_err!)} | ` : '') +
          `${r.e_dominant ?? '-'} / ${r.c_dominant ?? '-'} | ${bad ? `no (${bad})` : 'yes'} |`,
      );
    }
    md.push('');
  }
  md.push(
    '## e at T >= 2: what sets the error',
    '',
    'An absolute error of about 2e-4 in e is below the target at T <= 1 but not at T >= 2, where |e| ~ beta. Where it comes from, measured on the 16-site chain (alpha 8, 4 replicas, measurement until e_err <= 1e-4 |e| or 4 M samples per replica, so bars of 5-7e-5): `pdbm train --model models/chain-16.json --temps 5,2 --alpha 8 --replicas 4 --max-measure-samples 4000000 --target-err 1e-4` with the options of the first column (the last two rows: --temps 2 and a 3 M budget).',
    '',
    '| options | T = 5: rel. dev. | T = 2: rel. dev. | steps (4 replicas) |',
    '|---|---|---|---|',
    '| defaults (4000 samples per step) | 5.2e-4 (3.5 σ) | 3.2e-4 (5.1 σ) | 272 |',
    '| --samples 16000 | -0.4e-4 (0.3 σ) | 3.0e-4 (3.7 σ) | 272 |',
    '| --samples 16000 --rel-dbeta 0.025 --max-dbeta 0.01 | - | 1.5e-4 (1.6 σ) | 528 |',
    '| --samples 16000 --step-tol 1e-4 | - | -0.2e-4 (0.3 σ) | 319 |',
    '',
    'At T = 5 the error is the sampling bias of the stochastic-reconfiguration step (S^-1 F from the same noisy samples; it goes with 4x the samples per step). At T = 2 it is the step error of the fixed schedule: halving the steps halves it, and the adaptive step (local-error control, `--step-tol`) removes it with 17% more steps than the fixed schedule. Each table above says in its header which samples per step and step control it was run with.',
    '',
    'On the 4x4 torus at Gamma = 3 the error at T = 5 is a step error too, at a tolerance that was enough on the chain: the field sets faster dynamics. `pdbm train --model models/square-4x4.json --temps 5 --alpha 8 --shift 1e-5 --samples 16000 --replicas 3 --max-measure-samples 4000000 --target-err 1.5e-4` with:',
    '',
    '| options | T = 5: rel. dev. | steps (3 replicas) |',
    '|---|---|---|',
    '| --step-tol 1e-4 (the whole curve T = 5 ... 0.3 as in the table above; T = 2 was then 1.2e-4) | 3.5e-4 (3.7 σ) | - |',
    '| --step-tol 1e-4, start at beta0 = 0.005 instead of 0.02 (TrainOptions.beta0; the start is not the cause) | 4.2e-4 (5.0 σ) | 265 |',
    '| --step-tol 2e-5 | 0.4e-4 (0.3 σ) | 481 |',
    '',
    'alpha 16 with the default steps had left the same 3.5e-4, so the network size is not the cause either. The tighter tolerance over the whole curve (at shift 1e-5) put T = 5 within target but left T = 2 at 3.6e-4, 3.9 bars, where the looser one had 1.2e-4: with three replicas the scatter at T = 2 is itself uncertain by 50%.',
    '',
    'A second measurement at the tighter tolerance, with another seed and four replicas (`--temps 5,2 --step-tol 2e-5 --replicas 4 --seed 7`, otherwise as above; 1093 steps, 41.6 M samples, 2145 s on a shared machine): T = 5 at +2.6e-4 (3.6 σ) and T = 2 at +2.1e-4 (2.9 σ), both within the target. Over the five measurements at this tolerance (three at T = 5, two at T = 2), e on the 4x4 lies 0.4e-4 to 3.6e-4 above exact and never below: a positive bias, on average 1.1e-4 at T = 5 and 2.9e-4 at T = 2, at the edge of the 3e-4 target, whose source (the finite-sample bias of S^-1 F, which 4x the samples removed at T = 5 on the chain, or the step) is not separated yet.',
    '',
    'Is the bias the finite-sample bias of S^-1 F, of order 1/n in the samples per step? A split-half jackknife of every step, x = 2 x(all chains) - (x(first half) + x(second half)) / 2, would cancel such a bias. Tried on the 16-site chain at 4000 samples per step (`pdbm train --model models/chain-16.json --temps 5,2 --alpha 8 --samples 4000 --step-tol 1e-4 --replicas 4 --max-measure-samples 4000000 --target-err 1e-4 --seed 3 --workers 1`; 317 steps, 34.5 M samples, 2707 s without it, 3418 s with it on a shared machine): e went from +7.6e-4 (3.3 σ) and +2.4e-4 (3.5 σ) at T = 5 and 2 to -1.5e-3 (-4.8 σ) and -3.9e-4 (-3.8 σ). On the 4-site chain (alpha 2, 16 seeds, against the exact-moments run) it went from +2.0e-3 ± 1.3e-3 to -5.8e-3 ± 1.1e-3 at T = 2 with 1600 samples per step, and from +5.7% ± 1.0% to +2.0% ± 0.5% with 400. The bias grows faster than 1/n as n falls (28x from 1600 to 400 samples per step on 4 sites), so the halves over-correct; the correction was dropped, and more samples per step remain the remedy.',
    '',
    'Twice the samples per step on the 4x4 torus (32000; otherwise the options and seed of that run at shift 1e-5: 2091 steps, 141 M samples, 8460 s on a shared machine) did not remove that bias: e at T = 5 and 2 came out +2.9e-4 (1.8 σ) and +2.9e-4 (1.2 σ) above exact, T = 1 ... 0.3 within 7.4e-5 (T = 0.5 at -5.6 σ), c within 1.5% for T >= 0.5 but -3.9% (4.9 σ) at T = 0.3, where c_var was -0.03%. At T = 2 the bias is the 2.9e-4 that the measurements at 16000 averaged: not the finite-sample bias of S^-1 F, which would have halved, so the step control or the shift sets it. The flow estimator of c at T = 0.3 moved by 1.2% between the two runs (-2.7% and -3.9%).',
    '',
    'The shift sets it. It damps the evolution along the directions of small eigenvalues of S, so the state lags behind e^{-beta H/2} and e comes out high. With exact moments (no sampling; `TrainOptions.exact`) on the 6-site chain at Gamma = 3 (alpha 4, `--step-tol 2e-5`), the default shift (1e-5 relative + 1e-6 absolute) leaves e +7.1e-5 and +5.0e-5 above exact at T = 5 and 2, and 1e-7 + 1e-9 leaves +1.8e-5 and +0.9e-5; on the 4-site chain a 20x tighter step tolerance (4x the steps) moves it only from +1.0e-4 to +0.8e-4 at T = 5, while the smaller shift takes it to +1.9e-5. On the 4x4 torus with sampling, a 10x smaller shift (1e-6 + 1e-7: the table above, otherwise the options and seed of the run at 1e-5) takes e at T = 2 from +3.56e-4 to +1.05e-4 and c at T = 0.3 from -2.74% to +0.70%: every target met, with 14% more steps (2220 against 1943). Its 4370 s are not comparable with the 1363 s of the run at 1e-5: the machine was slower that day and shared for the first 12 minutes (54 against 19 us per sample). 16000 samples per step keep the noise that a smaller shift lets through in check; the `pdbm train` default stays 1e-5 (its 4000 samples per step carry 4x the noise; not measured with the smaller shift).',
    '',
    '## Deep vs shallow',
    '',
    'The deep network (`pdbm train --deep K`: hidden layer summed, deep layer sampled in two copies) against the shallow one, like for like on the 16-site chain: results/deep-vs-shallow.md (scripts/compare-deep.ts). At equal cost the shallow network is 2-10x more accurate in e at T <= 1, and the deep one misses c by 16-27% at T = 0.5 and 125-165% at T = 0.3: its sampled SR system is either unbiased but not positive (unstable) or stable but biased by the deep layer\'s conditional noise. The shallow network stays the default.',
    '',
  );
  return md.join('\n');
}

for (const c of CASES) {
  const model = loadModel(c.file);
  const temps = c.temps;
  const exact = exactThermo(makeTfim(model), temps);
  const opts = {
    ...defaultTrainOptions(), alpha: c.alpha, shift: c.shift, shiftAbs: c.shiftAbs, seed: Number(values.seed ?? 1), replicas, stepTol,
    ...(values.workers ? { workers: Number(values.workers) } : {}),
    // At T = 5 the e target (3e-4) is below what the default budget (1e6 samples) resolves.
    ...(values['max-measure-samples'] ? { maxMeasureSamples: Number(values['max-measure-samples']) } : {}),
    ...(values.samples ? { samples: Number(values.samples) } : {}),
    ...(values['rel-dbeta'] ? { relDbeta: Number(values['rel-dbeta']) } : {}),
    ...(values['target-err'] ? { measureRelErr: Number(values['target-err']) } : {}),
  };
  const res = await trainThermo(model, temps, opts, (d, t) => process.stderr.write(`\r${c.name}: step ${d}/${t}   `));
  process.stderr.write('\n');
  const rows = res.rows.map((r, k) => {
    const x = exact.rows[k];
    const de = (r.e - x.e) / Math.abs(x.e);
    const dc = (r.c - x.c) / x.c;
    const p = res.meta.points[k] as (typeof res.meta.points)[number] & { replica_errors?: { e: { dominant: string }; c: { dominant: string } } };
    return {
      T: r.T, e: r.e, e_err: r.e_err, e_exact: x.e, e_rel: de, c: r.c, c_err: r.c_err, c_exact: x.c, c_rel: dc,
      e_ok: Math.abs(de) <= c.eTol, c_ok: Math.abs(dc) <= c.cTol, samples: p.samples, tau_e: p.tau_e, e_estimator: p.e_estimator,
      e_dominant: p.replica_errors?.e.dominant, c_dominant: p.replica_errors?.c.dominant,
      ...(r.c_var !== undefined && r.c_var_err !== undefined ? { c_var: r.c_var, c_var_err: r.c_var_err, c_var_rel: (r.c_var - x.c) / x.c } : {}),
    };
  });
  const entry: Case = {
    model: c.name, alpha: c.alpha, shift: c.shift, shift_abs: c.shiftAbs, max_measure_samples: opts.maxMeasureSamples,
    samples: opts.samples, rel_dbeta: opts.relDbeta, target_err: opts.measureRelErr, replicas, step_tol: stepTol ?? null, targets: { e_rel: c.eTol, c_rel: c.cTol },
    exact_method: exact.method, meta: res.meta, workers: opts.workers, rows,
  };
  const at = report.findIndex((p) => p.model === c.name);
  if (at >= 0) report[at] = entry;
  else report.push(entry);
  writeFileAtomic(`${out}.json`, `${JSON.stringify({ cases: report }, null, 1)}\n`);
  writeFileAtomic(`${out}.md`, `${render(report)}\n`);
}
console.log(render(report));
