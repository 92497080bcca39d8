import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ColumnType, LabelTable, PlannedCell, PlannedColumn } from './export-plan.ts';
import type { TypedValue } from './property-graph.ts';

/**
 * Writes an export's label tables as the service does ("Structure of exported files"): a file set
 * per vertex label and per edge label, each label's files in a folder of their own and sharing one
 * schema, several files per label (the export writes in parallel). CSV in the loader's format
 * (header `~id`, `~label`, `~from`, `~to`, `name:Type`, `name:Type[]` for lists, values of a list
 * separated by `;`), or Parquet with typed columns, LIST columns for lists, and the footer
 * metadata the loader reads for Any, Date and DateTime columns ("Using Parquet data").
 */

/** Rows per file: small, so every label of the sample has files of more than one writer. */
const ROWS_PER_FILE = 2;

const DUCKDB_TYPE: Record<ColumnType, string> = {
  Bool: 'BOOLEAN',
  Byte: 'TINYINT',
  Short: 'SMALLINT',
  Int: 'INTEGER',
  Long: 'BIGINT',
  Float: 'FLOAT',
  Double: 'DOUBLE',
  String: 'VARCHAR',
  Date: 'DATE',
  DateTime: 'TIMESTAMP',
  Any: 'VARCHAR',
};

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
const text = (s: string) => `'${s.replace(/'/g, "''")}'`;

function literal(value: TypedValue): string {
  switch (value.type) {
    case 'Bool':
      return value.value ? 'TRUE' : 'FALSE';
    case 'String':
      return text(String(value.value));
    case 'Date':
      return `DATE ${text(String(value.value))}`;
    case 'DateTime':
      return `TIMESTAMP ${text(String(value.value).replace('T', ' ').replace('Z', ''))}`;
    default:
      return `CAST(${text(String(value.value))} AS ${DUCKDB_TYPE[value.type]})`;
  }
}

function sqlCell(cell: PlannedCell, column: PlannedColumn): string {
  if (cell === null) return 'NULL';
  if (typeof cell === 'string') return text(cell);
  if (Array.isArray(cell)) return `[${cell.map(literal).join(', ')}]::${DUCKDB_TYPE[column.type]}[]`;
  return literal(cell);
}

function systemColumns(table: LabelTable): string[] {
  return table.kind === 'vertex' ? ['~id', '~label'] : ['~id', '~from', '~to', '~label'];
}

function systemValues(table: LabelTable, row: LabelTable['rows'][number]): string[] {
  return table.kind === 'vertex'
    ? [row.id, table.label]
    : [row.id, row.from ?? '', row.to ?? '', table.label];
}

/** The loader's footer metadata: which columns are Any, Date or DateTime ("Using Parquet data"). */
function footerMetadata(columns: readonly PlannedColumn[]): string {
  const of = (type: ColumnType) => JSON.stringify(columns.filter((c) => c.type === type).map((c) => c.name));
  return `{anyTypeColumns: ${text(of('Any'))}, dateTypeColumns: ${text(of('Date'))}, dateTimeTypeColumns: ${text(of('DateTime'))}}`;
}

async function parquetFile(table: LabelTable, rows: LabelTable['rows'], dir: string, db: DuckDBInstance) {
  const connection = await db.connect();
  try {
    const system = systemColumns(table).map((c) => `${quote(c)} VARCHAR`);
    const properties = table.columns.map(
      (c) => `${quote(c.name)} ${DUCKDB_TYPE[c.type]}${c.list ? '[]' : ''}`,
    );
    const name = `t_${randomUUID().replace(/-/g, '')}`;
    await connection.run(`CREATE TABLE ${name} (${[...system, ...properties].join(', ')})`);
    const values = rows.map(
      (row) =>
        `(${[...systemValues(table, row).map(text), ...row.cells.map((cell, i) => sqlCell(cell, table.columns[i] as PlannedColumn))].join(', ')})`,
    );
    if (values.length > 0) await connection.run(`INSERT INTO ${name} VALUES ${values.join(', ')}`);
    const file = join(dir, `${name}.parquet`);
    await connection.run(
      `COPY ${name} TO '${file}' (FORMAT parquet, COMPRESSION snappy, KV_METADATA ${footerMetadata(table.columns)})`,
    );
    return new Uint8Array(await readFile(file));
  } finally {
    connection.closeSync();
  }
}

/** A CSV field: quoted when it holds a separator, a quote or a line break; quotes doubled. */
function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A value as the loader writes it: booleans and numbers as text, dates ISO 8601, `;` escaped in lists. */
function csvValue(value: TypedValue): string {
  return String(value.value);
}

function csvCell(cell: PlannedCell): string {
  if (cell === null) return '';
  if (typeof cell === 'string') return cell;
  if (Array.isArray(cell)) return cell.map((x) => csvValue(x).replace(/;/g, '\\;')).join(';');
  return csvValue(cell);
}

function csvFile(table: LabelTable, rows: LabelTable['rows']): Uint8Array {
  const header = [
    ...systemColumns(table),
    ...table.columns.map((c) => `${c.name.replace(/:/g, '\\:')}:${c.type}${c.list ? '[]' : ''}`),
  ];
  const lines = [
    header.map(csvField).join(','),
    ...rows.map((row) => [...systemValues(table, row), ...row.cells.map(csvCell)].map(csvField).join(',')),
  ];
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

/** The folder a label's files go to: the label, with characters unsafe in a key segment replaced. */
function folder(label: string): string {
  return label.replace(/[^\p{L}\p{N}._-]+/gu, '_') || '_';
}

export interface WrittenExport {
  keys: string[];
  vertices: number;
  edges: number;
}

/** Writes every label table under `root` (`<prefix>/<task id>/`) and returns what it wrote. */
export async function writeGraphExport(
  s3: Pick<S3Client, 'send'>,
  bucket: string,
  root: string,
  tables: readonly LabelTable[],
  format: 'PARQUET' | 'CSV',
): Promise<WrittenExport> {
  const dir = await mkdtemp(join(tmpdir(), 'local-graph-export-'));
  const db = format === 'PARQUET' ? await DuckDBInstance.create(':memory:') : undefined;
  const written: WrittenExport = { keys: [], vertices: 0, edges: 0 };
  try {
    for (const table of tables) {
      const kind = table.kind === 'vertex' ? 'vertices' : 'edges';
      if (table.kind === 'vertex') written.vertices += table.rows.length;
      else written.edges += table.rows.length;
      for (let i = 0, part = 0; i < table.rows.length; i += ROWS_PER_FILE, part++) {
        const rows = table.rows.slice(i, i + ROWS_PER_FILE);
        const suffix = format === 'PARQUET' ? 'parquet' : 'csv';
        const key = `${root}${kind}/${folder(table.label)}/part-${String(part).padStart(5, '0')}-${randomUUID()}.${suffix}`;
        const body = db ? await parquetFile(table, rows, dir, db) : csvFile(table, rows);
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
        written.keys.push(key);
      }
    }
    return written;
  } finally {
    db?.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}
