import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileCheck } from '../../../shared/domain/compiled-check.js';
import { parseSweepReport, sweepReportSchema } from '../../../shared/domain/sweep-report-schema.js';
import { buildReport } from '../../support/sweep-report-builder.js';

// The compiled check must answer exactly as zod does, or a stored report that zod would refuse
// reaches the page unchecked. Differential: thousands of single-field mutations of a real-shaped
// report, each judged by both.
const isReport = compileCheck(sweepReportSchema);

function seeded(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

const ODD_VALUES: unknown[] = [
  null,
  undefined,
  -1,
  0,
  1,
  0.5,
  1.5,
  2 ** 40,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  '',
  'x',
  'h1',
  'h1 ',
  '198.18.0.1',
  '198.18.0.256',
  '2026-12-06T10:00:00Z',
  '2026-12-06 10:00',
  true,
  false,
  [],
  {},
  'up',
  'ok',
  'tunnel-down',
  'overlay-icmp',
  'answered',
];

/** Every container (object or array) in the report with its keys, to pick mutation points from. */
function containers(
  value: unknown,
  into: { holder: Record<string | number, unknown>; keys: (string | number)[] }[] = [],
) {
  if (Array.isArray(value)) {
    into.push({ holder: value as unknown as Record<number, unknown>, keys: value.map((_, i) => i) });
    for (const item of value) containers(item, into);
  } else if (typeof value === 'object' && value !== null) {
    into.push({ holder: value as Record<string, unknown>, keys: Object.keys(value) });
    for (const item of Object.values(value)) containers(item, into);
  }
  return into;
}

describe('the compiled report check', () => {
  const report = buildReport({
    hosts: 4,
    faults: { 'h1>h2': 'udp-4500-blocked', 'h3>h4': 'mtu-blackhole', 'h4>h1': 'agent-down' } as never,
  });

  // The optional parts a sampled sweep adds, so mutations reach them too.
  report.sampling = { rotation: 3, peersPerSweep: 2, cycleSweeps: 2 };
  report.verdicts[0]!.sample = { source: 'carried', sampledAt: '2026-12-06T10:00:00.000Z', ageSweeps: 1 };

  it('accepts what zod accepts: a whole report, old reports without an environment, extra fields', () => {
    expect(sweepReportSchema.safeParse(report).success).toBe(true);
    expect(isReport(report)).toBe(true);
    const { environment: _, ...old } = report;
    expect(isReport(old)).toBe(true);
    expect(parseSweepReport(old).environment).toBe('default');
    expect(isReport({ ...report, extra: 'kept' })).toBe(true);
  });

  it('agrees with zod on 1,500 single-field mutations of a report', () => {
    const rand = seeded(7);
    const copy = structuredClone(report);
    const points = containers(copy);
    let refused = 0;
    for (let round = 0; round < 1500; round++) {
      const point = points[Math.floor(rand() * points.length)]!;
      if (point.keys.length === 0) continue;
      const key = point.keys[Math.floor(rand() * point.keys.length)]!;
      const replacement = ODD_VALUES[Math.floor(rand() * ODD_VALUES.length)];
      // Mutate one field in place, judge, put it back: no copy per round.
      const had = Object.hasOwn(point.holder, key);
      const before = point.holder[key];
      if (rand() < 0.1 && !Array.isArray(point.holder)) delete point.holder[key];
      else point.holder[key] = replacement;
      const zodSays = sweepReportSchema.safeParse(copy).success;
      if (isReport(copy) !== zodSays) {
        throw new Error(`disagree at ${String(key)} := ${String(replacement)}: zod ${zodSays}`);
      }
      if (!zodSays) refused++;
      if (had) point.holder[key] = before;
      else delete point.holder[key];
    }
    // The mutations must mostly break the contract, or the comparison proves little.
    expect(refused).toBeGreaterThan(750);
    // zod parses the whole report once per round: seconds, more under a coverage-instrumented run.
  }, 60_000);

  it('refuses to compile what it does not know, instead of passing it unchecked', () => {
    expect(() => compileCheck(z.bigint())).toThrow('ZodBigInt is not supported');
    expect(() => compileCheck(z.number().multipleOf(2))).toThrow('number check "multipleOf"');
  });

  it('still names where a report fails, from zod', () => {
    const broken = structuredClone(report);
    (broken.paths[3] as { sent: unknown }).sent = -1;
    expect(() => parseSweepReport(broken)).toThrow('does not match the report contract at paths[3].sent');
  });
});

describe('compileCheck, node by node, against zod', () => {
  const VALUES: unknown[] = [
    undefined,
    null,
    true,
    false,
    0,
    -0.5,
    0.5,
    1,
    2,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    '',
    'a',
    'ab',
    '2026-12-06T10:00:00Z',
    '2026-12-06T10:00:00+01:00',
    'yesterday',
    [],
    ['a'],
    [1],
    {},
    { a: 'x' },
  ];
  it.each([
    ['boolean', z.boolean()],
    ['optional boolean', z.boolean().optional()],
    ['nullable string', z.string().nullable()],
    ['default string', z.string().default('d')],
    ['inclusive bounds', z.number().min(0).max(1)],
    ['a lower bound only (Infinity passes)', z.number().min(0)],
    ['exclusive bounds', z.number().gt(0).lt(1)],
    ['finite', z.number().finite()],
    ['int', z.number().int()],
    ['datetime with offset', z.string().datetime({ offset: true })],
    ['enum', z.enum(['a', 'ab'])],
    ['literal', z.literal(1)],
    ['array of strings', z.array(z.string())],
    ['object', z.object({ a: z.string() })],
    ['refine returning a boolean', z.string().refine((s) => s.length > 1)],
    [
      'superRefine adding an issue',
      z.string().superRefine((s, ctx) => {
        if (s !== 'a') ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'not a' });
      }),
    ],
    ['custom', z.custom<string>((v) => v === 'ab')],
    ['refinement of a number', z.number().refine((n) => n !== 2)],
  ] as const)('%s', (_name, schema) => {
    const check = compileCheck(schema);
    for (const value of VALUES) {
      expect([value, check(value)]).toEqual([value, schema.safeParse(value).success]);
    }
  });

  it('asks a refinement once per string, and keeps each string its own answer', () => {
    const asked: string[] = [];
    const check = compileCheck(
      z.array(
        z.string().refine((s) => {
          asked.push(s);
          return s.startsWith('h');
        }),
      ),
    );
    // The array check stops at the first refusal.
    expect(check(['h1', 'h1', 'x', 'h2'])).toBe(false);
    expect(asked).toEqual(['h1', 'x']);
    expect(check(['x'])).toBe(false);
    expect(check(['h1', 'h2', 'h1', 'h2'])).toBe(true);
    expect(asked).toEqual(['h1', 'x', 'h2']);
    expect(check(['h3'])).toBe(true);
    expect(asked).toEqual(['h1', 'x', 'h2', 'h3']);
    // Only strings are remembered: the same number is asked again.
    const numbers: number[] = [];
    const positive = compileCheck(z.number().refine((n) => numbers.push(n) > 0 && n > 0));
    expect([positive(2), positive(2), positive(-1)]).toEqual([true, true, false]);
    expect(numbers).toEqual([2, 2, -1]);
  });

  it('refuses effects that change the value (a check cannot say what the output would be)', () => {
    expect(() => compileCheck(z.string().transform((s) => s.length))).toThrow('ZodEffects is not supported');
    expect(() => compileCheck(z.preprocess((v) => v, z.string()))).toThrow('ZodEffects is not supported');
  });
});
