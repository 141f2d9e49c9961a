// For worker-thread entry shims under tsx (built code in dist/ starts its worker modules directly):
// whether a worker inherits the TypeScript loader of its parent depends on how the parent was
// started, so when the plain import of a .ts module fails, register tsx here and import again.
// The retry uses a fresh URL because ESM caches a failed import.

/** Imports the TypeScript module at `url` (a URL or href), registering tsx first if needed. */
export async function importTs(url) {
  const href = String(url);
  try {
    return await import(href);
  } catch (e) {
    if (e?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw e;
    const { register } = await import('tsx/esm/api');
    register();
    return await import(`${href}?tsx`);
  }
}
