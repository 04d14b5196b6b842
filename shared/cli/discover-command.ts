import { discoverHosts } from '../discovery/discover-hosts.js';
import { worstState } from '../domain/sweep-report.js';
import { renderDiscoveryText } from '../report/discovery-text.js';
import { exitCodeFor } from '../report/exit-code.js';
import { withHostClients } from './cli-config.js';
import type { CliIo, HostHooks } from './cli-io.js';
import type { CliOptions } from './parse-cli-args.js';

/** `tunnelwatch discover`: which hosts have an agent and which overlay IP, without probing. */
export function runDiscoverCommand(options: CliOptions, io: CliIo, hooks: HostHooks = {}): Promise<number> {
  return withHostClients(options, io, hooks, async (config, clientFor) => {
    const hosts = await discoverHosts(config, clientFor, { deadlineMs: config.sweep.deadlineMs });
    io.stdout.write(options.json ? `${JSON.stringify({ hosts }, null, 2)}\n` : renderDiscoveryText(hosts));
    return exitCodeFor(worstState(hosts.map((h) => h.state)));
  });
}
