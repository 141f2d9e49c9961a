// Module resolution hooks for trace-imports.mjs (they run in the loader thread).
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (process.env.PDBM_TRACE_IMPORTS) appendFileSync(process.env.PDBM_TRACE_IMPORTS, `${r.url}\n`);
  return r;
}
