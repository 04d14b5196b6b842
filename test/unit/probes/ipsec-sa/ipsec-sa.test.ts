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
import { parseListConns } from '../../../../shared/probes/ipsec-sa/parse-list-conns.js';
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
  it('is three jobs: the SAs, the configured connections, and the SAs again as the last ping leaves', () => {
    expect(ipsecSaExecProbe.jobs(ctxOf('a', []))).toEqual([
      { id: 'ipsec-sas', op: 'ipsec-sas', args: [] },
      { id: 'ipsec-conns', op: 'ipsec-conns', args: [] },
      { id: 'ipsec-sas-after', op: 'ipsec-sas-after', args: ['0.40'] },
    ]);
  });

  it('reports how the packet counters moved between the two reads of the same child SA', () => {
    const before = fixture('established-initiator');
    const after = before.replace('packets-in=3', 'packets-in=5').replace('packets-out=3', 'packets-out=9');
    const [path] = ipsecSaExecProbe.parse(
      ctxOf('a', [['b', '198.18.0.202', null]]),
      new Map([
        ['ipsec-sas', { exitCode: 0, output: before }],
        ['ipsec-sas-after', { exitCode: 0, output: after }],
      ]),
      null,
    );
    expect(path!.sa).toMatchObject({ packetsInDelta: 2, packetsOutDelta: 6 });
    // A rekey between the reads (other SPIs): no delta rather than a wrong one.
    const rekeyed = after.replace('spi-in=6d4459ce', 'spi-in=0000beef');
    const [other] = ipsecSaExecProbe.parse(
      ctxOf('a', [['b', '198.18.0.202', null]]),
      new Map([
        ['ipsec-sas', { exitCode: 0, output: before }],
        ['ipsec-sas-after', { exitCode: 0, output: rekeyed }],
      ]),
      null,
    );
    expect(other!.sa?.packetsInDelta).toBeUndefined();
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

describe('the lab agent h1 (captured): SPIs, where the SA goes, what the connection dials', () => {
  const LAB_SAS = fixture('established-initiator')
    .replace(/peer/g, 'h1-h2')
    .replace(/198\.18\.0\.202/g, '198.18.0.12')
    .replace(/100\.64\.202\./g, '100.64.2.');
  const conns = fixture('list-conns-initiator');
  const h1 = ctxOf('h1', [
    ['h2', '198.18.0.12', '100.64.2.2'],
    ['h3', '198.18.0.13', '100.64.3.2'],
    ['h4', '198.18.0.14', '100.64.4.2'],
  ]);

  it('reads each connection’s remote_addrs and remote traffic selectors', () => {
    expect(parseListConns(conns)).toEqual({
      ok: true,
      conns: [
        { name: 'h1-h2', remoteAddrs: ['198.18.0.12'], remoteTs: ['100.64.2.0/24'] },
        { name: 'h1-h3', remoteAddrs: ['198.18.0.13'], remoteTs: ['100.64.3.0/24'] },
      ],
    });
  });

  it('puts SPIs, remote host, the dialled address and whether a connection exists on each peer’s path', () => {
    const outputs = new Map([
      ['ipsec-sas', { exitCode: 0, output: LAB_SAS }],
      ['ipsec-conns', { exitCode: 0, output: conns }],
    ]);
    const paths = ipsecSaExecProbe.parse(h1, outputs, null);
    expect(paths.map((p) => p.sa)).toEqual([
      expect.objectContaining({
        spiIn: '6d4459ce',
        spiOut: '8fa45abd',
        remoteHost: '198.18.0.12',
        dialed: ['198.18.0.12'],
        configured: true,
      }),
      { ikeState: null, childState: null, configured: true, dialed: ['198.18.0.13'] },
      { ikeState: null, childState: null, configured: false },
    ]);
    // Connections unread: nothing is claimed about them.
    const [, noConns] = ipsecSaExecProbe.parse(
      h1,
      new Map([['ipsec-sas', { exitCode: 0, output: LAB_SAS }]]),
      null,
    );
    expect(noConns!.sa).toEqual({ ikeState: null, childState: null });
  });
});

describe('hostile swanctl output', () => {
  const event = (body: string) => `list-sa event {x {state=ESTABLISHED ${body}}}`;

  it('parses about 1 MB of crafted output in one linear pass, or refuses it, never hanging', () => {
    // The pattern that made the old `(\S+) \{` regex quadratic: long runs of non-space without a brace.
    const run = 'a'.repeat(500_000);
    const hostile = `list-sa event {${run} ${'b{'.repeat(100)}\n${'list-sa event {'.repeat(30_000)}\n`;
    const parsed = parseListSas(hostile);
    expect(parsed.ok).toBe(false);
    // Many well-formed SAs near the cap still parse, each one read.
    const many = `${Array.from({ length: 3000 }, (_, i) => event(`remote-host=198.18.0.${i % 250} child-sas {c {state=INSTALLED packets-in=${i}}}`)).join('\n')}\nlist-sas reply {}`;
    const ok = parseListSas(many);
    expect(ok.ok && ok.sas.length).toBe(3000);
    expect(ok.ok && ok.sas[2999]!.children[0]!.packetsIn).toBe(2999);
  });

  it('refuses output beyond the cap instead of parsing it', () => {
    expect(parseListSas('x'.repeat(3 * 1024 * 1024))).toMatchObject({ ok: false, daemonUnreachable: false });
    expect(parseListConns('x'.repeat(3 * 1024 * 1024))).toMatchObject({ ok: false });
  });

  it('a child SA without a state is not installed, and absurd counters are absent rather than NaN', () => {
    const parsed = parseListSas(
      `${event('child-sas {c {packets-in=99999999999999999999 bytes-in=-3 packets-out=1e9 bytes-out=12}}')}\nlist-sas reply {}`,
    );
    expect(parsed.ok).toBe(true);
    const child = parsed.ok ? parsed.sas[0]!.children[0]! : null;
    expect(child).toEqual({ name: 'c', state: 'UNKNOWN', bytesOut: 12, remoteTs: [] });
    const [path] = ipsecSaPaths(
      ctxOf('a', [['b', null, '100.64.202.2']]),
      {
        exitCode: 0,
        output: `list-sa event {x {state=ESTABLISHED remote-host=198.18.0.202 child-sas {c {remote-ts=[100.64.202.0/24]}}}}\nlist-sas reply {}`,
      },
      null,
    );
    expect(path!.state).toBe('degraded');
    expect(path!.sa?.childState).toBe('UNKNOWN');
  });

  it('deep nesting and unclosed sections are refused, not recursed into', () => {
    expect(parseListSas(`list-sa event {x {state=UP ${'a {'.repeat(10_000)}`)).toMatchObject({ ok: false });
    expect(parseListSas('list-sa event {x {state=UP remote-ts=[never closed')).toMatchObject({ ok: false });
  });
});
