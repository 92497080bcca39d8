import type { SchemaElement } from 'hyparquet';

/** A Glue/Hive column type, or why a Parquet column has none Athena can read. */
export type MappedType = { ok: true; type: string } | { ok: false; reason: string };

const MAX_HIVE_DECIMAL_PRECISION = 38;

function decimal(precision: number | undefined, scale: number | undefined): MappedType {
  if (precision === undefined || precision < 1) return { ok: false, reason: 'DECIMAL without a precision' };
  if (precision > MAX_HIVE_DECIMAL_PRECISION) {
    return { ok: false, reason: `DECIMAL(${precision},${scale ?? 0}) exceeds Hive's precision limit of 38` };
  }
  return { ok: true, type: `decimal(${precision},${scale ?? 0})` };
}

/** Integer annotations: signed widths keep their Hive type; unsigned ones widen to the next type that holds them. */
function integer(bitWidth: number, isSigned: boolean): MappedType {
  if (isSigned) {
    if (bitWidth === 8) return { ok: true, type: 'tinyint' };
    if (bitWidth === 16) return { ok: true, type: 'smallint' };
    if (bitWidth === 32) return { ok: true, type: 'int' };
    if (bitWidth === 64) return { ok: true, type: 'bigint' };
  } else {
    if (bitWidth === 8) return { ok: true, type: 'smallint' };
    if (bitWidth === 16) return { ok: true, type: 'int' };
    if (bitWidth === 32) return { ok: true, type: 'bigint' };
    // No Hive integer holds 2^64-1; decimal(20,0) does, but Athena cannot coerce INT64 into it.
    if (bitWidth === 64) return { ok: false, reason: 'unsigned 64-bit integer has no Hive type' };
  }
  return { ok: false, reason: `integer of ${bitWidth} bits` };
}

const CONVERTED_INTEGERS: Record<string, [number, boolean]> = {
  INT_8: [8, true],
  INT_16: [16, true],
  INT_32: [32, true],
  INT_64: [64, true],
  UINT_8: [8, false],
  UINT_16: [16, false],
  UINT_32: [32, false],
  UINT_64: [64, false],
};

const STRING_ANNOTATIONS = new Set(['STRING', 'UTF8', 'ENUM', 'JSON']);

/**
 * Maps one Parquet leaf column to the Glue/Hive type Athena's Parquet reader accepts for it.
 * Logical types win over converted types (Parquet's rule); an unknown combination is refused, not guessed.
 */
export function glueTypeOf(el: SchemaElement): MappedType {
  const logical = el.logical_type;
  const converted = el.converted_type;
  if (el.num_children !== undefined && el.num_children > 0) {
    return { ok: false, reason: 'nested (group) column' };
  }
  if (el.repetition_type === 'REPEATED') return { ok: false, reason: 'repeated column' };
  if (logical?.type === 'DECIMAL' || converted === 'DECIMAL') {
    const precision = logical?.type === 'DECIMAL' ? logical.precision : el.precision;
    const scale = logical?.type === 'DECIMAL' ? logical.scale : el.scale;
    if (
      el.type === 'INT32' ||
      el.type === 'INT64' ||
      el.type === 'FIXED_LEN_BYTE_ARRAY' ||
      el.type === 'BYTE_ARRAY'
    ) {
      return decimal(precision, scale);
    }
    return { ok: false, reason: `DECIMAL on ${el.type}` };
  }
  switch (el.type) {
    case 'BOOLEAN':
      return { ok: true, type: 'boolean' };
    case 'FLOAT':
      return { ok: true, type: 'float' };
    case 'DOUBLE':
      return { ok: true, type: 'double' };
    case 'INT96':
      return { ok: true, type: 'timestamp' };
    case 'INT32':
    case 'INT64':
      return intColumn(el);
    case 'BYTE_ARRAY':
      if (logical === undefined && converted === undefined) return { ok: true, type: 'binary' };
      if (STRING_ANNOTATIONS.has(logical?.type ?? '') || STRING_ANNOTATIONS.has(converted ?? '')) {
        return { ok: true, type: 'string' };
      }
      return { ok: false, reason: `BYTE_ARRAY annotated ${logical?.type ?? converted}` };
    case 'FIXED_LEN_BYTE_ARRAY':
      if (logical === undefined && converted === undefined) return { ok: true, type: 'binary' };
      return { ok: false, reason: `FIXED_LEN_BYTE_ARRAY annotated ${logical?.type ?? converted}` };
    default:
      return { ok: false, reason: `Parquet type ${el.type ?? '(none)'}` };
  }
}

function intColumn(el: SchemaElement): MappedType {
  const logical = el.logical_type;
  const converted = el.converted_type;
  const plain: MappedType = { ok: true, type: el.type === 'INT32' ? 'int' : 'bigint' };
  if (logical?.type === 'INTEGER') return integer(logical.bitWidth, logical.isSigned);
  if (logical?.type === 'DATE' || converted === 'DATE') {
    return el.type === 'INT32' ? { ok: true, type: 'date' } : { ok: false, reason: 'DATE on INT64' };
  }
  if (logical?.type === 'TIMESTAMP') {
    if (el.type !== 'INT64') return { ok: false, reason: 'TIMESTAMP on INT32' };
    return logical.unit === 'NANOS'
      ? { ok: false, reason: 'TIMESTAMP(NANOS) is not readable as a Hive timestamp' }
      : { ok: true, type: 'timestamp' };
  }
  if (converted === 'TIMESTAMP_MICROS' || converted === 'TIMESTAMP_MILLIS') {
    return el.type === 'INT64'
      ? { ok: true, type: 'timestamp' }
      : { ok: false, reason: `${converted} on INT32` };
  }
  if (logical?.type === 'TIME' || converted === 'TIME_MILLIS' || converted === 'TIME_MICROS') {
    return { ok: false, reason: 'TIME has no Hive type' };
  }
  if (logical !== undefined) return { ok: false, reason: `${el.type} annotated ${logical.type}` };
  if (converted === undefined) return plain;
  const width = CONVERTED_INTEGERS[converted];
  if (width === undefined) return { ok: false, reason: `${el.type} annotated ${converted}` };
  return integer(width[0], width[1]);
}
