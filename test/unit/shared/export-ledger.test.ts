import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { exportLedger } from '#shared/export-ledger.ts';
import type { SnapshotSource } from '#shared/machine-contract.ts';

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
