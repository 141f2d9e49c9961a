/**
 * Canonical thermodynamics from a spectrum given as eigenvalue lists with multiplicities
 * (k_B = 1).
 */

/** One temperature: energy per site e = <H>/N and specific heat per site c = beta^2 var(H)/N. */
export interface ThermoPoint {
  T: number;
  e: number;
  c: number;
}

/**
 * e = <H>/N and c = beta^2 (<H^2> - <H>^2)/N at each T > 0 from `levels` (each eigenvalue counts
 * `weight` times). Boltzmann weights are taken relative to the ground state, exp(-beta (E - E0)),
 * so nothing overflows at low T; the variance is summed as <(E - <E>)^2> in a second pass, since
 * <H^2> - <H>^2 loses all digits when T is small next to |E0|.
 */
export function thermoFromLevels(
  levels: Array<{ energies: Float64Array; weight: number }>, nSites: number, temps: number[],
): ThermoPoint[] {
  let e0 = Infinity;
  for (const l of levels) for (let i = 0; i < l.energies.length; i++) e0 = Math.min(e0, l.energies[i]);
  if (!Number.isFinite(e0)) throw new RangeError('thermoFromLevels: empty or non-finite spectrum');
  return temps.map((T) => {
    if (!(T > 0)) throw new RangeError(`thermoFromLevels: temperature must be > 0, got ${T}`);
    const beta = 1 / T;
    let z = 0;
    let s1 = 0;
    for (const l of levels) {
      let zl = 0;
      let sl = 0;
      for (let i = 0; i < l.energies.length; i++) {
        const d = l.energies[i] - e0;
        const b = Math.exp(-beta * d);
        zl += b;
        sl += b * d;
      }
      z += l.weight * zl;
      s1 += l.weight * sl;
    }
    const mean = s1 / z;
    let s2 = 0;
    for (const l of levels) {
      let vl = 0;
      for (let i = 0; i < l.energies.length; i++) {
        const d = l.energies[i] - e0;
        const x = d - mean;
        vl += Math.exp(-beta * d) * x * x;
      }
      s2 += l.weight * vl;
    }
    const variance = s2 / z;
    return { T, e: (e0 + mean) / nSites, c: (beta * beta * variance) / nSites };
  });
}

/** ln Z = ln sum_levels weight * exp(-beta E) at inverse temperature beta, stable for any beta. */
export function logPartition(levels: Array<{ energies: Float64Array; weight: number }>, beta: number): number {
  let e0 = Infinity;
  for (const l of levels) for (let i = 0; i < l.energies.length; i++) e0 = Math.min(e0, l.energies[i]);
  let z = 0;
  for (const l of levels) {
    let zl = 0;
    for (let i = 0; i < l.energies.length; i++) zl += Math.exp(-beta * (l.energies[i] - e0));
    z += l.weight * zl;
  }
  return Math.log(z) - beta * e0;
}
