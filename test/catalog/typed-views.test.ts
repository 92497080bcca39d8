import { CreateTableCommand, UpdateTableCommand } from '@aws-sdk/client-glue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerExport } from '#functions/register-export/register.ts';
import { LocalAthena } from '#local/athena/engine.ts';
import { ExportTree, tableStatus, type ValuesColumn, writeRows } from './export-tree.ts';
import { mockGlue } from './glue-mock.ts';
import { localCatalogOf } from './local-catalog.ts';
import { memoryS3 } from './memory-s3.ts';

/**
 * Values as PostgreSQL prints them into an export (the PostgreSQL → Parquet mapping table, seed 002:
 * DECIMAL, DATE, TIMESTAMP, TIMESTAMPTZ, ARRAY and the rest are UTF-8 strings; the session runs in
 * UTC, so timestamptz prints with `+00`), and what each column must read as through the typed view:
 * the DuckDB type of the view column and each value rendered as text by DuckDB.
 */
type Case = ValuesColumn & { cells: string[]; type: string; expected: (string | null)[] };

const v = (text: string) => `'${text.replace(/'/g, "''")}'`;
const PG: Case[] = [
  {
    name: 'id',
    fileType: 'BIGINT',
    original: { originalType: 'bigint' },
    cells: ['1', '2', '3', '4'],
    type: 'BIGINT',
    expected: ['1', '2', '3', '4'],
  },
  {
    name: 'amount',
    fileType: 'VARCHAR',
    original: { originalType: 'numeric', originalNumPrecision: 12, originalNumScale: 2 },
    cells: [v('1234.50'), v('-0.01'), 'NULL', v('NaN')],
    type: 'DECIMAL(12,2)',
    expected: ['1234.50', '-0.01', null, null],
  },
  {
    name: 'wide',
    fileType: 'VARCHAR',
    original: { originalType: 'numeric(38,10)', originalNumPrecision: 38 },
    cells: [v('9999999999999999999999999999.9999999999'), v('-0.0000000001'), v('0.0000000000'), 'NULL'],
    type: 'DECIMAL(38,10)',
    expected: ['9999999999999999999999999999.9999999999', '-0.0000000001', '0.0000000000', null],
  },
  {
    name: 'unconstrained',
    fileType: 'VARCHAR',
    original: { originalType: 'numeric' },
    cells: [v('1e-40'), v('NaN'), v('123456789012345678901234567890.123456789'), 'NULL'],
    type: 'VARCHAR',
    expected: ['1e-40', 'NaN', '123456789012345678901234567890.123456789', null],
  },
  {
    name: 'born',
    fileType: 'VARCHAR',
    original: { originalType: 'date' },
    cells: [v('2024-02-29'), v('0001-01-01'), v('infinity'), 'NULL'],
    type: 'DATE',
    expected: ['2024-02-29', '0001-01-01', null, null],
  },
  {
    name: 'created',
    fileType: 'VARCHAR',
    original: { originalType: 'timestamp without time zone', originalDateTimePrecision: 6 },
    cells: [
      v('2024-02-29 12:34:56.123456'),
      v('4713-01-01 00:00:00 BC'),
      v('-infinity'),
      v('2000-01-01 00:00:00'),
    ],
    type: 'TIMESTAMP',
    expected: ['2024-02-29 12:34:56.123456', null, null, '2000-01-01 00:00:00'],
  },
  {
    name: 'created_ms',
    fileType: 'VARCHAR',
    original: { originalType: 'timestamp(3) without time zone', originalDateTimePrecision: 3 },
    cells: [v('2024-02-29 12:34:56.123'), v('1999-12-31 23:59:59.999'), 'NULL', v('2024-02-29 12:34:56')],
    type: 'TIMESTAMP',
    expected: ['2024-02-29 12:34:56.123', '1999-12-31 23:59:59.999', null, '2024-02-29 12:34:56'],
  },
  {
    name: 'at',
    fileType: 'VARCHAR',
    original: { originalType: 'timestamp with time zone', originalDateTimePrecision: 6 },
    cells: [
      v('2024-02-29 12:34:56.123456+00'),
      v('1970-01-01 00:00:00+00'),
      v('infinity'),
      v('2024-06-01 10:00:00+05:30'),
    ],
    type: 'TIMESTAMP WITH TIME ZONE',
    expected: ['2024-02-29 12:34:56.123456+00', '1970-01-01 00:00:00+00', null, '2024-06-01 04:30:00+00'],
  },
  {
    name: 'ints',
    fileType: 'VARCHAR',
    original: { originalType: 'integer[]' },
    cells: [v('{1,2,3}'), v('{}'), v('{{1,2},{3,4}}'), v('{1,NULL,-3}')],
    type: 'INTEGER[]',
    expected: ['[1, 2, 3]', '[]', null, '[1, NULL, -3]'],
  },
  {
    name: 'prices',
    fileType: 'VARCHAR',
    original: { originalType: 'numeric(6,2)[]' },
    cells: [v('{1.50,-2.00}'), 'NULL', v('{NaN}'), v('{}')],
    type: 'DECIMAL(6,2)[]',
    expected: ['[1.50, -2.00]', null, '[NULL]', '[]'],
  },
  {
    name: 'tags',
    fileType: 'VARCHAR',
    original: { originalType: 'text[]' },
    cells: [v('{"a b",ç,NULL}'), v('{}'), 'NULL', v('{x}')],
    type: 'VARCHAR',
    expected: ['{"a b",ç,NULL}', '{}', null, '{x}'],
  },
  {
    name: 'doc',
    fileType: 'VARCHAR',
    original: { originalType: 'jsonb' },
    cells: [v('{"a": [true, null, "ü"], "b": 1}'), v('"just a string"'), 'NULL', v('[]')],
    type: 'VARCHAR',
    expected: ['{"a": [true, null, "ü"], "b": 1}', '"just a string"', null, '[]'],
  },
  {
    name: 'span',
    fileType: 'VARCHAR',
    original: { originalType: 'interval' },
    cells: [v('1 year 2 mons 3 days 04:05:06.789'), v('-178000000 years'), v('00:00:00'), 'NULL'],
    type: 'VARCHAR',
    expected: ['1 year 2 mons 3 days 04:05:06.789', '-178000000 years', '00:00:00', null],
  },
  {
    name: 'price',
    fileType: 'VARCHAR',
    original: { originalType: 'money' },
    cells: [v('$3.99'), v('-$92,233,720,368,547,758.08'), 'NULL', v('$0.00')],
    type: 'VARCHAR',
    expected: ['$3.99', '-$92,233,720,368,547,758.08', null, '$0.00'],
  },
  {
    name: 'flag',
    fileType: 'BOOLEAN',
    original: { originalType: 'boolean' },
    cells: ['true', 'false', 'NULL', 'true'],
    type: 'BOOLEAN',
    expected: ['true', 'false', null, 'true'],
  },
];

/** MySQL: DATE and JSON are strings, DATETIME and TIMESTAMP Parquet timestamps (REFERENCE §4). */
const MYSQL: Case[] = [
  {
    name: 'd',
    fileType: 'VARCHAR',
    original: { originalType: 'date' },
    cells: [v('2024-02-29'), v('0000-00-00'), 'NULL', v('1000-01-01')],
    type: 'DATE',
    expected: ['2024-02-29', null, null, '1000-01-01'],
  },
  {
    name: 'dt',
    fileType: 'TIMESTAMP',
    original: { originalType: 'datetime(6)' },
    cells: [v('2024-02-29 12:34:56.123'), 'NULL', v('1970-01-01 00:00:00'), v('9999-12-31 23:59:59')],
    type: 'TIMESTAMP',
    expected: ['2024-02-29 12:34:56.123', null, '1970-01-01 00:00:00', '9999-12-31 23:59:59'],
  },
  {
    name: 'ts',
    fileType: 'TIMESTAMP',
    original: { originalType: 'timestamp' },
    cells: [v('2024-02-29 12:34:56.123'), 'NULL', v('1970-01-01 00:00:01'), v('2038-01-19 03:14:07')],
    type: 'TIMESTAMP WITH TIME ZONE',
    expected: ['2024-02-29 12:34:56.123+00', null, '1970-01-01 00:00:01+00', '2038-01-19 03:14:07+00'],
  },
  {
    name: 'js',
    fileType: 'VARCHAR',
    original: { originalType: 'json' },
    cells: [v('{"a": [1, 2]}'), 'NULL', v('null'), v('"x"')],
    type: 'VARCHAR',
    expected: ['{"a": [1, 2]}', null, 'null', '"x"'],
  },
  {
    name: 't',
    fileType: 'VARCHAR',
    original: { originalType: 'time' },
    cells: [v('838:59:59'), v('-12:00:00'), 'NULL', v('00:00:00')],
    type: 'VARCHAR',
    expected: ['838:59:59', '-12:00:00', null, '00:00:00'],
  },
];

const rows = (cases: Case[]) => (cases[0]?.cells ?? []).map((_, r) => cases.map((c) => c.cells[r] ?? 'NULL'));

async function writeExport(
  tree: ExportTree,
  exportId: string,
  target: string,
  folder: string,
  cases: Case[],
) {
  const status = tableStatus(
    target,
    cases.map((c) => ({
      name: c.name,
      sql: '',
      glue: '',
      text: '',
      ...(c.original ? { original: c.original } : {}),
    })),
  );
  tree.text(
    `x/${exportId}/export_tables_info_${exportId}_from_1_to_1.json`,
    JSON.stringify({ perTableStatus: [status] }),
  );
  await writeRows(tree, `x/${exportId}/${folder}/1/part-00000-a-c000.gz.parquet`, cases, rows(cases));
}

async function typedRead(athena: LocalAthena, database: string, view: string, cases: Case[]) {
  const select = cases.map((c) => `CAST("${c.name}" AS VARCHAR)`).join(', ');
  const order = cases.some((c) => c.name === 'id') ? ' ORDER BY "id"' : '';
  const types = await athena.query(`SELECT * FROM "${database}"."${view}" LIMIT 0`, [database]);
  const read = await athena.query(`SELECT ${select} FROM "${database}"."${view}"${order}`, [database]);
  return { columns: types.columns, types: types.types, rows: read.rows };
}

/** One export of the sample written, registered by the real code into an in-memory Glue, and an engine over it. */
async function registeredSample(
  exportId: string,
  table: string,
  location: string,
  cases: Case[],
  source: { sourceIdentifier: string; engine: string },
) {
  const tree = await ExportTree.create();
  await writeExport(tree, exportId, table, location, cases);
  const glue = mockGlue();
  const s3 = memoryS3(tree.objects());
  await registerExport(
    {
      bucket: 'b',
      prefix: 'x',
      exportTaskIdentifier: exportId,
      snapshotTime: '2026-01-01T00:00:00Z',
      sourceKind: 'db-snapshot',
      ...source,
    },
    { glue: glue.client, s3: s3.client, databasePrefix: 'rds_export_' },
  );
  return { tree, glue, s3, athena: new LocalAthena(localCatalogOf(glue.memory), s3.client) };
}

async function closeSample(sample: Awaited<ReturnType<typeof registeredSample>>) {
  await sample.athena.close();
  sample.glue.mock.restore();
  sample.s3.mock.restore();
  sample.tree.close();
}

describe('typed views over a PostgreSQL export of every type', () => {
  const DB = 'rds_export_db_shop';
  let tree: ExportTree;
  let glue: ReturnType<typeof mockGlue>;
  let s3: ReturnType<typeof memoryS3>;
  let athena: LocalAthena;

  beforeAll(async () => {
    ({ tree, glue, s3, athena } = await registeredSample(
      'exp-1',
      'shop.public.all_types',
      'shop/public.all_types',
      PG,
      {
        sourceIdentifier: 'shop',
        engine: 'postgres',
      },
    ));
  });
  afterAll(() => closeSample({ tree, glue, s3, athena }));

  it('stores each view the way Athena does: VIRTUAL_VIEW, presto_view, a base64 Presto View definition', () => {
    const view = glue.memory.table(DB, 'shop_public_all_types_typed');
    expect(view).toMatchObject({
      TableType: 'VIRTUAL_VIEW',
      ViewExpandedText: '/* Presto View */',
      Parameters: { presto_view: 'true', comment: 'Presto View' },
    });
    const text = view?.ViewOriginalText ?? '';
    expect(text).toMatch(/^\/\* Presto View: [A-Za-z0-9+/=]+ \*\/$/);
    const definition = JSON.parse(Buffer.from(text.slice(16, -3), 'base64').toString('utf8'));
    expect(Object.keys(definition)).toEqual(['originalSql', 'catalog', 'schema', 'columns']);
    expect(definition.catalog).toBe('awsdatacatalog');
    expect(definition.schema).toBe(DB);
    expect(definition.originalSql).toContain('try_cast("amount" AS decimal(12,2)) AS "amount"');
    expect(definition.originalSql).toContain(`FROM "${DB}"."shop_public_all_types"`);
    const types = Object.fromEntries(
      definition.columns.map((c: { name: string; type: string }) => [c.name, c.type]),
    );
    expect(types).toMatchObject({
      id: 'bigint',
      amount: 'decimal(12,2)',
      born: 'date',
      created: 'timestamp(6)',
      created_ms: 'timestamp(3)',
      at: 'timestamp(6) with time zone',
      ints: 'array(integer)',
      tags: 'varchar',
    });
  });

  it('reads every value back with its source type: decimals to their scale, microseconds, NULLs', async () => {
    const read = await typedRead(athena, DB, 'shop_public_all_types_typed', PG);
    expect(read.columns).toEqual(PG.map((c) => c.name));
    expect(Object.fromEntries(read.columns.map((c, i) => [c, read.types[i]]))).toEqual(
      Object.fromEntries(PG.map((c) => [c.name, c.type])),
    );
    PG.forEach((c, i) => {
      expect({ column: c.name, values: read.rows.map((r) => r[i] ?? null) }).toEqual({
        column: c.name,
        values: c.expected,
      });
    });
  });

  it('says in the comment of each column what it was cast from, or why it stays a string', () => {
    const comments = Object.fromEntries(
      (glue.memory.table(DB, 'shop_public_all_types_typed')?.StorageDescriptor?.Columns ?? []).map((c) => [
        c.Name,
        c.Comment,
      ]),
    );
    expect(comments.amount).toBe('numeric(12,2) → decimal(12,2); a value that does not parse is NULL');
    expect(comments.unconstrained).toMatch(/^numeric: stays a string: numeric without a declared precision/);
    expect(comments.span).toMatch(/^interval: stays a string: /);
    expect(comments.price).toMatch(/^money: stays a string: /);
    expect(comments.tags).toMatch(/^text\[\]: stays a string: arrays of text quote their elements/);
    expect(comments.doc).toMatch(/JSON text/);
  });

  it('gives the history view the same types, with each export as its partition columns', async () => {
    const history = await typedRead(athena, DB, 'shop_public_all_types_history_typed', PG);
    expect(history.types.slice(0, PG.length)).toEqual(PG.map((c) => c.type));
    expect(history.columns.slice(PG.length)).toEqual(['export_id', 'snapshot_time']);
    expect(history.rows.map((r) => r[1])).toEqual(PG.find((c) => c.name === 'amount')?.expected);
  });

  it('writes no view again when the same export or a next export with the same columns is registered', async () => {
    const writes = () =>
      glue.mock
        .calls()
        .filter((c) => c.args[0] instanceof CreateTableCommand || c.args[0] instanceof UpdateTableCommand)
        .map((c) => (c.args[0].input as { TableInput?: { Name?: string } }).TableInput?.Name ?? '')
        .filter((name) => name.endsWith('_typed'));
    const before = writes().length;
    await writeExport(tree, 'exp-2', 'shop.public.all_types', 'shop/public.all_types', PG);
    const s3b = memoryS3(tree.objects());
    const base = {
      bucket: 'b',
      prefix: 'x',
      sourceIdentifier: 'shop',
      sourceKind: 'db-snapshot',
      engine: 'postgres',
    };
    const deps = { glue: glue.client, s3: s3b.client, databasePrefix: 'rds_export_' };
    await registerExport(
      { ...base, exportTaskIdentifier: 'exp-1', snapshotTime: '2026-01-01T00:00:00Z' },
      deps,
    );
    const next = await registerExport(
      { ...base, exportTaskIdentifier: 'exp-2', snapshotTime: '2026-01-02T00:00:00Z' },
      deps,
    );
    expect(writes().length).toBe(before);
    expect(next.typedViews).toEqual({ count: 2, written: 0 });
    s3b.mock.restore();
  });
});

describe('typed views over a MySQL export', () => {
  const DB = 'rds_export_db_app';
  let tree: ExportTree;
  let glue: ReturnType<typeof mockGlue>;
  let s3: ReturnType<typeof memoryS3>;
  let athena: LocalAthena;

  beforeAll(async () => {
    ({ tree, glue, s3, athena } = await registeredSample('exp-m', 'app.events', 'app/app.events', MYSQL, {
      sourceIdentifier: 'app',
      engine: 'mysql',
    }));
  });
  afterAll(() => closeSample({ tree, glue, s3, athena }));

  it('types DATE strings as dates, TIMESTAMP (stored in UTC) with its zone, and keeps TIME and JSON as text', async () => {
    const read = await typedRead(athena, DB, 'app_events_typed', MYSQL);
    expect(read.types).toEqual(MYSQL.map((c) => c.type));
    const byColumn = Object.fromEntries(MYSQL.map((c, i) => [c.name, read.rows.map((r) => r[i] ?? null)]));
    for (const c of MYSQL) expect(new Set(byColumn[c.name])).toEqual(new Set(c.expected));
    const comments = Object.fromEntries(
      (glue.memory.table(DB, 'app_events_typed')?.StorageDescriptor?.Columns ?? []).map((c) => [
        c.Name,
        c.Comment,
      ]),
    );
    expect(comments.ts).toBe(
      'timestamp → timestamp(3) with time zone (UTC); Athena reads it to the millisecond',
    );
    expect(comments.t).toMatch(/MySQL TIME spans ±838 hours/);
  });
});
