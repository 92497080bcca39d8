import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import * as errors from '#shared/contract/errors.ts';
import { ROOT } from './cloudformation.ts';

const require = createRequire(import.meta.url);
const config = require('../../scripts/esbuild.config.cjs') as {
  lambdaBuildOptions: () => Record<string, unknown>;
  pluginOnlyOptions: string[];
};

// Lambda runs Node 22; the SDK's warning about Node 20 is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const out = mkdtempSync(path.join(tmpdir(), 'rds-export-bundle-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Builds with the options serverless.yml deploys with; loads the result as Lambda would (CJS). */
async function buildDeployed(
  name: string,
  entry: { file: string } | { contents: string },
): Promise<{ exports: Record<string, unknown>; code: string }> {
  const options = config.lambdaBuildOptions();
  for (const key of config.pluginOnlyOptions) delete options[key];
  const file = path.join(out, `${name}.js`);
  writeFileSync(path.join(out, 'package.json'), '{}\n');
  const source =
    'file' in entry
      ? { entryPoints: [path.join(ROOT, entry.file)] }
      : { stdin: { contents: entry.contents, resolveDir: ROOT, loader: 'ts' as const } };
  await build({ ...options, ...source, outfile: file, logLevel: 'error' });
  return { exports: require(file), code: readFileSync(file, 'utf8') };
}

describe('the deployed esbuild configuration', () => {
  it('keeps the error class names the state machine matches on, although it minifies', async () => {
    const { exports: bundled } = await buildDeployed('errors', { file: 'shared/contract/errors.ts' });
    const concrete = Object.entries(errors).filter(
      ([name]) => !['PipelineError', 'RetryableError', 'FatalError'].includes(name),
    );
    expect(concrete.length).toBeGreaterThan(5);
    for (const [name, value] of concrete) {
      if (typeof value !== 'function') continue;
      const Bundled = bundled[name] as new (message: string) => Error;
      expect(new Bundled('boom').name).toBe(name);
    }
  });

  it('bundles the SDK with only the credential providers Lambda can use', async () => {
    const { exports, code } = await buildDeployed('sdk-client', {
      contents:
        "import { RDSClient } from '@aws-sdk/client-rds';\nexport const client = new RDSClient({ region: 'eu-west-1' });\n",
    });
    // The default chain's profile / SSO links (their messages name them) are not in the bundle.
    expect(code).not.toContain('AWS_PROFILE is set, skipping fromEnv provider');
    expect(code).not.toContain('Skipping SSO provider');
    const client = exports.client as { config: { credentials: () => Promise<unknown> } };
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
    });
    try {
      await expect(client.config.credentials()).resolves.toMatchObject({
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        sessionToken: 'token',
      });
    } finally {
      process.env = saved;
    }
  });

  it("bundles the Slack webhook's lazily loaded SSM reader with GetParameter only, and it reads the parameter", async () => {
    const { exports, code } = await buildDeployed('slack-webhook', {
      contents: "export { slackWebhookFromSsm } from './shared/notify/slack-webhook.ts';\n",
    });
    // The SSM commands the reader does not send are not in the bundle (the plugin ssmClientUsedParts).
    expect(code).toContain('GetParameter');
    for (const other of ['GetParametersByPath', 'PutParameter', 'SendCommand', 'StartSession']) {
      expect(code.includes(other), `${other} in the bundle`).toBe(false);
    }

    const requests: { target: string | undefined; body: unknown }[] = [];
    const ssm = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on('end', () => {
        requests.push({ target: req.headers['x-amz-target'] as string | undefined, body: JSON.parse(body) });
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(
          JSON.stringify({
            Parameter: {
              Name: '/rds-export/slack-webhook',
              Type: 'SecureString',
              Value: 'https://hooks.example/T/B/x',
            },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => ssm.listen(0, '127.0.0.1', resolve));
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_ENDPOINT_URL_SSM: `http://127.0.0.1:${(ssm.address() as AddressInfo).port}`,
    });
    try {
      const slackWebhookFromSsm = exports.slackWebhookFromSsm as (name: string) => () => Promise<string>;
      await expect(slackWebhookFromSsm('/rds-export/slack-webhook')()).resolves.toBe(
        'https://hooks.example/T/B/x',
      );
      expect(requests).toEqual([
        {
          target: 'AmazonSSM.GetParameter',
          body: { Name: '/rds-export/slack-webhook', WithDecryption: true },
        },
      ]);
    } finally {
      process.env = saved;
      await new Promise((resolve) => ssm.close(resolve));
    }
  });
});
