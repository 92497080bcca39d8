import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  BatchDeletePartitionCommand,
  GetDatabasesCommand,
  GetPartitionsCommand,
  GetTablesCommand,
  GlueClient,
  InternalServiceException,
  type Partition,
} from '@aws-sdk/client-glue';
import { DeleteObjectsCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportRootOf } from '#functions/prune/catalog.ts';
import { exportBuckets, type PruneDeps, prune } from '#functions/prune/prune.ts';
import { classified } from '#shared/aws/classified.ts';
import { parsePolicy } from '#shared/policy/load.ts';

const glueMock = mockClient(GlueClient);
const s3Mock = mockClient(S3Client);
const sfnMock = mockClient(SFNClient);
const dynamodbMock = mockClient(DynamoDBClient);
const policy = parsePolicy(
  'version: 1\nrules:\n  - name: keep-two\n    action: export\n    export: { retention: { keepExports: 2 } }\n',
  'p.yml',
);
const DB = 'rds_export_db_orders';
const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:m';
const partition = (id: string, day: number, bucket = 'exports', folder = 'exports/orders'): Partition => ({
  Values: [id, `2026-01-0${day}T00:00:00Z`],
  StorageDescriptor: { Location: `s3://${bucket}/${folder}/${id}/db/public.t/` },
  Parameters: { 'rds_export.rule': 'keep-two' },
});

/**
 * An S3 bucket in memory: ListObjectVersions by prefix (an unversioned object is version `null`),
 * DeleteObjects removes the versions named (a missing one is reported deleted, as S3 does).
 */
function bucket(keys: string[], more: { key: string; versionId: string; marker?: boolean }[] = []) {
  const stored = new Map<string, { key: string; versionId: string; marker?: boolean }>();
  for (const key of keys) stored.set(`${key}@null`, { key, versionId: 'null' });
  for (const v of more) stored.set(`${v.key}@${v.versionId}`, v);
  s3Mock.on(ListObjectVersionsCommand).callsFake((input: { Prefix: string }) => {
    const under = [...stored.values()].filter((v) => v.key.startsWith(input.Prefix));
    return {
      Versions: under.filter((v) => !v.marker).map((v) => ({ Key: v.key, VersionId: v.versionId, Size: 10 })),
      DeleteMarkers: under.filter((v) => v.marker).map((v) => ({ Key: v.key, VersionId: v.versionId })),
      IsTruncated: false,
    };
  });
  s3Mock
    .on(DeleteObjectsCommand)
    .callsFake((input: { Delete: { Objects: { Key: string; VersionId: string }[] } }) => {
      for (const o of input.Delete.Objects) stored.delete(`${o.Key}@${o.VersionId}`);
      return { Deleted: input.Delete.Objects };
    });
  return stored;
}

function catalog(partitions: Partition[], latestShows = 'e3') {
  glueMock.on(GetDatabasesCommand).resolves({ DatabaseList: [{ Name: DB }, { Name: 'other_db' }] });
  glueMock.on(GetTablesCommand).resolves({
    TableList: [
      { Name: 't', Parameters: { 'rds_export.role': 'latest', 'rds_export.export_id': latestShows } },
      { Name: 't_history', Parameters: { 'rds_export.role': 'history' } },
      { Name: 't_typed', Parameters: { 'rds_export.role': 'latest_typed' } },
    ],
  });
  const live = [...partitions];
  glueMock.on(GetPartitionsCommand).callsFake(() => ({ Partitions: [...live] }));
  glueMock
    .on(BatchDeletePartitionCommand)
    .callsFake((input: { PartitionsToDelete: { Values: string[] }[] }) => {
      for (const p of input.PartitionsToDelete) {
        const i = live.findIndex((x) => JSON.stringify(x.Values) === JSON.stringify(p.Values));
        if (i >= 0) live.splice(i, 1);
      }
      return { Errors: [] };
    });
  return live;
}

/** The execution input of an RDS export (an ExportJob, shared/contract/execution.ts), as far as prune reads it. */
const rdsJob = (id: string, bucketName = 'exports', prefix = 'exports/orders') =>
  JSON.stringify({
    exportTaskIdentifier: id,
    source: { kind: 'db-snapshot' },
    request: { ExportTaskIdentifier: id, S3BucketName: bucketName, S3Prefix: prefix },
  });

/** DescribeExecution as Step Functions answers it: the named executions, ExecutionDoesNotExist for the rest. */
function executions(byName: Record<string, { status?: 'RUNNING' | 'SUCCEEDED' | 'FAILED'; input: string }>) {
  sfnMock.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => {
    const name = input.executionArn.split(':').at(-1) ?? '';
    const found = byName[name];
    if (found === undefined)
      throw new ExecutionDoesNotExist({
        message: `Execution Does Not Exist: '${input.executionArn}'`,
        $metadata: {},
      });
    return {
      executionArn: input.executionArn,
      stateMachineArn: MACHINE,
      status: found.status ?? 'SUCCEEDED',
      startDate: new Date('2026-01-01T00:10:00Z'),
      input: found.input,
    };
  });
}

// The clients as the handler builds them: their errors are the pipeline's classified ones.
const deps = (over: Partial<PruneDeps> = {}): PruneDeps => ({
  glue: classified(new GlueClient({ region: 'us-east-1' }), 'glue'),
  s3: classified(new S3Client({ region: 'us-east-1' }), 's3'),
  ownership: {
    sfn: classified(new SFNClient({ region: 'us-east-1' }), 'sfn'),
    stateMachineArn: MACHINE,
    ledger: {
      dynamodb: classified(new DynamoDBClient({ region: 'us-east-1' }), 'dynamodb'),
      table: 'rds-export-exports',
    },
  },
  policy,
  databasePrefix: 'rds_export_',
  buckets: new Set(['exports']),
  now: () => new Date('2026-01-10T00:00:00Z'),
  ...over,
});
const KEYS = ['e1', 'e2', 'e3'].flatMap((id) => [
  `exports/orders/${id}/db/public.t/1/part-00000-a.gz.parquet`,
  `exports/orders/${id}/rds-export-registration-report.json`,
]);

beforeEach(() => {
  executions({ e1: { input: rdsJob('e1') }, e2: { input: rdsJob('e2') }, e3: { input: rdsJob('e3') } });
  dynamodbMock.on(GetItemCommand).resolves({});
});
afterEach(() => {
  glueMock.reset();
  s3Mock.reset();
  sfnMock.reset();
  dynamodbMock.reset();
});

describe('prune', () => {
  it('deletes the S3 prefix and the partitions of the exports beyond keepExports, and logs each prefix', async () => {
    const objects = bucket(KEYS);
    const live = catalog([partition('e1', 1), partition('e2', 2), partition('e3', 3)]);
    const logged: string[] = [];
    const result = await prune(deps({ onDelete: (w) => logged.push(w.prefix) }), false);
    expect(result.exports).toEqual([
      {
        database: DB,
        exportTaskIdentifier: 'e1',
        snapshotTime: '2026-01-01T00:00:00Z',
        rule: 'keep-two',
        prefixes: ['s3://exports/exports/orders/e1/'],
        objects: 2,
        bytes: 20,
        partitions: 1,
      },
    ]);
    expect(result).toMatchObject({ kept: 2, refused: 0 });
    expect(logged).toEqual(['s3://exports/exports/orders/e1/']);
    expect([...objects.values()].some((v) => v.key.includes('/e1/'))).toBe(false);
    expect(live.map((p) => p.Values?.[0])).toEqual(['e2', 'e3']);
  });

  it('in a dry run lists what would go, with sizes, and deletes nothing', async () => {
    const objects = bucket(KEYS);
    catalog([partition('e1', 1), partition('e2', 2), partition('e3', 3)]);
    const result = await prune(deps(), true);
    expect(result.exports.map((e) => [e.exportTaskIdentifier, e.bytes])).toEqual([['e1', 20]]);
    expect(objects.size).toBe(KEYS.length);
    expect(s3Mock.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
    expect(glueMock.commandCalls(BatchDeletePartitionCommand)).toHaveLength(0);
  });

  it('never deletes an export still running, one a latest table reads, or the newest', async () => {
    bucket(KEYS);
    catalog([partition('e1', 1), partition('e2', 2), partition('e3', 3)], 'e1');
    expect((await prune(deps(), true)).exports).toEqual([]);
    catalog([partition('e1', 1), partition('e2', 2), partition('e3', 3)]);
    executions({ e1: { status: 'RUNNING', input: rdsJob('e1') } });
    const running = await prune(deps(), true);
    expect(running).toMatchObject({ exports: [], kept: 3, refused: 0 });
  });

  it('finishes after a crash between the S3 deletion and the partitions: the re-run deletes what is left', async () => {
    const objects = bucket(KEYS);
    const live = catalog([partition('e1', 1), partition('e2', 2), partition('e3', 3)]);
    glueMock
      .on(BatchDeletePartitionCommand)
      .rejects(new InternalServiceException({ message: 'boom', $metadata: {} }));
    await expect(prune(deps(), false)).rejects.toMatchObject({ name: 'AwsServiceUnavailableError' });
    expect([...objects.values()].some((v) => v.key.includes('/e1/'))).toBe(false);
    expect(live).toHaveLength(3);
    catalog([...live]);
    const again = await prune(deps(), false);
    expect(again.exports.map((e) => [e.exportTaskIdentifier, e.objects])).toEqual([['e1', 0]]);
    expect(
      glueMock.commandCalls(BatchDeletePartitionCommand).at(-1)?.args[0].input.PartitionsToDelete,
    ).toEqual([{ Values: ['e1', '2026-01-01T00:00:00Z'] }]);
  });

  it('keeps exports outside the export buckets and sources whose latest export records no rule', async () => {
    bucket([]);
    catalog([partition('e1', 1, 'elsewhere'), partition('e2', 2), partition('e3', 3)]);
    const outside = await prune(deps(), false);
    expect(outside.exports).toEqual([]);
    expect(outside.notes).toEqual([expect.stringContaining('s3://elsewhere/ is not an export bucket')]);
    catalog([partition('e1', 1), { ...partition('e3', 3), Parameters: {} }]);
    expect((await prune(deps(), false)).notes).toEqual([
      `${DB}: its latest export records no rule; all kept`,
    ]);
  });

  it('deletes nothing without the state machine to check, and says so', async () => {
    bucket(KEYS);
    catalog([partition('e1', 1), partition('e2', 2), partition('e3', 3)]);
    const { ownership: _, ...withoutMachine } = deps();
    const result = await prune(withoutMachine, false);
    expect(result.exports.map((e) => e.exportTaskIdentifier)).toEqual(['e1']);
    expect(s3Mock.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
    expect(result.notes[0]).toMatch(/not checked \(no state machine\): nothing is deleted/);
  });
});

// Partitions are written by anyone who may write the pipeline's databases: only the export's
// execution (DescribeExecution's input) or the ledger says which folder is the export's.
describe('prune deletes only what this deployment exported, where it exported it', () => {
  it('leaves alone an export with no execution of this deployment and no ledger record, saying why and counting it', async () => {
    const objects = bucket(KEYS);
    catalog([partition('e1', 1), partition('e2', 2), partition('e3', 3)]);
    executions({ e2: { input: rdsJob('e2') }, e3: { input: rdsJob('e3') } });
    const refusals: string[] = [];
    const result = await prune(deps({ onRefuse: (w) => refusals.push(w.exportTaskIdentifier) }), false);
    expect(result).toMatchObject({ exports: [], kept: 3, refused: 1 });
    expect(result.notes).toEqual([
      `${DB}/e1 left alone: no execution e1 of this deployment's state machine (Step Functions keeps one 90 days after it ends) and no ledger record of it`,
    ]);
    expect(refusals).toEqual(['e1']);
    expect(objects.size).toBe(KEYS.length);
    expect(glueMock.commandCalls(BatchDeletePartitionCommand)).toHaveLength(0);
  });

  it('leaves alone a partition that points at another folder than the one its export was started with', async () => {
    const objects = bucket([...KEYS, 'exports/billing/e1/important.parquet']);
    catalog([partition('e1', 1, 'exports', 'exports/billing'), partition('e2', 2), partition('e3', 3)]);
    const result = await prune(deps(), false);
    expect(result).toMatchObject({ exports: [], refused: 1 });
    expect(result.notes).toEqual([
      `${DB}/e1 left alone: its partitions point at s3://exports/exports/billing/e1/, not s3://exports/exports/orders/e1/ where it was started`,
    ]);
    expect([...objects.values()].map((v) => v.key)).toContain('exports/billing/e1/important.parquet');
    expect(s3Mock.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
  });

  it('checks an export older than its execution against the folder the ledger recorded', async () => {
    bucket(KEYS);
    catalog([partition('e1', 1), partition('e2', 2), partition('e3', 3)]);
    executions({});
    dynamodbMock
      .on(GetItemCommand, { Key: { pk: { S: 'export#e1' }, sk: { S: 'started' } } })
      .resolves({ Item: { bucket: { S: 'exports' }, prefix: { S: 'exports/orders/e1/' } } });
    const result = await prune(deps(), false);
    expect(result.exports.map((e) => e.prefixes)).toEqual([['s3://exports/exports/orders/e1/']]);
    expect(dynamodbMock.commandCalls(GetItemCommand)[0]?.args[0].input.TableName).toBe('rds-export-exports');

    catalog([partition('e1', 1, 'exports', 'exports/billing'), partition('e2', 2), partition('e3', 3)]);
    const elsewhere = await prune(deps(), false);
    expect(elsewhere).toMatchObject({ exports: [], refused: 1 });
  });

  it('reads a graph export’s folder from its destination, which ends in the export name', async () => {
    bucket(['graphs/social/g1/vertices/customer/part-0.parquet']);
    catalog([
      {
        ...partition('g1', 1),
        StorageDescriptor: { Location: 's3://exports/graphs/social/g1/vertices/customer/' },
      },
      partition('e2', 2),
      partition('e3', 3),
    ]);
    executions({
      g1: {
        input: JSON.stringify({
          source: { kind: 'graph' },
          request: { graphIdentifier: 'g-0a1b2c3d4e', destination: 's3://exports/graphs/social/g1/' },
        }),
      },
      e2: { input: rdsJob('e2') },
    });
    const result = await prune(deps(), false);
    expect(result.exports.map((e) => e.prefixes)).toEqual([['s3://exports/graphs/social/g1/']]);
  });

  it('leaves alone an export whose execution input names no destination', async () => {
    bucket(KEYS);
    catalog([partition('e1', 1), partition('e2', 2), partition('e3', 3)]);
    executions({ e1: { input: '{"hello":"world"}' } });
    expect((await prune(deps(), false)).notes).toEqual([
      `${DB}/e1 left alone: the input of execution e1 names no export destination`,
    ]);
  });
});

// A delete without a version ID only adds a delete marker in a versioned bucket (S3 user guide,
// "Deleting object versions from a versioning-enabled bucket").
describe('prune in a versioned bucket', () => {
  it('deletes every version and delete marker under the prefix, naming each version', async () => {
    const stored = bucket(KEYS, [
      { key: 'exports/orders/e1/db/public.t/1/part-00000-a.gz.parquet', versionId: 'v-old' },
      { key: 'exports/orders/e1/gone.json', versionId: 'v-marker', marker: true },
    ]);
    catalog([partition('e1', 1), partition('e2', 2), partition('e3', 3)]);
    const result = await prune(deps(), false);
    expect(result.exports.map((e) => [e.objects, e.bytes])).toEqual([[4, 30]]);
    expect([...stored.values()].filter((v) => v.key.includes('/e1/'))).toEqual([]);
    const deleted = s3Mock
      .commandCalls(DeleteObjectsCommand)
      .flatMap((c) => c.args[0].input.Delete?.Objects ?? []);
    expect(deleted).toEqual(
      expect.arrayContaining([
        { Key: 'exports/orders/e1/db/public.t/1/part-00000-a.gz.parquet', VersionId: 'v-old' },
        { Key: 'exports/orders/e1/gone.json', VersionId: 'v-marker' },
      ]),
    );
    expect(deleted.every((o) => o.VersionId !== undefined)).toBe(true);
  });

  it('fails the run, naming the key, when S3 refuses to delete a version', async () => {
    bucket(KEYS);
    catalog([partition('e1', 1), partition('e2', 2), partition('e3', 3)]);
    s3Mock.on(DeleteObjectsCommand).resolves({
      Errors: [
        { Key: 'exports/orders/e1/x', VersionId: 'v1', Code: 'AccessDenied', Message: 'Access Denied' },
      ],
    });
    // An entry error of a request that succeeded, classified by its code as the clients' errors are.
    await expect(prune(deps(), false)).rejects.toMatchObject({
      name: 'ConfigurationError',
      message:
        'DeleteObjects s3://exports/exports/orders/e1/x (version v1) failed: AccessDenied: Access Denied',
    });
    // S3 first: the partitions still name the files, for the next run.
    expect(glueMock.commandCalls(BatchDeletePartitionCommand)).toHaveLength(0);
  });

  it('fails the run as UnexpectedAwsError rather than delete by part of a listing longer than 1,000 pages', async () => {
    catalog([partition('e1', 1), partition('e2', 2), partition('e3', 3)]);
    let page = 0;
    s3Mock.on(ListObjectVersionsCommand).callsFake(() => ({
      Versions: [{ Key: `exports/orders/e1/k${page}`, VersionId: 'v', Size: 1 }],
      IsTruncated: true,
      NextKeyMarker: `exports/orders/e1/k${++page}`,
      NextVersionIdMarker: 'v',
    }));
    await expect(prune(deps(), false)).rejects.toMatchObject({
      name: 'UnexpectedAwsError',
      message: 'Listing s3://exports/exports/orders/e1/: The listing has more than 1000 pages',
    });
    expect(s3Mock.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
  });
});

describe('exportRootOf', () => {
  it('is the location up to the export folder, and nothing when the location does not name it', () => {
    expect(exportRootOf('s3://b/p/q/e1/db/public.t/', 'e1')).toEqual({ bucket: 'b', prefix: 'p/q/e1/' });
    expect(exportRootOf('s3://b/e1/db/x/', 'e1')).toEqual({ bucket: 'b', prefix: 'e1/' });
    expect(exportRootOf('s3://b/p/e10/db/x/', 'e1')).toBeUndefined();
    expect(exportRootOf('s3://b/p/db/x/', '')).toBeUndefined();
  });
});

describe('exportBuckets', () => {
  it('is the deployment bucket and every bucket the policy names', () => {
    const named = parsePolicy(
      'version: 1\ndefaults: { export: { bucket: dflt-bucket } }\nrules:\n  - { name: a, action: export, export: { bucket: rule-bucket } }\n',
      'p.yml',
    );
    expect([...exportBuckets(named, 'deploy-bucket')].sort()).toEqual([
      'deploy-bucket',
      'dflt-bucket',
      'rule-bucket',
    ]);
  });
});
