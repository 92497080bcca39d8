import type { EngineFamily, SourceDatabase } from '../databases/open.ts';
import { takeMysqlSnapshot } from './mysql-snapshot-tables.ts';

/**
 * How the export writes a column: the PostgreSQL and MySQL data type mapping tables of the export
 * guides (Aurora User Guide, "Data conversion when exporting to an Amazon S3 bucket"). `INT16` is
 * INT32 annotated INT_16; `DECIMAL` is INT32, INT64 or FIXED_LEN_BYTE_ARRAY by precision (MySQL);
 * `TIMESTAMP_MICROS` is INT64 (MySQL DATETIME and TIMESTAMP).
 */
export type ParquetKind =
  | 'INT64'
  | 'INT32'
  | 'INT16'
  | 'DOUBLE'
  | 'FLOAT'
  | 'BOOLEAN'
  | 'BINARY'
  | 'STRING'
  | 'DECIMAL'
  | 'TIMESTAMP_MICROS';

export interface SnapshotColumn {
  name: string;
  /** The server's name of the column type, e.g. `numeric(12,2)` (format_type), `bigint(20) unsigned` (COLUMN_TYPE). */
  originalType: string;
  kind: ParquetKind;
  charMaxLength?: number;
  /** For `DECIMAL` columns also the precision of the Parquet decimal. */
  numPrecision?: number;
  /** For `DECIMAL` columns the scale of the Parquet decimal. */
  numScale?: number;
  dateTimePrecision?: number;
}

/**
 * A cell as the export writer takes it: `DECIMAL` cells are the unscaled integer (12.34 in
 * DECIMAL(5,2) is 1234n), `TIMESTAMP_MICROS` cells microseconds since 1970-01-01 00:00 UTC.
 */
export type CellValue = string | number | bigint | boolean | Uint8Array | null;

export interface SnapshotTable {
  /** The PostgreSQL schema; for MySQL the database, as the export's `<database>.<table>` folder names it. */
  schema: string;
  name: string;
  /** `p` permanent, `u` unlogged, `t` temporary (pg_class.relpersistence); MySQL tables are `p`. */
  persistence: string;
  columns: SnapshotColumn[];
  rows: CellValue[][];
  /** What the copy could not keep as it was, e.g. zero dates written as NULL; reported with the export. */
  warnings?: string[];
}

/** A consistent copy of every user table, taken when the snapshot is created. */
export interface DatabaseSnapshot {
  database: string;
  family: EngineFamily;
  takenAt: Date;
  tables: SnapshotTable[];
}

// Base type (domains resolved only for the integer/float/bool/bytea check below) → Parquet kind.
// Enum, composite, range, domain and every other type become strings, as the mapping table says.
const KIND_BY_TYPE: Record<string, ParquetKind> = {
  int8: 'INT64',
  int4: 'INT32',
  int2: 'INT16',
  float8: 'DOUBLE',
  float4: 'FLOAT',
  bool: 'BOOLEAN',
  bytea: 'BINARY',
};

interface ColumnRow {
  schema: string;
  table: string;
  persistence: string;
  column: string;
  type: string;
  typname: string;
  typtype: string;
  char_max: number | null;
  num_precision: number | null;
  dt_precision: number | null;
}

const COLUMNS_SQL = `
SELECT n.nspname AS schema, c.relname AS table, c.relpersistence AS persistence, a.attname AS column,
       format_type(a.atttypid, a.atttypmod) AS type, t.typname, t.typtype,
       information_schema._pg_char_max_length(a.atttypid, a.atttypmod) AS char_max,
       information_schema._pg_numeric_precision(a.atttypid, a.atttypmod) AS num_precision,
       information_schema._pg_datetime_precision(a.atttypid, a.atttypmod) AS dt_precision
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
ORDER BY n.nspname, c.relname, a.attnum`;

function kindOf(row: ColumnRow): ParquetKind {
  // A domain is a string in the export whatever its base type (mapping table: DOMAIN → STRING).
  if (row.typtype !== 'b') return 'STRING';
  return KIND_BY_TYPE[row.typname] ?? 'STRING';
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Reads a column so that the value keeps full precision: 64-bit integers and floats travel as text,
 * and strings are the type's output function (`format('%s')`), not its cast to text, which would
 * drop char(n) padding and add netmasks to inet values.
 */
export function selectExpression(column: Pick<SnapshotColumn, 'name' | 'kind'>): string {
  const id = quoteIdent(column.name);
  switch (column.kind) {
    case 'INT32':
    case 'INT16':
    case 'BOOLEAN':
    case 'BINARY':
      return id;
    case 'STRING':
      return `CASE WHEN ${id} IS NULL THEN NULL ELSE format('%s', ${id}) END`;
    default:
      return `${id}::text`;
  }
}

function convert(value: unknown, kind: ParquetKind): CellValue {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'INT64':
      return BigInt(value as string);
    case 'DOUBLE':
    case 'FLOAT':
      return Number.parseFloat(value as string);
    case 'INT32':
    case 'INT16':
      return Number(value);
    case 'BOOLEAN':
      return Boolean(value);
    case 'BINARY':
      return value instanceof Uint8Array ? new Uint8Array(value) : new Uint8Array(Buffer.from(String(value)));
    default:
      return String(value);
  }
}

/**
 * Takes the snapshot: one REPEATABLE READ transaction reads the catalog and every table, so the copy
 * is consistent even while other sessions write (the point of a snapshot).
 */
export async function takeSnapshot(db: SourceDatabase): Promise<DatabaseSnapshot> {
  return db.family === 'mysql' ? takeMysqlSnapshot(db) : takePostgresSnapshot(db);
}

async function takePostgresSnapshot(db: SourceDatabase): Promise<DatabaseSnapshot> {
  await db.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL TimeZone = 'UTC'");
  try {
    const columnRows = await db.query<ColumnRow>(COLUMNS_SQL);
    const tables = new Map<string, SnapshotTable>();
    for (const row of columnRows) {
      const key = `${row.schema}\u0000${row.table}`;
      let table = tables.get(key);
      if (!table) {
        table = { schema: row.schema, name: row.table, persistence: row.persistence, columns: [], rows: [] };
        tables.set(key, table);
      }
      table.columns.push({
        name: row.column,
        originalType: row.type,
        kind: kindOf(row),
        ...(row.char_max === null ? {} : { charMaxLength: Number(row.char_max) }),
        ...(row.num_precision === null ? {} : { numPrecision: Number(row.num_precision) }),
        ...(row.dt_precision === null ? {} : { dateTimePrecision: Number(row.dt_precision) }),
      });
    }
    for (const table of tables.values()) {
      const select = table.columns.map((c, i) => `${selectExpression(c)} AS c${i}`).join(', ');
      const rows = await db.query<Record<string, unknown>>(
        `SELECT ${select} FROM ${quoteIdent(table.schema)}.${quoteIdent(table.name)}`,
      );
      table.rows = rows.map((r) => table.columns.map((c, i) => convert(r[`c${i}`], c.kind)));
    }
    return { database: db.name, family: 'postgres', takenAt: new Date(), tables: [...tables.values()] };
  } finally {
    await db.exec('COMMIT');
  }
}
