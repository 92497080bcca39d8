import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { parquetMetadata } from 'hyparquet';
import mysql, { type Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAthena } from '#local/athena/engine.ts';
import type { LoggedRequest } from '#local/protocol/request-log.ts';
import { findTable } from '#local/runtime/progress.ts';
import { LOCAL_CREDENTIALS } from '#local/s3/server.ts';
import { BUCKET, type LocalStack, REGION, startStack } from '#local/stack.ts';
import type { TestServer } from '#testkit/launch.ts';
import { createMysqlDatabase, startMariadb } from '#testkit/mariadb.ts';
import { requestProblems } from '../e2e/api-models.ts';
import { exportSnapshots, notifications } from '../e2e/helpers.ts';
import { npmStart } from '../helpers/npm-start.ts';
import { athenaRows, sourceRows } from './readback.ts';

// The whole pipeline on a real MariaDB server (Debian's mariadb-server), started for this file.
// The database is `sample`: the MySQL ExportOnly rules of local/export-policy.yml name it.
const DATABASE = 'sample';
const EXPORTED = [
  'CustomerOrders',
  'Table$One',
  'Weird-Name.With dots',
  'customerorders',
  'customers',
  'datetime_types',
  'numeric_types',
  'orders',
  'spatial_types',
  'string_types',
  'zero_dates',
];
const SKIPPED = ['equals_column', 'in/out', 'paren_column', 'semicolon_column', 'space in column'];

let server: TestServer;
let stack: LocalStack;
let athena: LocalAthena;
let source: Connection;
const logDir = mkdtempSync(join(tmpdir(), 'mysql-requests-'));
const requestLog = join(logDir, 'requests.jsonl');

beforeAll(async () => {
  server = await startMariadb();
  await createMysqlDatabase(server, DATABASE);
  stack = await startStack({
    timeScale: 600,
    engine: 'mysql',
    databaseUrl: server.url(DATABASE),
    requestLog,
    durations: () => ({ starting: 30, inProgress: 300 }),
  });
  athena = new LocalAthena(stack.catalog, stack.s3Client);
  source = await mysql.createConnection({
    uri: server.url(DATABASE),
    charset: 'utf8mb4',
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
});

afterAll(async () => {
  await source?.end();
  await athena?.close();
  await stack?.stop();
  await server?.stop();
  rmSync(logDir, { recursive: true, force: true });
});

async function keysOf(exportTaskIdentifier: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await stack.s3Client.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'exports/', ContinuationToken: token }),
    );
    keys.push(
      ...(page.Contents ?? []).map((c) => c.Key ?? '').filter((k) => k.includes(`/${exportTaskIdentifier}/`)),
    );
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

/** `<table folder>` of every Parquet file under the export: `<db>/<db>.<table>`. */
const folders = (keys: string[]) =>
  [
    ...new Set(keys.filter((k) => k.endsWith('.parquet')).map((k) => k.split('/').slice(3, 5).join('/'))),
  ].sort();

let fullExport = '';

// Every row of the MySQL and MariaDB → Parquet mapping table (RDS User Guide, "Exporting DB snapshot
// data to Amazon S3"), as information_schema spells the types (MariaDB's JSON is a LONGTEXT alias).
const MAPPING_TABLE_TYPES = [
  'bigint',
  'bigint unsigned',
  'decimal',
  'double',
  'float',
  'int',
  'mediumint',
  'smallint',
  'tinyint',
  'smallint unsigned',
  'int unsigned',
  'mediumint unsigned',
  'tinyint unsigned',
  'bit',
  'binary',
  'varbinary',
  'tinyblob',
  'blob',
  'mediumblob',
  'longblob',
  'char',
  'geometry',
  'point',
  'linestring',
  'polygon',
  'varchar',
  'tinytext',
  'text',
  'mediumtext',
  'longtext',
  'enum',
  'set',
  'date',
  'time',
  'datetime',
  'timestamp',
  'year',
];

describe('the local pipeline on a MySQL (MariaDB) server', () => {
  it('has a sample with a column of every type of the MySQL mapping table', async () => {
    const [rows] = (await source.query(
      `SELECT DISTINCT CONCAT(DATA_TYPE, IF(COLUMN_TYPE LIKE '%unsigned%', ' unsigned', '')) AS type
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '${DATABASE}'`,
    )) as unknown as [{ type: string }[]];
    const types = new Set(rows.map((r) => String(r.type)));
    expect(MAPPING_TABLE_TYPES.filter((t) => !types.has(t))).toEqual([]);
  });

  it('exports a snapshot and reads back, through every registered Glue table, exactly the values the server holds', async () => {
    const snapshot = await stack.createSnapshot('mysql-full-1', 'sample-mysql-full');
    const [execution] = await exportSnapshots(stack, [snapshot]);
    expect(execution?.status).toBe('SUCCEEDED');
    fullExport = execution?.name ?? '';
    for (const table of EXPORTED) {
      const glue = findTable(stack.catalog, `${DATABASE}.${table}`);
      expect(glue, `${table} registered`).toBeDefined();
      if (!glue) continue;
      expect(await athenaRows(athena, glue), table).toEqual(await sourceRows(source, DATABASE, table));
    }
  });

  it('keeps the unsigned maximum, 38-digit and 65-digit decimals, microseconds, bytes and 4-byte characters', async () => {
    const query = async (table: string, sql: string) => {
      const glue = findTable(stack.catalog, `${DATABASE}.${table}`);
      const from = `"${glue?.DatabaseName}"."${glue?.Name}"`;
      return (await athena.query(sql.replace('$table', from), [glue?.DatabaseName ?? ''])).rows;
    };
    // A WHERE on the values also proves the files' column statistics right (DuckDB prunes by them).
    expect(
      await query(
        'numeric_types',
        'SELECT CAST(c_bigint_unsigned AS VARCHAR), CAST(c_decimal_38_10 AS VARCHAR), c_numeric_65_30 FROM $table WHERE c_bigint_unsigned = 18446744073709551615',
      ),
    ).toEqual([
      [
        '18446744073709551615',
        '9999999999999999999999999999.9999999999',
        '99999999999999999999999999999999999.999999999999999999999999999999',
      ],
    ]);
    expect(
      await query(
        'datetime_types',
        "SELECT strftime(c_datetime6, '%Y-%m-%d %H:%M:%S.%f'), strftime(c_timestamp6, '%Y-%m-%d %H:%M:%S.%f') FROM $table WHERE id = 1",
      ),
    ).toEqual([['2024-02-29 12:34:56.123456', '2038-01-19 03:14:07.999999']]);
    expect(
      await query(
        'string_types',
        'SELECT hex(c_bit), hex(c_binary), octet_length(c_mediumblob), c_varchar, c_enum FROM $table WHERE id = 1',
      ),
    ).toEqual([['02AB', '00FF1000', 4096n, 'varchar ✓ 🎉', 'happy 😀']]);
  });

  it('registers the Glue types of the MySQL mapping table, taken from the Parquet files the export wrote', async () => {
    const types = Object.fromEntries(
      (findTable(stack.catalog, `${DATABASE}.numeric_types`)?.StorageDescriptor?.Columns ?? []).map((c) => [
        c.Name,
        c.Type,
      ]),
    );
    expect(types).toEqual({
      id: 'int',
      c_bigint: 'bigint',
      c_bigint_unsigned: 'decimal(20,0)',
      c_decimal_5_2: 'decimal(5,2)',
      c_decimal_15_2: 'decimal(15,2)',
      c_decimal_38_10: 'decimal(38,10)',
      c_numeric_65_30: 'string',
      c_double: 'double',
      c_float: 'double',
      c_int: 'int',
      c_mediumint: 'int',
      c_smallint: 'int',
      c_tinyint: 'int',
      c_boolean: 'int',
      c_smallint_unsigned: 'int',
      c_int_unsigned: 'bigint',
      c_mediumint_unsigned: 'bigint',
      c_tinyint_unsigned: 'smallint',
      c_year: 'int',
    });
    const key = (await keysOf(fullExport)).find((k) => k.includes('/sample.numeric_types/')) ?? '';
    const body = await (
      await stack.s3Client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
    ).Body?.transformToByteArray();
    const file = new Uint8Array(body ?? []);
    const unsigned = parquetMetadata(file.buffer).schema.find((e) => e.name === 'c_bigint_unsigned');
    expect(unsigned).toMatchObject({ type: 'FIXED_LEN_BYTE_ARRAY', type_length: 9, precision: 20, scale: 0 });
  });

  it('writes the MySQL layout <db>/<db>.<table>/ and the metadata files', async () => {
    const keys = await keysOf(fullExport);
    expect(folders(keys)).toEqual(EXPORTED.map((t) => `sample/sample.${t.replace(/ /g, '_')}`).sort());
    expect(
      keys.some((k) => /\/sample\/sample\.orders\/1\/part-00000-[0-9a-f-]{36}-c000\.gz\.parquet$/.test(k)),
    ).toBe(true);
    const metadata = keys
      .map((k) => k.split('/').pop() ?? '')
      .filter((name) => name.startsWith('export_'))
      .sort();
    expect(metadata).toEqual([
      `export_info_${fullExport}.json`,
      `export_tables_info_${fullExport}_from_11_to_16.json`,
      `export_tables_info_${fullExport}_from_1_to_10.json`,
    ]);
  });

  it('skips the tables the export skips and reports them in the completed notification', () => {
    const completed = notifications(stack).find(
      (n) => n.kind === 'completed' && n.exportTaskIdentifier === fullExport,
    );
    const skipped = (completed as { skippedTables?: string[] } | undefined)?.skippedTables?.join('\n') ?? '';
    for (const name of SKIPPED) {
      expect(skipped).toContain(name);
      expect(findTable(stack.catalog, `${DATABASE}.${name}`)).toBeUndefined();
    }
  });

  it('writes zero dates in DATETIME and TIMESTAMP columns as NULL, keeps them in DATE columns, and says so', async () => {
    const glue = findTable(stack.catalog, `${DATABASE}.zero_dates`);
    const { rows } = await athena.query(
      `SELECT id, c_date, strftime(c_datetime, '%Y-%m-%d %H:%M:%S'), c_timestamp FROM "${glue?.DatabaseName}"."${glue?.Name}" ORDER BY id`,
      [glue?.DatabaseName ?? ''],
    );
    expect(rows.slice(0, 3)).toEqual([
      [1, '0000-00-00', null, null],
      [2, '2024-00-15', null, null],
      [3, '0000-01-01', '0000-01-01 00:00:00', null],
    ]);
    const completed = notifications(stack).find(
      (n) => n.kind === 'completed' && n.exportTaskIdentifier === fullExport,
    );
    expect(
      (completed as { details?: { exportWarnings?: string } } | undefined)?.details?.exportWarnings,
    ).toContain('sample.zero_dates: column c_datetime: 2 zero date(s)');
  });

  it('exports only the database or the table a rule names in ExportOnly', async () => {
    const database = await stack.createSnapshot('mysql-db-only-1', 'sample-mysql-db-only');
    const orders = await stack.createSnapshot('mysql-orders-only-1', 'sample-mysql-orders-only');
    const executions = await exportSnapshots(stack, [database, orders]);
    expect(executions.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(executions.map((e) => stack.tasks.tasks.get(e.name)?.ExportOnly)).toEqual([
      ['sample'],
      ['sample.orders'],
    ]);
    expect(folders(await keysOf(executions[0]?.name ?? ''))).toHaveLength(EXPORTED.length);
    expect(folders(await keysOf(executions[1]?.name ?? ''))).toEqual(['sample/sample.orders']);
  });

  it('exports an Aurora MySQL cluster snapshot announced by RDS-EVENT-0075', async () => {
    const snapshot = await stack.createClusterSnapshot('mysql-cluster-1', 'sample-aurora-mysql-cluster');
    expect(snapshot.engine).toBe('aurora-mysql');
    const [execution] = await exportSnapshots(stack, [snapshot]);
    expect(execution?.status).toBe('SUCCEEDED');
    expect(stack.tasks.tasks.get(execution?.name ?? '')).toMatchObject({
      SourceType: 'CLUSTER',
      SourceArn: snapshot.arn,
    });
    const database = 'rds_export_cluster_sample_aurora_mysql_cluster';
    const orders = stack.catalog.tablesOf(database).find((t) => t.Name === 'sample_orders');
    const { rows } = await athena.query(`SELECT count(*), sum(amount) FROM "${database}"."${orders?.Name}"`, [
      database,
    ]);
    expect(rows.map((r) => r.map(String))).toEqual([['200', '48931']]);
  });

  it('describes the snapshots with the engine and version of the server, available and on gp3 storage', async () => {
    const [[version]] = (await source.query({ sql: 'SELECT VERSION()', rowsAsArray: true })) as unknown as [
      [unknown],
    ];
    const rds = new RDSClient({
      region: REGION,
      endpoint: stack.rds.endpoint,
      credentials: LOCAL_CREDENTIALS,
    });
    const [described] =
      (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'mysql-full-1' })))
        .DBSnapshots ?? [];
    expect(described).toMatchObject({
      Engine: 'mariadb',
      Status: 'available',
      StorageType: 'gp3',
      Port: 3306,
    });
    expect(String(version).startsWith(described?.EngineVersion ?? '?')).toBe(true);
  });

  it('sends only requests that are valid against the AWS API models', () => {
    const entries = readFileSync(requestLog, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as LoggedRequest);
    expect(entries.flatMap(requestProblems)).toEqual([]);
  });
});

describe('npm start -- --engine mysql --database-url mysql://…', () => {
  // A database of its own: the run drops and re-creates the sample tables in it.
  beforeAll(() => createMysqlDatabase(server, 'sample_cli'));

  it.each([
    ['a MySQL DB snapshot', [], 'rds_export_db_sample_mariadb'],
    [
      'an Aurora MySQL cluster snapshot',
      ['--source', 'cluster-snapshot'],
      'rds_export_cluster_sample_aurora_mysql',
    ],
  ])('runs the whole pipeline end to end as %s', async (_, extra, database) => {
    const { code, stdout, stderr } = await npmStart([
      '--engine',
      'mysql',
      '--database-url',
      server.url('sample_cli'),
      ...extra,
    ]);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain(
      `${database}.sample_cli_numeric_types: id int, c_bigint bigint, c_bigint_unsigned decimal(20,0)`,
    );
    expect(stdout).toMatch(/'Ada Lovelace'\s+│ '40'\s+│ '9971'/);
    expect(stdout).toContain('local pipeline run: OK');
  });
});
