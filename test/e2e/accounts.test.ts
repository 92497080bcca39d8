import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAthena } from '#local/athena/engine.ts';
import type { LoggedRequest } from '#local/protocol/request-log.ts';
import type { StoredSnapshot } from '#local/rds/snapshots.ts';
import { findTable } from '#local/runtime/progress.ts';
import type { Execution } from '#local/sfn/server.ts';
import {
  ACCOUNT,
  BUCKET,
  type LocalStack,
  MEMBER_ACCOUNTS,
  MEMBER_ROLE_NAME,
  startStack,
} from '#local/stack.ts';
import { sampleInFlight } from '#testkit/bursts.ts';
import { requestProblems } from './api-models.ts';
import { bucketKeys, exportSnapshots } from './helpers.ts';

// One hub and three members on the local stack: each account's RDS keeps its own snapshots and
// five exports, a member's events reach the hub through its bus, and the hub's functions reach a
// member's RDS through its access role (the local STS).
const [A, B, BROKEN] = MEMBER_ACCOUNTS;
const EXPORTING = [ACCOUNT, A, B] as string[];
const PER_ACCOUNT = 8;
// The handlers that call RDS in a member, each module with its own clients (sourceAccounts).
const RDS_CALLERS = ['on-snapshot', 'start-export', 'check-export', 'waits'];
// AssumeRole's default session (3600 s) less the SDK's refresh window (5 min).
const RENEWED_AFTER_MS = (3600 - 300) * 1000;

let stack: LocalStack;
let athena: LocalAthena;
const logDir = mkdtempSync(join(tmpdir(), 'local-aws-accounts-'));
const requestLog = join(logDir, 'requests.jsonl');
let executions: Execution[] = [];
let most: ReturnType<typeof sampleInFlight>['most'];
let brokenDecisions: unknown[] = [];

/**
 * Where register-export puts an account's sample-shop-acct-<i>: the hub's own in rds_export_db_…, a
 * member's in rds_export_<ID>_db_…, or rds_export_<name>_db_… for B, which local/export-policy.yml
 * names (`accounts:`).
 */
const databaseOf = (account: string, i: number) =>
  account === ACCOUNT
    ? `rds_export_db_sample_shop_acct_${i}`
    : account === B
      ? `rds_export_finance_prod_db_sample_shop_acct_${i}`
      : `rds_export_${account}_db_sample_shop_acct_${i}`;

const requests = () =>
  readFileSync(requestLog, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as LoggedRequest);

beforeAll(async () => {
  stack = await startStack({
    timeScale: 600,
    accounts: 4,
    brokenForwarding: [BROKEN as string],
    requestLog,
    durations: () => ({ starting: 30, inProgress: 300 }),
  });
  athena = new LocalAthena(stack.catalog, stack.s3Client);
  let first: StoredSnapshot | undefined;
  const burst: StoredSnapshot[] = [];
  for (const account of EXPORTING) {
    for (let i = 1; i <= PER_ACCOUNT; i++) {
      // sample-shop*: ExportOnly postgres.shop keeps each export small.
      const snapshot = await stack.createSnapshot(`accounts-${i}`, `sample-shop-acct-${i}`, first, account);
      first ??= snapshot;
      burst.push(snapshot);
    }
  }
  const broken = [1, 2].map((i) =>
    stack.createSnapshot(`accounts-${i}`, `sample-shop-acct-${i}`, first, BROKEN),
  );
  // Sample every account's export tasks while the burst runs.
  const sampler = sampleInFlight(stack);
  most = sampler.most;
  try {
    brokenDecisions = await Promise.all((await Promise.all(broken)).map((s) => stack.raiseSnapshotEvent(s)));
    executions = await exportSnapshots(stack, burst);
  } finally {
    sampler.stop();
  }
}, 90_000);

afterAll(async () => {
  await athena?.close();
  await stack?.stop();
  rmSync(logDir, { recursive: true, force: true });
});

describe('the local stack with a hub and member accounts', () => {
  it('exports every account’s burst, at most five at a time per account and more than five in all', () => {
    expect(executions).toHaveLength(EXPORTING.length * PER_ACCOUNT);
    expect(executions.filter((e) => e.status !== 'SUCCEEDED').map((e) => `${e.name} ${e.error}`)).toEqual([]);
    for (const account of stack.accounts) {
      expect(account.tasks.maxActiveSeen, account.id).toBeLessThanOrEqual(5);
      expect(most.perAccount.get(account.id) ?? 0, account.id).toBeLessThanOrEqual(5);
    }
    expect(most.total).toBeGreaterThan(5);
    for (const id of EXPORTING) {
      const account = stack.accounts.find((a) => a.id === id);
      expect(account?.tasks.tasks.size, id).toBe(PER_ACCOUNT);
      for (const task of account?.tasks.tasks.values() ?? []) expect(task.Status).toBe('COMPLETE');
    }
  });

  it('writes a member’s exports under <account>/ of the hub’s bucket, with the member’s export role', async () => {
    const keys = await bucketKeys(stack, BUCKET);
    for (const member of [A, B]) {
      const tasks = [...(stack.accounts.find((a) => a.id === member)?.tasks.tasks.values() ?? [])];
      expect(tasks).toHaveLength(PER_ACCOUNT);
      for (const task of tasks) {
        expect(task.IamRoleArn).toBe(`arn:aws:iam::${member}:role/rds-export-local-member-export`);
        expect(task.S3Prefix?.startsWith(`${member}/`), task.S3Prefix).toBe(true);
        const written = keys.filter((k) => k.includes(`/${task.ExportTaskIdentifier}/`));
        expect(written.length).toBeGreaterThan(0);
        expect(written.filter((k) => !k.startsWith(`${member}/`))).toEqual([]);
      }
    }
  });

  it('registers every export in the hub’s catalog, a member’s in its own databases, named by its ID or its name', () => {
    for (const account of EXPORTING) {
      for (let i = 1; i <= PER_ACCOUNT; i++) {
        const database = databaseOf(account, i);
        const names = stack.catalog.tablesOf(database).map((t) => t.Name ?? '');
        // As for the hub's own: the latest table, the history table and their typed views.
        for (const suffix of ['', '_history', '_typed', '_history_typed']) {
          expect(names, `${database}: postgres_shop_orders${suffix}`).toContain(
            `postgres_shop_orders${suffix}`,
          );
        }
      }
    }
  });

  it('reads rows of all three accounts with the local Athena', async () => {
    // The latest-export table of postgres.shop.orders (local/runtime/progress.ts findTable).
    const ordersOf = (database: string) =>
      findTable(stack.catalog, 'postgres.shop.orders', (name) => name === database);
    const databases = EXPORTING.map((a) => databaseOf(a, 1));
    const sql = EXPORTING.map(
      (account, i) =>
        `SELECT '${account}' AS account, count(*) AS orders FROM "${databases[i]}"."${ordersOf(databases[i] ?? '')?.Name}"`,
    ).join(' UNION ALL ');
    const { rows } = await athena.query(`${sql} ORDER BY account`, databases);
    expect(rows.map((r) => String(r[0]))).toEqual([...EXPORTING].sort());
    for (const row of rows) expect(Number(row[1])).toBeGreaterThan(0);
  });

  it('assumes a member’s access role at most once per function that calls its RDS, per credential lifetime', () => {
    const assumed = requests().filter((r) => r.service === 'sts' && r.action === 'AssumeRole');
    expect(assumed).toHaveLength(stack.sts.assumed.length);
    const roleOf = (account: string) => `arn:aws:iam::${account}:role/${MEMBER_ROLE_NAME}`;
    for (const member of [A, B] as string[]) {
      const times = stack.sts.assumed
        .filter((a) => a.RoleArn === roleOf(member))
        .map((a) => a.at)
        .sort((x, y) => x - y);
      expect(times.length, member).toBeGreaterThanOrEqual(1);
      // The burst spans more simulated time than the credentials' hour (×600), and the SDK renews
      // them 5 minutes before they expire (@smithy/core EXPIRATION_MS): each function's clients
      // assume the role again only then, so no 55 simulated minutes hold more calls than functions.
      for (const t of times) {
        const within = times.filter((u) => u >= t && u < t + RENEWED_AFTER_MS).length;
        expect(within, `${member} from ${new Date(t).toISOString()}`).toBeLessThanOrEqual(RDS_CALLERS.length);
      }
    }
    // The broken member's events never reached the hub, so nothing ever called its RDS.
    expect(assumed.filter((r) => r.params.RoleArn === roleOf(BROKEN as string))).toEqual([]);
  });

  it('forwards a member’s events to the hub, and none of a member whose forwarding role is missing', () => {
    const put = requests().filter((r) => r.service === 'eventbridge' && r.action === 'PutEvents');
    const from = (account: string) =>
      put.filter((r) =>
        (r.params.Entries as { Resources: string[] }[]).some(
          (e) => e.Resources[0]?.split(':')[4] === account,
        ),
      ).length;
    // Each snapshot's created event and its export's finished event.
    for (const member of [A, B] as string[]) expect(from(member), member).toBe(2 * PER_ACCOUNT);
    expect(from(BROKEN as string)).toBe(0);
    expect(brokenDecisions).toEqual([null, null]);
    const broken = stack.accounts.find((a) => a.id === BROKEN);
    expect(broken?.tasks.tasks.size).toBe(0);
    expect(broken?.forwarding).toEqual({ forwarded: 0, failed: 2 });
    expect([...stack.sfn.executions.keys()].filter((name) => name.includes(BROKEN as string))).toEqual([]);
  });

  it('sends only requests that are valid against the AWS API models, STS and EventBridge among them', () => {
    const entries = requests();
    expect([...new Set(entries.map((e) => e.service))].sort()).toEqual([
      'dynamodb',
      'eventbridge',
      'glue',
      'rds',
      's3',
      'sfn',
      'sns',
      'sts',
    ]);
    expect(entries.flatMap(requestProblems)).toEqual([]);
  });
});
