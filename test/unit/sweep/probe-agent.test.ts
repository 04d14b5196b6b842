import { describe, expect, it } from 'vitest';
import type { HostName } from '../../../shared/domain/host-name.js';
import type { Ipv4 } from '../../../shared/domain/ipv4.js';
import type { AgentProbe, AgentProbeContext } from '../../../shared/probes/agent-probe.js';
import { ipsecSaExecProbe } from '../../../shared/probes/ipsec-sa/ipsec-sa-exec-probe.js';
import { overlayIcmpProbe } from '../../../shared/probes/ping/ping-exec-probe.js';
import { probeAgent } from '../../../shared/sweep/probe-agent.js';
import type { DockerHostClient, ExecResult } from '../../../shared/transport/docker-host-client.js';

const ctx: AgentProbeContext = {
  self: 'h1' as HostName,
  agent: { containerId: 'c1', overlayIp: '100.64.1.2' as Ipv4 },
  peers: [{ name: 'h2' as HostName, overlayIp: '100.64.2.2' as Ipv4, underlayIp: '198.18.0.12' as Ipv4 }],
  timing: { pingCount: 3, pingIntervalSec: 0.2, pingTimeoutSec: 1, ikeTimeoutMs: 1000 },
};

/** An agent whose exec answers `result` (only exec is ever called by a batch). */
const agentAnswering = (result: ExecResult) => ({ exec: async () => result }) as unknown as DockerHostClient;

describe('probeAgent', () => {
  it('hands the batch’s failure to every probe, so each lost path says why (as data, not by rewriting)', async () => {
    const client = agentAnswering({ exitCode: 127, stdout: '', stderr: 'sh: not found' });
    const paths = await probeAgent(ctx, client, [overlayIcmpProbe, ipsecSaExecProbe], [], 5000);
    expect(paths.map((p) => [p.probe, p.state, p.error])).toEqual([
      ['overlay-icmp', 'unknown', 'the agent cannot run sh (exit 127: sh: not found)'],
      ['ipsec-sa', 'unknown', 'the agent cannot run sh (exit 127: sh: not found)'],
    ]);
  });

  it('keeps a probe’s own reason when its job ran (swanctl missing), whatever the batch says', async () => {
    const nonceEcho = {
      exec: async (_id: string, argv: string[]) => {
        const nonce = argv[4]!;
        return {
          exitCode: 0,
          stdout: `@@tw-${nonce} job ipsec-sas 127\nsh: swanctl: not found\n\n@@tw-${nonce} end ipsec-sas\n`,
          stderr: '',
        };
      },
    } as unknown as DockerHostClient;
    const paths = await probeAgent(ctx, nonceEcho, [ipsecSaExecProbe], [], 5000);
    expect(paths).toMatchObject([
      { probe: 'ipsec-sa', state: 'unknown', error: 'swanctl is not installed in the agent container' },
    ]);
  });

  it('runs an AgentProbe’s shared job in the same exec and hands it the outputs; a throwing share or finish costs only its paths', async () => {
    const execs: string[][] = [];
    const client = {
      exec: async (_id: string, argv: string[]) => {
        execs.push(argv);
        const nonce = argv[4]!;
        return {
          exitCode: 0,
          stdout: `@@tw-${nonce} job shared 0\nfrom the batch\n\n@@tw-${nonce} end shared\n@@tw-${nonce} done\n`,
          stderr: '',
        };
      },
    } as unknown as DockerHostClient;
    const seen: (string | undefined)[] = [];
    const sharing: AgentProbe = {
      kinds: ['ike-udp500'],
      share: () => ({
        jobs: [{ id: 'shared', op: 'ipsec-conns', args: [] }],
        finish: async (outputs) => {
          seen.push(outputs.get('shared')?.output);
          return [];
        },
      }),
      run: async () => {
        throw new Error('run is not called when the probe shares the batch');
      },
    };
    const throwing = (where: 'share' | 'finish'): AgentProbe => ({
      kinds: ['ike-udp4500'],
      share: () => {
        if (where === 'share') throw new Error('no plan');
        return {
          jobs: [],
          finish: async () => {
            throw new Error('no parse');
          },
        };
      },
      run: async () => [],
    });
    const paths = await probeAgent(ctx, client, [], [sharing, throwing('share'), throwing('finish')], 5000);
    expect(execs).toHaveLength(1);
    expect(seen).toEqual(['from the batch']);
    expect(paths.map((p) => [p.probe, p.state, p.error])).toEqual([
      ['ike-udp4500', 'unknown', 'ike-udp4500 probe failed: no parse'],
      ['ike-udp4500', 'unknown', 'ike-udp4500 probe failed: no plan'],
    ]);
  });
});
