import { describe, expect, it } from 'vitest';
import {
  MAX_SWANCTL_OUTPUT,
  parseViciDump,
  unexpectedEvent,
  viciUnreachable,
} from '../../../../shared/probes/ipsec-sa/vici-dump.js';
import { eventSection } from '../../../support/vici-tree.js';

// A made-up listing with the shape of swanctl's: `thing event {NAME {…}}` lines, then the reply.
const DUMP = {
  event: 'thing event {',
  reply: 'things reply',
  command: '--list-things',
  max: 3,
  counted: 'things',
};
// The entry reader returns a value for an entry, or a string saying why it refuses one.
const byName = (line: string) => {
  const named = eventSection(line);
  return named ? { name: named[0] } : unexpectedEvent(DUMP);
};
const read = (output: string) => parseViciDump(output, DUMP, byName);

describe('parseViciDump', () => {
  it('one entry per event line, in order; the reply line alone is an empty listing', () => {
    expect(read('thing event {a {x=1}}\nthing event {b {}}\nthings reply {}\n')).toEqual({
      ok: true,
      entries: [{ name: 'a' }, { name: 'b' }],
    });
    expect(read('things reply {}\n')).toEqual({ ok: true, entries: [] });
    // Events without the reply line (cut off) still count.
    expect(read('thing event {a {}}')).toEqual({ ok: true, entries: [{ name: 'a' }] });
  });

  it('refuses output that is not this listing, quoting its start', () => {
    expect(read('sh: swanctl: not found\n')).toEqual({
      ok: false,
      daemonUnreachable: false,
      reason: 'not swanctl --list-things output: sh: swanctl: not found',
    });
  });

  it('refuses an event it cannot read, and what the entry reader refuses', () => {
    expect(read('thing event {a=1}\n')).toEqual({
      ok: false,
      daemonUnreachable: false,
      reason: 'unexpected thing event',
    });
    expect(read('thing event {broken\n')).toMatchObject({ ok: false, reason: 'unexpected thing event' });
    expect(parseViciDump('thing event {a {}}\n', DUMP, () => 'no good')).toEqual({
      ok: false,
      daemonUnreachable: false,
      reason: 'no good',
    });
  });

  it('refuses more events than a real agent has, and output past its size cap, unread', () => {
    const events = (n: number) => 'thing event {a {}}\n'.repeat(n);
    expect(read(events(3))).toMatchObject({ ok: true });
    expect(read(events(4))).toEqual({ ok: false, daemonUnreachable: false, reason: 'more than 3 things' });
    const big = `things reply {}\n${' '.repeat(MAX_SWANCTL_OUTPUT - 16)}`;
    expect(big.length).toBe(MAX_SWANCTL_OUTPUT);
    expect(read(big)).toMatchObject({ ok: true });
    expect(read(`${big} `)).toEqual({
      ok: false,
      daemonUnreachable: false,
      reason: `swanctl printed more than ${MAX_SWANCTL_OUTPUT} bytes`,
    });
  });

  it('says the daemon is unreachable when swanctl could not reach charon', () => {
    expect(read("connecting to 'unix:///var/run/charon.vici' failed: No such file or directory\n")).toEqual({
      ok: false,
      daemonUnreachable: true,
      reason: "strongSwan's VICI socket does not answer (No such file or directory)",
    });
  });
});

describe('viciUnreachable', () => {
  it('takes the reason from swanctl’s own line, wherever it stands', () => {
    expect(
      viciUnreachable("x\nconnecting to 'unix:///run/c.vici' failed:   Connection refused  \nmore\n"),
    ).toBe("strongSwan's VICI socket does not answer (Connection refused)");
    expect(viciUnreachable("connecting to 'unix:///run/c.vici' failed")).toBe(
      "strongSwan's VICI socket does not answer (failed)",
    );
    expect(viciUnreachable("connecting to 'u' failed: bad: thing")).toBe(
      "strongSwan's VICI socket does not answer (bad: thing)",
    );
    expect(viciUnreachable("connecting to 'unix:///run/c.vici' failed: :x")).toBe(
      "strongSwan's VICI socket does not answer (:x)",
    );
    expect(viciUnreachable(`connecting to 'u' failed: ${'e'.repeat(200)}`)).toBe(
      `strongSwan's VICI socket does not answer (${'e'.repeat(120)})`,
    );
  });

  it('is null for anything else, including a half of its line', () => {
    expect(viciUnreachable('things reply {}')).toBeNull();
    expect(viciUnreachable("connecting to 'unix:///run/c.vici'\n' failed: later line")).toBeNull();
    expect(viciUnreachable("connecting to 'unix:///run/c.vici' worked")).toBeNull();
  });
});
