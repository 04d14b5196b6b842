import { removeLeftovers } from '../probes/ike/ike-carrier.js';
import { EXIT_CODES } from '../report/exit-code.js';
import { isTransportError } from '../transport/docker-host-client.js';
import { withHostClients } from './cli-config.js';
import type { CliIo, HostHooks } from './cli-io.js';
import type { CliOptions } from './parse-cli-args.js';

// Per Docker call; hosts are cleaned at once, so a dead one costs this, not the sum.
const CALL_DEADLINE_MS = 10_000;

/** `tunnelwatch cleanup`: removes the containers tunnelwatch left on every configured host. */
export function runCleanupCommand(options: CliOptions, io: CliIo, hooks: HostHooks = {}): Promise<number> {
  return withHostClients(options, io, hooks, async (environments, clientFor) => {
    const lines = await Promise.all(
      environments
        .flatMap((config) => config.hosts)
        .map(async (host) => {
          try {
            const removed = await removeLeftovers(clientFor(host), { deadlineMs: CALL_DEADLINE_MS });
            return { ok: true, text: `${host.name}: removed ${removed.length} container(s)` };
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
