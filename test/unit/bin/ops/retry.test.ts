import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetGraphCommand,
  ListExportTasksCommand,
  ListTagsForResourceCommand,
  NeptuneGraphClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-neptune-graph';
import { DescribeDBSnapshotsCommand, DescribeExportTasksCommand, RDSClient } from '@aws-sdk/client-rds';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { attemptOf, retryExport } from '#bin/ops/retry.ts';
import { exportIdentity, exportTaskIdentifier } from '#shared/sources/identifiers.ts';
import { graphJob } from '#test/statemachines/graph-fixtures.ts';
import { dbSnapshot, executionArn, memberContext, testContext } from './context.ts';

const rds = mockClient(RDSClient);
const sfn = mockClient(SFNClient);
const graphs = mockClient(NeptuneGraphClient);
const snapshot = dbSnapshot('orders-manual-1', 'orders-db', '2024-05-01T06:00:00Z');
const ID = exportTaskIdentifier({ arn: snapshot.DBSnapshotArn, at: '2024-05-01T06:00:00.000Z' });
const POLICY = { values: { policy: 'export-policy.yml' } };

const job = {
  exportTaskIdentifier: ID,
  rule: 'manual-and-backup',
  source: {
    kind: 'db-snapshot',
    arn: snapshot.DBSnapshotArn,
    snapshotIdentifier: 'orders-manual-1',
    sourceIdentifier: 'orders-db',
    engine: 'postgres',
    snapshotType: 'manual',
    snapshotCreateTime: '2024-05-01T06:00:00.000Z',
    sizeGB: 100,
  },
  request: {
    ExportTaskIdentifier: ID,
    SourceArn: snapshot.DBSnapshotArn,
    S3BucketName: 'test-exports',
    IamRoleArn: 'arn:aws:iam::123456789012:role/test-export',
    KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-4444-4222-8333-944455556666',
  },
  limits: { maxConcurrentExports: 5, queueAlertAfterSeconds: 7200 },
};

function execution(status: string, error?: string) {
  sfn
    .on(DescribeExecutionCommand, { executionArn: executionArn(ID) })
    .resolves({ executionArn: executionArn(ID), status: status as never, input: JSON.stringify(job), error });
}

beforeEach(() => {
  rds.reset();
  sfn.reset();
  graphs.reset();
  rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [snapshot] });
  rds.on(DescribeExportTasksCommand).resolves({ ExportTasks: [] });
  sfn
    .on(DescribeExecutionCommand)
    .rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));
  sfn
    .on(StartExecutionCommand)
    .callsFake((input) => ({ executionArn: executionArn(input.name), startDate: new Date() }));
});

describe('rds-export retry', () => {
  it('reads the attempt from an identifier: none is 1, -r<n> is n', () => {
    expect(attemptOf(ID)).toBe(1);
    expect(attemptOf(`${ID}-r3`)).toBe(3);
    expect(attemptOf('orders-r2')).toBe(1);
  });

  it('re-exports a canceled export under -r2, through StartExecution with the policy decision', async () => {
    execution('FAILED', 'ExportCanceled');
    const result = await retryExport(testContext(), ID, { force: false, ...POLICY });
    expect(result).toMatchObject({ previousOutcome: 'CANCELED', attempt: 2, outcome: { action: 'export' } });
    const start = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(start?.name).toBe(`${ID}-r2`);
    expect(JSON.parse(start?.input ?? '{}')).toMatchObject({
      exportTaskIdentifier: `${ID}-r2`,
      request: { ExportTaskIdentifier: `${ID}-r2`, SourceArn: snapshot.DBSnapshotArn },
    });
  });

  it('skips an attempt whose identifier RDS still holds, though Step Functions forgot its execution', async () => {
    execution('FAILED', 'ExportFailed');
    rds
      .on(DescribeExportTasksCommand, { ExportTaskIdentifier: `${ID}-r2` })
      .resolves({ ExportTasks: [{ ExportTaskIdentifier: `${ID}-r2`, Status: 'FAILED' }] });
    const result = await retryExport(testContext(), ID, { force: false, ...POLICY });
    expect(result.attempt).toBe(3);
  });

  it("re-exports a member account's failed export: the source described and the attempt found in that account, the export started in the hub with the member's export role", async () => {
    const MEMBER = '222222222222';
    const arn = snapshot.DBSnapshotArn.replace('123456789012', MEMBER);
    const member = { ...job, source: { ...job.source, arn }, request: { ...job.request, SourceArn: arn } };
    const memberId = exportTaskIdentifier({ arn, at: '2024-05-01T06:00:00.000Z' });
    sfn.on(DescribeExecutionCommand, { executionArn: executionArn(memberId) }).resolves({
      executionArn: executionArn(memberId),
      status: 'FAILED',
      input: JSON.stringify({ ...member, exportTaskIdentifier: memberId }),
      error: 'ExportFailed',
    });
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [{ ...snapshot, DBSnapshotArn: arn }] });
    rds
      .on(DescribeExportTasksCommand, { ExportTaskIdentifier: `${memberId}-r2` })
      .resolves({ ExportTasks: [{ ExportTaskIdentifier: `${memberId}-r2`, Status: 'CANCELED' }] });
    const { ctx, member: client } = memberContext();
    const result = await retryExport(ctx, memberId, { force: false, ...POLICY });
    expect(result).toMatchObject({ previousOutcome: 'FAILED', attempt: 3, outcome: { action: 'export' } });
    // Every RDS call went to the member's account, through its client.
    expect(rds.calls().length).toBeGreaterThan(0);
    for (const call of rds.calls()) expect(call.thisValue).toBe(client);
    const start = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(start?.name).toBe(`${memberId}-r3`);
    const started = JSON.parse(start?.input ?? '{}');
    expect(started.request).toMatchObject({
      ExportTaskIdentifier: `${memberId}-r3`,
      SourceArn: arn,
      IamRoleArn: `arn:aws:iam::${MEMBER}:role/rds-export-test-member-export`,
      S3BucketName: 'test-exports',
    });
    expect(String(started.request.S3Prefix).startsWith(`${MEMBER}/`)).toBe(true);
  });

  it('refuses a running or completed export unless forced', async () => {
    execution('RUNNING');
    await expect(retryExport(testContext(), ID, { force: false, ...POLICY })).rejects.toThrow(
      'still running',
    );
    sfn.reset();
    sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'no', $metadata: {} }));
    sfn.on(StartExecutionCommand).resolves({ executionArn: executionArn(`${ID}-r2`), startDate: new Date() });
    execution('SUCCEEDED');
    await expect(retryExport(testContext(), ID, { force: false, ...POLICY })).rejects.toThrow('--force');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    const forced = await retryExport(testContext(), ID, { force: true, ...POLICY });
    expect(forced.outcome.exportTaskIdentifier).toBe(`${ID}-r2`);
  });

  it('refuses a snapshot created again under its old name: that is a new snapshot, not a retry', async () => {
    execution('FAILED', 'ExportFailed');
    rds.on(DescribeDBSnapshotsCommand).resolves({
      DBSnapshots: [dbSnapshot('orders-manual-1', 'orders-db', '2024-05-02T06:00:00Z')],
    });
    await expect(retryExport(testContext(), ID, { force: false, ...POLICY })).rejects.toThrow(
      'created again',
    );
  });
});

// A graph export of a schedule slot: the deployment's policy exports graphs tagged team=growth.
const policyDir = mkdtempSync(join(tmpdir(), 'retry-policy-'));
const GRAPH_POLICY = { values: { policy: join(policyDir, 'export-policy.yml') } };
writeFileSync(
  GRAPH_POLICY.values.policy,
  `version: 1
rules:
  - name: growth-graphs
    match: { kind: graph, tags: { team: growth } }
    action: export
    export: { prefix: "exports/graph/{source}" }
`,
);
afterAll(() => rmSync(policyDir, { recursive: true, force: true }));

const GRAPH = graphJob.exportTaskIdentifier;
const { tags, ...graph } = JSON.parse(
  readFileSync(new URL('../../../events/graphs/social-graph.json', import.meta.url), 'utf8'),
) as { tags: Record<string, string>; id: string; arn: string; createTime: string };
/** The identifier attempt `n` of this graph's slot is exported under. */
const attempt = (n: number) => exportTaskIdentifier(exportIdentity(graphJob.source), n);

function graphExecution(status: string, error?: string) {
  sfn.on(DescribeExecutionCommand, { executionArn: executionArn(GRAPH) }).resolves({
    executionArn: executionArn(GRAPH),
    status: status as never,
    input: JSON.stringify(graphJob),
    error,
  });
}

describe('rds-export retry of a graph export', () => {
  beforeEach(() => {
    graphs.on(GetGraphCommand).resolves({ ...graph, createTime: new Date(graph.createTime) } as never);
    graphs.on(ListTagsForResourceCommand).resolves({ tags });
    graphs.on(ListExportTasksCommand).resolves({ tasks: [] });
  });

  it('re-exports the same slot of the graph under -r2, into a folder of its own, with the role it was exported with', async () => {
    graphExecution('FAILED', 'ExportCanceled');
    const result = await retryExport(testContext(), GRAPH, { force: false, ...GRAPH_POLICY });
    expect(result).toMatchObject({ previousOutcome: 'CANCELED', attempt: 2, outcome: { action: 'export' } });
    const start = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(start?.name).toBe(attempt(2));
    expect(JSON.parse(start?.input ?? '{}')).toMatchObject({
      exportTaskIdentifier: attempt(2),
      rule: 'growth-graphs',
      source: { kind: 'graph', arn: graph.arn, scheduledTime: graphJob.source.scheduledTime },
      request: {
        graphIdentifier: graph.id,
        roleArn: graphJob.request.roleArn,
        destination: `s3://test-exports/exports/graph/social-graph/${attempt(2)}/`,
      },
    });
    expect(graphs.commandCalls(GetGraphCommand)[0]?.args[0].input).toEqual({ graphIdentifier: graph.id });
    expect(rds.calls()).toHaveLength(0);
  });

  it('skips an attempt whose folder a Neptune Analytics task already wrote to', async () => {
    graphExecution('FAILED', 'ExportFailed');
    graphs.on(ListExportTasksCommand).resolves({
      tasks: [
        {
          graphId: graph.id,
          roleArn: graphJob.request.roleArn,
          taskId: 't-0000000002',
          status: 'FAILED',
          format: 'PARQUET',
          destination: `s3://test-exports/exports/graph/social-graph/${attempt(2)}/`,
          kmsKeyIdentifier: graphJob.request.kmsKeyIdentifier,
        },
      ],
    });
    const result = await retryExport(testContext(), GRAPH, { force: false, ...GRAPH_POLICY });
    expect(result.attempt).toBe(3);
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.name).toBe(attempt(3));
  });

  it('refuses a graph that no longer exists', async () => {
    graphExecution('FAILED', 'ExportFailed');
    graphs
      .on(GetGraphCommand)
      .rejects(new ResourceNotFoundException({ message: `Graph ${graph.id} not found`, $metadata: {} }));
    await expect(retryExport(testContext(), GRAPH, { force: false, ...GRAPH_POLICY })).rejects.toThrow(
      `graph social-graph (${graph.id}) no longer exists`,
    );
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});
