/**
 * Where a worker thread's entry module lives. Built code (`dist/`, plain JavaScript) starts the
 * worker module itself; source code run through tsx starts a small `.mjs` shim that registers the
 * TypeScript loader first, because whether a worker inherits its parent's loader depends on how
 * the parent was started.
 *
 * @param moduleUrl `import.meta.url` of the module that owns the pool (next to the worker).
 * @param name the worker module's base name, e.g. `worker`.
 */
export function workerEntryUrl(moduleUrl: string, name: string): string {
  const built = moduleUrl.endsWith('.js');
  return new URL(built ? `./${name}.js` : `./${name}-entry.mjs`, moduleUrl).href;
}
