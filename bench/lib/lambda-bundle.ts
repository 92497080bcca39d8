import { createRequire } from 'node:module';
import path from 'node:path';
import { type BuildOptions, build, type Metafile } from 'esbuild';

const require = createRequire(import.meta.url);
interface EsbuildConfig {
  lambdaBuildOptions: () => BuildOptions & { exclude?: string[] };
  pluginOnlyOptions: string[];
}

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

/**
 * The esbuild options serverless.yml deploys with (scripts/esbuild.config.cjs), as esbuild takes them;
 * `root` names another tree (a baseline from git) whose own configuration to use.
 */
export function deployedOptions(root = ROOT): BuildOptions {
  const config = require(path.join(root, 'scripts', 'esbuild.config.cjs')) as EsbuildConfig;
  const options: Record<string, unknown> = { ...config.lambdaBuildOptions() };
  for (const key of config.pluginOnlyOptions) delete options[key];
  return options as BuildOptions;
}

export type Bundle = { file: string; bytes: number; sdkClients: string[] };

/**
 * Builds `functions/<name>/handler.ts` into `<outDir>/functions/<name>/handler.js`, the path it has
 * in the deployed zip. `overrides` lets the bench compare build choices against the deployed one;
 * `root` builds another tree's function (a baseline from git) with that tree's configuration.
 */
export function buildFunction(
  name: string,
  outDir: string,
  overrides: BuildOptions = {},
  root = ROOT,
): Promise<Bundle> {
  const options = { ...deployedOptions(root), ...overrides };
  const extension = options.format === 'esm' ? '.mjs' : '.js';
  const file = path.join(outDir, 'functions', name, `handler${extension}`);
  return buildEntry(path.join(root, 'functions', name, 'handler.ts'), file, options);
}

/** Builds one entry point into one file with exactly the given options. */
export async function buildEntry(entry: string, file: string, options: BuildOptions): Promise<Bundle> {
  const result = await build({
    ...options,
    entryPoints: [entry],
    outfile: file,
    metafile: true,
    logLevel: 'error',
  });
  const output = Object.values(result.metafile.outputs)[0];
  return { file, bytes: output?.bytes ?? 0, sdkClients: sdkClients(result.metafile) };
}

/** The `@aws-sdk/client-*` packages that ended up in a bundle. */
function sdkClients(metafile: Metafile): string[] {
  const clients = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//.exec(input);
    if (match?.[1]) clients.add(match[1]);
  }
  return [...clients].sort();
}
