import { describe, expect, it } from 'vitest';
import { parseListSas } from '../../../../shared/probes/ipsec-sa/parse-list-sas.js';

// Synthetic lines in swanctl's raw format, for what the captured fixtures do not show.
const event = (ike: string, children: string) => `list-sa event {peer {${ike} child-sas {${children}}}}`;
const REPLY = 'list-sas reply {}';

describe('parseListSas, field by field', () => {
  it('reads every reported field of an IKE SA and its CHILD SA', () => {
    const out = [
      event(
        'uniqueid=1 state=ESTABLISHED remote-host=198.18.0.12 established=120 rekey-time=3400',
        'peer-7 {name=peer state=INSTALLED bytes-in=10 bytes-out=20 packets-in=1 packets-out=2 install-time=60 remote-ts=[100.64.2.0/24 100.64.9.0/24]}',
      ),
      REPLY,
    ].join('\n');
    expect(parseListSas(out)).toEqual({
      ok: true,
      sas: [
        {
          name: 'peer',
          state: 'ESTABLISHED',
          remoteHost: '198.18.0.12',
          establishedSec: 120,
          rekeySec: 3400,
          children: [
            {
              name: 'peer',
              state: 'INSTALLED',
              bytesIn: 10,
              bytesOut: 20,
              packetsIn: 1,
              packetsOut: 2,
              installSec: 60,
              remoteTs: ['100.64.2.0/24', '100.64.9.0/24'],
            },
          ],
        },
      ],
    });
  });

  it('never reads a CHILD SA without a state as INSTALLED, and names it by its key without a name', () => {
    const parsed = parseListSas([event('state=ESTABLISHED', 'peer-7 {bytes-in=1}'), REPLY].join('\n'));
    expect(parsed.ok && parsed.sas[0]!.children).toEqual([
      { name: 'peer-7', state: 'UNKNOWN', bytesIn: 1, remoteTs: [] },
    ]);
  });

  it('leaves out counters that are not whole numbers instead of making them NaN', () => {
    const parsed = parseListSas(
      [
        event(
          'state=ESTABLISHED established=soon',
          'c {state=INSTALLED bytes-in=12x packets-in=-1 bytes-out=}',
        ),
        REPLY,
      ].join('\n'),
    );
    expect(parsed.ok && parsed.sas[0]).toEqual({
      name: 'peer',
      state: 'ESTABLISHED',
      remoteHost: null,
      children: [{ name: 'c', state: 'INSTALLED', remoteTs: [] }],
    });
  });

  it('matches a key only as a whole word (remote-host is not xremote-host, state is not child-state)', () => {
    const parsed = parseListSas(
      [event('xremote-host=1.2.3.4 state=CONNECTING', 'c {xstate=INSTALLED}'), REPLY].join('\n'),
    );
    expect(parsed.ok && parsed.sas[0]).toMatchObject({
      state: 'CONNECTING',
      remoteHost: null,
      children: [{ state: 'UNKNOWN' }],
    });
  });

  it('gives no timer field the SA line lacks, and no CHILD field the child lacks', () => {
    expect(
      parseListSas(`${event('state=CONNECTING remote-host=198.18.0.12', 'c {state=CREATED}')}\n${REPLY}\n`),
    ).toStrictEqual({
      ok: true,
      sas: [
        {
          name: 'peer',
          state: 'CONNECTING',
          remoteHost: '198.18.0.12',
          children: [{ name: 'c', state: 'CREATED', remoteTs: [] }],
        },
      ],
    });
  });

  it("takes a child's traffic selectors from the child itself, not from the IKE SA or deeper sections", () => {
    const parsed = parseListSas(
      `list-sa event {peer {state=ESTABLISHED remote-ts=[100.64.9.0/24] child-sas {c {state=INSTALLED remote-ts=[100.64.7.0/24] deeper {remote-ts=[100.64.8.0/24]} name=[not a list]} d {state=INSTALLED}}}}\n${REPLY}\n`,
    );
    expect(parsed.ok && parsed.sas[0]!.children.map((c) => c.remoteTs)).toEqual([['100.64.7.0/24'], []]);
  });

  it('refuses more IKE SAs than any agent holds, saying how many', () => {
    const lines = Array.from({ length: 4097 }, (_, i) => event(`state=ESTABLISHED uniqueid=${i}`, ''));
    expect(parseListSas(`${lines.join('\n')}\n${REPLY}\n`)).toEqual({
      ok: false,
      daemonUnreachable: false,
      reason: 'more than 4096 IKE SAs',
    });
  });

  it('reads an IKE SA with no CHILD SA at all', () => {
    const parsed = parseListSas([event('state=CONNECTING remote-host=198.18.0.12', ''), REPLY].join('\n'));
    expect(parsed.ok && parsed.sas[0]?.children).toEqual([]);
  });

  it('refuses an event it cannot read rather than guessing', () => {
    expect(parseListSas(['list-sa event { child-sas {}}', REPLY].join('\n'))).toMatchObject({
      ok: false,
      daemonUnreachable: false,
    });
    expect(parseListSas([event('uniqueid=1', ''), REPLY].join('\n'))).toEqual({
      ok: false,
      daemonUnreachable: false,
      reason: 'IKE SA peer has no state',
    });
  });

  it("says the daemon does not answer, with swanctl's reason, when VICI is refused", () => {
    expect(
      parseListSas("connecting to 'unix:///var/run/charon.vici' failed: No such file or directory\n"),
    ).toEqual({
      ok: false,
      daemonUnreachable: true,
      reason: "strongSwan's VICI socket does not answer (No such file or directory)",
    });
  });

  it("quotes at most 80 characters of output that is not swanctl's", () => {
    expect(parseListSas(`  ${'q'.repeat(500)}  `)).toEqual({
      ok: false,
      daemonUnreachable: false,
      reason: `not swanctl --list-sas output: ${'q'.repeat(80)}`,
    });
    expect(parseListSas(REPLY)).toEqual({ ok: true, sas: [] });
  });

  it("never takes a CHILD SA's state for its IKE SA's", () => {
    expect(parseListSas([event('uniqueid=1', 'c {state=INSTALLED}'), REPLY].join('\n'))).toMatchObject({
      ok: false,
      reason: 'IKE SA peer has no state',
    });
  });

  it('reads traffic selectors listed first, and events whose reply line was cut off', () => {
    const parsed = parseListSas(event('state=ESTABLISHED', 'c {remote-ts=[100.64.2.0/24] state=INSTALLED}'));
    expect(parsed.ok && parsed.sas[0]!.children[0]!.remoteTs).toEqual(['100.64.2.0/24']);
  });

  it('trims swanctl\'s reason, and says "failed" when it gives none', () => {
    expect(parseListSas("connecting to 'unix:///x' failed:   refused  \n")).toMatchObject({
      reason: "strongSwan's VICI socket does not answer (refused)",
    });
    expect(parseListSas("connecting to 'unix:///x' failed\n")).toMatchObject({
      daemonUnreachable: true,
      reason: "strongSwan's VICI socket does not answer (failed)",
    });
  });
});

describe('parseListSas, what it keeps and what it refuses', () => {
  const sa = (body: string, child = 'c-1 {state=INSTALLED}') =>
    `list-sa event {peer {state=ESTABLISHED ${body} child-sas {${child}}}}\nlist-sas reply {}\n`;
  const only = (output: string) => {
    const r = parseListSas(output);
    if (!r.ok) throw new Error(r.reason);
    return r.sas[0]!;
  };

  it('keeps SPIs that are 1–16 hex digits, lower-cased, and drops anything else', () => {
    const spis = (spiIn: string, spiOut: string) => {
      const c = only(sa('', `c-1 {state=INSTALLED spi-in=${spiIn} spi-out=${spiOut}}`)).children[0]!;
      return [c.spiIn, c.spiOut];
    };
    expect(spis('C1A2B3C4', 'd5e6f7a8')).toEqual(['c1a2b3c4', 'd5e6f7a8']);
    expect(spis('0123456789abcdef', 'f')).toEqual(['0123456789abcdef', 'f']);
    for (const bad of ['0123456789abcdef0', 'xc1', 'c1x', 'c1-2'])
      expect(spis(bad, bad), bad).toEqual([undefined, undefined]);
    const c = only(sa('', 'c-1 {state=INSTALLED spi-in= spi-out=}')).children[0]!;
    expect(Object.keys(c)).not.toContain('spiIn');
    expect(Object.keys(c)).not.toContain('spiOut');
  });

  it('leaves out counters a host did not print or printed as junk, instead of NaN or undefined members', () => {
    const s = only(sa('established=12 rekey-time=x'));
    expect(s.establishedSec).toBe(12);
    expect(Object.keys(s)).not.toContain('rekeySec');
    const c = only(sa('', 'c-1 {state=INSTALLED packets-in=5 bytes-out=-1}')).children[0]!;
    expect(c.packetsIn).toBe(5);
    expect(Object.keys(c)).not.toContain('bytesOut');
    expect(Object.keys(c)).not.toContain('packetsOut');
  });

  it('refuses an event whose SA has no name, no state or no child-sas section', () => {
    expect(parseListSas('list-sa event { peer {state=ESTABLISHED child-sas {}}}\n')).toMatchObject({
      ok: false,
      reason: 'unexpected list-sa event',
    });
    expect(parseListSas(`list-sa event {${'p'.repeat(100)} {child-sas {}}}\n`)).toMatchObject({
      ok: false,
      reason: `IKE SA ${'p'.repeat(64)} has no state`,
    });
    expect(parseListSas('list-sa event {peer {state=ESTABLISHED}}\n')).toMatchObject({
      ok: false,
      reason: 'unexpected list-sa event',
    });
    // A child section named child-sas further down does not count for the IKE SA's own.
    expect(parseListSas('list-sa event {peer {state=ESTABLISHED x {child-sas {}}}}\n')).toMatchObject({
      ok: false,
      reason: 'unexpected list-sa event',
    });
  });
});
