// Preloaded with --import by the CLI tests: appends the URL of every module the process imports
// (ESM resolution) to the file named by PDBM_TRACE_IMPORTS, to check what `pdbm --help` loads.
import { register } from 'node:module';

register(new URL('./trace-imports-hooks.mjs', import.meta.url));
