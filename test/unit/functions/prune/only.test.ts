import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  BatchDeletePartitionCommand,
  GetDatabasesCommand,
  GetPartitionsCommand,
  GetTablesCommand,
  GlueClient,
  type Partition,
} from '@aws-sdk/client-glue';
import { DeleteObjectsCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type PruneDeps, prune } from '#functions/prune/prune.ts';
import { classified } from '#shared/aws/classified.ts';
import { parsePolicy } from '#shared/policy/load.ts';

// `rds-export prune --account / --source-region` on a hub: its own source, and a member's of the
// same name, each with three exports of which retention lets the oldest go.
const glue = mockClient(GlueClient);
const s3 = mockClient(S3Client);
const sfn = mockClient(SFNClient);
const dynamodb = mockClient(DynamoDBClient);
const policy = parsePolicy(
  'version: 1\nrules:\n  - name: keep-two\n    action: export\n    export: { retention: { keepExports: 2 } }\n',
  'p.yml',
);
const HUB = '123456789012';
const MEMBER = '222222222222';
const MACHINE = `arn:aws:states:us-east-1:${HUB}:stateMachine:m`;
const OWN_DB = 'rds_export_db_orders';
const MEMBER_DB = `rds_export_${MEMBER}_db_orders`;
// A third account's database, named by its ID: never read when --account does not match it.
const THIRD_DB = 'rds_export_333333333333_db_orders';

/** Where each export is, and the source its job names. */
const EXPORTS = {
  h1: { db: OWN_DB, folder: 'exports/orders', arn: `arn:aws:rds:us-east-1:${HUB}:snapshot:h1` },
  h2: { db: OWN_DB, folder: 'exports/orders', arn: `arn:aws:rds:us-east-1:${HUB}:snapshot:h2` },
  h3: { db: OWN_DB, folder: 'exports/orders', arn: `arn:aws:rds:us-east-1:${HUB}:snapshot:h3` },
  m1: { db: MEMBER_DB, folder: `${MEMBER}/orders`, arn: `arn:aws:rds:eu-west-1:${MEMBER}:snapshot:m1` },
  m2: { db: MEMBER_DB, folder: `${MEMBER}/orders`, arn: `arn:aws:rds:eu-west-1:${MEMBER}:snapshot:m2` },
  m3: { db: MEMBER_DB, folder: `${MEMBER}/orders`, arn: `arn:aws:rds:eu-west-1:${MEMBER}:snapshot:m3` },
} as const;
type Id = keyof typeof EXPORTS;
const IDS = Object.keys(EXPORTS) as Id[];

const partition = (id: Id): Partition => ({
  Values: [id, `2026-01-0${id.slice(1)}T00:00:00Z`],
  StorageDescriptor: { Location: `s3://exports/${EXPORTS[id].folder}/${id}/db/public.t/` },
  Parameters: { 'rds_export.rule': 'keep-two' },
});

const job = (id: Id) =>
  JSON.stringify({
    exportTaskIdentifier: id,
    source: { kind: 'db-snapshot', arn: EXPORTS[id].arn },
    request: { ExportTaskIdentifier: id, S3BucketName: 'exports', S3Prefix: EXPORTS[id].folder },
  });

/** DescribeExecution of the executions named; ExecutionDoesNotExist (gone after 90 days) for the rest. */
function executions(names: Id[]) {
  sfn.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => {
    const name = (input.executionArn.split(':').at(-1) ?? '') as Id;
    if (!names.includes(name))
      throw new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} });
    return { executionArn: input.executionArn, status: 'SUCCEEDED', startDate: new Date(), input: job(name) };
  });
}

const deleted = () =>
  s3
    .commandCalls(DeleteObjectsCommand)
    .flatMap((c) => c.args[0].input.Delete?.Objects ?? [])
    .map((o) => o.Key?.split('/').at(-2))
    .sort();

const deps = (only?: PruneDeps['only']): PruneDeps => ({
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
  ...(only === undefined ? {} : { only }),
});

beforeEach(() => {
  glue.on(GetDatabasesCommand).resolves({
    DatabaseList: [{ Name: OWN_DB }, { Name: MEMBER_DB }, { Name: THIRD_DB }],
  });
  glue.on(GetTablesCommand).resolves({
    TableList: [
      { Name: 't', Parameters: { 'rds_export.role': 'latest', 'rds_export.export_id': 'x3' } },
      { Name: 't_history', Parameters: { 'rds_export.role': 'history' } },
    ],
  });
  glue.on(GetPartitionsCommand).callsFake((input: { DatabaseName: string }) => ({
    Partitions: IDS.filter((id) => EXPORTS[id].db === input.DatabaseName).map(partition),
  }));
  glue.on(BatchDeletePartitionCommand).resolves({ Errors: [] });
  // One object per export folder (the export's own file, `…/<id>/file`).
  s3.on(ListObjectVersionsCommand).callsFake((input: { Prefix: string }) => ({
    Versions: [{ Key: `${input.Prefix}file`, VersionId: 'null', Size: 10 }],
    IsTruncated: false,
  }));
  s3.on(DeleteObjectsCommand).callsFake((input: { Delete: { Objects: object[] } }) => ({
    Deleted: input.Delete.Objects,
  }));
  dynamodb.on(GetItemCommand).resolves({});
  executions(IDS);
});
afterEach(() => {
  glue.reset();
  s3.reset();
  sfn.reset();
  dynamodb.reset();
});

describe('prune restricted to some accounts and Regions (rds-export prune --account, --source-region)', () => {
  it('without a restriction, prunes every source (as the daily run does)', async () => {
    const result = await prune(deps(), false);
    expect(result.exports.map((e) => e.exportTaskIdentifier).sort()).toEqual(['h1', 'm1']);
    expect(deleted()).toEqual(['h1', 'm1']);
  });

  it("--account deletes only that account's exports, by the source its execution's job names, and never reads another member's database", async () => {
    const result = await prune(deps({ account: MEMBER }), false);
    expect(result.exports.map((e) => [e.database, e.exportTaskIdentifier])).toEqual([[MEMBER_DB, 'm1']]);
    expect(deleted()).toEqual(['m1']);
    const partitionsDeleted = glue.commandCalls(BatchDeletePartitionCommand).map((c) => c.args[0].input);
    expect(partitionsDeleted.map((p) => [p.DatabaseName, p.PartitionsToDelete])).toEqual([
      [MEMBER_DB, [{ Values: ['m1', '2026-01-01T00:00:00Z'] }]],
    ]);
    // The hub's own h1 is kept, not refused; the third account's database is not read at all.
    expect(result).toMatchObject({ refused: 0, sources: 2 });
    expect(glue.commandCalls(GetTablesCommand).map((c) => c.args[0].input.DatabaseName)).not.toContain(
      THIRD_DB,
    );
    expect(result.notes).toContain(`only the exports of sources in account ${MEMBER}: the others are kept`);
  });

  it("--account of the hub's own account, and --source-region, select by the job's source ARN", async () => {
    expect((await prune(deps({ account: HUB }), true)).exports.map((e) => e.exportTaskIdentifier)).toEqual([
      'h1',
    ]);
    expect((await prune(deps({ region: 'eu-*' }), true)).exports.map((e) => e.exportTaskIdentifier)).toEqual([
      'm1',
    ]);
    expect(s3.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
  });

  it('once the execution is gone, takes the account and Region from the source the ledger recorded', async () => {
    executions(['h1', 'h2', 'h3', 'm2', 'm3']);
    dynamodb.on(GetItemCommand, { Key: { pk: { S: 'export#m1' }, sk: { S: 'started' } } }).resolves({
      Item: {
        bucket: { S: 'exports' },
        prefix: { S: `${MEMBER}/orders/m1/` },
        sourceArn: { S: `arn:aws:rds:eu-west-1:${MEMBER}:snapshot:rds:orders-1` },
      },
    });
    const byRegion = await prune(deps({ region: 'eu-west-1' }), true);
    expect(byRegion.exports.map((e) => e.exportTaskIdentifier)).toEqual(['m1']);
    const elsewhere = await prune(deps({ region: 'us-*' }), true);
    expect(elsewhere.exports.map((e) => e.exportTaskIdentifier)).not.toContain('m1');
  });

  it('from a ledger record older than its source, takes the account from the folder it recorded; its Region is unknown, so it is kept and said', async () => {
    executions(['h1', 'h2', 'h3', 'm2', 'm3']);
    dynamodb
      .on(GetItemCommand, { Key: { pk: { S: 'export#m1' }, sk: { S: 'started' } } })
      .resolves({ Item: { bucket: { S: 'exports' }, prefix: { S: `${MEMBER}/orders/m1/` } } });
    const byAccount = await prune(deps({ account: '2222*' }), false);
    expect(byAccount.exports.map((e) => e.exportTaskIdentifier)).toEqual(['m1']);

    s3.resetHistory();
    const byRegion = await prune(deps({ region: 'eu-west-1' }), false);
    expect(byRegion.exports).toEqual([]);
    expect(deleted()).toEqual([]);
    expect(byRegion.notes).toContain(
      `${MEMBER_DB}/m1 kept: no execution of it is left to name its source's Region (--source-region eu-west-1)`,
    );
  });
});
