import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForNamed } from '#local/runtime/progress.ts';
import {
  ACCOUNT,
  type LocalStack,
  MEMBER_ACCOUNTS,
  MEMBER_EXPORT_ROLE_NAME,
  MEMBER_ROLE_NAME,
  startStack,
} from '#local/stack.ts';

// A policy schedule that selects live Aurora clusters of the hub and of a member account
// (local/export-policy.yml local-clusters-org: accounts ["123456789012", finance-prod]): the real
// on-schedule handler lists the member's clusters through its access role (the local STS), and
// the member's export runs in its account, written under <member>/.
const MEMBER = MEMBER_ACCOUNTS[1] as string; // finance-prod under the local policy's accounts:
const HUB_CLUSTER = 'sample-shop-sched-hub';
const MEMBER_CLUSTER = 'sample-shop-sched-member';

type Run = { decisions: { action: string; source?: string; exportTaskIdentifier?: string }[] };

let stack: LocalStack;
const accountOf = (id: string) => stack.accounts.find((a) => a.id === id);

beforeAll(async () => {
  stack = await startStack({
    timeScale: 600,
    accounts: 3,
    durations: () => ({ starting: 30, inProgress: 120 }),
  });
  accountOf(ACCOUNT)?.clusters.add(HUB_CLUSTER, stack.db);
  accountOf(MEMBER)?.clusters.add(MEMBER_CLUSTER, stack.db);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('a cluster schedule across accounts on the local stack', () => {
  it("exports the hub's cluster and the member's, the member's through its access role under <member>/", async () => {
    const run = (await stack.fireSchedule('local-clusters-org', new Date('2024-05-02T01:00:00Z'))) as Run;
    expect(run.decisions.map((d) => [d.action, d.source])).toEqual([
      ['export', HUB_CLUSTER],
      ['export', MEMBER_CLUSTER],
    ]);
    const ids = run.decisions.map((d) => d.exportTaskIdentifier ?? '');
    const executions = await waitForNamed(stack, ids);
    expect(executions.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const [hubId, memberId] = ids as [string, string];
    // Each export ran in its cluster's own account.
    expect(accountOf(ACCOUNT)?.tasks.tasks.get(hubId)).toMatchObject({
      Status: 'COMPLETE',
      SourceArn: `arn:aws:rds:us-east-1:${ACCOUNT}:cluster:${HUB_CLUSTER}`,
    });
    const member = accountOf(MEMBER)?.tasks.tasks.get(memberId);
    expect(member).toMatchObject({
      Status: 'COMPLETE',
      SourceArn: `arn:aws:rds:us-east-1:${MEMBER}:cluster:${MEMBER_CLUSTER}`,
      IamRoleArn: `arn:aws:iam::${MEMBER}:role/${MEMBER_EXPORT_ROLE_NAME}`,
    });
    expect(member?.S3Prefix?.startsWith(`${MEMBER}/`), member?.S3Prefix).toBe(true);
    expect(accountOf(ACCOUNT)?.tasks.tasks.get(memberId)).toBeUndefined();
    // The member's clusters were listed (and its export started) through its access role.
    expect(stack.sts.assumed.map((a) => a.RoleArn)).toContain(
      `arn:aws:iam::${MEMBER}:role/${MEMBER_ROLE_NAME}`,
    );
    // Registered in the hub's catalog under the member's name.
    expect(
      stack.catalog.tablesOf('rds_export_finance_prod_cluster_sample_shop_sched_member').length,
    ).toBeGreaterThan(0);
  });

  it("still exports the hub's cluster when an account cannot be listed, then fails the slot so it is retried", async () => {
    const slot = new Date('2024-05-03T01:00:00Z');
    const before = new Set(accountOf(ACCOUNT)?.tasks.tasks.keys());
    await expect(stack.fireSchedule('local-clusters-unreachable', slot)).rejects.toThrow(
      /AccessDenied|not authorized/,
    );
    const started = [...stack.sfn.executions.keys()].filter(
      (name) => name.startsWith(`${HUB_CLUSTER}-`) && !before.has(name),
    );
    expect(started).toHaveLength(1);
    const [execution] = await waitForNamed(stack, started);
    expect(execution?.status).toBe('SUCCEEDED');
  });
});
