import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GlueClient } from '@aws-sdk/client-glue';
import { NeptuneGraphClient } from '@aws-sdk/client-neptune-graph';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { SDK_CLIENT_CONFIG } from '#shared/aws/client-config.ts';

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
    const takesConfig = (args: string[]) =>
      args[0] === 'SDK_CLIENT_CONFIG' || /^\{\s*\.\.\.SDK_CLIENT_CONFIG\b/.test(args[0] ?? '');
    expect(built.filter((c) => !takesConfig(c.args))).toEqual([]);
  });
});
