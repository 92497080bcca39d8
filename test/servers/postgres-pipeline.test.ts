import { DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAthena } from '#local/athena/engine.ts';
import { skipReason } from '#local/rds/export-writer.ts';
import { takeSnapshot } from '#local/rds/snapshot-tables.ts';
import { findTable } from '#local/runtime/progress.ts';
import { LOCAL_CREDENTIALS } from '#local/s3/server.ts';
import { type LocalStack, REGION, startStack } from '#local/stack.ts';
import type { TestServer } from '#testkit/launch.ts';
import { comparableRows, exportSnapshots } from '../e2e/helpers.ts';
import { npmStart } from '../helpers/npm-start.ts';
import { createPostgresDatabase, startPostgres } from './postgres.ts';

// `--database-url postgres://…`: the whole pipeline on a real PostgreSQL server (Debian's
// postgresql), started for this file, instead of the embedded PGlite.
const DATABASE = 'sample';
let server: TestServer;
let stack: LocalStack;
let athena: LocalAthena;

beforeAll(async () => {
  server = await startPostgres();
  await createPostgresDatabase(server, DATABASE);
  stack = await startStack({
    timeScale: 600,
    databaseUrl: server.url(DATABASE),
    durations: () => ({ starting: 30, inProgress: 300 }),
  });
  athena = new LocalAthena(stack.catalog, stack.s3Client);
});

afterAll(async () => {
  await athena?.close();
  await stack?.stop();
  await server?.stop();
});

describe('the local pipeline on a PostgreSQL server', () => {
  it('exports a snapshot, registers every exported table and reads back exactly the source rows', async () => {
    expect(stack.db).toMatchObject({ kind: 'postgres', name: DATABASE, engine: 'postgres' });
    const snapshot = await stack.createSnapshot('pg-full-1', 'sample-pg-full');
    const [execution] = await exportSnapshots(stack, [snapshot]);
    expect(execution?.status).toBe('SUCCEEDED');
    const source = await takeSnapshot(stack.db);
    const exported = source.tables.filter((t) => skipReason(t) === undefined);
    // shop (2), types (5), edge (3) and "Mixed$Case" (1), as with PGlite.
    expect(exported).toHaveLength(11);
    for (const table of exported) {
      const glue = findTable(stack.catalog, `${DATABASE}.${table.schema}.${table.name}`);
      expect(glue, `${table.schema}.${table.name} registered`).toBeDefined();
      if (!glue) continue;
      const { rows } = await athena.query(`SELECT * FROM "${glue.DatabaseName}"."${glue.Name}"`, [
        glue.DatabaseName,
      ]);
      const kinds = table.columns.map((c) => c.kind);
      expect(comparableRows(rows, kinds), `${table.schema}.${table.name}`).toEqual(
        comparableRows(table.rows, kinds),
      );
    }
  });

  it('skips the unlogged table a real server holds, like the other tables the export skips', () => {
    expect(findTable(stack.catalog, `${DATABASE}.edge.scratch_unlogged`)).toBeUndefined();
    expect(stack.tasks.tasks.size).toBe(1);
    const [task] = [...stack.tasks.tasks.values()];
    expect(JSON.parse(task?.WarningMessage ?? '{}').skippedTables).toContainEqual({
      target: `${DATABASE}.edge.scratch_unlogged`,
      reason: 'UNLOGGED_TABLE: unlogged tables are not exported',
    });
  });

  it('describes the snapshot with the engine and version of the server', async () => {
    const [version] = await stack.db.query<{ server_version: string }>('SHOW server_version');
    const rds = new RDSClient({
      region: REGION,
      endpoint: stack.rds.endpoint,
      credentials: LOCAL_CREDENTIALS,
    });
    const [described] =
      (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'pg-full-1' }))).DBSnapshots ??
      [];
    expect(described).toMatchObject({
      Engine: 'postgres',
      Status: 'available',
      StorageType: 'gp3',
      Port: 5432,
    });
    expect(version?.server_version.startsWith(described?.EngineVersion ?? '?')).toBe(true);
  });
});

describe('npm start -- --database-url postgres://…', () => {
  beforeAll(() => createPostgresDatabase(server, 'sample_cli'));

  it('runs the whole pipeline end to end on the server', async () => {
    const { code, stdout, stderr } = await npmStart(['--database-url', server.url('sample_cli')]);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('source database: postgres (sample_cli)');
    expect(stdout).toMatch(/'Ada Lovelace'\s+│ '40'\s+│ '9971'/);
    expect(stdout).toContain('local pipeline run: OK');
  });
});
