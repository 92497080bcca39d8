import {
  BatchDeletePartitionCommand,
  GetDatabasesCommand,
  GetPartitionsCommand,
  GetTablesCommand,
  GlueClient,
  InternalServiceException,
  type Partition,
} from '@aws-sdk/client-glue';
import { DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsePolicy } from '#shared/policy/load.ts';
import { exportRootOf } from '../../../../functions/prune/catalog.ts';
import { exportBuckets, type PruneDeps, prune } from '../../../../functions/prune/prune.ts';

const glueMock = mockClient(GlueClient);
const s3Mock = mockClient(S3Client);
const sfnMock = mockClient(SFNClient);
const policy = parsePolicy(
  'version: 1\nrules:\n  - name: keep-two\n    action: export\n    export: { retention: { keepExports: 2 } }\n',
  'p.yml',
);
const DB = 'rds_export_db_orders';
const partition = (id: string, day: number, bucket = 'exports'): Partition => ({
  Values: [id, `2026-01-0${day}T00:00:00Z`],
  StorageDescriptor: { Location: `s3://${bucket}/exports/orders/${id}/db/public.t/` },
  Parameters: { 'rds_export.rule': 'keep-two' },
});

/** An S3 bucket in memory: ListObjectsV2 by prefix, DeleteObject removes (a missing key is fine). */
function bucket(keys: string[]) {
  const objects = new Map(keys.map((k) => [k, 10]));
  s3Mock.on(ListObjectsV2Command).callsFake((input: { Prefix: string }) => ({
    Contents: [...objects].filter(([k]) => k.startsWith(input.Prefix)).map(([Key, Size]) => ({ Key, Size })),
    IsTruncated: false,
  }));
  s3Mock.on(DeleteObjectCommand).callsFake((input: { Key: string }) => {
    objects.delete(input.Key);
    return {};
  });
  return objects;
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

const deps = (over: Partial<PruneDeps> = {}): PruneDeps => ({
  glue: new GlueClient({ region: 'us-east-1' }),
  s3: new S3Client({ region: 'us-east-1' }),
  sfn: new SFNClient({ region: 'us-east-1' }),
  policy,
  databasePrefix: 'rds_export_',
  buckets: new Set(['exports']),
  stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:m',
  now: () => new Date('2026-01-10T00:00:00Z'),
  ...over,
});
const KEYS = ['e1', 'e2', 'e3'].flatMap((id) => [
  `exports/orders/${id}/db/public.t/1/part-00000-a.gz.parquet`,
  `exports/orders/${id}/rds-export-registration-report.json`,
]);

beforeEach(() => sfnMock.on(ListExecutionsCommand).resolves({ executions: [] }));
afterEach(() => {
  glueMock.reset();
  s3Mock.reset();
  sfnMock.reset();
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
    expect(result.kept).toBe(2);
    expect(logged).toEqual(['s3://exports/exports/orders/e1/']);
    expect([...objects.keys()].some((k) => k.includes('/e1/'))).toBe(false);
    expect(live.map((p) => p.Values?.[0])).toEqual(['e2', 'e3']);
  });

  it('in a dry run lists what would go, with sizes, and deletes nothing', async () => {
    const objects = bucket(KEYS);
    catalog([partition('e1', 1), partition('e2', 2), partition('e3', 3)]);
    const result = await prune(deps(), true);
    expect(result.exports.map((e) => [e.exportTaskIdentifier, e.bytes])).toEqual([['e1', 20]]);
    expect(objects.size).toBe(KEYS.length);
    expect(s3Mock.commandCalls(DeleteObjectCommand)).toHaveLength(0);
    expect(glueMock.commandCalls(BatchDeletePartitionCommand)).toHaveLength(0);
  });

  it('never deletes an export still running, one a latest table reads, or the newest', async () => {
    bucket(KEYS);
    catalog([partition('e1', 1), partition('e2', 2), partition('e3', 3)], 'e1');
    sfnMock.on(ListExecutionsCommand).resolves({ executions: [] });
    expect((await prune(deps(), true)).exports).toEqual([]);
    catalog([partition('e1', 1), partition('e2', 2), partition('e3', 3)]);
    sfnMock.on(ListExecutionsCommand).resolves({
      executions: [
        { name: 'e1', executionArn: 'a', stateMachineArn: 'm', status: 'RUNNING', startDate: new Date() },
      ],
    });
    expect((await prune(deps(), true)).exports).toEqual([]);
  });

  it('finishes after a crash between the S3 deletion and the partitions: the re-run deletes what is left', async () => {
    const objects = bucket(KEYS);
    const live = catalog([partition('e1', 1), partition('e2', 2), partition('e3', 3)]);
    glueMock
      .on(BatchDeletePartitionCommand)
      .rejects(new InternalServiceException({ message: 'boom', $metadata: {} }));
    await expect(prune(deps(), false)).rejects.toMatchObject({ name: 'AwsServiceUnavailableError' });
    expect([...objects.keys()].some((k) => k.includes('/e1/'))).toBe(false);
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
    const { stateMachineArn: _, ...withoutMachine } = deps();
    const result = await prune(withoutMachine, false);
    expect(result.exports.map((e) => e.exportTaskIdentifier)).toEqual(['e1']);
    expect(s3Mock.commandCalls(DeleteObjectCommand)).toHaveLength(0);
    expect(result.notes[0]).toMatch(/running exports not checked/);
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
