import { gzipSync } from 'node:zlib';
import type { SchemaElement } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ParquetKind, SnapshotColumn, SnapshotTable } from './snapshot-tables.ts';

/**
 * The physical type of a Parquet DECIMAL of this precision: INT32 up to 9 digits, INT64 up to 18,
 * else the fewest bytes of FIXED_LEN_BYTE_ARRAY that hold 10^p - 1 in two's complement (Parquet
 * LogicalTypes.md, DECIMAL). That is why BIGINT UNSIGNED, DECIMAL(20,0), is FIXED_LEN_BYTE_ARRAY(9).
 */
export function decimalStorage(
  precision: number,
): { type: 'INT32' | 'INT64' } | { type: 'FIXED_LEN_BYTE_ARRAY'; typeLength: number } {
  if (precision <= 9) return { type: 'INT32' };
  if (precision <= 18) return { type: 'INT64' };
  let bytes = 1;
  while (2n ** BigInt(8 * bytes - 1) <= 10n ** BigInt(precision) - 1n) bytes++;
  return { type: 'FIXED_LEN_BYTE_ARRAY', typeLength: bytes };
}

const SIMPLE: Record<Exclude<ParquetKind, 'DECIMAL'>, Omit<SchemaElement, 'name'>> = {
  INT64: { type: 'INT64' },
  INT32: { type: 'INT32' },
  // INT(16,true) in the mapping table, spelled as its converted type INT_16 (the same annotation in
  // Parquet's LogicalTypes.md): hyparquet-writer 0.17 writes the IntType logical form with an i32
  // bit width where the format has an i8, and readers (DuckDB) refuse such a footer.
  INT16: { type: 'INT32', converted_type: 'INT_16' },
  DOUBLE: { type: 'DOUBLE' },
  FLOAT: { type: 'FLOAT' },
  BOOLEAN: { type: 'BOOLEAN' },
  BINARY: { type: 'BYTE_ARRAY' },
  STRING: { type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } },
  TIMESTAMP_MICROS: { type: 'INT64', converted_type: 'TIMESTAMP_MICROS' },
};

/** The Parquet schema element the export writes for a column (every column nullable). */
export function schemaElement(column: SnapshotColumn): SchemaElement {
  if (column.kind !== 'DECIMAL') {
    return { name: column.name, repetition_type: 'OPTIONAL', ...SIMPLE[column.kind] };
  }
  const precision = column.numPrecision ?? 0;
  const scale = column.numScale ?? 0;
  const storage = decimalStorage(precision);
  return {
    name: column.name,
    repetition_type: 'OPTIONAL',
    type: storage.type,
    ...('typeLength' in storage ? { type_length: storage.typeLength } : {}),
    converted_type: 'DECIMAL',
    precision,
    scale,
    logical_type: { type: 'DECIMAL', precision, scale },
  };
}

const gzip = (input: Uint8Array) => new Uint8Array(gzipSync(input));
const ROW_GROUP_ROWS = 100_000;

/**
 * Encodes a table as one GZIP Parquet file with exactly the physical and logical types of the MySQL
 * mapping table (which DuckDB's writer cannot produce: it stores every decimal above 18 digits in
 * 16 bytes). Decimal cells are unscaled integers, timestamp cells microseconds.
 */
export function encodeMysqlTable(table: SnapshotTable): Uint8Array {
  const schema: SchemaElement[] = [
    { name: 'schema', num_children: table.columns.length },
    ...table.columns.map(schemaElement),
  ];
  const columnData = table.columns.map((column, i) => ({
    name: column.name,
    data: table.rows.map((row) => row[i] ?? null),
  }));
  return new Uint8Array(
    parquetWriteBuffer({
      schema,
      columnData,
      codec: 'GZIP',
      compressors: { GZIP: gzip },
      rowGroupSize: ROW_GROUP_ROWS,
      createdBy: 'local-rds-export',
    }),
  );
}
