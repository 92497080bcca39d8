'use strict';
/**
 * The one esbuild configuration for the Lambda bundles. serverless.yml points serverless-esbuild at
 * this file (`custom.esbuild.config`), and `bench/cold-start.bench.ts` builds with the same options,
 * so the benchmark measures exactly what is deployed.
 *
 * Why each choice (measured with `npm run bench`; see bench/results.md):
 * - CommonJS output: Node compiles a CJS bundle faster than the same bundle as ESM (about 10 ms
 *   per cold start on the bench machine), and a `.js` file with no package.json beside it is CJS
 *   on Lambda, so no `.mjs`/createRequire banner is needed.
 * - `mainFields: ['module', 'main']`: the SDK's and Powertools' ESM builds tree-shake; their CJS
 *   builds are single files that pull in every command and helper (a third more code to parse).
 * - `@aws-sdk/*` is bundled, not taken from the runtime: the versions are the ones we tested, and
 *   one minified file loads faster than the runtime's hundreds of CJS files.
 * - The plugins below drop code that cannot run on Lambda or that nothing calls (see each).
 * - No `keepNames`: the error classes spell their `name` as a literal (shared/contract/errors.ts), which is
 *   what the state machine matches on, so minifying class names is harmless.
 */
const path = require('node:path');

/**
 * On Lambda the execution role's credentials are always in the environment, so the default
 * provider chain's SSO, INI-profile, process, web-identity and instance-metadata links (and the
 * STS/SSO clients they embed) are dead weight: about 130 KB of code to parse at every cold start.
 * This keeps the environment link and the container-credentials link, in the same order and with
 * the same memoisation as `@aws-sdk/credential-provider-node`.
 */
const lambdaCredentialProvider = {
  name: 'lambda-credential-provider',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({
      path: path.join(__dirname, 'lambda-credential-provider.mjs'),
    }));
  },
};

/**
 * `import { z } from 'zod'` keeps every export of the `z` namespace alive, so esbuild cannot drop
 * what the functions never call. Three parts are large and unreachable from schema parsing:
 * - `z.locales`: error messages in 40-odd languages (about 250 KB minified); zod configures English
 *   itself on import, so the locales index is reduced to English;
 * - `z.compile` / `z.withParser` (the opt-in JIT, about 30 KB) and `z.fromJSONSchema` (about 12 KB):
 *   replaced by stubs that throw if called. A zod release that renames these exports fails the build
 *   ("No matching export") instead of shipping a broken bundle.
 */
const notInBundle = (name) =>
  `() => { throw new Error('${name} is not included in the Lambda bundle (scripts/esbuild.config.cjs)'); }`;
const zodStubs = [
  {
    filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/,
    contents: "export { default as en } from './en.js';",
  },
  {
    filter: /[\\/]zod[\\/]v4[\\/]core[\\/]compile\.js$/,
    contents: [
      "export const INVALID = Symbol.for('zod.compile.invalid');",
      'export class ZodCompileAsyncError extends Error {}',
      'export class ZodCompileUnsupportedError extends Error {}',
      `export const compile = ${notInBundle('z.compile')};`,
      `export const compileFn = ${notInBundle('z.compile')};`,
      `export const withParser = ${notInBundle('z.withParser')};`,
    ].join('\n'),
  },
  {
    filter: /[\\/]zod[\\/]v4[\\/]classic[\\/]from-json-schema\.js$/,
    contents: `export const fromJSONSchema = ${notInBundle('z.fromJSONSchema')};`,
  },
];
const zodUnusedParts = {
  name: 'zod-unused-parts',
  setup(build) {
    for (const { filter, contents } of zodStubs) {
      build.onLoad({ filter }, (args) => ({ contents, resolveDir: path.dirname(args.path) }));
    }
  },
};

/**
 * `yaml` resolves to its CommonJS build under Node; its ESM build (the same code, shipped for
 * browsers) lets esbuild scope-hoist and drop unused exports: about 17 KB less to parse.
 */
const yamlEsm = {
  name: 'yaml-esm',
  setup(build) {
    build.onResolve({ filter: /^yaml$/ }, () => ({
      path: path.join(path.dirname(require.resolve('yaml/package.json')), 'browser', 'index.js'),
    }));
  },
};

/**
 * `@aws-sdk/client-ssm` has one importer, the Slack webhook's reader (shared/aws/ssm-secure-string.ts),
 * which the notifier loads with `import()` at the first Slack post. Without code splitting esbuild
 * wraps every module an `import()` reaches in a lazy initialiser, and then keeps each file the
 * package's index re-exports (evanw/esbuild#2477): the aggregated `SSM` client, all of SSM's
 * commands, its paginators and waiters, about 95 KB more to parse at every cold start of each
 * function that notifies, Slack or not. This resolves the package to the two modules the reader
 * imports, so the lazy bundle is as small as a statically imported, tree-shaken one; importing
 * anything else from the package fails the build ("No matching export") instead of shipping a
 * broken bundle.
 */
const SSM_CLIENT_USED = [
  "export { SSMClient } from './SSMClient';",
  "export { GetParameterCommand } from './commands/GetParameterCommand';",
].join('\n');
const ssmClientUsedParts = {
  name: 'ssm-client-used-parts',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/client-ssm$/ }, () => ({
      path: 'client-ssm',
      namespace: 'ssm-client-used-parts',
    }));
    build.onLoad({ filter: /.*/, namespace: 'ssm-client-used-parts' }, () => {
      const root = path.dirname(require.resolve('@aws-sdk/client-ssm/package.json'));
      const esm = path.dirname(path.join(root, require('@aws-sdk/client-ssm/package.json').module));
      return { contents: SSM_CLIENT_USED, resolveDir: esm, loader: 'js' };
    });
  },
};

/** esbuild options shared by serverless-esbuild and the cold-start benchmark. */
const lambdaBuildOptions = () => ({
  bundle: true,
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  mainFields: ['module', 'main'],
  // serverless-esbuild externalises the v2 `aws-sdk` by default; v3 clients are bundled.
  exclude: [],
  external: [],
  plugins: [lambdaCredentialProvider, zodUnusedParts, yamlEsm, ssmClientUsedParts],
});

/** The esbuild option names that serverless-esbuild understands but esbuild itself does not. */
const pluginOnlyOptions = ['exclude'];

module.exports = () => lambdaBuildOptions();
module.exports.lambdaBuildOptions = lambdaBuildOptions;
module.exports.pluginOnlyOptions = pluginOnlyOptions;
