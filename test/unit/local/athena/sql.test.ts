import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdbTypeOf, toDuckDbSql } from '#local/athena/sql.ts';

let db: DuckDBInstance;
beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:');
});
afterAll(() => db.closeSync());

/** Runs one Athena expression over a text value through the translation; returns DuckDB's text. */
async function athena(expression: string, value: string | null): Promise<string | null> {
  const conn = await db.connect();
  try {
    await conn.run("SET TimeZone = 'UTC'");
    const literal = value === null ? 'CAST(NULL AS VARCHAR)' : `'${value.replace(/'/g, "''")}'`;
    const sql = toDuckDbSql(`SELECT CAST(${expression} AS varchar) FROM (SELECT ${literal} AS "c") t`);
    const row = (await conn.runAndReadAll(sql)).getRowsJS()[0];
    return (row?.[0] ?? null) as string | null;
  } finally {
    conn.closeSync();
  }
}

describe('the Athena → DuckDB translation of the typed views', () => {
  it.each([
    ['decimal(12,2)', '1234.50', '1234.50'],
    ['decimal(12,2)', '1e2', '100.00'],
    ['decimal(12,2)', 'NaN', null],
    ['decimal(12,2)', ' 1', null],
    ['date', '2024-02-29', '2024-02-29'],
    ['date', 'infinity', null],
    ['date', '2024-02-30', null],
    ['timestamp(6)', '2024-02-29 12:34:56.123456', '2024-02-29 12:34:56.123456'],
    ['timestamp(6)', '2024-02-29T12:34:56', null],
    ['timestamp(6)', '-infinity', null],
    ['timestamp(3)', '2024-02-29 12:34:56.1235', '2024-02-29 12:34:56.124'],
    ['timestamp(6) with time zone', '2024-02-29 12:34:56.5+05:30', '2024-02-29 07:04:56.5+00'],
    ['timestamp(6) with time zone', '2024-02-29 12:34:56', null],
    ['integer', '+42', '42'],
    ['integer', '4.2', null],
    ['double', 'NaN', 'nan'],
    ['boolean', 'T', 'true'],
    ['boolean', 'yes', null],
  ])('try_cast(%s) of %j is what Trino gives: %j', async (type, value, expected) => {
    expect(await athena(`try_cast("c" AS ${type})`, value)).toBe(expected);
  });

  it('parses a flat PostgreSQL array and turns anything else into NULL', async () => {
    const array =
      `CASE WHEN NOT regexp_like("c", '^\\{[^{}"]*\\}$') THEN NULL WHEN "c" = '{}' THEN CAST(ARRAY[] AS array(integer)) ` +
      `ELSE transform(split(substr("c", 2, length("c") - 2), ','), x -> try_cast(x AS integer)) END`;
    expect(await athena(array, '{1,NULL,-3}')).toBe('[1, NULL, -3]');
    expect(await athena(array, '{}')).toBe('[]');
    expect(await athena(array, '{{1,2},{3,4}}')).toBeNull();
    expect(await athena(array, null)).toBeNull();
  });

  it('gives a timestamp a zone with with_timezone, and names the types DuckDB uses', async () => {
    expect(await athena(`with_timezone(CAST("c" AS timestamp(6)), 'UTC')`, '2024-01-01 00:00:00')).toBe(
      '2024-01-01 00:00:00+00',
    );
    expect(duckdbTypeOf('array(decimal(6,2))')).toBe('DECIMAL(6,2)[]');
    expect(duckdbTypeOf('timestamp(3) with time zone')).toBe('TIMESTAMP WITH TIME ZONE');
    expect(() => duckdbTypeOf('interval day to second')).toThrow(/no DuckDB type/);
  });
});
