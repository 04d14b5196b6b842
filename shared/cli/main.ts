import { runCli } from './run-cli.js';

// The `tunnelwatch` executable (bin/tunnelwatch.js loads this file, compiled or through tsx).
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
