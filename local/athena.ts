import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import type { GlueCatalog, GlueTable } from './glue.ts';

/** Hive/Glue column type → DuckDB type; unknown types fall back to VARCHAR. */
export function duckdbType(glueType: string): string {
  const t = glueType.trim().toLowerCase();
  const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(t);
  if (decimal) return `DECIMAL(${decimal[1]}, ${decimal[2]})`;
  const map: Record<string, string> = {
    string: 'VARCHAR',
    bigint: 'BIGINT',
    int: 'INTEGER',
    integer: 'INTEGER',
    smallint: 'SMALLINT',
    tinyint: 'TINYINT',
    double: 'DOUBLE',
    float: 'FLOAT',
    boolean: 'BOOLEAN',
    binary: 'BLOB',
    date: 'DATE',
    timestamp: 'TIMESTAMP',
  };
  return map[t] ?? (t.startsWith('varchar') || t.startsWith('char') ? 'VARCHAR' : 'VARCHAR');
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function parseS3(location: string): { bucket: string; prefix: string } {
  const match = /^s3a?:\/\/([^/]+)\/?(.*)$/.exec(location);
  if (!match) throw new Error(`not an S3 location: ${location}`);
  const prefix = match[2] ?? '';
  return { bucket: match[1] ?? '', prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
}

/**
 * Runs SQL over registered Glue tables the way Athena does: each table's files are everything under
 * its StorageDescriptor.Location, read as Parquet by column name (case-insensitive, missing → NULL),
 * with the column names and types the catalog registered. Tables are visible as `<database>.<table>`.
 */
export class LocalAthena {
  readonly #instance: Promise<DuckDBInstance> = DuckDBInstance.create(':memory:');
  readonly #dir = mkdtemp(join(tmpdir(), 'local-athena-'));
  readonly #loaded = new Set<string>();

  constructor(
    private readonly catalog: GlueCatalog,
    private readonly s3: Pick<S3Client, 'send'>,
  ) {}

  async #download(location: string): Promise<string[]> {
    const { bucket, prefix } = parseS3(location);
    const files: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        if (!object.Key?.endsWith('.parquet')) continue;
        const body = await (
          await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key }))
        ).Body?.transformToByteArray();
        const file = join(await this.#dir, bucket, object.Key);
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, body ?? new Uint8Array());
        files.push(file);
      }
      token = page.NextContinuationToken;
    } while (token);
    return files;
  }

  async #load(table: GlueTable): Promise<void> {
    const key = `${table.DatabaseName}.${table.Name}`;
    if (this.#loaded.has(key)) return;
    const connection = await (await this.#instance).connect();
    try {
      await connection.run(`CREATE SCHEMA IF NOT EXISTS ${quote(table.DatabaseName)}`);
      const columns = table.StorageDescriptor?.Columns ?? [];
      const serde = table.StorageDescriptor?.SerdeInfo?.Parameters ?? {};
      const byIndex = serde['parquet.column.index.access'] === 'true';
      const files = table.StorageDescriptor?.Location
        ? await this.#download(table.StorageDescriptor.Location)
        : [];
      const target = `${quote(table.DatabaseName)}.${quote(table.Name)}`;
      const defs = columns.map((c) => `${quote(c.Name)} ${duckdbType(c.Type ?? 'string')}`).join(', ');
      await connection.run(`CREATE TABLE ${target} (${defs})`);
      for (const file of files) {
        const present = (await connection.runAndReadAll(`SELECT name FROM parquet_schema('${file}')`))
          .getRows()
          .map((r) => String(r[0]))
          .slice(1); // the first entry is the schema root
        const select = columns.map((c, i) => {
          // ParquetHiveSerDe reads by name (case-insensitive) unless index access is on: then by position.
          const match = byIndex ? present[i] : present.find((p) => p.toLowerCase() === c.Name.toLowerCase());
          return match ? `CAST(${quote(match)} AS ${duckdbType(c.Type ?? 'string')})` : 'NULL';
        });
        await connection.run(
          `INSERT INTO ${target} SELECT ${select.join(', ')} FROM read_parquet('${file}')`,
        );
      }
      this.#loaded.add(key);
    } finally {
      connection.closeSync();
    }
  }

  /**
   * Runs `sql` over the latest-export tables of `databases` (partitioned history tables are not
   * loaded); returns the column names and the rows as arrays of JS values.
   */
  async query(sql: string, databases: string[]): Promise<{ columns: string[]; rows: unknown[][] }> {
    for (const database of databases) {
      for (const table of this.catalog.tablesOf(database)) {
        if ((table.PartitionKeys ?? []).length === 0) await this.#load(table);
      }
    }
    const connection = await (await this.#instance).connect();
    try {
      const reader = await connection.runAndReadAll(sql);
      return { columns: reader.columnNames(), rows: reader.getRowsJS() as unknown[][] };
    } finally {
      connection.closeSync();
    }
  }

  async close(): Promise<void> {
    (await this.#instance).closeSync();
    await rm(await this.#dir, { recursive: true, force: true });
  }
}
