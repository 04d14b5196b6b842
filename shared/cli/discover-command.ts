import { discoverHosts } from '../discovery/discover-hosts.js';
import { worstState } from '../domain/sweep-report.js';
import { renderDiscoveryText } from '../report/discovery-text.js';
import { exitCodeFor } from '../report/exit-code.js';
import { environmentHeading, withHostClients } from './cli-config.js';
import type { CliIo, HostHooks } from './cli-io.js';
import type { CliOptions } from './parse-cli-args.js';

/** `tunnelwatch discover`: which hosts have an agent and which overlay IP, without probing. */
export function runDiscoverCommand(options: CliOptions, io: CliIo, hooks: HostHooks = {}): Promise<number> {
  return withHostClients(options, io, hooks, async (environments, clientFor) => {
    // Every environment at once: a dead host in one holds up no other.
    const found = await Promise.all(
      environments.map(async (config) => ({
        environment: config.environment,
        hosts: await discoverHosts(config, clientFor, { deadlineMs: config.sweep.deadlineMs }),
      })),
    );
    if (options.json) {
      // One environment: one object, as before environments existed; several: an array of them.
      const json = found.length === 1 ? found[0] : found;
      io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    } else {
      for (const [i, { hosts }] of found.entries())
        io.stdout.write(environmentHeading(environments, environments[i]!) + renderDiscoveryText(hosts));
    }
    return exitCodeFor(worstState(found.flatMap((f) => f.hosts.map((h) => h.state))));
  });
}
