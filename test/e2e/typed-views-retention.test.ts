import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAthena } from '#local/athena/engine.ts';
import type { GlueTable } from '#local/glue/server.ts';
import { skipReason } from '#local/rds/export-writer.ts';
import { takeSnapshot } from '#local/rds/snapshot-tables.ts';
import type { LambdaHandler } from '#local/runtime/lambda-context.ts';
import { invokeLocal } from '#local/runtime/lambda-context.ts';
import { findTable } from '#local/runtime/progress.ts';
import { ACCOUNT, BUCKET, type LocalStack, REGION, startStack } from '#local/stack.ts';
import { exportSnapshots, notifications } from './helpers.ts';

// The typed views, schema changes and retention on the local stack: the real handlers, the views
// as stored in Glue run by the local engine (local/athena/engine.ts), the real prune handler.
let stack: LocalStack;
let athena: LocalAthena;
let pruneHandler: LambdaHandler;

beforeAll(async () => {
  stack = await startStack({ timeScale: 600, durations: () => ({ starting: 30, inProgress: 300 }) });
  athena = new LocalAthena(stack.catalog, stack.s3Client);
  // Imported once the stack has set the handlers' environment (POLICY_FILE, endpoints, bucket).
  pruneHandler = ((await import('#functions/prune/handler.ts')) as { handler: LambdaHandler }).handler;
}, 120_000);

afterAll(async () => {
  await athena?.close();
  await stack?.stop();
});

const viewOf = (table: GlueTable, role: string) =>
  stack.catalog
    .tablesOf(table.DatabaseName)
    .find(
      (t) =>
        t.TableType === 'VIRTUAL_VIEW' &&
        t.Parameters?.['rds_export.role'] === role &&
        t.Parameters?.['rds_export.target'] === table.Parameters?.['rds_export.target'],
    );

/**
 * What a source value, as PostgreSQL printed it into the export, must read as through a view
 * column of the given DuckDB type: the same text when the type can hold it (DuckDB renders
 * decimals to their scale and timestamps in UTC with `+00`, as the source did), NULL when it
 * cannot (NaN, infinity, BC, nested or quoted arrays).
 */
function expectedTyped(source: unknown, type: string): string | null {
  if (source === null || source === undefined) return null;
  const text = String(source);
  if (type.startsWith('DECIMAL')) return /^-?\d+(\.\d+)?$/.test(text) ? text : null;
  if (type === 'DATE') return /^\d{4}-\d{2}-\d{2}$/.test(text) ? text : null;
  if (type === 'TIMESTAMP') return /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/.test(text) ? text : null;
  if (type === 'TIMESTAMP WITH TIME ZONE') {
    return /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?\+00$/.test(text) ? text : null;
  }
  if (type.endsWith('[]')) {
    if (!/^\{[^{}"]*\}$/.test(text)) return null;
    const inner = text.slice(1, -1);
    return `[${inner === '' ? '' : inner.split(',').join(', ')}]`;
  }
  return text;
}

describe('typed views on the local stack', () => {
  it('reads every exported table of the sample database through its typed view with the source types', async () => {
    const snapshot = await stack.createSnapshot('typed-1', 'sample-typed');
    const [execution] = await exportSnapshots(stack, [snapshot]);
    expect(execution?.status).toBe('SUCCEEDED');
    const source = await takeSnapshot(stack.db);
    const types = new Map<string, string>();
    for (const table of source.tables.filter((t) => skipReason(t) === undefined)) {
      const glue = findTable(stack.catalog, `postgres.${table.schema}.${table.name}`);
      const view = glue && viewOf(glue, 'latest_typed');
      expect(view, `${table.schema}.${table.name} has a typed view`).toBeDefined();
      if (!glue || !view) continue;
      const db = glue.DatabaseName;
      const columns = glue.StorageDescriptor?.Columns ?? [];
      const described = await athena.query(`SELECT * FROM "${db}"."${view.Name}" LIMIT 0`, [db]);
      expect(described.columns).toEqual(columns.map((c) => c.Name));
      const text = columns.map((c) => `CAST("${c.Name}" AS VARCHAR)`).join(', ');
      const typed = await athena.query(`SELECT ${text} FROM "${db}"."${view.Name}"`, [db]);
      const plain = await athena.query(`SELECT ${text} FROM "${db}"."${glue.Name}"`, [db]);
      expect(typed.rows).toHaveLength(table.rows.length);
      // Per column, as multisets: the view's values against what the table's source text must become.
      const sorted = (values: (string | null)[]) =>
        [...values].sort((a, b) => String(a).localeCompare(String(b)));
      columns.forEach((c, i) => {
        const type = described.types[i] ?? '';
        const column = `${table.schema}.${table.name}.${c.Name}`;
        types.set(column, type);
        const got = sorted(typed.rows.map((r) => (r[i] ?? null) as string | null));
        const wanted = sorted(plain.rows.map((r) => expectedTyped(r[i] ?? null, type)));
        expect({ column, type, got }).toEqual({ column, type, got: wanted });
      });
    }
    expect(
      Object.fromEntries(
        [...types].filter(([k]) =>
          /^(shop\.orders|types\.(numeric|datetime)_types|types\.string_types\.c_(int|text)_array)/.test(k),
        ),
      ),
    ).toMatchObject({
      'shop.orders.amount': 'DECIMAL(12,2)',
      'shop.orders.ordered_at': 'TIMESTAMP WITH TIME ZONE',
      'types.numeric_types.c_decimal': 'DECIMAL(38,10)',
      'types.numeric_types.c_numeric': 'VARCHAR',
      'types.numeric_types.c_money': 'VARCHAR',
      'types.datetime_types.c_date': 'DATE',
      'types.datetime_types.c_timestamp': 'TIMESTAMP',
      'types.datetime_types.c_timestamptz': 'TIMESTAMP WITH TIME ZONE',
      'types.datetime_types.c_interval': 'VARCHAR',
      'types.string_types.c_int_array': 'INTEGER[]',
      'types.string_types.c_text_array': 'VARCHAR',
    });
  }, 120_000);
});

describe('schema changes between exports', () => {
  it('reports added, retyped, renamed and dropped columns table by table, and keeps every export readable', async () => {
    const database = 'rds_export_db_sample_orders_changes';
    await exportSnapshots(stack, [await stack.createSnapshot('changes-1', 'sample-orders-changes')]);
    try {
      await stack.db.exec(
        "ALTER TABLE shop.orders ADD COLUMN note text DEFAULT 'n'; ALTER TABLE shop.orders ALTER COLUMN amount TYPE numeric(14,4)",
      );
      await exportSnapshots(stack, [await stack.createSnapshot('changes-2', 'sample-orders-changes')]);
      await stack.db.exec(
        'ALTER TABLE shop.orders RENAME COLUMN note TO remark; ALTER TABLE shop.orders DROP COLUMN status',
      );
      await exportSnapshots(stack, [await stack.createSnapshot('changes-3', 'sample-orders-changes')]);
    } finally {
      await stack.db.exec(
        "ALTER TABLE shop.orders DROP COLUMN IF EXISTS remark; ALTER TABLE shop.orders ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'paid'; ALTER TABLE shop.orders ALTER COLUMN amount TYPE numeric(12,2)",
      );
    }
    const completed = notifications(stack).filter(
      (n) => n.kind === 'completed' && n.exportTaskIdentifier?.startsWith('changes-'),
    ) as { exportTaskIdentifier: string; schemaChanges?: string[] }[];
    const byExport = Object.fromEntries(
      completed.map((n) => [n.exportTaskIdentifier.slice(0, 9), n.schemaChanges]),
    );
    expect(byExport['changes-1']).toBeUndefined();
    expect(byExport['changes-2']).toEqual([
      expect.stringMatching(
        /^postgres\.shop\.orders: added note string \(text\); retyped amount string \(numeric\(12,2\)\) → string \(numeric\(14,4\)\) \(since changes-1/,
      ),
    ]);
    expect(byExport['changes-3']).toEqual([
      expect.stringMatching(
        /^postgres\.shop\.orders: renamed note → remark \(inferred: same position and type\); dropped status/,
      ),
    ]);
    const history = `SELECT export_id, count(*) FROM "${database}"."postgres_shop_orders_history_typed" GROUP BY 1 ORDER BY 1`;
    const counts = await athena.query(history, [database]);
    expect(counts.rows.map((r) => [String(r[0]).slice(0, 9), Number(r[1])])).toEqual([
      ['changes-1', 200],
      ['changes-2', 200],
      ['changes-3', 200],
    ]);
    // Each export keeps its own columns: the first has status, the second note, the third remark.
    const cols = await athena.query(
      `SELECT export_id, count(status), count(note), count(remark), typeof(any_value(amount)) FROM "${database}"."postgres_shop_orders_history_typed" GROUP BY 1 ORDER BY 1`,
      [database],
    );
    expect(cols.rows.map((r) => r.slice(1).map(String))).toEqual([
      ['200', '0', '0', 'DECIMAL(14,4)'],
      ['200', '200', '0', 'DECIMAL(14,4)'],
      ['0', '0', '200', 'DECIMAL(14,4)'],
    ]);
  }, 120_000);
});

describe('retention', () => {
  const database = 'rds_export_db_sample_retention';
  const keysOf = async (exportId: string) => {
    const page = await stack.s3Client.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `exports/sample-retention/${exportId}/` }),
    );
    return (page.Contents ?? []).map((c) => c.Key);
  };
  const prune = (input: unknown) => invokeLocal(pruneHandler, 'prune', input, REGION, ACCOUNT);
  const ids: string[] = [];

  it('deletes the oldest of three exports with keepExports: 2, and keeps the latest two queryable', async () => {
    for (const n of [1, 2, 3]) {
      const [execution] = await exportSnapshots(stack, [
        await stack.createSnapshot(`retention-${n}`, 'sample-retention'),
      ]);
      expect(execution?.status).toBe('SUCCEEDED');
      ids.push(execution?.name ?? '');
    }
    // `rds-export prune --dry-run`: the real CLI, pointed at the local endpoints by the environment the
    // stack set for the handlers (AWS_ENDPOINT_URL_*, credentials, EXPORT_BUCKET, STATE_MACHINE_ARN).
    const cli = await promisify(execFile)(
      process.execPath,
      ['bin/rds-export.js', 'prune', '--dry-run', '--policy', 'local/export-policy.yml'],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)), env: process.env },
    );
    expect(cli.stdout).toMatch(
      /^Would delete 1 export\(s\): \d+ objects, [\d.]+ KiB; kept \d+ \(\d+ source\(s\)\)/,
    );
    expect(cli.stdout).toContain(`  ${database}  ${ids[0]}  `);
    expect(cli.stdout).toContain(`    s3://${BUCKET}/exports/sample-retention/${ids[0]}/`);
    const dry = (await prune({ dryRun: true })) as {
      exports: { exportTaskIdentifier: string; bytes: number }[];
    };
    expect(dry.exports.map((e) => e.exportTaskIdentifier)).toEqual([ids[0]]);
    expect(dry.exports[0]?.bytes).toBeGreaterThan(0);
    expect(await keysOf(ids[0] ?? '')).not.toEqual([]);

    const done = (await prune({})) as { exports: { exportTaskIdentifier: string; prefixes: string[] }[] };
    expect(done.exports.map((e) => e.prefixes)).toEqual([
      [`s3://${BUCKET}/exports/sample-retention/${ids[0]}/`],
    ]);
    expect(await keysOf(ids[0] ?? '')).toEqual([]);
    expect((await keysOf(ids[1] ?? '')).length).toBeGreaterThan(0);
    expect((await keysOf(ids[2] ?? '')).length).toBeGreaterThan(0);
    const history = stack.catalog
      .tablesOf(database)
      .find((t) => t.Parameters?.['rds_export.role'] === 'history');
    expect(
      stack.catalog
        .partitionsOf(database, history?.Name ?? '')
        .map((p) => p.Values[0])
        .sort(),
    ).toEqual([ids[1], ids[2]].sort());
    const count = async (table: string) =>
      Number((await athena.query(`SELECT count(*) FROM "${database}"."${table}"`, [database])).rows[0]?.[0]);
    const base = history?.Name?.replace(/_history$/, '') ?? '';
    expect(await count(base)).toBe(200);
    expect(await count(`${base}_typed`)).toBe(200);
    expect(await count(`${base}_history`)).toBe(400);
    expect(await count(`${base}_history_typed`)).toBe(400);
  }, 120_000);

  it('deletes nothing more when it runs again', async () => {
    const again = (await prune({})) as { exports: unknown[]; kept: number };
    expect(again.exports).toEqual([]);
    expect((await keysOf(ids[1] ?? '')).length).toBeGreaterThan(0);
  });
});
