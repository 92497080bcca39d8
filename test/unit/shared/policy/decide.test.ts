import { describe, expect, it, vi } from 'vitest';
import type { SnapshotSource } from '#shared/contract/execution.ts';
import { type DecideContext, decide, renderPrefix } from '#shared/policy/decide.ts';
import { parsePolicy } from '#shared/policy/load.ts';
import { exportTaskIdentifier } from '#shared/sources/identifiers.ts';

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
  kmsKey: 'arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-2222-4222-8333-944455556666',
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
      kmsKey: arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-1111-4222-8333-944455556666
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
          KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-1111-4222-8333-944455556666',
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
    expect(decision.action === 'export' && decision.job.request).not.toHaveProperty('S3Prefix');
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
    // An engine that cannot export at all is skipped before the rule is looked at.
    expect((await decide(policy, { ...automated, engine: 'oracle-ee' }, ctx())).reason).toContain(
      'not exportable: engine oracle-ee cannot be exported',
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
    const exportOf = (snapshotTime: string, status = 'SUCCEEDED') => ({
      executionName: 'orders-db-2024-04-30-06-10-abc',
      exportTaskIdentifier: 'orders-db-2024-04-30-06-10-abc',
      status,
      startDate: snapshotTime,
      snapshotArn: 'arn:aws:rds:us-east-1:123456789012:snapshot:rds:orders-db-2024-04-30-06-10',
      snapshotTime,
    });

    it('skips a snapshot taken well within the interval after the last exported one', async () => {
      const recentExport = vi.fn().mockResolvedValue(exportOf('2024-04-30T18:10:42.000Z'));
      const decision = await decide(policy, automated, ctx({ recentExport, now }));
      expect(recentExport).toHaveBeenCalledWith(automated);
      expect(decision).toEqual({
        action: 'skip',
        rule: 'daily',
        reason:
          'orders-db was exported by orders-db-2024-04-30-06-10-abc (SUCCEEDED, snapshot of 2024-04-30T18:10:42.000Z), ' +
          '12.0 h before this snapshot: within minIntervalHours 24',
      });
    });

    it("exports a daily snapshot that lands a few minutes earlier than yesterday's", async () => {
      // Yesterday's was taken at 06:25; today's at 06:10: 23.75 h apart.
      const recentExport = async () => exportOf('2024-04-30T06:25:00.000Z');
      const decision = await decide(policy, automated, ctx({ recentExport, now }));
      expect(decision).toMatchObject({ action: 'export' });
      expect(decision.reason).toContain('last export of orders-db was 23.8 h earlier');
    });

    it('exports when the source has no recorded export', async () => {
      const decision = await decide(policy, automated, ctx({ recentExport: async () => undefined, now }));
      expect(decision).toMatchObject({
        action: 'export',
        reason: 'rule "daily" matched; no earlier export of orders-db',
      });
    });

    it('calls an export of this very snapshot a duplicate, not an interval skip', async () => {
      const id = exportTaskIdentifier({ arn: automated.arn, at: automated.snapshotCreateTime });
      const recentExport = async () => ({
        ...exportOf(automated.snapshotCreateTime ?? '', 'RUNNING'),
        executionName: id,
        exportTaskIdentifier: id,
      });
      expect(await decide(policy, automated, ctx({ recentExport, now }))).toEqual({
        action: 'skip',
        rule: 'daily',
        reason: `duplicate, already handled by execution ${id} (RUNNING)`,
        duplicate: true,
      });
    });

    it('says the interval was not checked when there is no record to ask', async () => {
      const decision = await decide(policy, automated, ctx());
      expect(decision).toMatchObject({
        action: 'export',
        reason: expect.stringContaining('minIntervalHours 24 not checked'),
      });
    });

    it('exports a daily automated snapshot exactly once a day over 30 days of backup-window jitter', async () => {
      // Automated snapshots start anywhere in a 30-minute backup window; some days a manual
      // snapshot of the same source is taken in the afternoon too.
      let seed = 7;
      const random = () => {
        seed = (seed * 48271) % 2147483647;
        return seed / 2147483647;
      };
      let last: ReturnType<typeof exportOf> | undefined;
      const exportedDays = new Set<string>();
      let exports = 0;
      for (let day = 0; day < 30; day++) {
        const midnight = Date.parse('2024-05-01T00:00:00Z') + day * 86_400_000;
        const taken = [midnight + 6 * 3_600_000 + random() * 30 * 60_000];
        if (random() < 0.3) taken.push(midnight + 15 * 3_600_000 + random() * 3_600_000);
        for (const at of taken) {
          const snapshotCreateTime = new Date(at).toISOString();
          const source = { ...automated, arn: `${automated.arn}-${day}-${at}`, snapshotCreateTime };
          const decision = await decide(
            policy,
            source,
            ctx({ recentExport: async () => last, now: new Date(at) }),
          );
          if (decision.action === 'export') {
            exports++;
            exportedDays.add(snapshotCreateTime.slice(0, 10));
            last = exportOf(snapshotCreateTime);
          }
        }
      }
      expect(exports).toBe(30);
      expect(exportedDays.size).toBe(30);
    });
  });

  describe('exportability', () => {
    const policy = policyOf('rules: [{ name: everything, action: export }]');

    it.each([
      ['oracle-ee', {}, /engine oracle-ee cannot be exported/],
      ['sqlserver-se', {}, /engine sqlserver-se cannot be exported/],
      ['custom-oracle-ee', {}, /RDS Custom DB instances cannot be exported/],
      ['postgres', { storageType: 'standard' }, /magnetic storage/],
      ['mysql', { engineVersion: '5.7.23' }, /older than 5\.7\.24/],
      ['postgres', { engineVersion: '9.6.10' }, /9\.6\.10 is not a version/],
      ['postgres', { status: 'failed' }, /snapshot is failed, not available/],
    ])(
      'skips a %s snapshot (%o) RDS cannot export, before any API call, with the reason',
      async (engine, extra, reason) => {
        const decision = await decide(policy, { ...automated, engine, ...extra }, ctx());
        expect(decision).toMatchObject({ action: 'skip', rule: null, reason: expect.stringMatching(reason) });
      },
    );

    it.each([
      ['postgres', '16.4'],
      ['mysql', '8.0.36'],
      ['mariadb', '10.11.8'],
      ['aurora-postgresql', '15.4'],
      ['aurora-mysql', '8.0.mysql_aurora.3.05.2'],
    ])('exports a %s %s snapshot', async (engine, engineVersion) => {
      const decision = await decide(
        policy,
        { ...automated, engine, engineVersion, status: 'available' },
        ctx(),
      );
      expect(decision.action).toBe('export');
    });

    it('exports a snapshot still being created, saying the export waits for it', async () => {
      const decision = await decide(policy, { ...automated, status: 'creating' }, ctx());
      expect(decision).toMatchObject({
        action: 'export',
        reason: expect.stringContaining('snapshot is creating: the export waits until it is available'),
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
