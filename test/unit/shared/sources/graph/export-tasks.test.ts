import {
  GetExportTaskCommand,
  ListExportTasksCommand,
  NeptuneGraphClient,
  ResourceNotFoundException,
  ThrottlingException,
} from '@aws-sdk/client-neptune-graph';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { classified } from '#shared/aws/classified.ts';
import {
  DELETED_CAUSE,
  leaseNamesOf,
  machineStatusOfGraphTask,
  toGraphSummary,
} from '#shared/sources/graph/export-tasks.ts';
import { getGraphExportTask } from '#shared/sources/graph/task-get.ts';
import { activeGraphExports } from '#shared/sources/graph/task-list.ts';

const graphs = mockClient(NeptuneGraphClient);
const client = classified(new NeptuneGraphClient({ region: 'us-east-1' }), 'neptune-graph');
const GRAPH_ARN = 'arn:aws:neptune-graph:us-east-1:123456789012:graph/g-0a1b2c3d4e';
beforeEach(() => graphs.reset());

const task = (status: string, extra: Record<string, unknown> = {}) =>
  ({
    graphId: 'g-0a1b2c3d4e',
    roleArn: 'arn:aws:iam::123456789012:role/r',
    taskId: 't-0123456789',
    status,
    format: 'PARQUET',
    destination: 's3://exports/graphs/social/social-graph-abc/',
    kmsKeyIdentifier: 'arn:aws:kms:us-east-1:123456789012:key/6f1c5a2e-8d1b-4d9e-9a57-0c3b2f7e1d44',
    ...extra,
  }) as never;

describe('the machine status of a graph export task (GetExportTask statuses)', () => {
  it.each([
    ['INITIALIZING', 'STARTING'],
    ['EXPORTING', 'IN_PROGRESS'],
    ['SUCCEEDED', 'COMPLETE'],
    ['FAILED', 'FAILED'],
    ['CANCELLING', 'CANCELING'],
    ['CANCELLED', 'CANCELED'],
    ['DELETED', 'FAILED'],
    ['exporting', 'IN_PROGRESS'],
    ['PAUSED', 'UNKNOWN'],
    ['', 'UNKNOWN'],
  ])('maps %s to %s', (status, machine) => {
    expect(machineStatusOfGraphTask(status)).toBe(machine);
  });
});

describe('a graph export task as the pipeline tracks it', () => {
  it('keeps its id, progress, counts and destination, with the data as of the start (the clone)', () => {
    const summary = toGraphSummary(
      task('SUCCEEDED', {
        exportTaskDetails: {
          startTime: new Date('2024-05-05T04:00:10Z'),
          timeElapsedSeconds: 90,
          progressPercentage: 100,
          numVerticesWritten: 12,
          numEdgesWritten: 14,
        },
      }),
      GRAPH_ARN,
    );
    expect(summary).toEqual({
      exportTaskIdentifier: 't-0123456789',
      status: 'SUCCEEDED',
      percentProgress: 100,
      taskStartTime: '2024-05-05T04:00:10.000Z',
      taskEndTime: '2024-05-05T04:01:40.000Z',
      snapshotTime: '2024-05-05T04:00:10.000Z',
      s3Bucket: 'exports',
      s3Prefix: 'graphs/social/social-graph-abc',
      sourceType: 'GRAPH',
      sourceArn: GRAPH_ARN,
      verticesWritten: 12,
      edgesWritten: 14,
    });
  });

  it('says why a DELETED task ended, with the service’s reason when it gives one', () => {
    const summary = toGraphSummary(task('DELETED', { statusReason: 'Graph deleted' }), GRAPH_ARN);
    expect(summary.failureCause).toBe(`${DELETED_CAUSE} Graph deleted`);
    expect(summary.taskEndTime).toBeUndefined();
  });

  it('reads a task by its t-… id, and a task the service does not know as undefined', async () => {
    graphs.on(GetExportTaskCommand, { taskIdentifier: 't-0123456789' }).resolves(task('EXPORTING'));
    graphs
      .on(GetExportTaskCommand, { taskIdentifier: 't-9999999999' })
      .rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));
    expect((await getGraphExportTask(client, 't-0123456789', GRAPH_ARN))?.status).toBe('EXPORTING');
    expect(await getGraphExportTask(client, 't-9999999999', GRAPH_ARN)).toBeUndefined();
  });

  it('turns a throttled GetExportTask into the retryable AwsThrottledError', async () => {
    graphs
      .on(GetExportTaskCommand)
      .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));
    await expect(getGraphExportTask(client, 't-0123456789', GRAPH_ARN)).rejects.toMatchObject({
      name: 'AwsThrottledError',
    });
  });
});

describe("counting the account's graph export slots", () => {
  it('lists every page and counts INITIALIZING, EXPORTING and CANCELLING, by the pipeline’s export names', async () => {
    graphs
      .on(ListExportTasksCommand, { maxResults: 100 })
      .resolves({ tasks: [task('EXPORTING'), task('SUCCEEDED')], nextToken: 'p2' })
      .on(ListExportTasksCommand, { maxResults: 100, nextToken: 'p2' })
      .resolves({
        tasks: [
          task('CANCELLING', { taskId: 't-1111111111', destination: 's3://b/x/' }),
          task('INITIALIZING', { taskId: 't-2222222222', destination: 's3://b/' }),
        ],
      });
    const active = await activeGraphExports(client);
    expect(active.count).toBe(3);
    // A destination of the pipeline's own ends in the export's name; another task keeps its id.
    expect(active.identifiers).toEqual(['social-graph-abc', 'x', 't-2222222222']);
    expect(graphs.commandCalls(ListExportTasksCommand)).toHaveLength(2);
  });

  it('names a lease after the export name a destination ends in', () => {
    expect(
      leaseNamesOf([
        { destination: 's3://b/exports/graph/g/graph-1a2b/', taskId: 't-1' },
        { destination: 's3://b', taskId: 't-2' },
      ]),
    ).toEqual(['graph-1a2b', 't-2']);
  });

  it('gives two tasks whose destinations end in the same folder a lease each, under their ids', () => {
    const names = leaseNamesOf([
      { destination: 's3://exports/graph/g/graph-1a2b/', taskId: 't-aaaaaaaaaa' },
      { destination: 's3://elsewhere/copy/graph-1a2b/', taskId: 't-bbbbbbbbbb' },
      { destination: 's3://b/nightly/', taskId: 't-cccccccccc' },
      { destination: 's3://b/not_an_export_name/', taskId: 't-dddddddddd' },
    ]);
    expect(names).toEqual(['t-aaaaaaaaaa', 't-bbbbbbbbbb', 'nightly', 't-dddddddddd']);
    expect(new Set(names).size).toBe(names.length);
  });
});
