import type { DatabaseSnapshot } from '#local/rds/snapshot-tables.ts';
import type { StoredSnapshot } from '#local/rds/snapshots.ts';

/** A small database copy with one column of every Parquet kind, plus tables the export skips. */
export function sampleSnapshot(): DatabaseSnapshot {
  return {
    database: 'appdb',
    family: 'postgres',
    takenAt: new Date('2024-05-01T06:10:00Z'),
    tables: [
      {
        schema: 'public',
        name: 'all_kinds',
        persistence: 'p',
        columns: [
          { name: 'c_bigint', originalType: 'bigint', kind: 'INT64' },
          { name: 'c_integer', originalType: 'integer', kind: 'INT32' },
          { name: 'c_smallint', originalType: 'smallint', kind: 'INT16' },
          { name: 'c_double', originalType: 'double precision', kind: 'DOUBLE' },
          { name: 'c_real', originalType: 'real', kind: 'FLOAT' },
          { name: 'c_boolean', originalType: 'boolean', kind: 'BOOLEAN' },
          { name: 'c_bytea', originalType: 'bytea', kind: 'BINARY' },
          { name: 'c_numeric', originalType: 'numeric(12,2)', kind: 'STRING', numPrecision: 12 },
        ],
        rows: [
          [9223372036854775807n, -2147483648, 32767, 1.5e308, 1.5, true, new Uint8Array([0, 255]), '12.34'],
          [null, null, null, null, null, null, null, null],
        ],
      },
      {
        schema: 'public',
        name: 'scratch',
        persistence: 'u',
        columns: [{ name: 'id', originalType: 'integer', kind: 'INT32' }],
        rows: [[1]],
      },
      {
        schema: 'public',
        name: 'a/b',
        persistence: 'p',
        columns: [{ name: 'id', originalType: 'integer', kind: 'INT32' }],
        rows: [[1]],
      },
      {
        schema: 'public',
        name: 'spaced',
        persistence: 'p',
        columns: [{ name: 'first name', originalType: 'text', kind: 'STRING' }],
        rows: [['x']],
      },
      {
        schema: 'other',
        name: 'Mixed Case',
        persistence: 'p',
        columns: [{ name: 'id', originalType: 'integer', kind: 'INT32' }],
        rows: [[7]],
      },
    ],
  };
}

export function storedSnapshot(identifier = 'appdb-snap-1'): StoredSnapshot {
  return {
    kind: 'db-snapshot',
    identifier,
    arn: `arn:aws:rds:us-east-1:123456789012:snapshot:${identifier}`,
    sourceIdentifier: 'appdb',
    snapshotType: 'manual',
    engine: 'postgres',
    engineVersion: '16.4',
    data: sampleSnapshot(),
  };
}

/**
 * A MySQL database copy (schema = database, as the snapshot reads it) with a column of each MySQL
 * kind, the extreme values of the mapping table, a zero-date warning, and a table the export skips.
 */
export function mysqlSnapshot(): DatabaseSnapshot {
  return {
    database: 'shop',
    family: 'mysql',
    takenAt: new Date('2024-05-01T06:10:00Z'),
    tables: [
      {
        schema: 'shop',
        name: 'all_kinds',
        persistence: 'p',
        columns: [
          { name: 'c_bigint', originalType: 'bigint(20)', kind: 'INT64' },
          {
            name: 'c_bigint_unsigned',
            originalType: 'bigint(20) unsigned',
            kind: 'DECIMAL',
            numPrecision: 20,
            numScale: 0,
          },
          {
            name: 'c_decimal_5_2',
            originalType: 'decimal(5,2)',
            kind: 'DECIMAL',
            numPrecision: 5,
            numScale: 2,
          },
          {
            name: 'c_decimal_15_2',
            originalType: 'decimal(15,2)',
            kind: 'DECIMAL',
            numPrecision: 15,
            numScale: 2,
          },
          {
            name: 'c_decimal_38_10',
            originalType: 'decimal(38,10)',
            kind: 'DECIMAL',
            numPrecision: 38,
            numScale: 10,
          },
          { name: 'c_numeric_65_30', originalType: 'decimal(65,30)', kind: 'STRING', numPrecision: 65 },
          { name: 'c_double', originalType: 'double', kind: 'DOUBLE' },
          { name: 'c_int', originalType: 'int(11)', kind: 'INT32' },
          { name: 'c_int_unsigned', originalType: 'int(10) unsigned', kind: 'INT64' },
          { name: 'c_tinyint_unsigned', originalType: 'tinyint(3) unsigned', kind: 'INT16' },
          {
            name: 'c_datetime6',
            originalType: 'datetime(6)',
            kind: 'TIMESTAMP_MICROS',
            dateTimePrecision: 6,
          },
          { name: 'c_blob', originalType: 'blob', kind: 'BINARY' },
          { name: 'c_varchar', originalType: 'varchar(20)', kind: 'STRING', charMaxLength: 20 },
        ],
        rows: [
          [
            -9223372036854775808n,
            18446744073709551615n,
            -99999n,
            999999999999999n,
            99999999999999999999999999999999999999n,
            '-99999999999999999999999999999999999.999999999999999999999999999999',
            -1.7976931348623157e308,
            -2147483648,
            4294967295n,
            255,
            // 2024-02-29 12:34:56.123456 UTC
            1709210096123456n,
            new Uint8Array([0, 255, 16]),
            'zoë 🎉',
          ],
          [null, null, null, null, null, null, null, null, null, null, null, null, null],
        ],
        warnings: ['column c_datetime6: 1 zero date(s) written as NULL'],
      },
      {
        schema: 'shop',
        name: 'orders',
        persistence: 'p',
        columns: [{ name: 'id', originalType: 'bigint(20)', kind: 'INT64' }],
        rows: [[1n]],
      },
      {
        schema: 'shop',
        name: 'semi;colon',
        persistence: 'p',
        columns: [{ name: 'a;b', originalType: 'text', kind: 'STRING' }],
        rows: [['x']],
      },
    ],
  };
}
