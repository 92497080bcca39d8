import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerExport } from '#functions/register-export/register.ts';
import { LocalAthena } from '#local/athena/engine.ts';
import { ExportTree, tableStatus, type ValuesColumn, writeRows } from './export-tree.ts';
import { mockGlue } from './glue-mock.ts';
import { localCatalogOf } from './local-catalog.ts';
import { memoryS3 } from './memory-s3.ts';

const DB = 'rds_export_db_shop';
const INDEX_ACCESS = 'parquet.column.index.access';

type Table = { target: string; folder: string; columns: ValuesColumn[]; row: string[] };
const id: ValuesColumn = { name: 'id', fileType: 'INTEGER', original: { originalType: 'integer' } };
// `Order-Total` needs more than lowercasing for Athena (order_total): read by name, it would be NULL.
const total: ValuesColumn = { name: 'Order-Total', fileType: 'VARCHAR', original: { originalType: 'text' } };
const note: ValuesColumn = { name: 'note', fileType: 'VARCHAR', original: { originalType: 'text' } };
// Names that only need lowercasing: Athena finds them by name whatever their order.
const upperId: ValuesColumn = { name: 'ID', fileType: 'INTEGER', original: { originalType: 'integer' } };
const label: ValuesColumn = { name: 'Label', fileType: 'VARCHAR', original: { originalType: 'text' } };

/**
 * Three exports of the same two tables. `orders`: the second adds `note` in the middle (so
 * `Order-Total` moves), the third drops `note` and puts `Order-Total` first. `items`: the columns
 * swap places in the second export.
 */
/** One export's `shop.public.<name>` table with these columns and one row. */
const table =
  (name: string) =>
  (columns: Table['columns'], row: Table['row']): Table => ({
    target: `shop.public.${name}`,
    folder: `shop/public.${name}`,
    columns,
    row,
  });
const orders = table('orders');
const items = table('items');

const EXPORTS: { id: string; time: string; tables: Table[] }[] = [
  {
    id: 'e1',
    time: '2026-01-01T00:00:00Z',
    tables: [orders([id, total], ['1', "'1.00'"]), items([upperId, label], ['10', "'a'"])],
  },
  {
    id: 'e2',
    time: '2026-02-01T00:00:00Z',
    tables: [orders([id, note, total], ['2', "'n2'", "'2.00'"]), items([label, upperId], ["'b'", '20'])],
  },
  {
    id: 'e3',
    time: '2026-03-01T00:00:00Z',
    tables: [orders([total, id], ["'3.00'", '3']), items([label, upperId], ["'c'", '30'])],
  },
];

async function writeExport(tree: ExportTree, e: (typeof EXPORTS)[number]) {
  const status = (t: Table) =>
    tableStatus(
      t.target,
      t.columns.map((c) => ({ name: c.name, sql: '', glue: '', text: '', original: c.original })),
    );
  tree.text(
    `exports/${e.id}/export_tables_info_${e.id}_from_1_to_2.json`,
    JSON.stringify({ perTableStatus: e.tables.map(status) }),
  );
  for (const t of e.tables) {
    await writeRows(tree, `exports/${e.id}/${t.folder}/1/part-00000-a-c000.gz.parquet`, t.columns, [t.row]);
  }
}

describe('history tables across exports that add, drop and reorder columns', () => {
  let tree: ExportTree;
  let glue: ReturnType<typeof mockGlue>;
  let s3: ReturnType<typeof memoryS3>;
  let athena: LocalAthena;

  beforeAll(async () => {
    tree = await ExportTree.create();
    for (const e of EXPORTS) await writeExport(tree, e);
    glue = mockGlue();
    s3 = memoryS3(tree.objects());
    for (const e of EXPORTS) {
      const result = await registerExport(
        {
          bucket: 'b',
          prefix: 'exports',
          exportTaskIdentifier: e.id,
          snapshotTime: e.time,
          sourceIdentifier: 'shop',
          sourceKind: 'db-snapshot',
          engine: 'postgres',
        },
        { glue: glue.client, s3: s3.client, databasePrefix: 'rds_export_' },
      );
      expect(result.failed).toEqual([]);
    }
    athena = new LocalAthena(localCatalogOf(glue.memory), s3.client);
  });
  afterAll(async () => {
    await athena.close();
    glue.mock.restore();
    s3.mock.restore();
    tree.close();
  });

  it('reads every export of a renamed column with its own values, whichever columns came and went', async () => {
    const read = await athena.query(
      `SELECT export_id, id, order_total, note FROM "${DB}"."shop_public_orders_history" ORDER BY export_id`,
      [DB],
    );
    expect(read.rows).toEqual([
      ['e1', 1, '1.00', null],
      ['e2', 2, '2.00', 'n2'],
      ['e3', 3, '3.00', null],
    ]);
  });

  it('reads columns that only needed lowercasing by name, across a reorder', async () => {
    const read = await athena.query(
      `SELECT export_id, id, label FROM "${DB}"."shop_public_items_history" ORDER BY export_id`,
      [DB],
    );
    expect(read.rows).toEqual([
      ['e1', 10, 'a'],
      ['e2', 20, 'b'],
      ['e3', 30, 'c'],
    ]);
  });

  it('reads the history table by name and each renamed partition by its own positions', () => {
    const history = glue.memory.table(DB, 'shop_public_orders_history');
    expect(history?.StorageDescriptor?.SerdeInfo?.Parameters?.[INDEX_ACCESS]).toBeUndefined();
    expect(history?.StorageDescriptor?.Columns?.map((c) => c.Name)).toEqual(['order_total', 'id', 'note']);
    const partitions = glue.memory.partitions.get(`${DB}/shop_public_orders_history`) ?? [];
    expect(
      partitions.map((p) => [
        p.Values?.[0],
        p.StorageDescriptor?.Columns?.map((c) => c.Name),
        p.StorageDescriptor?.SerdeInfo?.Parameters?.[INDEX_ACCESS],
      ]),
    ).toEqual([
      ['e1', ['id', 'order_total'], 'true'],
      ['e2', ['id', 'note', 'order_total'], 'true'],
      ['e3', ['order_total', 'id'], 'true'],
    ]);
    const items = glue.memory.partitions.get(`${DB}/shop_public_items_history`) ?? [];
    expect(items.map((p) => p.StorageDescriptor?.SerdeInfo?.Parameters?.[INDEX_ACCESS])).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('reads the latest table, which holds one export, by position when a name was renamed', async () => {
    const read = await athena.query(`SELECT order_total, id FROM "${DB}"."shop_public_orders"`, [DB]);
    expect(read.rows).toEqual([['3.00', 3]]);
  });
});
