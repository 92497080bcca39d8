import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelExportTaskCommand, NeptuneGraphClient } from '@aws-sdk/client-neptune-graph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAthena } from '#local/athena/engine.ts';
import { planExport } from '#local/neptune-graph/export-plan.ts';
import {
  ORDERS_PER_CUSTOMER,
  SAMPLE_EXPORT_FILTER,
  SAMPLE_GRAPH,
} from '#local/neptune-graph/sample-graph.ts';
import type { LoggedRequest } from '#local/protocol/request-log.ts';
import { waitForNamed } from '#local/runtime/progress.ts';
import { LOCAL_CREDENTIALS } from '#local/s3/server.ts';
import type { Execution } from '#local/sfn/server.ts';
import { type LocalStack, REGION, startStack } from '#local/stack.ts';
import { expectedRows, readValue } from '../catalog/graph-export.ts';
import { requestProblems } from './api-models.ts';
import { notifications } from './helpers.ts';

// Neptune Analytics graph exports end to end on the local stack: one slot of the local policy's
// schedule local-graphs exports every sample-graph* graph through the real on-schedule, start,
// check, register and notify handlers and the real ASL, against the local neptune-graph endpoint.

let stack: LocalStack;
let athena: LocalAthena;
const logDir = mkdtempSync(join(tmpdir(), 'local-aws-requests-'));
const requestLog = join(logDir, 'requests.jsonl');
const failures = new Map<string, string>();
const slow = new Set<string>();
const executions = new Map<string, Execution>();

beforeAll(async () => {
  stack = await startStack({
    timeScale: 600,
    requestLog,
    graphFailures: failures,
    graphDurations: (task) =>
      slow.has(task.graphId) ? { initializing: 30, exporting: 36_000 } : { initializing: 30, exporting: 300 },
  });
  athena = new LocalAthena(stack.catalog, stack.s3Client);
  const graphs = {
    parquet: stack.graphs.add('sample-graph', SAMPLE_GRAPH),
    csv: stack.graphs.add('sample-graph-csv', SAMPLE_GRAPH),
    failing: stack.graphs.add('sample-graph-failing', SAMPLE_GRAPH),
    cancelled: stack.graphs.add('sample-graph-cancelled', SAMPLE_GRAPH),
    deleted: stack.graphs.add('sample-graph-deleted', SAMPLE_GRAPH),
    stopped: stack.graphs.add('sample-graph-stopped', SAMPLE_GRAPH, { status: 'STOPPED' }),
  };
  failures.set(graphs.failing.id, `Access denied to KMS key ${'arn:aws:kms:…'} for the export role.`);
  slow.add(graphs.cancelled.id);
  slow.add(graphs.deleted.id);
  stack.neptuneGraph.faults.throttle('GetExportTask', 2);
  const run = (await stack.fireSchedule('local-graphs')) as {
    decisions: { source: string; action: string; reason: string; exportTaskIdentifier?: string }[];
  };
  decisions = run.decisions;
  const client = new NeptuneGraphClient({
    region: REGION,
    endpoint: stack.neptuneGraph.endpoint,
    credentials: LOCAL_CREDENTIALS,
  });
  // The slow ones are cancelled or have their graph deleted once they export.
  const exporting = (id: string) =>
    [...stack.graphTasks.tasks.values()].find((t) => t.graphId === id && t.status === 'EXPORTING');
  for (;;) {
    const cancel = exporting(graphs.cancelled.id);
    const doomed = exporting(graphs.deleted.id);
    if (cancel && doomed) {
      await client.send(new CancelExportTaskCommand({ taskIdentifier: cancel.taskId }));
      stack.neptuneGraph.deleteGraph(graphs.deleted.id);
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const names = run.decisions.flatMap((d) => (d.exportTaskIdentifier ? [d.exportTaskIdentifier] : []));
  const ended = await waitForNamed(stack, names);
  for (const e of ended)
    executions.set(run.decisions.find((d) => d.exportTaskIdentifier === e.name)?.source ?? '', e);
}, 120_000);
let decisions: { source: string; action: string; reason: string; exportTaskIdentifier?: string }[] = [];

afterAll(async () => {
  await athena?.close();
  await stack?.stop();
  rmSync(logDir, { recursive: true, force: true });
});

const outcome = (graph: string) => {
  const e = executions.get(graph);
  return [e?.status, e?.error];
};

describe('graph exports on the local stack', () => {
  it('decides once per selected graph: exports the AVAILABLE ones, skips a STOPPED one with the reason', () => {
    expect(decisions.find((d) => d.source === 'sample-graph-stopped')).toMatchObject({
      action: 'skip',
      reason: 'not exportable: graph is STOPPED, not AVAILABLE; the next slot tries again',
    });
    expect(decisions.filter((d) => d.action === 'export')).toHaveLength(5);
  });

  it('exports, tracks and registers a graph as Parquet and as CSV, retrying a throttled GetExportTask', () => {
    expect(outcome('sample-graph')).toEqual(['SUCCEEDED', undefined]);
    expect(outcome('sample-graph-csv')).toEqual(['SUCCEEDED', undefined]);
    expect(stack.neptuneGraph.faults.take('GetExportTask')).toBe(false);
  });

  it.each([
    ['rds_export_graph_sample_graph', 'PARQUET'],
    ['rds_export_graph_sample_graph_csv', 'CSV'],
  ] as const)(
    'reads back exactly the sample graph through the tables registered in %s',
    async (database, format) => {
      for (const table of planExport(SAMPLE_GRAPH, SAMPLE_EXPORT_FILTER)) {
        const name = `${table.kind}_${table.label}`;
        const glue = stack.catalog.table(database, name);
        const columns = glue.StorageDescriptor?.Columns ?? [];
        const { rows } = await athena.query(`SELECT * FROM "${database}"."${name}" ORDER BY "_id"`, [
          database,
        ]);
        const read = rows.map((row) => row.map((v, i) => readValue(v, columns[i]?.Type ?? 'string')));
        const strings = new Set(columns.flatMap((c, i) => (c.Type === 'string' ? [i] : [])));
        expect(read, `${database}.${name}`).toEqual(expectedRows(table, format, strings));
      }
    },
  );

  it("answers each customer's number of orders in SQL, through the placed edges", async () => {
    const db = 'rds_export_graph_sample_graph';
    const { rows } = await athena.query(
      `SELECT c.name, count(p."_to") FROM ${db}.vertex_customer c LEFT JOIN ${db}.edge_placed p ON p."_from" = c."_id" GROUP BY c.name`,
      [db],
    );
    expect(Object.fromEntries(rows.map(([name, n]) => [name, Number(n)]))).toEqual(ORDERS_PER_CUSTOMER);
  });

  it('names the graph, the format, what it wrote and the tables in the completed notification', () => {
    const completed = notifications(stack).find(
      (n) => n.kind === 'completed' && n.exportTaskIdentifier === executions.get('sample-graph')?.name,
    ) as { title?: string; details?: Record<string, unknown>; registeredTables?: string[] } | undefined;
    expect(completed?.title).toBe('Export of graph sample-graph completed');
    expect(completed?.details).toMatchObject({ format: 'PARQUET', verticesWritten: 12, edgesWritten: 14 });
    expect(completed?.registeredTables).toHaveLength(7);
  });

  it('alerts on a failed export with the statusReason and the fix for the key', () => {
    expect(outcome('sample-graph-failing')).toEqual(['FAILED', 'ExportFailed']);
    const failed = notifications(stack).find(
      (n) => n.kind === 'failed' && n.exportTaskIdentifier === executions.get('sample-graph-failing')?.name,
    );
    expect(failed?.cause).toMatch(/Access denied to KMS key/);
    expect(failed?.fix).toContain('kms:GenerateDataKey');
  });

  it('reports a cancelled export as canceled, and one whose graph was deleted as failed, registering neither', () => {
    expect(outcome('sample-graph-cancelled')).toEqual(['FAILED', 'ExportCanceled']);
    expect(outcome('sample-graph-deleted')).toEqual(['FAILED', 'ExportFailed']);
    const deleted = notifications(stack).find(
      (n) => n.kind === 'failed' && n.exportTaskIdentifier === executions.get('sample-graph-deleted')?.name,
    );
    expect(deleted?.cause).toMatch(/DELETED/);
    expect(stack.catalog.databases.has('rds_export_graph_sample_graph_cancelled')).toBe(false);
  });

  it('sends only requests that are valid against the AWS API models, neptune-graph included', () => {
    const entries = readFileSync(requestLog, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as LoggedRequest);
    const services = new Set(entries.map((e) => e.service));
    expect(services).toContain('neptune-graph');
    const actions = new Set(entries.filter((e) => e.service === 'neptune-graph').map((e) => e.action));
    expect([...actions].sort()).toEqual([
      'CancelExportTask',
      'GetExportTask',
      'GetGraph',
      'ListExportTasks',
      'ListGraphs',
      'StartExportTask',
    ]);
    expect(entries.flatMap(requestProblems)).toEqual([]);
  });
});
