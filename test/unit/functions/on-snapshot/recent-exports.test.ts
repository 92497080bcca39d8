import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { SnapshotSource } from '#shared/machine-contract.ts';
import { recentExportFinder } from '../../../../functions/on-snapshot/recent-exports.ts';

const sfn = mockClient(SFNClient);
const SM = 'arn:aws:states:us-east-1:123456789012:stateMachine:rds-export';
const source: SnapshotSource = {
  kind: 'db-snapshot',
  arn: 'arn:aws:rds:us-east-1:123456789012:snapshot:rds:orders-db-2024-05-02-06-10',
  snapshotIdentifier: 'rds:orders-db-2024-05-02-06-10',
  sourceIdentifier: 'orders-db',
  engine: 'postgres',
  snapshotType: 'automated',
};
const since = new Date('2024-05-01T06:00:00Z');
const exec = (name: string, status: string, startDate: string) => ({
  executionArn: `arn:aws:states:us-east-1:123456789012:execution:rds-export:${name}`,
  stateMachineArn: SM,
  name,
  status: status as 'RUNNING',
  startDate: new Date(startDate),
});
const inputFor = (
  sourceIdentifier: string,
  kind = 'db-snapshot',
  arn = `arn:aws:rds:x:1:snapshot:${sourceIdentifier}-snap`,
) => JSON.stringify({ exportTaskIdentifier: 'x', source: { kind, sourceIdentifier, arn } });

beforeEach(() => sfn.reset());

describe('recentExportFinder', () => {
  it('finds the newest RUNNING or SUCCEEDED execution of the same source within the window', async () => {
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        exec('other-source', 'RUNNING', '2024-05-02T05:00:00Z'),
        exec('failed-one', 'FAILED', '2024-05-02T04:00:00Z'),
        exec('orders-yesterday', 'SUCCEEDED', '2024-05-01T07:00:00Z'),
      ],
    });
    sfn
      .on(DescribeExecutionCommand, { executionArn: exec('other-source', '', '2024-01-01').executionArn })
      .resolves({
        status: 'RUNNING',
        input: inputFor('billing-db'),
      });
    sfn
      .on(DescribeExecutionCommand, { executionArn: exec('orders-yesterday', '', '2024-01-01').executionArn })
      .resolves({
        status: 'SUCCEEDED',
        input: inputFor('orders-db'),
      });
    const found = await recentExportFinder(sfn, SM)(source, since);
    expect(found).toEqual({
      executionName: 'orders-yesterday',
      status: 'SUCCEEDED',
      startDate: '2024-05-01T07:00:00.000Z',
      snapshotArn: 'arn:aws:rds:x:1:snapshot:orders-db-snap',
    });
    // FAILED executions do not count and are not even described.
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(2);
  });

  it('stops paging at the first execution older than the window (newest first)', async () => {
    sfn.on(ListExecutionsCommand, { stateMachineArn: SM, maxResults: 100, nextToken: undefined }).resolves({
      executions: [exec('new', 'RUNNING', '2024-05-02T05:00:00Z')],
      nextToken: 'page-2',
    });
    sfn.on(ListExecutionsCommand, { nextToken: 'page-2' }).resolves({
      executions: [exec('old', 'SUCCEEDED', '2024-04-30T05:00:00Z')],
      nextToken: 'page-3',
    });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING', input: inputFor('billing-db') });
    expect(await recentExportFinder(sfn, SM)(source, since)).toBeUndefined();
    expect(sfn.commandCalls(ListExecutionsCommand)).toHaveLength(2);
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(1);
  });

  it('does not count a cluster of the same name, nor executions whose input is not an export job', async () => {
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        exec('cluster', 'SUCCEEDED', '2024-05-02T05:00:00Z'),
        exec('manual', 'SUCCEEDED', '2024-05-02T04:00:00Z'),
      ],
    });
    sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce({ status: 'SUCCEEDED', input: inputFor('orders-db', 'cluster-snapshot') })
      .resolvesOnce({ status: 'SUCCEEDED', input: 'not json' });
    expect(await recentExportFinder(sfn, SM)(source, since)).toBeUndefined();
  });
});
