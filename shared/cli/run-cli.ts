import { printableWriter } from '../domain/printable-text.js';
import { EXIT_USAGE } from '../report/exit-code.js';
import { runCleanupCommand } from './cleanup-command.js';
import type { CliIo } from './cli-io.js';
import { runDiscoverCommand } from './discover-command.js';
import { CLEANUP_HELP, DISCOVER_HELP, MAIN_HELP, SERVE_HELP, SWEEP_HELP } from './help-text.js';
import { type CliCommand, parseCliArgs } from './parse-cli-args.js';
import { runServeCommand, type ServeCommandHooks } from './serve-command.js';
import { runSweepCommand, type SweepCommandHooks } from './sweep-command.js';

export type { CliIo } from './cli-io.js';

/** Everything a test may plug into any command; each command takes only its own part. */
export type CliExtensions = SweepCommandHooks & ServeCommandHooks;

const HELP: Record<CliCommand, string> = {
  sweep: SWEEP_HELP,
  discover: DISCOVER_HELP,
  serve: SERVE_HELP,
  cleanup: CLEANUP_HELP,
};

/** The whole `tunnelwatch` command: parses argv and hands over to the command; returns the exit code. */
export async function runCli(
  argv: readonly string[],
  rawIo: CliIo,
  ext: CliExtensions = {},
): Promise<number> {
  // Everything printed may carry host text (daemon errors, labels, swanctl output): sanitised once here.
  const io: CliIo = {
    ...rawIo,
    stdout: printableWriter(rawIo.stdout),
    stderr: printableWriter(rawIo.stderr),
  };
  const args = parseCliArgs(argv);
  if (!args.ok) {
    const help = args.help === null || args.help === 'main' ? MAIN_HELP : HELP[args.help];
    if (args.error === null) {
      io.stdout.write(help);
      return 0;
    }
    io.stderr.write(`tunnelwatch: ${args.error}\n\n${help}`);
    return EXIT_USAGE;
  }
  const options = args.options;
  if (options.help) {
    io.stdout.write(HELP[options.command]);
    return 0;
  }
  switch (options.command) {
    case 'sweep':
      return runSweepCommand(options, io, ext);
    case 'discover':
      return runDiscoverCommand(options, io, ext.clientFor ? { clientFor: ext.clientFor } : {});
    case 'serve':
      return runServeCommand(options, io, ext);
    case 'cleanup':
      return runCleanupCommand(options, io, ext.clientFor ? { clientFor: ext.clientFor } : {});
  }
}
