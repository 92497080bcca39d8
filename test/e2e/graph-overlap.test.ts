import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_GRAPH } from '#local/neptune-graph/sample-graph.ts';
import type { GraphTaskRecord } from '#local/neptune-graph/tasks.ts';
import { waitForNamed } from '#local/runtime/progress.ts';
import { LOCAL_CREDENTIALS } from '#local/s3/server.ts';
import type { Execution } from '#local/sfn/server.ts';
import { BUCKET, EXPORTS_TABLE, type LocalStack, REGION, startStack } from '#local/stack.ts';
import { readSlots } from '#shared/slots/leases.ts';

// A graph schedule whose slots overlap: the second slot fires while the first slot's export of the
// same graph still runs. Each slot is its own export (its own destination, task and partition);
// neither adopts the other's task.

let stack: LocalStack;
const ids: string[] = [];
let executions: Execution[] = [];
let tasks: GraphTaskRecord[] = [];

beforeAll(async () => {
  stack = await startStack({
    timeScale: 600,
    graphDurations: () => ({ initializing: 30, exporting: 900 }),
  });
  stack.graphs.add('sample-graph-overlap', SAMPLE_GRAPH);
  for (const slot of ['2024-05-05T04:00:00.000Z', '2024-05-05T04:10:00.000Z']) {
    const run = (await stack.fireSchedule('local-graphs', new Date(slot))) as {
      decisions: { source: string; action: string; exportTaskIdentifier?: string }[];
    };
    const decision = run.decisions.find((d) => d.source === 'sample-graph-overlap');
    ids.push(decision?.exportTaskIdentifier ?? '');
  }
  executions = await waitForNamed(stack, ids);
  tasks = [...stack.graphTasks.tasks.values()].sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('overlapping slots of one graph schedule', () => {
  it('exports each slot once, each into its own destination, one after the other', () => {
    expect(new Set(ids).size).toBe(2);
    expect(executions.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(tasks).toHaveLength(2);
    // Each task writes to the folder named after its own export, never the other's.
    const names = tasks.map((t) => t.destination.replace(/\/+$/, '').split('/').at(-1));
    expect([...names].sort()).toEqual([...ids].sort());
    const [first, second] = tasks;
    expect(second?.startTime.getTime()).toBeGreaterThanOrEqual(first?.endTime?.getTime() ?? Number.NaN);
  });

  it('registers one history partition per export, and the latest tables read files that are there', async () => {
    const database = 'rds_export_graph_sample_graph_overlap';
    const tables = stack.catalog.tablesOf(database);
    const history = tables.filter((t) => (t.PartitionKeys ?? []).length > 0);
    expect(history.length).toBeGreaterThan(0);
    for (const table of history) {
      const partitions = stack.catalog.partitionsOf(database, table.Name ?? '');
      expect(partitions.map((p) => p.Values?.[0]).sort()).toEqual([...ids].sort());
    }
    const last = tasks[1]?.destination.replace(/\/+$/, '').split('/').at(-1) ?? '';
    const latest = tables.filter(
      (t) => t.TableType !== 'VIRTUAL_VIEW' && (t.PartitionKeys ?? []).length === 0,
    );
    expect(latest.length).toBeGreaterThan(0);
    for (const table of latest) {
      const location = table.StorageDescriptor?.Location ?? '';
      expect(location).toContain(`/${last}/`);
      const page = await stack.s3Client.send(
        new ListObjectsV2Command({ Bucket: BUCKET, Prefix: location.replace(`s3://${BUCKET}/`, '') }),
      );
      expect(page.KeyCount ?? 0).toBeGreaterThan(0);
    }
  });

  it('gives both graph slots back', async () => {
    const dynamodb = new DynamoDBClient({
      region: REGION,
      endpoint: stack.dynamodb.endpoint,
      credentials: LOCAL_CREDENTIALS,
    });
    const held = (await readSlots({ dynamodb, table: EXPORTS_TABLE, pool: 'graph' })).leases;
    for (const id of ids) expect(held.has(id)).toBe(false);
  });
});
