import { DescribeExportTasksCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { latestState, toExportRun } from '../../../../bin/ops/executions.ts';
import { outcomeOf } from '../../../../bin/ops/outcomes.ts';
import { readStatus } from '../../../../bin/ops/status.ts';
import { renderStatus } from '../../../../bin/ops/status-render.ts';
import { executionArn, NOW, testContext } from './context.ts';

const rds = mockClient(RDSClient);
const sfn = mockClient(SFNClient);

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
});
