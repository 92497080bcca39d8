import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { cappedPages } from '#shared/aws/pages.ts';
import type { GlueCatalog, GlueTable } from '../glue/server.ts';
import { csvSelect, isOpenCsv } from './csv.ts';
import { duckdbTypeOf, toDuckDbSql } from './sql.ts';

const VIEW_PREFIX = '/* Presto View: ';
const VIEW_SUFFIX = ' */';

type ViewDefinition = {
  originalSql: string;
  catalog?: string;
  schema?: string;
  columns: { name: string; type: string }[];
};

/** The JSON definition Athena stores in a view's ViewOriginalText (`/* Presto View: <base64> *\/`). */
export function decodeAthenaView(table: GlueTable): ViewDefinition {
  const text = String(table.ViewOriginalText ?? '');
  if (
    table.Parameters?.presto_view !== 'true' ||
    !text.startsWith(VIEW_PREFIX) ||
    !text.endsWith(VIEW_SUFFIX)
  ) {
    throw new Error(
      `${table.DatabaseName}.${table.Name} is not an Athena view (presto_view, /* Presto View: … */)`,
    );
  }
  const json = Buffer.from(text.slice(VIEW_PREFIX.length, -VIEW_SUFFIX.length), 'base64').toString('utf8');
  return JSON.parse(json) as ViewDefinition;
}

/** Hive/Glue column type → DuckDB type; unknown types fall back to VARCHAR. */
export function duckdbType(glueType: string): string {
  const t = glueType.trim().toLowerCase();
  const array = /^array<(.+)>$/.exec(t);
  if (array) return `${duckdbType(array[1] ?? 'string')}[]`;
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

const byIndex = (sd: GlueTable['StorageDescriptor']) =>
  sd?.SerdeInfo?.Parameters?.['parquet.column.index.access'] === 'true';

/**
 * Runs SQL over registered Glue tables the way Athena does: a table's files are everything under its
 * StorageDescriptor.Location (for a partitioned table, under each registered partition's location,
 * with the partition values as columns), read as Parquet with the column names and types the
 * catalog registered. Tables are visible as `<database>.<table>`.
 *
 * A partition is read with its own columns and SerDe parameters ("The SerDe properties are not
 * automatically propagated to each partition", Athena guide, "Handle schema updates", "Index access
 * in ORC and Parquet"), in two steps. The table's columns meet the partition's by name, ignoring
 * case, when the table reads Parquet by name (the default; "Update tables with partitions": for
 * Parquet "Athena relies on the column names … for its column name-based schema verification"),
 * and by position when the table itself reads by index. Then the partition's columns meet the
 * file's by name (case-insensitive, missing → NULL), or by position when the partition's SerDe says
 * `parquet.column.index.access`. Values are cast to the table's type, as Athena casts a partition's
 * type to the table's ("Types of updates", "Changing a column's data type"). An unpartitioned
 * table is its own single partition.
 *
 * Views (`TableType: VIRTUAL_VIEW`) run the SQL stored in the view definition, translated from
 * Athena's dialect by sql.ts; like Athena, a view whose query no longer yields the column
 * types its definition records is refused as stale.
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

  /** Downloads the files below a location that `reads` accepts (by their path below it). */
  async #download(location: string, reads: (path: string) => boolean): Promise<string[]> {
    const { bucket, prefix } = parseS3(location);
    const files: string[] = [];
    // A query reads every file of its tables: past 1,000 pages of 1,000 objects it fails, not reading part.
    const pages = cappedPages(
      paginateListObjectsV2,
      { client: this.s3 },
      { Bucket: bucket, Prefix: prefix },
      { maxPages: 1000, atCap: 'fail' },
    );
    for await (const page of pages) {
      for (const object of page.Contents ?? []) {
        if (!object.Key || !reads(object.Key.slice(prefix.length))) continue;
        const body = await (
          await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key }))
        ).Body?.transformToByteArray();
        const file = join(await this.#dir, bucket, object.Key);
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, body ?? new Uint8Array());
        files.push(file);
      }
    }
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
          ? [{ sd: table.StorageDescriptor, values: [] as string[] }]
          : partitions.map((p) => ({ sd: p.StorageDescriptor ?? table.StorageDescriptor, values: p.Values }));
      const tableByIndex = byIndex(table.StorageDescriptor);
      const csv = isOpenCsv(table);
      // Like Hive, Athena skips files and folders whose names begin with _ or . below a location.
      const reads = csv
        ? (path: string) => !path.split('/').some((part) => /^[_.]/.test(part))
        : (path: string) => path.endsWith('.parquet');
      for (const source of sources) {
        const location = source.sd?.Location;
        const files = location ? await this.#download(location, reads) : [];
        const own = source.sd?.Columns ?? columns;
        // Which of the partition's columns each table column is.
        const inPartition = columns.map((c, i) =>
          tableByIndex ? own[i] : own.find((p) => p.Name.toLowerCase() === c.Name.toLowerCase()),
        );
        const partitionByIndex = byIndex(source.sd);
        const constants = partitionKeys.map(
          (k, i) =>
            `CAST('${(source.values[i] ?? '').replace(/'/g, "''")}' AS ${duckdbType(k.Type ?? 'string')})`,
        );
        for (const file of files) {
          if (csv) {
            await connection.run(`INSERT INTO ${target} ${csvSelect(file, table, duckdbType, constants)}`);
            continue;
          }
          // The file's top-level columns (a LIST column's inner levels are not columns).
          const present = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`))
            .getRows()
            .map((r) => String(r[0]));
          const select = columns.map((c, i) => {
            const column = inPartition[i];
            // ParquetHiveSerDe reads by name (case-insensitive) unless index access is on: then by position.
            const match =
              column === undefined
                ? undefined
                : partitionByIndex
                  ? present[own.indexOf(column)]
                  : present.find((p) => p.toLowerCase() === column.Name.toLowerCase());
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

  /** Creates (or re-creates) a view from its stored Athena SQL and checks its columns' types. */
  async #loadView(view: GlueTable): Promise<void> {
    const key = `${view.DatabaseName}.${view.Name}`;
    const version = `view:${String(view.VersionId ?? '')}`;
    if (this.#loaded.get(key) === version) return;
    const definition = decodeAthenaView(view);
    const connection = await (await this.#instance).connect();
    try {
      const target = `${quote(view.DatabaseName)}.${quote(view.Name)}`;
      await connection.run(`CREATE SCHEMA IF NOT EXISTS ${quote(view.DatabaseName)}`);
      await connection.run(`CREATE OR REPLACE VIEW ${target} AS ${toDuckDbSql(definition.originalSql)}`);
      const described = (await connection.runAndReadAll(`DESCRIBE ${target}`)).getRowObjectsJS();
      const actual = described.map((r) => [String(r.column_name), String(r.column_type)]);
      const wanted = definition.columns.map((c) => [c.name, duckdbTypeOf(c.type)]);
      if (JSON.stringify(actual) !== JSON.stringify(wanted)) {
        throw new Error(
          `View ${key} is stale or in invalid state: its query yields ${JSON.stringify(actual)}, its definition records ${JSON.stringify(wanted)}`,
        );
      }
      this.#loaded.set(key, version);
    } finally {
      connection.closeSync();
    }
  }

  /**
   * Runs `sql` (DuckDB's dialect) over the tables and views of `databases`; returns the column
   * names, their DuckDB types, and the rows as JS values.
   */
  async query(
    sql: string,
    databases: string[],
  ): Promise<{ columns: string[]; types: string[]; rows: unknown[][] }> {
    for (const database of databases) {
      const all = this.catalog.tablesOf(database);
      for (const table of all) if (table.TableType !== 'VIRTUAL_VIEW') await this.#load(table);
      for (const view of all) if (view.TableType === 'VIRTUAL_VIEW') await this.#loadView(view);
    }
    const connection = await (await this.#instance).connect();
    try {
      await connection.run("SET TimeZone = 'UTC'");
      const reader = await connection.runAndReadAll(sql);
      return {
        columns: reader.columnNames(),
        types: reader.columnTypes().map(String),
        rows: reader.getRowsJS() as unknown[][],
      };
    } finally {
      connection.closeSync();
    }
  }

  async close(): Promise<void> {
    (await this.#instance).closeSync();
    await rm(await this.#dir, { recursive: true, force: true });
  }
}
