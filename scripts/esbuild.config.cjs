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
 * - The two plugins below drop code that cannot run on Lambda (see each).
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
 * `import { z } from 'zod'` keeps every namespace export alive, including `z.locales`: error
 * messages in 40-odd languages (about 250 KB minified). Only English is ever configured (zod does it
 * itself on import), so the locales index is reduced to English.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: path.dirname(args.path),
    }));
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
  plugins: [lambdaCredentialProvider, zodEnglishOnly],
});

/** The esbuild option names that serverless-esbuild understands but esbuild itself does not. */
const pluginOnlyOptions = ['exclude'];

module.exports = () => lambdaBuildOptions();
module.exports.lambdaBuildOptions = lambdaBuildOptions;
module.exports.pluginOnlyOptions = pluginOnlyOptions;
