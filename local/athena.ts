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
 * Runs SQL over registered Glue tables the way Athena does: a table's files are everything under its
 * StorageDescriptor.Location (for a partitioned table, under each registered partition's location,
 * with the partition values as columns), read as Parquet by column name (case-insensitive, missing
 * → NULL) or by position when the SerDe says so, with the column names and types the catalog
 * registered. Tables are visible as `<database>.<table>`.
 */
export class LocalAthena {
  readonly #instance: Promise<DuckDBInstance> = DuckDBInstance.create(':memory:');
  readonly #dir = mkdtemp(join(tmpdir(), 'local-athena-'));
  /** Table → the catalog version loaded (reloaded when the table or its partitions change). */
  readonly #loaded = new Map<string, string>();

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

  /** Loads a table: its location, or for a partitioned table every partition's location. */
  async #load(table: GlueTable): Promise<void> {
    const key = `${table.DatabaseName}.${table.Name}`;
    const partitionKeys = table.PartitionKeys ?? [];
    const partitions =
      partitionKeys.length > 0 ? this.catalog.partitionsOf(table.DatabaseName, table.Name) : [];
    const version = `${String(table.VersionId ?? '')}:${partitions.length}`;
    if (this.#loaded.get(key) === version) return;
    const connection = await (await this.#instance).connect();
    try {
      await connection.run(`CREATE SCHEMA IF NOT EXISTS ${quote(table.DatabaseName)}`);
      const columns = table.StorageDescriptor?.Columns ?? [];
      const target = `${quote(table.DatabaseName)}.${quote(table.Name)}`;
      const defs = [...columns, ...partitionKeys].map(
        (c) => `${quote(c.Name)} ${duckdbType(c.Type ?? 'string')}`,
      );
      await connection.run(`CREATE OR REPLACE TABLE ${target} (${defs.join(', ')})`);
      const sources =
        partitionKeys.length === 0
          ? [{ location: table.StorageDescriptor?.Location, values: [] as string[] }]
          : partitions.map((p) => ({ location: p.StorageDescriptor?.Location, values: p.Values }));
      const serde = table.StorageDescriptor?.SerdeInfo?.Parameters ?? {};
      const byIndex = serde['parquet.column.index.access'] === 'true';
      for (const source of sources) {
        const files = source.location ? await this.#download(source.location) : [];
        const constants = partitionKeys.map(
          (k, i) =>
            `CAST('${(source.values[i] ?? '').replace(/'/g, "''")}' AS ${duckdbType(k.Type ?? 'string')})`,
        );
        for (const file of files) {
          const present = (await connection.runAndReadAll(`SELECT name FROM parquet_schema('${file}')`))
            .getRows()
            .map((r) => String(r[0]))
            .slice(1); // the first entry is the schema root
          const select = columns.map((c, i) => {
            // ParquetHiveSerDe reads by name (case-insensitive) unless index access is on: then by position.
            const match = byIndex
              ? present[i]
              : present.find((p) => p.toLowerCase() === c.Name.toLowerCase());
            return match ? `CAST(${quote(match)} AS ${duckdbType(c.Type ?? 'string')})` : 'NULL';
          });
          await connection.run(
            `INSERT INTO ${target} SELECT ${[...select, ...constants].join(', ')} FROM read_parquet('${file}')`,
          );
        }
      }
      this.#loaded.set(key, version);
    } finally {
      connection.closeSync();
    }
  }

  /** Runs `sql` over the tables of `databases`; returns the column names and the rows as JS values. */
  async query(sql: string, databases: string[]): Promise<{ columns: string[]; rows: unknown[][] }> {
    for (const database of databases) {
      for (const table of this.catalog.tablesOf(database)) {
        await this.#load(table);
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
