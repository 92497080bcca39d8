import type { z } from 'zod';
import { type ErrorClass, InvalidInputError } from '../contract/errors.ts';

/**
 * The one formatter of schema failures: `what: a.b[2].c: message; d: message`. Paths use the
 * input's own member names, so the message names the field to fix.
 */
export function formatIssues(error: z.ZodError, what: string): string {
  const problems = error.issues.map((issue) => {
    const path = issue.path
      .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
      .join('');
    return `${path || '(root)'}: ${issue.message}`;
  });
  return `${what}: ${[...new Set(problems)].join('; ')}`;
}

/** Parses `value` with `schema`, or throws `ErrorType` (InvalidInputError) naming what is wrong. */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  ErrorType: ErrorClass = InvalidInputError,
): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ErrorType(formatIssues(result.error, what), { cause: result.error });
  return result.data;
}
