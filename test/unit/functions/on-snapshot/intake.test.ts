import { readFileSync } from 'node:fs';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DBSnapshotNotFoundFault,
  DescribeDBSnapshotsCommand,
  RDSClient,
  RDSServiceException,
} from '@aws-sdk/client-rds';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { handleSnapshotEvent, type OnSnapshotDeps } from '#functions/on-snapshot/intake.ts';
import { classified } from '#shared/aws/classified.ts';
import { ConfigurationError } from '#shared/contract/errors.ts';
import { ExportJob } from '#shared/contract/execution.ts';
import { exportLedger } from '#shared/exports/ledger.ts';
import { parsePolicy } from '#shared/policy/load.ts';
import { logger } from '#shared/runtime/logger.ts';
import { exportTaskIdentifier } from '#shared/sources/identifiers.ts';

const rds = mockClient(RDSClient);
const sfn = mockClient(SFNClient);
const dynamodb = mockClient(DynamoDBClient);
const SM = 'arn:aws:states:us-east-1:123456789012:stateMachine:rds-export';
const read = (path: string) =>
  JSON.parse(readFileSync(new URL(`../../../events/${path}`, import.meta.url), 'utf8'));
const SNAPSHOT_ARN =
  'arn:aws:rds:us-east-1:123456789012:snapshot:awsbackup:job-96efebc5-6db5-4d52-5747-bff86fefef1f';

const policy = parsePolicy(
  `version: 1
rules:
  - { name: backups, action: export, match: { snapshotType: awsbackup } }
  - { name: daily, action: export, match: { snapshotType: automated }, export: { minIntervalHours: 24 } }
  - { name: no-manual, action: skip, match: { snapshotType: manual }, reason: manual snapshots are not exported }
`,
  'test.yml',
);

function deps(overrides: Partial<OnSnapshotDeps> = {}): OnSnapshotDeps {
  return {
    rds: classified(new RDSClient({}), 'rds'),
    sfn: classified(new SFNClient({}), 'sfn'),
    policy,
    stateMachineArn: SM,
    destination: {
      bucket: 'exports',
      kmsKey: 'arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-3333-4222-8333-944455556666',
      role: 'arn:aws:iam::123456789012:role/r',
    },
    notify: vi.fn().mockResolvedValue({ slack: 'not-configured' }),
    ...overrides,
  };
}

let info: MockInstance<typeof logger.info>;
beforeEach(() => {
  rds.reset();
  sfn.reset();
  info = vi.spyOn(logger, 'info').mockImplementation(() => undefined);
  vi.spyOn(logger, 'error').mockImplementation(() => undefined);
  rds
    .on(DescribeDBSnapshotsCommand)
    .resolves({ DBSnapshots: [read('snapshots/db-snapshot-awsbackup.json')] });
  sfn.on(StartExecutionCommand).resolves({ executionArn: `${SM}:x`, startDate: new Date() });
});
afterEach(() => vi.restoreAllMocks());

const decisions = () => info.mock.calls.filter(([message]) => message === 'decision');

describe('handleSnapshotEvent', () => {
  it('starts one execution named after the export task identifier, with the export job as input', async () => {
    const outcome = await handleSnapshotEvent(read('backup-job-completed-rds.json'), deps());
    const id = exportTaskIdentifier({
      arn: SNAPSHOT_ARN,
      at: read('snapshots/db-snapshot-awsbackup.json').SnapshotCreateTime,
    });
    const call = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(call?.name).toBe(id);
    expect(call?.stateMachineArn).toBe(SM);
    const job = ExportJob.parse(JSON.parse(call?.input ?? ''));
    expect(job).toMatchObject({
      exportTaskIdentifier: id,
      rule: 'backups',
      request: { ExportTaskIdentifier: id, SourceArn: SNAPSHOT_ARN },
    });
    expect(outcome).toMatchObject({
      action: 'export',
      rule: 'backups',
      exportTaskIdentifier: id,
      executionArn: `${SM}:x`,
    });
    expect(decisions()).toHaveLength(1);
  });

  it('maps the RDS event and the AWS Backup event of one snapshot to the same execution name and input', async () => {
    await handleSnapshotEvent(read('rds-db-snapshot-awsbackup-created.json'), deps());
    await handleSnapshotEvent(read('backup-job-completed-rds.json'), deps());
    const [a, b] = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
    expect(a?.name).toBe(b?.name);
    expect(a?.input).toBe(b?.input);
  });

  it('logs a duplicate, already handled decision when the execution already exists, without throwing', async () => {
    sfn
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    const outcome = await handleSnapshotEvent(read('backup-job-completed-rds.json'), deps());
    expect(outcome).toMatchObject({
      action: 'duplicate',
      reason: expect.stringMatching(/^duplicate, already handled/),
    });
    expect(decisions()[0]?.[1]).toMatchObject({ action: 'duplicate' });
  });

  it('throws a retryable error when Step Functions throttles the start', async () => {
    sfn.on(StartExecutionCommand).rejects(
      new SFNServiceException({
        name: 'ThrottlingException',
        $fault: 'client',
        message: 'Rate exceeded',
        $metadata: {},
      }),
    );
    await expect(handleSnapshotEvent(read('backup-job-completed-rds.json'), deps())).rejects.toMatchObject({
      name: 'AwsThrottledError',
    });
  });

  it('logs a skip decision naming why for an event that names no new snapshot, and calls nothing', async () => {
    const outcome = await handleSnapshotEvent(read('rds-db-snapshot-creating.json'), deps());
    expect(outcome).toEqual({
      action: 'skip',
      rule: null,
      reason: 'RDS-EVENT-0040: snapshot is still being created (manual DB snapshot)',
    });
    expect(decisions()[0]?.[1]).toEqual(outcome);
    expect(rds.calls()).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('logs a skip decision for a malformed event instead of returning silently', async () => {
    const outcome = await handleSnapshotEvent({ hello: 'world' }, deps());
    expect(outcome.action).toBe('skip');
    expect(decisions()[0]?.[1]).toMatchObject({
      action: 'skip',
      reason: expect.stringMatching(/^not an EventBridge event/),
    });
  });

  it('skips with an alert and notifies when the snapshot no longer exists', async () => {
    rds
      .on(DescribeDBSnapshotsCommand)
      .rejects(new DBSnapshotNotFoundFault({ message: 'gone', $metadata: {} }));
    const d = deps();
    const outcome = await handleSnapshotEvent(read('backup-job-completed-rds.json'), d);
    expect(outcome).toMatchObject({ action: 'skip', alert: true, notified: true });
    expect(d.notify).toHaveBeenCalledWith(
      expect.objectContaining({
        kind: 'skipped',
        severity: 'warning',
        snapshotArn: SNAPSHOT_ARN,
        fix: expect.any(String),
      }),
    );
  });

  it('lets throttling of the describe call throw, so Lambda retries the asynchronous invocation', async () => {
    rds.on(DescribeDBSnapshotsCommand).rejects(
      new RDSServiceException({
        name: 'Throttling',
        $fault: 'client',
        message: 'Rate exceeded',
        $metadata: {},
      }),
    );
    await expect(handleSnapshotEvent(read('backup-job-completed-rds.json'), deps())).rejects.toMatchObject({
      name: 'AwsThrottledError',
    });
    expect(logger.error).toHaveBeenCalledWith(
      'no decision yet: the invocation fails and Lambda retries it',
      expect.anything(),
    );
  });

  it('does not notify a skip by policy unless the policy opts in with notifySkipped', async () => {
    rds
      .on(DescribeDBSnapshotsCommand)
      .resolves({ DBSnapshots: [read('snapshots/db-snapshot-manual.json').DBSnapshots[0]] });
    const quiet = deps();
    expect(await handleSnapshotEvent(read('rds-db-snapshot-manual-created.json'), quiet)).toMatchObject({
      action: 'skip',
      rule: 'no-manual',
      reason: 'manual snapshots are not exported',
    });
    expect(quiet.notify).not.toHaveBeenCalled();

    const loud = deps({
      policy: parsePolicy(
        `version: 1\ndefaults: { notifySkipped: true }\nrules: [{ name: none, action: skip }]`,
        't.yml',
      ),
    });
    const outcome = await handleSnapshotEvent(read('rds-db-snapshot-manual-created.json'), loud);
    expect(loud.notify).toHaveBeenCalledWith(
      expect.objectContaining({ kind: 'skipped', severity: 'info', source: 'orders-db' }),
    );
    expect(outcome.notified).toBe(true);
  });

  it('keeps the decision when the notification fails, reporting notified: false', async () => {
    rds
      .on(DescribeDBSnapshotsCommand)
      .rejects(new DBSnapshotNotFoundFault({ message: 'gone', $metadata: {} }));
    const outcome = await handleSnapshotEvent(
      read('backup-job-completed-rds.json'),
      deps({ notify: vi.fn().mockRejectedValue(new Error('SNS down')) }),
    );
    expect(outcome).toMatchObject({ action: 'skip', notified: false });
  });

  describe('interval guard', () => {
    const automatedSnapshot = read('snapshots/db-snapshot-automated.json');
    const now = () => new Date('2018-10-07T06:00:00Z');
    const TABLE = 'rds-export-exports';
    const ledger = () =>
      exportLedger({
        dynamodb: classified(new DynamoDBClient({}), 'dynamodb'),
        sfn: classified(new SFNClient({}), 'sfn'),
        table: TABLE,
        stateMachineArn: SM,
      });
    const item = (name: string, snapshotTime: string) => ({
      pk: { S: 'last-export#db-snapshot#snapshot-replica' },
      sk: { S: 'last' },
      executionName: { S: name },
      exportTaskIdentifier: { S: name },
      snapshotArn: { S: `${automatedSnapshot.DBSnapshotArn}-older` },
      snapshotTime: { S: snapshotTime },
      startedAt: { S: snapshotTime },
    });

    beforeEach(() => {
      dynamodb.reset();
      rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [automatedSnapshot] });
    });

    it('exports an automated snapshot of a source with no recorded export, and records it', async () => {
      dynamodb.on(GetItemCommand).resolves({});
      dynamodb.on(PutItemCommand).resolves({});
      const outcome = await handleSnapshotEvent(
        read('rds-db-snapshot-automated-created.json'),
        deps({ now, ledger: ledger() }),
      );
      expect(outcome).toMatchObject({ action: 'export', rule: 'daily', source: 'snapshot-replica' });
      const put = dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input;
      expect(put?.Item?.exportTaskIdentifier?.S).toBe(outcome.exportTaskIdentifier);
      expect(put?.ConditionExpression).toBe('attribute_not_exists(pk) OR exportTaskIdentifier = :mine');
    });

    it('reads one item and describes one execution per event, however large the fleet', async () => {
      dynamodb.on(GetItemCommand).resolves({ Item: item('e1', '2018-10-05T12:24:51.339Z') });
      dynamodb.on(PutItemCommand).resolves({});
      sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });
      await handleSnapshotEvent(
        read('rds-db-snapshot-automated-created.json'),
        deps({ now, ledger: ledger() }),
      );
      expect(dynamodb.commandCalls(GetItemCommand)).toHaveLength(1);
      expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(1);
      expect(sfn.commandCalls(DescribeExecutionCommand)[0]?.args[0].input.executionArn).toBe(
        'arn:aws:states:us-east-1:123456789012:execution:rds-export:e1',
      );
    });

    it('skips an automated snapshot taken within the interval after the last exported one', async () => {
      dynamodb.on(GetItemCommand).resolves({ Item: item('e1', '2018-10-06T02:00:00.000Z') });
      sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });
      const outcome = await handleSnapshotEvent(
        read('rds-db-snapshot-automated-created.json'),
        deps({ now, ledger: ledger() }),
      );
      expect(outcome).toMatchObject({
        action: 'skip',
        rule: 'daily',
        reason: expect.stringMatching(/within minIntervalHours 24$/),
      });
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
      expect(dynamodb.commandCalls(PutItemCommand)).toHaveLength(0);
    });

    it('does not count an earlier export whose execution failed', async () => {
      dynamodb.on(GetItemCommand).resolves({ Item: item('e1', '2018-10-06T02:00:00.000Z') });
      dynamodb.on(PutItemCommand).resolves({});
      sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED' });
      const outcome = await handleSnapshotEvent(
        read('rds-db-snapshot-automated-created.json'),
        deps({ now, ledger: ledger() }),
      );
      expect(outcome).toMatchObject({ action: 'export' });
      expect(
        dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input.ExpressionAttributeValues?.[':seen'],
      ).toEqual({
        S: 'e1',
      });
    });

    it('decides again when another snapshot of the source recorded its export meanwhile, and skips', async () => {
      dynamodb
        .on(GetItemCommand)
        .resolvesOnce({})
        .resolves({ Item: item('other', '2018-10-06T12:00:00.000Z') });
      dynamodb
        .on(PutItemCommand)
        .rejects(
          new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
        );
      sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
      const outcome = await handleSnapshotEvent(
        read('rds-db-snapshot-automated-created.json'),
        deps({ now, ledger: ledger() }),
      );
      expect(outcome).toMatchObject({ action: 'skip', reason: expect.stringContaining('exported by other') });
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    });
  });

  describe('a member account’s snapshot (its events forwarded to the hub’s bus)', () => {
    const MEMBER = '222222222222';
    /** The event and snapshot as the member account's RDS emits and describes them. */
    const inMember = (value: unknown) => JSON.parse(JSON.stringify(value).replaceAll('123456789012', MEMBER));
    const home = {
      account: '123456789012',
      region: 'us-east-1',
      memberRole: 'rds-export-dev-member-access',
      memberExportRole: 'rds-export-dev-member-export',
    };

    it('is described in the member account and exported there, with its export role, under its account’s folder', async () => {
      rds
        .on(DescribeDBSnapshotsCommand)
        .resolves({ DBSnapshots: [inMember(read('snapshots/db-snapshot-awsbackup.json'))] });
      const member = classified(new RDSClient({}), 'rds');
      const accounts = {
        own: classified(new RDSClient({}), 'rds'),
        rds: vi.fn(() => member),
        slots: vi.fn(),
      };
      const outcome = await handleSnapshotEvent(
        inMember(read('backup-job-completed-rds.json')),
        deps({ home, accounts }),
      );
      expect(outcome).toMatchObject({ action: 'export', rule: 'backups' });
      expect(accounts.rds).toHaveBeenCalledWith(SNAPSHOT_ARN.replace('123456789012', MEMBER));
      const job = ExportJob.parse(
        JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? ''),
      );
      expect(job.request).toMatchObject({
        IamRoleArn: `arn:aws:iam::${MEMBER}:role/rds-export-dev-member-export`,
        S3Prefix: MEMBER,
        S3BucketName: 'exports',
      });
    });

    it('is skipped with an alert, describing nothing, when the hub has no member role', async () => {
      const d = deps({
        home: { account: '123456789012', region: 'us-east-1' },
        accounts: {
          own: classified(new RDSClient({}), 'rds'),
          rds: () => {
            throw new ConfigurationError('no member role is configured (MEMBER_ROLE_NAME)');
          },
          slots: () => undefined,
        },
      });
      const outcome = await handleSnapshotEvent(inMember(read('backup-job-completed-rds.json')), d);
      expect(outcome).toMatchObject({ action: 'skip', alert: true, notified: true });
      expect(outcome.reason).toMatch(/MEMBER_ROLE_NAME/);
      expect(rds.commandCalls(DescribeDBSnapshotsCommand)).toHaveLength(0);
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    });
  });
});
