/**
 * Canonical thermodynamics from a spectrum given as eigenvalue lists with multiplicities
 * (k_B = 1).
 */
import type { ExactPoint } from '../stats/row.ts';

/** One temperature: e = <H>/N, c = beta^2 var(H)/N and, where known, chi = beta var(M)/N. */
export type ThermoPoint = ExactPoint & { chi?: number };

/** Eigenvalue lists with multiplicities; `magnetization` (if every level has it) gives chi. */
export interface LevelList {
  energies: Float64Array;
  weight: number;
  magnetization?: number;
}

/**
 * e = <H>/N and c = beta^2 (<H^2> - <H>^2)/N at each T > 0 from `levels` (each eigenvalue counts
 * `weight` times). Boltzmann weights are taken relative to the ground state, exp(-beta (E - E0)),
 * so nothing overflows at low T; the variance is summed as <(E - <E>)^2> in a second pass, since
 * <H^2> - <H>^2 loses all digits when T is small next to |E0|. When every level carries its
 * magnetization M (conserved), the uniform susceptibility chi = beta (<M^2> - <M>^2) / N is
 * returned too (the same two-pass sums), in the model's units of M.
 */
export function thermoFromLevels(levels: LevelList[], nSites: number, temps: number[]): ThermoPoint[] {
  const withM = levels.length > 0 && levels.every((l) => l.magnetization !== undefined);
  const e0 = groundEnergy(levels);
  if (!Number.isFinite(e0)) throw new RangeError('thermoFromLevels: empty or non-finite spectrum');
  return temps.map((T) => {
    if (!(T > 0)) throw new RangeError(`thermoFromLevels: temperature must be > 0, got ${T}`);
    const beta = 1 / T;
    let z = 0;
    let s1 = 0;
    let m1 = 0;
    const zOf = new Float64Array(levels.length);
    levels.forEach((l, k) => {
      let zl = 0;
      let sl = 0;
      for (let i = 0; i < l.energies.length; i++) {
        const d = l.energies[i] - e0;
        const b = Math.exp(-beta * d);
        zl += b;
        sl += b * d;
      }
      zOf[k] = l.weight * zl;
      z += l.weight * zl;
      s1 += l.weight * sl;
      if (withM) m1 += l.weight * zl * l.magnetization!;
    });
    const mean = s1 / z;
    const meanM = m1 / z;
    let s2 = 0;
    let vm = 0;
    levels.forEach((l, k) => {
      let vl = 0;
      for (let i = 0; i < l.energies.length; i++) {
        const d = l.energies[i] - e0;
        const x = d - mean;
        vl += Math.exp(-beta * d) * x * x;
      }
      s2 += l.weight * vl;
      if (withM) vm += zOf[k] * (l.magnetization! - meanM) ** 2;
    });
    const variance = s2 / z;
    const point: ThermoPoint = { T, e: (e0 + mean) / nSites, c: (beta * beta * variance) / nSites };
    if (withM) point.chi = (beta * vm) / z / nSites;
    return point;
  });
}

/** ln Z = ln sum_levels weight * exp(-beta E) at inverse temperature beta, stable for any beta. */
export function logPartition(levels: LevelList[], beta: number): number {
  const e0 = groundEnergy(levels);
  let z = 0;
  for (const l of levels) {
    let zl = 0;
    for (let i = 0; i < l.energies.length; i++) zl += Math.exp(-beta * (l.energies[i] - e0));
    z += l.weight * zl;
  }
  return Math.log(z) - beta * e0;
}

/** The lowest eigenvalue of a spectrum given as levels. */
export function groundEnergy(levels: LevelList[]): number {
  let e0 = Infinity;
  for (const l of levels) for (let i = 0; i < l.energies.length; i++) e0 = Math.min(e0, l.energies[i]);
  return e0;
}
