import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CancelExportTaskCommand,
  ConflictException,
  GetExportTaskCommand,
  GetGraphCommand,
  ListExportTasksCommand,
  ListGraphsCommand,
  ListTagsForResourceCommand,
  NeptuneGraphClient,
  ResourceNotFoundException,
  StartExportTaskCommand,
  ValidationException,
} from '@aws-sdk/client-neptune-graph';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalGraphs } from '#local/neptune-graph/graphs.ts';
import { SAMPLE_EXPORT_FILTER, SAMPLE_GRAPH } from '#local/neptune-graph/sample-graph.ts';
import { type LocalNeptuneGraph, startLocalNeptuneGraph } from '#local/neptune-graph/server.ts';
import { GraphExportTasks } from '#local/neptune-graph/tasks.ts';
import { type LoggedRequest, requestLogger } from '#local/protocol/request-log.ts';
import { installSimulatedClock } from '#local/runtime/clock.ts';
import { LOCAL_CREDENTIALS, type LocalS3, startLocalS3 } from '#local/s3/server.ts';
import { requestProblems } from '#test/e2e/api-models.ts';

// The local Neptune Analytics endpoint, driven by the real @aws-sdk/client-neptune-graph over its
// REST-JSON protocol (API reference: GetGraph, ListGraphs, StartExportTask, GetExportTask,
// ListExportTasks, CancelExportTask; errors as the SDK's exception classes).

const dir = mkdtempSync(join(tmpdir(), 'neptune-graph-endpoint-'));
const logFile = join(dir, 'requests.jsonl');
const clock = installSimulatedClock(600);
const ROLE = 'arn:aws:iam::123456789012:role/graph-export';
const KEY = 'arn:aws:kms:us-east-1:123456789012:key/0f0e0d0c-0b0a-4908-8706-050403020100';
const graphs = new LocalGraphs('us-east-1', '123456789012');
const graph = graphs.add('sample-graph', SAMPLE_GRAPH, { tags: { team: 'growth' } });
const other = graphs.add('other-graph', SAMPLE_GRAPH);
let s3: LocalS3;
let tasks: GraphExportTasks;
let endpoint: LocalNeptuneGraph;
let client: NeptuneGraphClient;
let s3Client: S3Client;

beforeAll(async () => {
  s3 = await startLocalS3(['graph-exports'], () => {});
  s3Client = new S3Client({
    region: 'us-east-1',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: LOCAL_CREDENTIALS,
  });
  tasks = new GraphExportTasks({
    s3: s3Client,
    clock,
    graphs,
    roles: new Set([ROLE]),
    kmsKeys: new Set([KEY]),
    durations: () => ({ initializing: 30, exporting: 120 }),
  });
  endpoint = await startLocalNeptuneGraph(graphs, tasks, requestLogger(logFile));
  client = new NeptuneGraphClient({
    region: 'us-east-1',
    endpoint: endpoint.endpoint,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
});

afterAll(async () => {
  await tasks.close();
  await endpoint?.close();
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
});

const start = (extra: Record<string, unknown> = {}) =>
  client.send(
    new StartExportTaskCommand({
      graphIdentifier: graph.id,
      roleArn: ROLE,
      format: 'PARQUET',
      destination: 's3://graph-exports/exports/run-1/',
      kmsKeyIdentifier: KEY,
      parquetType: 'COLUMNAR',
      exportFilter: SAMPLE_EXPORT_FILTER,
      ...extra,
    } as never),
  );

async function until(taskIdentifier: string, wanted: string) {
  for (;;) {
    const out = await client.send(new GetExportTaskCommand({ taskIdentifier }));
    if (out.status === wanted || ['SUCCEEDED', 'FAILED', 'CANCELLED', 'DELETED'].includes(out.status ?? ''))
      return out;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the local neptune-graph endpoint', () => {
  it('lists and describes the account’s graphs, and their tags', async () => {
    const list = await client.send(new ListGraphsCommand({ maxResults: 100 }));
    expect(list.graphs?.map((g) => g.name).sort()).toEqual(['other-graph', 'sample-graph']);
    const got = await client.send(new GetGraphCommand({ graphIdentifier: graph.id }));
    expect(got).toMatchObject({ id: graph.id, name: 'sample-graph', arn: graph.arn, status: 'AVAILABLE' });
    expect(got.createTime).toBeInstanceOf(Date);
    const tags = await client.send(new ListTagsForResourceCommand({ resourceArn: graph.arn }));
    expect(tags.tags).toEqual({ stack: 'local', team: 'growth' });
  });

  it('runs an export through INITIALIZING and EXPORTING to SUCCEEDED, writing one file set per label', async () => {
    const started = await start();
    expect(started).toMatchObject({ status: 'INITIALIZING', graphId: graph.id, format: 'PARQUET' });
    expect(started.taskId).toMatch(/^t-[a-z0-9]{10}$/);
    const done = await until(started.taskId ?? '', 'SUCCEEDED');
    expect(done.status).toBe('SUCCEEDED');
    expect(done.exportTaskDetails).toMatchObject({
      progressPercentage: 100,
      numVerticesWritten: 12,
      numEdgesWritten: 14,
    });
    const keys = (await s3Client.send(new ListObjectsV2Command({ Bucket: 'graph-exports' }))).Contents?.map(
      (c) => c.Key,
    );
    const folders = new Set(keys?.map((k) => k?.split('/').slice(3, 5).join('/')));
    expect([...folders].sort()).toEqual([
      'edges/contains',
      'edges/knows',
      'edges/placed',
      'edges/reviewed',
      'vertices/customer',
      'vertices/order',
      'vertices/product',
    ]);
    const listed = await client.send(
      new ListExportTasksCommand({ graphIdentifier: graph.id, maxResults: 10 }),
    );
    expect(listed.tasks?.map((t) => t.taskId)).toContain(started.taskId);
  });

  it('refuses a second export of a graph while one runs (ConflictException), an unknown graph and an invalid filter', async () => {
    const running = await start({ destination: 's3://graph-exports/exports/run-2/' });
    await expect(start({ destination: 's3://graph-exports/exports/run-3/' })).rejects.toBeInstanceOf(
      ConflictException,
    );
    await expect(start({ graphIdentifier: 'g-0000000000' })).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(
      start({
        graphIdentifier: other.id,
        exportFilter: { vertexFilter: { customer: { properties: { age: { outputType: 'Vector' } } } } },
      }),
    ).rejects.toBeInstanceOf(ValidationException);
    const cancelling = await client.send(new CancelExportTaskCommand({ taskIdentifier: running.taskId }));
    expect(cancelling.status).toBe('CANCELLING');
    expect((await until(running.taskId ?? '', 'CANCELLED')).status).toBe('CANCELLED');
  });

  it('fails an export whose role Neptune Analytics cannot assume, with the reason', async () => {
    const started = await start({
      graphIdentifier: other.id,
      roleArn: 'arn:aws:iam::123456789012:role/untrusted',
    });
    const failed = await until(started.taskId ?? '', 'FAILED');
    expect(failed.status).toBe('FAILED');
    expect(failed.statusReason).toMatch(/Unable to assume role .*untrusted/);
  });

  it('ends a running export DELETED when its graph is deleted', async () => {
    const doomed = graphs.add('doomed-graph', SAMPLE_GRAPH);
    const started = await start({
      graphIdentifier: doomed.id,
      destination: 's3://graph-exports/exports/run-4/',
    });
    endpoint.deleteGraph(doomed.id);
    const got = await client.send(new GetExportTaskCommand({ taskIdentifier: started.taskId }));
    expect(got.status).toBe('DELETED');
  });

  it('logs every request with its members named and typed as the API model has them', () => {
    const entries = readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as LoggedRequest);
    expect(new Set(entries.map((e) => e.service))).toEqual(new Set(['neptune-graph']));
    expect(entries.find((e) => e.action === 'ListExportTasks')?.params).toEqual({
      graphIdentifier: graph.id,
      maxResults: 10,
    });
    expect(entries.find((e) => e.action === 'GetExportTask')?.params).toEqual({
      taskIdentifier: expect.stringMatching(/^t-/),
    });
    expect(entries.flatMap(requestProblems)).toEqual([]);
  });
});
