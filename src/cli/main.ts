/**
 * The `pdbm` command line. Every user error is one line on stderr (`pdbm: ...`) with exit status 2
 * and nothing on stdout; so is any failure of the run itself (a crashed worker thread), with the
 * stack trace only under PDBM_DEBUG=1. `--json` makes stdout a single JSON object; progress goes
 * to stderr only on a terminal or with `--progress`, and `--quiet` silences progress and notes.
 *
 * This module loads only the command list; the commands (commands.ts) and with them the numerical
 * code are imported when a command runs, so `pdbm --help` starts in a fraction of a second.
 */
import { InputError } from '../util/errors.ts';
import { isCommand, SUMMARIES, VERSION } from './command-list.ts';

export { VERSION };

function usage(): string {
  const lines = Object.entries(SUMMARIES).map(([name, summary]) => `  ${name.padEnd(7)} ${summary}`);
  return `pdbm ${VERSION}: finite-temperature properties of quantum spin models with purified deep Boltzmann machines

usage: pdbm <command> [options]   (pdbm help <command> or pdbm <command> --help for its options)

commands:
${lines.join('\n')}

Models (meta.convention says which a number is in):
  tfim  H = - sum J_ij sz_i sz_j - Gamma sum sx_i - h sum sz_i          (Pauli matrices; J > 0 ferromagnetic)
  xxz   H = sum J [Delta Sz Sz + Sx Sx + Sy Sy] + sum_2nd J2 S.S - h sum Sz (S = sigma/2; J > 0 antiferromagnetic)
k_B = 1; e = <H>/N and c = beta^2 (<H^2> - <H>^2)/N per site. dbm handles the TFIM; train and exact handle both (train on xxz models: the complex network).
`;
}

/** One line for any failure; the stack trace only with PDBM_DEBUG=1. Returns the exit status. */
export function reportError(e: unknown): number {
  if (e instanceof InputError) {
    process.stderr.write(`pdbm: ${e.message.split('\n')[0]}\n`);
    return 2;
  }
  const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
  process.stderr.write(`pdbm: failed: ${msg}${process.env.PDBM_DEBUG ? '' : ' (PDBM_DEBUG=1 shows the stack trace)'}\n`);
  if (process.env.PDBM_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return 2;
}

/**
 * For the `pdbm` process: an error thrown outside any awaited promise (a worker thread dying
 * between tasks, an unhandled rejection) also ends in one line and exit status 2.
 */
export function installCrashHandlers(): void {
  const die = (e: unknown) => {
    process.exitCode = reportError(e);
    process.exit();
  };
  process.on('uncaughtException', die);
  process.on('unhandledRejection', die);
}

/** Runs the CLI with `argv` (without node and script); returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h') {
      process.stdout.write(usage());
      return 0;
    }
    if (name === 'help') {
      const topic = rest[0];
      if (topic === undefined) process.stdout.write(usage());
      else if (isCommand(topic)) process.stdout.write((await import('./commands.ts')).commandHelp(topic));
      else throw new InputError(`help: unknown command "${topic}" (commands: ${Object.keys(SUMMARIES).join(', ')})`);
      return 0;
    }
    if (name === '--version') {
      process.stdout.write(`${VERSION}\n`);
      return 0;
    }
    if (!isCommand(name)) throw new InputError(`unknown command "${name}" (commands: ${Object.keys(SUMMARIES).join(', ')}; see pdbm --help)`);
    const { COMMANDS, commandHelp, parseOptions } = await import('./commands.ts');
    const cmd = COMMANDS[name];
    const parsed = parseOptions(name, cmd.options, rest, Boolean(cmd.positionals));
    if (parsed.values.help) {
      process.stdout.write(commandHelp(name));
      return 0;
    }
    return (await cmd.run(parsed)) ?? 0;
  } catch (e) {
    return reportError(e);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  installCrashHandlers();
  process.exitCode = await main(process.argv.slice(2));
}
