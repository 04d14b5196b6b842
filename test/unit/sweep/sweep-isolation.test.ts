import { describe, expect, it } from 'vitest';
import type { HostConfig, TunnelwatchConfig } from '../../../shared/config/tunnelwatch-config.js';
import { diagnose } from '../../../shared/diagnosis/diagnose.js';
import { DEFAULT_ENVIRONMENT } from '../../../shared/domain/environment-name.js';
import type { HostName } from '../../../shared/domain/host-name.js';
import type { ExecProbe } from '../../../shared/probes/agent-probe.js';
import { ipsecSaExecProbe } from '../../../shared/probes/ipsec-sa/ipsec-sa-exec-probe.js';
import { overlayIcmpProbe } from '../../../shared/probes/ping/ping-exec-probe.js';
import { runSweep } from '../../../shared/sweep/run-sweep.js';
import { loopbackFleet } from '../../support/local-shell-client.js';

// Real pings on loopback (127.0.0.N per host hN): the healthy agents' results must survive a neighbour's failure.
const host = (n: number): HostConfig => ({
  name: `h${n}` as HostName,
  underlayIp: null,
  docker: { scheme: 'unix', socketPath: `/run/h12b-test-h${n}.sock` },
});
const CONFIG: TunnelwatchConfig = {
  environment: DEFAULT_ENVIRONMENT,
  schedule: null,
  hosts: [host(1), host(2), host(3)],
  agent: {
    selectorLabel: 'io.rancher.container.system=NetworkAgent',
    overlayIpLabel: 'io.rancher.container.ip',
    advertisedIpEnv: 'CATTLE_AGENT_IP',
    preset: 'auto',
  },
  probes: { pingCount: 1, pingIntervalSec: 0.2, pingTimeoutSec: 1, ikeTimeoutMs: 500 },
  sweep: { deadlineMs: 6000, concurrency: 4, connectTimeoutMs: 1000 },
};

/** overlay-icmp, except that its parse (or planning) throws on one agent, as a parser bug on odd output would. */
function throwingOn(self: string, step: 'parse' | 'jobs'): ExecProbe {
  return {
    kinds: overlayIcmpProbe.kinds,
    jobs: (ctx) => {
      if (step === 'jobs' && ctx.self === self) throw new RangeError('Maximum call stack size exceeded');
      return overlayIcmpProbe.jobs(ctx);
    },
    parse: (ctx, outputs, failure) => {
      if (step === 'parse' && ctx.self === self) throw new RangeError('Maximum call stack size exceeded');
      return overlayIcmpProbe.parse(ctx, outputs, failure);
    },
  };
}

const summary = (paths: { from: string; to: string; probe: string; state: string }[], probe: string) =>
  paths.filter((p) => p.probe === probe).map((p) => `${p.from}>${p.to}:${p.state}`);

describe('one agent’s failure is its own unknown', () => {
  it.each(['parse', 'jobs'] as const)(
    'a probe that throws in %s on h2: h2’s paths of that probe unknown, the rest stand',
    async (step) => {
      const report = await runSweep(CONFIG, {
        clientFor: loopbackFleet(),
        execProbes: [throwingOn('h2', step), ipsecSaExecProbe],
        diagnose,
      });
      expect(summary(report.paths, 'overlay-icmp')).toEqual([
        'h1>h2:up',
        'h1>h3:up',
        'h2>h1:unknown',
        'h2>h3:unknown',
        'h3>h1:up',
        'h3>h2:up',
      ]);
      const fromH2 = report.paths.filter((p) => p.from === 'h2' && p.probe === 'overlay-icmp');
      expect(
        fromH2.every(
          (p) =>
            p.error?.startsWith('overlay-icmp probe failed while') && p.error.includes('Maximum call stack'),
        ),
      ).toBe(true);
      // h2's other probe rode in the same batch and still reports (swanctl is absent here: its own unknown).
      expect(summary(report.paths, 'ipsec-sa')).toHaveLength(6);
    },
  );

  it('a client factory that throws for h3: h3 unknown in discovery, h1 and h2 measured', async () => {
    const fleet = loopbackFleet();
    const report = await runSweep(CONFIG, {
      clientFor: (h) => {
        if (h.name === 'h3') throw new Error('cannot read /etc/tunnelwatch/h3-key.pem');
        return fleet(h);
      },
      execProbes: [overlayIcmpProbe],
      diagnose,
    });
    expect(report.hosts.map((h) => `${h.name}:${h.state}`)).toEqual(['h1:up', 'h2:up', 'h3:unknown']);
    expect(report.hosts[2]!.error).toContain('cannot read /etc/tunnelwatch/h3-key.pem');
    expect(summary(report.paths, 'overlay-icmp')).toEqual(['h1>h2:up', 'h2>h1:up']);
  });

  it('a diagnosis that throws on one pair: that verdict unknown, the others diagnosed', async () => {
    const report = await runSweep(CONFIG, {
      clientFor: loopbackFleet(),
      execProbes: [overlayIcmpProbe],
      diagnose: (evidence) => {
        if (evidence.from.name === 'h1' && evidence.to.name === 'h3') throw new TypeError('x is undefined');
        return diagnose(evidence);
      },
    });
    expect(report.verdicts.map((v) => `${v.from}>${v.to}:${v.state}/${v.cause}`)).toEqual([
      'h1>h2:up/ok',
      'h1>h3:unknown/unknown',
      'h2>h1:up/ok',
      'h2>h3:up/ok',
      'h3>h1:up/ok',
      'h3>h2:up/ok',
    ]);
    expect(report.verdicts[1]!.evidence[0]).toBe('diagnosis failed: x is undefined');
  });
});
