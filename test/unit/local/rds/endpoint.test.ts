import {
  CancelExportTaskCommand,
  DBClusterSnapshotNotFoundFault,
  DBSnapshotNotFoundFault,
  DescribeDBSnapshotsCommand,
  DescribeExportTasksCommand,
  ExportTaskAlreadyExistsFault,
  ExportTaskNotFoundFault,
  IamRoleNotFoundFault,
  InvalidExportOnlyFault,
  InvalidExportTaskStateFault,
  InvalidS3BucketFault,
  KMSKeyNotAccessibleFault,
  RDSClient,
  StartExportTaskCommand,
  type StartExportTaskCommandInput,
} from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRds, startLocalRds } from '#local/rds/server.ts';
import { SnapshotStore } from '#local/rds/snapshots.ts';
import { ExportTasks } from '#local/rds/tasks.ts';
import { installSimulatedClock } from '#local/runtime/clock.ts';
import { LOCAL_CREDENTIALS, type LocalS3, startLocalS3 } from '#local/s3/server.ts';
import { storedSnapshot } from '../fixtures.ts';

const ROLE = 'arn:aws:iam::123456789012:role/export';
const KEY = 'arn:aws:kms:us-east-1:123456789012:key/k1';
const clock = installSimulatedClock(1000);
let s3: LocalS3;
let rds: LocalRds;
let tasks: ExportTasks;
let client: RDSClient;
const snapshots = new SnapshotStore('us-east-1', '123456789012');
const snap = snapshots.add('appdb-snap-1', storedSnapshot());

function request(overrides: Partial<StartExportTaskCommandInput> = {}): StartExportTaskCommandInput {
  return {
    ExportTaskIdentifier: 'exp-1',
    SourceArn: snap.arn,
    S3BucketName: 'exports',
    IamRoleArn: ROLE,
    KmsKeyId: KEY,
    ...overrides,
  };
}

beforeAll(async () => {
  s3 = await startLocalS3(['exports'], () => {});
  const s3Client = new S3Client({
    region: 'us-east-1',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: LOCAL_CREDENTIALS,
  });
  tasks = new ExportTasks({
    s3: s3Client,
    clock,
    snapshots,
    roles: new Set([ROLE]),
    kmsKeys: new Set([KEY]),
    durations: ({ ExportTaskIdentifier: id }) =>
      id.startsWith('slow') ? { starting: 5, inProgress: 100_000 } : { starting: 5, inProgress: 30 },
  });
  rds = await startLocalRds(tasks, snapshots, () => {});
  client = new RDSClient({
    region: 'us-east-1',
    endpoint: rds.endpoint,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
});

afterAll(async () => {
  await tasks?.close();
  await rds?.close();
  await s3?.close();
});

async function statusOf(id: string): Promise<string | undefined> {
  const out = await client.send(new DescribeExportTasksCommand({ ExportTaskIdentifier: id }));
  return out.ExportTasks?.[0]?.Status;
}

describe('the local RDS endpoint', () => {
  it('describes its snapshots and answers DBSnapshotNotFoundFault for an unknown one', async () => {
    const out = await client.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'appdb-snap-1' }));
    expect(out.DBSnapshots?.[0]).toMatchObject({
      DBSnapshotArn: snap.arn,
      Engine: 'postgres',
      SnapshotType: 'manual',
    });
    await expect(
      client.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'nope' })),
    ).rejects.toBeInstanceOf(DBSnapshotNotFoundFault);
  });

  it('runs a task from STARTING through IN_PROGRESS to COMPLETE', async () => {
    const started = await client.send(new StartExportTaskCommand(request()));
    expect(started).toMatchObject({ Status: 'STARTING', PercentProgress: 0, SourceType: 'SNAPSHOT' });
    const seen = new Set<string>();
    for (let status = await statusOf('exp-1'); status !== 'COMPLETE'; status = await statusOf('exp-1')) {
      seen.add(String(status));
      await clock.sleep(2);
    }
    expect(seen.has('IN_PROGRESS')).toBe(true);
    const [task] =
      (await client.send(new DescribeExportTasksCommand({ ExportTaskIdentifier: 'exp-1' }))).ExportTasks ??
      [];
    expect(task).toMatchObject({ PercentProgress: 100, S3Bucket: 'exports' });
    expect(JSON.parse(task?.WarningMessage ?? '{}').skippedTables).toHaveLength(3);
  });

  it('refuses a taken identifier with ExportTaskAlreadyExistsFault, also after the task ended', async () => {
    await expect(client.send(new StartExportTaskCommand(request()))).rejects.toBeInstanceOf(
      ExportTaskAlreadyExistsFault,
    );
  });

  it('answers the documented fault for each invalid input', async () => {
    const cases: [Partial<StartExportTaskCommandInput>, unknown][] = [
      [{ SourceArn: 'arn:aws:rds:us-east-1:123456789012:snapshot:missing' }, DBSnapshotNotFoundFault],
      [
        { SourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster-snapshot:missing' },
        DBClusterSnapshotNotFoundFault,
      ],
      [{ IamRoleArn: 'arn:aws:iam::123456789012:role/missing' }, IamRoleNotFoundFault],
      [{ KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/missing' }, KMSKeyNotAccessibleFault],
      [{ S3BucketName: 'no-such-bucket' }, InvalidS3BucketFault],
      [{ ExportOnly: ['appdb.public.a-b'] }, InvalidExportOnlyFault],
      [{ ExportOnly: ['otherdb'] }, InvalidExportOnlyFault],
    ];
    for (const [overrides, fault] of cases) {
      await expect(
        client.send(new StartExportTaskCommand(request({ ExportTaskIdentifier: 'bad-1', ...overrides }))),
      ).rejects.toBeInstanceOf(fault as never);
    }
    for (const id of ['1starts-with-digit', 'double--hyphen', 'trailing-', 'x'.repeat(61), 'under_score']) {
      await expect(
        client.send(new StartExportTaskCommand(request({ ExportTaskIdentifier: id }))),
      ).rejects.toMatchObject({
        name: 'InvalidParameterValue',
      });
    }
  });

  it('cancels a running task through CANCELING to CANCELED and refuses to cancel an ended one', async () => {
    await client.send(
      new StartExportTaskCommand(request({ ExportTaskIdentifier: 'slow-1', ExportOnly: ['appdb.public'] })),
    );
    const canceling = await client.send(new CancelExportTaskCommand({ ExportTaskIdentifier: 'slow-1' }));
    expect(canceling.Status).toBe('CANCELING');
    while ((await statusOf('slow-1')) !== 'CANCELED') await clock.sleep(5);
    await expect(
      client.send(new CancelExportTaskCommand({ ExportTaskIdentifier: 'slow-1' })),
    ).rejects.toBeInstanceOf(InvalidExportTaskStateFault);
    await expect(
      client.send(new CancelExportTaskCommand({ ExportTaskIdentifier: 'never-1' })),
    ).rejects.toBeInstanceOf(ExportTaskNotFoundFault);
  });

  it('allows at most five tasks in progress', async () => {
    for (let i = 1; i <= 5; i++) {
      const copy = snapshots.add(`appdb-copy-${i}`, snap);
      await client.send(
        new StartExportTaskCommand(request({ ExportTaskIdentifier: `slow-q${i}`, SourceArn: copy.arn })),
      );
    }
    const sixth = snapshots.add('appdb-copy-6', snap);
    await expect(
      client.send(
        new StartExportTaskCommand(request({ ExportTaskIdentifier: 'slow-q6', SourceArn: sixth.arn })),
      ),
    ).rejects.toMatchObject({ name: 'ExportTaskLimitReached' });
    expect(tasks.active()).toBe(5);
  });

  it('filters by lowercase status and pages with Marker and MaxRecords', async () => {
    const running = await client.send(
      new DescribeExportTasksCommand({
        Filters: [{ Name: 'status', Values: ['starting', 'in_progress'] }],
        MaxRecords: 20,
      }),
    );
    expect(running.ExportTasks?.map((t) => t.ExportTaskIdentifier).sort()).toEqual([
      'slow-q1',
      'slow-q2',
      'slow-q3',
      'slow-q4',
      'slow-q5',
    ]);
    const all = (await client.send(new DescribeExportTasksCommand({}))).ExportTasks ?? [];
    expect(all.length).toBeGreaterThan(5);
    await expect(client.send(new DescribeExportTasksCommand({ MaxRecords: 10 }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    expect(
      (await client.send(new DescribeExportTasksCommand({ ExportTaskIdentifier: 'unknown' }))).ExportTasks,
    ).toEqual([]);
  });

  it('answers injected throttling with the Throttling code the SDK retries', async () => {
    rds.faults.throttle('DescribeExportTasks', 1);
    await expect(client.send(new DescribeExportTasksCommand({}))).rejects.toMatchObject({
      name: 'Throttling',
      message: 'Rate exceeded',
    });
    await expect(client.send(new DescribeExportTasksCommand({}))).resolves.toBeDefined();
  });
});
