/**
 * ln cosh(x), the log-amplitude of a summed-out hidden unit (sum_{h=±1} e^{h x} = 2 cosh x), used by
 * every network's local energy and sampler. Written as |x| + ln(1 + e^{-2|x|}) - ln 2, which neither
 * overflows for large |x| nor loses digits near 0.
 */
export function logCosh(x: number): number {
  const a = Math.abs(x);
  return a + Math.log1p(Math.exp(-2 * a)) - Math.LN2;
}
