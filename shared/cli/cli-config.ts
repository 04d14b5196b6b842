import { formatIssues } from '../config/config-issue.js';
import { loadConfig } from '../config/load-config.js';
import type { HostConfig, TunnelwatchConfig } from '../config/tunnelwatch-config.js';
import { EXIT_USAGE } from '../report/exit-code.js';
import { openDockerClients } from '../transport/docker-clients.js';
import type { DockerHostClient } from '../transport/docker-host-client.js';
import type { CliIo, HostHooks } from './cli-io.js';
import type { CliOptions } from './parse-cli-args.js';

/**
 * The environments a command works on: every one in the config, or the one `--environment` names;
 * null (after saying why on stderr) when the config does not load or has no such environment.
 */
export async function loadCliConfig(options: CliOptions, io: CliIo): Promise<TunnelwatchConfig[] | null> {
  const loaded = await loadConfig({
    ...(options.configPath !== undefined ? { path: options.configPath } : {}),
    env: io.env,
  });
  if (!loaded.ok) {
    io.stderr.write(`tunnelwatch: config error\n${indent(formatIssues(loaded.issues))}\n`);
    return null;
  }
  const all = loaded.config.environments;
  if (options.environment === undefined) return all;
  const chosen = all.filter((e) => e.environment === options.environment);
  if (chosen.length === 0) {
    io.stderr.write(
      `tunnelwatch: --environment ${options.environment}: the config has no such environment (it has: ${all.map((e) => e.environment).join(', ')})\n`,
    );
    return null;
  }
  return chosen;
}

/** "== environment NAME ==" before each environment's part of a text output, when there are several. */
export function environmentHeading(
  environments: readonly TunnelwatchConfig[],
  config: TunnelwatchConfig,
): string {
  return environments.length > 1 ? `== environment ${config.environment} ==\n` : '';
}

/**
 * For a command that asks the hosts directly (discover, cleanup): the config and a Docker client per
 * host (the test's, else dockerode's, closed afterwards); a config that does not load is a usage error.
 */
export async function withHostClients(
  options: CliOptions,
  io: CliIo,
  hooks: HostHooks,
  run: (
    environments: readonly TunnelwatchConfig[],
    clientFor: (host: HostConfig) => DockerHostClient,
  ) => Promise<number>,
): Promise<number> {
  const environments = await loadCliConfig(options, io);
  if (!environments) return EXIT_USAGE;
  const clients = openDockerClients();
  try {
    return await run(environments, hooks.clientFor ?? clients.clientFor);
  } finally {
    await clients.close();
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
