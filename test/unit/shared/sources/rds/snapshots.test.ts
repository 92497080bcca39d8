import { readFileSync } from 'node:fs';
import {
  DBClusterSnapshotNotFoundFault,
  DBSnapshotNotFoundFault,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  RDSServiceException,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { classified } from '#shared/aws/classified.ts';
import { InvalidInputError } from '#shared/contract/errors.ts';
import type { SnapshotRef } from '#shared/sources/rds/snapshot-events.ts';
import { describeSnapshot, toDescribedSnapshot } from '#shared/sources/rds/snapshots.ts';

const rds = mockClient(RDSClient);
const client = classified(new RDSClient({}), 'rds');
const snapshotJson = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../../../events/snapshots/${name}`, import.meta.url), 'utf8'));

const automatedRef: SnapshotRef = {
  kind: 'db-snapshot',
  arn: 'arn:aws:rds:us-east-1:123456789012:snapshot:rds:snapshot-replica-2018-10-06-12-24',
  snapshotIdentifier: 'rds:snapshot-replica-2018-10-06-12-24',
  snapshotType: 'automated',
  region: 'us-east-1',
  trigger: 'RDS-EVENT-0091',
};
const clusterRef: SnapshotRef = {
  kind: 'cluster-snapshot',
  arn: 'arn:aws:rds:us-east-1:123456789012:cluster-snapshot:analytics-2024-05-01',
  snapshotIdentifier: 'analytics-2024-05-01',
  snapshotType: 'manual',
  region: 'us-east-1',
  trigger: 'RDS-EVENT-0075',
};

beforeEach(() => rds.reset());

describe('describeSnapshot', () => {
  it('describes an automated DB snapshot by identifier with SnapshotType automated, as the API requires', async () => {
    const sdkShape = {
      ...snapshotJson('db-snapshot-automated.json'),
      SnapshotCreateTime: new Date('2018-10-06T12:24:51.339Z'),
    };
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [sdkShape] });
    const result = await describeSnapshot(client, automatedRef);
    expect(rds.commandCalls(DescribeDBSnapshotsCommand)[0]?.args[0].input).toEqual({
      DBSnapshotIdentifier: 'rds:snapshot-replica-2018-10-06-12-24',
      SnapshotType: 'automated',
    });
    expect(result).toEqual({
      found: true,
      snapshot: {
        source: {
          kind: 'db-snapshot',
          arn: automatedRef.arn,
          snapshotIdentifier: 'rds:snapshot-replica-2018-10-06-12-24',
          sourceIdentifier: 'snapshot-replica',
          engine: 'postgres',
          snapshotType: 'automated',
          snapshotCreateTime: '2018-10-06T12:24:51.339Z',
          engineVersion: '16.3',
          status: 'available',
          storageType: 'gp3',
          sizeGB: 120,
        },
        tags: { env: 'prod' },
      },
    });
  });

  it('describes an AWS Backup DB snapshot with SnapshotType awsbackup and a manual one without a type', async () => {
    rds
      .on(DescribeDBSnapshotsCommand)
      .resolves({ DBSnapshots: [snapshotJson('db-snapshot-awsbackup.json')] });
    await describeSnapshot(client, {
      ...automatedRef,
      snapshotIdentifier: 'awsbackup:job-1',
      snapshotType: 'awsbackup',
    });
    await describeSnapshot(client, {
      ...automatedRef,
      snapshotIdentifier: 'orders-1',
      snapshotType: 'manual',
    });
    const inputs = rds.commandCalls(DescribeDBSnapshotsCommand).map((c) => c.args[0].input);
    expect(inputs).toEqual([
      { DBSnapshotIdentifier: 'awsbackup:job-1', SnapshotType: 'awsbackup' },
      { DBSnapshotIdentifier: 'orders-1' },
    ]);
  });

  it('describes a cluster snapshot with DescribeDBClusterSnapshots, never DescribeDBSnapshots', async () => {
    const [cluster] = snapshotJson('cluster-snapshot-manual.json').DBClusterSnapshots as object[];
    rds.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [cluster as object] });
    const result = await describeSnapshot(client, clusterRef);
    expect(rds.commandCalls(DescribeDBSnapshotsCommand)).toHaveLength(0);
    expect(rds.commandCalls(DescribeDBClusterSnapshotsCommand)[0]?.args[0].input).toEqual({
      DBClusterSnapshotIdentifier: 'analytics-2024-05-01',
    });
    expect(result.found && result.snapshot.source).toMatchObject({
      kind: 'cluster-snapshot',
      sourceIdentifier: 'analytics',
      engine: 'aurora-mysql',
    });
  });

  it('asks for SnapshotType automated for an automated cluster snapshot', async () => {
    rds.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
    await describeSnapshot(client, {
      ...clusterRef,
      snapshotIdentifier: 'rds:analytics-1',
      snapshotType: 'automated',
    });
    expect(rds.commandCalls(DescribeDBClusterSnapshotsCommand)[0]?.args[0].input.SnapshotType).toBe(
      'automated',
    );
  });

  it('reports a deleted DB snapshot (DBSnapshotNotFoundFault) as not found, not as an error', async () => {
    rds
      .on(DescribeDBSnapshotsCommand)
      .rejects(new DBSnapshotNotFoundFault({ message: 'not found', $metadata: {} }));
    await expect(describeSnapshot(client, automatedRef)).resolves.toMatchObject({
      found: false,
      reason: expect.stringMatching(/not found \(DBSnapshotNotFoundFault\)/),
    });
  });

  it('reports a missing cluster snapshot and an empty answer as not found', async () => {
    rds
      .on(DescribeDBClusterSnapshotsCommand)
      .rejectsOnce(new DBClusterSnapshotNotFoundFault({ message: 'x', $metadata: {} }));
    rds.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
    expect((await describeSnapshot(client, clusterRef)).found).toBe(false);
    expect((await describeSnapshot(client, clusterRef)).found).toBe(false);
  });

  it('throws a retryable AwsThrottledError when RDS throttles, so the invocation is retried', async () => {
    const throttled = new RDSServiceException({
      name: 'Throttling',
      $fault: 'client',
      message: 'Rate exceeded',
      $metadata: {},
    });
    rds.on(DescribeDBSnapshotsCommand).rejects(throttled);
    await expect(describeSnapshot(client, automatedRef)).rejects.toMatchObject({
      name: 'AwsThrottledError',
      retryable: true,
    });
  });

  it('throws AwsServiceUnavailableError on a 5xx, ConfigurationError on AccessDenied, UnexpectedAwsError on anything else', async () => {
    const server = new RDSServiceException({
      name: 'InternalFailure',
      $fault: 'server',
      message: 'oops',
      $metadata: {},
    });
    const denied = new RDSServiceException({
      name: 'AccessDenied',
      $fault: 'client',
      message: 'no',
      $metadata: {},
    });
    const odd = new RDSServiceException({
      name: 'SomethingNew',
      $fault: 'client',
      message: '?',
      $metadata: {},
    });
    rds.on(DescribeDBSnapshotsCommand).rejectsOnce(server).rejectsOnce(denied).rejectsOnce(odd);
    await expect(describeSnapshot(client, automatedRef)).rejects.toMatchObject({
      name: 'AwsServiceUnavailableError',
    });
    await expect(describeSnapshot(client, automatedRef)).rejects.toMatchObject({
      name: 'ConfigurationError',
    });
    await expect(describeSnapshot(client, automatedRef)).rejects.toMatchObject({
      name: 'UnexpectedAwsError',
    });
  });
});

describe('toDescribedSnapshot', () => {
  it('reads the AWS CLI JSON form with ISO date strings', () => {
    const s = toDescribedSnapshot(snapshotJson('db-snapshot-automated.json'));
    expect(s.source.snapshotCreateTime).toBe('2018-10-06T12:24:51.339Z');
  });

  it('refuses an object that is no DB or cluster snapshot, naming what is missing', () => {
    expect(() => toDescribedSnapshot({ DBSnapshotIdentifier: 'x' })).toThrow(InvalidInputError);
    expect(() => toDescribedSnapshot({ Engine: 'postgres' })).toThrow(/no DBSnapshotArn/);
    const { DBInstanceIdentifier: _, ...noInstance } = snapshotJson('db-snapshot-automated.json');
    expect(() => toDescribedSnapshot(noInstance)).toThrow(/has no DBInstanceIdentifier/);
  });
});
