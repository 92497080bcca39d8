import type { SchemaElement } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { glueTypeOf } from '#functions/register-export/type-map.ts';

const el = (e: Partial<SchemaElement>): SchemaElement => ({ name: 'c', repetition_type: 'OPTIONAL', ...e });

describe('glueTypeOf', () => {
  it.each<[string, Partial<SchemaElement>, string]>([
    ['BOOLEAN', { type: 'BOOLEAN' }, 'boolean'],
    ['plain INT32', { type: 'INT32' }, 'int'],
    ['INT32 INT_16 (PostgreSQL smallint)', { type: 'INT32', converted_type: 'INT_16' }, 'smallint'],
    [
      'INT32 INT(16,true) (MySQL TINYINT UNSIGNED)',
      { type: 'INT32', logical_type: { type: 'INTEGER', bitWidth: 16, isSigned: true } },
      'smallint',
    ],
    [
      'INT32 INT(8,true)',
      { type: 'INT32', logical_type: { type: 'INTEGER', bitWidth: 8, isSigned: true } },
      'tinyint',
    ],
    ['INT32 INT_8', { type: 'INT32', converted_type: 'INT_8' }, 'tinyint'],
    ['INT32 UINT_8 widened', { type: 'INT32', converted_type: 'UINT_8' }, 'smallint'],
    ['INT32 UINT_16 widened', { type: 'INT32', converted_type: 'UINT_16' }, 'int'],
    ['INT32 UINT_32 widened', { type: 'INT32', converted_type: 'UINT_32' }, 'bigint'],
    [
      'INT32 INT(32,false) widened',
      { type: 'INT32', logical_type: { type: 'INTEGER', bitWidth: 32, isSigned: false } },
      'bigint',
    ],
    ['plain INT64', { type: 'INT64' }, 'bigint'],
    ['INT64 INT_64', { type: 'INT64', converted_type: 'INT_64' }, 'bigint'],
    ['FLOAT', { type: 'FLOAT' }, 'float'],
    ['DOUBLE', { type: 'DOUBLE' }, 'double'],
    [
      'BYTE_ARRAY STRING',
      { type: 'BYTE_ARRAY', logical_type: { type: 'STRING' }, converted_type: 'UTF8' },
      'string',
    ],
    ['BYTE_ARRAY UTF8 only', { type: 'BYTE_ARRAY', converted_type: 'UTF8' }, 'string'],
    ['BYTE_ARRAY ENUM', { type: 'BYTE_ARRAY', converted_type: 'ENUM' }, 'string'],
    ['BYTE_ARRAY JSON', { type: 'BYTE_ARRAY', logical_type: { type: 'JSON' } }, 'string'],
    ['BYTE_ARRAY without annotation (bytea, BLOB)', { type: 'BYTE_ARRAY' }, 'binary'],
    [
      'DECIMAL(9,2) on INT32',
      { type: 'INT32', converted_type: 'DECIMAL', precision: 9, scale: 2 },
      'decimal(9,2)',
    ],
    [
      'DECIMAL(18,4) on INT64',
      { type: 'INT64', logical_type: { type: 'DECIMAL', precision: 18, scale: 4 } },
      'decimal(18,4)',
    ],
    [
      'BIGINT UNSIGNED: FIXED_LEN_BYTE_ARRAY(9) DECIMAL(20,0)',
      { type: 'FIXED_LEN_BYTE_ARRAY', type_length: 9, converted_type: 'DECIMAL', precision: 20, scale: 0 },
      'decimal(20,0)',
    ],
    [
      'DECIMAL(38,10) on FIXED_LEN_BYTE_ARRAY(16)',
      {
        type: 'FIXED_LEN_BYTE_ARRAY',
        type_length: 16,
        logical_type: { type: 'DECIMAL', precision: 38, scale: 10 },
      },
      'decimal(38,10)',
    ],
    [
      'DECIMAL on BYTE_ARRAY',
      { type: 'BYTE_ARRAY', converted_type: 'DECIMAL', precision: 25, scale: 5 },
      'decimal(25,5)',
    ],
    ['INT64 TIMESTAMP_MICROS (DATETIME)', { type: 'INT64', converted_type: 'TIMESTAMP_MICROS' }, 'timestamp'],
    ['INT64 TIMESTAMP_MILLIS', { type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' }, 'timestamp'],
    [
      'INT64 TIMESTAMP(MICROS, UTC)',
      { type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' } },
      'timestamp',
    ],
    ['INT32 DATE', { type: 'INT32', converted_type: 'DATE' }, 'date'],
    ['INT96', { type: 'INT96' }, 'timestamp'],
    ['REQUIRED columns too', { type: 'INT32', repetition_type: 'REQUIRED' }, 'int'],
  ])('maps %s', (_label, e, expected) => {
    expect(glueTypeOf(el(e))).toEqual({ ok: true, type: expected });
  });

  it.each<[string, Partial<SchemaElement>, string]>([
    [
      'DECIMAL above Hive precision 38',
      { type: 'FIXED_LEN_BYTE_ARRAY', converted_type: 'DECIMAL', precision: 39, scale: 0 },
      "exceeds Hive's precision limit of 38",
    ],
    [
      'DECIMAL without precision',
      { type: 'INT32', converted_type: 'DECIMAL' },
      'DECIMAL without a precision',
    ],
    [
      'unsigned 64-bit integers',
      { type: 'INT64', converted_type: 'UINT_64' },
      'unsigned 64-bit integer has no Hive type',
    ],
    [
      'nanosecond timestamps',
      { type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'NANOS' } },
      'NANOS',
    ],
    ['TIME', { type: 'INT64', converted_type: 'TIME_MICROS' }, 'TIME has no Hive type'],
    ['BSON', { type: 'BYTE_ARRAY', converted_type: 'BSON' }, 'BYTE_ARRAY annotated BSON'],
    [
      'UUID on FIXED_LEN_BYTE_ARRAY',
      { type: 'FIXED_LEN_BYTE_ARRAY', logical_type: { type: 'UUID' } },
      'annotated UUID',
    ],
    ['nested groups', { num_children: 2 }, 'nested (group) column'],
    ['repeated columns', { type: 'INT32', repetition_type: 'REPEATED' }, 'repeated column'],
  ])('refuses %s with the reason', (_label, e, reason) => {
    const mapped = glueTypeOf(el(e));
    expect(mapped.ok).toBe(false);
    expect(mapped.ok ? '' : mapped.reason).toContain(reason);
  });
});
