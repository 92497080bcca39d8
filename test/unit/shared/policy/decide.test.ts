import { describe, expect, it, vi } from 'vitest';
import { exportTaskIdentifier } from '#shared/identifiers.ts';
import type { SnapshotSource } from '#shared/machine-contract.ts';
import { type DecideContext, decide, renderPrefix } from '#shared/policy/decide.ts';
import { parsePolicy } from '#shared/policy/load.ts';

const automated: SnapshotSource = {
  kind: 'db-snapshot',
  arn: 'arn:aws:rds:us-east-1:123456789012:snapshot:rds:orders-db-2024-05-01-06-10',
  snapshotIdentifier: 'rds:orders-db-2024-05-01-06-10',
  sourceIdentifier: 'orders-db',
  engine: 'postgres',
  snapshotType: 'automated',
  snapshotCreateTime: '2024-05-01T06:10:42.000Z',
  sizeGB: 120,
};
const destination = {
  bucket: 'env-bucket',
  kmsKey: 'arn:aws:kms:us-east-1:123456789012:key/env',
  role: 'arn:aws:iam::123456789012:role/env-export',
};
const policyOf = (yaml: string) => parsePolicy(`version: 1\n${yaml}`, 'test.yml');
const ctx = (extra: Partial<DecideContext> = {}): DecideContext => ({ destination, ...extra });

describe('decide', () => {
  it('exports with the first matching rule, building the exact StartExportTask request', async () => {
    const policy = policyOf(`rules:
  - name: prod-postgres
    match: { identifier: "orders-*", engine: [postgres, aurora-postgresql], snapshotType: automated, tags: { env: prod } }
    action: export
    export:
      bucket: prod-exports
      prefix: "exports/{source}/{kind}/{engine}/{rule}/{year}/{month}/{day}"
      kmsKey: arn:aws:kms:us-east-1:123456789012:key/prod
      role: arn:aws:iam::123456789012:role/prod-export
      exportOnly: [orders.public.orders]
      maxConcurrentExports: 3
      queueAlertAfterMinutes: 90
  - { name: everything, action: export }
`);
    const decision = await decide(policy, automated, ctx({ tags: { env: 'prod' } }));
    const id = exportTaskIdentifier({ arn: automated.arn, at: automated.snapshotCreateTime });
    expect(decision).toEqual({
      action: 'export',
      rule: 'prod-postgres',
      reason: 'rule "prod-postgres" matched',
      job: {
        exportTaskIdentifier: id,
        rule: 'prod-postgres',
        source: automated,
        request: {
          ExportTaskIdentifier: id,
          SourceArn: automated.arn,
          S3BucketName: 'prod-exports',
          IamRoleArn: 'arn:aws:iam::123456789012:role/prod-export',
          KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/prod',
          S3Prefix: 'exports/orders-db/db-snapshot/postgres/prod-postgres/2024/05/01',
          ExportOnly: ['orders.public.orders'],
        },
        limits: { maxConcurrentExports: 3, queueAlertAfterSeconds: 5400 },
      },
    });
  });

  it('falls back to the policy defaults, then to the environment, for destination and limits', async () => {
    const policy = policyOf(`defaults:
  export: { bucket: default-bucket, maxConcurrentExports: 2 }
rules: [{ name: all, action: export }]
`);
    const decision = await decide(policy, automated, ctx());
    expect(decision.action === 'export' && decision.job.request).toMatchObject({
      S3BucketName: 'default-bucket',
      KmsKeyId: destination.kmsKey,
      IamRoleArn: destination.role,
    });
    expect(decision.action === 'export' && decision.job.request.S3Prefix).toBeUndefined();
    expect(decision.action === 'export' && decision.job.limits).toEqual({
      maxConcurrentExports: 2,
      queueAlertAfterSeconds: 7200,
    });
  });

  it('skips with "no rule matched" when no rule matches', async () => {
    const policy = policyOf('rules: [{ name: clusters, action: export, match: { kind: cluster-snapshot } }]');
    expect(await decide(policy, automated, ctx())).toEqual({
      action: 'skip',
      rule: null,
      reason: 'no rule matched',
    });
  });

  it('requires every given criterion of a rule to hold: a missing tag or a different value fails the match', async () => {
    const policy = policyOf(`rules:
  - { name: prod, action: export, match: { tags: { env: "prod*", team: orders } } }
  - { name: rest, action: skip, reason: not production }
`);
    expect((await decide(policy, automated, ctx({ tags: { env: 'production', team: 'orders' } }))).rule).toBe(
      'prod',
    );
    expect((await decide(policy, automated, ctx({ tags: { env: 'production' } }))).rule).toBe('rest');
    expect((await decide(policy, automated, ctx({ tags: { env: 'dev', team: 'orders' } }))).rule).toBe(
      'rest',
    );
  });

  it('matches identifier and snapshot globs case-insensitively and engine globs like aurora-*', async () => {
    const policy = policyOf(`rules:
  - { name: by-glob, action: export, match: { identifier: "ORDERS-??", snapshot: "rds:*", engine: "postgres*" } }
`);
    expect((await decide(policy, automated, ctx())).action).toBe('export');
    expect((await decide(policy, { ...automated, engine: 'aurora-postgresql' }, ctx())).action).toBe('skip');
  });

  it('uses the skip rule reason, or names the rule when it gives none', async () => {
    const policy = policyOf(`rules:
  - { name: no-automated, action: skip, match: { snapshotType: automated }, reason: automated snapshots are not exported }
  - { name: no-others, action: skip }
`);
    expect(await decide(policy, automated, ctx())).toEqual({
      action: 'skip',
      rule: 'no-automated',
      reason: 'automated snapshots are not exported',
    });
    expect((await decide(policy, { ...automated, snapshotType: 'manual' }, ctx())).reason).toBe(
      'rule "no-others" skips it',
    );
  });

  it('skips with an alert when no bucket, key or role is configured anywhere', async () => {
    const decision = await decide(policyOf('rules: [{ name: all, action: export }]'), automated, {
      destination: { bucket: 'b-1' },
    });
    expect(decision).toEqual({
      action: 'skip',
      rule: 'all',
      reason:
        'no export KMS key (export.kmsKey or EXPORT_KMS_KEY_ARN), role (export.role or EXPORT_ROLE_ARN)',
      alert: true,
    });
  });

  it('checks exportOnly against the actual engine at decision time and flags an invalid list for an alert', async () => {
    const policy = policyOf(
      'rules: [{ name: tables, action: export, export: { exportOnly: [shop.public.orders] } }]',
    );
    const decision = await decide(policy, { ...automated, engine: 'mysql' }, ctx());
    expect(decision).toMatchObject({ action: 'skip', rule: 'tables', alert: true });
    expect(decision.reason).toContain(
      'invalid exportOnly for engine mysql: "shop.public.orders" has 3 parts; engine mysql takes database or database.table',
    );
    expect((await decide(policy, automated, ctx())).action).toBe('export');
    expect((await decide(policy, { ...automated, engine: 'oracle-ee' }, ctx())).reason).toContain(
      'engine oracle-ee does not support a partial export',
    );
  });

  it('skips a snapshot larger than maxSnapshotSizeGB', async () => {
    const policy = policyOf('rules: [{ name: small, action: export, export: { maxSnapshotSizeGB: 100 } }]');
    expect(await decide(policy, automated, ctx())).toEqual({
      action: 'skip',
      rule: 'small',
      reason: 'snapshot is 120 GB, above maxSnapshotSizeGB 100',
    });
    expect((await decide(policy, { ...automated, sizeGB: 100 }, ctx())).action).toBe('export');
  });

  describe('minIntervalHours', () => {
    const policy = policyOf('rules: [{ name: daily, action: export, export: { minIntervalHours: 24 } }]');
    const now = new Date('2024-05-02T06:00:00Z');

    it('skips an automated snapshot when the last export of its source is younger than the interval', async () => {
      const recentExport = vi.fn().mockResolvedValue({
        executionName: 'rds-orders-db-2024-04-30-06-10-abc',
        status: 'SUCCEEDED',
        startDate: '2024-05-01T07:00:00.000Z',
        snapshotArn: 'arn:aws:rds:us-east-1:123456789012:snapshot:rds:orders-db-2024-04-30-06-10',
      });
      const decision = await decide(policy, automated, ctx({ recentExport, now }));
      expect(recentExport).toHaveBeenCalledWith(automated, new Date('2024-05-01T06:00:00Z'));
      expect(decision).toEqual({
        action: 'skip',
        rule: 'daily',
        reason:
          'orders-db was exported by rds-orders-db-2024-04-30-06-10-abc (SUCCEEDED, started 2024-05-01T07:00:00.000Z), within minIntervalHours 24',
      });
    });

    it('exports when no export of the source ran within the interval', async () => {
      const decision = await decide(policy, automated, ctx({ recentExport: async () => undefined, now }));
      expect(decision).toMatchObject({
        action: 'export',
        reason: 'rule "daily" matched; no export of orders-db in the last 24 h',
      });
    });

    it('calls an export of this very snapshot a duplicate, not an interval skip', async () => {
      const recentExport = async () => ({
        executionName: 'x',
        status: 'RUNNING',
        startDate: now.toISOString(),
        snapshotArn: automated.arn,
      });
      expect(await decide(policy, automated, ctx({ recentExport, now }))).toEqual({
        action: 'skip',
        rule: 'daily',
        reason: 'duplicate, already handled by execution x (RUNNING)',
        duplicate: true,
      });
    });

    it('says the interval was not checked when there is no state machine to ask', async () => {
      const decision = await decide(policy, automated, ctx());
      expect(decision).toMatchObject({
        action: 'export',
        reason: expect.stringContaining('minIntervalHours 24 not checked'),
      });
    });
  });

  it('builds identical jobs for the same snapshot, whenever the event comes', async () => {
    const policy = policyOf(
      'rules: [{ name: all, action: export, export: { prefix: "{year}/{month}/{day}" } }]',
    );
    const a = await decide(policy, automated, ctx({ now: new Date('2024-05-01T07:00:00Z') }));
    const b = await decide(policy, automated, ctx({ now: new Date('2024-06-30T23:00:00Z') }));
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it('gives a deliberate re-export a new identifier', async () => {
    const policy = policyOf('rules: [{ name: all, action: export }]');
    const decision = await decide(policy, automated, ctx({ attempt: 2 }));
    expect(decision.action === 'export' && decision.job.exportTaskIdentifier).toBe(
      exportTaskIdentifier({ arn: automated.arn, at: automated.snapshotCreateTime }, 2),
    );
  });
});

describe('renderPrefix', () => {
  it('replaces placeholders with S3-safe values and tidies slashes', () => {
    expect(
      renderPrefix('/exports//{snapshot}/{source}/', { snapshot: 'rds:orders db', source: 'orders' }),
    ).toBe('exports/rds-orders-db/orders');
  });
});
