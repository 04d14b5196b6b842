import type { ZodIssue } from 'zod';

/** One thing wrong with a config: where (`hosts[1].docker.endpoint`) and what to do about it. */
export interface ConfigIssue {
  path: string;
  message: string;
}

export type ConfigResult<T> = { ok: true; config: T } | { ok: false; issues: ConfigIssue[] };

export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out === '' ? '(config)' : out;
}

export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('\n');
}

/**
 * Rewrites zod's messages into ones that name the fix. Zod messages that could echo an input value
 * (enum, literal) are replaced, so key material can never reach an error message.
 */
export function fromZodIssue(issue: ZodIssue): ConfigIssue {
  const path = formatPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return {
        path,
        message: `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}; check the spelling`,
      };
    case 'invalid_type':
      if (issue.received === 'undefined') {
        return { path, message: issue.message === 'Required' ? 'required' : issue.message };
      }
      if (issue.expected === 'integer') {
        return {
          path,
          message: issue.message.startsWith('Expected') ? 'must be a whole number' : issue.message,
        };
      }
      return { path, message: `expected ${issue.expected}, got ${issue.received}` };
    case 'too_small':
      if (issue.type === 'array') return { path, message: issue.message };
      if (issue.type === 'string') return { path, message: issue.message };
      // The schema's own wording when it gave one (zod's default starts "Number must"); a bound, never the value.
      return {
        path,
        message: zodDefault(issue.message) ? `must be at least ${String(issue.minimum)}` : issue.message,
      };
    case 'invalid_enum_value':
      // The schema's own choices, never the value that was given (it could be key material).
      return { path, message: `expected one of ${issue.options.map(String).join(', ')}` };
    case 'too_big':
      return {
        path,
        message: zodDefault(issue.message) ? `must be at most ${String(issue.maximum)}` : issue.message,
      };
    case 'custom':
    case 'invalid_string':
      return { path, message: issue.message };
    default:
      return { path, message: 'invalid value' };
  }
}

/** zod's own wording for a number out of bounds, as opposed to a message the schema wrote. */
function zodDefault(message: string): boolean {
  return message.startsWith('Number must') || message.startsWith('BigInt must');
}
