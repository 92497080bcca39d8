import { BatchCreatePartitionCommand, CreateTableCommand, UpdateTableCommand } from '@aws-sdk/client-glue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerExport } from '#functions/register-export/register.ts';
import type { RegistrationResult } from '#shared/contract/execution.ts';
import { duckType, readAsRegistered } from './duckdb-reader.ts';
import type { FixtureColumn } from './export-tree.ts';
import { ExportTree, tableStatus } from './export-tree.ts';
import { PG_ALL_TYPES } from './fixtures.ts';
import { mockGlue } from './glue-mock.ts';
import { memoryS3 } from './memory-s3.ts';

const BUCKET = 'exports-bucket';
const DB = 'rds_export_db_shop_prod';
const col = (name: string, sql: string, glue: string, text: string): FixtureColumn => ({
  name,
  sql,
  glue,
  text,
});
const ORDERS_V1 = [col('id', '1::INTEGER', 'int', '1'), col('note', "'first'", 'string', 'first')];

/** Writes export `exportId` of the `shop` PostgreSQL database under `exports/`. */
async function writePgExport(tree: ExportTree, exportId: string, orders: FixtureColumn[]) {
  const root = `exports/${exportId}/`;
  tree.text(
    `${root}export_info_${exportId}.json`,
    JSON.stringify({ exportTaskIdentifier: exportId, status: 'COMPLETE' }),
  );
  tree.text(
    `${root}export_tables_info_${exportId}_from_1_to_3.json`,
    JSON.stringify({
      perTableStatus: [
        tableStatus('shop.public.all_types', PG_ALL_TYPES),
        tableStatus('shop.public.orders', orders),
        tableStatus('shop.public.Weird Name', [col('Order-Total', "'9.99'", 'string', '9.99')]),
      ],
    }),
  );
  tree.text(
    `${root}export_tables_info_${exportId}_from_4_to_7.json`,
    JSON.stringify({
      perTableStatus: [
        tableStatus('shop.a.b_c', [col('x', '1::INTEGER', 'int', '1')]),
        tableStatus('shop.a_b.c', [col('x', '2::INTEGER', 'int', '2')]),
        { target: 'shop.public.huge_row', status: 'FAILED', warningMessage: 'row too large' },
        { target: 'template1', warningMessage: 'database skipped: no permission' },
      ],
    }),
  );
  tree.text(`${root}export_tables_info_${exportId}_from_8_to_8.json`, '{"perTableStatus": [');
  // Older naming convention (no batch folders), plus markers and checksums that are not data.
  await tree.parquet(`${root}shop/public.all_types/part-00000-aaaa-c000.gz.parquet`, PG_ALL_TYPES);
  tree.text(`${root}shop/public.all_types/_SUCCESS`, '');
  tree.text(`${root}shop/public.all_types/.part-00000-aaaa-c000.gz.parquet.crc`, 'crc');
  // Current convention: one folder per batch; gaps in part numbers are normal.
  await tree.parquet(`${root}shop/public.orders/1/part-00000-bbbb-c000.gz.parquet`, orders);
  await tree.parquet(`${root}shop/public.orders/3/part-00002-cccc-c000.gz.parquet`, orders);
  await tree.parquet(`${root}shop/public.Weird_Name/1/part-00000-dddd-c000.gz.parquet`, [
    col('id', '3::INTEGER', 'int', '3'),
    col('Order-Total', "'9.99'", 'string', '9.99'),
  ]);
  await tree.parquet(`${root}shop/a.b_c/1/part-00000-eeee-c000.gz.parquet`, [
    col('x', '1::INTEGER', 'int', '1'),
  ]);
  await tree.parquet(`${root}shop/a_b.c/1/part-00000-ffff-c000.gz.parquet`, [
    col('x', '2::INTEGER', 'int', '2'),
  ]);
  // Enough rows that the file is far larger than its footer.
  await tree.parquet(
    `${root}shop/public.events/1/part-00000-9999-c000.gz.parquet`,
    [col('v', 'md5(range::VARCHAR)', 'string', '')],
    20_000,
  );
}

const input = (exportId: string, snapshotTime: string) => ({
  bucket: BUCKET,
  prefix: 'exports',
  exportTaskIdentifier: exportId,
  snapshotTime,
  warningMessage: JSON.stringify({ skippedTables: ['shop.public.unlogged_t'] }),
  sourceIdentifier: 'Shop-Prod',
  sourceKind: 'db-snapshot',
  engine: 'postgres',
});

describe('registering a PostgreSQL export in Glue', () => {
  let tree: ExportTree;
  let glue: ReturnType<typeof mockGlue>;
  let s3: ReturnType<typeof memoryS3>;
  let first: RegistrationResult;

  beforeAll(async () => {
    tree = await ExportTree.create();
    await writePgExport(tree, 'exp-1', ORDERS_V1);
    glue = mockGlue();
    s3 = memoryS3(tree.objects(), 4);
    first = await registerExport(input('exp-1', '2026-01-01T00:00:00Z'), {
      glue: glue.client,
      s3: s3.client,
      databasePrefix: 'rds_export_',
    });
  });
  afterAll(() => {
    glue.mock.restore();
    s3.mock.restore();
    tree.close();
  });

  it('registers every exported table, with and without batch folders, in one database per source', () => {
    expect(first.database).toBe(DB);
    expect(first.registered.map((r) => r.target).sort()).toEqual([
      'shop.a.b_c',
      'shop.a_b.c',
      'shop.public.Weird Name',
      'shop.public.all_types',
      'shop.public.events',
      'shop.public.orders',
    ]);
    expect(first.failed).toEqual([]);
  });

  it('reports skipped tables from the metadata files and the WarningMessage instead of registering them', () => {
    expect(first.skipped.map((s) => s.target).sort()).toEqual([
      'shop.public.huge_row',
      'shop.public.unlogged_t',
      'template1',
    ]);
    expect(first.skipped.find((s) => s.target === 'shop.public.huge_row')?.reason).toBe('row too large');
  });

  it('reports the malformed metadata file and still registers the tables of the others', () => {
    expect(first.problems).toEqual([
      expect.stringContaining('export_tables_info_exp-1_from_8_to_8.json: not JSON'),
    ]);
  });

  it('gives colliding names distinct, Athena-safe table names', () => {
    const names = new Map(first.registered.map((r) => [r.target, r.table]));
    const abc = names.get('shop.a.b_c') ?? '';
    const abc2 = names.get('shop.a_b.c') ?? '';
    expect(abc).not.toBe(abc2);
    for (const n of names.values()) expect(n).toMatch(/^[a-z0-9_]{1,255}$/);
    expect(names.get('shop.public.Weird Name')).toBe('shop_public_weird_name');
  });

  it('registers columns whose Glue types read every PostgreSQL type back unchanged', async () => {
    const table = glue.memory.table(DB, 'shop_public_all_types');
    const read = await readAsRegistered(tree, table?.StorageDescriptor ?? {});
    expect(read.map((c) => c.name)).toEqual(PG_ALL_TYPES.map((c) => c.name.toLowerCase()));
    for (const [i, fixture] of PG_ALL_TYPES.entries()) {
      // The file's own type is exactly the registered one: Athena reads it without coercion.
      expect({
        column: fixture.name,
        type: read[i]?.glueType,
        file: read[i]?.fileType,
        value: read[i]?.value,
      }).toEqual({
        column: fixture.name,
        type: fixture.glue,
        file: duckType(fixture.glue),
        value: fixture.text,
      });
    }
  });

  it('keeps the original database type of each column as its comment', () => {
    const cols = glue.memory.table(DB, 'shop_public_all_types')?.StorageDescriptor?.Columns ?? [];
    const comment = (n: string) => cols.find((c) => c.Name === n)?.Comment;
    expect(comment('amount')).toBe('numeric(12,2)');
    expect(comment('created')).toBe('timestamp with time zone');
    expect(comment('code')).toBe('character(3)');
  });

  it('reads a column renamed for Athena by position, so its values are still found', async () => {
    const table = glue.memory.table(DB, 'shop_public_weird_name');
    const read = await readAsRegistered(tree, table?.StorageDescriptor ?? {});
    expect(read).toEqual([
      { name: 'id', glueType: 'int', fileType: 'INTEGER', value: '3' },
      { name: 'order_total', glueType: 'string', fileType: 'VARCHAR', value: '9.99' },
    ]);
  });

  it('reads Parquet footers with ranged requests, never whole large files', () => {
    const big = tree.objects().get('exports/exp-1/shop/public.events/1/part-00000-9999-c000.gz.parquet');
    const reads = s3.ranges.filter((r) => r.key.endsWith('.parquet'));
    expect(reads.every((r) => r.range?.startsWith('bytes='))).toBe(true);
    const bigReads = reads.filter((r) => r.key.includes('public.events'));
    expect(bigReads.reduce((n, r) => n + r.bytes, 0)).toBeLessThan((big?.byteLength ?? 0) / 4);
  });

  it('makes a table readable now through its latest-export table and as history through a partition', () => {
    const latest = glue.memory.table(DB, 'shop_public_orders');
    expect(latest?.PartitionKeys ?? []).toEqual([]);
    expect(latest?.StorageDescriptor?.Location).toBe(`s3://${BUCKET}/exports/exp-1/shop/public.orders/`);
    expect(glue.memory.partitions.get(`${DB}/shop_public_orders_history`)?.map((p) => p.Values)).toEqual([
      ['exp-1', '2026-01-01T00:00:00Z'],
    ]);
  });

  it('changes nothing when the same export is registered again', async () => {
    const before = glue.writes();
    const again = await registerExport(input('exp-1', '2026-01-01T00:00:00Z'), {
      glue: glue.client,
      s3: s3.client,
      databasePrefix: 'rds_export_',
    });
    expect(glue.writes()).toBe(before);
    expect(again.registered).toEqual(first.registered);
  });

  it('moves the latest table to a later export with a changed schema while the old partition stays readable', async () => {
    const ordersV2 = [
      col('id', '5::BIGINT', 'bigint', '5'),
      col('note', "'second'", 'string', 'second'),
      col('extra', 'true', 'boolean', 'true'),
    ];
    await writePgExport(tree, 'exp-2', ordersV2);
    const s3v2 = memoryS3(tree.objects(), 50);
    const creates = glue.mock.commandCalls(CreateTableCommand).length;
    const updates = glue.mock.commandCalls(UpdateTableCommand).length;
    const partitions = glue.mock.commandCalls(BatchCreatePartitionCommand).length;
    const second = await registerExport(input('exp-2', '2026-02-01T00:00:00Z'), {
      glue: glue.client,
      s3: s3v2.client,
      databasePrefix: 'rds_export_',
    });
    expect(second.failed).toEqual([]);
    expect(glue.mock.commandCalls(CreateTableCommand).length).toBe(creates);
    // Six tables: one partition and one latest-table update each, plus the history schema of `orders`
    // and its two typed views; the other tables' views did not change, so they are not written.
    expect(glue.mock.commandCalls(BatchCreatePartitionCommand).length - partitions).toBe(6);
    expect(glue.mock.commandCalls(UpdateTableCommand).length - updates).toBe(9);
    expect(second.schemaChanges).toEqual([
      {
        target: 'shop.public.orders',
        change: 'shop.public.orders: added extra boolean; retyped id int → bigint (since exp-1)',
      },
    ]);

    const latest = await readAsRegistered(
      tree,
      glue.memory.table(DB, 'shop_public_orders')?.StorageDescriptor ?? {},
    );
    expect(latest.map((c) => [c.name, c.glueType, c.value])).toEqual([
      ['id', 'bigint', '5'],
      ['note', 'string', 'second'],
      ['extra', 'boolean', 'true'],
    ]);
    const history = glue.memory.partitions.get(`${DB}/shop_public_orders_history`) ?? [];
    expect(history.map((p) => p.Values?.[0])).toEqual(['exp-1', 'exp-2']);
    const old = await readAsRegistered(tree, history[0]?.StorageDescriptor ?? {});
    expect(old.map((c) => [c.name, c.glueType, c.value])).toEqual([
      ['id', 'int', '1'],
      ['note', 'string', 'first'],
    ]);
    const historyCols = glue.memory.table(DB, 'shop_public_orders_history')?.StorageDescriptor?.Columns;
    expect(historyCols?.map((c) => c.Name)).toEqual(['id', 'note', 'extra']);
    s3v2.mock.restore();
  });
});
