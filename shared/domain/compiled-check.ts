import type { z } from 'zod';

/**
 * A zod schema compiled into a plain predicate: the same rules, checked in one pass that allocates
 * nothing. zod's own parse builds a full copy of its input and an issue object per check; for a
 * 200-host report (240,000 paths, 40,000 verdicts) that is seconds of CPU and a second report's worth
 * of memory on every save and read. zod still says *where* a value fails (parseSweepReport asks it
 * only then), and test/unit/domain/compiled-check.test.ts holds the two to the same answers.
 *
 * Supports the node types the report contract uses; compiling any other throws, so a schema change
 * the compiler does not know fails at start-up, not silently.
 */
export type Check = (value: unknown) => boolean;

type Def = { typeName: string } & Record<string, unknown>;

export function compileCheck(schema: z.ZodTypeAny): Check {
  const def = schema._def as Def;
  switch (def.typeName) {
    case 'ZodString':
      return stringCheck(schema, def);
    case 'ZodNumber':
      return numberCheck(def.checks as { kind: string; value?: number; inclusive?: boolean }[]);
    case 'ZodBoolean':
      return (v) => typeof v === 'boolean';
    case 'ZodAny':
      return () => true;
    case 'ZodLiteral': {
      const literal = def.value;
      return (v) => v === literal;
    }
    case 'ZodEnum': {
      const values = new Set<unknown>(def.values as unknown[]);
      return (v) => values.has(v);
    }
    // A missing value is fine: optional, or it takes the default, which the schema's author made valid.
    case 'ZodOptional':
    case 'ZodDefault': {
      const inner = compileCheck(def.innerType as z.ZodTypeAny);
      return (v) => v === undefined || inner(v);
    }
    case 'ZodNullable': {
      const inner = compileCheck(def.innerType as z.ZodTypeAny);
      return (v) => v === null || inner(v);
    }
    case 'ZodArray': {
      const element = compileCheck(def.type as z.ZodTypeAny);
      return (v) => {
        if (!Array.isArray(v)) return false;
        for (const item of v) if (!element(item)) return false;
        return true;
      };
    }
    case 'ZodObject': {
      const shape = (schema as z.AnyZodObject).shape as Record<string, z.ZodTypeAny>;
      const fields = Object.entries(shape).map(([key, field]) => [key, compileCheck(field)] as const);
      return (v) => {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
        const record = v as Record<string, unknown>;
        for (const [key, check] of fields) if (!check(record[key])) return false;
        return true;
      };
    }
    case 'ZodEffects': {
      const effect = def.effect as { type: string; refinement?: (v: unknown, ctx: unknown) => unknown };
      // A transform or preprocess changes the value: a check cannot say what the output would be.
      if (effect.type !== 'refinement') break;
      const inner = compileCheck(def.schema as z.ZodTypeAny);
      const refinement = effect.refinement!;
      // Every zod refinement (refine, superRefine, custom) reports a failure through ctx.addIssue.
      // One ctx per compiled refinement, not one per value: a closure made per value costs more than
      // the check (tsx also names each one). The refinements are leaves of the report contract and
      // never run this check again from inside, so one flag serves.
      // Stryker disable next-line BooleanLiteral: equivalent, set before every use
      let ok = true;
      // Stryker disable next-line ArrayDeclaration: equivalent, the refinements here never read the path
      const ctx = { addIssue: () => (ok = false), path: [] };
      // A report names a few hundred hosts and addresses hundreds of thousands of times: the answer
      // for a string is remembered (a refinement is a pure function of its value), a bounded number.
      const answers = new Map<string, boolean>();
      return (v) => {
        if (!inner(v)) return false;
        const text = typeof v === 'string' ? v : null;
        // Stryker disable next-line ConditionalExpression: equivalent, a Map holds no answer for null
        const known = text === null ? undefined : answers.get(text);
        if (known !== undefined) return known;
        ok = true;
        refinement(v, ctx);
        // Stryker disable next-line ConditionalExpression: equivalent, an answer kept for null is never asked for
        if (text !== null) {
          // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, only how much is remembered
          if (answers.size >= MAX_REMEMBERED_ANSWERS) answers.clear();
          answers.set(text, ok);
        }
        return ok;
      };
    }
  }
  throw new Error(`compileCheck: ${def.typeName} is not supported; extend it or keep zod for this schema`);
}

/** Strings whose refinement answer one compiled rule remembers: more than a report's host names and addresses. */
const MAX_REMEMBERED_ANSWERS = 16_384;

const NUMBER_CHECKS = new Set(['int', 'finite', 'min', 'max']);

function numberCheck(checks: { kind: string; value?: number; inclusive?: boolean }[]): Check {
  const unknown = checks.find((c) => !NUMBER_CHECKS.has(c.kind));
  if (unknown) throw new Error(`compileCheck: number check "${unknown.kind}" is not supported`);
  return (v) => {
    // zod accepts ±Infinity unless .finite(), and never NaN.
    if (typeof v !== 'number' || Number.isNaN(v)) return false;
    for (const c of checks) {
      if (c.kind === 'int' && !Number.isInteger(v)) return false;
      if (c.kind === 'finite' && !Number.isFinite(v)) return false;
      if (c.kind === 'min' && (c.inclusive ? v < c.value! : v <= c.value!)) return false;
      if (c.kind === 'max' && (c.inclusive ? v > c.value! : v >= c.value!)) return false;
    }
    return true;
  };
}

function stringCheck(schema: z.ZodTypeAny, def: Def): Check {
  // Plain strings are the bulk; a string with format checks (a datetime) is rare: zod checks it.
  // Stryker disable next-line ConditionalExpression: equivalent, zod gives the same answer, only slower
  if ((def.checks as unknown[]).length === 0) return (v) => typeof v === 'string';
  // Stryker disable next-line ConditionalExpression: equivalent, zod refuses a non-string too, only slower
  return (v) => typeof v === 'string' && schema.safeParse(v).success;
}
