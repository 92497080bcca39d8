import type { Partition, PartitionInput, Table, TableInput } from '@aws-sdk/client-glue';
import {
  AlreadyExistsException,
  BatchCreatePartitionCommand,
  CreateDatabaseCommand,
  CreateTableCommand,
  EntityNotFoundException,
  GetDatabaseCommand,
  GetTablesCommand,
  GlueClient,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';

type Command = { input: unknown };

/**
 * An in-memory Glue Data Catalog for the calls register-export makes, so a test can run two
 * registrations in a row and a benchmark can add latency per call. `calls` records every command name.
 * It is a GlueClient because the SDK's paginators (paginateGetTables) take no other client.
 */
export class MemoryGlue extends GlueClient {
  readonly databases = new Set<string>();
  readonly tables = new Map<string, Table>();
  readonly partitions = new Map<string, Partition[]>();
  readonly calls: string[] = [];
  constructor(private readonly latencyMs = 0) {
    super({ region: 'us-east-1' });
  }

  // biome-ignore lint/suspicious/noExplicitAny: answers every command GlueClient.send takes.
  override async send(command: Command): Promise<any> {
    this.calls.push(command.constructor.name);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    return this.handle(command);
  }

  handle(command: Command): unknown {
    const notFound = (message: string) => new EntityNotFoundException({ message, $metadata: {} });
    if (command instanceof GetDatabaseCommand) {
      const name = command.input.Name ?? '';
      if (!this.databases.has(name)) throw notFound(`Database ${name} not found`);
      return { Database: { Name: name } };
    }
    if (command instanceof CreateDatabaseCommand) {
      const name = command.input.DatabaseInput?.Name ?? '';
      if (this.databases.has(name)) throw new AlreadyExistsException({ message: 'exists', $metadata: {} });
      this.databases.add(name);
      return {};
    }
    if (command instanceof GetTablesCommand) {
      const db = command.input.DatabaseName ?? '';
      if (!this.databases.has(db)) throw notFound(`Database ${db} not found`);
      const all = [...this.tables.entries()].filter(([k]) => k.startsWith(`${db}/`)).map(([, t]) => t);
      const start = Number(command.input.NextToken ?? 0);
      const size = command.input.MaxResults ?? 100;
      const next = start + size < all.length ? String(start + size) : undefined;
      return { TableList: structuredClone(all.slice(start, start + size)), NextToken: next };
    }
    if (command instanceof CreateTableCommand) {
      const key = `${command.input.DatabaseName}/${command.input.TableInput?.Name}`;
      if (this.tables.has(key)) throw new AlreadyExistsException({ message: 'exists', $metadata: {} });
      this.tables.set(key, toTable(command.input.DatabaseName ?? '', command.input.TableInput as TableInput));
      return {};
    }
    if (command instanceof UpdateTableCommand) {
      const key = `${command.input.DatabaseName}/${command.input.TableInput?.Name}`;
      if (!this.tables.has(key)) throw notFound(`Table ${key} not found`);
      this.tables.set(key, toTable(command.input.DatabaseName ?? '', command.input.TableInput as TableInput));
      return {};
    }
    if (command instanceof BatchCreatePartitionCommand) {
      const key = `${command.input.DatabaseName}/${command.input.TableName}`;
      if (!this.tables.has(key)) throw notFound(`Table ${key} not found`);
      const list = this.partitions.get(key) ?? [];
      const Errors = [];
      for (const p of command.input.PartitionInputList ?? []) {
        if (list.some((q) => JSON.stringify(q.Values) === JSON.stringify(p.Values))) {
          Errors.push({ PartitionValues: p.Values, ErrorDetail: { ErrorCode: 'AlreadyExistsException' } });
        } else list.push(toPartition(p));
      }
      this.partitions.set(key, list);
      return { Errors };
    }
    throw new Error(`MemoryGlue does not implement ${command.constructor.name}`);
  }

  table(database: string, name: string): Table | undefined {
    return this.tables.get(`${database}/${name}`);
  }
}

function toTable(database: string, input: TableInput): Table {
  return structuredClone({ ...input, DatabaseName: database, Name: input.Name ?? '' });
}

function toPartition(input: PartitionInput): Partition {
  return structuredClone({ Values: input.Values, StorageDescriptor: input.StorageDescriptor });
}
