import { formatIssues } from '../config/config-issue.js';
import { loadConfig } from '../config/load-config.js';
import type { HostConfig, TunnelwatchConfig } from '../config/tunnelwatch-config.js';
import { EXIT_USAGE } from '../report/exit-code.js';
import { openDockerClients } from '../transport/docker-clients.js';
import type { DockerHostClient } from '../transport/docker-host-client.js';
import type { CliIo, HostHooks } from './cli-io.js';
import type { CliOptions } from './parse-cli-args.js';

/** The config every command starts from; null (after saying why on stderr) when it does not load. */
export async function loadCliConfig(options: CliOptions, io: CliIo): Promise<TunnelwatchConfig | null> {
  const loaded = await loadConfig({
    ...(options.configPath !== undefined ? { path: options.configPath } : {}),
    env: io.env,
  });
  if (loaded.ok) return loaded.config;
  io.stderr.write(`tunnelwatch: config error\n${indent(formatIssues(loaded.issues))}\n`);
  return null;
}

/**
 * For a command that asks the hosts directly (discover, cleanup): the config and a Docker client per
 * host (the test's, else dockerode's, closed afterwards); a config that does not load is a usage error.
 */
export async function withHostClients(
  options: CliOptions,
  io: CliIo,
  hooks: HostHooks,
  run: (config: TunnelwatchConfig, clientFor: (host: HostConfig) => DockerHostClient) => Promise<number>,
): Promise<number> {
  const config = await loadCliConfig(options, io);
  if (!config) return EXIT_USAGE;
  const clients = openDockerClients();
  try {
    return await run(config, hooks.clientFor ?? clients.clientFor);
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
