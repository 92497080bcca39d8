import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ExportJob, SnapshotSource } from '#shared/contract/execution.ts';
import { exportLedger, ledgerKey } from '#shared/exports/ledger.ts';

const dynamodb = mockClient(DynamoDBClient);
const sfn = mockClient(SFNClient);
const source: SnapshotSource = {
  kind: 'db-snapshot',
  arn: 'arn:aws:rds:us-east-1:123456789012:snapshot:rds:orders-2024-05-02-06-00',
  snapshotIdentifier: 'rds:orders-2024-05-02-06-00',
  sourceIdentifier: 'orders',
  engine: 'postgres',
  snapshotType: 'automated',
  snapshotCreateTime: '2024-05-02T06:00:00.000Z',
};
const ledger = () =>
  exportLedger({
    dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
    sfn: new SFNClient({ region: 'us-east-1' }),
    table: 'rds-export-exports',
    stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:rds-export',
  });
const described = (status: 'SUCCEEDED' | 'FAILED', error?: string) => ({
  executionArn: 'arn:aws:states:us-east-1:123456789012:execution:rds-export:e1',
  stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:rds-export',
  status,
  startDate: new Date('2024-05-01T06:05:00Z'),
  ...(error === undefined ? {} : { error }),
});

beforeEach(() => {
  dynamodb.reset();
  sfn.reset();
  dynamodb.on(GetItemCommand).resolves({
    Item: {
      pk: { S: 'last-export#db-snapshot#orders' },
      sk: { S: 'last' },
      executionName: { S: 'e1' },
      exportTaskIdentifier: { S: 'e1' },
      startedAt: { S: '2024-05-01T06:05:00.000Z' },
      snapshotTime: { S: '2024-05-01T06:00:00.000Z' },
    },
  });
});

describe('the ledger’s last export of a source', () => {
  // DescribeExecution returns `error` for a failed execution (Step Functions API reference); the
  // machine fails with TablesNotRegistered after the export completed (statemachines/export.asl.yml).
  it('counts an export whose tables were not registered: its data is in S3', async () => {
    sfn.on(DescribeExecutionCommand).resolves(described('FAILED', 'TablesNotRegistered'));
    const { recent } = await ledger().last(source);
    expect(recent).toMatchObject({ exportTaskIdentifier: 'e1', status: 'FAILED' });
  });

  it('does not count an export whose execution failed for another reason', async () => {
    sfn.on(DescribeExecutionCommand).resolves(described('FAILED', 'ExportFailed'));
    expect(await ledger().last(source)).toEqual({ seen: { exportTaskIdentifier: 'e1' } });
  });
});

describe('recording an export', () => {
  const job = (request: ExportJob['request'], of: SnapshotSource = source): ExportJob => ({
    exportTaskIdentifier: 'orders-0123456789',
    rule: 'daily',
    source: of,
    request,
    limits: { maxConcurrentExports: 5, queueAlertAfterSeconds: 3600 },
  });
  const rds = {
    ExportTaskIdentifier: 'orders-0123456789',
    SourceArn: source.arn,
    S3BucketName: 'exports',
    S3Prefix: 'exports/orders/',
    IamRoleArn: 'arn:aws:iam::123456789012:role/export',
    KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-4444-4222-8333-944455556666',
  };

  // Step Functions keeps an execution 90 days after it ends ("Quotas for Standard Workflows"):
  // prune checks older exports against this item instead.
  it('records where the export is started, in an item of its own that prune can check a deletion against', async () => {
    dynamodb.on(PutItemCommand).resolves({});
    await ledger().record(job(rds), new Date('2024-05-02T06:05:00Z'), null);
    const started = dynamodb.commandCalls(PutItemCommand)[1]?.args[0].input;
    expect(started?.Item).toEqual({
      pk: { S: 'export#orders-0123456789' },
      sk: { S: 'started' },
      bucket: { S: 'exports' },
      prefix: { S: 'exports/orders/orders-0123456789/' },
      startedAt: { S: '2024-05-02T06:05:00.000Z' },
      // Whose export it is, after Step Functions dropped the execution (prune --account, --source-region).
      sourceArn: { S: source.arn },
    });
    expect(started?.ConditionExpression).toBeUndefined();
  });

  it('records a graph export below its destination, which ends in the export name', async () => {
    const graph: SnapshotSource = {
      kind: 'graph',
      arn: 'arn:aws:neptune-graph:us-east-1:123456789012:graph/g-0a1b2c3d4e',
      sourceIdentifier: 'social',
      engine: 'neptune-graph',
      schedule: 'weekly-graphs',
      scheduledTime: '2024-05-02T06:00:00.000Z',
    };
    dynamodb.on(PutItemCommand).resolves({});
    await ledger().record(
      job(
        {
          graphIdentifier: 'g-0a1b2c3d4e',
          roleArn: 'arn:aws:iam::123456789012:role/graph-export',
          format: 'PARQUET',
          destination: 's3://exports/graphs/social/orders-0123456789/',
          kmsKeyIdentifier: 'arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-4444-4222-8333-944455556666',
        },
        graph,
      ),
      new Date('2024-05-02T06:05:00Z'),
    );
    expect(dynamodb.commandCalls(PutItemCommand)[1]?.args[0].input.Item).toMatchObject({
      bucket: { S: 'exports' },
      prefix: { S: 'graphs/social/orders-0123456789/' },
    });
  });
});

describe("a source's last-export item", () => {
  const source = (account: string, region = 'us-east-1') => ({
    kind: 'db-snapshot' as const,
    sourceIdentifier: 'Orders-DB',
    arn: `arn:aws:rds:${region}:${account}:snapshot:rds:orders-db-2026-12-01-03-10`,
  });
  const home = { account: '123456789012', region: 'us-east-1' };

  it("is the deployment's own as it always was, and a member's or another Region's apart", () => {
    expect(ledgerKey(source('123456789012'), home)).toBe('last-export#db-snapshot#orders-db');
    // Without a deployment account (one account, the local stack) every source is its own.
    expect(ledgerKey(source('222222222222'))).toBe('last-export#db-snapshot#orders-db');
    expect(ledgerKey(source('222222222222'), home)).toBe(
      'last-export#222222222222/us-east-1#db-snapshot#orders-db',
    );
    expect(ledgerKey(source('123456789012', 'eu-west-1'), home)).toBe(
      'last-export#123456789012/eu-west-1#db-snapshot#orders-db',
    );
  });
});
