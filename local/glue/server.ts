import { JsonFault, type JsonServer, startJsonServer } from '../protocol/json.ts';
import type { RequestLogger } from '../protocol/request-log.ts';

type Json = Record<string, unknown>;

export interface GlueTable extends Json {
  Name: string;
  DatabaseName: string;
  StorageDescriptor?: {
    Location?: string;
    Columns?: { Name: string; Type?: string; Comment?: string }[];
    SerdeInfo?: { SerializationLibrary?: string; Parameters?: Record<string, string> };
  };
  PartitionKeys?: { Name: string; Type?: string }[];
  Parameters?: Record<string, string>;
  TableType?: string;
  ViewOriginalText?: string;
}

export interface GluePartition extends Json {
  Values: string[];
  StorageDescriptor?: GlueTable['StorageDescriptor'];
}

const notFound = (what: string) => new JsonFault('EntityNotFoundException', `${what} not found.`);
const exists = (what: string) => new JsonFault('AlreadyExistsException', `${what} already exists.`);
const invalid = (message: string) => new JsonFault('InvalidInputException', message);

/** The Glue Data Catalog, in memory: names are stored lowercase, as Glue does. */
export class GlueCatalog {
  readonly databases = new Map<string, Json>();
  readonly tables = new Map<string, Map<string, GlueTable>>();
  readonly partitions = new Map<string, Map<string, GluePartition>>();
  /** Table versions UpdateTable archived (each counts toward Glue's per-account version quota). */
  archivedVersions = 0;

  table(database: string, name: string): GlueTable {
    const table = this.tables.get(database.toLowerCase())?.get(name.toLowerCase());
    if (!table) throw notFound(`Table ${name} in database ${database}`);
    return table;
  }

  tablesOf(database: string): GlueTable[] {
    const tables = this.tables.get(database.toLowerCase());
    if (!tables) throw notFound(`Database ${database}`);
    return [...tables.values()];
  }

  partitionsOf(database: string, table: string): GluePartition[] {
    this.table(database, table);
    return [...(this.partitions.get(`${database}.${table}`.toLowerCase())?.values() ?? [])];
  }

  createDatabase(input: Json): void {
    const name = String(input.Name ?? '').toLowerCase();
    if (!name) throw invalid('DatabaseInput.Name is required');
    if (this.databases.has(name)) throw exists(`Database ${name}`);
    this.databases.set(name, { ...input, Name: name, CreateTime: Date.now() / 1000 });
    this.tables.set(name, new Map());
  }

  putTable(database: string, input: Json, mode: 'create' | 'update', skipArchive = false): void {
    const tables = this.tables.get(database.toLowerCase());
    if (!tables) throw notFound(`Database ${database}`);
    const name = String(input.Name ?? '').toLowerCase();
    if (!name) throw invalid('TableInput.Name is required');
    const existing = tables.get(name);
    if (mode === 'create' && existing) throw exists(`Table ${name}`);
    if (mode === 'update' && !existing) throw notFound(`Table ${name}`);
    const now = Date.now() / 1000;
    const version = existing ? String(Number(existing.VersionId ?? 0) + 1) : '0';
    if (existing && !skipArchive) this.archivedVersions++;
    tables.set(name, {
      ...input,
      Name: name,
      DatabaseName: database.toLowerCase(),
      CreateTime: existing?.CreateTime ?? now,
      UpdateTime: now,
      VersionId: version,
    } as GlueTable);
  }

  /** Deletes a partition; false when it does not exist. */
  deletePartition(database: string, table: string, values: string[]): boolean {
    this.table(database, table);
    return this.partitions.get(`${database}.${table}`.toLowerCase())?.delete(JSON.stringify(values)) ?? false;
  }

  putPartition(
    database: string,
    table: string,
    input: GluePartition,
    mode: 'create' | 'update',
    values = input.Values,
  ): void {
    this.table(database, table);
    const key = `${database}.${table}`.toLowerCase();
    let partitions = this.partitions.get(key);
    if (!partitions) {
      partitions = new Map();
      this.partitions.set(key, partitions);
    }
    const id = JSON.stringify(values);
    if (mode === 'create' && partitions.has(id)) throw exists(`Partition ${values.join('/')}`);
    if (mode === 'update' && !partitions.has(id)) throw notFound(`Partition ${values.join('/')}`);
    partitions.delete(id);
    partitions.set(JSON.stringify(input.Values), {
      ...input,
      DatabaseName: database.toLowerCase(),
      TableName: table.toLowerCase(),
      CreationTime: Date.now() / 1000,
    });
  }
}

function page<T>(items: T[], params: Json, max = 100): { items: T[]; NextToken?: string } {
  const size = Math.min(Number(params.MaxResults ?? max), max);
  const offset = params.NextToken ? Number(params.NextToken) : 0;
  const next = offset + size < items.length ? String(offset + size) : undefined;
  return { items: items.slice(offset, offset + size), ...(next ? { NextToken: next } : {}) };
}

/** Per-entry errors, the way Glue's batch calls report them instead of throwing. */
function perEntry<T>(entries: T[], max: number, apply: (entry: T) => void, values: (entry: T) => string[]) {
  if (entries.length > max) throw invalid(`At most ${max} entries per call`);
  const Errors: Json[] = [];
  for (const entry of entries) {
    try {
      apply(entry);
    } catch (error) {
      if (!(error instanceof JsonFault)) throw error;
      Errors.push({
        PartitionValues: values(entry),
        ErrorDetail: { ErrorCode: error.type, ErrorMessage: error.message },
      });
    }
  }
  return { Errors };
}

/** Starts the local Glue endpoint (JSON 1.1, `X-Amz-Target: AWSGlue.<Operation>`). */
export async function startLocalGlue(catalog: GlueCatalog, log: RequestLogger): Promise<JsonServer> {
  const db = (p: Json) => String(p.DatabaseName ?? '');
  return startJsonServer(
    'glue',
    'AWSGlue',
    '1.1',
    {
      GetDatabase: (p) => {
        const found = catalog.databases.get(String(p.Name ?? '').toLowerCase());
        if (!found) throw notFound(`Database ${p.Name}`);
        return { Database: found };
      },
      GetDatabases: (p) => {
        const { items, NextToken } = page([...catalog.databases.values()], p);
        return { DatabaseList: items, NextToken };
      },
      CreateDatabase: (p) => catalog.createDatabase((p.DatabaseInput ?? {}) as Json),
      GetTable: (p) => ({ Table: catalog.table(db(p), String(p.Name ?? '')) }),
      GetTables: (p) => {
        const { items, NextToken } = page(catalog.tablesOf(db(p)), p);
        return { TableList: items, NextToken };
      },
      CreateTable: (p) => catalog.putTable(db(p), (p.TableInput ?? {}) as Json, 'create'),
      UpdateTable: (p) =>
        catalog.putTable(db(p), (p.TableInput ?? {}) as Json, 'update', p.SkipArchive === true),
      DeleteTable: (p) => {
        catalog.table(db(p), String(p.Name));
        catalog.tables.get(db(p).toLowerCase())?.delete(String(p.Name).toLowerCase());
      },
      GetPartition: (p) => {
        const values = JSON.stringify(p.PartitionValues);
        const found = catalog
          .partitionsOf(db(p), String(p.TableName))
          .find((x) => JSON.stringify(x.Values) === values);
        if (!found) throw notFound('Partition');
        return { Partition: found };
      },
      GetPartitions: (p) => {
        const { items, NextToken } = page(catalog.partitionsOf(db(p), String(p.TableName)), p, 1000);
        return { Partitions: items, NextToken };
      },
      CreatePartition: (p) =>
        catalog.putPartition(db(p), String(p.TableName), p.PartitionInput as GluePartition, 'create'),
      BatchCreatePartition: (p) =>
        perEntry(
          (p.PartitionInputList ?? []) as GluePartition[],
          100,
          (e) => catalog.putPartition(db(p), String(p.TableName), e, 'create'),
          (e) => e.Values,
        ),
      // Glue's limit is 25 partitions per BatchDeletePartition; a missing one is an entry error.
      BatchDeletePartition: (p) =>
        perEntry(
          (p.PartitionsToDelete ?? []) as { Values: string[] }[],
          25,
          (e) => {
            if (!catalog.deletePartition(db(p), String(p.TableName), e.Values)) throw notFound('Partition');
          },
          (e) => e.Values,
        ),
      BatchUpdatePartition: (p) =>
        perEntry(
          (p.Entries ?? []) as { PartitionValueList: string[]; PartitionInput: GluePartition }[],
          100,
          (e) =>
            catalog.putPartition(
              db(p),
              String(p.TableName),
              e.PartitionInput,
              'update',
              e.PartitionValueList,
            ),
          (e) => e.PartitionValueList,
        ),
    },
    log,
  );
}
