import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeDBClusterSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const rds = mockClient(RDSClient);
const sfn = mockClient(SFNClient);
const sns = mockClient(SNSClient);
const dynamodb = mockClient(DynamoDBClient);
const dir = mkdtempSync(join(tmpdir(), 'on-snapshot-'));
const read = (path: string) =>
  JSON.parse(readFileSync(new URL(`../../../events/${path}`, import.meta.url), 'utf8'));
const context = {
  functionName: 'on-snapshot',
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:1:function:on-snapshot',
} as Context;

function usePolicy(yaml: string): void {
  const file = join(dir, `policy-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, yaml);
  vi.stubEnv('POLICY_FILE', file);
}

beforeEach(() => {
  vi.resetModules();
  rds.reset();
  sfn.reset();
  dynamodb.reset();
  dynamodb.on(PutItemCommand).resolves({});
  sns.reset();
  vi.stubEnv('STATE_MACHINE_ARN', 'arn:aws:states:us-east-1:123456789012:stateMachine:rds-export');
  vi.stubEnv('NOTIFICATION_TOPIC_ARN', 'arn:aws:sns:us-east-1:123456789012:rds-export');
  vi.stubEnv('EXPORT_BUCKET', 'exports-bucket');
  vi.stubEnv(
    'EXPORT_KMS_KEY_ARN',
    'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  );
  vi.stubEnv('EXPORT_ROLE_ARN', 'arn:aws:iam::123456789012:role/export');
  vi.stubEnv('SLACK_WEBHOOK_PARAMETER', '');
  vi.stubEnv('EXPORTS_TABLE', 'rds-export-exports');
});
afterEach(() => vi.unstubAllEnvs());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('on-snapshot handler', () => {
  it('fails the cold start on an invalid policy, naming the field', async () => {
    usePolicy('version: 1\nrules: [{ name: a, action: export, export: { maxConcurrentExports: 9 } }]\n');
    await expect(import('#functions/on-snapshot/handler.ts')).rejects.toThrow(
      /rules\[0\]\.export\.maxConcurrentExports: must be at most 5/,
    );
  });

  it('fails the cold start naming a missing environment variable', async () => {
    usePolicy('version: 1\nrules: [{ name: a, action: export }]\n');
    vi.stubEnv('STATE_MACHINE_ARN', undefined);
    await expect(import('#functions/on-snapshot/handler.ts')).rejects.toThrow(/STATE_MACHINE_ARN/);
  });

  it('turns a cluster snapshot event into a started execution using the environment destination', async () => {
    usePolicy('version: 1\nrules: [{ name: all, action: export }]\n');
    rds.on(DescribeDBClusterSnapshotsCommand).resolves(read('snapshots/cluster-snapshot-manual.json'));
    sfn.on(StartExecutionCommand).resolves({
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:rds-export:x',
      startDate: new Date(),
    });
    const { handler } = await import('#functions/on-snapshot/handler.ts');
    const outcome = await handler(read('rds-cluster-snapshot-manual-created.json'), context);
    expect(outcome).toMatchObject({ action: 'export', rule: 'all' });
    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '{}');
    expect(dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input.TableName).toBe('rds-export-exports');
    expect(input.request).toMatchObject({
      S3BucketName: 'exports-bucket',
      KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      IamRoleArn: 'arn:aws:iam::123456789012:role/export',
    });
  });

  it('publishes an opted-in skipped notification to the SNS topic', async () => {
    usePolicy(
      'version: 1\ndefaults: { notifySkipped: true }\nrules: [{ name: nothing, action: skip, reason: paused }]\n',
    );
    rds.on(DescribeDBClusterSnapshotsCommand).resolves(read('snapshots/cluster-snapshot-manual.json'));
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const { handler } = await import('#functions/on-snapshot/handler.ts');
    const outcome = await handler(read('rds-cluster-snapshot-manual-created.json'), context);
    expect(outcome).toMatchObject({ action: 'skip', rule: 'nothing', reason: 'paused', notified: true });
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.TopicArn).toBe(
      'arn:aws:sns:us-east-1:123456789012:rds-export',
    );
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});
