import type { Partition, PartitionInput, Table, TableInput } from '@aws-sdk/client-glue';
import {
  AlreadyExistsException,
  BatchCreatePartitionCommand,
  BatchDeletePartitionCommand,
  CreateDatabaseCommand,
  CreateTableCommand,
  EntityNotFoundException,
  GetDatabaseCommand,
  GetDatabasesCommand,
  GetPartitionsCommand,
  GetTablesCommand,
  GlueClient,
  type GlueClientConfig,
  ThrottlingException,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';

type Command = { input: unknown };

export type MemoryGlueOptions = {
  /** Waited before each request is answered. */
  latencyMs?: number;
  /** Share of requests refused with ThrottlingException (Glue's throttling error), from `random`. */
  throttle?: number;
  random?: () => number;
  /**
   * Glue's own kind of throttling: a token bucket of `burst` requests refilled at `perSecond`;
   * a request that finds it empty is refused with ThrottlingException. A client that slows down
   * (the SDK's adaptive mode) stops being throttled, as against the real service.
   */
  rateLimit?: { perSecond: number; burst: number };
  /** The client's own configuration (retry mode, attempts): SDK_CLIENT_CONFIG to behave as the functions' clients. */
  client?: GlueClientConfig;
};

/**
 * The SDK's own `send` (the smithy Client's, which GlueClient inherits): it runs the client's
 * middleware stack. aws-sdk-client-mock's `mockClient(GlueClient)` replaces GlueClient.prototype.send,
 * so a test may mock GlueClient and still use a MemoryGlue beside it.
 */
const sdkSend = Object.getPrototypeOf(GlueClient.prototype).send as (command: unknown) => Promise<unknown>;

/** One page of `all` from the numeric NextToken this stand-in hands out, and the next token. */
function page<T>(all: readonly T[], token: string | undefined, size: number) {
  const start = Number(token ?? 0);
  const next = start + size < all.length ? String(start + size) : undefined;
  return { items: all.slice(start, start + size), next };
}

/**
 * An in-memory Glue Data Catalog for the calls register-export and prune make, so a test can run two
 * registrations in a row and a benchmark can add latency and throttling per request. It answers in
 * the client's own middleware stack, where the HTTP request would go (deserialize step), so the
 * SDK's retry strategy retries what it throttles and request-counting middlewares see every attempt.
 * `calls` records every request's command name. It is a GlueClient because the SDK's paginators
 * (paginateGetTables) take no other client.
 */
export class MemoryGlue extends GlueClient {
  readonly databases = new Set<string>();
  readonly tables = new Map<string, Table>();
  readonly partitions = new Map<string, Partition[]>();
  readonly calls: string[] = [];
  /** Requests refused with ThrottlingException. */
  throttled = 0;
  constructor(options: number | MemoryGlueOptions = {}) {
    const o = typeof options === 'number' ? { latencyMs: options } : options;
    super({
      region: 'us-east-1',
      credentials: { accessKeyId: 'memory', secretAccessKey: 'memory' },
      ...o.client,
    });
    const random = o.random ?? Math.random;
    const bucket = o.rateLimit && { tokens: o.rateLimit.burst, at: performance.now(), ...o.rateLimit };
    const refused = () => {
      if ((o.throttle ?? 0) > 0 && random() < (o.throttle ?? 0)) return true;
      if (!bucket) return false;
      const now = performance.now();
      bucket.tokens = Math.min(bucket.burst, bucket.tokens + ((now - bucket.at) / 1000) * bucket.perSecond);
      bucket.at = now;
      if (bucket.tokens < 1) return true;
      bucket.tokens--;
      return false;
    };
    this.middlewareStack.add(
      (_next, context) => async (args) => {
        const name = context.commandName ?? 'unknown';
        this.calls.push(name);
        if ((o.latencyMs ?? 0) > 0) await new Promise((r) => setTimeout(r, o.latencyMs));
        if (refused()) {
          this.throttled++;
          throw new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
        }
        const output = this.answer(name, args.input);
        return { output: { $metadata: {}, ...(output as object) }, response: {} };
      },
      { step: 'deserialize', priority: 'high', name: 'memoryGlue' },
    );
  }

  // biome-ignore lint/suspicious/noExplicitAny: answers every command GlueClient.send takes.
  override send(command: any): Promise<any> {
    return sdkSend.call(this, command);
  }

  /** The answer to one command, without latency or throttling (test/catalog's mocks call it). */
  handle(command: Command): unknown {
    return this.answer(command.constructor.name, command.input);
  }

  private answer(name: string, input: unknown): unknown {
    // biome-ignore lint/suspicious/noExplicitAny: each branch reads its own command's input.
    const command = { input } as any;
    const is = (Cmd: { name: string }) => name === Cmd.name;
    const notFound = (message: string) => new EntityNotFoundException({ message, $metadata: {} });
    if (is(GetDatabaseCommand)) {
      const name = command.input.Name ?? '';
      if (!this.databases.has(name)) throw notFound(`Database ${name} not found`);
      return { Database: { Name: name } };
    }
    if (is(CreateDatabaseCommand)) {
      const name = command.input.DatabaseInput?.Name ?? '';
      if (this.databases.has(name)) throw new AlreadyExistsException({ message: 'exists', $metadata: {} });
      this.databases.add(name);
      return {};
    }
    if (is(GetTablesCommand)) {
      const db = command.input.DatabaseName ?? '';
      if (!this.databases.has(db)) throw notFound(`Database ${db} not found`);
      const all = [...this.tables.entries()].filter(([k]) => k.startsWith(`${db}/`)).map(([, t]) => t);
      const { items, next } = page(all, command.input.NextToken, command.input.MaxResults ?? 100);
      return { TableList: structuredClone(items), NextToken: next };
    }
    if (is(GetDatabasesCommand)) {
      const names = [...this.databases].sort();
      const { items, next } = page(names, command.input.NextToken, command.input.MaxResults ?? 100);
      return { DatabaseList: items.map((Name) => ({ Name })), NextToken: next };
    }
    if (is(GetPartitionsCommand)) {
      if (command.input.Expression !== undefined || command.input.Segment !== undefined)
        throw new Error('MemoryGlue answers GetPartitions without Expression or Segment only');
      const key = `${command.input.DatabaseName}/${command.input.TableName}`;
      if (!this.tables.has(key)) throw notFound(`Table ${key} not found`);
      const all = this.partitions.get(key) ?? [];
      const { items, next } = page(all, command.input.NextToken, command.input.MaxResults ?? 1000);
      return { Partitions: structuredClone(items), NextToken: next };
    }
    if (is(BatchDeletePartitionCommand)) {
      // "Maximum number of 25 items" (Glue API reference, BatchDeletePartition: PartitionsToDelete).
      const wanted: { Values?: string[] }[] = command.input.PartitionsToDelete ?? [];
      if (wanted.length > 25) throw new Error('MemoryGlue: BatchDeletePartition takes at most 25 partitions');
      const key = `${command.input.DatabaseName}/${command.input.TableName}`;
      if (!this.tables.has(key)) throw notFound(`Table ${key} not found`);
      const list = this.partitions.get(key) ?? [];
      const Errors = [];
      for (const p of wanted) {
        const at = list.findIndex((q) => JSON.stringify(q.Values) === JSON.stringify(p.Values));
        if (at >= 0) list.splice(at, 1);
        else
          Errors.push({
            PartitionValues: p.Values,
            ErrorDetail: { ErrorCode: 'EntityNotFoundException', ErrorMessage: 'Partition not found' },
          });
      }
      this.partitions.set(key, list);
      return { Errors };
    }
    if (is(CreateTableCommand)) {
      const key = `${command.input.DatabaseName}/${command.input.TableInput?.Name}`;
      if (this.tables.has(key)) throw new AlreadyExistsException({ message: 'exists', $metadata: {} });
      this.tables.set(key, toTable(command.input.DatabaseName ?? '', command.input.TableInput as TableInput));
      return {};
    }
    if (is(UpdateTableCommand)) {
      const key = `${command.input.DatabaseName}/${command.input.TableInput?.Name}`;
      if (!this.tables.has(key)) throw notFound(`Table ${key} not found`);
      this.tables.set(key, toTable(command.input.DatabaseName ?? '', command.input.TableInput as TableInput));
      return {};
    }
    if (is(BatchCreatePartitionCommand)) {
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
    throw new Error(`MemoryGlue does not implement ${name}`);
  }

  table(database: string, name: string): Table | undefined {
    return this.tables.get(`${database}/${name}`);
  }
}

function toTable(database: string, input: TableInput): Table {
  return structuredClone({ ...input, DatabaseName: database, Name: input.Name ?? '' });
}

function toPartition(input: PartitionInput): Partition {
  return structuredClone({
    Values: input.Values,
    StorageDescriptor: input.StorageDescriptor,
    Parameters: input.Parameters,
  });
}
