import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HostName } from '../../../../shared/domain/host-name.js';
import type { Ipv4 } from '../../../../shared/domain/ipv4.js';
import type { AgentProbeContext } from '../../../../shared/probes/agent-probe.js';
import {
  IKE_DAEMON_UNREACHABLE,
  ipsecSaExecProbe,
  ipsecSaPaths,
} from '../../../../shared/probes/ipsec-sa/ipsec-sa-exec-probe.js';
import { parseListSas } from '../../../../shared/probes/ipsec-sa/parse-list-sas.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/swanctl/${name}.txt`, import.meta.url), 'utf8');
const ip = (s: string) => s as Ipv4;
const host = (s: string) => s as HostName;

// The throwaway pair the fixtures come from: a = 198.18.0.201 (initiator), b = 198.18.0.202.
const ctxOf = (self: string, peers: Array<[string, string | null, string | null]>): AgentProbeContext => ({
  self: host(self),
  agent: { containerId: 'c1', overlayIp: ip('100.64.201.2') },
  peers: peers.map(([name, underlay, overlay]) => ({
    name: host(name),
    underlayIp: underlay ? ip(underlay) : null,
    overlayIp: overlay ? ip(overlay) : null,
  })),
  timing: { pingCount: 3, pingIntervalSec: 0.2, pingTimeoutSec: 1, ikeTimeoutMs: 1000 },
});
const run = (ctx: AgentProbeContext, output: string, exitCode = 0) =>
  ipsecSaExecProbe.parse(ctx, new Map([['ipsec-sas', { exitCode, output }]]), null);

describe('parseListSas on output captured from charon', () => {
  it('reads the initiator’s established IKE SA and its installed CHILD SA', () => {
    const parsed = parseListSas(fixture('established-initiator'));
    expect(parsed).toMatchObject({
      ok: true,
      sas: [
        {
          name: 'peer',
          state: 'ESTABLISHED',
          remoteHost: '198.18.0.202',
          establishedSec: 9,
          rekeySec: 12996,
          children: [
            { name: 'peer', state: 'INSTALLED', bytesIn: 252, packetsOut: 3, remoteTs: ['100.64.202.0/24'] },
          ],
        },
      ],
    });
  });

  it('reads counters after traffic on the responder', () => {
    const parsed = parseListSas(fixture('established-responder'));
    expect(parsed.ok && parsed.sas[0]!.children[0]).toMatchObject({
      bytesIn: 252,
      packetsIn: 3,
      bytesOut: 252,
      packetsOut: 3,
    });
  });

  it('reads an initiator stuck CONNECTING (peer charon gone) with no CHILD SA', () => {
    const parsed = parseListSas(fixture('connecting-initiator'));
    expect(parsed).toMatchObject({
      ok: true,
      sas: [{ state: 'CONNECTING', remoteHost: '198.18.0.202', children: [] }],
    });
  });

  it('reads an empty list', () => {
    expect(parseListSas(fixture('no-sas'))).toEqual({ ok: true, sas: [] });
  });

  it('recognises that charon is not running (VICI socket refused)', () => {
    expect(parseListSas(fixture('vici-unreachable'))).toMatchObject({ ok: false, daemonUnreachable: true });
  });

  it('rejects unrelated text', () => {
    expect(parseListSas('sh: swanctl: not found')).toMatchObject({ ok: false, daemonUnreachable: false });
  });
});

describe('ipsec-sa paths', () => {
  it('is one job, op ipsec-sas, no arguments', () => {
    expect(ipsecSaExecProbe.jobs(ctxOf('a', []))).toEqual([{ id: 'ipsec-sas', op: 'ipsec-sas', args: [] }]);
  });

  it('reports an established tunnel up with its state and counters, matched by remote address', () => {
    const [path] = run(ctxOf('b', [['a', '198.18.0.201', null]]), fixture('established-responder'));
    expect(path).toMatchObject({
      from: 'b',
      to: 'a',
      probe: 'ipsec-sa',
      state: 'up',
      sent: 0,
      sa: {
        ikeState: 'ESTABLISHED',
        childState: 'INSTALLED',
        establishedSec: 9,
        bytesIn: 252,
        packetsOut: 3,
      },
    });
  });

  it('falls back to the CHILD SA traffic selector when the remote address differs (NAT)', () => {
    const [path] = run(ctxOf('a', [['b', '203.0.113.9', '100.64.202.2']]), fixture('established-initiator'));
    expect(path).toMatchObject({ state: 'up', sa: { ikeState: 'ESTABLISHED' } });
  });

  it('prefers the named established SA over strangers’ half-open ones from the same address', () => {
    const [path] = run(ctxOf('b', [['a', '198.18.0.201', null]]), fixture('half-open-responder'));
    expect(path).toMatchObject({ state: 'up', sa: { ikeState: 'ESTABLISHED', childState: 'INSTALLED' } });
  });

  it('reports CONNECTING as down', () => {
    const [path] = run(ctxOf('a', [['b', '198.18.0.202', null]]), fixture('connecting-initiator'));
    expect(path).toMatchObject({ state: 'down', sa: { ikeState: 'CONNECTING', childState: null } });
  });

  it('reports a peer with no SA down with null states, others still matched', () => {
    const paths = run(
      ctxOf('a', [
        ['b', '198.18.0.202', null],
        ['c', '198.18.0.203', '100.64.203.2'],
      ]),
      fixture('established-initiator'),
    );
    expect(paths.map((p) => [p.to, p.state, p.sa?.ikeState])).toEqual([
      ['b', 'up', 'ESTABLISHED'],
      ['c', 'down', null],
    ]);
  });

  it('reports every peer down with the daemon-unreachable reason when charon is not running', () => {
    const paths = run(ctxOf('b', [['a', '198.18.0.201', null]]), fixture('vici-unreachable'), 111);
    expect(paths[0]).toMatchObject({ state: 'down', sa: { ikeState: null, daemon: 'unreachable' } });
    expect(paths[0]!.error).toMatch(new RegExp(`^${IKE_DAEMON_UNREACHABLE}`));
  });

  it.each([
    ['a missing job', undefined, /did not finish/],
    ['swanctl missing', { exitCode: 127, output: 'exec: swanctl: not found' }, /not installed/],
    ['garbage', { exitCode: 0, output: 'hello' }, /could not read/],
  ])('reports %s as unknown', (_n, job, reason) => {
    const [path] = ipsecSaPaths(ctxOf('a', [['b', '198.18.0.202', null]]), job, null);
    expect(path!.state).toBe('unknown');
    expect(path!.error).toMatch(reason);
  });

  it('reports a job the batch lost with the batch’s reason', () => {
    const [path] = ipsecSaPaths(ctxOf('a', [['b', '198.18.0.202', null]]), undefined, 'exec timed out');
    expect(path).toMatchObject({ state: 'unknown', error: 'exec timed out' });
  });
});
