import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchCreatePartitionCommand,
  CreateDatabaseCommand,
  CreateTableCommand,
  EntityNotFoundException,
  GetDatabaseCommand,
  GetTablesCommand,
  GlueClient,
  InvalidInputException,
  ThrottlingException,
} from '@aws-sdk/client-glue';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerExport } from '#functions/register-export/register.ts';
import { boundedResult } from '#functions/register-export/report.ts';
import { classified } from '#shared/aws/classified.ts';
import { BUDGET } from '#shared/contract/payload.ts';
import { memoryS3 } from '#test/catalog/memory-s3.ts';
import { MemoryGlue } from '#testkit/memory-glue.ts';

let parquet: Uint8Array;
/** The same columns as `parquet` but `id` as a string: a file that disagrees. */
let stringIds: Uint8Array;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'register-'));
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run(
    `COPY (SELECT 1::INTEGER AS id, 'a' AS name) TO '${dir}/f.parquet' (FORMAT parquet, COMPRESSION gzip)`,
  );
  await conn.run(
    `COPY (SELECT 'one' AS id, 'a' AS name) TO '${dir}/g.parquet' (FORMAT parquet, COMPRESSION gzip)`,
  );
  conn.closeSync();
  db.closeSync();
  parquet = new Uint8Array(readFileSync(`${dir}/f.parquet`));
  stringIds = new Uint8Array(readFileSync(`${dir}/g.parquet`));
  rmSync(dir, { recursive: true, force: true });
});

const glueMock = mockClient(GlueClient);
// As register-export builds it: its errors are the pipeline's classified ones, the AWS error their cause.
const glue = classified(new GlueClient({ region: 'us-east-1' }), 'glue');
let s3: ReturnType<typeof memoryS3> | undefined;
afterEach(() => {
  glueMock.reset();
  s3?.mock.restore();
});
afterAll(() => glueMock.restore());

const input = {
  bucket: 'b',
  prefix: 'p',
  exportTaskIdentifier: 'e1',
  snapshotTime: '2026-01-01T00:00:00Z',
  sourceIdentifier: 'Prod',
  sourceKind: 'db-snapshot',
  engine: 'postgres',
};
const tablesInfo = (targets: string[]) =>
  new TextEncoder().encode(
    JSON.stringify({ perTableStatus: targets.map((target) => ({ target, status: 'COMPLETE' })) }),
  );

/** An export of one table, `db.public.a`, one part file. */
const oneTableExport = () =>
  memoryS3(new Map([['p/e1/db/public.a/1/part-00000-x-c000.gz.parquet', parquet]]));
const register = (store: ReturnType<typeof memoryS3>) =>
  registerExport(input, { glue, s3: store.client, databasePrefix: 'rds_export_' });

describe('registerExport', () => {
  it('runs a table whose Glue write was still throttled after the client retried it again later in the invocation, instead of failing it', async () => {
    s3 = oneTableExport();
    glueMock
      .on(GetDatabaseCommand)
      .resolves({})
      .on(GetTablesCommand)
      .resolves({})
      .on(CreateTableCommand)
      .rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }))
      .resolves({})
      .on(BatchCreatePartitionCommand)
      .resolves({ Errors: [] });

    const result = await register(s3);

    expect(result.failed).toEqual([]);
    expect(result.registered.map((r) => r.target)).toEqual(['db.public.a']);
    // The throttled write was sent once by the code; the table's second run sent it again.
    expect(glueMock.commandCalls(CreateTableCommand)[0]?.args[0].input.TableInput?.Name).toBe(
      glueMock.commandCalls(CreateTableCommand)[1]?.args[0].input.TableInput?.Name,
    );
  });

  it('ends the invocation retryably, failing no table, when Glue keeps throttling a table through its reruns', async () => {
    s3 = oneTableExport();
    glueMock
      .on(GetDatabaseCommand)
      .resolves({})
      .on(GetTablesCommand)
      .resolves({})
      .on(CreateTableCommand)
      .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }))
      .on(BatchCreatePartitionCommand)
      .resolves({ Errors: [] });
    // The state machine runs the registration again (Retry of "Register tables"): it is idempotent.
    await expect(register(s3)).rejects.toMatchObject({
      name: 'AwsThrottledError',
      message: expect.stringContaining('db.public.a'),
    });
    // Its first run and three reruns, one CreateTable each (the client retries each request itself).
    expect(glueMock.commandCalls(CreateTableCommand)).toHaveLength(4);
    glueMock.on(CreateTableCommand).resolves({});
    const again = await register(s3);
    expect(again.failed).toEqual([]);
    expect(again.registered.map((r) => r.target)).toEqual(['db.public.a']);
  });

  it('fails a table for good with the reason when Glue refuses it for a lasting cause', async () => {
    s3 = oneTableExport();
    glueMock
      .on(GetDatabaseCommand)
      .resolves({})
      .on(GetTablesCommand)
      .resolves({})
      .on(CreateTableCommand)
      .rejects(new InvalidInputException({ message: 'bad column', $metadata: {} }));
    const result = await register(s3);
    expect(result.failed).toEqual([
      { target: 'db.public.a', reason: expect.stringContaining('InvalidInputException: bad column') },
    ]);
  });

  it('sends a throttled catalog read once and lets it end the invocation, for the state machine to retry', async () => {
    s3 = oneTableExport();
    glueMock
      .on(GetDatabaseCommand)
      .resolves({})
      .on(GetTablesCommand)
      .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));
    await expect(register(s3)).rejects.toMatchObject({
      name: 'AwsThrottledError',
      message: 'GetTables (DatabaseName=rds_export_db_prod) failed: ThrottlingException: Rate exceeded',
    });
    expect(glueMock.commandCalls(GetTablesCommand)).toHaveLength(1);
  });

  it('creates the database and, for each new table, a history table, its partition and the latest table', async () => {
    s3 = memoryS3(
      new Map([
        ['p/e1/export_tables_info_e1_from_1_to_2.json', tablesInfo(['db.public.a', 'db.public.b'])],
        ['p/e1/db/public.a/1/part-00000-x-c000.gz.parquet', parquet],
        ['p/e1/db/public.b/part-00000-y.gz.parquet', parquet],
      ]),
    );
    glueMock
      .on(GetDatabaseCommand)
      .rejects(new EntityNotFoundException({ message: 'no db', $metadata: {} }))
      .on(CreateDatabaseCommand)
      .resolves({})
      .on(GetTablesCommand)
      .resolves({ TableList: [] })
      .on(CreateTableCommand)
      .resolves({})
      .on(BatchCreatePartitionCommand)
      .resolves({ Errors: [] });

    const result = await register(s3);

    expect(result).toEqual({
      database: 'rds_export_db_prod',
      registered: [
        { target: 'db.public.a', table: 'db_public_a', columns: 2 },
        { target: 'db.public.b', table: 'db_public_b', columns: 2 },
      ],
      skipped: [],
      failed: [],
      registeredCount: 2,
      skippedCount: 0,
      failedCount: 0,
      report: 's3://b/p/e1/rds-export-registration-report.json',
      // Per table 3 writes and its two typed views: 1 GetDatabase, 1 CreateDatabase, 1 GetTables, 2 × 5.
      typedViews: { count: 4, written: 4 },
    });
    expect(glueMock.calls()).toHaveLength(13);
    // One listing, the metadata file, one footer per table (one file each), the report.
    expect(s3.mock.calls()).toHaveLength(5);
    expect(glueMock.commandCalls(CreateDatabaseCommand)[0]?.args[0].input.DatabaseInput?.Name).toBe(
      'rds_export_db_prod',
    );
    expect(glueMock.commandCalls(CreateTableCommand).map((c) => c.args[0].input.TableInput?.Name)).toEqual(
      expect.arrayContaining([
        'db_public_a',
        'db_public_a_history',
        'db_public_a_typed',
        'db_public_a_history_typed',
        'db_public_b',
        'db_public_b_history',
      ]),
    );
    expect(glueMock.commandCalls(BatchCreatePartitionCommand)).toHaveLength(2);
    // Footers only: every Parquet read is ranged.
    expect(
      s3.mock
        .commandCalls(GetObjectCommand)
        .filter((c) => c.args[0].input.Key?.endsWith('.parquet'))
        .every((c) => c.args[0].input.Range),
    ).toBe(true);
  });

  it('pages through the existing tables of the database before naming anything', async () => {
    s3 = oneTableExport();
    glueMock
      .on(GetDatabaseCommand)
      .resolves({ Database: { Name: 'rds_export_db_prod' } })
      .on(GetTablesCommand, { NextToken: undefined })
      .resolves({ TableList: [{ Name: 'unrelated' }], NextToken: 'n1' })
      .on(GetTablesCommand, { NextToken: 'n1' })
      .resolves({ TableList: [{ Name: 'db_public_a' }] })
      .on(CreateTableCommand)
      .resolves({})
      .on(BatchCreatePartitionCommand)
      .resolves({ Errors: [] });

    const result = await register(s3);

    expect(glueMock.commandCalls(GetTablesCommand)).toHaveLength(2);
    expect(glueMock.commandCalls(CreateDatabaseCommand)).toHaveLength(0);
    // A foreign table already holds the plain name, so this target gets a hashed one.
    expect(result.registered[0]?.table).toMatch(/^db_public_a_[0-9a-f]{8}$/);
    expect(result.registered[0]?.notes).toEqual(['not named in the export metadata files']);
  });

  it('fails a table the metadata names but whose folder holds no Parquet file, and registers the rest', async () => {
    s3 = memoryS3(
      new Map([
        ['p/e1/export_tables_info_e1_from_1_to_2.json', tablesInfo(['db.public.a', 'db.public.empty'])],
        ['p/e1/db/public.a/1/part-00000-x-c000.gz.parquet', parquet],
        ['p/e1/db/public.empty/_SUCCESS', new Uint8Array()],
      ]),
    );
    glueMock
      .on(GetDatabaseCommand)
      .resolves({})
      .on(GetTablesCommand)
      .resolves({})
      .on(CreateTableCommand)
      .resolves({})
      .on(BatchCreatePartitionCommand)
      .resolves({});
    const result = await register(s3);
    expect(result.registered.map((r) => r.target)).toEqual(['db.public.a']);
    expect(result.failed).toEqual([
      { target: 'db.public.empty', reason: 'no Parquet files under p/e1/db/public.empty/' },
    ]);
  });

  it('fails a table whose footer cannot be read, with the reason, without stopping the others', async () => {
    s3 = memoryS3(
      new Map([
        ['p/e1/db/public.a/1/part-00000-x-c000.gz.parquet', parquet],
        ['p/e1/db/public.bad/1/part-00000-z-c000.gz.parquet', new TextEncoder().encode('not parquet at all')],
      ]),
    );
    glueMock
      .on(GetDatabaseCommand)
      .resolves({})
      .on(GetTablesCommand)
      .resolves({})
      .on(CreateTableCommand)
      .resolves({})
      .on(BatchCreatePartitionCommand)
      .resolves({});
    const result = await register(s3);
    expect(result.registered.map((r) => r.target)).toEqual(['db.public.a']);
    expect(result.failed).toEqual([
      {
        target: 'db.public.bad',
        reason: expect.stringContaining(
          'p/e1/db/public.bad/1/part-00000-z-c000.gz.parquet: footer unreadable',
        ),
      },
    ]);
  });

  it('reads the footers of the first and the last of 2,000 alike part files, not of every file', async () => {
    const objects = new Map<string, Uint8Array>();
    for (let i = 0; i < 2000; i++)
      objects.set(`p/e1/db/public.a/1/part-${String(i).padStart(5, '0')}-x-c000.gz.parquet`, parquet);
    s3 = memoryS3(objects);
    const memory = new MemoryGlue();

    const result = await registerExport(input, {
      glue: memory,
      s3: s3.client,
      databasePrefix: 'rds_export_',
    });

    expect(result.registered.map((r) => r.target)).toEqual(['db.public.a']);
    expect(s3.mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key)).toEqual([
      'p/e1/db/public.a/1/part-00000-x-c000.gz.parquet',
      'p/e1/db/public.a/1/part-01999-x-c000.gz.parquet',
    ]);
  });

  it('reads a part file whose size stands out, and fails the table when its schema disagrees', async () => {
    const objects = new Map<string, Uint8Array>();
    for (let i = 0; i < 100; i++)
      objects.set(
        `p/e1/db/public.a/1/part-${String(i).padStart(5, '0')}-x-c000.gz.parquet`,
        i === 50 ? stringIds : parquet,
      );
    s3 = memoryS3(objects);
    expect(stringIds.byteLength).not.toBe(parquet.byteLength);

    const result = await registerExport(input, {
      glue: new MemoryGlue(),
      s3: s3.client,
      databasePrefix: 'rds_export_',
    });

    expect(result.failed).toEqual([
      { target: 'db.public.a', reason: expect.stringContaining('files disagree on column id') },
    ]);
    expect(s3.mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key)).toContain(
      'p/e1/db/public.a/1/part-00050-x-c000.gz.parquet',
    );
    expect(s3.mock.commandCalls(GetObjectCommand)).toHaveLength(3);
  });

  it('keeps at most the configured number of Glue calls in flight', async () => {
    const objects = new Map<string, Uint8Array>();
    for (let i = 0; i < 30; i++) objects.set(`p/e1/db/public.t${i}/1/part-00000-x-c000.gz.parquet`, parquet);
    s3 = memoryS3(objects);
    const memory = new MemoryGlue(2);
    let inFlight = 0;
    let peak = 0;
    // A GlueClient, since the SDK's paginators take no other client.
    const counting = Object.assign(new GlueClient({ region: 'us-east-1' }), {
      async send(command: unknown) {
        inFlight++;
        peak = Math.max(peak, inFlight);
        try {
          return await memory.send(command as { input: unknown });
        } finally {
          inFlight--;
        }
      },
    }) as unknown as GlueClient;
    const result = await registerExport(input, {
      glue: counting,
      s3: s3.client,
      databasePrefix: 'rds_export_',
      glueConcurrency: 5,
    });
    expect(result.registered).toHaveLength(30);
    expect(peak).toBe(5);
    // Each table: its history table, its latest table and its two typed views.
    expect(memory.calls.filter((c) => c === 'CreateTableCommand')).toHaveLength(120);
  });

  it('keeps the result bounded with 2,000 failed and 2,000 skipped tables, and writes every one to the report', async () => {
    const name = (kind: string, i: number) =>
      `${kind}_${String(i).padStart(4, '0')}_${'x'.repeat(63 - kind.length - 6)}`;
    const failed = Array.from({ length: 2000 }, (_, i) => `db.${name('s', i)}.${name('f', i)}`);
    const skipped = Array.from({ length: 2000 }, (_, i) => `db.${name('s', i)}.${name('k', i)}`);
    const info = {
      perTableStatus: [
        ...failed.map((target) => ({ target, status: 'COMPLETE' })),
        ...skipped.map((target) => ({
          target,
          status: 'SKIPPED',
          warningMessage: `INVALID_COLUMN_NAME: column names of ${target} contain a space`,
        })),
      ],
    };
    // Named by the metadata, but no Parquet files: every one of the 2,000 fails to register.
    s3 = memoryS3(
      new Map([
        ['p/e1/export_tables_info_e1_from_1_to_4000.json', new TextEncoder().encode(JSON.stringify(info))],
      ]),
    );
    glueMock
      .on(GetDatabaseCommand)
      .resolves({ Database: { Name: 'rds_export_db_prod' } })
      .on(GetTablesCommand)
      .resolves({ TableList: [] });

    const result = await register(s3);

    expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThanOrEqual(BUDGET.registrationBytes);
    expect(result).toMatchObject({ registeredCount: 0, failedCount: 2000, skippedCount: 2000 });
    expect(result.failed.length).toBeGreaterThan(0);
    expect(result.failed.length).toBeLessThan(2000);
    const report = JSON.parse(s3.written.get('p/e1/rds-export-registration-report.json') ?? '{}');
    expect(report.failed).toHaveLength(2000);
    expect(report.skipped).toHaveLength(2000);
    expect(result.report).toBe('s3://b/p/e1/rds-export-registration-report.json');
  });

  it('shortens the registered list of a huge export too, keeping the exact count', () => {
    const registered = Array.from({ length: 5000 }, (_, i) => ({
      target: `db.public.t${i}`,
      table: `db_public_t${i}`,
      columns: 3,
    }));
    const failed = [{ target: 'db.public.x', reason: 'no Parquet files' }];
    const out = boundedResult(
      { database: 'd', registered, skipped: [], failed, problems: [] },
      's3://b/r.json',
    );
    expect(Buffer.byteLength(JSON.stringify(out))).toBeLessThanOrEqual(BUDGET.registrationBytes);
    expect(out.registeredCount).toBe(5000);
    expect(out.registered.length).toBeGreaterThan(0);
    expect(out.registered.length).toBeLessThan(5000);
    expect(out.failed).toEqual(failed);
  });
});
