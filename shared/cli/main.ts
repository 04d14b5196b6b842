import { runCli } from './run-cli.js';

// The `tunnelwatch` executable (bin/tunnelwatch.js loads this file, compiled or through tsx).
// SIGINT / SIGTERM end `serve` after its current sweep; a second one (no handler left) exits at once.
const stop = new AbortController();
const onSignal = (signal: NodeJS.Signals) => {
  process.stderr.write(`tunnelwatch: ${signal}, stopping after the current sweep\n`);
  stop.abort();
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: stop.signal,
});
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
