import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSampleData, openDatabase, type SourceDatabase } from '#local/databases/open.ts';
import { skipReason } from '#local/rds/export-writer.ts';
import { takeSnapshot } from '#local/rds/snapshot-tables.ts';

// Every PostgreSQL type of the mapping table (Aurora User Guide, PostgreSQL data type mapping to
// Parquet), as format_type() names it; user-defined enum, composite and domain types are checked apart.
const MAPPING_TABLE_TYPES = [
  'bigint',
  'numeric',
  'double precision',
  'integer',
  'money',
  'real',
  'smallint',
  'integer[]',
  'text[]',
  'bit(3)',
  'bit varying(16)',
  'bytea',
  'character(1)',
  'character(10)',
  'name',
  'text',
  'tsvector',
  'tsquery',
  'character varying(20)',
  'xml',
  'date',
  'interval',
  'time without time zone',
  'time with time zone',
  'timestamp without time zone',
  'timestamp with time zone',
  'box',
  'circle',
  'line',
  'lseg',
  'path',
  'point',
  'polygon',
  'json',
  'jsonb',
  'boolean',
  'cidr',
  'inet',
  'macaddr',
  'pg_lsn',
  'int4range',
  'tstzrange',
  'uuid',
];

let db: SourceDatabase;

beforeAll(async () => {
  db = await openDatabase();
  await loadSampleData(db);
}, 60_000);

afterAll(async () => {
  await db?.close();
});

describe('the sample database', () => {
  it('has a column of every type in the PostgreSQL mapping table, with the mapped Parquet kind', async () => {
    const snapshot = await takeSnapshot(db);
    const columns = snapshot.tables.flatMap((t) => t.columns);
    const types = new Set(columns.map((c) => c.originalType.replace(/^numeric\(.*\)$/, 'numeric')));
    expect(MAPPING_TABLE_TYPES.filter((t) => !types.has(t))).toEqual([]);
    const kind = (name: string) => columns.find((c) => c.name === name)?.kind;
    expect([kind('c_bigserial'), kind('c_smallserial'), kind('c_real'), kind('c_bytea')]).toEqual([
      'INT64',
      'INT16',
      'FLOAT',
      'BINARY',
    ]);
    // Enum, composite and domain columns (whatever the domain's base type) are strings.
    expect([kind('c_enum'), kind('c_composite'), kind('c_domain_int'), kind('c_domain_text')]).toEqual([
      'STRING',
      'STRING',
      'STRING',
      'STRING',
    ]);
  });

  it('has NULLs, Unicode and extreme values', async () => {
    const snapshot = await takeSnapshot(db);
    const numeric = snapshot.tables.find((t) => t.name === 'numeric_types');
    const values = numeric?.rows.flat() ?? [];
    expect(values).toEqual(
      expect.arrayContaining([9223372036854775807n, -9223372036854775808n, 5e-324, -2147483648, null]),
    );
    const text =
      snapshot.tables
        .find((t) => t.name === 'string_types')
        ?.rows.flat()
        .join(' ') ?? '';
    expect(text).toMatch(/日本語.*🎉/);
  });

  it('has tables each of the export skip rules applies to, and names that need sanitizing', async () => {
    const snapshot = await takeSnapshot(db);
    const skipped = snapshot.tables
      .filter((t) => skipReason(t) !== undefined)
      .map((t) => t.name)
      .sort();
    expect(skipped).toEqual([
      'in/out',
      'paren_column',
      'scratch_unlogged',
      'semicolon_column',
      'space in column',
    ]);
    const names = snapshot.tables.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['CustomerOrders', 'customerorders', 'Table$One']));
  });

  it('takes a consistent copy that later writes do not change', async () => {
    const before = await takeSnapshot(db);
    await db.exec("INSERT INTO shop.customers VALUES (99, 'After the snapshot', NULL, '2024-06-01')");
    const count = (s: typeof before) => s.tables.find((t) => t.name === 'customers')?.rows.length;
    expect(count(before)).toBe(5);
    expect(count(await takeSnapshot(db))).toBe(6);
    await db.exec('DELETE FROM shop.customers WHERE customer_id = 99');
  });
});
