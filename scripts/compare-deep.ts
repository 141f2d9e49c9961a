/**
 * Deep vs shallow trained purified network, like for like: the same sampler,
 * estimators, SR solve and step schedule (src/train/deep-driver.ts; deep = 0 is the shallow
 * network), on a model against the exact checker. One thread per run; prints one line per
 * (network, T) and a JSON summary. Usage:
 *   node --import tsx scripts/compare-deep.ts [--model models/chain-16.json] [--temps 2,1,0.5,0.3]
 *     [--nets a2d0,a2d1,a4d0] [--samples 1000] [--measure 20000] [--seed 1] [--json FILE]
 *     [--metric naive|cross|same] [--deep-noise 0.01] [--shift 1e-5] [--inner 1] [--deep-shift 1]
 * A net "aXdY" has alpha = X hidden and Y deep units per site.
 */
import { cpus, loadavg } from 'node:os';
import { writeFileSync } from 'node:fs';
import { loadModel } from '../src/model/model.ts';
import { makeTfim } from '../src/model/hamiltonian.ts';
import { exactThermo } from '../src/exact/solver.ts';
import { defaultDeepOptions, trainDeep } from '../src/train/deep-driver.ts';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const model = loadModel(opt('model', 'models/chain-16.json'));
const temps = opt('temps', '2,1,0.5,0.3').split(',').map(Number);
const nets = opt('nets', 'a2d0,a2d1,a4d0').split(',');
const exact = exactThermo(makeTfim(model), temps).rows;
const out: unknown[] = [];
console.log(`model ${model.name}, temps ${temps.join(', ')}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} on ${cpus().length} cores`);
for (const spec of nets) {
  const m = /^a(\d+)d(\d+)$/.exec(spec);
  if (!m) throw new Error(`bad net ${spec} (want aXdY)`);
  const o = { ...defaultDeepOptions(), alpha: Number(m[1]), deep: Number(m[2]), samples: Number(opt('samples', '1000')), measureSamples: Number(opt('measure', '20000')), seed: Number(opt('seed', '1')), metric: opt('metric', 'naive') as 'same' | 'cross' | 'naive', deepNoise: Number(opt('deep-noise', '0.01')), shift: Number(opt('shift', '1e-5')), inner: Number(opt('inner', '1')), deepShift: Number(opt('deep-shift', '1')) };
  const cpu0 = process.cpuUsage();
  const r = trainDeep(model, temps, o);
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const load = loadavg()[0];
  for (const row of r.rows) {
    const ex = exact.find((x) => x.T === row.T)!;
    const de = Math.abs(row.e - ex.e) / Math.abs(ex.e);
    const dc = (row.c - ex.c) / ex.c;
    console.log(
      `${spec} P=${r.meta.parameters} T=${row.T}: e=${row.e.toFixed(5)}+-${row.e_err.toExponential(1)} exact ${ex.e.toFixed(5)} |de|/|e|=${de.toExponential(2)} (${(Math.abs(row.e - ex.e) / row.e_err).toFixed(1)} err)` +
        `  c=${row.c.toFixed(4)}+-${row.c_err.toFixed(4)} exact ${ex.c.toFixed(4)} dc/c=${(100 * dc).toFixed(1)}%`,
    );
    out.push({ net: spec, parameters: r.meta.parameters, T: row.T, e: row.e, e_err: row.e_err, e_exact: ex.e, de_rel: de, c: row.c, c_err: row.c_err, c_exact: ex.c, dc_rel: dc, cpu_s: cpuS });
  }
  console.log(`${spec}: P=${r.meta.parameters}, hidden ${r.meta.hidden}, deep ${r.meta.deep_units}, steps ${r.meta.steps}, samples ${r.meta.samples}, CPU ${cpuS.toFixed(1)} s, wall ${r.meta.seconds.toFixed(1)} s, ${r.meta.us_per_sample.toFixed(1)} us/sample (wall, loaded box: 1-min load ${load.toFixed(2)}), acceptance vis ${r.meta.acceptance.visible.toFixed(3)} deep ${r.meta.acceptance.deep.toFixed(3)}; warnings: ${r.meta.warnings.join('; ') || 'none'}`);
}
const json = opt('json', '');
if (json) writeFileSync(json, JSON.stringify(out, null, 1));
