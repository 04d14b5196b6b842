import { describe, expect, it } from 'vitest';
import type { Ipv4 } from '../../../shared/domain/ipv4.js';
import {
  BoundedTable,
  sharedAddressList,
  sharedIkeDetail,
  sharedMtuDetail,
  sharedSingleRtt,
} from '../../../shared/probes/shared-details.js';

const rung = (bytes: number, sent: number, received: number) => ({ bytes, sent, received });

describe('shared details: equal details are one object, unequal ones never', () => {
  it('MTU ladders: the same object only for the same pmtu, ceiling and every rung', () => {
    const a = sharedMtuDetail(1400, 1400, [rung(1400, 2, 2), rung(1300, 2, 2)]);
    expect(a).toEqual({ pmtu: 1400, ceiling: 1400, ladder: [rung(1400, 2, 2), rung(1300, 2, 2)] });
    expect(sharedMtuDetail(1400, 1400, [rung(1400, 2, 2), rung(1300, 2, 2)])).toBe(a);
    for (const other of [
      sharedMtuDetail(1300, 1400, [rung(1400, 2, 2), rung(1300, 2, 2)]),
      sharedMtuDetail(null, 1400, [rung(1400, 2, 2), rung(1300, 2, 2)]),
      sharedMtuDetail(1400, 1500, [rung(1400, 2, 2), rung(1300, 2, 2)]),
      sharedMtuDetail(1400, 1400, [rung(1400, 2, 1), rung(1300, 2, 2)]),
      sharedMtuDetail(1400, 1400, [rung(1400, 1, 2), rung(1300, 2, 2)]),
      sharedMtuDetail(1400, 1400, [rung(1400, 2, 2), rung(1200, 2, 2)]),
      sharedMtuDetail(1400, 1400, [rung(1400, 2, 2)]),
    ])
      expect(other).not.toBe(a);
    expect(sharedMtuDetail(1400, 1400, [rung(1400, 2, 2)]).ladder).toEqual([rung(1400, 2, 2)]);
  });

  it('IKE outcomes: by outcome and response; no response field when there is none', () => {
    const answered = sharedIkeDetail('answered', 'INVALID_KE_PAYLOAD');
    expect(answered).toEqual({ outcome: 'answered', response: 'INVALID_KE_PAYLOAD' });
    expect(sharedIkeDetail('answered', 'INVALID_KE_PAYLOAD')).toBe(answered);
    expect(sharedIkeDetail('answered', 'COOKIE')).toEqual({ outcome: 'answered', response: 'COOKIE' });
    expect(Object.keys(sharedIkeDetail('timeout'))).toEqual(['outcome']);
    expect(sharedIkeDetail('timeout')).toBe(sharedIkeDetail('timeout'));
    expect(sharedIkeDetail('timeout')).not.toBe(sharedIkeDetail('refused'));
  });

  it('single round trips and address lists: by value', () => {
    expect(sharedSingleRtt(0.41)).toEqual({ min: 0.41, avg: 0.41, max: 0.41 });
    expect(sharedSingleRtt(0.41)).toBe(sharedSingleRtt(0.41));
    expect(sharedSingleRtt(0.42)).not.toBe(sharedSingleRtt(0.41));
    const one = ['198.18.0.7'] as Ipv4[];
    expect(sharedAddressList(['198.18.0.7'] as Ipv4[])).toBe(sharedAddressList(one));
    expect(sharedAddressList(['198.18.0.7', '198.18.0.8'] as Ipv4[])).toEqual(['198.18.0.7', '198.18.0.8']);
    expect(sharedAddressList(['198.18.0.8'] as Ipv4[])).not.toBe(sharedAddressList(one));
  });

  it('an IKE outcome without a response is not one whose response reads "undefined"', () => {
    expect(sharedIkeDetail('error')).toEqual({ outcome: 'error' });
    expect(sharedIkeDetail('error', 'undefined')).toEqual({ outcome: 'error', response: 'undefined' });
  });

  it('address lists are told apart by their addresses, not their characters', () => {
    expect(sharedAddressList(['198.18.0.1', '1'] as Ipv4[])).toEqual(['198.18.0.1', '1']);
    expect(sharedAddressList(['198.18.0.11'] as Ipv4[])).toEqual(['198.18.0.11']);
  });

  it('address lists: room for every address of a 200-host fleet several times over', () => {
    const lists = Array.from({ length: 1000 }, (_, i) => [`198.18.${i >> 8}.${i & 255}`] as Ipv4[]);
    const first = lists.map((l) => sharedAddressList(l));
    expect(lists.every((l, i) => sharedAddressList([...l]) === first[i])).toBe(true);
  });

  it('a bounded table keeps its first `limit` keys only; past them a value is made afresh each time', () => {
    const table = new BoundedTable<string, { n: number }>(2);
    let made = 0;
    const get = (key: string) => table.get(key, () => ({ n: ++made }));
    const a = get('a');
    const b = get('b');
    expect(get('a')).toBe(a);
    expect(get('b')).toBe(b);
    expect(table.size).toBe(2);
    const c = get('c');
    expect(c).toEqual({ n: 3 });
    expect(get('c')).not.toBe(c);
    expect(table.size).toBe(2);
  });

  it('past its bound a table keeps nothing more, and still answers with the right value', () => {
    // Host output decides the values: a hostile fleet must not grow the tables without end.
    for (let i = 0; i < 2000; i++) expect(sharedSingleRtt(1000 + i / 100).avg).toBe(1000 + i / 100);
    const late = sharedSingleRtt(5000.01);
    expect(late).toEqual({ min: 5000.01, avg: 5000.01, max: 5000.01 });
    expect(sharedSingleRtt(5000.01)).not.toBe(late);
  });
});
