// Runs a program with an argv array (never a shell string) and a deadline; failures carry the command
// and its stderr, which for the tools the lab runs never contains secrets.
import { execFile } from 'node:child_process';

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  /** Resolve instead of rejecting on a non-zero exit. */
  allowFailure?: boolean;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly result: RunResult,
  ) {
    super(
      `${argv.join(' ')} exited with ${result.code}: ${(result.stderr || result.stdout).trim().slice(0, 600)}`,
    );
    this.name = 'CommandError';
  }
}

export function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('internal: empty argv');
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        const result = { code, stdout, stderr: stderr || (error && code === 1 ? error.message : '') };
        if (code !== 0 && !options.allowFailure) reject(new CommandError(argv, result));
        else resolve(result);
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** argv prefix that runs a command inside a lab host's network namespace (mount namespace untouched). */
export function inNetns(netnsPath: string, argv: readonly string[]): string[] {
  return ['nsenter', `--net=${netnsPath}`, ...argv];
}
