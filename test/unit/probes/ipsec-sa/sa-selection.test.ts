import { describe, expect, it } from 'vitest';
import type { HostName } from '../../../../shared/domain/host-name.js';
import type { Ipv4 } from '../../../../shared/domain/ipv4.js';
import type { PathResult } from '../../../../shared/domain/sweep-report.js';
import type { AgentProbeContext } from '../../../../shared/probes/agent-probe.js';
import { ipsecSaExecProbe, ipsecSaPaths } from '../../../../shared/probes/ipsec-sa/ipsec-sa-exec-probe.js';
import type { ChildSaEntry } from '../../../../shared/probes/ipsec-sa/parse-list-sas.js';

// Which SA speaks for a peer's tunnel, and exactly what its path says: swanctl listings built
// line by line in charon's raw format, read by the probe's own parser.

// A CHILD SA as the parser gives it, any field left out.
type ChildSpec = Partial<ChildSaEntry>;
interface SaSpec {
  name?: string;
  state?: string;
  remote?: string;
  established?: number;
  rekey?: number;
  children?: ChildSpec[];
}

const field = (key: string, value: string | number | undefined) =>
  value === undefined ? '' : ` ${key}=${value}`;
const childText = (c: ChildSpec, i: number) =>
  `c-${i} {name=${c.name ?? `child-${i}`}${field('state', c.state ?? 'INSTALLED')} mode=TUNNEL` +
  `${field('spi-in', c.spiIn)}${field('spi-out', c.spiOut)}${field('bytes-in', c.bytesIn)}` +
  `${field('packets-in', c.packetsIn)}${field('bytes-out', c.bytesOut)}${field('packets-out', c.packetsOut)}` +
  `${field('install-time', c.installSec)}` +
  ` local-ts=[100.64.1.0/24] remote-ts=[${(c.remoteTs ?? []).join(' ')}]}`;
const saLine = (s: SaSpec) =>
  `list-sa event {${s.name ?? 'peer'} {uniqueid=1 version=2${field('state', s.state ?? 'ESTABLISHED')}` +
  ` local-host=198.18.0.1${field('remote-host', s.remote)}${field('established', s.established)}` +
  `${field('rekey-time', s.rekey)} child-sas {${(s.children ?? []).map(childText).join(' ')}}}}`;
const listing = (...sas: SaSpec[]) => `${[...sas.map(saLine), 'list-sas reply {}'].join('\n')}\n`;
const conn = (name: string, addrs: string[], ts: string[]) =>
  `list-conn event {${name} {local_addrs=[%any] remote_addrs=[${addrs.join(' ')}] version=IKEv2 ` +
  `children {${name} {mode=TUNNEL local-ts=[100.64.1.0/24] remote-ts=[${ts.join(' ')}]}}}}`;
const conns = (...lines: string[]) => `${[...lines, 'list-conns reply {}'].join('\n')}\n`;

const PEER = { name: 'h7' as HostName, underlayIp: '198.18.0.7' as Ipv4, overlayIp: '100.64.7.2' as Ipv4 };
const ctx = (peers: AgentProbeContext['peers'] = [PEER]): AgentProbeContext => ({
  self: 'h1' as HostName,
  agent: { containerId: 'c1', overlayIp: '100.64.1.2' as Ipv4 },
  peers,
  timing: { pingCount: 3, pingIntervalSec: 0.2, pingTimeoutSec: 1, ikeTimeoutMs: 1000 },
});
const job = (output: string) => ({ exitCode: 0, output });
const pathFor = (
  sas: string,
  opts: { conns?: string; after?: string; peer?: AgentProbeContext['peers'][number] } = {},
) =>
  ipsecSaPaths(
    ctx([opts.peer ?? PEER]),
    job(sas),
    null,
    opts.conns === undefined ? undefined : job(opts.conns),
    opts.after === undefined ? undefined : job(opts.after),
  )[0] as PathResult;

const FULL_CHILD: ChildSpec = {
  spiIn: 'C1A2B3C4',
  spiOut: 'd5e6f7a8',
  bytesIn: 840,
  bytesOut: 672,
  packetsIn: 10,
  packetsOut: 8,
  remoteTs: ['100.64.7.0/24'],
};

describe('the SA detail of a path: exactly the fields read, in the contract’s order', () => {
  it('every field, when the dumps give them all', () => {
    const after = listing({
      remote: '198.18.0.7',
      children: [{ ...FULL_CHILD, packetsIn: 13, packetsOut: 8 }],
    });
    const path = pathFor(
      listing({ remote: '198.18.0.7', established: 600, rekey: 12000, children: [FULL_CHILD] }),
      {
        conns: conns(conn('h1-h7', ['%any', '198.18.0.7'], ['100.64.7.0/24'])),
        after,
      },
    );
    expect(path).toStrictEqual({
      from: 'h1',
      to: 'h7',
      probe: 'ipsec-sa',
      target: '198.18.0.7',
      state: 'up',
      sent: 0,
      received: 0,
      lossRatio: 0,
      rttMs: null,
      sa: {
        ikeState: 'ESTABLISHED',
        childState: 'INSTALLED',
        establishedSec: 600,
        rekeySec: 12000,
        bytesIn: 840,
        bytesOut: 672,
        packetsIn: 10,
        packetsOut: 8,
        spiIn: 'c1a2b3c4',
        spiOut: 'd5e6f7a8',
        // Equal counters are a delta of 0, not an absent one.
        packetsInDelta: 3,
        packetsOutDelta: 0,
        remoteHost: '198.18.0.7',
        configured: true,
        // Only addresses: %any is not one.
        dialed: ['198.18.0.7'],
      },
    });
    // The JSON contract's field order.
    expect(Object.keys(path.sa!)).toEqual([
      'ikeState',
      'childState',
      'establishedSec',
      'rekeySec',
      'bytesIn',
      'bytesOut',
      'packetsIn',
      'packetsOut',
      'spiIn',
      'spiOut',
      'packetsInDelta',
      'packetsOutDelta',
      'remoteHost',
      'configured',
      'dialed',
    ]);
  });

  it('no field the dumps do not give: no timers, counters, SPIs, remote host, connections or target', () => {
    const path = ipsecSaPaths(
      ctx([{ name: 'h7' as HostName, underlayIp: null, overlayIp: '100.64.7.2' as Ipv4 }]),
      job(listing({ children: [{ remoteTs: ['100.64.7.0/24'] }] })),
      null,
    )[0]!;
    expect(path).toStrictEqual({
      from: 'h1',
      to: 'h7',
      probe: 'ipsec-sa',
      state: 'up',
      sent: 0,
      received: 0,
      lossRatio: 0,
      rttMs: null,
      sa: { ikeState: 'ESTABLISHED', childState: 'INSTALLED' },
    });
  });

  it('the remote host as charon has it, when it is not the peer’s own address (NAT)', () => {
    const path = pathFor(listing({ remote: '198.18.0.99', children: [{ remoteTs: ['100.64.7.0/24'] }] }));
    expect(path.sa?.remoteHost).toBe('198.18.0.99');
  });

  it('counter moves only between two reads of the same SPIs, never backwards, each counter alone', () => {
    const before = listing({ remote: '198.18.0.7', children: [FULL_CHILD] });
    const moved = (child: ChildSpec) =>
      pathFor(before, { after: listing({ remote: '198.18.0.7', children: [child] }) }).sa!;
    // A counter that went down (charon restarted the SA) is no delta.
    expect(moved({ ...FULL_CHILD, packetsIn: 9, packetsOut: 9 })).toMatchObject({ packetsOutDelta: 1 });
    expect(moved({ ...FULL_CHILD, packetsIn: 9, packetsOut: 9 })).not.toHaveProperty('packetsInDelta');
    // A counter the second read lacks is no delta; the other still is.
    const { packetsIn: _dropped, ...noPacketsIn } = FULL_CHILD;
    expect(moved({ ...noPacketsIn, packetsOut: 12 })).not.toHaveProperty('packetsInDelta');
    expect(moved({ ...noPacketsIn, packetsOut: 12 })).toMatchObject({ packetsOutDelta: 4 });
    // The second read's child is found by both SPIs: one of them alone is another SA.
    const { spiOut: _gone, ...onlySpiIn } = FULL_CHILD;
    expect(moved({ ...onlySpiIn, packetsIn: 20 })).not.toHaveProperty('packetsInDelta');
    // Each counter on its own: one that went down is no delta while the other is.
    expect(moved({ ...FULL_CHILD, packetsIn: 11, packetsOut: 2 })).not.toHaveProperty('packetsOutDelta');
    expect(moved({ ...FULL_CHILD, packetsIn: 11, packetsOut: 2 })).toMatchObject({ packetsInDelta: 1 });
    // A first read without SPIs has nothing to compare.
    const blind = pathFor(listing({ remote: '198.18.0.7', children: [{ packetsIn: 1, packetsOut: 1 }] }), {
      after: listing({ remote: '198.18.0.7', children: [{ packetsIn: 5, packetsOut: 5 }] }),
    }).sa!;
    expect(blind).not.toHaveProperty('packetsInDelta');
    expect(blind).not.toHaveProperty('packetsOutDelta');
  });
});

describe('which configured connection is the peer’s', () => {
  const dialed = (conns: string) => pathFor(listing(), { conns }).sa;

  it('the one whose remote traffic selector covers the peer’s overlay IP, before one that dials its address', () => {
    expect(
      dialed(
        conns(
          conn('by-address', ['198.18.0.7'], ['100.64.99.0/24']),
          conn('by-subnet', ['198.18.0.70'], ['100.64.7.0/24']),
        ),
      ),
    ).toStrictEqual({ ikeState: null, childState: null, configured: true, dialed: ['198.18.0.70'] });
  });

  it('by address, the first connection that dials it', () => {
    expect(
      dialed(conns(conn('first', ['198.18.0.7', '198.18.0.9'], []), conn('second', ['198.18.0.7'], []))),
    ).toMatchObject({ configured: true, dialed: ['198.18.0.7', '198.18.0.9'] });
  });

  it('none: configured false; unreadable connections: nothing said', () => {
    expect(dialed(conns(conn('other', ['198.18.0.8'], ['100.64.8.0/24'])))).toStrictEqual({
      ikeState: null,
      childState: null,
      configured: false,
    });
    expect(dialed('sh: swanctl: not found\n')).toStrictEqual({ ikeState: null, childState: null });
  });
});

describe('which SA speaks for the tunnel', () => {
  const chosen = (...sas: SaSpec[]) => pathFor(listing(...sas)).sa;

  it('the most established of those from the peer’s address, whatever their order', () => {
    const halfOpen: SaSpec = { name: '(unnamed)', state: 'CONNECTING', remote: '198.18.0.7' };
    const live: SaSpec = { remote: '198.18.0.7', children: [{ ...FULL_CHILD }] };
    expect(chosen(halfOpen, live)).toMatchObject({ ikeState: 'ESTABLISHED', spiIn: 'c1a2b3c4' });
    expect(chosen(live, halfOpen)).toMatchObject({ ikeState: 'ESTABLISHED', spiIn: 'c1a2b3c4' });
  });

  it('ranks established over an installed CHILD SA over a name; the first of equals', () => {
    // Established, nothing installed, unnamed (4) beats connecting with an installed child, named (3).
    expect(
      chosen(
        {
          name: 'named',
          state: 'CONNECTING',
          remote: '198.18.0.7',
          children: [{ spiIn: 'aa', spiOut: 'ab' }],
        },
        {
          name: '(unnamed)',
          remote: '198.18.0.7',
          children: [{ state: 'REKEYING', spiIn: 'bb', spiOut: 'bc' }],
        },
      ),
    ).toMatchObject({ ikeState: 'ESTABLISHED', spiIn: 'bb' });
    // An installed child, unnamed (6) beats none, named (5).
    expect(
      chosen(
        { name: 'named', remote: '198.18.0.7', children: [{ state: 'REKEYING', spiIn: 'cc', spiOut: 'cd' }] },
        { name: '(unnamed)', remote: '198.18.0.7', children: [{ spiIn: 'dd', spiOut: 'de' }] },
      ),
    ).toMatchObject({ spiIn: 'dd' });
    // Named (5) beats unnamed (4).
    expect(
      chosen(
        {
          name: '(unnamed)',
          remote: '198.18.0.7',
          children: [{ state: 'REKEYING', spiIn: 'ee', spiOut: 'ef' }],
        },
        { name: 'named', remote: '198.18.0.7', children: [{ state: 'REKEYING', spiIn: 'ff', spiOut: 'fa' }] },
      ),
    ).toMatchObject({ spiIn: 'ff' });
    // One installed CHILD SA among others is enough (7 beats 6).
    expect(
      chosen(
        { name: '(unnamed)', remote: '198.18.0.7', children: [{ spiIn: 'a1', spiOut: 'a2' }] },
        {
          name: 'named',
          remote: '198.18.0.7',
          children: [
            { state: 'REKEYING', spiIn: 'b1', spiOut: 'b2' },
            { spiIn: 'c1', spiOut: 'c2' },
          ],
        },
      ),
    ).toMatchObject({ spiIn: 'c1' });
    // Equal ranks: the first listed.
    expect(
      chosen(
        { remote: '198.18.0.7', children: [{ spiIn: '11', spiOut: '12' }] },
        { remote: '198.18.0.7', children: [{ spiIn: '21', spiOut: '22' }] },
      ),
    ).toMatchObject({ spiIn: '11' });
  });

  it('its installed CHILD SA, else its first', () => {
    expect(
      chosen({
        remote: '198.18.0.7',
        children: [
          { state: 'REKEYING', spiIn: 'a1', spiOut: 'a2' },
          { spiIn: 'b1', spiOut: 'b2' },
        ],
      }),
    ).toMatchObject({ childState: 'INSTALLED', spiIn: 'b1' });
    expect(
      chosen({
        remote: '198.18.0.7',
        children: [
          { state: 'REKEYING', spiIn: 'a1', spiOut: 'a2' },
          { state: 'DELETING', spiIn: 'b1', spiOut: 'b2' },
        ],
      }),
    ).toMatchObject({ childState: 'REKEYING', spiIn: 'a1' });
  });

  it('by traffic selector only when no SA comes from the peer’s address', () => {
    // An SA from the address, however poor, outranks one found by selector.
    expect(
      chosen(
        {
          name: 'other',
          remote: '198.18.0.50',
          children: [{ spiIn: 'f1', spiOut: 'f2', remoteTs: ['100.64.7.0/24'] }],
        },
        { name: 'mine', state: 'CONNECTING', remote: '198.18.0.7' },
      ),
    ).toMatchObject({ ikeState: 'CONNECTING' });
    // Any of an SA's children, any of a child's selectors.
    expect(
      chosen({
        remote: '198.18.0.50',
        children: [
          { state: 'REKEYING', spiIn: 'e1', spiOut: 'e2', remoteTs: ['100.64.99.0/24'] },
          { spiIn: 'f1', spiOut: 'f2', remoteTs: ['100.64.98.0/24', '100.64.7.0/24'] },
        ],
      }),
    ).toMatchObject({ spiIn: 'f1' });
  });

  it('a traffic selector covers by prefix: /24, a bare address as /32, /0 everything; a malformed one nothing', () => {
    const covers = (ts: string) =>
      chosen({ remote: '198.18.0.50', children: [{ remoteTs: [ts] }] })?.ikeState !== null;
    expect(covers('100.64.7.0/24')).toBe(true);
    expect(covers('100.64.6.0/24')).toBe(false);
    expect(covers('100.64.7.2')).toBe(true);
    expect(covers('100.64.7.3')).toBe(false);
    expect(covers('100.64.7.2/32')).toBe(true);
    expect(covers('100.64.7.3/32')).toBe(false);
    expect(covers('100.64.0.0/16')).toBe(true);
    expect(covers('0.0.0.0/0')).toBe(true);
    expect(covers('100.64.7.0/33')).toBe(false);
    expect(covers('100.64.7.0/-1')).toBe(false);
    expect(covers('100.64.7.0/x')).toBe(false);
    expect(covers('x100.64.7.0/24')).toBe(false);
    expect(covers('100.64.7.0x/24')).toBe(false);
    expect(covers('100.64.7/24')).toBe(false);
    expect(covers('/24')).toBe(false);
    // With /0 any well-formed address covers: these are malformed, whatever their prefix.
    expect(covers('1.2.3.45/0')).toBe(true);
    expect(covers('x1.2.3.4/0')).toBe(false);
    expect(covers('1.2.3.4x/0')).toBe(false);
    expect(covers('1.2.3.4.5/0')).toBe(false);
    expect(covers('/0')).toBe(false);
    // A negative prefix is no mask of one bit.
    expect(covers('100.64.7.2/-1')).toBe(false);
  });
});

describe('what the probe says when it cannot read an SA', () => {
  it('a dead charon, in words an operator reads, for every peer', () => {
    const [path] = ipsecSaPaths(
      ctx(),
      {
        exitCode: 1,
        output: "connecting to 'unix:///var/run/charon.vici' failed: Connection refused\n",
      },
      null,
    );
    expect(path).toMatchObject({ state: 'down', sa: { daemon: 'unreachable' } });
    expect(path!.error).toMatch(/^the IKE daemon does not answer in the agent: strongSwan's VICI socket/);
  });

  it('its paths are ipsec-sa paths: what a failing probe’s peers are reported as', () => {
    expect(ipsecSaExecProbe.kinds).toEqual(['ipsec-sa']);
  });
});
