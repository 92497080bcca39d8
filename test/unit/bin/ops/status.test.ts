import { DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { GetExportTaskCommand, NeptuneGraphClient } from '@aws-sdk/client-neptune-graph';
import { DescribeExportTasksCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { latestState, toExportRun } from '#bin/ops/executions.ts';
import { outcomeOf } from '#bin/ops/outcomes.ts';
import { readStatus } from '#bin/ops/status.ts';
import { renderStatus } from '#bin/ops/status-render.ts';
import { graphChecked, graphJob, graphTaskOutput } from '#test/statemachines/graph-fixtures.ts';
import { executionArn, NOW, testContext } from './context.ts';

const rds = mockClient(RDSClient);
const sfn = mockClient(SFNClient);
const dynamodb = mockClient(DynamoDBClient);
const graphs = mockClient(NeptuneGraphClient);

const source = {
  kind: 'db-snapshot',
  arn: 'arn:aws:rds:us-east-1:123456789012:snapshot:s1',
  snapshotIdentifier: 's1',
  sourceIdentifier: 'orders-db',
  engine: 'postgres',
  snapshotType: 'manual',
  snapshotCreateTime: '2024-05-02T06:00:00.000Z',
};
const job = (id: string) => ({
  exportTaskIdentifier: id,
  rule: 'r',
  source,
  request: {
    ExportTaskIdentifier: id,
    SourceArn: source.arn,
    S3BucketName: 'test-exports',
    IamRoleArn: 'arn:aws:iam::123456789012:role/x',
    KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-4444-4222-8333-944455556666',
  },
  limits: { maxConcurrentExports: 5, queueAlertAfterSeconds: 7200 },
});

/** The latest events of an execution as GetExecutionHistory returns them with reverseOrder. */
function history(id: string, state: string, input: object, ending?: object) {
  sfn.on(GetExecutionHistoryCommand, { executionArn: executionArn(id) }).resolves({
    events: [
      ...(ending === undefined ? [] : [{ id: 9, timestamp: NOW, ...ending }]),
      { id: 8, timestamp: NOW, type: 'TaskScheduled' },
      {
        id: 7,
        timestamp: NOW,
        type: 'TaskStateEntered',
        stateEnteredEventDetails: { name: state, input: JSON.stringify(input) },
      },
    ] as never,
  });
}

beforeEach(() => {
  rds.reset();
  sfn.reset();
  dynamodb.reset();
  graphs.reset();
  // No graph export holds a slot unless a test says so.
  dynamodb.on(GetItemCommand).resolves({});
  dynamodb.on(QueryCommand).resolves({ Items: [] });
});

describe('reading an execution', () => {
  it('takes the latest state entered and its input, and how the execution ended', async () => {
    history(
      'a',
      'Export failed',
      {
        ...job('a'),
        check: {
          task: { exportTaskIdentifier: 'a', status: 'FAILED', failureCause: 'S3 bucket gone' },
          status: 'FAILED',
          waitSeconds: 5,
          polls: 3,
          checkedAt: NOW.toISOString(),
        },
      },
      {
        type: 'ExecutionFailed',
        executionFailedEventDetails: { error: 'ExportFailed', cause: 'RDS reported the export task FAILED' },
      },
    );
    const latest = await latestState(testContext().clients.sfn, executionArn('a'));
    expect(latest).toMatchObject({
      state: 'Export failed',
      ending: { type: 'ExecutionFailed', error: 'ExportFailed' },
    });
    expect(sfn.commandCalls(GetExecutionHistoryCommand)[0]?.args[0].input).toMatchObject({
      reverseOrder: true,
    });
    const run = toExportRun(
      { name: 'a', executionArn: executionArn('a'), status: 'FAILED' } as never,
      latest,
    );
    expect(outcomeOf(run)).toBe('FAILED');
  });

  it('reads a canceled export as CANCELED and unregistered tables as COMPLETE', () => {
    const run = (error: string) =>
      outcomeOf({
        exportTaskIdentifier: 'a',
        executionArn: '',
        executionStatus: 'FAILED',
        ending: { type: 'ExecutionFailed', error },
      });
    expect(run('ExportCanceled')).toBe('CANCELED');
    expect(run('TablesNotRegistered')).toBe('COMPLETE');
    expect(run('ExportKmsKeyNotAccessibleError')).toBe('FAILED');
  });
});

describe('rds-export status', () => {
  it('shows a queued export with its wait, a running one with percent and finish, and the slots in use', async () => {
    sfn.on(ListExecutionsCommand, { statusFilter: 'RUNNING' }).resolves({
      executions: [
        {
          name: 'q',
          executionArn: executionArn('q'),
          status: 'RUNNING',
          startDate: new Date('2024-05-02T10:00:00Z'),
        } as never,
        {
          name: 'p',
          executionArn: executionArn('p'),
          status: 'RUNNING',
          startDate: new Date('2024-05-02T11:00:00Z'),
        } as never,
      ],
    });
    sfn.on(ListExecutionsCommand, { statusFilter: 'FAILED' }).resolves({ executions: [] });
    sfn.on(ListExecutionsCommand, { statusFilter: 'TIMED_OUT' }).resolves({ executions: [] });
    sfn.on(ListExecutionsCommand, { statusFilter: 'ABORTED' }).resolves({ executions: [] });
    history('q', 'Wait for a free export slot', {
      ...job('q'),
      start: {
        outcome: 'queued',
        waitSeconds: 60,
        activeExports: 5,
        queue: { since: '2024-05-02T10:00:00.000Z', attempts: 2, alerted: true },
        alertDue: false,
      },
    });
    history('p', 'Wait for the export to end again', {
      ...job('p'),
      check: {
        task: { exportTaskIdentifier: 'p', status: 'IN_PROGRESS', percentProgress: 20 },
        status: 'IN_PROGRESS',
        waitSeconds: 60,
        polls: 4,
        checkedAt: '2024-05-02T11:40:00.000Z',
        inProgressSince: '2024-05-02T11:30:00.000Z',
        inProgressSincePercent: 0,
      },
    });
    rds.on(DescribeExportTasksCommand).resolves({
      ExportTasks: [
        {
          ExportTaskIdentifier: 'p',
          Status: 'IN_PROGRESS',
          PercentProgress: 60,
          TaskStartTime: new Date('2024-05-02T11:00:00Z'),
        },
        { ExportTaskIdentifier: 'someone-elses', Status: 'STARTING', PercentProgress: 0 },
      ],
    });
    const report = await readStatus(testContext());
    expect(report.slots).toMatchObject({ used: 2, limit: 5 });
    expect(report.slots.tasks.map((t) => [t.exportTaskIdentifier, t.pipeline])).toEqual([
      ['p', true],
      ['someone-elses', false],
    ]);
    expect(report.running).toEqual([
      expect.objectContaining({ exportTaskIdentifier: 'q', activity: 'queued', seconds: 7200 }),
      // 60 % in the 30 min since 11:30 from 0 %: the other 40 % take 20 min more.
      expect.objectContaining({
        exportTaskIdentifier: 'p',
        activity: 'in progress',
        percentProgress: 60,
        estimatedFinish: '2024-05-02T12:20:00.000Z',
      }),
    ]);
    expect(report.alerts).toEqual([
      expect.objectContaining({ kind: 'queued-too-long', exportTaskIdentifier: 'q' }),
    ]);
    const text = renderStatus(report, false);
    expect(text).toContain('Export slots: 2 of 5 in use');
    expect(text).toContain('not started by this deployment: someone-elses');
    expect(text).toMatch(/q\s+orders-db\s+queued\s+2h 00m/);
    expect(text).not.toContain('\u001b[');
  });

  it('keeps an export queued while it looks for a slot again in the start states', async () => {
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    sfn.on(ListExecutionsCommand, { statusFilter: 'RUNNING' }).resolves({
      executions: [
        { name: 'q', executionArn: executionArn('q'), status: 'RUNNING', startDate: NOW } as never,
      ],
    });
    history('q', 'Start export', {
      ...job('q'),
      start: { outcome: 'queued', queue: { since: '2024-05-02T11:00:00.000Z', attempts: 3, alerted: false } },
    });
    rds.on(DescribeExportTasksCommand).resolves({ ExportTasks: [] });
    const [run] = (await readStatus(testContext())).running;
    expect(run).toMatchObject({ activity: 'queued', state: 'Start export', seconds: 3600 });
  });

  it('lists the failures of the last day with their cause, and leaves out older ones', async () => {
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    sfn.on(ListExecutionsCommand, { statusFilter: 'FAILED' }).resolves({
      executions: [
        {
          name: 'f',
          executionArn: executionArn('f'),
          status: 'FAILED',
          startDate: new Date('2024-05-02T01:00:00Z'),
          stopDate: new Date('2024-05-02T02:00:00Z'),
        } as never,
        {
          name: 'old',
          executionArn: executionArn('old'),
          status: 'FAILED',
          startDate: new Date('2024-04-30T01:00:00Z'),
          stopDate: new Date('2024-04-30T02:00:00Z'),
        } as never,
      ],
    });
    history(
      'f',
      'Export failed',
      {
        ...job('f'),
        check: {
          task: {
            exportTaskIdentifier: 'f',
            status: 'FAILED',
            failureCause: 'The S3 bucket is in another Region',
          },
          status: 'FAILED',
          waitSeconds: 5,
          polls: 2,
          checkedAt: NOW.toISOString(),
        },
      },
      {
        type: 'ExecutionFailed',
        executionFailedEventDetails: { error: 'ExportFailed' },
      },
    );
    rds.on(DescribeExportTasksCommand).resolves({ ExportTasks: [] });
    const report = await readStatus(testContext());
    expect(report.failures).toEqual([
      {
        exportTaskIdentifier: 'f',
        source: 'orders-db',
        outcome: 'FAILED',
        endedAt: '2024-05-02T02:00:00.000Z',
        error: 'ExportFailed',
        cause: 'The S3 bucket is in another Region',
      },
    ]);
    expect(report.alerts).toEqual([
      { kind: 'failed', exportTaskIdentifier: 'f', message: 'The S3 bucket is in another Region' },
    ]);
  });

  it("shows a graph export's phase, progress and estimated finish from progressPercentage, and the graph pool's slots", async () => {
    const G = graphJob.exportTaskIdentifier;
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    sfn.on(ListExecutionsCommand, { statusFilter: 'RUNNING' }).resolves({
      executions: [
        {
          name: G,
          executionArn: executionArn(G),
          status: 'RUNNING',
          startDate: new Date('2024-05-02T11:00:00Z'),
        } as never,
      ],
    });
    history(G, 'Wait for the export to end again', {
      ...graphJob,
      check: {
        ...graphChecked('EXPORTING', 4, { progress: 20 }),
        inProgressSince: '2024-05-02T11:30:00.000Z',
        inProgressSincePercent: 0,
      },
    });
    rds.on(DescribeExportTasksCommand).resolves({ ExportTasks: [] });
    graphs.on(GetExportTaskCommand, { taskIdentifier: 't-k2j4h6g8f0' }).resolves(
      graphTaskOutput('EXPORTING', {
        startTime: new Date('2024-05-02T11:00:00Z'),
        timeElapsedSeconds: 3600,
        progressPercentage: 60,
        numVerticesWritten: 0,
        numEdgesWritten: 0,
      }),
    );
    const lease = (at: string, by: string) => ({ M: { at: { S: at }, by: { S: by } } });
    dynamodb
      .on(GetItemCommand, {
        TableName: 'rds-export-test-exports',
        Key: { pk: { S: 'slots' }, sk: { S: 'graph' } },
      })
      .resolves({
        Item: {
          pk: { S: 'slots' },
          sk: { S: 'graph' },
          holders: {
            M: {
              [G]: lease('2024-05-02T11:00:00.000Z', 'self'),
              't-0123456789': lease('2024-05-02T11:10:00.000Z', 'outside'),
            },
          },
        },
      });
    const report = await readStatus(testContext());
    expect(report.running).toEqual([
      {
        exportTaskIdentifier: G,
        source: 'social-graph',
        sourceKind: 'graph',
        activity: 'in progress',
        state: 'Wait for the export to end again',
        since: '2024-05-02T11:00:00.000Z',
        seconds: 3600,
        taskStatus: 'EXPORTING',
        percentProgress: 60,
        // 60 % in the 30 min since 11:30 from 0 %: the other 40 % take 20 min more.
        estimatedFinish: '2024-05-02T12:20:00.000Z',
      },
    ]);
    expect(report.graphSlots).toEqual({
      used: 2,
      limit: 2,
      leases: [
        { exportTaskIdentifier: G, since: '2024-05-02T11:00:00.000Z', pipeline: true },
        { exportTaskIdentifier: 't-0123456789', since: '2024-05-02T11:10:00.000Z', pipeline: false },
      ],
    });
    const text = renderStatus(report, false);
    expect(text).toContain('Graph export slots: 2 of 2 in use');
    expect(text).toContain('not started by this deployment: t-0123456789');
    expect(text).toMatch(
      new RegExp(`${G}\\s+social-graph\\s+in progress\\s+1h 00m\\s+60%\\s+2024-05-02 12:20Z`),
    );
  });

  it("counts each member account's RDS slots from the deployment's leases, without calling its RDS", async () => {
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    rds.on(DescribeExportTasksCommand).resolves({ ExportTasks: [] });
    const lease = (at: string, by: string) => ({ M: { at: { S: at }, by: { S: by } } });
    dynamodb.on(QueryCommand, { TableName: 'rds-export-test-exports' }).resolves({
      Items: [
        {
          pk: { S: 'slots' },
          sk: { S: 'rds#222222222222/us-east-1' },
          holders: {
            M: {
              'orders-a': lease('2024-05-02T11:00:00.000Z', 'self'),
              'orders-b': lease('2024-05-02T11:05:00.000Z', 'outside'),
            },
          },
        },
        { pk: { S: 'slots' }, sk: { S: 'rds#111122223333/us-east-1' }, holders: { M: {} } },
      ],
    });
    const report = await readStatus(testContext());
    const query = dynamodb.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(query?.ExpressionAttributeValues).toEqual({ ':pk': { S: 'slots' }, ':scoped': { S: 'rds#' } });
    expect(report.accountSlots.map((a) => [a.account, a.region, a.used, a.limit])).toEqual([
      ['111122223333', 'us-east-1', 0, 5],
      ['222222222222', 'us-east-1', 2, 5],
    ]);
    const text = renderStatus(report, false);
    expect(text).toContain('Export slots of account 222222222222 (us-east-1): 2 of 5 in use');
    expect(text).toContain('not started by this deployment: orders-b');

    // --account and --source-region keep the slot lines of the accounts and Regions they match.
    const only = await readStatus(testContext(), { account: '2222*' });
    expect(only.accountSlots.map((a) => a.account)).toEqual(['222222222222']);
    expect(renderStatus(only, false)).not.toContain('account 111122223333');
    const elsewhere = await readStatus(testContext(), { account: '*', region: 'eu-*' });
    expect(elsewhere.accountSlots).toEqual([]);
  });
});
