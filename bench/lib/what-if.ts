/**
 * Estimates, not deployable builds: what the slowest function's cold start would be after two code
 * changes the build cannot make by itself. Each replaces a dependency with a stand-in that does just
 * enough for the module to load, so the difference is that dependency's load cost.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'esbuild';
import { parse } from 'yaml';

const standIn = (name: string, filter: RegExp, contents: string): Plugin => ({
  name,
  setup(build) {
    build.onResolve({ filter }, (args) => ({ path: args.path, namespace: name }));
    build.onLoad({ filter: /.*/, namespace: name }, () => ({ contents, loader: 'js' }));
  },
});

/**
 * The SSM client left out of the bundle. The Slack webhook's reader already loads it only at the
 * first Slack post (`import()`), but inside one CJS bundle its code is still parsed at every cold
 * start; this prices shipping it apart.
 */
export const withoutSsmClient = standIn(
  'without-ssm-client',
  /^@aws-sdk\/client-ssm$/,
  // What the functions import from it: only the Slack webhook's reader (shared/aws/ssm-secure-string.ts).
  'export class SSMClient {} export class GetParameterCommand {}',
);

/** The YAML parser left out, as if the policy were parsed at package time and shipped as data. */
export function withoutYamlParser(root: string): Plugin {
  const policy = JSON.stringify(parse(readFileSync(path.join(root, 'export-policy.yml'), 'utf8')));
  return standIn(
    'without-yaml-parser',
    /^yaml$/,
    `const policy = ${policy}; export function parseDocument() { return { errors: [], toJS: () => structuredClone(policy) }; }`,
  );
}
