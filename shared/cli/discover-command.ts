import { discoverHosts } from '../discovery/discover-hosts.js';
import { worstState } from '../domain/sweep-report.js';
import { renderDiscoveryText } from '../report/discovery-text.js';
import { EXIT_USAGE, exitCodeFor } from '../report/exit-code.js';
import { openDockerClients } from '../transport/docker-clients.js';
import { loadCliConfig } from './cli-config.js';
import type { CliIo, HostHooks } from './cli-io.js';
import type { CliOptions } from './parse-cli-args.js';

/** `tunnelwatch discover`: which hosts have an agent and which overlay IP, without probing. */
export async function runDiscoverCommand(
  options: CliOptions,
  io: CliIo,
  hooks: HostHooks = {},
): Promise<number> {
  const config = await loadCliConfig(options, io);
  if (!config) return EXIT_USAGE;
  const clients = openDockerClients();
  try {
    const hosts = await discoverHosts(config, hooks.clientFor ?? clients.clientFor, {
      deadlineMs: config.sweep.deadlineMs,
    });
    io.stdout.write(options.json ? `${JSON.stringify({ hosts }, null, 2)}\n` : renderDiscoveryText(hosts));
    return exitCodeFor(worstState(hosts.map((h) => h.state)));
  } finally {
    await clients.close();
  }
}
