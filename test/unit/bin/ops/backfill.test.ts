import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotsCommand,
  DescribeExportTasksCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { backfill, backfillCommand, renderBackfill } from '#bin/ops/backfill.ts';
import { forecast } from '#bin/ops/forecast.ts';
import { exportTaskIdentifier } from '#shared/sources/identifiers.ts';
import { dbSnapshot, executionArn, memberContext, STATE_MACHINE_ARN, testContext } from './context.ts';

const rds = mockClient(RDSClient);
const sfn = mockClient(SFNClient);
const dynamodb = mockClient(DynamoDBClient);

// export-policy.yml: manual and AWS Backup snapshots always, automated ones once per 24 h (less 10 %).
const day1 = dbSnapshot('rds:orders-db-2024-05-01-06-00', 'orders-db', '2024-05-01T06:00:00Z');
const day1Late = dbSnapshot('rds:orders-db-2024-05-01-18-00', 'orders-db', '2024-05-01T18:00:00Z');
const day2 = dbSnapshot('rds:orders-db-2024-05-02-05-30', 'orders-db', '2024-05-02T05:30:00Z', {
  AllocatedStorage: 400,
});
const manual = dbSnapshot('before-upgrade', 'orders-db', '2024-04-30T00:00:00Z');
const exported = dbSnapshot('exported-already', 'billing-db', '2024-04-29T00:00:00Z');
const backup = dbSnapshot('awsbackup:job-1234', 'billing-db', '2024-05-01T03:00:00Z');
const idOf = (s: ReturnType<typeof dbSnapshot>) =>
  exportTaskIdentifier({ arn: s.DBSnapshotArn, at: s.SnapshotCreateTime.toISOString() });

beforeEach(() => {
  rds.reset();
  sfn.reset();
  dynamodb.reset();
  // Two pages of manual and automated snapshots; AWS Backup's only when asked for by type.
  rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [day1, day1Late, day2], Marker: 'page-2' });
  rds.on(DescribeDBSnapshotsCommand, { Marker: 'page-2' }).resolves({ DBSnapshots: [manual, exported] });
  rds.on(DescribeDBSnapshotsCommand, { SnapshotType: 'awsbackup' }).resolves({ DBSnapshots: [backup] });
  rds.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
  rds.on(DescribeExportTasksCommand).resolves({ ExportTasks: [] });
  sfn.on(ListExecutionsCommand).resolves({
    executions: [
      {
        name: idOf(exported),
        executionArn: executionArn(idOf(exported)),
        stateMachineArn: STATE_MACHINE_ARN,
        status: 'SUCCEEDED',
        startDate: new Date('2024-04-29T01:00:00Z'),
      },
    ],
  });
  sfn
    .on(StartExecutionCommand)
    .callsFake((input) => ({ executionArn: executionArn(input.name), startDate: new Date() }));
  dynamodb.on(GetItemCommand).resolves({});
});

const values = (extra: Record<string, string | boolean> = {}) => ({ policy: 'export-policy.yml', ...extra });

describe('rds-export backfill', () => {
  it('decides every existing snapshot oldest first: exported already, the interval guard, the estimated cost', async () => {
    const report = await backfill(testContext(), values({ 'dry-run': true }));
    expect(report.snapshots.map((s) => [s.snapshot, s.decision])).toEqual([
      ['exported-already', 'done'],
      ['before-upgrade', 'export'],
      ['awsbackup:job-1234', 'export'],
      ['rds:orders-db-2024-05-01-06-00', 'export'],
      ['rds:orders-db-2024-05-01-18-00', 'skip'],
      ['rds:orders-db-2024-05-02-05-30', 'export'],
    ]);
    expect(report.snapshots.find((s) => s.decision === 'skip')?.reason).toContain('minIntervalHours 24');
    expect(report.snapshots.find((s) => s.snapshot === day2.DBSnapshotIdentifier)?.estimatedCostUSD).toBe(4);
    expect(report.forecast).toMatchObject({
      exports: 4,
      sizeGB: 700,
      pricePerGB: 0.01,
      estimatedCostUSD: 7,
      rate: { basis: 'assumed' },
    });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    const text = renderBackfill(report, false);
    expect(text).toContain('Estimated cost: ~$7.00 for 700 GB (an estimate');
    expect(text).toContain('Dry run: nothing was started.');
  });

  it('starts exactly what the dry run listed, in order, and never writes the deployment table', async () => {
    const dry = await backfill(testContext(), values({ 'dry-run': true }));
    const progress: number[] = [];
    const run = await backfill(testContext(), values(), (done) => progress.push(done));
    const planned = dry.snapshots.filter((s) => s.decision === 'export').map((s) => s.exportTaskIdentifier);
    expect(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name)).toEqual(planned);
    expect(run.started?.map((s) => s.action)).toEqual(['export', 'export', 'export', 'export']);
    expect(progress).toEqual([0, 1, 2, 3, 4]);
    expect(dynamodb.commandCalls(PutItemCommand)).toHaveLength(0);
  });

  it('starts nothing for snapshots whose identifiers are taken, whatever their outcome', async () => {
    sfn.on(ListExecutionsCommand).resolves({
      executions: [manual, day1, day2, exported].map((s) => ({
        name: idOf(s),
        executionArn: executionArn(idOf(s)),
        stateMachineArn: STATE_MACHINE_ARN,
        status: 'SUCCEEDED' as const,
        startDate: new Date(),
      })),
    });
    rds
      .on(DescribeExportTasksCommand)
      .resolves({ ExportTasks: [{ ExportTaskIdentifier: idOf(backup), Status: 'FAILED' }] });
    const run = await backfill(testContext(), values());
    expect(run.started).toEqual([]);
    expect(run.snapshots.map((s) => s.decision)).toEqual(['done', 'done', 'done', 'done', 'skip', 'done']);
  });

  // DescribeExecution returns `error` for a failed execution (Step Functions API reference); ListExecutions does not.
  it('holds an export whose tables were not registered as exported, as the interval guard of events does', async () => {
    const failed = (s: ReturnType<typeof dbSnapshot>) => ({
      name: idOf(s),
      executionArn: executionArn(idOf(s)),
      stateMachineArn: STATE_MACHINE_ARN,
      status: 'FAILED' as const,
      startDate: new Date('2024-05-01T06:05:00Z'),
    });
    sfn.on(ListExecutionsCommand).resolves({ executions: [failed(day1), failed(manual)] });
    sfn
      .on(DescribeExecutionCommand, { executionArn: executionArn(idOf(day1)) })
      .resolves({ ...failed(day1), error: 'TablesNotRegistered' })
      .on(DescribeExecutionCommand, { executionArn: executionArn(idOf(manual)) })
      .resolves({ ...failed(manual), error: 'ExportFailed' });
    const report = await backfill(testContext(), values({ 'dry-run': true }));
    const planned = (s: ReturnType<typeof dbSnapshot>) =>
      report.snapshots.find((p) => p.snapshot === s.DBSnapshotIdentifier);
    expect(planned(day1)).toMatchObject({
      decision: 'done',
      reason: 'already exported (execution FAILED: TablesNotRegistered)',
    });
    expect(planned(day1Late)).toMatchObject({ decision: 'skip' });
    expect(planned(manual)).toMatchObject({
      decision: 'done',
      reason: expect.stringContaining('started before, not exported (execution FAILED: ExportFailed)'),
    });
  });

  it('keeps to one source each and to a time with --source, --since and --latest-only', async () => {
    const report = await backfill(
      testContext(),
      values({ 'dry-run': true, source: 'orders-*', since: '2024-05-01T00:00:00Z', 'latest-only': true }),
    );
    expect(report.snapshots.map((s) => s.snapshot)).toEqual(['rds:orders-db-2024-05-02-05-30']);
  });

  it('defers what the queue would not start within its useful life, and what lies beyond --max', () => {
    const planned = Array.from(
      { length: 4 },
      (_, i) => ({ decision: 'export', sizeGB: 6000, snapshot: `s${i}` }) as never,
    );
    const outlook = forecast(planned, {
      slots: 2,
      activeNow: 0,
      rate: { gbPerHour: 50, basis: 'assumed' },
      pricePerGB: 0.01,
    });
    // 120 h each on two slots: two end at 120 h, the next two would end at 240 h, past 144 h.
    expect(outlook).toMatchObject({ exports: 2, deferred: 2, hours: 120 });
    const capped = forecast(
      Array.from({ length: 3 }, () => ({ decision: 'export', sizeGB: 1 }) as never),
      { slots: 5, activeNow: 0, rate: { gbPerHour: 50, basis: 'assumed' }, pricePerGB: 0.01, max: 1 },
    );
    expect([capped.exports, capped.deferred]).toEqual([1, 2]);
  });

  it("observes the export rate from the account's completed tasks when they exported enough", async () => {
    rds.on(DescribeExportTasksCommand).resolves({
      ExportTasks: [
        {
          ExportTaskIdentifier: 'old-1',
          Status: 'COMPLETE',
          TotalExtractedDataInGB: 30,
          TaskStartTime: new Date('2024-04-01T00:00:00Z'),
          TaskEndTime: new Date('2024-04-01T01:00:00Z'),
        },
        {
          ExportTaskIdentifier: 'old-2',
          Status: 'COMPLETE',
          TotalExtractedDataInGB: 10,
          TaskStartTime: new Date('2024-04-02T00:00:00Z'),
          TaskEndTime: new Date('2024-04-02T01:00:00Z'),
        },
      ],
    });
    const report = await backfill(testContext(), values({ 'dry-run': true }));
    expect(report.forecast.rate).toEqual({ gbPerHour: 20, basis: 'observed', completedTasks: 2 });
  });

  describe('--account: a member account', () => {
    const MEMBER = '222222222222';
    const inMember = (s: ReturnType<typeof dbSnapshot>) => ({
      ...s,
      DBSnapshotArn: s.DBSnapshotArn.replace('123456789012', MEMBER),
    });

    beforeEach(() => {
      rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [inMember(manual), inMember(day1)] });
      rds.on(DescribeDBSnapshotsCommand, { SnapshotType: 'awsbackup' }).resolves({ DBSnapshots: [] });
    });

    it("lists the member's snapshots and tasks through its operator role and starts them in the hub with its export role, under its <account>/ folder", async () => {
      const { ctx, member, scopes } = memberContext();
      const report = await backfill(ctx, values({ account: MEMBER }));
      expect(scopes).toEqual([{ partition: 'aws', account: MEMBER, region: 'us-east-1' }]);
      // DescribeDBSnapshots (twice), DescribeDBClusterSnapshots, DescribeExportTasks: all in the member.
      expect(rds.calls()).toHaveLength(4);
      for (const call of rds.calls()) expect(call.thisValue).toBe(member);
      expect(report.snapshots.map((s) => [s.arn, s.decision])).toEqual([
        [inMember(manual).DBSnapshotArn, 'export'],
        [inMember(day1).DBSnapshotArn, 'export'],
      ]);
      const start = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
      const job = JSON.parse(start?.input ?? '{}');
      expect(job.request).toMatchObject({
        SourceArn: inMember(manual).DBSnapshotArn,
        IamRoleArn: `arn:aws:iam::${MEMBER}:role/rds-export-test-member-export`,
        S3BucketName: 'test-exports',
      });
      expect(String(job.request.S3Prefix).startsWith(`${MEMBER}/`)).toBe(true);
      // The interval guard (automated snapshots) reads the member source's own ledger item.
      const keys = dynamodb.commandCalls(GetItemCommand).map((c) => c.args[0].input.Key?.pk);
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys)
        expect(key).toEqual({ S: `last-export#${MEMBER}/us-east-1#db-snapshot#orders-db` });
    });

    it("counts the member's own export tasks as already exported, and lists in --source-region", async () => {
      rds
        .on(DescribeExportTasksCommand)
        .resolves({ ExportTasks: [{ ExportTaskIdentifier: idOf(inMember(manual)), Status: 'COMPLETE' }] });
      const { ctx, scopes } = memberContext();
      const report = await backfill(
        ctx,
        values({ account: MEMBER, 'source-region': 'eu-west-1', 'dry-run': true }),
      );
      expect(scopes).toEqual([{ partition: 'aws', account: MEMBER, region: 'eu-west-1' }]);
      expect(report.snapshots.map((s) => s.decision)).toEqual(['done', 'export']);
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    });

    it('refuses an --account that is not 12 digits and a --source-region that is not a Region name', async () => {
      const { ctx } = memberContext();
      await expect(backfill(ctx, values({ account: '2222-2222' }))).rejects.toThrow(
        '--account "2222-2222": must be a 12-digit AWS account ID',
      );
      await expect(backfill(ctx, values({ 'source-region': 'Europe' }))).rejects.toThrow(
        '--source-region "Europe": must be an AWS Region name',
      );
      expect(rds.calls()).toHaveLength(0);
      // The command refuses them before it looks for the deployment (no DescribeStacks).
      await expect(backfillCommand.run({ account: '12' }, [])).rejects.toThrow(
        '--account "12": must be a 12-digit AWS account ID',
      );
    });
  });
});
