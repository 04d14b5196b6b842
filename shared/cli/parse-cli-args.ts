import { parseArgs } from 'node:util';
import { ENVIRONMENT_NAME_RULE, parseEnvironmentName } from '../domain/environment-name.js';

export type CliCommand = 'sweep' | 'discover' | 'serve' | 'cleanup';

/** Parsed command line; each command accepts only its own flags (COMMAND_FLAGS). */
export interface CliOptions {
  command: CliCommand;
  configPath?: string;
  /** Only this environment of the config (default: every one). */
  environment?: string;
  json: boolean;
  help: boolean;
  /** sweep: Application Insights connection string (or env:NAME) to send telemetry to. */
  export?: string;
  /** sweep: authenticate ingestion with Entra ID (DefaultAzureCredential / managed identity). */
  entra: boolean;
  /** sweep: Table Storage connection string or https URL (or env:NAME) for the alert state. */
  alertState?: string;
  /** sweep: Table Storage connection string or https URL (or env:NAME) to save the report to. */
  history?: string;
  /** sweep: Blob Storage connection string or https URL (or env:NAME) for the report bodies (with --history). */
  historyBlob?: string;
  /** sweep: write the matrix page to this file. */
  html?: string;
  /** serve: port on 127.0.0.1 (0: any free port). */
  port: number;
  /** serve: seconds from one sweep's start to the next. */
  intervalSec: number;
  /** serve: stop after this many sweeps (default: until interrupted). */
  count?: number;
}

export const DEFAULT_SERVE_PORT = 8080;
export const DEFAULT_SERVE_INTERVAL_SEC = 60;

type FlagSpec = { type: 'string' | 'boolean'; short?: string };

const COMMON: Record<string, FlagSpec> = {
  config: { type: 'string' },
  environment: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

/** The flags each command accepts; help-text.ts lists exactly these (a unit test compares). */
export const COMMAND_FLAGS: Record<CliCommand, Record<string, FlagSpec>> = {
  sweep: {
    ...COMMON,
    json: { type: 'boolean' },
    export: { type: 'string' },
    entra: { type: 'boolean' },
    'alert-state': { type: 'string' },
    history: { type: 'string' },
    'history-blob': { type: 'string' },
    html: { type: 'string' },
  },
  discover: { ...COMMON, json: { type: 'boolean' } },
  cleanup: { ...COMMON },
  serve: { ...COMMON, port: { type: 'string' }, interval: { type: 'string' }, count: { type: 'string' } },
};

export type CliArgs =
  | { ok: true; options: CliOptions }
  | { ok: false; help: 'main' | CliCommand | null; error: string | null };

const isCommand = (text: string): text is CliCommand => Object.hasOwn(COMMAND_FLAGS, text);

export function parseCliArgs(argv: readonly string[]): CliArgs {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    return { ok: false, help: 'main', error: command === undefined ? 'missing command' : null };
  }
  if (!isCommand(command)) {
    return { ok: false, help: 'main', error: `unknown command ${quotedIfWord(command)}` };
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...rest],
      strict: true,
      allowPositionals: false,
      options: COMMAND_FLAGS[command],
    }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    return { ok: false, help: command, error: argumentError(e, COMMAND_FLAGS[command]) };
  }
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const usage = (error: string): CliArgs => ({ ok: false, help: command, error });

  const port = wholeNumber(text('port'), '--port', 0, 65_535);
  if (typeof port === 'string') return usage(port);
  const count = wholeNumber(text('count'), '--count', 1, 1_000_000);
  if (typeof count === 'string') return usage(count);
  let intervalSec = DEFAULT_SERVE_INTERVAL_SEC;
  const interval = text('interval');
  if (interval !== undefined) {
    intervalSec = Number(interval);
    if (!/^\d+(\.\d+)?$/.test(interval) || intervalSec < 1 || intervalSec > 86_400) {
      return usage('--interval must be a number of seconds from 1 to 86400');
    }
  }
  if (values.entra === true && text('export') === undefined) {
    return usage('--entra only applies with --export');
  }
  for (const flag of ['export', 'alert-state', 'history', 'history-blob', 'html', 'config', 'environment']) {
    if (text(flag) === '') return usage(`--${flag} needs a value`);
  }
  if (text('history-blob') !== undefined && text('history') === undefined) {
    return usage('--history-blob only applies with --history (the report index stays in Table Storage)');
  }
  const environment = text('environment');
  if (environment !== undefined && parseEnvironmentName(environment) === null) {
    return usage(`--environment must be ${ENVIRONMENT_NAME_RULE}`);
  }

  const options: CliOptions = {
    command,
    json: values.json === true,
    help: values.help === true,
    entra: values.entra === true,
    port: port ?? DEFAULT_SERVE_PORT,
    intervalSec,
  };
  const optional: [keyof CliOptions, string][] = [
    ['configPath', 'config'],
    ['environment', 'environment'],
    ['export', 'export'],
    ['alertState', 'alert-state'],
    ['history', 'history'],
    ['historyBlob', 'history-blob'],
    ['html', 'html'],
  ];
  for (const [key, flag] of optional) {
    const value = text(flag);
    if (value !== undefined) (options as unknown as Record<string, unknown>)[key] = value;
  }
  if (count !== undefined) options.count = count;
  return { ok: true, options };
}

/** undefined when absent, the number, or the usage message. */
function wholeNumber(
  value: string | undefined,
  flag: string,
  min: number,
  max: number,
): number | undefined | string {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max)
    return `${flag} must be a whole number from ${min} to ${max}`;
  return n;
}

/**
 * A mistyped command line often carries a connection string or a token where a flag belongs, and
 * node:util's messages quote the whole unexpected argument: ours name the problem and the fix, and
 * quote only what looks like a command or flag name.
 */
function argumentError(e: unknown, flags: Record<string, FlagSpec>): string {
  const code = (e as { code?: string }).code;
  const message = e instanceof Error ? e.message : '';
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    return 'unexpected argument: every value follows its flag (e.g. --alert-state VALUE), and values starting with "-" need --flag=VALUE';
  }
  const flag = /^(?:Unknown option|Option) '([^']*)'/.exec(message)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${quotedIfWord(flag)}; see --help`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = /--([a-z][a-z-]*)/.exec(flag)?.[1];
    // The flag's own type says which way the value was wrong: a boolean was given one, a string lacked it.
    const spec = name !== undefined && Object.hasOwn(flags, name) ? flags[name] : undefined;
    return spec
      ? `--${name} ${spec.type === 'boolean' ? 'takes no value' : 'needs a value'}`
      : 'an option has a missing or unexpected value; see --help';
  }
  return 'the arguments do not parse; see --help';
}

function quotedIfWord(text: string): string {
  return /^-{0,2}[A-Za-z][A-Za-z0-9-]{0,30}$/.test(text)
    ? `"${text}"`
    : '(not shown: it does not look like a name)';
}
