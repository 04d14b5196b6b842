import { describe, expect, it } from 'vitest';
import { parseListConns } from '../../../../shared/probes/ipsec-sa/parse-list-conns.js';

// `swanctl --list-conns --raw`: one connection per line, where it dials and the subnets it carries.
const conn = (body: string) => `list-conn event {child-198.18.0.12 {${body}}}\nlist-conns reply {}\n`;

describe('parseListConns', () => {
  it('reads the dialled address and every child’s remote traffic selectors, in either spelling', () => {
    expect(
      parseListConns(
        conn(
          'remote_addrs=[198.18.0.12] children {a {remote-ts=[100.64.2.0/24]} b {remote_ts=[100.64.12.0/24 100.64.13.0/24]}}',
        ),
      ),
    ).toEqual({
      ok: true,
      conns: [
        {
          name: 'child-198.18.0.12',
          remoteAddrs: ['198.18.0.12'],
          remoteTs: ['100.64.2.0/24', '100.64.12.0/24', '100.64.13.0/24'],
        },
      ],
    });
  });

  it('a connection without addresses, children or selectors lists none, never a placeholder', () => {
    expect(parseListConns(conn('version=2'))).toEqual({
      ok: true,
      conns: [{ name: 'child-198.18.0.12', remoteAddrs: [], remoteTs: [] }],
    });
    expect(parseListConns(conn('children {a {mode=TUNNEL}}'))).toEqual({
      ok: true,
      conns: [{ name: 'child-198.18.0.12', remoteAddrs: [], remoteTs: [] }],
    });
    // A `children` value (not a section) is no children.
    expect(parseListConns(conn('children=x'))).toMatchObject({ ok: true, conns: [{ remoteTs: [] }] });
  });

  it('says when charon does not answer, and refuses what is not its output', () => {
    expect(
      parseListConns("connecting to 'unix:///var/run/charon.vici' failed: Connection refused\n"),
    ).toEqual({
      ok: false,
      daemonUnreachable: true,
      reason: "strongSwan's VICI socket does not answer (Connection refused)",
    });
    expect(parseListConns('garbage')).toMatchObject({ ok: false, daemonUnreachable: false });
  });
});

describe('parseListConns refusals name its own command and count', () => {
  it('says what it expected', () => {
    expect(parseListConns('garbage')).toEqual({
      ok: false,
      daemonUnreachable: false,
      reason: 'not swanctl --list-conns output: garbage',
    });
    expect(parseListConns('list-conn event {c {}}\n'.repeat(4097))).toEqual({
      ok: false,
      daemonUnreachable: false,
      reason: 'more than 4096 connections',
    });
  });
});
