import { DescribeDBSnapshotsCommand, DescribeExportTasksCommand, RDSClient } from '@aws-sdk/client-rds';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { exportTaskIdentifier } from '#shared/identifiers.ts';
import { attemptOf, retryExport } from '../../../../bin/ops/retry.ts';
import { dbSnapshot, executionArn, testContext } from './context.ts';

const rds = mockClient(RDSClient);
const sfn = mockClient(SFNClient);
const snapshot = dbSnapshot('orders-manual-1', 'orders-db', '2024-05-01T06:00:00Z');
const ID = exportTaskIdentifier({ arn: snapshot.DBSnapshotArn, at: '2024-05-01T06:00:00.000Z' });
const POLICY = { values: { policy: 'export-policy.yml' } };

const job = {
  exportTaskIdentifier: ID,
  rule: 'manual-and-backup',
  source: {
    kind: 'db-snapshot',
    arn: snapshot.DBSnapshotArn,
    snapshotIdentifier: 'orders-manual-1',
    sourceIdentifier: 'orders-db',
    engine: 'postgres',
    snapshotType: 'manual',
    snapshotCreateTime: '2024-05-01T06:00:00.000Z',
    sizeGB: 100,
  },
  request: {
    ExportTaskIdentifier: ID,
    SourceArn: snapshot.DBSnapshotArn,
    S3BucketName: 'test-exports',
    IamRoleArn: 'arn:aws:iam::123456789012:role/test-export',
    KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-4444-4222-8333-944455556666',
  },
  limits: { maxConcurrentExports: 5, queueAlertAfterSeconds: 7200 },
};

function execution(status: string, error?: string) {
  sfn
    .on(DescribeExecutionCommand, { executionArn: executionArn(ID) })
    .resolves({ executionArn: executionArn(ID), status: status as never, input: JSON.stringify(job), error });
}

beforeEach(() => {
  rds.reset();
  sfn.reset();
  rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [snapshot] });
  rds.on(DescribeExportTasksCommand).resolves({ ExportTasks: [] });
  sfn
    .on(DescribeExecutionCommand)
    .rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));
  sfn
    .on(StartExecutionCommand)
    .callsFake((input) => ({ executionArn: executionArn(input.name), startDate: new Date() }));
});

describe('rds-export retry', () => {
  it('reads the attempt from an identifier: none is 1, -r<n> is n', () => {
    expect(attemptOf(ID)).toBe(1);
    expect(attemptOf(`${ID}-r3`)).toBe(3);
    expect(attemptOf('orders-r2')).toBe(1);
  });

  it('re-exports a canceled export under -r2, through StartExecution with the policy decision', async () => {
    execution('FAILED', 'ExportCanceled');
    const result = await retryExport(testContext(), ID, { force: false, ...POLICY });
    expect(result).toMatchObject({ previousOutcome: 'CANCELED', attempt: 2, outcome: { action: 'export' } });
    const start = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(start?.name).toBe(`${ID}-r2`);
    expect(JSON.parse(start?.input ?? '{}')).toMatchObject({
      exportTaskIdentifier: `${ID}-r2`,
      request: { ExportTaskIdentifier: `${ID}-r2`, SourceArn: snapshot.DBSnapshotArn },
    });
  });

  it('skips an attempt whose identifier RDS still holds, though Step Functions forgot its execution', async () => {
    execution('FAILED', 'ExportFailed');
    rds
      .on(DescribeExportTasksCommand, { ExportTaskIdentifier: `${ID}-r2` })
      .resolves({ ExportTasks: [{ ExportTaskIdentifier: `${ID}-r2`, Status: 'FAILED' }] });
    const result = await retryExport(testContext(), ID, { force: false, ...POLICY });
    expect(result.attempt).toBe(3);
  });

  it('refuses a running or completed export unless forced', async () => {
    execution('RUNNING');
    await expect(retryExport(testContext(), ID, { force: false, ...POLICY })).rejects.toThrow(
      'still running',
    );
    sfn.reset();
    sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'no', $metadata: {} }));
    sfn.on(StartExecutionCommand).resolves({ executionArn: executionArn(`${ID}-r2`), startDate: new Date() });
    execution('SUCCEEDED');
    await expect(retryExport(testContext(), ID, { force: false, ...POLICY })).rejects.toThrow('--force');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    const forced = await retryExport(testContext(), ID, { force: true, ...POLICY });
    expect(forced.outcome.exportTaskIdentifier).toBe(`${ID}-r2`);
  });

  it('refuses a snapshot created again under its old name: that is a new snapshot, not a retry', async () => {
    execution('FAILED', 'ExportFailed');
    rds.on(DescribeDBSnapshotsCommand).resolves({
      DBSnapshots: [dbSnapshot('orders-manual-1', 'orders-db', '2024-05-02T06:00:00Z')],
    });
    await expect(retryExport(testContext(), ID, { force: false, ...POLICY })).rejects.toThrow(
      'created again',
    );
  });
});
