import { pickAgent } from '../discovery/rancher-layout.js';
import { removeProgramFrom } from '../probes/ike/ike-agent-copy.js';
import { removeLeftovers } from '../probes/ike/ike-carrier.js';
import { EXIT_CODES } from '../report/exit-code.js';
import { isTransportError } from '../transport/docker-host-client.js';
import { withHostClients } from './cli-config.js';
import type { CliIo, HostHooks } from './cli-io.js';
import type { CliOptions } from './parse-cli-args.js';

// Per Docker call; hosts are cleaned at once, so a dead one costs this, not the sum.
const CALL_DEADLINE_MS = 10_000;

/**
 * `tunnelwatch cleanup`: on every configured host, removes the containers tunnelwatch left (IKE
 * carriers) and the IKE probe program it put into the running agent.
 */
export function runCleanupCommand(options: CliOptions, io: CliIo, hooks: HostHooks = {}): Promise<number> {
  return withHostClients(options, io, hooks, async (environments, clientFor) => {
    const lines = await Promise.all(
      environments
        .flatMap((config) => config.hosts.map((host) => ({ config, host })))
        .map(async ({ config, host }) => {
          try {
            const client = clientFor(host);
            const opts = { deadlineMs: CALL_DEADLINE_MS };
            const containers = await client.listContainers(opts);
            const removed = await removeLeftovers(client, containers, opts);
            // The agent discovery would probe from; a stopped one cannot exec (and its file goes with it when it is removed).
            const agent = pickAgent(containers, config.agent);
            const cleared =
              agent.kind === 'found' ? await removeProgramFrom(client, agent.container.id, opts) : null;
            const program =
              cleared === null
                ? ''
                : cleared
                  ? '; no IKE probe program left in the agent'
                  : '; the IKE probe program could not be removed from the agent';
            return {
              ok: cleared !== false,
              text: `${host.name}: removed ${removed.length} container(s)${program}`,
            };
          } catch (e) {
            const why = isTransportError(e) ? e.message : String(e).slice(0, 300);
            return { ok: false, text: `${host.name}: not cleaned: ${why}` };
          }
        }),
    );
    for (const l of lines) io.stdout.write(`${l.text}\n`);
    return lines.every((l) => l.ok) ? 0 : EXIT_CODES.unknown;
  });
}
