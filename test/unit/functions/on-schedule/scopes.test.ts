import { readFileSync } from 'node:fs';
import { type DBCluster, DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type OnScheduleDeps, runSchedule } from '#functions/on-schedule/run.ts';
import type { Scope } from '#shared/aws/accounts.ts';
import { classified } from '#shared/aws/classified.ts';
import { ExportJob } from '#shared/contract/execution.ts';
import { parsePolicy } from '#shared/policy/load.ts';
import { logger } from '#shared/runtime/logger.ts';

// A cluster schedule that selects member accounts and other Regions: each (account, Region) is
// listed with its own client (a member's through its access role), and one that cannot be listed
// does not stop the others.
const rds = mockClient(RDSClient);
const sfn = mockClient(SFNClient);
const HUB = '123456789012';
const MEMBER = '222222222222';
const OTHER = '333333333333';
const SM = `arn:aws:states:us-east-1:${HUB}:stateMachine:rds-export`;
const base: DBCluster = JSON.parse(
  readFileSync(new URL('../../../events/clusters/aurora-postgresql-cluster.json', import.meta.url), 'utf8'),
).DBClusters[0];
const clusterIn = (scope: { account: string; region: string }, id: string): DBCluster => ({
  ...base,
  DBClusterIdentifier: id,
  DBClusterArn: `arn:aws:rds:${scope.region}:${scope.account}:cluster:${id}`,
  TagList: [],
});

const policyWith = (select: string) =>
  parsePolicy(
    `version: 1
rules: [{ name: clusters, action: export, match: { kind: cluster } }]
accounts: { "${MEMBER}": finance-prod }
regions:
  eu-west-1:
    bucket: exports-eu-west-1
    kmsKey: arn:aws:kms:eu-west-1:${HUB}:key/0a1b2c3d-3333-4222-8333-944455556666
schedules:
  - { name: nightly, expression: rate(1 day), select: ${select} }
`,
    'test.yml',
  );

/** Clients by the scope they were built for: the hub's own is `hub`. */
let built: Map<RDSClient, string>;
let asked: Scope[];

function deps(select: string, overrides: Partial<OnScheduleDeps> = {}): OnScheduleDeps {
  const own = classified(new RDSClient({ region: 'us-east-1' }), 'rds');
  built.set(own as unknown as RDSClient, `${HUB}/us-east-1`);
  return {
    rds: own,
    rdsIn: (scope) => {
      asked.push(scope);
      const client = classified(new RDSClient({ region: scope.region }), 'rds');
      built.set(client as unknown as RDSClient, `${scope.account}/${scope.region}`);
      return client;
    },
    sfn: classified(new SFNClient({}), 'sfn'),
    policy: policyWith(select),
    stateMachineArn: SM,
    home: {
      account: HUB,
      region: 'us-east-1',
      memberRole: 'rds-export-test-member-access',
      memberExportRole: 'rds-export-test-member-export',
    },
    destination: {
      bucket: 'exports',
      kmsKey: `arn:aws:kms:us-east-1:${HUB}:key/0a1b2c3d-3333-4222-8333-944455556666`,
      role: `arn:aws:iam::${HUB}:role/r`,
    },
    notify: vi.fn().mockResolvedValue({ slack: 'not-configured' }),
    ...overrides,
  };
}

/** DescribeDBClusters answers with one cluster of the scope the calling client was built for. */
function clustersByScope(refuse: readonly string[] = []) {
  rds.on(DescribeDBClustersCommand).callsFake(async (_input, getClient) => {
    const scope = built.get(getClient() as RDSClient) ?? 'unknown';
    if (refuse.includes(scope))
      throw Object.assign(new Error(`not authorized to perform: sts:AssumeRole (${scope})`), {
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      });
    const [account = '', region = ''] = scope.split('/');
    return { DBClusters: [clusterIn({ account, region }, `orders-${account}-${region}`)] };
  });
}

const started = () =>
  sfn
    .commandCalls(StartExecutionCommand)
    .map((c) => ExportJob.parse(JSON.parse(c.args[0].input.input ?? '')));
const slot = { schedule: 'nightly', scheduledTime: '2024-05-02T01:00:00Z' };

beforeEach(() => {
  rds.reset();
  sfn.reset();
  built = new Map();
  asked = [];
  vi.spyOn(logger, 'info').mockImplementation(() => undefined);
  vi.spyOn(logger, 'error').mockImplementation(() => undefined);
  sfn.on(StartExecutionCommand).resolves({ executionArn: `${SM}:x`, startDate: new Date() });
});
afterEach(() => vi.restoreAllMocks());

describe('a cluster schedule across accounts and Regions', () => {
  it("lists the hub's clusters with its own client and a member's with the member's, named by ID or name", async () => {
    clustersByScope();
    const run = await runSchedule(slot, deps(`{ kind: cluster, accounts: ["${HUB}", finance-prod] }`));
    expect(asked).toEqual([{ partition: 'aws', account: MEMBER, region: 'us-east-1' }]);
    expect(run.decisions.map((d) => [d.action, d.source])).toEqual([
      ['export', `orders-${HUB}-us-east-1`],
      ['export', `orders-${MEMBER}-us-east-1`],
    ]);
    const member = started().find((job) => job.source.arn?.includes(`:${MEMBER}:`));
    expect(member?.request).toMatchObject({
      SourceArn: `arn:aws:rds:us-east-1:${MEMBER}:cluster:orders-${MEMBER}-us-east-1`,
      IamRoleArn: `arn:aws:iam::${MEMBER}:role/rds-export-test-member-export`,
    });
    expect(String((member?.request as { S3Prefix?: string } | undefined)?.S3Prefix)).toMatch(
      new RegExp(`^${MEMBER}(/|$)`),
    );
  });

  it('lists each account in each Region, the own account and Region with its own client', async () => {
    clustersByScope();
    const run = await runSchedule(
      slot,
      deps(`{ kind: cluster, accounts: ["${HUB}", "${MEMBER}"], regions: [us-east-1, eu-west-1] }`),
    );
    expect(asked.map((s) => `${s.account}/${s.region}`)).toEqual([
      `${HUB}/eu-west-1`,
      `${MEMBER}/us-east-1`,
      `${MEMBER}/eu-west-1`,
    ]);
    expect(run.decisions).toHaveLength(4);
    expect(run.decisions.every((d) => d.action === 'export')).toBe(true);
  });

  it('selects only the own account and Region by default, with no other client', async () => {
    clustersByScope();
    const run = await runSchedule(slot, deps('{ kind: cluster }'));
    expect(asked).toEqual([]);
    expect(run.decisions.map((d) => d.source)).toEqual([`orders-${HUB}-us-east-1`]);
  });

  it('goes on with the other accounts when one cannot be listed, then fails so Scheduler retries the slot', async () => {
    clustersByScope([`${MEMBER}/us-east-1`]);
    await expect(
      runSchedule(slot, deps(`{ kind: cluster, accounts: ["${MEMBER}", "${HUB}", "${OTHER}"] }`)),
    ).rejects.toThrow(/sts:AssumeRole/);
    expect(started().map((job) => job.source.sourceIdentifier)).toEqual([
      `orders-${HUB}-us-east-1`,
      `orders-${OTHER}-us-east-1`,
    ]);
    expect(logger.error).toHaveBeenCalledWith(
      'the slot skips this account and Region: the slot is retried',
      expect.objectContaining({ account: MEMBER, region: 'us-east-1' }),
    );
  });

  it('fails the slot naming the account when on-schedule has no client of other accounts', async () => {
    clustersByScope();
    await expect(
      runSchedule(slot, deps(`{ kind: cluster, accounts: ["${HUB}", "${MEMBER}"] }`, { rdsIn: undefined })),
    ).rejects.toMatchObject({ name: 'ConfigurationError', message: expect.stringContaining(MEMBER) });
    expect(started()).toHaveLength(1);
  });
});
