#!/usr/bin/env node
// The `pdbm` command: registers the TypeScript loader (Node 20 has no type stripping), then runs the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
