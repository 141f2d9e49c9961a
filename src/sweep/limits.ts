/**
 * Limits checked before work starts that belong to no single method's module: the trained
 * network's number of imaginary-time steps. (The analytic network's memory limit lives with the
 * method: methods/analytic-dbm.ts `checkAnalyticMemory`.)
 */
import { InputError } from '../util/errors.ts';

/** Human-readable size. */
export function formatBytes(b: number): string {
  if (b >= 2 ** 30) return `${(b / 2 ** 30).toPrecision(3)} GB`;
  return `${(b / 2 ** 20).toPrecision(3)} MB`;
}

/**
 * Most imaginary-time steps a trained-network run may plan: its steps grow like beta / maxDbeta,
 * so T = 1e-9 would mean ~5e10 steps (a run that never ends). 1e5 steps at the default
 * maxDbeta 0.02 reach beta = 2000.
 */
export const MAX_TRAIN_STEPS = 100_000;

/**
 * Refuses (one-line InputError) temperatures that the trained network would need more than
 * {@link MAX_TRAIN_STEPS} imaginary-time steps of at most `maxDbeta` to reach; returns the estimate.
 */
export function checkTrainSteps(temps: number[], maxDbeta: number, flag = '--max-dbeta'): number {
  const Tmin = Math.min(...temps);
  const steps = 1 / Tmin / maxDbeta;
  if (steps > MAX_TRAIN_STEPS) {
    throw new InputError(
      `T = ${Tmin} needs about ${steps.toPrecision(2)} imaginary-time steps (beta / ${flag}), over the limit of ${MAX_TRAIN_STEPS}: ` +
        `the lowest T for ${flag} ${maxDbeta} is ${Number((1 / (MAX_TRAIN_STEPS * maxDbeta)).toPrecision(2))}`,
    );
  }
  return steps;
}
