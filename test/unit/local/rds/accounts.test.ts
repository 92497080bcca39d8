import {
  DescribeDBSnapshotsCommand,
  DescribeExportTasksCommand,
  IamRoleNotFoundFault,
  RDSClient,
  StartExportTaskCommand,
} from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRds, type RdsAccount, startLocalRds } from '#local/rds/server.ts';
import { SnapshotStore } from '#local/rds/snapshots.ts';
import { ExportTasks } from '#local/rds/tasks.ts';
import { installSimulatedClock } from '#local/runtime/clock.ts';
import { LOCAL_CREDENTIALS, type LocalS3, startLocalS3 } from '#local/s3/server.ts';
import { AccountCredentials, type LocalSts, startLocalSts } from '#local/sts/server.ts';
import { storedSnapshot } from '../fixtures.ts';

// One local RDS endpoint, two accounts: each request is answered with the resources of the account
// whose credentials signed it.
const HUB = '123456789012';
const MEMBER = '111122223333';
const ACCESS = `arn:aws:iam::${MEMBER}:role/rds-export-local-member-access`;
const EXPORT_ROLE = (account: string) => `arn:aws:iam::${account}:role/export`;
const KEY = `arn:aws:kms:us-east-1:${HUB}:key/k1`;
const clock = installSimulatedClock(1000);
const credentials = new AccountCredentials(HUB);
const accounts = new Map<string, RdsAccount>();
let s3: LocalS3;
let rds: LocalRds;
let sts: LocalSts;

beforeAll(async () => {
  s3 = await startLocalS3(['exports'], () => {});
  const s3Client = new S3Client({
    region: 'us-east-1',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: LOCAL_CREDENTIALS,
  });
  for (const account of [HUB, MEMBER]) {
    const snapshots = new SnapshotStore('us-east-1', account);
    snapshots.add(`${account}-snap`, storedSnapshot());
    const tasks = new ExportTasks({
      s3: s3Client,
      clock,
      snapshots,
      roles: new Set([EXPORT_ROLE(account)]),
      kmsKeys: new Set([KEY]),
      durations: () => ({ starting: 100_000, inProgress: 100_000 }),
    });
    accounts.set(account, { snapshots, tasks });
  }
  const hub = accounts.get(HUB) as RdsAccount;
  rds = await startLocalRds(
    hub.tasks,
    hub.snapshots,
    () => {},
    undefined,
    (req) => {
      return accounts.get(credentials.accountOf(req)) ?? hub;
    },
  );
  sts = await startLocalSts({ credentials, roles: new Map([[ACCESS, MEMBER]]) }, () => {});
});

afterAll(async () => {
  for (const { tasks } of accounts.values()) await tasks.close();
  await rds?.close();
  await sts?.close();
  await s3?.close();
});

async function memberClient(): Promise<RDSClient> {
  const stsClient = new STSClient({
    region: 'us-east-1',
    endpoint: sts.endpoint,
    credentials: LOCAL_CREDENTIALS,
  });
  const { Credentials } = await stsClient.send(
    new AssumeRoleCommand({ RoleArn: ACCESS, RoleSessionName: 'test' }),
  );
  return new RDSClient({
    region: 'us-east-1',
    endpoint: rds.endpoint,
    maxAttempts: 1,
    credentials: {
      accessKeyId: Credentials?.AccessKeyId ?? '',
      secretAccessKey: Credentials?.SecretAccessKey ?? '',
      sessionToken: Credentials?.SessionToken ?? '',
    },
  });
}

describe('the local RDS with accounts', () => {
  it('answers each account with its own snapshots and export tasks, by the signing key', async () => {
    const hub = new RDSClient({
      region: 'us-east-1',
      endpoint: rds.endpoint,
      credentials: LOCAL_CREDENTIALS,
    });
    const member = await memberClient();
    const names = async (client: RDSClient) =>
      ((await client.send(new DescribeDBSnapshotsCommand({}))).DBSnapshots ?? []).map((s) => s.DBSnapshotArn);
    expect(await names(hub)).toEqual([`arn:aws:rds:us-east-1:${HUB}:snapshot:${HUB}-snap`]);
    expect(await names(member)).toEqual([`arn:aws:rds:us-east-1:${MEMBER}:snapshot:${MEMBER}-snap`]);
    const start = (client: RDSClient, account: string, role = EXPORT_ROLE(account)) =>
      client.send(
        new StartExportTaskCommand({
          ExportTaskIdentifier: `exp-${account}`,
          SourceArn: `arn:aws:rds:us-east-1:${account}:snapshot:${account}-snap`,
          S3BucketName: 'exports',
          S3Prefix: `${account}/exports`,
          IamRoleArn: role,
          KmsKeyId: KEY,
        }),
      );
    // The hub's export role is not the member's.
    await expect(start(member, MEMBER, EXPORT_ROLE(HUB))).rejects.toBeInstanceOf(IamRoleNotFoundFault);
    await start(member, MEMBER);
    await start(hub, HUB);
    const tasks = async (client: RDSClient) =>
      ((await client.send(new DescribeExportTasksCommand({}))).ExportTasks ?? []).map(
        (t) => t.ExportTaskIdentifier,
      );
    expect(await tasks(member)).toEqual([`exp-${MEMBER}`]);
    expect(await tasks(hub)).toEqual([`exp-${HUB}`]);
  });
});
