import { describe, expect, it } from 'vitest';
import {
  datetimeMicros,
  mysqlColumnKind,
  mysqlSelectExpression,
  unscaledDecimal,
} from '#local/rds/mysql-snapshot-tables.ts';

/** information_schema.COLUMNS: DATA_TYPE, COLUMN_TYPE, NUMERIC_PRECISION, NUMERIC_SCALE. */
const column = (
  data_type: string,
  column_type = data_type,
  num_precision: number | null = null,
  num_scale = 0,
) => ({
  data_type,
  column_type,
  num_precision,
  num_scale,
});

describe('the MySQL snapshot', () => {
  // Every row of the MySQL and MariaDB → Parquet mapping table (RDS User Guide, "Exporting DB
  // snapshot data to Amazon S3", MySQL and MariaDB data type mapping to Parquet).
  it.each([
    ['BIGINT', column('bigint', 'bigint(20)'), { kind: 'INT64' }],
    [
      'BIGINT UNSIGNED',
      column('bigint', 'bigint(20) unsigned', 20),
      { kind: 'DECIMAL', numPrecision: 20, numScale: 0 },
    ],
    [
      'DECIMAL(5,2)',
      column('decimal', 'decimal(5,2)', 5, 2),
      { kind: 'DECIMAL', numPrecision: 5, numScale: 2 },
    ],
    [
      'NUMERIC(38,10)',
      column('decimal', 'decimal(38,10)', 38, 10),
      { kind: 'DECIMAL', numPrecision: 38, numScale: 10 },
    ],
    ['DECIMAL(39,0), precision above 38', column('decimal', 'decimal(39,0)', 39), { kind: 'STRING' }],
    ['DOUBLE', column('double'), { kind: 'DOUBLE' }],
    ['FLOAT', column('float'), { kind: 'DOUBLE' }],
    ['INT', column('int', 'int(11)'), { kind: 'INT32' }],
    ['MEDIUMINT', column('mediumint', 'mediumint(9)'), { kind: 'INT32' }],
    ['SMALLINT', column('smallint', 'smallint(6)'), { kind: 'INT32' }],
    ['TINYINT', column('tinyint', 'tinyint(4)'), { kind: 'INT32' }],
    ['SMALLINT UNSIGNED', column('smallint', 'smallint(5) unsigned'), { kind: 'INT32' }],
    ['INT UNSIGNED', column('int', 'int(10) unsigned'), { kind: 'INT64' }],
    ['MEDIUMINT UNSIGNED', column('mediumint', 'mediumint(8) unsigned'), { kind: 'INT64' }],
    ['TINYINT UNSIGNED', column('tinyint', 'tinyint(3) unsigned'), { kind: 'INT16' }],
    ['BIT', column('bit', 'bit(10)'), { kind: 'BINARY' }],
    ['BINARY', column('binary', 'binary(4)'), { kind: 'BINARY' }],
    ['VARBINARY', column('varbinary', 'varbinary(16)'), { kind: 'BINARY' }],
    ['BLOB', column('blob'), { kind: 'BINARY' }],
    ['LONGBLOB', column('longblob'), { kind: 'BINARY' }],
    ['CHAR', column('char', 'char(10)'), { kind: 'BINARY' }],
    ['GEOMETRY', column('geometry'), { kind: 'BINARY' }],
    ['POINT', column('point'), { kind: 'BINARY' }],
    ['GEOMETRYCOLLECTION (MySQL 8 spelling)', column('geomcollection'), { kind: 'BINARY' }],
    ['VARCHAR', column('varchar', 'varchar(40)'), { kind: 'STRING' }],
    ['TEXT', column('text'), { kind: 'STRING' }],
    ['ENUM', column('enum', "enum('a','b')"), { kind: 'STRING' }],
    ['SET', column('set', "set('a','b')"), { kind: 'STRING' }],
    ['JSON', column('json'), { kind: 'STRING' }],
    ['DATE', column('date'), { kind: 'STRING' }],
    ['TIME', column('time', 'time(6)'), { kind: 'STRING' }],
    ['DATETIME', column('datetime', 'datetime(6)'), { kind: 'TIMESTAMP_MICROS' }],
    ['TIMESTAMP', column('timestamp'), { kind: 'TIMESTAMP_MICROS' }],
    ['YEAR', column('year', 'year(4)'), { kind: 'INT32' }],
  ])('maps %s to the Parquet kind of the mapping table', (_, row, expected) => {
    expect(mysqlColumnKind(row)).toEqual(expected);
  });

  it('reads FLOAT widened to DOUBLE in the server, so every bit of the stored value arrives', () => {
    expect(mysqlSelectExpression({ column_name: 'c`f', data_type: 'float' })).toBe('(`c``f` + 0E0)');
    expect(mysqlSelectExpression({ column_name: 'Order-Id', data_type: 'int' })).toBe('`Order-Id`');
  });

  it('turns a DATETIME into microseconds since 1970 for any year, before 1970 and in year 0000 too', () => {
    expect(datetimeMicros('2024-02-29 12:34:56.123456')).toBe(1709210096123456n);
    expect(datetimeMicros('1970-01-01 00:00:00')).toBe(0n);
    expect(datetimeMicros('1969-12-31 23:59:59.999999')).toBe(-1n);
    expect(datetimeMicros('2000-01-01 00:00:00.5')).toBe(946684800500000n);
    expect(datetimeMicros('9999-12-31 23:59:59.999999')).toBe(253402300799999999n);
    // Year 0000 is 1 BC in the proleptic Gregorian calendar Parquet timestamps count in.
    expect(datetimeMicros('0000-01-01 00:00:00')).toBe(-62167219200000000n);
  });

  it('recognises zero dates: a zero month or day has no instant', () => {
    for (const zero of ['0000-00-00 00:00:00', '2024-00-15 10:00:00', '2024-02-00 10:00:00.250000']) {
      expect(datetimeMicros(zero)).toBe('zero');
    }
  });

  it('turns a DECIMAL into the unscaled integer of its scale', () => {
    expect(unscaledDecimal('-999.99', 2)).toBe(-99999n);
    expect(unscaledDecimal('0.00', 2)).toBe(0n);
    expect(unscaledDecimal('-0.0000000001', 10)).toBe(-1n);
    expect(unscaledDecimal('18446744073709551615', 0)).toBe(18446744073709551615n);
    expect(unscaledDecimal('9999999999999999999999999999.9999999999', 10)).toBe(
      99999999999999999999999999999999999999n,
    );
    expect(() => unscaledDecimal('1.234', 2)).toThrow(/more than 2 decimal places/);
  });
});
