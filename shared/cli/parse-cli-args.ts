import { parseArgs } from 'node:util';

export type CliCommand = 'sweep' | 'discover';

/**
 * Parsed command line. Later flags (--export, --alert-state, --html) are added here and in
 * help-text.ts; their handling goes into CliExtensions (run-cli.ts), so the sweep core stays as is.
 */
export interface CliOptions {
  command: CliCommand;
  configPath?: string;
  json: boolean;
  help: boolean;
}

export type CliArgs =
  | { ok: true; options: CliOptions }
  | { ok: false; help: 'main' | CliCommand | null; error: string | null };

export function parseCliArgs(argv: readonly string[]): CliArgs {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    return { ok: false, help: 'main', error: command === undefined ? 'missing command' : null };
  }
  if (command !== 'sweep' && command !== 'discover') {
    return { ok: false, help: 'main', error: `unknown command "${command.slice(0, 40)}"` };
  }
  try {
    const { values } = parseArgs({
      args: [...rest],
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    return {
      ok: true,
      options: {
        command,
        ...(values.config !== undefined ? { configPath: values.config } : {}),
        json: values.json === true,
        help: values.help === true,
      },
    };
  } catch (e) {
    return { ok: false, help: command, error: (e as Error).message };
  }
}
