import {
  DescribeExportTasksCommand,
  ExportTaskNotFoundFault,
  RDSClient,
  RDSServiceException,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { classified } from '#shared/aws/classified.ts';
import { countActiveExportTasks, describeExportTask, toSummary } from '#shared/sources/rds/export-tasks.ts';

const rds = mockClient(RDSClient);
const client = classified(new RDSClient({ region: 'us-east-1' }), 'rds');

beforeEach(() => rds.reset());

describe('toSummary', () => {
  it('keeps the reported fields with dates as ISO strings and drops absent ones', () => {
    const summary = toSummary(
      {
        ExportTaskIdentifier: 'orders-2024-05-01',
        Status: 'COMPLETE',
        PercentProgress: 100,
        TotalExtractedDataInGB: 3,
        TaskStartTime: new Date('2024-05-01T06:00:00Z'),
        TaskEndTime: new Date('2024-05-01T06:40:00Z'),
        S3Bucket: 'exports',
        WarningMessage: '{"skippedTables":[]}',
      },
      'orders-2024-05-01',
    );
    expect(summary).toEqual({
      exportTaskIdentifier: 'orders-2024-05-01',
      status: 'COMPLETE',
      percentProgress: 100,
      totalExtractedDataInGB: 3,
      taskStartTime: '2024-05-01T06:00:00.000Z',
      taskEndTime: '2024-05-01T06:40:00.000Z',
      s3Bucket: 'exports',
      warningMessage: '{"skippedTables":[]}',
    });
  });
});

describe('describeExportTask', () => {
  it('describes the task by identifier', async () => {
    rds.on(DescribeExportTasksCommand, { ExportTaskIdentifier: 'orders-1' }).resolves({
      ExportTasks: [{ ExportTaskIdentifier: 'orders-1', Status: 'IN_PROGRESS', PercentProgress: 40 }],
    });
    await expect(describeExportTask(client, 'orders-1')).resolves.toEqual({
      exportTaskIdentifier: 'orders-1',
      status: 'IN_PROGRESS',
      percentProgress: 40,
    });
  });

  it('returns undefined for an unknown identifier (empty list)', async () => {
    rds.on(DescribeExportTasksCommand).resolves({ ExportTasks: [] });
    await expect(describeExportTask(client, 'orders-1')).resolves.toBeUndefined();
  });

  it('returns undefined on ExportTaskNotFoundFault', async () => {
    rds
      .on(DescribeExportTasksCommand)
      .rejects(new ExportTaskNotFoundFault({ message: 'nope', $metadata: {} }));
    await expect(describeExportTask(client, 'orders-1')).resolves.toBeUndefined();
  });

  it('ignores a listed task with a different identifier', async () => {
    rds
      .on(DescribeExportTasksCommand)
      .resolves({ ExportTasks: [{ ExportTaskIdentifier: 'other', Status: 'COMPLETE' }] });
    await expect(describeExportTask(client, 'orders-1')).resolves.toBeUndefined();
  });

  it('classifies a throttled describe as AwsThrottledError', async () => {
    rds.on(DescribeExportTasksCommand).rejects(
      new RDSServiceException({
        name: 'Throttling',
        message: 'Rate exceeded',
        $fault: 'client',
        $metadata: {},
      }),
    );
    await expect(describeExportTask(client, 'orders-1')).rejects.toMatchObject({
      name: 'AwsThrottledError',
      message: 'DescribeExportTasks (ExportTaskIdentifier=orders-1) failed: Throttling: Rate exceeded',
    });
  });
});

describe('countActiveExportTasks', () => {
  it('pages through every marker and counts the active tasks of every owner', async () => {
    rds
      .on(DescribeExportTasksCommand, { Marker: undefined })
      .resolves({
        ExportTasks: [
          { ExportTaskIdentifier: 'ours-1', Status: 'STARTING' },
          { ExportTaskIdentifier: 'someone-elses-manual-export', Status: 'IN_PROGRESS' },
        ],
        Marker: 'page-2',
      })
      .on(DescribeExportTasksCommand, { Marker: 'page-2' })
      .resolves({
        ExportTasks: [{ ExportTaskIdentifier: 'another-tool', Status: 'CANCELING' }],
        Marker: 'page-3',
      })
      .on(DescribeExportTasksCommand, { Marker: 'page-3' })
      .resolves({ ExportTasks: [{ ExportTaskIdentifier: 'ours-2', Status: 'IN_PROGRESS' }] });

    await expect(countActiveExportTasks(client)).resolves.toMatchObject({
      count: 4,
      identifiers: ['ours-1', 'someone-elses-manual-export', 'another-tool', 'ours-2'],
    });
    const calls = rds.commandCalls(DescribeExportTasksCommand);
    expect(calls.map((c) => c.args[0].input.Marker)).toEqual([undefined, 'page-2', 'page-3']);
  });

  it('asks for the three slot-holding statuses in lowercase, 100 per page', async () => {
    rds.on(DescribeExportTasksCommand).resolves({ ExportTasks: [] });
    await countActiveExportTasks(client);
    expect(rds.commandCalls(DescribeExportTasksCommand)[0]?.args[0].input).toEqual({
      Filters: [{ Name: 'status', Values: ['starting', 'in_progress', 'canceling'] }],
      MaxRecords: 100,
      Marker: undefined,
    });
  });

  it('does not count finished tasks even when the endpoint ignores the status filter', async () => {
    rds.on(DescribeExportTasksCommand).resolves({
      ExportTasks: [
        { ExportTaskIdentifier: 'a', Status: 'COMPLETE' },
        { ExportTaskIdentifier: 'b', Status: 'FAILED' },
        { ExportTaskIdentifier: 'c', Status: 'CANCELED' },
        { ExportTaskIdentifier: 'd', Status: 'in_progress' },
        { ExportTaskIdentifier: 'e' },
      ],
    });
    await expect(countActiveExportTasks(client)).resolves.toEqual({
      count: 1,
      identifiers: ['d'],
      tasks: [{ exportTaskIdentifier: 'd', status: 'in_progress' }],
    });
  });

  it('stops when the service repeats a marker instead of looping until the Lambda times out', async () => {
    rds.on(DescribeExportTasksCommand).resolves({
      ExportTasks: [{ ExportTaskIdentifier: 'x', Status: 'STARTING' }],
      Marker: 'same',
    });
    await expect(countActiveExportTasks(client)).resolves.toMatchObject({ count: 2 });
    expect(rds.commandCalls(DescribeExportTasksCommand)).toHaveLength(2);
  });

  it('classifies a failure on a later page', async () => {
    rds
      .on(DescribeExportTasksCommand, { Marker: undefined })
      .resolves({ ExportTasks: [], Marker: 'm2' })
      .on(DescribeExportTasksCommand, { Marker: 'm2' })
      .rejects(
        new RDSServiceException({
          name: 'InternalFailure',
          message: 'oops',
          $fault: 'server',
          $metadata: { httpStatusCode: 500 },
        }),
      );
    await expect(countActiveExportTasks(client)).rejects.toMatchObject({
      name: 'AwsServiceUnavailableError',
    });
  });
});
