// Worker-thread entry point of the complex-network chains (complex-worker.ts), with the same tsx
// registration shim as worker-entry.mjs: whether a worker inherits the TypeScript loader of its
// parent depends on how the parent was started, so register tsx here when the plain import of the
// .ts module fails. The retry uses a fresh URL because ESM caches a failed import.
let mod;
try {
  mod = await import('./complex-worker.ts');
} catch (e) {
  if (e?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw e;
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import('./complex-worker.ts?tsx');
}
export default mod.default;
