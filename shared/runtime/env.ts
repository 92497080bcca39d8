import type { z } from 'zod';
import { ConfigurationError } from '../contract/errors.ts';
import { parseWith } from './validation.ts';

/**
 * Parses the environment once with a schema into a frozen object. A missing or invalid variable
 * fails the cold start with a message that names it.
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<z.infer<S>> {
  return Object.freeze(parseWith(schema, env, 'Invalid environment', ConfigurationError));
}
