import { readFileSync } from 'node:fs';
import { type DBCluster, DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type OnScheduleDeps, runSchedule } from '#functions/on-schedule/run.ts';
import { classified } from '#shared/aws/classified.ts';
import { ExportJob } from '#shared/contract/execution.ts';
import { parsePolicy } from '#shared/policy/load.ts';
import { logger } from '#shared/runtime/logger.ts';
import { isValidExportTaskIdentifier } from '#shared/sources/identifiers.ts';

const rds = mockClient(RDSClient);
const sfn = mockClient(SFNClient);
const SM = 'arn:aws:states:us-east-1:123456789012:stateMachine:rds-export';
const cluster: DBCluster = JSON.parse(
  readFileSync(new URL('../../../events/clusters/aurora-postgresql-cluster.json', import.meta.url), 'utf8'),
).DBClusters[0];
const variant = (id: string, extra: Partial<DBCluster> = {}): DBCluster => ({
  ...cluster,
  DBClusterIdentifier: id,
  DBClusterArn: `arn:aws:rds:us-east-1:123456789012:cluster:${id}`,
  ...extra,
});

const policy = parsePolicy(
  `version: 1
rules:
  - { name: clusters, action: export, match: { kind: cluster, tags: { env: prod } } }
  - { name: other-clusters, action: skip, match: { kind: cluster }, reason: not prod }
schedules:
  - name: nightly-clusters
    expression: cron(0 3 * * ? *)
    timezone: Europe/Berlin
    select: { kind: cluster, engine: "aurora-*" }
`,
  'test.yml',
);

function deps(overrides: Partial<OnScheduleDeps> = {}): OnScheduleDeps {
  return {
    // A client, not the mock: the SDK's paginators take only an RDSClient.
    rds: classified(new RDSClient({ region: 'us-east-1' }), 'rds'),
    sfn: classified(new SFNClient({}), 'sfn'),
    policy,
    stateMachineArn: SM,
    destination: {
      bucket: 'exports',
      kmsKey: 'arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-3333-4222-8333-944455556666',
      role: 'arn:aws:iam::123456789012:role/r',
    },
    notify: vi.fn().mockResolvedValue({ slack: 'not-configured' }),
    ...overrides,
  };
}

const slot = (scheduledTime = '2024-05-02T01:00:00Z') => ({ schedule: 'nightly-clusters', scheduledTime });

beforeEach(() => {
  rds.reset();
  sfn.reset();
  vi.spyOn(logger, 'info').mockImplementation(() => undefined);
  vi.spyOn(logger, 'error').mockImplementation(() => undefined);
  sfn.on(StartExecutionCommand).resolves({ executionArn: `${SM}:x`, startDate: new Date() });
});
afterEach(() => vi.restoreAllMocks());

describe('runSchedule', () => {
  it('exports every available Aurora cluster the schedule selects through the same start path as snapshots', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster] });
    const run = await runSchedule(slot(), deps());
    expect(run.decisions).toMatchObject([{ action: 'export', rule: 'clusters', source: 'orders-aurora' }]);
    const call = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    const job = ExportJob.parse(JSON.parse(call?.input ?? ''));
    expect(call?.name).toBe(job.exportTaskIdentifier);
    expect(job.request).toHaveProperty(
      'SourceArn',
      'arn:aws:rds:us-east-1:123456789012:cluster:orders-aurora',
    );
    expect(job.source).toMatchObject({
      kind: 'cluster',
      schedule: 'nightly-clusters',
      scheduledTime: '2024-05-02T01:00:00.000Z',
    });
    expect(job.exportTaskIdentifier).toMatch(/^orders-aurora-[0-9a-f]{10}$/);
    expect(isValidExportTaskIdentifier(job.exportTaskIdentifier)).toBe(true);
  });

  it('reads every page of DescribeDBClusters', async () => {
    rds
      .on(DescribeDBClustersCommand)
      .resolvesOnce({ DBClusters: [variant('a')], Marker: 'm1' })
      .resolvesOnce({ DBClusters: [variant('b')] });
    const run = await runSchedule(slot(), deps());
    expect(run.decisions.map((d) => d.source)).toEqual(['a', 'b']);
    expect(rds.commandCalls(DescribeDBClustersCommand)[1]?.args[0].input).toMatchObject({
      Marker: 'm1',
      MaxRecords: 100,
    });
  });

  it('starts one export per cluster per slot, and a new one for the next slot', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster] });
    await runSchedule(slot(), deps());
    await runSchedule(slot(), deps());
    await runSchedule(slot('2024-05-03T01:00:00Z'), deps());
    const names = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    expect(names[0]).toBe(names[1]);
    expect(names[2]).not.toBe(names[0]);
  });

  it.each([
    ['a Multi-AZ DB cluster', { Engine: 'postgres', EngineMode: 'provisioned' }, /Multi-AZ DB clusters/],
    ['an Aurora Serverless v1 cluster', { EngineMode: 'serverless' }, /Aurora Serverless v1/],
    ['a cluster that is not available', { Status: 'backing-up' }, /cluster is backing-up, not available/],
    ['a Neptune cluster', { Engine: 'neptune' }, /engine neptune cannot be exported/],
  ])('skips %s before any StartExportTask, with the reason', async (_name, extra, reason) => {
    const selectAll = parsePolicy(
      `version: 1
rules: [{ name: all, action: export }]
schedules: [{ name: nightly-clusters, expression: rate(1 day), select: { kind: cluster } }]
`,
      'test.yml',
    );
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ ...cluster, ...extra }] });
    const run = await runSchedule(slot(), deps({ policy: selectAll }));
    expect(run.decisions).toMatchObject([
      { action: 'skip', rule: null, reason: expect.stringMatching(reason) },
    ]);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('notifies a skip of a scheduled cluster when the policy opts in', async () => {
    const optIn = parsePolicy(
      `version: 1
defaults: { notifySkipped: true }
rules: [{ name: all, action: export }]
schedules: [{ name: nightly-clusters, expression: rate(1 day), select: { kind: cluster } }]
`,
      'test.yml',
    );
    const notify = vi.fn().mockResolvedValue({});
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ ...cluster, EngineMode: 'serverless' }] });
    await runSchedule(slot(), deps({ policy: optIn, notify }));
    expect(notify).toHaveBeenCalledWith(
      expect.objectContaining({ kind: 'skipped', title: 'Export of cluster orders-aurora skipped' }),
    );
  });

  it('applies the ordered rules: a cluster without the prod tag is skipped by the second rule', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ ...cluster, TagList: [] }] });
    const run = await runSchedule(slot(), deps());
    expect(run.decisions).toMatchObject([{ action: 'skip', rule: 'other-clusters', reason: 'not prod' }]);
  });

  it('refuses a slot of a schedule the policy does not have, naming the known ones', async () => {
    await expect(
      runSchedule({ schedule: 'weekly', scheduledTime: '2024-05-02T01:00:00Z' }, deps()),
    ).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('known: nightly-clusters'),
    });
    await expect(runSchedule({ schedule: 'nightly-clusters' }, deps())).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('scheduledTime'),
    });
  });

  it('goes on with the other clusters when one cannot be started, then fails so Scheduler retries the slot', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [variant('a'), variant('b')] });
    sfn
      .on(StartExecutionCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: {} }))
      .resolves({ executionArn: `${SM}:b`, startDate: new Date() });
    await expect(runSchedule(slot(), deps())).rejects.toMatchObject({ name: 'AwsThrottledError' });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(2);
  });
});
