import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GlueClient } from '@aws-sdk/client-glue';
import { NeptuneGraphClient } from '@aws-sdk/client-neptune-graph';
import { RDSClient } from '@aws-sdk/client-rds';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { exportBucketsS3Config, SDK_CLIENT_CONFIG } from '#shared/aws/client-config.ts';

const FUNCTIONS = path.resolve(import.meta.dirname, '../../../../functions');

/** The shared modules that build clients for the functions (intake, notifications, the Slack webhook's SSM reader). */
const SHARED_CLIENT_BUILDERS = [
  'shared/exports/intake-env.ts',
  'shared/notify/notifier.ts',
  'shared/aws/ssm-secure-string.ts',
];

/**
 * Every `new <Name>Client(...)` in a function's handler and in the shared modules that build
 * clients for the functions, with the text of its arguments.
 */
function clientConstructions(): { file: string; client: string; args: string[] }[] {
  const found: { file: string; client: string; args: string[] }[] = [];
  const files = [
    ...readdirSync(FUNCTIONS).map((dir) => `functions/${dir}/handler.ts`),
    ...SHARED_CLIENT_BUILDERS,
  ];
  for (const name of files) {
    const file = path.join(FUNCTIONS, '..', name);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (ts.isNewExpression(node) && /Client$/.test(node.expression.getText(source))) {
        found.push({
          file: name,
          client: node.expression.getText(source),
          args: (node.arguments ?? []).map((a) => a.getText(source)),
        });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

describe('the SDK client configuration', () => {
  it.each([
    ['Glue', GlueClient],
    ['S3', S3Client],
    ['Step Functions', SFNClient],
    ['RDS', RDSClient],
    ['Neptune Analytics', NeptuneGraphClient],
    ['DynamoDB', DynamoDBClient],
    ['SSM', SSMClient],
  ])(
    'makes a %s client retry throttling itself, rate-limited (adaptive mode), a bounded number of times',
    async (_, Client) => {
      const client = new Client({ ...SDK_CLIENT_CONFIG, region: 'us-east-1' });
      const strategy = (await client.config.retryStrategy()) as { mode?: string };
      expect(strategy.mode).toBe('adaptive');
      expect(await client.config.maxAttempts()).toBe(SDK_CLIENT_CONFIG.maxAttempts);
      client.destroy();
    },
  );

  it('is what every client a function builds takes, so no call is retried by two layers of the same invocation', () => {
    const built = clientConstructions();
    expect(built.length).toBeGreaterThanOrEqual(10);
    // exportBucketsS3Config spreads SDK_CLIENT_CONFIG (asserted below).
    const takesConfig = (args: string[]) =>
      args[0] === 'SDK_CLIENT_CONFIG' ||
      /^\{\s*\.\.\.SDK_CLIENT_CONFIG\b/.test(args[0] ?? '') ||
      /^exportBucketsS3Config\(/.test(args[0] ?? '');
    expect(built.filter((c) => !takesConfig(c.args))).toEqual([]);
  });
});

describe('the export buckets’ S3 client', () => {
  it('takes the SDK client configuration', () => {
    expect(exportBucketsS3Config(false)).toMatchObject(SDK_CLIENT_CONFIG);
  });

  it('resends a request to the Region a bucket of another Region names in its redirect', async () => {
    // S3 answers a request sent to another Region than its bucket's with 301 PermanentRedirect and
    // the bucket's Region in x-amz-bucket-region (S3 API reference, "Error responses").
    const regions: string[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/s3\//.exec(req.headers.authorization ?? '');
      regions.push(scope?.[1] ?? '');
      if (scope?.[1] !== 'us-west-2') {
        res.writeHead(301, { 'content-type': 'application/xml', 'x-amz-bucket-region': 'us-west-2' });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message></Error>',
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const s3 = new S3Client({
        ...exportBucketsS3Config(true),
        endpoint,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      });
      const got = await s3.send(new GetObjectCommand({ Bucket: 'exports-us-west-2', Key: 'x.json' }));
      expect(await got.Body?.transformToString()).toBe('{"ok":true}');
      expect(regions).toEqual(['eu-west-1', 'us-west-2']);
      s3.destroy();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
