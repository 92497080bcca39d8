import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { CancelExportTaskCommand, RDSClient } from '@aws-sdk/client-rds';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { LocalAthena } from '#local/athena/engine.ts';
import { exportEndedEvent } from '#local/eventbridge/delivery.ts';
import type { LoggedRequest } from '#local/protocol/request-log.ts';
import { skipReason } from '#local/rds/export-writer.ts';
import { takeSnapshot } from '#local/rds/snapshot-tables.ts';
import { findTable, waitForNamed } from '#local/runtime/progress.ts';
import { LOCAL_CREDENTIALS } from '#local/s3/server.ts';
import { BUCKET, EXPORTS_TABLE, type LocalStack, REGION, startStack } from '#local/stack.ts';
import { readSlots } from '#shared/slots/leases.ts';
import { requestProblems } from './api-models.ts';
import { comparableRows, exportSnapshots, notifications, until } from './helpers.ts';

// End-to-end on the local stack: real handlers, the real ASL, real Parquet written from a real
// PostgreSQL (PGlite). Simulated minutes pass in milliseconds (time scale 600).
let stack: LocalStack;
let athena: LocalAthena;
const failures = new Map<string, string>();
const logDir = mkdtempSync(join(tmpdir(), 'local-aws-requests-'));
const requestLog = join(logDir, 'requests.jsonl');

beforeAll(async () => {
  stack = await startStack({
    timeScale: 600,
    failures,
    requestLog,
    // The cancel test needs an export long enough to be caught IN_PROGRESS.
    durations: ({ ExportTaskIdentifier: id }) =>
      id.includes('slow')
        ? { starting: 30, inProgress: 7200 }
        : // The live-cluster test writes rows while the clone is STARTING, then once it is taken.
          id.includes('live')
          ? { starting: 600, inProgress: 300 }
          : { starting: 30, inProgress: 300 },
  });
  athena = new LocalAthena(stack.catalog, stack.s3Client);
}, 120_000);

afterAll(async () => {
  await athena?.close();
  await stack?.stop();
  rmSync(logDir, { recursive: true, force: true });
});

async function exportedKeys(exportTaskIdentifier: string): Promise<string[]> {
  const page = await stack.s3Client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'exports/' }));
  return (page.Contents ?? []).map((c) => c.Key ?? '').filter((k) => k.includes(`/${exportTaskIdentifier}/`));
}

describe('the local pipeline', () => {
  it('exports a snapshot, registers every exported table and reads back exactly the source rows', async () => {
    const snapshot = await stack.createSnapshot('full-1', 'sample-full');
    const [execution] = await exportSnapshots(stack, [snapshot]);
    expect(execution?.status).toBe('SUCCEEDED');
    const source = await takeSnapshot(stack.db);
    const exported = source.tables.filter((t) => skipReason(t) === undefined);
    // shop (2), types (5), and the names that need sanitizing: edge (3) and "Mixed$Case" (1).
    expect(exported).toHaveLength(11);
    for (const table of exported) {
      const glue = findTable(stack.catalog, `postgres.${table.schema}.${table.name}`);
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

  it('skips the tables the export skips and reports them in the completed notification', async () => {
    const completed = notifications(stack).find(
      (n) => n.kind === 'completed' && n.exportTaskIdentifier?.startsWith('full-1'),
    );
    const skipped = (completed as { skippedTables?: string[] } | undefined)?.skippedTables?.join('\n') ?? '';
    for (const name of [
      'space in column',
      'semicolon_column',
      'paren_column',
      'scratch_unlogged',
      'in/out',
    ]) {
      expect(skipped).toContain(name);
      expect(findTable(stack.catalog, `postgres.edge.${name}`)).toBeUndefined();
    }
  });

  it('exports only the schema or the table a rule names in ExportOnly', async () => {
    const shop = await stack.createSnapshot('shop-only-1', 'sample-shop-only');
    const orders = await stack.createSnapshot('orders-only-1', 'sample-orders-only');
    const executions = await exportSnapshots(stack, [shop, orders]);
    expect(executions.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const tablesOf = (keys: string[]) =>
      [...new Set(keys.filter((k) => k.endsWith('.parquet')).map((k) => k.split('/')[4]))].sort();
    expect(tablesOf(await exportedKeys(executions[0]?.name ?? ''))).toEqual([
      'shop.customers',
      'shop.orders',
    ]);
    expect(tablesOf(await exportedKeys(executions[1]?.name ?? ''))).toEqual(['shop.orders']);
  });

  it('keeps earlier exports queryable as history while the latest table reads the newest export', async () => {
    const first = await stack.createSnapshot('history-1', 'sample-orders-history');
    await exportSnapshots(stack, [first]);
    const archivedBefore = stack.catalog.archivedVersions;
    await stack.db.exec("INSERT INTO shop.orders VALUES (1000, 1, 1.00, 'paid', '2025-01-01 00:00:00+00')");
    try {
      const second = await stack.createSnapshot('history-2', 'sample-orders-history');
      const [execution] = await exportSnapshots(stack, [second]);
      expect(execution?.status).toBe('SUCCEEDED');
    } finally {
      await stack.db.exec('DELETE FROM shop.orders WHERE order_id = 1000');
    }
    const database = 'rds_export_db_sample_orders_history';
    const tables = stack.catalog.tablesOf(database);
    const latest = tables.find((t) => (t.PartitionKeys ?? []).length === 0);
    const history = tables.find((t) => (t.PartitionKeys ?? []).length > 0);
    expect(latest && history).toBeTruthy();
    const count = async (table: string) =>
      Number((await athena.query(`SELECT count(*) FROM "${database}"."${table}"`, [database])).rows[0]?.[0]);
    expect(await count(latest?.Name ?? '')).toBe(201);
    expect(await count(history?.Name ?? '')).toBe(401);
    expect(stack.catalog.partitionsOf(database, history?.Name ?? '')).toHaveLength(2);
    // The second export updated every latest table, and archived no version (SkipArchive).
    expect(Number(latest?.VersionId)).toBeGreaterThan(0);
    expect(stack.catalog.archivedVersions).toBe(archivedBefore);
  });

  it('exports a live Aurora cluster on a schedule slot, as of its clone, and starts one export per slot', async () => {
    stack.clusters.add('sample-live-cluster', stack.db);
    const until = async (done: () => boolean) => {
      for (let i = 0; i < 2000 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
      expect(done()).toBe(true);
    };
    const slot = new Date('2024-05-02T01:00:00.000Z');
    const run = (await stack.fireSchedule('local-clusters', slot)) as {
      decisions: { action: string; source?: string; exportTaskIdentifier?: string }[];
    };
    const decision = run.decisions.find((d) => d.source === 'sample-live-cluster');
    expect(decision).toMatchObject({ action: 'export', rule: 'live-clusters' });
    const id = decision?.exportTaskIdentifier ?? '';
    try {
      // Written after the slot fired, while the export is STARTING: the clone has it.
      await until(() => stack.tasks.tasks.get(id)?.Status === 'STARTING');
      await stack.db.exec(
        "INSERT INTO shop.orders VALUES (2000, 1, 20.00, 'paid', '2025-02-01 00:00:00+00')",
      );
      // Written once the clone is taken (IN_PROGRESS): the export does not.
      await until(() => stack.tasks.tasks.get(id)?.Status === 'IN_PROGRESS');
      await stack.db.exec(
        "INSERT INTO shop.orders VALUES (2001, 1, 20.01, 'paid', '2025-02-01 00:00:01+00')",
      );
      const [execution] = await waitForNamed(stack, [id]);
      expect(execution?.status).toBe('SUCCEEDED');
    } finally {
      await stack.db.exec('DELETE FROM shop.orders WHERE order_id IN (2000, 2001)');
    }
    const task = stack.tasks.tasks.get(id);
    expect(task).toMatchObject({
      SourceType: 'CLUSTER',
      SourceArn: expect.stringContaining(':cluster:sample-live-cluster'),
    });
    const database = 'rds_export_cluster_sample_live_cluster';
    const orders = stack.catalog
      .tablesOf(database)
      .find(
        (t) =>
          t.Parameters?.['rds_export.target'] === 'postgres.shop.orders' &&
          (t.PartitionKeys ?? []).length === 0,
      );
    const ids = await athena.query(
      `SELECT order_id FROM "${database}"."${orders?.Name}" WHERE order_id >= 2000 ORDER BY order_id`,
      [database],
    );
    expect(ids.rows.map((r) => Number(r[0]))).toEqual([2000]);
    // The history partition is dated at the export's point in time: the clone.
    const history = stack.catalog.tablesOf(database).find((t) => t.Name === `${orders?.Name}_history`);
    const [partition] = stack.catalog.partitionsOf(database, history?.Name ?? '');
    expect(partition?.Values).toEqual([id, task?.SnapshotTime.toISOString()]);
    // The same slot delivered again starts nothing; the next slot is a new export.
    const again = (await stack.fireSchedule('local-clusters', slot)) as typeof run;
    expect(again.decisions.find((d) => d.source === 'sample-live-cluster')).toMatchObject({
      action: 'duplicate',
    });
  });

  it('exports each of two overlapping slots of one cluster once, one partition each, neither taking the other’s wake', async () => {
    stack.clusters.add('sample-live-overlap', stack.db);
    const dynamodb = new DynamoDBClient({
      region: REGION,
      endpoint: stack.dynamodb.endpoint,
      credentials: LOCAL_CREDENTIALS,
    });
    // The export-finished events are held back: the first export's end is delivered by hand, late,
    // once the second export runs and waits (RDS runs one export of a source at a time, and the
    // second starts before the first one's event arrives).
    const faults = stack.events.faults;
    stack.events.faults = { drop: 1, duplicate: 0, maxDelaySeconds: 0 };
    onTestFinished(() => {
      stack.events.faults = faults;
    });
    const slots = [new Date('2024-05-03T01:00:00.000Z'), new Date('2024-05-03T01:05:00.000Z')];
    const ids: string[] = [];
    // The second slot fires while the first slot's export runs: two executions of one source at once.
    for (const slot of slots) {
      const run = (await stack.fireSchedule('local-clusters', slot)) as {
        decisions: { action: string; source?: string; exportTaskIdentifier?: string }[];
      };
      const decision = run.decisions.find((d) => d.source === 'sample-live-overlap');
      expect(decision).toMatchObject({ action: 'export' });
      ids.push(decision?.exportTaskIdentifier ?? '');
    }
    expect(new Set(ids).size).toBe(2);
    const task = (id: string) => stack.tasks.tasks.get(id);
    const running = () => ids.find((id) => task(id)?.Status === 'IN_PROGRESS');
    const ended = () => ids.find((id) => task(id)?.Status === 'COMPLETE');
    const sourceArn = () => task(ids.find((id) => task(id) !== undefined) ?? '')?.SourceArn ?? '';
    const parked = async (id: string) => {
      const out = await dynamodb.send(
        new QueryCommand({
          TableName: EXPORTS_TABLE,
          KeyConditionExpression: 'pk = :pk AND sk = :sk',
          ExpressionAttributeValues: {
            ':pk': { S: `waiter#${sourceArn().toLowerCase()}` },
            ':sk': { S: `export#${id}` },
          },
          ConsistentRead: true,
        }),
      );
      return (out.Items ?? []).some((item) => item.token !== undefined);
    };
    await until(async () => {
      const id = running();
      return ended() !== undefined && id !== undefined && (await parked(id));
    }, 'one export ended while the other runs and waits');
    const [first, second] = [ended() ?? '', running() ?? ''];
    const firstTask = task(first);
    if (firstTask === undefined) throw new Error('no first task');
    await stack.events.target?.(exportEndedEvent(firstTask, REGION, '123456789012'));
    // The first export's event woke the first export only: the second keeps its wait and its slot.
    expect(task(second)?.Status).toBe('IN_PROGRESS');
    expect(await parked(second)).toBe(true);
    expect((await readSlots({ dynamodb, table: EXPORTS_TABLE })).leases.has(second)).toBe(true);
    stack.events.faults = faults;

    const executions = await waitForNamed(stack, ids);
    expect(executions.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    // One task per slot, of the cluster, never both at once.
    const tasks = [task(first), task(second)];
    expect(tasks.map((t) => t?.Status)).toEqual(['COMPLETE', 'COMPLETE']);
    expect(Number(tasks[1]?.TaskStartTime)).toBeGreaterThanOrEqual(Number(tasks[0]?.TaskEndTime));
    // One history partition per export, each naming its own export.
    const database = 'rds_export_cluster_sample_live_overlap';
    const history = stack.catalog.tablesOf(database).filter((t) => t.Name?.endsWith('_history'));
    expect(history.length).toBeGreaterThan(0);
    for (const table of history) {
      const partitions = stack.catalog.partitionsOf(database, table.Name ?? '');
      expect(partitions.map((p) => p.Values?.[0]).sort()).toEqual([...ids].sort());
    }
    // The latest tables read the files of the export that ran last, which are there.
    const latest = stack.catalog
      .tablesOf(database)
      .filter((t) => t.TableType !== 'VIRTUAL_VIEW' && (t.PartitionKeys ?? []).length === 0);
    expect(latest.length).toBeGreaterThan(0);
    for (const table of latest) {
      const location = table.StorageDescriptor?.Location ?? '';
      expect(location).toContain(`/${second}/`);
      const prefix = location.replace(`s3://${BUCKET}/`, '');
      const page = await stack.s3Client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
      expect(page.KeyCount ?? 0).toBeGreaterThan(0);
    }
    // No slot lease is left behind.
    const held = (await readSlots({ dynamodb, table: EXPORTS_TABLE })).leases;
    for (const id of ids) expect(held.has(id)).toBe(false);
  });

  it('exports an Aurora cluster snapshot announced by RDS-EVENT-0075', async () => {
    const snapshot = await stack.createClusterSnapshot('cluster-snap-1', 'sample-orders-cluster');
    const [execution] = await exportSnapshots(stack, [snapshot]);
    expect(execution?.status).toBe('SUCCEEDED');
    expect(stack.tasks.tasks.get(execution?.name ?? '')).toMatchObject({
      SourceType: 'CLUSTER',
      SourceArn: snapshot.arn,
    });
    expect(stack.catalog.tablesOf('rds_export_cluster_sample_orders_cluster').length).toBeGreaterThan(0);
  });

  it('starts one export for duplicate events of the same snapshot', async () => {
    const snapshot = await stack.createSnapshot('dup-1', 'sample-orders-dup');
    const before = stack.tasks.tasks.size;
    const executions = await exportSnapshots(stack, [snapshot, snapshot, snapshot]);
    expect(executions).toHaveLength(1);
    expect(executions[0]?.status).toBe('SUCCEEDED');
    expect(stack.tasks.tasks.size - before).toBe(1);
  });

  it('runs a burst of 20 exports never more than 5 at a time and completes and registers every one', async () => {
    const first = await stack.createSnapshot('burst-01', 'sample-orders-burst-01');
    const snapshots = [first];
    for (let i = 2; i <= 20; i++) {
      const n = String(i).padStart(2, '0');
      snapshots.push(await stack.createSnapshot(`burst-${n}`, `sample-orders-burst-${n}`, first));
    }
    const executions = await exportSnapshots(stack, snapshots);
    expect(executions).toHaveLength(20);
    expect(executions.filter((e) => e.status === 'SUCCEEDED')).toHaveLength(20);
    // Like RDS, the endpoint refuses a sixth task. Executions that count free slots at the same moment
    // race for them; the losers are refused, classified as retryable, and wait for their turn.
    expect(stack.tasks.maxActiveSeen).toBe(5);
    for (const e of executions) {
      expect(stack.tasks.tasks.get(e.name)?.Status).toBe('COMPLETE');
      expect(stack.catalog.databases.has(`rds_export_db_sample_orders_burst_${e.name.slice(6, 8)}`)).toBe(
        true,
      );
    }
  }, 120_000);

  it('completes a burst of 20 when 30 % of the export-finished events are lost and 10 % come twice', async () => {
    stack.events.faults = { drop: 0.3, duplicate: 0.1, maxDelaySeconds: 30 };
    const before = { ...stack.events.stats };
    try {
      const first = await stack.createSnapshot('lossy-01', 'sample-orders-lossy-01');
      const snapshots = [first];
      for (let i = 2; i <= 20; i++) {
        const n = String(i).padStart(2, '0');
        snapshots.push(await stack.createSnapshot(`lossy-${n}`, `sample-orders-lossy-${n}`, first));
      }
      const executions = await exportSnapshots(stack, snapshots);
      expect(executions.filter((e) => e.status === 'SUCCEEDED')).toHaveLength(20);
      expect(stack.tasks.maxActiveSeen).toBeLessThanOrEqual(5);
      // Some events were lost and some came twice, and neither showed.
      expect(stack.events.stats.dropped).toBeGreaterThan(before.dropped);
      expect(stack.events.stats.duplicated).toBeGreaterThan(before.duplicated);
      for (const e of executions) {
        expect(stack.tasks.tasks.get(e.name)?.Status, e.name).toBe('COMPLETE');
        expect(stack.catalog.databases.has(`rds_export_db_sample_orders_lossy_${e.name.slice(6, 8)}`)).toBe(
          true,
        );
        const sent = notifications(stack).filter((n) => n.exportTaskIdentifier === e.name);
        expect(sent.map((n) => n.kind).sort(), e.name).toEqual(['completed', 'started']);
      }
    } finally {
      stack.events.faults = { drop: 0, duplicate: 0, maxDelaySeconds: 0 };
    }
  }, 120_000);

  it('alerts with the failure cause when an export fails', async () => {
    const snapshot = await stack.createSnapshot('fail-1', 'sample-orders-fail');
    failures.set(snapshot.arn, 'KMS key check failed. Check the credentials on your KMS key and try again.');
    const [execution] = await exportSnapshots(stack, [snapshot]);
    expect(stack.tasks.tasks.get(execution?.name ?? '')?.Status).toBe('FAILED');
    const alert = notifications(stack).find(
      (n) => n.exportTaskIdentifier === execution?.name && n.kind === 'failed',
    );
    expect(alert?.cause).toContain('KMS key check failed');
  });

  it('alerts when an export is canceled', async () => {
    const snapshot = await stack.createSnapshot('slow-cancel-1', 'sample-orders-cancel');
    const decision = (await stack.raiseSnapshotEvent(snapshot)) as { exportTaskIdentifier: string };
    const id = decision.exportTaskIdentifier;
    while (stack.tasks.tasks.get(id)?.Status !== 'IN_PROGRESS') await new Promise((r) => setTimeout(r, 50));
    const rds = new RDSClient({
      region: REGION,
      endpoint: stack.rds.endpoint,
      credentials: LOCAL_CREDENTIALS,
    });
    const canceling = await rds.send(new CancelExportTaskCommand({ ExportTaskIdentifier: id }));
    expect(canceling.Status).toBe('CANCELING');
    const [execution] = await waitForNamed(stack, [id]);
    // The state machine ends a canceled export in its `Export canceled` Fail state.
    expect([execution?.status, execution?.error]).toEqual(['FAILED', 'ExportCanceled']);
    expect(stack.tasks.tasks.get(id)?.Status).toBe('CANCELED');
    expect(notifications(stack).some((n) => n.exportTaskIdentifier === id && n.kind === 'canceled')).toBe(
      true,
    );
  });

  it('retries throttled RDS and Glue calls and completes the export', async () => {
    stack.rds.faults.throttle('StartExportTask', 1);
    stack.rds.faults.throttle('DescribeExportTasks', 2);
    stack.glue.faults.throttle('CreateTable', 1);
    stack.glue.faults.throttle('GetTables', 1);
    const snapshot = await stack.createSnapshot('throttled-1', 'sample-shop-throttled');
    const [execution] = await exportSnapshots(stack, [snapshot]);
    expect(execution?.status).toBe('SUCCEEDED');
    for (const action of ['StartExportTask', 'DescribeExportTasks'])
      expect(stack.rds.faults.take(action)).toBe(false);
    for (const action of ['CreateTable', 'GetTables']) expect(stack.glue.faults.take(action)).toBe(false);
    expect(findTable(stack.catalog, 'postgres.shop.orders')).toBeDefined();
    expect(stack.catalog.tablesOf('rds_export_db_sample_shop_throttled').length).toBeGreaterThan(0);
  });

  it('sends only requests that are valid against the AWS API models', () => {
    const entries = readFileSync(requestLog, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as LoggedRequest);
    const services = new Set(entries.map((e) => e.service));
    expect([...services].sort()).toEqual(['dynamodb', 'glue', 'rds', 's3', 'sfn', 'sns']);
    const problems = entries.flatMap(requestProblems);
    expect(problems).toEqual([]);
  });
});
