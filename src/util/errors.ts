/**
 * An error caused by what the user asked for (a malformed model file, a bad option, a temperature
 * out of range). The CLI prints its message as one line and exits with status 2; anything else is a
 * bug and keeps its stack trace.
 */
export class InputError extends Error {
  override name = 'InputError';
}

/** Throws an {@link InputError} with `message` unless `cond` holds. */
export function require_(cond: unknown, message: string): asserts cond {
  if (!cond) throw new InputError(message);
}
