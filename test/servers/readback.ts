import type { Connection } from 'mysql2/promise';
import type { LocalAthena } from '#local/athena/engine.ts';
import type { GlueTable } from '#local/glue/server.ts';

/**
 * Both sides of "the registered tables return the source values exactly", as comparable text: the
 * values the MySQL server holds, read with SQL of their own (not the export's code), and the values
 * Athena (DuckDB over the Glue definitions) reads from the exported files.
 */
type Shape = 'bytes' | 'instant' | 'integer' | 'float' | 'text';

const BYTES =
  /^(bit|binary|varbinary|tinyblob|blob|mediumblob|longblob|char|geometry|point|linestring|polygon|multipoint|multilinestring|multipolygon|geometrycollection|geomcollection)$/;

const INTEGERS = /^(tinyint|smallint|mediumint|int|integer|year)$/;

function sourceShape(dataType: string, columnType: string): Shape {
  if (BYTES.test(dataType)) return 'bytes';
  if (dataType === 'datetime' || dataType === 'timestamp') return 'instant';
  if (dataType === 'float' || dataType === 'double') return 'float';
  if (INTEGERS.test(dataType)) return 'integer';
  // BIGINT UNSIGNED is a DECIMAL(20,0) in the export: compared as its digits.
  if (dataType === 'bigint') return /unsigned/.test(columnType) ? 'text' : 'integer';
  return 'text';
}

function glueShape(type: string): Shape {
  if (type === 'binary') return 'bytes';
  if (type === 'timestamp') return 'instant';
  if (type === 'double' || type === 'float') return 'float';
  if (['tinyint', 'smallint', 'int', 'bigint'].includes(type)) return 'integer';
  return 'text';
}

function normalize(shape: Shape, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (shape === 'integer') return BigInt(String(value)).toString();
  if (shape === 'float') return String(Number(value));
  return String(value);
}

const quote = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/**
 * The table's rows as the server holds them: bytes as hex, DATETIME / TIMESTAMP with microseconds
 * (NULL for zero dates, which the export writes as NULL), FLOAT and DOUBLE through the binary
 * protocol (the stored bits, where the text protocol prints 6 digits), everything else as text.
 */
export async function sourceRows(connection: Connection, database: string, table: string): Promise<string[]> {
  const [columns] = (await connection.execute(
    `SELECT COLUMN_NAME AS name, DATA_TYPE AS dataType, COLUMN_TYPE AS columnType FROM information_schema.COLUMNS
     WHERE TABLE_SCHEMA = ? AND CAST(TABLE_NAME AS BINARY) = CAST(? AS BINARY) ORDER BY ORDINAL_POSITION`,
    [database, table],
  )) as unknown as [{ name: string; dataType: string; columnType: string }[]];
  const shapes = columns.map((c) => sourceShape(c.dataType, c.columnType));
  const select = columns.map((c, i) => {
    const id = quote(c.name);
    switch (shapes[i]) {
      case 'bytes':
        return `HEX(CAST(${id} AS BINARY))`;
      case 'instant':
        return `CASE WHEN MONTH(${id}) = 0 OR DAYOFMONTH(${id}) = 0 THEN NULL ELSE DATE_FORMAT(${id}, '%Y-%m-%d %H:%i:%s.%f') END`;
      case 'float':
        return id;
      default:
        return `CAST(${id} AS CHAR)`;
    }
  });
  const [rows] = (await connection.execute({
    sql: `SELECT ${select.join(', ')} FROM ${quote(database)}.${quote(table)}`,
    rowsAsArray: true,
  })) as unknown as [unknown[][]];
  return rows.map((row) => JSON.stringify(row.map((v, i) => normalize(shapes[i] ?? 'text', v)))).sort();
}

/** The rows Athena reads from the exported files through the table's registered Glue columns. */
export async function athenaRows(athena: LocalAthena, glue: GlueTable): Promise<string[]> {
  const columns = glue.StorageDescriptor?.Columns ?? [];
  const shapes = columns.map((c) => glueShape(c.Type ?? 'string'));
  const select = columns.map((c, i) => {
    const id = `"${c.Name}"`;
    switch (shapes[i]) {
      case 'bytes':
        return `hex(${id})`;
      case 'instant':
        return `strftime(${id}, '%Y-%m-%d %H:%M:%S.%f')`;
      case 'float':
        return id;
      default:
        return `CAST(${id} AS VARCHAR)`;
    }
  });
  const { rows } = await athena.query(
    `SELECT ${select.join(', ')} FROM "${glue.DatabaseName}"."${glue.Name}"`,
    [glue.DatabaseName],
  );
  return rows.map((row) => JSON.stringify(row.map((v, i) => normalize(shapes[i] ?? 'text', v)))).sort();
}
