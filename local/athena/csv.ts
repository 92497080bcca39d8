import type { GlueTable } from '../glue/server.ts';

/**
 * How the local engine reads a table stored with Hive's OpenCSVSerde the way Athena does (Athena
 * guide, "Open CSV SerDe for processing CSV"): columns by position, `skip.header.line.count` lines
 * skipped, quoted fields with the SerDe's quote character, every value read as text and converted
 * to the column's type; with `use.null.for.invalid.data`, text that does not convert (an empty
 * field in a numeric column) is NULL, while an empty string column stays an empty string.
 */

export const OPEN_CSV_SERDE = 'org.apache.hadoop.hive.serde2.OpenCSVSerde';

export function isOpenCsv(table: GlueTable): boolean {
  return table.StorageDescriptor?.SerdeInfo?.SerializationLibrary === OPEN_CSV_SERDE;
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * The SELECT that reads one CSV file as the table's columns (DuckDB types from `duckdbType`),
 * followed by `constants` (a partition's values).
 */
export function csvSelect(
  file: string,
  table: GlueTable,
  duckdbType: (glueType: string) => string,
  constants: readonly string[],
): string {
  const columns = table.StorageDescriptor?.Columns ?? [];
  const serde = table.StorageDescriptor?.SerdeInfo?.Parameters ?? {};
  const skip = Number(table.Parameters?.['skip.header.line.count'] ?? serde['skip.header.line.count'] ?? 0);
  const lenient = (table.Parameters?.['use.null.for.invalid.data'] ?? 'false').toLowerCase() === 'true';
  const names = columns.map((_, i) => `c${i}`);
  const read =
    `read_csv(${literal(file)}, header = false, skip = ${skip}, all_varchar = true, ` +
    `delim = ${literal(serde.separatorChar ?? ',')}, quote = ${literal(serde.quoteChar ?? '"')}, ` +
    `escape = ${literal(serde.quoteChar ?? '"')}, nullstr = ${literal('\u0001')}, ` +
    `columns = {${names.map((n) => `${literal(n)}: 'VARCHAR'`).join(', ')}})`;
  const select = columns.map((c, i) => {
    const type = duckdbType(c.Type ?? 'string');
    if (type === 'VARCHAR') return quote(`c${i}`);
    return `${lenient ? 'TRY_CAST' : 'CAST'}(${quote(`c${i}`)} AS ${type})`;
  });
  return `SELECT ${[...select, ...constants].join(', ')} FROM ${read}`;
}
