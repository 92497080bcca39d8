/**
 * `npm start [-- --engine postgres|mysql] [--database-url URL] [--source db-snapshot|cluster-snapshot|cluster|graph]
 * [--format parquet|csv] [--snapshots N] [--accounts N] [--time-scale X] [--serve] [--drop-events P] [--duplicate-events P]`: runs the whole
 * pipeline on this machine (see docs/local.md) and ends with the registered tables and a sample query.
 */
import { parseArgs } from 'node:util';
import { scopeDatabasePrefix } from '#functions/register-export/naming.ts';
import { loadPolicyFile } from '#shared/policy/load.ts';
import { LocalAthena } from './athena/engine.ts';
import { type EngineFamily, familyOfUrl, MYSQL_NEEDS_A_SERVER, redactUrl } from './databases/open.ts';
import { findTable, waitForExecutions } from './runtime/progress.ts';
import { serve } from './serve.ts';
import {
  ACCOUNT,
  LOCAL_POLICY_FILE,
  type LocalAccount,
  type LocalStack,
  MAX_ACCOUNTS,
  REGION,
  REGIONAL_DESTINATIONS,
  startStack,
} from './stack.ts';
import { askGraphQuestion, exportGraph } from './start-graph.ts';

const USAGE =
  'usage: npm start -- [--engine postgres|mysql] [--database-url URL] [--source db-snapshot|cluster-snapshot|cluster|graph] [--format parquet|csv] [--snapshots N (≥1)] [--accounts N (1-5; snapshot sources only, not with --serve)] [--regions us-west-2 (snapshot sources only, not with --serve)] [--time-scale X (>0)] [--serve] [--drop-events P] [--duplicate-events P] (P in [0, 1])';

// The SDK warns on every client that Node 20 support ends in 2027; once is enough here.
const shownWarnings = new Set<string>();
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'NodeVersionSupportWarning' && shownWarnings.has(warning.name)) return;
  shownWarnings.add(warning.name);
  console.error(`${warning.name}: ${warning.message}`);
});

function options() {
  try {
    return parseArgs({
      options: {
        snapshots: { type: 'string', default: '1' },
        accounts: { type: 'string', default: '1' },
        regions: { type: 'string', default: '' },
        engine: { type: 'string' },
        'database-url': { type: 'string' },
        source: { type: 'string', default: 'db-snapshot' },
        format: { type: 'string', default: 'parquet' },
        'time-scale': { type: 'string' },
        serve: { type: 'boolean' },
        'drop-events': { type: 'string', default: '0' },
        'duplicate-events': { type: 'string', default: '0' },
      },
    }).values;
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
}
const values = options();
const count = Number(values.snapshots);
const accountCount = Number(values.accounts);
// Other Regions every account has RDS in, exporting to the hub's bucket and key there (the local
// policy's regions:).
const regions = values.regions
  .split(',')
  .map((r) => r.trim())
  .filter((r) => r !== '');
const knownRegion = (r: string): r is keyof typeof REGIONAL_DESTINATIONS =>
  Object.hasOwn(REGIONAL_DESTINATIONS, r);
// Serving, an export takes about a minute: long enough to watch it and to cancel one.
const timeScale = Number(values['time-scale'] ?? (values.serve ? '10' : '600'));
const databaseUrl = values['database-url'];
const dropEvents = Number(values['drop-events']);
const duplicateEvents = Number(values['duplicate-events']);
const isShare = (p: number) => p >= 0 && p <= 1;
const cluster = values.source === 'cluster-snapshot';
const live = values.source === 'cluster';
const graph = values.source === 'graph';
const graphFormat = values.format === 'csv' ? 'csv' : 'parquet';

/** The engine family to export, or exits 2 with the reason (MySQL without a server among them). */
function engineFamily(): EngineFamily {
  const urlFamily = databaseUrl === undefined ? undefined : familyOfUrl(databaseUrl);
  if (databaseUrl !== undefined && urlFamily === undefined) {
    console.error(
      `--database-url must be a postgres:// or mysql:// URL: ${redactUrl(databaseUrl)}\n${USAGE}`,
    );
    process.exit(2);
  }
  const engine = values.engine ?? urlFamily ?? 'postgres';
  if (engine !== 'postgres' && engine !== 'mysql') {
    console.error(`--engine must be postgres or mysql, not ${engine}\n${USAGE}`);
    process.exit(2);
  }
  if (urlFamily !== undefined && urlFamily !== engine) {
    console.error(
      `--engine ${engine} needs a ${engine}:// URL, not ${redactUrl(databaseUrl ?? '')}\n${USAGE}`,
    );
    process.exit(2);
  }
  if (engine === 'mysql' && databaseUrl === undefined) {
    console.error(MYSQL_NEEDS_A_SERVER);
    process.exit(2);
  }
  return engine;
}

async function main(stack: LocalStack): Promise<void> {
  const { db } = stack;
  const engine = cluster || live ? (db.family === 'mysql' ? 'aurora-mysql' : 'aurora-postgresql') : db.engine;
  console.log(
    graph
      ? `source: the sample Neptune Analytics graph, exported as ${graphFormat}; time scale ×${timeScale}`
      : `source database: ${db.kind} (${db.name}), ${db.engine} ${db.engineVersion}, exported as ${engine} ${values.source}s; time scale ×${timeScale}`,
  );
  console.log(
    `endpoints: s3 ${stack.s3.endpoint}  rds ${stack.rds.endpoint}  glue ${stack.glue.endpoint}  sns ${stack.sns.endpoint}  sfn ${stack.sfn.endpoint}`,
  );
  if (stack.accounts.length > 1) {
    const members = stack.accounts.filter((a) => a.member).map((a) => a.id);
    console.log(`accounts: hub ${ACCOUNT}, members ${members.join(', ')} (sts ${stack.sts.endpoint})`);
  }
  const executions = graph
    ? await exportGraph(stack, graphFormat, (line) => console.log(line))
    : live
      ? await exportLiveCluster(stack, engine)
      : await exportSnapshots(stack, engine);
  await report(stack, executions);
}

/**
 * Snapshots, announced by the events RDS emits for them: the i-th in the i-th account and Region
 * (mod their number; the hub's home first), a member's or another Region's through its bus, which
 * forwards it to the hub.
 */
async function exportSnapshots(stack: LocalStack, engine: string) {
  const first = cluster
    ? await stack.createClusterSnapshot(`sample-${engine}-snapshot-1`, `sample-${engine}`)
    : await stack.createSnapshot(`sample-${engine}-snapshot-1`);
  const snapshots = [first];
  for (let i = 2; i <= count; i++) {
    const place = stack.accounts[(i - 1) % stack.accounts.length];
    snapshots.push(
      await stack.createSnapshot(
        `sample-${engine}-snapshot-${i}`,
        undefined,
        first,
        place?.id,
        place?.region,
      ),
    );
  }
  const event = cluster ? 'RDS-EVENT-0075' : 'RDS-EVENT-0042';
  const where = stack.accounts.length > 1 ? ` in ${stack.accounts.length} accounts and Regions` : '';
  console.log(`took ${snapshots.length} snapshot(s)${where}; raising ${snapshots.length} ${event} event(s)`);
  await Promise.all(snapshots.map((s) => stack.raiseSnapshotEvent(s)));
  return waitForExecutions(stack, snapshots.length, (line) => console.log(line));
}

/**
 * A live Aurora cluster on a slot of the local policy's schedule. It shows what a live export holds:
 * a row written after the slot fired but before the clone is taken (the task is STARTING) is in the
 * export; a row written once the clone is taken (IN_PROGRESS) is not.
 */
async function exportLiveCluster(stack: LocalStack, engine: string) {
  const { db } = stack;
  const identifier = `sample-${engine}-live`;
  stack.clusters.add(identifier, db);
  const orders = db.family === 'mysql' ? 'orders' : 'shop.orders';
  const at = db.family === 'mysql' ? "'2025-02-01 00:00:00'" : "'2025-02-01 00:00:00+00'";
  console.log(`live cluster ${identifier} (${engine}); firing one slot of schedule local-clusters`);
  const run = (await stack.fireSchedule('local-clusters')) as {
    decisions: { source?: string; exportTaskIdentifier?: string }[];
  };
  const id = run.decisions.find((d) => d.source === identifier)?.exportTaskIdentifier;
  if (id === undefined) throw new Error(`schedule local-clusters did not export ${identifier}`);
  const status = () => stack.tasks.tasks.get(id)?.Status;
  const until = async (wanted: string) => {
    while (status() !== wanted && !['COMPLETE', 'FAILED', 'CANCELED'].includes(status() ?? '')) {
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  try {
    await until('STARTING');
    await db.exec(`INSERT INTO ${orders} VALUES (900001, 1, 1.00, 'paid', ${at})`);
    console.log('wrote order 900001 while the export was STARTING (before the clone)');
    await until('IN_PROGRESS');
    await db.exec(`INSERT INTO ${orders} VALUES (900002, 1, 2.00, 'paid', ${at})`);
    console.log('wrote order 900002 once the export was IN_PROGRESS (after the clone)');
    return await waitForExecutions(stack, 1, (line) => console.log(line));
  } finally {
    await db.exec(`DELETE FROM ${orders} WHERE order_id IN (900001, 900002)`);
  }
}

/** The most tasks running at one moment, from their start and end times. */
function mostAtOnce(tasks: { TaskStartTime: Date; TaskEndTime?: Date }[]): number {
  // At equal times an end counts before a start: a slot freed and taken is not two at once.
  const edges = tasks
    .flatMap((t) => [
      [t.TaskStartTime.getTime(), 1],
      [t.TaskEndTime?.getTime() ?? Number.POSITIVE_INFINITY, -1],
    ])
    .sort((a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number));
  let running = 0;
  let most = 0;
  for (const [, step] of edges) {
    running += step as number;
    most = Math.max(most, running);
  }
  return most;
}

/** An account, and its Region when the stack has several. */
const placeName = (place: LocalAccount) => (regions.length === 0 ? place.id : `${place.id} ${place.region}`);

async function report(stack: LocalStack, executions: Awaited<ReturnType<typeof waitForExecutions>>) {
  const { db } = stack;
  const failed = executions.filter((e) => e.status !== 'SUCCEEDED');
  const bus = stack.events.stats;
  console.log(
    `\nexport-finished events${stack.accounts.length > 1 ? ' on the hub’s bus' : ''}: ${bus.emitted} emitted, ${bus.dropped} dropped, ${bus.duplicated} duplicated, ${bus.delivered} delivered to the waits function`,
  );
  if (stack.accounts.length > 1) {
    const all = stack.accounts.flatMap((a) => [...a.tasks.tasks.values()]);
    console.log(`per account (${all.length} exports, at most ${mostAtOnce(all)} in flight at once in all):`);
    for (const account of stack.accounts) {
      const forwarded =
        account !== stack.accounts[0]
          ? `, ${account.forwarding.forwarded} event(s) forwarded to the hub`
          : '';
      console.log(
        `  ${placeName(account)}${account.member ? '' : ' (hub)'}: ${account.tasks.tasks.size} export(s), at most ${account.tasks.maxActiveSeen} in flight at once${forwarded}`,
      );
    }
  }
  console.log(`notifications published to SNS: ${stack.sns.messages.length}`);
  for (const m of stack.sns.messages) {
    console.log(
      `  [${m.MessageAttributes.status?.StringValue ?? '?'}] ${m.Subject ?? m.Message.slice(0, 100)}`,
    );
    // What the export could not keep as it was, e.g. MySQL zero dates written as NULL.
    const warnings = (JSON.parse(m.Message) as { details?: { exportWarnings?: string } }).details
      ?.exportWarnings;
    if (warnings) for (const w of warnings.split('; ')) console.log(`      export warning: ${w}`);
  }
  console.log('\nregistered Glue tables:');
  const databases = [...stack.catalog.databases.keys()];
  for (const database of databases) {
    for (const table of stack.catalog.tablesOf(database)) {
      const columns = (table.StorageDescriptor?.Columns ?? []).map((c) => `${c.Name} ${c.Type}`).join(', ');
      const partitions =
        (table.PartitionKeys ?? []).length > 0
          ? ` [${stack.catalog.partitionsOf(database, table.Name).length} partition(s)]`
          : '';
      console.log(`  ${database}.${table.Name}${partitions}: ${columns}`);
    }
  }
  if (failed.length > 0) {
    throw new Error(
      `${failed.length} execution(s) did not succeed: ${failed.map((e) => `${e.name} ${e.status} ${e.error ?? ''}`).join('; ')}`,
    );
  }
  if (graph) {
    await askGraphQuestion(stack, (line) => console.log(line));
    return;
  }

  // Export targets: database.schema.table for PostgreSQL, database.table for MySQL.
  const shop = db.family === 'mysql' ? db.name : `${db.name}.shop`;
  const athena = new LocalAthena(stack.catalog, stack.s3Client);
  const names = loadPolicyFile(LOCAL_POLICY_FILE).accounts;
  // register-export's database prefix of each account and Region (naming.ts scopeDatabasePrefix);
  // a database is the place's whose prefix is the longest it starts with.
  const prefixOf = (place: LocalAccount) =>
    scopeDatabasePrefix(
      'rds_export_',
      { partition: 'aws', account: place.id, region: place.region },
      { account: ACCOUNT, region: REGION },
      names[place.id],
    );
  const placeOf = (name: string) =>
    stack.accounts
      .filter((p) => name.startsWith(prefixOf(p)))
      .sort((a, b) => prefixOf(b).length - prefixOf(a).length)[0];
  // Each account's orders table, for the one query over the whole Organization at the end.
  const ordersOf: { account: string; database: string; table: string }[] = [];
  try {
    // An account the snapshots did not reach (--accounts above --snapshots) has nothing to query.
    for (const account of stack.accounts.filter((a) => a.tasks.tasks.size > 0 || !a.member)) {
      const inAccount = (name: string) => placeOf(name) === account;
      const orders = findTable(stack.catalog, `${shop}.orders`, inAccount);
      const customers = findTable(stack.catalog, `${shop}.customers`, inAccount);
      if (!orders || !customers) {
        const whose = stack.accounts.length > 1 ? ` for ${placeName(account)}` : '';
        throw new Error(`${shop}.orders / ${shop}.customers were not registered in Glue${whose}`);
      }
      const sql = `SELECT c.name, count(*) AS orders, sum(CAST(o.amount AS DECIMAL(12,2))) AS total
FROM "${orders.DatabaseName}"."${orders.Name}" o JOIN "${customers.DatabaseName}"."${customers.Name}" c ON o.customer_id = c.customer_id
GROUP BY c.name ORDER BY total DESC`;
      ordersOf.push({
        account: placeName(account),
        database: orders.DatabaseName ?? '',
        table: orders.Name ?? '',
      });
      const { columns, rows } = await athena.query(sql, [orders.DatabaseName]);
      const whose = stack.accounts.length > 1 ? ` of ${placeName(account)}` : '';
      console.log(
        `\nsample query${whose} (DuckDB over the exported Parquet, as Athena reads it from Glue):\n${sql}\n`,
      );
      console.table(rows.map((row) => Object.fromEntries(columns.map((c, i) => [c, String(row[i])]))));
      if (live) {
        const check = `SELECT order_id FROM "${orders.DatabaseName}"."${orders.Name}" WHERE order_id > 900000 ORDER BY order_id`;
        const found = (await athena.query(check, [orders.DatabaseName])).rows.map((r) => String(r[0]));
        console.log(`${check}\n  → ${found.join(', ') || '(none)'}  (the clone holds 900001, not 900002)`);
        if (found.join(',') !== '900001')
          throw new Error(`the live export holds orders ${found.join(', ') || 'none'}, expected 900001`);
      }
    }
    if (ordersOf.length > 1) {
      // One catalog: one query reads every account's exports, as one Athena workgroup would.
      const sql = ordersOf
        .map(
          (o) =>
            `SELECT '${o.account}' AS account, count(*) AS orders, sum(CAST(amount AS DECIMAL(12,2))) AS total FROM "${o.database}"."${o.table}"`,
        )
        .join('\nUNION ALL\n');
      const { columns, rows } = await athena.query(
        `${sql}\nORDER BY account`,
        ordersOf.map((o) => o.database),
      );
      console.log(`\none query over every account's exports (one catalog):\n${sql}\nORDER BY account\n`);
      console.table(rows.map((row) => Object.fromEntries(columns.map((c, i) => [c, String(row[i])]))));
      if (rows.length !== ordersOf.length) {
        throw new Error(
          `the Organization-wide query read ${rows.length} accounts, expected ${ordersOf.length}`,
        );
      }
    }
  } finally {
    await athena.close();
  }
}

if (
  !Number.isInteger(count) ||
  count < 1 ||
  !Number.isInteger(accountCount) ||
  accountCount < 1 ||
  accountCount > MAX_ACCOUNTS ||
  // Members' snapshots are announced by their buses: graphs and live clusters start on the hub's schedules.
  ((accountCount > 1 || regions.length > 0) && (values.serve || graph || live)) ||
  !regions.every(knownRegion) ||
  !(timeScale > 0) ||
  !isShare(dropEvents) ||
  !isShare(duplicateEvents) ||
  !['db-snapshot', 'cluster-snapshot', 'cluster', 'graph'].includes(values.source) ||
  !['parquet', 'csv'].includes(values.format)
) {
  console.error(USAGE);
  process.exit(2);
}
const stack = await startStack({
  timeScale,
  engine: engineFamily(),
  ...(databaseUrl ? { databaseUrl } : {}),
  accounts: accountCount,
  regions: regions.filter(knownRegion),
  // Lossy delivery of the export events the waits listen for: the pipeline must still finish.
  eventFaults: {
    drop: dropEvents,
    duplicate: duplicateEvents,
    maxDelaySeconds: dropEvents || duplicateEvents ? 120 : 0,
  },
}).catch((error: unknown) => {
  // startStack stops whatever it had started before failing.
  console.error(`local stack could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
let stopping = false;
const stopAndExit = async (code: number) => {
  if (stopping) return;
  stopping = true;
  await stack.stop();
  process.exit(code);
};
process.on('SIGINT', () => void stopAndExit(130));
process.on('SIGTERM', () => void stopAndExit(143));
try {
  // Serving runs until Ctrl-C (SIGINT) stops the stack.
  if (values.serve)
    await serve(
      stack,
      count,
      timeScale,
      graph ? { kind: 'graph', format: graphFormat } : { kind: 'snapshots' },
    );
  await main(stack);
  console.log('\nlocal pipeline run: OK');
  await stopAndExit(0);
} catch (error) {
  console.error(`\nlocal pipeline run FAILED: ${error instanceof Error ? error.message : String(error)}`);
  await stopAndExit(1);
}
