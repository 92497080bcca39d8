import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type DuckDBAppender, type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { EngineFamily } from '../databases/open.ts';
import { encodeMysqlTable } from './mysql-parquet.ts';
import type {
  CellValue,
  DatabaseSnapshot,
  ParquetKind,
  SnapshotColumn,
  SnapshotTable,
} from './snapshot-tables.ts';

/** Where an export writes and what it exports (the StartExportTask request). */
export interface ExportTarget {
  exportTaskIdentifier: string;
  bucket: string;
  prefix: string;
  /** ExportOnly entries: `database`, `database.schema`, `database.schema.table` (PostgreSQL), `database.table` (MySQL). */
  exportOnly: string[];
}

export interface TableOutcome {
  target: string;
  status: 'COMPLETE' | 'SKIPPED';
  reason?: string;
  sizeBytes: number;
  rows: number;
  /** The exported columns (none for a skipped table), for the metadata files. */
  columns: SnapshotColumn[];
}

export interface ExportOutcome {
  tables: TableOutcome[];
  totalBytes: number;
  /**
   * The WarningMessage DescribeExportTasks reports for the task (JSON string), when tables were
   * skipped or values could not be kept as they were (`general`).
   */
  warningMessage?: string;
}

// DuckDB writes the PostgreSQL mapping's shapes; the MySQL-only kinds go to encodeMysqlTable.
type PostgresKind = Exclude<ParquetKind, 'DECIMAL' | 'TIMESTAMP_MICROS'>;

const DUCKDB_TYPE: Record<PostgresKind, string> = {
  INT64: 'BIGINT',
  INT32: 'INTEGER',
  INT16: 'SMALLINT',
  DOUBLE: 'DOUBLE',
  FLOAT: 'FLOAT',
  BOOLEAN: 'BOOLEAN',
  BINARY: 'BLOB',
  STRING: 'VARCHAR',
};

// Aurora User Guide, Limitations: tables whose column names contain these characters are skipped.
const FORBIDDEN_COLUMN_CHARACTERS = /[,;{}()\n\t= ]/;

/** Why the service would skip this table, or undefined when it exports it (Aurora User Guide, Limitations). */
export function skipReason(table: SnapshotTable): string | undefined {
  if (table.persistence === 'u') return 'UNLOGGED_TABLE: unlogged tables are not exported';
  if (table.persistence === 't') return 'TEMPORARY_TABLE: temporary tables are not exported';
  if (table.name.includes('/')) return 'INVALID_TABLE_NAME: table names with a slash are not exported';
  const bad = table.columns.find((c) => FORBIDDEN_COLUMN_CHARACTERS.test(c.name));
  if (bad)
    return `INVALID_COLUMN_NAME: column ${JSON.stringify(bad.name)} contains a character the export does not support`;
  return undefined;
}

/**
 * True when ExportOnly (empty = everything) selects the table: `database[.schema[.table]]` for
 * PostgreSQL, `database[.table]` for MySQL, whose databases are what PostgreSQL calls schemas.
 */
export function selected(
  database: string,
  table: SnapshotTable,
  exportOnly: string[],
  family: EngineFamily = 'postgres',
): boolean {
  if (exportOnly.length === 0) return true;
  return exportOnly.some((entry) => {
    const parts = entry.split('.');
    const [db, schema, name] = family === 'mysql' ? [parts[0], undefined, parts[1]] : parts;
    return (
      db === database &&
      (schema === undefined || schema === table.schema) &&
      (name === undefined || name === table.name)
    );
  });
}

/** The table's export target: `database.schema.table` (PostgreSQL), `database.table` (MySQL). */
export function targetOf(
  snapshot: Pick<DatabaseSnapshot, 'database' | 'family'>,
  table: SnapshotTable,
): string {
  return snapshot.family === 'mysql'
    ? `${snapshot.database}.${table.name}`
    : `${snapshot.database}.${table.schema}.${table.name}`;
}

// Aurora User Guide, Limitations: these characters in the S3 file path become underscores.
export function pathSafe(name: string): string {
  return name.replace(/[\\`" ]/g, '_');
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

const APPEND: Record<PostgresKind, (appender: DuckDBAppender, value: never) => void> = {
  INT64: (a, v: bigint) => a.appendBigInt(v),
  INT32: (a, v: number) => a.appendInteger(v),
  INT16: (a, v: number) => a.appendSmallInt(v),
  DOUBLE: (a, v: number) => a.appendDouble(v),
  FLOAT: (a, v: number) => a.appendFloat(v),
  BOOLEAN: (a, v: boolean) => a.appendBoolean(v),
  BINARY: (a, v: Uint8Array) => a.appendBlob(v),
  STRING: (a, v: string) => a.appendVarchar(v),
};

function postgresKind(column: SnapshotColumn): PostgresKind {
  if (column.kind === 'DECIMAL' || column.kind === 'TIMESTAMP_MICROS') {
    throw new Error(`column ${column.name}: ${column.kind} is a MySQL kind; the PostgreSQL mapping has none`);
  }
  return column.kind;
}

function append(appender: DuckDBAppender, kind: PostgresKind, value: CellValue): void {
  if (value === null) appender.appendNull();
  else APPEND[kind](appender, value as never);
}

/** Encodes a table as one GZIP Parquet file with the export's type mapping. */
interface ParquetEncoder {
  encode(table: SnapshotTable): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** PostgreSQL tables: DuckDB writes the PostgreSQL mapping's shapes through a staging table. */
async function duckdbEncoder(): Promise<ParquetEncoder> {
  const dir = await mkdtemp(join(tmpdir(), 'local-rds-export-'));
  const instance = await DuckDBInstance.create(':memory:');
  const connection: DuckDBConnection = await instance.connect();
  let index = 0;
  return {
    async encode(table) {
      const staging = `t${index++}`;
      const kinds = table.columns.map(postgresKind);
      // Positional staging names: DuckDB identifiers are case-insensitive, PostgreSQL ones are not.
      const columns = kinds.map((kind, i) => `c${i} ${DUCKDB_TYPE[kind]}`).join(', ');
      await connection.run(`CREATE TABLE ${staging} (${columns})`);
      const appender = await connection.createAppender(staging);
      for (const row of table.rows) {
        kinds.forEach((kind, i) => {
          append(appender, kind, row[i] ?? null);
        });
        appender.endRow();
      }
      appender.closeSync();
      const file = join(dir, `${staging}.parquet`);
      const select = table.columns.map((c, i) => `c${i} AS ${quote(c.name)}`).join(', ');
      await connection.run(
        `COPY (SELECT ${select} FROM ${staging}) TO '${file}' (FORMAT parquet, COMPRESSION gzip, ROW_GROUP_SIZE 100000)`,
      );
      await connection.run(`DROP TABLE ${staging}`);
      const bytes = new Uint8Array(await readFile(file));
      await rm(file, { force: true });
      return bytes;
    },
    async close() {
      connection.closeSync();
      instance.closeSync();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** MySQL tables: the MySQL mapping's exact shapes, which DuckDB cannot write (see mysql-parquet.ts). */
const mysqlEncoder: ParquetEncoder = {
  encode: async (table) => encodeMysqlTable(table),
  close: async () => {},
};

/**
 * Writes the snapshot's tables to S3 in the documented layout
 * (`<prefix>/<id>/<database>/<schema>.<table>/<batch>/part-00000-<uuid>-c000.gz.parquet`; for MySQL
 * `<database>/<database>.<table>/`), applying ExportOnly and the documented skip rules.
 */
export async function writeExportData(
  s3: Pick<S3Client, 'send'>,
  snapshot: DatabaseSnapshot,
  target: ExportTarget,
): Promise<ExportOutcome> {
  const root = exportRoot(target);
  const encoder = snapshot.family === 'mysql' ? mysqlEncoder : await duckdbEncoder();
  const tables: TableOutcome[] = [];
  const general: { reason: string }[] = [];
  try {
    for (const table of snapshot.tables) {
      if (!selected(snapshot.database, table, target.exportOnly, snapshot.family)) continue;
      const name = targetOf(snapshot, table);
      const reason = skipReason(table);
      if (reason) {
        tables.push({ target: name, status: 'SKIPPED', reason, sizeBytes: 0, rows: 0, columns: [] });
        continue;
      }
      const body = await encoder.encode(table);
      const key = `${root}${pathSafe(snapshot.database)}/${pathSafe(`${table.schema}.${table.name}`)}/1/part-00000-${randomUUID()}-c000.gz.parquet`;
      await s3.send(new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: body }));
      tables.push({
        target: name,
        status: 'COMPLETE',
        sizeBytes: body.length,
        rows: table.rows.length,
        columns: table.columns,
      });
      for (const warning of table.warnings ?? []) general.push({ reason: `${name}: ${warning}` });
    }
  } finally {
    await encoder.close();
  }
  const skipped = tables.filter((t) => t.status === 'SKIPPED');
  return {
    tables,
    totalBytes: tables.reduce((sum, t) => sum + t.sizeBytes, 0),
    ...(skipped.length === 0 && general.length === 0
      ? {}
      : {
          warningMessage: JSON.stringify({
            skippedTables: skipped.map((t) => ({ target: t.target, reason: t.reason })),
            skippedObjectives: [],
            general,
          }),
        }),
  };
}

/** `<prefix>/<id>/` (no leading slash when the prefix is empty). */
export function exportRoot(target: Pick<ExportTarget, 'prefix' | 'exportTaskIdentifier'>): string {
  const prefix = target.prefix.replace(/^\/+|\/+$/g, '');
  return `${prefix === '' ? '' : `${prefix}/`}${target.exportTaskIdentifier}/`;
}
