import { describe, expect, it } from 'vitest';
import { ViciKeys } from '../../../../shared/probes/ipsec-sa/vici-raw.js';
import { counter, parseViciLine, type ViciSection } from '../../../support/vici-tree.js';

// swanctl --raw prints one VICI message per line: `NAME {key=value key=[a b] SUB {…}}`.
interface Plain {
  values?: Record<string, string>;
  lists?: Record<string, string[]>;
  sections?: [string, Plain][];
}
function plain(s: ViciSection): Plain {
  return {
    ...(s.values.size ? { values: Object.fromEntries(s.values) } : {}),
    ...(s.lists.size ? { lists: Object.fromEntries(s.lists) } : {}),
    ...(s.sections.length ? { sections: s.sections.map(([n, c]) => [n, plain(c)] as [string, Plain]) } : {}),
  };
}
const parsed = (line: string, keep?: ViciKeys) => {
  const r = parseViciLine(line, keep);
  return r.ok ? { name: r.name, section: plain(r.section) } : r;
};

describe('parseViciLine', () => {
  it('reads values, lists and nested sections, names before their braces', () => {
    expect(
      parsed(
        'list-sa event {child-198.18.0.12 {uniqueid=3 state=ESTABLISHED remote-host=198.18.0.12 child-sas {c-1 {state=INSTALLED spi-in=c1 local-ts=[100.64.1.0/24 100.64.9.0/24]}}}}',
      ),
    ).toEqual({
      name: 'list-sa event',
      section: {
        sections: [
          [
            'child-198.18.0.12',
            {
              values: { uniqueid: '3', state: 'ESTABLISHED', 'remote-host': '198.18.0.12' },
              sections: [
                [
                  'child-sas',
                  {
                    sections: [
                      [
                        'c-1',
                        {
                          values: { state: 'INSTALLED', 'spi-in': 'c1' },
                          lists: { 'local-ts': ['100.64.1.0/24', '100.64.9.0/24'] },
                        },
                      ],
                    ],
                  },
                ],
              ],
            },
          ],
        ],
      },
    });
  });

  it('tabs separate like spaces; a value ends at a space, tab or brace; stray words are ignored', () => {
    expect(parsed('x {\ta=1\tb=2}')).toEqual({ name: 'x', section: { values: { a: '1', b: '2' } } });
    expect(parsed('x {s {a=1}b=2}')).toEqual({
      name: 'x',
      section: { values: { b: '2' }, sections: [['s', { values: { a: '1' } }]] },
    });
    expect(parsed('x {a=1}')).toEqual({ name: 'x', section: { values: { a: '1' } } });
    expect(parsed('x {id=CN=host one s {}}')).toEqual({
      name: 'x',
      section: { values: { id: 'CN=host' }, sections: [['s', {}]] },
    });
    // An empty value and an empty list.
    expect(parsed('x {a= b=[]}')).toEqual({ name: 'x', section: { values: { a: '' }, lists: { b: [] } } });
    // A word right before `{` names the section, even after a value.
    expect(parsed('x {a=1 s{b=2}}')).toEqual({
      name: 'x',
      section: { values: { a: '1' }, sections: [['s', { values: { b: '2' } }]] },
    });
    // A list item set with double spaces keeps no empty items; the list may hold '=' and '{'.
    expect(parsed('x {l=[ a  b=c {d ] z=1}')).toEqual({
      name: 'x',
      section: { values: { z: '1' }, lists: { l: ['a', 'b=c', '{d'] } },
    });
  });

  it('ends a word at a tab, a brace or an equals sign right after it', () => {
    expect(parsed('x {s\t{a=1}}')).toEqual({
      name: 'x',
      section: { sections: [['s', { values: { a: '1' } }]] },
    });
    expect(parsed('x {a b}')).toEqual({ name: 'x', section: {} });
    expect(parsed('{a=1}')).toEqual({ name: '', section: { values: { a: '1' } } });
    // A value ends at a brace too: here the brace opens a section without a name.
    expect(parseViciLine('x {a=1{}}')).toEqual({ ok: false, reason: 'a section without a name' });
    // A list's items may end in '=': the list is still one list, no value is read from inside it.
    expect(parsed('x {l=[x=]}')).toEqual({ name: 'x', section: { lists: { l: ['x='] } } });
  });

  it('ends at the brace that closes the top section; text after it is not read', () => {
    expect(parsed('top {a=1} b=2 {')).toEqual({ name: 'top', section: { values: { a: '1' } } });
    expect(parsed('  spaced name  {}')).toEqual({ name: 'spaced name', section: {} });
  });

  it('refuses what is not one whole message, saying why', () => {
    expect(parseViciLine('no braces at all')).toEqual({ ok: false, reason: 'no section' });
    expect(parseViciLine('x {{a=1}}')).toEqual({ ok: false, reason: 'a section without a name' });
    expect(parseViciLine('x {a=1 {b=2}}')).toEqual({ ok: false, reason: 'a section without a name' });
    expect(parseViciLine('x {a=1')).toEqual({ ok: false, reason: 'a section is not closed' });
    expect(parseViciLine('x {s {a=1}')).toEqual({ ok: false, reason: 'a section is not closed' });
    expect(parseViciLine('x {local-ts=[100.64.1.0/24 }')).toEqual({
      ok: false,
      reason: 'list local-ts is not closed',
    });
    expect(parseViciLine(`x {${'k'.repeat(100)}=[a`)).toEqual({
      ok: false,
      reason: `list ${'k'.repeat(40)} is not closed`,
    });
  });

  it('with keys to keep, stores only those values and lists, at any depth; sections stay', () => {
    const keep = new ViciKeys(['state', 'remote-ts', 'spi-in']);
    expect(
      parsed(
        'list-sa event {peer {uniqueid=3 state=ESTABLISHED remote-host=198.18.0.12 child-sas {c-1 {state=INSTALLED spi-in=c1 spi-out=c2 local-ts=[100.64.1.0/24] remote-ts=[100.64.2.0/24]}}}}',
        keep,
      ),
    ).toEqual({
      name: 'list-sa event',
      section: {
        sections: [
          [
            'peer',
            {
              values: { state: 'ESTABLISHED' },
              sections: [
                [
                  'child-sas',
                  {
                    sections: [
                      [
                        'c-1',
                        {
                          values: { state: 'INSTALLED', 'spi-in': 'c1' },
                          lists: { 'remote-ts': ['100.64.2.0/24'] },
                        },
                      ],
                    ],
                  },
                ],
              ],
            },
          ],
        ],
      },
    });
    // A key is kept only when spelled whole: neither a longer nor a shorter word of the same start.
    expect(parsed('x {states=1 stat=2 state=3 spi-inx=4}', keep)).toEqual({
      name: 'x',
      section: { values: { state: '3' } },
    });
    // Keys nobody keeps are still read for syntax: an unclosed list is refused all the same.
    expect(parseViciLine('x {local-ts=[100.64.1.0/24 }', keep)).toEqual({
      ok: false,
      reason: 'list local-ts is not closed',
    });
    // And a value nobody keeps still ends where values end.
    expect(parsed('x {a=1\tstate=up}', keep)).toEqual({
      name: 'x',
      section: { values: { state: 'up' } },
    });
  });

  it('a section name is the word right before its brace: not one before a closed section, nor before a brace', () => {
    expect(parseViciLine('x {a {} {b=1}}')).toEqual({ ok: false, reason: 'a section without a name' });
    expect(parseViciLine('x {a {{b=1}}}')).toEqual({ ok: false, reason: 'a section without a name' });
    expect(parseViciLine('x {a=1 {b=2}}')).toEqual({ ok: false, reason: 'a section without a name' });
  });

  it('keeps every list and value of a section, the last of a key given twice', () => {
    const r = parseViciLine('x {s {a=[1 2] b=[3] a=[4] v=1 w=2 v=3}}');
    const s = r.ok ? r.section.sections[0]![1] : null;
    expect(s && [...s.lists]).toEqual([
      ['a', ['4']],
      ['b', ['3']],
    ]);
    expect(s && [...s.values]).toEqual([
      ['v', '3'],
      ['w', '2'],
    ]);
    expect(s?.lists.size).toBe(2);
    expect(s?.values.size).toBe(2);
  });

  it('refuses nesting deeper than eight sections, and takes eight', () => {
    const nest = (depth: number) => `x {${'s {'.repeat(depth - 1)}a=1${'}'.repeat(depth)}`;
    expect(parseViciLine(nest(8)).ok).toBe(true);
    expect(parseViciLine(nest(9))).toEqual({ ok: false, reason: 'sections nested too deep' });
  });
});

describe('counter', () => {
  it('reads whole non-negative numbers of up to 15 digits, nothing else', () => {
    const r = parseViciLine('x {a=0 b=123456789012345 c=1234567890123456 d=-1 e=1.5 f=12x g= h=[1]}');
    if (!r.ok) throw new Error(r.reason);
    expect(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'missing'].map((k) => counter(r.section, k))).toEqual([
      0,
      123456789012345,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
