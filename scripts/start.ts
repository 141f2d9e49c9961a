/** `npm start`: the default sweep (see default-sweep.ts), with progress on stderr. */
import { main } from '../src/cli/main.ts';
import { DEFAULT_SWEEP } from './default-sweep.ts';

process.exitCode = await main([...DEFAULT_SWEEP, '--progress']);
