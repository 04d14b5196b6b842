// A monitor process for tests that need a clean process of their own (environment variables read at
// construction, DEBUG output on stderr, peak RSS): `node --import tsx test/support/transport-child.ts
// MODE CONFIG`. MODE `list` lists the agents of every configured host through the real transport;
// MODE `sweep` runs the real runSweep with what the shells sweep with (assembleSweep). Prints one JSON
// document on stdout, with the process's peak RSS.
import { formatIssues } from '../../shared/config/config-issue.js';
import { loadConfig } from '../../shared/config/load-config.js';
import { hasLabel, RANCHER_11_AGENT_LABEL } from '../../shared/discovery/rancher-layout.js';
import { runSweep } from '../../shared/sweep/run-sweep.js';
import { assembleSweep } from '../../shared/sweep/sweep-dependencies.js';
import { openDockerClients } from '../../shared/transport/docker-clients.js';
import { isTransportError } from '../../shared/transport/docker-host-client.js';

const [mode, configPath] = process.argv.slice(2);
const loaded = await loadConfig({ path: configPath! });
if (!loaded.ok) throw new Error(formatIssues(loaded.issues));
const config = loaded.config.environments[0]!;
const label = config.agent.selectorLabel ?? RANCHER_11_AGENT_LABEL;
const clients = openDockerClients();
const started = performance.now();
let result: unknown;
try {
  if (mode === 'list') {
    result = await Promise.all(
      config.hosts.map(async (host) => {
        try {
          const list = await clients.clientFor(host).listContainers({ deadlineMs: config.sweep.deadlineMs });
          return { host: host.name, ok: true, ids: list.filter((c) => hasLabel(c, label)).map((c) => c.id) };
        } catch (e) {
          return isTransportError(e)
            ? { host: host.name, ok: false, kind: e.kind, message: e.message }
            : { host: host.name, ok: false, kind: 'exception', message: String(e) };
        }
      }),
    );
  } else {
    const sweep = assembleSweep();
    try {
      result = await runSweep(config, sweep.deps);
    } finally {
      await sweep.close();
    }
  }
} finally {
  await clients.close();
}
process.stdout.write(
  `${JSON.stringify({
    result,
    wallMs: Math.round(performance.now() - started),
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`,
);
