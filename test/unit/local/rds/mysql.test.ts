import {
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotsCommand,
  DescribeExportTasksCommand,
  InvalidExportOnlyFault,
  RDSClient,
  StartExportTaskCommand,
} from '@aws-sdk/client-rds';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRds, startLocalRds } from '#local/rds/server.ts';
import { SnapshotStore, type StoredSnapshot } from '#local/rds/snapshots.ts';
import { ExportTasks } from '#local/rds/tasks.ts';
import { installSimulatedClock } from '#local/runtime/clock.ts';
import { LOCAL_CREDENTIALS, type LocalS3, startLocalS3 } from '#local/s3/server.ts';
import { mysqlSnapshot } from '../fixtures.ts';

const ROLE = 'arn:aws:iam::123456789012:role/export';
const KEY = 'arn:aws:kms:us-east-1:123456789012:key/k1';
const clock = installSimulatedClock(1000);
const snapshots = new SnapshotStore('us-east-1', '123456789012');
const mysqlStored = (
  kind: StoredSnapshot['kind'],
  identifier: string,
  engine: string,
  engineVersion: string,
) =>
  snapshots.add(identifier, {
    kind,
    identifier,
    arn: snapshots.arnOf(kind, identifier),
    sourceIdentifier: kind === 'cluster-snapshot' ? 'shop-cluster' : 'shop-db',
    snapshotType: 'manual',
    engine,
    engineVersion,
    data: mysqlSnapshot(),
  });
const instance = mysqlStored('db-snapshot', 'shop-snap-1', 'mariadb', '10.11.9');
const cluster = mysqlStored(
  'cluster-snapshot',
  'shop-cluster-snap-1',
  'aurora-mysql',
  '8.0.mysql_aurora.3.08.0',
);
let s3: LocalS3;
let s3Client: S3Client;
let rds: LocalRds;
let tasks: ExportTasks;
let client: RDSClient;

beforeAll(async () => {
  s3 = await startLocalS3(['exports'], () => {});
  s3Client = new S3Client({
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
    durations: () => ({ starting: 5, inProgress: 30 }),
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

const start = (id: string, sourceArn: string, exportOnly?: string[]) =>
  client.send(
    new StartExportTaskCommand({
      ExportTaskIdentifier: id,
      SourceArn: sourceArn,
      S3BucketName: 'exports',
      IamRoleArn: ROLE,
      KmsKeyId: KEY,
      ...(exportOnly ? { ExportOnly: exportOnly } : {}),
    }),
  );

async function completed(id: string) {
  for (;;) {
    const [task] =
      (await client.send(new DescribeExportTasksCommand({ ExportTaskIdentifier: id }))).ExportTasks ?? [];
    if (task?.Status === 'COMPLETE' || task?.Status === 'FAILED') return task;
    await clock.sleep(2);
  }
}

async function json(key: string): Promise<Record<string, unknown>> {
  const out = await s3Client.send(new GetObjectCommand({ Bucket: 'exports', Key: key }));
  return JSON.parse((await out.Body?.transformToString()) ?? '{}');
}

describe('the local RDS endpoint with MySQL snapshots', () => {
  it('describes a MariaDB DB snapshot and an Aurora MySQL cluster snapshot as RDS does, ready to export', async () => {
    const [db] =
      (await client.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'shop-snap-1' })))
        .DBSnapshots ?? [];
    expect(db).toMatchObject({
      DBSnapshotArn: instance.arn,
      DBInstanceIdentifier: 'shop-db',
      Engine: 'mariadb',
      EngineVersion: '10.11.9',
      Status: 'available',
      StorageType: 'gp3',
      Port: 3306,
    });
    const [aurora] =
      (
        await client.send(
          new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: 'shop-cluster-snap-1' }),
        )
      ).DBClusterSnapshots ?? [];
    expect(aurora).toMatchObject({
      DBClusterSnapshotArn: cluster.arn,
      Engine: 'aurora-mysql',
      EngineVersion: '8.0.mysql_aurora.3.08.0',
      Status: 'available',
      Port: 3306,
    });
  });

  it('takes ExportOnly as database or database.table and refuses the PostgreSQL three-part form', async () => {
    await expect(start('my-bad-1', instance.arn, ['shop.public.orders'])).rejects.toBeInstanceOf(
      InvalidExportOnlyFault,
    );
    expect((await start('my-table-1', instance.arn, ['shop.orders'])).Status).toBe('STARTING');
    expect((await completed('my-table-1'))?.Status).toBe('COMPLETE');
    const listed = await s3Client.send(
      new ListObjectsV2Command({ Bucket: 'exports', Prefix: 'my-table-1/' }),
    );
    const folders = new Set((listed.Contents ?? []).map((c) => c.Key?.split('/').slice(1, 3).join('/')));
    expect([...folders].filter((f) => f?.includes('/')).sort()).toEqual(['shop/shop.orders']);
  });

  it('writes metadata files that name each table database.table, with the Parquet storage of each column', async () => {
    await start('my-full-1', cluster.arn);
    const task = await completed('my-full-1');
    expect(task).toMatchObject({ Status: 'COMPLETE', SourceType: 'CLUSTER' });
    const info = await json('my-full-1/export_tables_info_my-full-1_from_1_to_3.json');
    const statuses = info.perTableStatus as {
      target: string;
      status: string;
      schemaMetadata?: { originalTypeMappings: { columnName: string; expectedExportedType: string }[] };
    }[];
    expect(statuses.map((s) => [s.target, s.status])).toEqual([
      ['shop.all_kinds', 'COMPLETE'],
      ['shop.orders', 'COMPLETE'],
      ['shop.semi;colon', 'SKIPPED'],
    ]);
    const types = Object.fromEntries(
      (statuses[0]?.schemaMetadata?.originalTypeMappings ?? []).map((m) => [
        m.columnName,
        m.expectedExportedType,
      ]),
    );
    expect(types).toMatchObject({
      c_bigint_unsigned: 'fixed_len_byte_array(9) (DECIMAL(20,0))',
      c_decimal_5_2: 'int32 (DECIMAL(5,2))',
      c_decimal_38_10: 'fixed_len_byte_array(16) (DECIMAL(38,10))',
      c_tinyint_unsigned: 'int32 (INT_16)',
      c_datetime6: 'int64 (TIMESTAMP_MICROS)',
      c_blob: 'binary',
      c_numeric_65_30: 'binary (UTF8)',
    });
    expect(JSON.parse(task?.WarningMessage ?? '{}').general).toEqual([
      { reason: 'shop.all_kinds: column c_datetime6: 1 zero date(s) written as NULL' },
    ]);
  });
});
