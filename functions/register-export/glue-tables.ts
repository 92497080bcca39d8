import type { Column, GlueClient, PartitionInput, Table, TableInput } from '@aws-sdk/client-glue';
import { CreateDatabaseCommand, GetDatabaseCommand, paginateGetTables } from '@aws-sdk/client-glue';
import { isAwsError } from '#shared/aws/errors.ts';
import { collectPages } from '#shared/aws/pages.ts';
import { P } from '#shared/contract/catalog.ts';
import { HISTORY_SUFFIX } from './naming.ts';

export type Glue = Pick<GlueClient, 'send'>;

/** The table parameters this function owns (shared/contract/catalog.ts: prune reads them too). */
export { P };

export const PARTITION_KEYS: Column[] = [
  { Name: 'export_id', Type: 'string', Comment: 'RDS export task identifier' },
  { Name: 'snapshot_time', Type: 'string', Comment: 'snapshot time of the export (ISO 8601)' },
];

/** How a table's files are read: formats, SerDe, and the table properties that go with them. */
export type TableStorage = {
  InputFormat: string;
  OutputFormat: string;
  SerializationLibrary: string;
  /** The `classification` table property (what the files are). */
  classification: string;
  serdeParameters: Record<string, string>;
  /** Further properties of the table and of each partition (e.g. a CSV header to skip). */
  tableParameters: Record<string, string>;
};

/** Every RDS export, and a graph exported as Parquet. */
export const PARQUET_STORAGE: TableStorage = {
  InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
  classification: 'parquet',
  serdeParameters: {},
  tableParameters: {},
};

/** Everything one export contributes to one Glue table pair. */
export type DesiredTable = {
  target: string;
  name: string;
  columns: Column[];
  /** `s3://bucket/<prefix>/<exportId>/<db>/<schema.table>/` */
  location: string;
  /** `s3://bucket/<prefix>/`: the folder the source's exports are written below (folderAbove). */
  sourceLocation: string;
  exportId: string;
  snapshotTime: string;
  /**
   * SerDe parameters of this export's files, e.g. index access when a column had to be renamed: the
   * latest table's and this export's partition's, never the history table's (historyTableInput).
   */
  serde: Record<string, string>;
  /** How the files are read; Parquet unless given (a graph exported as CSV). */
  storage?: TableStorage;
  /** The export policy rule the export ran under, when the state names it. */
  rule?: string;
};

function storage(d: DesiredTable, columns: Column[], location = d.location, serde = d.serde) {
  const format = d.storage ?? PARQUET_STORAGE;
  return {
    Columns: columns,
    Location: location,
    InputFormat: format.InputFormat,
    OutputFormat: format.OutputFormat,
    SerdeInfo: {
      SerializationLibrary: format.SerializationLibrary,
      Parameters: { ...format.serdeParameters, ...serde },
    },
  };
}

/** The table properties every table of this storage carries (classification and the format's own). */
function formatParameters(d: DesiredTable): Record<string, string> {
  const format = d.storage ?? PARQUET_STORAGE;
  return { classification: format.classification, ...format.tableParameters };
}

/** The unpartitioned table `SELECT * FROM <name>` reads: its location is the latest export's folder. */
export function latestTableInput(d: DesiredTable): TableInput {
  return {
    Name: d.name,
    Description: `${d.target}: latest export (history in ${d.name}${HISTORY_SUFFIX})`,
    TableType: 'EXTERNAL_TABLE',
    Parameters: {
      ...formatParameters(d),
      EXTERNAL: 'TRUE',
      [P.target]: d.target,
      [P.role]: 'latest',
      [P.exportId]: d.exportId,
      [P.snapshotTime]: d.snapshotTime,
    },
    StorageDescriptor: storage(d, d.columns),
  };
}

/**
 * The history table: one partition per export; the table's own columns are the union, newest types
 * first, matched to each partition's columns by name.
 *
 * It never reads by position itself, whatever this export needs: a partition keeps its own columns
 * and SerDe parameters (a partition's SerDe properties are its own, Athena guide, "Handle schema
 * updates", "Index access in ORC and Parquet"), and for a table read by name Athena matches the
 * table's columns to a partition's by name ("Update tables with partitions": for Parquet "Athena
 * relies on the column names"). So a partition that reads its files by position does so by its
 * own column list, the layout of its export's files, and no later add, drop or reorder shifts it.
 * Were the table itself read by index, that name-based verification would not hold (the guide
 * grants it to Parquet read by name) and table and partition would meet by position: the union's
 * order would shift every older partition.
 *
 * Its location is a folder above every export it holds (the source's, by default): Athena
 * reads a partitioned table's partitions at their own locations, but `MSCK REPAIR TABLE` (Athena
 * guide, "MSCK REPAIR TABLE") and a crawler given catalog tables as its source (Glue guide, "Step 2:
 * Choose data sources and classifiers") read the table's, and an export's folder vanishes when
 * prune deletes that export.
 */
export function historyTableInput(
  d: DesiredTable,
  columns: Column[],
  location = d.sourceLocation,
): TableInput {
  return {
    Name: d.name + HISTORY_SUFFIX,
    Description: `${d.target}: every export, one partition per export`,
    TableType: 'EXTERNAL_TABLE',
    Parameters: { ...formatParameters(d), EXTERNAL: 'TRUE', [P.target]: d.target, [P.role]: 'history' },
    StorageDescriptor: storage(d, columns, location, {}),
    PartitionKeys: PARTITION_KEYS,
  };
}

/** `s3://<bucket>/<parent>/` for an export root `<parent>/<export folder>/` (the bucket itself at the top). */
export function folderAbove(bucket: string, exportRoot: string): string {
  const parts = exportRoot.split('/').filter((p) => p !== '');
  return `s3://${bucket}/${parts
    .slice(0, -1)
    .map((p) => `${p}/`)
    .join('')}`;
}

/** The deepest folder holding both `s3://…/` folders, or undefined when they are in different buckets. */
export function commonFolder(a: string, b: string): string | undefined {
  const split = (uri: string) =>
    uri
      .replace(/^s3a?:\/\//, '')
      .split('/')
      .filter((p) => p !== '');
  const [x, y] = [split(a), split(b)];
  if (x[0] === undefined || x[0] !== y[0]) return undefined;
  let n = 1;
  while (n < x.length && n < y.length && x[n] === y[n]) n++;
  return `s3://${x.slice(0, n).join('/')}/`;
}

/** A partition keeps its own columns, so it stays readable after the table's schema moves on. */
export function partitionInput(d: DesiredTable): PartitionInput {
  const parameters = {
    ...(d.storage?.tableParameters ?? {}),
    ...(d.rule === undefined ? {} : { [P.rule]: d.rule }),
  };
  return {
    Values: [d.exportId, d.snapshotTime],
    StorageDescriptor: storage(d, d.columns),
    ...(Object.keys(parameters).length === 0 ? {} : { Parameters: parameters }),
  };
}

/** Columns of this export first, then columns only earlier exports had (so their partitions stay queryable). */
export function unionColumns(latest: Column[], previous: Column[] | undefined): Column[] {
  const names = new Set(latest.map((c) => c.Name));
  return [...latest, ...(previous ?? []).filter((c) => !names.has(c.Name))];
}

const colKey = (c: Column[] | undefined) =>
  JSON.stringify((c ?? []).map((x) => [x.Name, x.Type, x.Comment ?? '']));

/** True when the catalog already holds what `input` would write (only the fields this function sets). */
export function sameTable(existing: Table, input: TableInput): boolean {
  const a = existing.StorageDescriptor;
  const b = input.StorageDescriptor;
  if (colKey(a?.Columns) !== colKey(b?.Columns) || a?.Location !== b?.Location) return false;
  if (colKey(existing.PartitionKeys) !== colKey(input.PartitionKeys)) return false;
  const serdeA = JSON.stringify(Object.entries(a?.SerdeInfo?.Parameters ?? {}).sort());
  const serdeB = JSON.stringify(Object.entries(b?.SerdeInfo?.Parameters ?? {}).sort());
  if (serdeA !== serdeB) return false;
  return Object.entries(input.Parameters ?? {}).every(([k, v]) => existing.Parameters?.[k] === v);
}

/** Creates the source's database unless it exists. Returns the number of Glue calls made. */
export async function ensureDatabase(glue: Glue, name: string, description: string): Promise<number> {
  try {
    await glue.send(new GetDatabaseCommand({ Name: name }));
    return 1;
  } catch (err) {
    if (!isAwsError(err, 'EntityNotFoundException')) throw err;
  }
  try {
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: name, Description: description } }));
  } catch (err) {
    if (!isAwsError(err, 'AlreadyExistsException')) throw err;
  }
  return 2;
}

/**
 * Pages of the catalog read at most: 1,000 of 100 = 100,000 tables. A registration plans against
 * every table of the database, so a longer listing fails rather than being cut short.
 */
const MAX_CATALOG_PAGES = 1000;

/** Every table of the database, by name (GetTables pages of 100). */
export async function readCatalog(
  glue: Glue,
  database: string,
): Promise<{ tables: Map<string, Table>; calls: number }> {
  const pages = await collectPages(
    paginateGetTables,
    { client: glue, pageSize: 100 },
    { DatabaseName: database },
    { maxPages: MAX_CATALOG_PAGES, atCap: 'fail' },
  );
  const tables = new Map<string, Table>();
  for (const t of pages.flatMap((page) => page.TableList ?? [])) if (t.Name) tables.set(t.Name, t);
  return { tables, calls: pages.length };
}
