// Shared by tests: thermodynamics from a plain list of eigenvalues, written independently of
// src/thermo.ts so that the reference does not share code with what it checks.

/** e = <H>/N and c = beta^2 var(H)/N at each T from all eigenvalues E (k_B = 1). */
export function thermoFromSpectrum(E: number[], N: number, temps: number[]): Array<{ T: number; e: number; c: number }> {
  const e0 = Math.min(...E);
  return temps.map((T) => {
    const b = 1 / T;
    let z = 0;
    let m1 = 0;
    let m2 = 0;
    for (const x of E) {
      const w = Math.exp(-b * (x - e0));
      z += w;
      m1 += w * (x - e0);
      m2 += w * (x - e0) ** 2;
    }
    m1 /= z;
    m2 /= z;
    return { T, e: (e0 + m1) / N, c: (b * b * (m2 - m1 * m1)) / N };
  });
}
