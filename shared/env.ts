import type { z } from 'zod';
import { ConfigurationError } from './errors.ts';

/**
 * Parses the environment once with a schema into a frozen object. A missing or invalid variable
 * fails the cold start with a message that names it.
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<z.infer<S>> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues
      .map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`)
      .join('; ');
    throw new ConfigurationError(`Invalid environment: ${problems}`);
  }
  return Object.freeze(result.data);
}
