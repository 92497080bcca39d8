import {
  DBClusterNotFoundFault,
  DBClusterSnapshotNotFoundFault,
  DBSnapshotNotFoundFault,
  DescribeExportTasksCommand,
  ExportTaskAlreadyExistsFault,
  IamRoleMissingPermissionsFault,
  IamRoleNotFoundFault,
  InvalidExportOnlyFault,
  InvalidExportSourceStateFault,
  InvalidS3BucketFault,
  KMSKeyNotAccessibleFault,
  RDSClient,
  RDSServiceException,
  StartExportTaskCommand,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { RETRYABLE_ERROR_NAMES } from '#shared/errors.ts';
import { type ExecutionState, StartResult } from '#shared/machine-contract.ts';
import {
  FIRST_CHECK_WAIT_SECONDS,
  type StartDeps,
  startExport,
} from '../../../../functions/start-export/start.ts';
import { job } from './job.ts';

const rds = mockClient(RDSClient);
const ID = job().exportTaskIdentifier;
const NOW = new Date('2024-05-01T08:00:00.000Z');

const deps = (overrides: Partial<StartDeps> = {}): StartDeps => ({
  rds: new RDSClient({ region: 'us-east-1' }),
  now: () => NOW,
  random: () => 0.5,
  queueBaseWaitSeconds: 60,
  queueMaxWaitSeconds: 900,
  ...overrides,
});

const active = (n: number, prefix = 'other') =>
  Array.from({ length: n }, (_, i) => ({ ExportTaskIdentifier: `${prefix}-${i}`, Status: 'IN_PROGRESS' }));

/** Our identifier is unknown, and the account-wide listing returns these tasks. */
function account(tasks: { ExportTaskIdentifier: string; Status: string }[]) {
  rds.on(DescribeExportTasksCommand).resolves({ ExportTasks: tasks });
  rds.on(DescribeExportTasksCommand, { ExportTaskIdentifier: ID }).resolves({ ExportTasks: [] });
}

const queuedState = (queue: { since: string; attempts: number; alerted: boolean }): ExecutionState => ({
  ...job(),
  start: { outcome: 'queued', waitSeconds: 60, activeExports: 3, queue, alertDue: false },
});

beforeEach(() => rds.reset());

describe('startExport', () => {
  it('tracks a task that already has our identifier without counting slots or starting another', async () => {
    rds
      .on(DescribeExportTasksCommand, { ExportTaskIdentifier: ID })
      .resolves({ ExportTasks: [{ ExportTaskIdentifier: ID, Status: 'IN_PROGRESS', PercentProgress: 12 }] });
    const result = await startExport(job(), deps());
    expect(result).toEqual({
      outcome: 'tracking-existing',
      task: { exportTaskIdentifier: ID, status: 'IN_PROGRESS', percentProgress: 12 },
      waitSeconds: FIRST_CHECK_WAIT_SECONDS,
    });
    expect(rds.commandCalls(DescribeExportTasksCommand)).toHaveLength(1);
    expect(rds.commandCalls(StartExportTaskCommand)).toHaveLength(0);
  });

  it('checks a task found already finished at once', async () => {
    rds
      .on(DescribeExportTasksCommand, { ExportTaskIdentifier: ID })
      .resolves({ ExportTasks: [{ ExportTaskIdentifier: ID, Status: 'COMPLETE', PercentProgress: 100 }] });
    await expect(startExport(job(), deps())).resolves.toMatchObject({
      outcome: 'tracking-existing',
      waitSeconds: 1,
    });
  });

  it('tracks an existing task of the same snapshot, with its SourceArn and SnapshotTime', async () => {
    const state = job({ source: { ...job().source, snapshotCreateTime: '2024-05-01T06:10:42.000Z' } });
    rds.on(DescribeExportTasksCommand, { ExportTaskIdentifier: ID }).resolves({
      ExportTasks: [
        {
          ExportTaskIdentifier: ID,
          Status: 'COMPLETE',
          SourceArn: state.request.SourceArn,
          SnapshotTime: new Date('2024-05-01T06:10:42.518Z'),
        },
      ],
    });
    await expect(startExport(state, deps())).resolves.toMatchObject({ outcome: 'tracking-existing' });
  });

  it('refuses to track an old task of a snapshot that had the same name: its data is not this snapshot', async () => {
    const state = job({ source: { ...job().source, snapshotCreateTime: '2024-09-12T18:03:11.000Z' } });
    rds.on(DescribeExportTasksCommand, { ExportTaskIdentifier: ID }).resolves({
      ExportTasks: [
        {
          ExportTaskIdentifier: ID,
          Status: 'COMPLETE',
          SourceArn: state.request.SourceArn,
          SnapshotTime: new Date('2024-05-01T06:10:42.000Z'),
        },
      ],
    });
    await expect(startExport(state, deps())).rejects.toMatchObject({
      name: 'ExportTaskConflictError',
      message: expect.stringContaining('2024-05-01T06:10:42.000Z'),
    });
    expect(rds.commandCalls(StartExportTaskCommand)).toHaveLength(0);
  });

  it('refuses to track a task holding the identifier for another source ARN', async () => {
    rds.on(DescribeExportTasksCommand, { ExportTaskIdentifier: ID }).resolves({
      ExportTasks: [
        {
          ExportTaskIdentifier: ID,
          Status: 'IN_PROGRESS',
          SourceArn: 'arn:aws:rds:us-east-1:123456789012:snapshot:someone-else',
        },
      ],
    });
    await expect(startExport(job(), deps())).rejects.toMatchObject({ name: 'ExportTaskConflictError' });
  });

  it('queues with backoff when the account already runs its limit, without starting', async () => {
    account(active(3));
    const result = await startExport(job(), deps({ random: () => 0 }));
    expect(result).toEqual({
      outcome: 'queued',
      waitSeconds: 30,
      activeExports: 3,
      queue: { since: NOW.toISOString(), attempts: 1, alerted: false },
      alertDue: false,
    });
    expect(StartResult.parse(result)).toEqual(result);
    expect(rds.commandCalls(StartExportTaskCommand)).toHaveLength(0);
  });

  it('counts the tasks of other owners across several pages against the limit', async () => {
    rds.on(DescribeExportTasksCommand, { ExportTaskIdentifier: ID }).resolves({ ExportTasks: [] });
    rds
      .on(DescribeExportTasksCommand, { Marker: undefined })
      .resolves({
        ExportTasks: [
          { ExportTaskIdentifier: 'manual-by-dba', Status: 'STARTING' },
          { ExportTaskIdentifier: 'done-yesterday', Status: 'COMPLETE' },
        ],
        Marker: 'p2',
      })
      .on(DescribeExportTasksCommand, { Marker: 'p2' })
      .resolves({
        ExportTasks: [{ ExportTaskIdentifier: 'other-pipeline', Status: 'CANCELING' }],
        Marker: 'p3',
      })
      .on(DescribeExportTasksCommand, { Marker: 'p3' })
      .resolves({ ExportTasks: [{ ExportTaskIdentifier: 'ours-other-snapshot', Status: 'IN_PROGRESS' }] });
    const result = await startExport(job(), deps());
    expect(result).toMatchObject({ outcome: 'queued', activeExports: 3 });
    expect(rds.commandCalls(StartExportTaskCommand)).toHaveLength(0);
  });

  it('backs off further on each queued attempt and keeps the time it first queued', async () => {
    account(active(5));
    const since = '2024-05-01T07:50:00.000Z';
    const result = await startExport(
      queuedState({ since, attempts: 3, alerted: false }),
      deps({ random: () => 0 }),
    );
    expect(result).toMatchObject({
      outcome: 'queued',
      waitSeconds: 240,
      queue: { since, attempts: 4, alerted: false },
      alertDue: false,
    });
  });

  it('raises the queued-too-long alert exactly once and keeps waiting', async () => {
    account(active(3));
    const since = '2024-05-01T06:59:59.000Z'; // 3601 s before NOW, limit 3600 s
    const first = await startExport(queuedState({ since, attempts: 20, alerted: false }), deps());
    expect(first).toMatchObject({
      outcome: 'queued',
      alertDue: true,
      queue: { since, attempts: 21, alerted: true },
    });

    const next = await startExport(
      { ...job(), start: first },
      deps({ now: () => new Date('2024-05-01T09:00:00Z') }),
    );
    expect(next).toMatchObject({
      outcome: 'queued',
      alertDue: false,
      queue: { since, attempts: 22, alerted: true },
    });
  });

  it('does not alert at exactly the configured wait', async () => {
    account(active(3));
    const since = '2024-05-01T07:00:00.000Z';
    await expect(
      startExport(queuedState({ since, attempts: 1, alerted: false }), deps()),
    ).resolves.toMatchObject({
      alertDue: false,
    });
  });

  it('survives a clock that runs behind the time it first queued', async () => {
    account(active(3));
    const since = '2024-05-01T09:00:00.000Z';
    await expect(
      startExport(queuedState({ since, attempts: 1, alerted: false }), deps()),
    ).resolves.toMatchObject({
      outcome: 'queued',
      alertDue: false,
      queue: { since },
    });
  });

  it('starts with exactly the job request when a slot is free', async () => {
    account(active(2));
    rds.on(StartExportTaskCommand).resolves({
      ExportTaskIdentifier: ID,
      Status: 'STARTING',
      PercentProgress: 0,
      S3Bucket: 'analytics-exports',
      TaskStartTime: new Date('2024-05-01T08:00:01Z'),
    });
    const result = await startExport(job(), deps());
    expect(rds.commandCalls(StartExportTaskCommand)[0]?.args[0].input).toStrictEqual(job().request);
    expect(result).toEqual({
      outcome: 'started',
      task: {
        exportTaskIdentifier: ID,
        status: 'STARTING',
        percentProgress: 0,
        s3Bucket: 'analytics-exports',
        taskStartTime: '2024-05-01T08:00:01.000Z',
      },
      waitSeconds: FIRST_CHECK_WAIT_SECONDS,
    });
  });

  it('keeps the queue record when it starts after waiting, for the notification', async () => {
    account(active(1));
    rds.on(StartExportTaskCommand).resolves({ ExportTaskIdentifier: ID, Status: 'STARTING' });
    const queue = { since: '2024-05-01T07:00:00.000Z', attempts: 6, alerted: true };
    await expect(startExport(queuedState(queue), deps())).resolves.toMatchObject({
      outcome: 'started',
      queue,
    });
  });

  it('tracks the existing task when StartExportTask reports ExportTaskAlreadyExistsFault', async () => {
    rds
      .on(DescribeExportTasksCommand)
      .resolves({ ExportTasks: [] })
      .on(DescribeExportTasksCommand, { ExportTaskIdentifier: ID })
      .resolvesOnce({ ExportTasks: [] })
      .resolves({ ExportTasks: [{ ExportTaskIdentifier: ID, Status: 'STARTING' }] });
    rds.on(StartExportTaskCommand).rejects(
      new ExportTaskAlreadyExistsFault({
        message: `The export task with the ID ${ID} already exists.`,
        $metadata: {},
      }),
    );
    await expect(startExport(job(), deps())).resolves.toEqual({
      outcome: 'tracking-existing',
      task: { exportTaskIdentifier: ID, status: 'STARTING' },
      waitSeconds: FIRST_CHECK_WAIT_SECONDS,
    });
  });

  it('tracks an existing task that DescribeExportTasks does not list yet as STARTING', async () => {
    account([]);
    rds
      .on(StartExportTaskCommand)
      .rejects(new ExportTaskAlreadyExistsFault({ message: 'exists', $metadata: {} }));
    await expect(startExport(job(), deps())).resolves.toMatchObject({
      outcome: 'tracking-existing',
      task: { exportTaskIdentifier: ID, status: 'STARTING' },
    });
  });

  const meta = { $metadata: {} };
  it.each([
    [new DBSnapshotNotFoundFault({ message: 'DBSnapshot not found', ...meta }), 'ExportSourceNotFoundError'],
    [new DBClusterSnapshotNotFoundFault({ message: 'not found', ...meta }), 'ExportSourceNotFoundError'],
    [new DBClusterNotFoundFault({ message: 'not found', ...meta }), 'ExportSourceNotFoundError'],
    [new IamRoleNotFoundFault({ message: 'no role', ...meta }), 'ExportRoleNotFoundError'],
    [
      new IamRoleMissingPermissionsFault({ message: 'no s3:PutObject', ...meta }),
      'ExportRoleMissingPermissionsError',
    ],
    [new KMSKeyNotAccessibleFault({ message: 'key disabled', ...meta }), 'ExportKmsKeyNotAccessibleError'],
    [new InvalidS3BucketFault({ message: 'wrong Region', ...meta }), 'ExportBucketInvalidError'],
    [new InvalidExportOnlyFault({ message: 'bad table', ...meta }), 'ExportOnlyInvalidError'],
    [new InvalidExportSourceStateFault({ message: 'creating', ...meta }), 'ExportSourceNotReadyError'],
    [
      new RDSServiceException({
        name: 'InvalidParameterValue',
        message: 'bad id',
        $fault: 'client',
        ...meta,
      }),
      'ExportParameterInvalidError',
    ],
    [
      new RDSServiceException({ name: 'Throttling', message: 'Rate exceeded', $fault: 'client', ...meta }),
      'AwsThrottledError',
    ],
    [
      new RDSServiceException({
        name: 'ExportTaskLimitReached',
        message: 'limit',
        $fault: 'client',
        ...meta,
      }),
      'ExportQuotaExceededError',
    ],
  ])('turns StartExportTask %s into %s', async (fault, name) => {
    account([]);
    rds.on(StartExportTaskCommand).rejects(fault);
    const error = await startExport(job(), deps()).then(
      () => undefined,
      (e: unknown) => e as Error & { retryable: boolean },
    );
    expect(error?.name).toBe(name);
    expect(error?.message).toContain(`StartExportTask failed: ${fault.name}`);
    expect(error?.retryable).toBe((RETRYABLE_ERROR_NAMES as readonly string[]).includes(name));
  });

  it('fails with AwsThrottledError when the describe is throttled', async () => {
    rds.on(DescribeExportTasksCommand).rejects(
      new RDSServiceException({
        name: 'ThrottlingException',
        message: 'Rate exceeded',
        $fault: 'client',
        ...meta,
      }),
    );
    await expect(startExport(job(), deps())).rejects.toMatchObject({ name: 'AwsThrottledError' });
    expect(rds.commandCalls(StartExportTaskCommand)).toHaveLength(0);
  });
});
