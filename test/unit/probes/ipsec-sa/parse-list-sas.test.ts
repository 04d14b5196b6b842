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

  it('reads an IKE SA with no CHILD SA at all', () => {
    const parsed = parseListSas([event('state=CONNECTING remote-host=198.18.0.12', ''), REPLY].join('\n'));
    expect(parsed.ok && parsed.sas[0]?.children).toEqual([]);
  });

  it('refuses an event it cannot read rather than guessing', () => {
    expect(parseListSas(['list-sa event {peer {state=ESTABLISHED}}', REPLY].join('\n'))).toEqual({
      ok: false,
      daemonUnreachable: false,
      reason: 'unexpected list-sa event',
    });
    expect(parseListSas(['list-sa event { child-sas {}}', REPLY].join('\n'))).toMatchObject({
      reason: 'unexpected list-sa event',
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
});
