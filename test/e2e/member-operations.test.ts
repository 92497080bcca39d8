import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type LocalAccount,
  type LocalStack,
  MEMBER_ACCOUNTS,
  MEMBER_EXPORT_ROLE_NAME,
  MEMBER_OPERATOR_ROLE_NAME,
  startStack,
} from '#local/stack.ts';
import { rdsExportAgainst, until as waitUntil } from './helpers.ts';

// `rds-export cancel`, `retry` and `backfill --account` of a member account's export, as the real binary against the
// local stack with a hub and one member: the CLI assumes the member's operator role (the local STS
// lets the hub's credentials, which stand for the hub's operators, assume it) and calls the member's
// RDS, while the retry starts in the hub. Simulated time runs ×120.
const [MEMBER] = MEMBER_ACCOUNTS as unknown as [string];
let stack: LocalStack;
let member: LocalAccount;
let cli: ReturnType<typeof rdsExportAgainst>['cli'];
let json: ReturnType<typeof rdsExportAgainst>['json'];
let id = '';

beforeAll(async () => {
  stack = await startStack({
    timeScale: 120,
    accounts: 2,
    // The first attempt runs long enough to be canceled; its retry ends soon.
    durations: ({ ExportTaskIdentifier: task }) =>
      /-r\d+$/.test(task) ? { starting: 30, inProgress: 120 } : { starting: 30, inProgress: 3600 },
  });
  member = stack.accounts.find((a) => a.id === MEMBER) as LocalAccount;
  // sample-shop*: the local policy exports the shop schema only, so the export stays small.
  const snapshot = await stack.createSnapshot('member-ops-1', 'sample-shop-member-ops', undefined, MEMBER);
  await stack.raiseSnapshotEvent(snapshot);
  [id = ''] = [...stack.sfn.executions.keys()];
  ({ cli, json } = rdsExportAgainst(stack));
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const stackState = () =>
  [...stack.sfn.executions.values()].map(
    (e) =>
      `${e.name} ${e.status} ${e.currentState ?? ''} ${member.tasks.tasks.get(e.name)?.Status ?? 'no task'}`,
  );
const until = (done: () => boolean, what: string) => waitUntil(done, what, stackState);
const operatorRole = `arn:aws:iam::${MEMBER}:role/${MEMBER_OPERATOR_ROLE_NAME}`;

describe("rds-export cancel, retry and backfill of a member account's exports, against the local stack", () => {
  it('runs the export in the member account', async () => {
    expect(id).toMatch(/^member-ops-1-[0-9a-f]{10}$/);
    await until(() => member.tasks.tasks.get(id)?.Status === 'IN_PROGRESS', 'the member export in progress');
    expect(stack.tasks.tasks.has(id)).toBe(false);
  });

  it('says which role in which account it could not assume, and which member stack parameter admits it', async () => {
    const denied = await cli('cancel', id, '--member-role-name', 'rds-export-local-member-nope');
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain(
      `cannot assume arn:aws:iam::${MEMBER}:role/rds-export-local-member-nope in member account ${MEMBER}`,
    );
    expect(denied.stderr).toContain('hubOperatorRoleArns');
    expect(member.tasks.tasks.get(id)?.Status).toBe('IN_PROGRESS');
    expect(stack.sfn.executions.get(id)?.status).toBe('RUNNING');
  });

  it("cancels the task in the member's RDS through its operator role; the execution ends CANCELED", async () => {
    const canceled = await cli('cancel', id);
    expect(canceled.code, canceled.stderr).toBe(0);
    expect(canceled.stdout).toContain('CANCELING');
    expect(stack.sts.assumed.map((a) => a.RoleArn)).toContain(operatorRole);
    await until(() => stack.sfn.executions.get(id)?.status === 'FAILED', 'the canceled execution to end');
    expect(stack.sfn.executions.get(id)?.error).toBe('ExportCanceled');
    expect(member.tasks.tasks.get(id)?.Status).toBe('CANCELED');
  });

  it("retries it under -r2: the hub starts it, the member's RDS exports it with the member's export role", async () => {
    const retry = await json<{ attempt: number; outcome: { action: string; exportTaskIdentifier: string } }>(
      'retry',
      id,
    );
    expect(retry).toMatchObject({
      attempt: 2,
      outcome: { action: 'export', exportTaskIdentifier: `${id}-r2` },
    });
    await until(() => stack.sfn.executions.get(`${id}-r2`)?.status === 'SUCCEEDED', 'the retry to complete');
    const task = member.tasks.tasks.get(`${id}-r2`);
    expect(task?.Status).toBe('COMPLETE');
    expect(task?.IamRoleArn).toBe(`arn:aws:iam::${MEMBER}:role/${MEMBER_EXPORT_ROLE_NAME}`);
    expect(task?.S3Prefix?.startsWith(`${MEMBER}/`), task?.S3Prefix).toBe(true);
  });

  it("lists both by the member's account and Region", async () => {
    type Listed = {
      exports: { exportTaskIdentifier: string; outcome: string; account: string; region: string }[];
    };
    const listed = await json<Listed>('list', '--account', MEMBER, '--source-region', 'us-east-*');
    expect(Object.fromEntries(listed.exports.map((e) => [e.exportTaskIdentifier, e.outcome]))).toEqual({
      [id]: 'CANCELED',
      [`${id}-r2`]: 'COMPLETE',
    });
    expect((await json<Listed>('list', '--source-region', 'eu-*')).exports).toEqual([]);
  });

  it("backfill --account --dry-run lists the member's snapshots through its operator role and decides them as its events would", async () => {
    await stack.createSnapshot('member-ops-2', 'sample-shop-member-ops', undefined, MEMBER);
    const executions = stack.sfn.executions.size;
    type Plan = { dryRun: boolean; snapshots: { snapshot: string; arn: string; decision: string }[] };
    const plan = await json<Plan>('backfill', '--account', MEMBER, '--dry-run');
    expect(plan.dryRun).toBe(true);
    const decisions = Object.fromEntries(plan.snapshots.map((s) => [s.snapshot, s.decision]));
    // The first is the export canceled and retried above: taken, never started again.
    expect(decisions).toMatchObject({ 'member-ops-1': 'done', 'member-ops-2': 'export' });
    for (const s of plan.snapshots) expect(s.arn).toContain(`:${MEMBER}:`);
    expect(stack.sfn.executions.size).toBe(executions);
    const denied = await cli(
      'backfill',
      '--account',
      MEMBER,
      '--dry-run',
      '--member-role-name',
      'rds-export-local-member-nope',
    );
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('hubOperatorRoleArns');
  });
});
