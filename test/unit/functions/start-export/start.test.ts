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
import {
  FIRST_CHECK_WAIT_SECONDS,
  FIRST_EVENT_WAIT_SECONDS,
  type StartDeps,
  startExport,
} from '#functions/start-export/start.ts';
import { classified } from '#shared/aws/classified.ts';
import { RETRYABLE_ERROR_NAMES } from '#shared/contract/errors.ts';
import { ExecutionState, SOURCE_KINDS, StartResult } from '#shared/contract/execution.ts';
import { startOf } from '#shared/sources/kinds/registry/start.ts';
import { rdsExportService, rdsStart } from '#shared/sources/rds/export-service.ts';
import { job } from './job.ts';
import { FakeSlots } from './slots.ts';

const rds = mockClient(RDSClient);
const ID = job().exportTaskIdentifier;
const NOW = new Date('2024-05-01T08:00:00.000Z');

const deps = (overrides: Partial<StartDeps> = {}): StartDeps => ({
  service: rdsExportService(classified(new RDSClient({ region: 'us-east-1' }), 'rds')),
  endAnnounced: rdsStart.endAnnounced,
  now: () => NOW,
  random: () => 0.5,
  queueBaseWaitSeconds: 60,
  queueMaxWaitSeconds: 900,
  slots: new FakeSlots(),
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

/** Queued, and its wait for a slot timed out: it looks for itself. */
const timedOut = (since = '2024-05-01T07:00:00.000Z'): ExecutionState => ({
  ...queuedState({ since, attempts: 1, alerted: false }),
  slot: { Error: 'States.Timeout', Cause: 'the wait for a slot timed out' },
});

beforeEach(() => rds.reset());

describe('startExport', () => {
  it('starts without asking RDS anything first when it takes a free slot', async () => {
    rds.on(StartExportTaskCommand).resolves({ ExportTaskIdentifier: ID, Status: 'STARTING' });
    const slots = new FakeSlots(['leased-0', 'leased-1']);
    await expect(startExport(job(), deps({ slots }))).resolves.toMatchObject({ outcome: 'started' });
    expect(rds.commandCalls(DescribeExportTasksCommand)).toHaveLength(0);
    expect(slots.calls).toEqual([`take ${ID}`]);
    expect(slots.leases.has(ID)).toBe(true);
  });

  it('queues without asking RDS when the slots are all taken, and starts nothing', async () => {
    const slots = FakeSlots.full(3);
    slots.queuedAhead = 2;
    const result = await startExport(job(), deps({ slots, random: () => 0 }));
    expect(result).toEqual({
      outcome: 'queued',
      waitSeconds: 30,
      activeExports: 3,
      queue: { since: NOW.toISOString(), attempts: 1, alerted: false },
      alertDue: false,
    });
    expect(StartResult.parse(result)).toEqual(result);
    expect(rds.commandCalls(DescribeExportTasksCommand)).toHaveLength(0);
    expect(rds.commandCalls(StartExportTaskCommand)).toHaveLength(0);
    expect(slots.leases.has(ID)).toBe(false);
  });

  it('tracks its own task when its slot wait timed out and RDS lists it as running: one count, no start', async () => {
    account([{ ExportTaskIdentifier: ID, Status: 'IN_PROGRESS', PercentProgress: 12 } as never]);
    const slots = FakeSlots.full(3);
    const result = await startExport(timedOut(), deps({ slots }));
    expect(result).toEqual({
      outcome: 'tracking-existing',
      task: { exportTaskIdentifier: ID, status: 'IN_PROGRESS', percentProgress: 12 },
      waitSeconds: FIRST_CHECK_WAIT_SECONDS,
      eventWaitSeconds: FIRST_EVENT_WAIT_SECONDS,
      checkedAt: NOW.toISOString(),
      endAnnounced: true,
      queue: timedOut().start?.queue,
    });
    expect(rds.commandCalls(DescribeExportTasksCommand)).toHaveLength(1);
    expect(rds.commandCalls(StartExportTaskCommand)).toHaveLength(0);
    // The reconcile gave its running task the lease that its release gives back.
    expect(slots.leases).toEqual(new Set([ID]));
  });

  /** RDS refuses the start: the identifier is taken by a task that already ended. */
  const alreadyExists = (task: Record<string, unknown>) => {
    account([]);
    rds.on(DescribeExportTasksCommand, { ExportTaskIdentifier: ID }).resolves({ ExportTasks: [task] });
    rds
      .on(StartExportTaskCommand)
      .rejects(new ExportTaskAlreadyExistsFault({ message: 'exists', $metadata: {} }));
  };

  it('checks a task found already finished at once', async () => {
    alreadyExists({ ExportTaskIdentifier: ID, Status: 'COMPLETE', PercentProgress: 100 });
    await expect(startExport(job(), deps())).resolves.toMatchObject({
      outcome: 'tracking-existing',
      waitSeconds: 1,
    });
  });

  it('tracks an existing task of the same snapshot, with its SourceArn and SnapshotTime', async () => {
    const state = job({ source: { ...job().source, snapshotCreateTime: '2024-05-01T06:10:42.000Z' } });
    alreadyExists({
      ExportTaskIdentifier: ID,
      Status: 'COMPLETE',
      SourceArn: state.request.SourceArn,
      SnapshotTime: new Date('2024-05-01T06:10:42.518Z'),
    });
    await expect(startExport(state, deps())).resolves.toMatchObject({ outcome: 'tracking-existing' });
  });

  it('refuses to track an old task of a snapshot that had the same name: its data is not this snapshot', async () => {
    const state = job({ source: { ...job().source, snapshotCreateTime: '2024-09-12T18:03:11.000Z' } });
    alreadyExists({
      ExportTaskIdentifier: ID,
      Status: 'COMPLETE',
      SourceArn: state.request.SourceArn,
      SnapshotTime: new Date('2024-05-01T06:10:42.000Z'),
    });
    await expect(startExport(state, deps())).rejects.toMatchObject({
      name: 'ExportTaskConflictError',
      message: expect.stringContaining('2024-05-01T06:10:42.000Z'),
    });
  });

  it('refuses to track a task holding the identifier for another source ARN', async () => {
    account([
      {
        ExportTaskIdentifier: ID,
        Status: 'IN_PROGRESS',
        SourceArn: 'arn:aws:rds:us-east-1:123456789012:snapshot:someone-else',
      } as never,
    ]);
    await expect(startExport(timedOut(), deps())).rejects.toMatchObject({ name: 'ExportTaskConflictError' });
  });

  it('starts on the lease it kept while it waited for another export of its source, once its wait timed out', async () => {
    rds.on(StartExportTaskCommand).resolves({ ExportTaskIdentifier: ID, Status: 'STARTING' });
    const slots = new FakeSlots([ID, 'leased-1', 'leased-2']);
    slots.queuedAhead = 40;
    await expect(startExport(timedOut(), deps({ slots }))).resolves.toMatchObject({ outcome: 'started' });
    expect(rds.commandCalls(DescribeExportTasksCommand)).toHaveLength(0);
  });

  it('counts the tasks of other owners across several pages against the limit, when its wait timed out', async () => {
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
    // The slots show none taken: the tasks started outside the pipeline are only in RDS's count.
    const slots = new FakeSlots();
    const result = await startExport(timedOut(), deps({ slots }));
    expect(result).toMatchObject({ outcome: 'queued' });
    expect(slots.calls).toContain('reconcile manual-by-dba,other-pipeline,ours-other-snapshot');
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
      eventWaitSeconds: FIRST_EVENT_WAIT_SECONDS,
      checkedAt: NOW.toISOString(),
      endAnnounced: true,
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
      eventWaitSeconds: FIRST_EVENT_WAIT_SECONDS,
      checkedAt: NOW.toISOString(),
      endAnnounced: true,
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
  ])('turns StartExportTask %s into %s, and gives the slot back', async (fault, name) => {
    account([]);
    rds.on(StartExportTaskCommand).rejects(fault);
    const slots = new FakeSlots();
    const error = await startExport(job(), deps({ slots })).then(
      () => undefined,
      (e: unknown) => e as Error & { retryable: boolean },
    );
    expect(error?.name).toBe(name);
    expect(error?.message).toMatch(
      new RegExp(`^StartExportTask \\(ExportTaskIdentifier=[^,]+, SourceArn=[^)]+\\) failed: ${fault.name}`),
    );
    expect(error?.retryable).toBe((RETRYABLE_ERROR_NAMES as readonly string[]).includes(name));
    expect(slots.calls).toEqual([`take ${ID}`, `giveBack ${ID}`]);
  });

  it('goes back to the queue, at its place, when RDS refuses the start past its quota: a task started outside took the slot', async () => {
    account([{ ExportTaskIdentifier: 'started-by-hand', Status: 'IN_PROGRESS' }]);
    rds.on(StartExportTaskCommand).rejects(
      new RDSServiceException({
        name: 'ExportTaskLimitReached',
        message: 'limit',
        $fault: 'client',
        ...meta,
      }),
    );
    const queue = { since: '2024-05-01T07:00:00.000Z', attempts: 2, alerted: false };
    const slots = new FakeSlots();
    await expect(startExport(queuedState(queue), deps({ slots }))).resolves.toMatchObject({
      outcome: 'queued',
      activeExports: 1,
      queue: { since: queue.since, attempts: 3 },
    });
    // The outside task now holds a lease; this export's own is given back.
    expect(slots.leases).toEqual(new Set(['started-by-hand']));
  });

  it('waits in the queue, keeping its slot, while another export of the same source runs (one task per snapshot at a time)', async () => {
    // Aurora user guide: "You can't run multiple export tasks for the same DB cluster snapshot
    // simultaneously"; RDS refuses the second with InvalidExportSourceStateFault.
    const sourceArn = job().request.SourceArn;
    account([
      { ExportTaskIdentifier: 'earlier-export', Status: 'IN_PROGRESS', SourceArn: sourceArn } as never,
    ]);
    rds
      .on(StartExportTaskCommand)
      .rejects(new InvalidExportSourceStateFault({ message: 'An export task is already running', ...meta }));
    const slots = new FakeSlots();
    await expect(startExport(job(), deps({ slots }))).resolves.toMatchObject({ outcome: 'queued' });
    expect(slots.leases.has(ID)).toBe(true);
  });

  it('starts at once, without counting, when a release granted it a slot', async () => {
    rds.on(StartExportTaskCommand).resolves({ ExportTaskIdentifier: ID, Status: 'STARTING' });
    const state = {
      ...queuedState({ since: '2024-05-01T07:00:00.000Z', attempts: 1, alerted: false }),
      slot: { granted: true as const, at: NOW.toISOString() },
    };
    // The release took the lease on its behalf.
    const slots = new FakeSlots([ID]);
    await expect(startExport(state, deps({ slots }))).resolves.toMatchObject({ outcome: 'started' });
    expect(rds.commandCalls(DescribeExportTasksCommand)).toHaveLength(0);
    // Taking a lease it holds keeps it: one conditional write, no count.
    expect(slots.calls).toEqual([`take ${ID}`, `leave 2024-05-01T07:00:00.000Z ${ID}`]);
    expect(slots.leases).toEqual(new Set([ID]));
  });

  it('takes its granted slot again when a retried start finds it was given back after the failed try', async () => {
    const granted = {
      ...queuedState({ since: '2024-05-01T07:00:00.000Z', attempts: 1, alerted: false }),
      slot: { granted: true as const, at: NOW.toISOString() },
    };
    const slots = new FakeSlots([ID]);
    rds.on(StartExportTaskCommand).rejectsOnce(
      new RDSServiceException({
        name: 'ThrottlingException',
        message: 'Rate exceeded',
        $fault: 'client',
        ...meta,
      }),
    );
    // The first try fails retryably and gives the lease back; the state machine retries the same input.
    await expect(startExport(granted, deps({ slots }))).rejects.toMatchObject({ name: 'AwsThrottledError' });
    expect(slots.leases.has(ID)).toBe(false);
    rds.on(StartExportTaskCommand).resolves({ ExportTaskIdentifier: ID, Status: 'STARTING' });
    await expect(startExport(granted, deps({ slots }))).resolves.toMatchObject({ outcome: 'started' });
    expect(slots.leases.has(ID)).toBe(true);
  });

  it('queues again instead of starting without a slot when its granted slot went to another export meanwhile', async () => {
    const granted = {
      ...queuedState({ since: '2024-05-01T07:00:00.000Z', attempts: 1, alerted: false }),
      slot: { granted: true as const, at: NOW.toISOString() },
    };
    // Its lease went back after a failed try, and five other exports took the slots since.
    const slots = FakeSlots.full(5);
    await expect(startExport(granted, deps({ slots }))).resolves.toMatchObject({ outcome: 'queued' });
    expect(rds.commandCalls(StartExportTaskCommand)).toHaveLength(0);
  });

  it('waits again without asking RDS when its own wait timed out far back in the queue', async () => {
    const slots = new FakeSlots();
    slots.queuedAhead = 40;
    const state = {
      ...queuedState({ since: '2024-05-01T07:00:00.000Z', attempts: 1, alerted: true }),
      slot: { Error: 'States.Timeout' },
    };
    const result = await startExport(state, deps({ slots }));
    expect(result).toMatchObject({ outcome: 'queued', queue: { attempts: 2 } });
    // 40 ahead of it, 3 slots: about 14 rounds of an hour before a release can reach it.
    expect(result.waitSeconds).toBe(14 * 3600);
    expect(rds.commandCalls(DescribeExportTasksCommand)).toHaveLength(0);
  });

  it('times a queued wait out no later than its queued-too-long alert is due', async () => {
    account(active(3));
    const state = queuedState({ since: '2024-05-01T07:30:00.000Z', attempts: 9, alerted: false });
    const slots = FakeSlots.full(3);
    slots.queuedAhead = 50;
    const result = await startExport(state, deps({ slots, random: () => 0.99 }));
    // 1800 s queued, the alert is due at 3600 s.
    expect(result.waitSeconds).toBe(1801);
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
    await expect(startExport(timedOut(), deps())).rejects.toMatchObject({ name: 'AwsThrottledError' });
    expect(rds.commandCalls(StartExportTaskCommand)).toHaveLength(0);
  });
});

describe('whether the export’s end is announced', () => {
  it('is what the source kind declares: RDS announces its exports’ end, Neptune Analytics does not', () => {
    const declared = Object.fromEntries(SOURCE_KINDS.map((kind) => [kind, startOf(kind).endAnnounced]));
    expect(declared).toEqual({
      'db-snapshot': true,
      'cluster-snapshot': true,
      cluster: true,
      graph: false,
    });
  });

  it('is recorded in every tracked result, started or found running, and nowhere else', async () => {
    rds.on(StartExportTaskCommand).resolves({ ExportTaskIdentifier: ID, Status: 'STARTING' });
    for (const endAnnounced of [true, false]) {
      const started = await startExport(job(), deps({ endAnnounced }));
      expect(started).toMatchObject({ outcome: 'started', endAnnounced });
      expect(StartResult.parse(started)).toEqual(started);
    }
    account([{ ExportTaskIdentifier: ID, Status: 'IN_PROGRESS' }]);
    const tracked = await startExport(timedOut(), deps({ endAnnounced: false, slots: FakeSlots.full(3) }));
    expect(tracked).toMatchObject({ outcome: 'tracking-existing', endAnnounced: false });
    // A queued export is not tracked yet: the choices read the result of the start that ran it.
    const queued = await startExport(job(), deps({ slots: FakeSlots.full(3) }));
    expect(queued.outcome).toBe('queued');
    expect(queued).not.toHaveProperty('endAnnounced');
  });

  it('is required of a tracked result, though a state may lack it (an execution started before it was)', () => {
    const { endAnnounced: _dropped, ...before } = {
      outcome: 'started' as const,
      task: { exportTaskIdentifier: ID, status: 'STARTING' },
      waitSeconds: 20,
      eventWaitSeconds: 900,
      checkedAt: NOW.toISOString(),
      endAnnounced: true,
    };
    expect(StartResult.safeParse(before).success).toBe(false);
    expect(ExecutionState.parse({ ...job(), start: before }).start).toEqual(before);
  });
});
