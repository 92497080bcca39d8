import type { SourceDatabase } from '../databases/open.ts';
import type {
  CellValue,
  DatabaseSnapshot,
  ParquetKind,
  SnapshotColumn,
  SnapshotTable,
} from './snapshot-tables.ts';

/** One row of information_schema.COLUMNS, as the snapshot reads it. */
export interface MysqlColumnRow {
  table_name: string;
  column_name: string;
  data_type: string;
  column_type: string;
  num_precision: string | number | null;
  num_scale: string | number | null;
  char_max: string | number | null;
  dt_precision: string | number | null;
}

// The MySQL / MariaDB mapping table of the export guides (RDS User Guide, "MySQL and MariaDB data type
// mapping to Parquet"). Types the table does not name (MariaDB's INET6, UUID, ...) are strings.
const BYTES = new Set([
  'bit',
  'binary',
  'varbinary',
  'tinyblob',
  'blob',
  'mediumblob',
  'longblob',
  'char',
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  // MySQL 8 names GEOMETRYCOLLECTION so in information_schema.
  'geomcollection',
]);
const INT32 = new Set(['int', 'integer', 'mediumint', 'smallint', 'tinyint', 'year']);
/** The mapping table writes a DECIMAL of more digits as a string (Hive's and Athena's decimals stop at 38). */
const MAX_DECIMAL_PRECISION = 38;

/** The Parquet kind (and, for decimals, precision and scale) the export writes for a MySQL column. */
export function mysqlColumnKind(
  row: Pick<MysqlColumnRow, 'data_type' | 'column_type' | 'num_precision' | 'num_scale'>,
): { kind: ParquetKind; numPrecision?: number; numScale?: number } {
  const type = row.data_type.toLowerCase();
  const unsigned = /\bunsigned\b/i.test(row.column_type);
  if (type === 'bigint')
    return unsigned ? { kind: 'DECIMAL', numPrecision: 20, numScale: 0 } : { kind: 'INT64' };
  if (type === 'int' || type === 'integer' || type === 'mediumint')
    return { kind: unsigned ? 'INT64' : 'INT32' };
  if (type === 'tinyint' && unsigned) return { kind: 'INT16' };
  if (INT32.has(type)) return { kind: 'INT32' };
  if (type === 'decimal' || type === 'numeric') {
    const precision = Number(row.num_precision);
    if (precision > MAX_DECIMAL_PRECISION) return { kind: 'STRING' };
    return { kind: 'DECIMAL', numPrecision: precision, numScale: Number(row.num_scale ?? 0) };
  }
  if (type === 'double' || type === 'float' || type === 'real' || type === 'double precision') {
    return { kind: 'DOUBLE' };
  }
  if (type === 'datetime' || type === 'timestamp') return { kind: 'TIMESTAMP_MICROS' };
  if (BYTES.has(type)) return { kind: 'BINARY' };
  return { kind: 'STRING' };
}

export function quoteMysqlIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/**
 * The SELECT expression that reads a column without loss: a FLOAT widened to DOUBLE in the server
 * (`+ 0E0`, which MySQL 5.7 also has, unlike CAST AS DOUBLE) carries every bit of the stored 32-bit
 * value, where the text protocol would print it with 6 digits. Every other type reads as it is.
 */
export function mysqlSelectExpression(column: Pick<MysqlColumnRow, 'column_name' | 'data_type'>): string {
  const id = quoteMysqlIdent(column.column_name);
  return column.data_type.toLowerCase() === 'float' ? `(${id} + 0E0)` : id;
}

const DATETIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

/** Days from 1970-01-01 to a proleptic Gregorian date, for any year (Date.UTC maps years 0–99 to 19xx). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * A DATETIME / TIMESTAMP as the server prints it → microseconds since 1970-01-01 00:00 UTC, or
 * `'zero'` for a zero date (`0000-00-00`, or a zero month or day), which no instant represents.
 */
export function datetimeMicros(text: string): bigint | 'zero' {
  const m = DATETIME.exec(text);
  if (!m) throw new Error(`not a MySQL DATETIME: ${text}`);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month === 0 || day === 0) return 'zero';
  const seconds =
    BigInt(daysFromCivil(year, month, day)) * 86_400n + BigInt(hour * 3600 + minute * 60 + second);
  return seconds * 1_000_000n + BigInt((m[7] ?? '').padEnd(6, '0'));
}

/** `-12.5` in DECIMAL(p,2) → -1250n: the unscaled integer the Parquet decimal stores. */
export function unscaledDecimal(text: string, scale: number): bigint {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m) throw new Error(`not a decimal: ${text}`);
  const fraction = (m[3] ?? '').padEnd(scale, '0');
  if (fraction.length > scale) throw new Error(`${text} has more than ${scale} decimal places`);
  return BigInt(`${m[1] === '-' ? '-' : ''}${m[2] || '0'}${fraction}`);
}

function convert(value: unknown, column: SnapshotColumn): CellValue | 'zero' {
  if (value === null || value === undefined) return null;
  switch (column.kind) {
    case 'INT64':
      return BigInt(String(value));
    case 'INT32':
    case 'INT16':
    case 'DOUBLE':
      return Number(value);
    case 'DECIMAL':
      return unscaledDecimal(String(value), column.numScale ?? 0);
    case 'TIMESTAMP_MICROS':
      return datetimeMicros(String(value));
    case 'BINARY':
      // CHAR is BYTE_ARRAY in the mapping table: its UTF-8 bytes; the others arrive as bytes.
      return value instanceof Uint8Array ? new Uint8Array(value) : new Uint8Array(Buffer.from(String(value)));
    default:
      return String(value);
  }
}

// information_schema compares names ignoring case; table names are case-sensitive on Linux
// (CustomerOrders and customerorders are two tables), hence the binary comparisons.
const COLUMNS_SQL = `
SELECT c.TABLE_NAME AS table_name, c.COLUMN_NAME AS column_name, c.DATA_TYPE AS data_type,
       c.COLUMN_TYPE AS column_type, c.NUMERIC_PRECISION AS num_precision, c.NUMERIC_SCALE AS num_scale,
       c.CHARACTER_MAXIMUM_LENGTH AS char_max, c.DATETIME_PRECISION AS dt_precision
FROM information_schema.COLUMNS c
JOIN information_schema.TABLES t
  ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND CAST(t.TABLE_NAME AS BINARY) = CAST(c.TABLE_NAME AS BINARY)
WHERE c.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
ORDER BY CAST(c.TABLE_NAME AS BINARY), c.ORDINAL_POSITION`;

const optionalNumber = (value: string | number | null) => (value === null ? undefined : Number(value));

function snapshotColumn(row: MysqlColumnRow): SnapshotColumn {
  const mapped = mysqlColumnKind(row);
  const precision = mapped.numPrecision ?? optionalNumber(row.num_precision);
  const scale = mapped.numScale ?? optionalNumber(row.num_scale);
  const charMax = optionalNumber(row.char_max);
  const dtPrecision = optionalNumber(row.dt_precision);
  return {
    name: row.column_name,
    originalType: row.column_type,
    kind: mapped.kind,
    ...(charMax === undefined ? {} : { charMaxLength: charMax }),
    ...(precision === undefined ? {} : { numPrecision: precision }),
    ...(scale === undefined ? {} : { numScale: scale }),
    ...(dtPrecision === undefined ? {} : { dateTimePrecision: dtPrecision }),
  };
}

/** Reads one table; zero dates in DATETIME / TIMESTAMP columns become NULL and a warning. */
async function readTable(db: SourceDatabase, table: SnapshotTable, rows: MysqlColumnRow[]): Promise<void> {
  const select = rows.map((r, i) => `${mysqlSelectExpression(r)} AS c${i}`).join(', ');
  const records = await db.query<Record<string, unknown>>(
    `SELECT ${select} FROM ${quoteMysqlIdent(table.schema)}.${quoteMysqlIdent(table.name)}`,
  );
  const zeroDates = new Map<string, number>();
  table.rows = records.map((record) =>
    table.columns.map((column, i) => {
      const cell = convert(record[`c${i}`], column);
      if (cell !== 'zero') return cell;
      zeroDates.set(column.name, (zeroDates.get(column.name) ?? 0) + 1);
      return null;
    }),
  );
  table.warnings = [...zeroDates].map(
    ([column, count]) =>
      `column ${column}: ${count} zero date(s) (a zero month or day, as in 0000-00-00) written as NULL: INT64 TIMESTAMP_MICROS has no zero date`,
  );
}

/**
 * Takes the snapshot of the connection's database: one REPEATABLE READ transaction WITH CONSISTENT
 * SNAPSHOT reads every base table (InnoDB), so the copy holds while other sessions write.
 */
export async function takeMysqlSnapshot(db: SourceDatabase): Promise<DatabaseSnapshot> {
  await db.exec('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  await db.exec('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
  try {
    const columnRows = await db.query<MysqlColumnRow>(COLUMNS_SQL);
    const byTable = new Map<string, MysqlColumnRow[]>();
    for (const row of columnRows) byTable.set(row.table_name, [...(byTable.get(row.table_name) ?? []), row]);
    const tables: SnapshotTable[] = [];
    for (const [name, rows] of byTable) {
      const table: SnapshotTable = {
        schema: db.name,
        name,
        persistence: 'p',
        columns: rows.map(snapshotColumn),
        rows: [],
      };
      await readTable(db, table, rows);
      tables.push(table);
    }
    return { database: db.name, family: 'mysql', takenAt: new Date(), tables };
  } finally {
    await db.exec('COMMIT');
  }
}
