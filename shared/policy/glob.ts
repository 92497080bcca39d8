/**
 * Glob matching for policy criteria: `*` matches any run of characters (also none), `?` exactly
 * one; everything else is literal. RDS stores instance, cluster and snapshot identifiers in
 * lowercase, so identifier globs match case-insensitively; tag values keep their case.
 */
const cache = new Map<string, RegExp>();

function compile(glob: string, ignoreCase: boolean): RegExp {
  const key = `${ignoreCase ? 'i' : 's'}:${glob}`;
  let re = cache.get(key);
  if (re === undefined) {
    const body = [...glob]
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
      .join('');
    re = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    cache.set(key, re);
  }
  return re;
}

/** True when `value` matches `glob`. */
export function globMatch(glob: string, value: string, options: { ignoreCase?: boolean } = {}): boolean {
  return compile(glob, options.ignoreCase ?? false).test(value);
}

/** True when `value` matches at least one of `globs`. */
export function anyGlobMatch(
  globs: readonly string[],
  value: string,
  options: { ignoreCase?: boolean } = {},
): boolean {
  return globs.some((g) => globMatch(g, value, options));
}
