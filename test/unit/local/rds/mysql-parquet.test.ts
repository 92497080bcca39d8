import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadata } from 'hyparquet';
import { afterAll, describe, expect, it } from 'vitest';
import { decimalStorage, encodeMysqlTable } from '#local/rds/mysql-parquet.ts';
import { mysqlSnapshot } from '../fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'mysql-parquet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const table = () => {
  const found = mysqlSnapshot().tables[0];
  if (!found) throw new Error('fixture has no table');
  return found;
};

function footer(bytes: Uint8Array) {
  return parquetMetadata(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
  );
}

describe('the MySQL Parquet encoder', () => {
  it('stores a decimal in INT32, INT64 or the fewest bytes that hold its precision', () => {
    expect([5, 9, 10, 18].map((p) => decimalStorage(p).type)).toEqual(['INT32', 'INT32', 'INT64', 'INT64']);
    // Parquet LogicalTypes.md: 2^(8n-1) > 10^p - 1. BIGINT UNSIGNED is DECIMAL(20,0) in 9 bytes.
    expect([19, 20, 21, 22, 30, 38].map((p) => decimalStorage(p))).toEqual(
      [9, 9, 9, 10, 13, 16].map((typeLength) => ({ type: 'FIXED_LEN_BYTE_ARRAY', typeLength })),
    );
  });

  it('writes the physical and logical types of the MySQL mapping table, GZIP-compressed', () => {
    const metadata = footer(encodeMysqlTable(table()));
    const shape = Object.fromEntries(
      metadata.schema
        .slice(1)
        .map((e) => [
          e.name,
          [e.type, e.type_length ?? null, e.converted_type ?? null, e.precision ?? null, e.scale ?? null],
        ]),
    );
    expect(shape).toEqual({
      c_bigint: ['INT64', null, null, null, null],
      c_bigint_unsigned: ['FIXED_LEN_BYTE_ARRAY', 9, 'DECIMAL', 20, 0],
      c_decimal_5_2: ['INT32', null, 'DECIMAL', 5, 2],
      c_decimal_15_2: ['INT64', null, 'DECIMAL', 15, 2],
      c_decimal_38_10: ['FIXED_LEN_BYTE_ARRAY', 16, 'DECIMAL', 38, 10],
      c_numeric_65_30: ['BYTE_ARRAY', null, 'UTF8', null, null],
      c_double: ['DOUBLE', null, null, null, null],
      c_int: ['INT32', null, null, null, null],
      c_int_unsigned: ['INT64', null, null, null, null],
      c_tinyint_unsigned: ['INT32', null, 'INT_16', null, null],
      c_datetime6: ['INT64', null, 'TIMESTAMP_MICROS', null, null],
      c_blob: ['BYTE_ARRAY', null, null, null, null],
      c_varchar: ['BYTE_ARRAY', null, 'UTF8', null, null],
    });
    expect(metadata.schema.slice(1).every((e) => e.repetition_type === 'OPTIONAL')).toBe(true);
    expect(new Set(metadata.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.codec)))).toEqual(
      new Set(['GZIP']),
    );
  });

  it('writes values that another reader (DuckDB) reads back exactly, NULLs included', async () => {
    const file = join(dir, 'all_kinds.parquet');
    writeFileSync(file, encodeMysqlTable(table()));
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    try {
      const reader = await connection.runAndReadAll(
        `SELECT c_bigint::VARCHAR, c_bigint_unsigned::VARCHAR, c_decimal_5_2::VARCHAR, c_decimal_15_2::VARCHAR,
                c_decimal_38_10::VARCHAR, c_numeric_65_30, c_double::VARCHAR, c_int::VARCHAR, c_int_unsigned::VARCHAR,
                c_tinyint_unsigned::VARCHAR, strftime(c_datetime6, '%Y-%m-%d %H:%M:%S.%f'), hex(c_blob), c_varchar
         FROM read_parquet('${file}')`,
      );
      expect(reader.getRows()).toEqual([
        [
          '-9223372036854775808',
          '18446744073709551615',
          '-999.99',
          '9999999999999.99',
          '9999999999999999999999999999.9999999999',
          '-99999999999999999999999999999999999.999999999999999999999999999999',
          '-1.7976931348623157e+308',
          '-2147483648',
          '4294967295',
          '255',
          '2024-02-29 12:34:56.123456',
          '00FF10',
          'zoë 🎉',
        ],
        Array(13).fill(null),
      ]);
    } finally {
      connection.closeSync();
      db.closeSync();
    }
  });

  it('writes a table without rows as a file with its columns and no rows', () => {
    const empty = { ...table(), rows: [] };
    const metadata = footer(encodeMysqlTable(empty));
    expect(metadata.num_rows).toBe(0n);
    expect(metadata.schema.slice(1).map((e) => e.name)).toEqual(empty.columns.map((c) => c.name));
  });
});
