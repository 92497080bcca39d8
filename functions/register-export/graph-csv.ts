import type { TableStorage } from './glue-tables.ts';
import type { FileColumn } from './schema.ts';

/**
 * A graph exported as CSV is in the Neptune loader's format ("Structure of exported files": the
 * Gremlin CSV format of "Using CSV data"): a header of system columns (`~id`, `~label`, `~from`,
 * `~to`) and properties `name:Type`, `name:Type[]` (several values, separated by `;`) or
 * `name:Type(set)`, the type names not case sensitive, a `:` in a name escaped as `\:`.
 *
 * Athena reads the files with the OpenCSVSerDe (Athena guide, "Open CSV SerDe for processing CSV"),
 * the SerDe for quoted fields (a string holding a comma is quoted). It reads columns by position
 * and converts BOOLEAN, BIGINT, INT and DOUBLE from their text; it reads DATE and TIMESTAMP only as
 * UNIX numbers and no arrays, so Date, DateTime, Any and every list stay strings (each column's
 * comment is the loader header it came from). An empty field of a numeric column does not parse, and
 * the export writes a missing value as an empty field: `use.null.for.invalid.data` reads it as NULL.
 */

export const CSV_STORAGE: TableStorage = {
  InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
  OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
  SerializationLibrary: 'org.apache.hadoop.hive.serde2.OpenCSVSerde',
  classification: 'csv',
  serdeParameters: { separatorChar: ',', quoteChar: '"', escapeChar: '\\' },
  tableParameters: { 'skip.header.line.count': '1', 'use.null.for.invalid.data': 'true' },
};

/** Loader type (lowercase) → the type Athena's OpenCSVSerDe reads it as. */
const CSV_HIVE_TYPES: Readonly<Record<string, string>> = {
  bool: 'boolean',
  boolean: 'boolean',
  byte: 'int',
  short: 'int',
  int: 'int',
  long: 'bigint',
  float: 'double',
  double: 'double',
  string: 'string',
};

export const SYSTEM_COLUMNS = ['~id', '~label', '~from', '~to'] as const;

export interface HeaderColumn extends FileColumn {
  /** The header cell as the export wrote it: the column's comment. */
  header: string;
}

/** One header cell → the column's name, its Hive type and the header as comment. */
export function headerColumn(cell: string): HeaderColumn {
  if ((SYSTEM_COLUMNS as readonly string[]).includes(cell))
    return { name: cell, type: 'string', header: cell };
  // The type follows the last `:` that is not escaped; a header without one is a String.
  const match = /^(.*?)(?<!\\):([^:]*)$/.exec(cell);
  const name = (match?.[1] ?? cell).replace(/\\:/g, ':');
  const typeText = (match?.[2] ?? 'String').trim();
  const list = /\[\]$/.test(typeText) || /\(set\)$/i.test(typeText);
  const base = typeText.replace(/\[\]$|\((single|set)\)$/i, '').toLowerCase();
  const type = list ? 'string' : (CSV_HIVE_TYPES[base] ?? 'string');
  return { name, type, header: cell };
}

/**
 * The records of a CSV text (RFC 4180: `"` quotes a field, `""` is a quote inside it). The last
 * record is left out unless the text ends with a line break: a sample of the start of a file may
 * end inside it.
 */
export function csvRecords(text: string, complete: boolean): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (complete && (field !== '' || record.length > 0)) records.push([...record, field]);
  return records;
}
