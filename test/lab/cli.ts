// `npm run lab -- <command>`: a thin shell over lab.ts.
import { parseArgs } from 'node:util';
import { FAULT_USAGE } from './fault-kind.js';
import { DEFAULT_CONFIG_FILE, down, fault, heal, status, up, writeConfig } from './lab.js';
import { DEFAULT_RANCHER, RANCHER_VERSIONS, type RancherVersion } from './lab-state.js';

const HELP = `usage: npm run lab -- <command> [options]

commands:
  up [--hosts N] [--rancher 1.1|1.6]
                            bring up N hosts (default 3, 2..8) in Rancher 1.6's layout (ipsec stack router
                            + connectivity-check sidekick) or 1.1's (Network Agent); each host also runs a
                            rancher-agent container holding CATTLE_AGENT_IP; idempotent
  down                      remove every namespace, daemon, mount and file of the lab
  status [--json]           hosts, namespaces, underlay/overlay IPs, Docker endpoints, agent ids, faults
  config [--out PATH] [--unix]
                            write a tunnelwatch config for the running lab (TLS endpoints unless --unix;
                            default path ${DEFAULT_CONFIG_FILE})
  fault <kind> ...          inject a fault:
${FAULT_USAGE.map((l) => `    ${l}`).join('\n')}
  heal [--wait SECONDS] [--reconnect]
                            undo every fault; --wait: wait until all CHILD_SAs are installed and every
                            overlay ping passes; --reconnect: re-initiate tunnels that are still broken
                            instead of waiting for DPD (a stale SA otherwise lasts ~165 s)
`;

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return command ? 0 : 2;
  }
  if (process.getuid?.() !== 0 && command !== 'status') {
    throw new Error('the lab needs root (network namespaces, dockerd, nftables): run it as root');
  }
  switch (command) {
    case 'up': {
      const { values } = parseArgs({
        args: rest,
        options: { hosts: { type: 'string' }, rancher: { type: 'string' } },
      });
      const rancher = values.rancher ?? DEFAULT_RANCHER;
      if (!(RANCHER_VERSIONS as readonly string[]).includes(rancher))
        throw new Error(`--rancher must be one of ${RANCHER_VERSIONS.join(', ')} (got "${rancher}")`);
      const started = Date.now();
      const s = await up({
        hosts: values.hosts === undefined ? 3 : Number(values.hosts),
        rancher: rancher as RancherVersion,
        log,
      });
      log(
        `lab: up, ${s.hosts.length} hosts in ${((Date.now() - started) / 1000).toFixed(1)} s; config ${s.configFile}`,
      );
      return 0;
    }
    case 'down': {
      parseArgs({ args: rest, options: {} });
      const started = Date.now();
      await down(log);
      log(`lab: down in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return 0;
    }
    case 'status': {
      const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean' } } });
      const s = await status();
      if (values.json) {
        process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
        return 0;
      }
      if (!s.up) {
        process.stdout.write(`lab is ${s.phase}\n`);
        return s.phase === 'down' ? 0 : 1;
      }
      process.stdout.write(
        `Rancher ${s.rancher} layout; monitor ${s.monitorIp}; config ${s.configFile ?? '(none)'}\n`,
      );
      for (const h of s.hosts) {
        process.stdout.write(
          `${h.name}  netns ${h.netns}  underlay ${h.underlayIp}  overlay ${h.overlayIp}  advertised ${h.advertisedIp}  ` +
            `${h.docker.tls}  ${h.docker.unix}  agent ${h.agent.containerId?.slice(0, 12) ?? '-'} ${h.agent.running ? 'running' : 'stopped'}\n`,
        );
      }
      process.stdout.write(`faults: ${s.faults.length === 0 ? 'none' : s.faults.join('; ')}\n`);
      return 0;
    }
    case 'config': {
      const { values } = parseArgs({
        args: rest,
        options: { out: { type: 'string' }, unix: { type: 'boolean' } },
      });
      const path = await writeConfig(values.out ?? DEFAULT_CONFIG_FILE, { unix: values.unix ?? false });
      process.stdout.write(`${path}\n`);
      return 0;
    }
    case 'fault': {
      const [kind, ...args] = rest;
      if (!kind) throw new Error(`fault: expected a kind:\n${FAULT_USAGE.join('\n')}`);
      await fault(kind, args);
      log(`lab: fault ${kind} ${args.join(' ')} injected`);
      return 0;
    }
    case 'heal': {
      const { values } = parseArgs({
        args: rest,
        options: { wait: { type: 'string' }, reconnect: { type: 'boolean' } },
      });
      const waitSec = values.wait === undefined ? 0 : Number(values.wait);
      if (!Number.isFinite(waitSec) || waitSec < 0 || waitSec > 600)
        throw new Error('--wait must be 0..600 seconds');
      const started = Date.now();
      const { tunnelsMissing } = await heal({
        waitForTunnelsMs: waitSec * 1000,
        reconnect: values.reconnect ?? false,
      });
      const took = ((Date.now() - started) / 1000).toFixed(1);
      if (tunnelsMissing.length > 0) {
        log(`lab: healed, but after ${took} s these tunnels are still down: ${tunnelsMissing.join(', ')}`);
        return 1;
      }
      log(`lab: healed in ${took} s`);
      return 0;
    }
    default:
      throw new Error(`unknown command "${command}"; see --help`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`lab: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
