#!/usr/bin/env node
// The `pdbm` command: runs the CLI from the JavaScript that `tsc` built into dist/ (npm runs the
// build at install through the `prepare` script; `npm run build` after editing src/).
import { installCrashHandlers, main } from '../dist/cli/main.js';

installCrashHandlers();
process.exitCode = await main(process.argv.slice(2));
