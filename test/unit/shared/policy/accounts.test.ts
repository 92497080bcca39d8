import { describe, expect, it } from 'vitest';
import type { SnapshotSource } from '#shared/contract/execution.ts';
import { type DecideContext, decide } from '#shared/policy/decide.ts';
import { parsePolicy } from '#shared/policy/load.ts';

/** A hub (111111111111, eu-west-1) deciding for its own snapshots and for a member account's. */
const HUB = '111111111111';
const MEMBER = '222222222222';
const home = {
  account: HUB,
  region: 'eu-west-1',
  memberRole: 'rds-export-dev-member-access',
  memberExportRole: 'rds-export-dev-member-export',
};
const destination = {
  bucket: 'hub-exports',
  kmsKey: `arn:aws:kms:eu-west-1:${HUB}:key/0a1b2c3d-2222-4222-8333-944455556666`,
  role: `arn:aws:iam::${HUB}:role/hub-export`,
};
const snapshotIn = (account: string, region = 'eu-west-1', source = 'orders-db'): SnapshotSource => ({
  kind: 'db-snapshot',
  arn: `arn:aws:rds:${region}:${account}:snapshot:rds:${source}-2026-12-01-03-10`,
  snapshotIdentifier: `rds:${source}-2026-12-01-03-10`,
  sourceIdentifier: source,
  engine: 'postgres',
  snapshotType: 'automated',
  snapshotCreateTime: '2026-12-01T03:10:42.000Z',
});
const policyOf = (yaml: string) => parsePolicy(`version: 1\n${yaml}`, 'test.yml');
const ctx: DecideContext = { destination, home };

describe('rules by account and Region', () => {
  const policy = policyOf(`rules:
  - name: finance
    match: { account: ["2222222222*"], region: eu-* }
    action: export
    export: { prefix: "{region}/{source}" }
  - name: hub-only
    match: { account: "${HUB}" }
    action: export
    export: { prefix: "{account}/{source}" }
  - { name: rest, action: skip, reason: not served }
`);

  it('match the account and Region of the source’s ARN, with globs', async () => {
    expect(await decide(policy, snapshotIn(MEMBER), ctx)).toMatchObject({
      action: 'export',
      rule: 'finance',
    });
    expect(await decide(policy, snapshotIn(HUB), ctx)).toMatchObject({ action: 'export', rule: 'hub-only' });
    expect(await decide(policy, snapshotIn('333333333333'), ctx)).toMatchObject({
      action: 'skip',
      rule: 'rest',
    });
  });

  it('render {account} and {region} in the prefix', async () => {
    const own = await decide(policy, snapshotIn(HUB), ctx);
    expect(own.action === 'export' && own.job.request).toMatchObject({ S3Prefix: `${HUB}/orders-db` });
  });

  it('export a member’s snapshot with the member’s export role, under its account’s folder of the hub’s bucket', async () => {
    const decision = await decide(policy, snapshotIn(MEMBER), ctx);
    expect(decision.action === 'export' && decision.job.request).toMatchObject({
      S3BucketName: 'hub-exports',
      S3Prefix: `${MEMBER}/eu-west-1/orders-db`,
      // StartExportTask runs in the member account with a role of that account, which RDS assumes.
      IamRoleArn: `arn:aws:iam::${MEMBER}:role/rds-export-dev-member-export`,
      KmsKeyId: destination.kmsKey,
    });
  });

  it('keep the deployment’s own exports where they always were', async () => {
    const decision = await decide(policyOf('rules: [{ name: all, action: export }]'), snapshotIn(HUB), ctx);
    expect(decision.action === 'export' && decision.job.request).toMatchObject({
      IamRoleArn: destination.role,
      S3BucketName: 'hub-exports',
    });
    expect(decision.action === 'export' && decision.job.request).not.toHaveProperty(
      'S3Prefix',
      expect.any(String),
    );
  });

  it('skip, with an alert, a member’s snapshot when no member export role is configured', async () => {
    const decision = await decide(policyOf('rules: [{ name: all, action: export }]'), snapshotIn(MEMBER), {
      destination,
      home: { account: HUB, region: 'eu-west-1' },
    });
    expect(decision).toMatchObject({ action: 'skip', alert: true });
    expect(decision.action === 'skip' && decision.reason).toMatch(
      /role \(export\.role or MEMBER_EXPORT_ROLE_NAME\)/,
    );
  });

  it('skip, with an alert, a snapshot of another Region unless its rule names a bucket and key there', async () => {
    // "The S3 bucket must be in the same AWS Region as the snapshot" (Amazon RDS user guide,
    // "Exporting DB snapshot data to Amazon S3").
    const all = policyOf('rules: [{ name: all, action: export }]');
    const decision = await decide(all, snapshotIn(MEMBER, 'us-east-1'), ctx);
    expect(decision).toMatchObject({ action: 'skip', alert: true });
    expect(decision.action === 'skip' && decision.reason).toMatch(
      /bucket \(export\.bucket or regions\.us-east-1\.bucket: .*eu-west-1.*us-east-1/,
    );

    const named = policyOf(`rules:
  - name: us
    match: { region: us-east-1 }
    action: export
    export: { bucket: hub-exports-us-east-1, kmsKey: "arn:aws:kms:us-east-1:${HUB}:key/0a1b2c3d-2222-4222-8333-944455556677" }
`);
    expect(await decide(named, snapshotIn(MEMBER, 'us-east-1'), ctx)).toMatchObject({ action: 'export' });
  });

  const US_KEY = `arn:aws:kms:us-east-1:${HUB}:key/0a1b2c3d-2222-4222-8333-944455556677`;

  it('export a snapshot of another Region to that Region’s bucket and key, named once under regions:', async () => {
    const regional = policyOf(`rules: [{ name: all, action: export }]
regions:
  us-east-1: { bucket: hub-exports-us-east-1, kmsKey: "${US_KEY}" }
`);
    const decision = await decide(regional, snapshotIn(MEMBER, 'us-east-1'), ctx);
    expect(decision.action === 'export' && decision.job.request).toMatchObject({
      S3BucketName: 'hub-exports-us-east-1',
      KmsKeyId: US_KEY,
      IamRoleArn: `arn:aws:iam::${MEMBER}:role/rds-export-dev-member-export`,
    });
    // The hub's own Region keeps the deployment's bucket and key.
    const own = await decide(regional, snapshotIn(MEMBER), ctx);
    expect(own.action === 'export' && own.job.request).toMatchObject({
      S3BucketName: 'hub-exports',
      KmsKeyId: destination.kmsKey,
    });
  });

  it('prefer a rule’s own bucket to its Region’s, and its Region’s to the policy’s defaults', async () => {
    const policy = policyOf(`defaults: { export: { bucket: default-exports } }
rules:
  - { name: own, match: { identifier: own-db }, action: export, export: { bucket: own-exports } }
  - { name: all, action: export }
regions:
  us-east-1: { bucket: hub-exports-us-east-1, kmsKey: "${US_KEY}" }
`);
    const request = async (identifier: string, region: string) => {
      const decision = await decide(policy, snapshotIn(MEMBER, region, identifier), ctx);
      return decision.action === 'export' ? decision.job.request : decision;
    };
    expect(await request('own-db', 'us-east-1')).toMatchObject({ S3BucketName: 'own-exports' });
    expect(await request('orders-db', 'us-east-1')).toMatchObject({ S3BucketName: 'hub-exports-us-east-1' });
    expect(await request('orders-db', 'eu-west-1')).toMatchObject({ S3BucketName: 'default-exports' });
  });

  it('refuse a Region entry that is no Region, or whose key is in another Region', () => {
    expect(() =>
      policyOf(`rules: [{ name: all, action: export }]
regions: { europe: { bucket: b-europe, kmsKey: "${US_KEY}" } }`),
    ).toThrow(/regions\.europe: must be an AWS Region name/);
    expect(() =>
      policyOf(`rules: [{ name: all, action: export }]
regions: { eu-west-2: { bucket: b-london, kmsKey: "${US_KEY}" } }`),
    ).toThrow(/regions\.eu-west-2\.kmsKey: is a key in us-east-1, not eu-west-2/);
    expect(() =>
      policyOf(`rules: [{ name: all, action: export }]
regions: { us-east-1: { bucket: b-virginia } }`),
    ).toThrow(/regions\.us-east-1\.kmsKey: is required/);
  });

  const named = policyOf(`accounts:
  "${MEMBER}": Finance Prod
  "${HUB}": platform
rules:
  - { name: finance, match: { account: "finance*" }, action: export, export: { prefix: finance } }
  - { name: rest, action: export }
`);

  it('match an account by the name accounts: gives it, as a glob, case aside', async () => {
    const member = await decide(named, snapshotIn(MEMBER), ctx);
    expect(member).toMatchObject({ action: 'export', rule: 'finance' });
    expect(await decide(named, snapshotIn(HUB), ctx)).toMatchObject({ action: 'export', rule: 'rest' });
  });

  it('carry a member’s name in its job, for its databases, and none for the deployment’s own', async () => {
    const member = await decide(named, snapshotIn(MEMBER), ctx);
    expect(member.action === 'export' && member.job.accountName).toBe('Finance Prod');
    const own = await decide(named, snapshotIn(HUB), ctx);
    expect(own.action === 'export' && own.job).not.toHaveProperty('accountName');
  });

  it('refuse a name selector that names no account, and two names that would share databases', () => {
    expect(() =>
      policyOf(`accounts: { "${MEMBER}": finance }
rules: [{ name: a, match: { account: [fnance] }, action: export }]`),
    ).toThrow(/rules\[0\]\.match\.account\[0\]: matches no account name under accounts: \(finance\)/);
    expect(() =>
      policyOf(`accounts: { "${MEMBER}": Finance-Prod, "${HUB}": finance prod }
rules: [{ name: a, action: export }]`),
    ).toThrow(/accounts\.111111111111: names its databases as accounts\.222222222222 does \(finance_prod\)/);
    expect(() =>
      policyOf(`accounts: { "${MEMBER}": "2finance" }
rules: [{ name: a, action: export }]`),
    ).toThrow(/accounts\.222222222222: must be 1-50 letters/);
    // A Region's name is what a database of another Region's source carries (register-export naming.ts).
    expect(() =>
      policyOf(`accounts: { "${MEMBER}": us-west-2 }
rules: [{ name: a, action: export }]`),
    ).toThrow(/accounts\.222222222222: must not be a Region name/);
  });

  it('refuse an account selector that is no account ID', () => {
    expect(() => policyOf('rules: [{ name: a, match: { account: "12-34" }, action: export }]')).toThrow(
      /rules\[0\]\.match\.account\[0\]: must be a 12-digit account ID/,
    );
    // Without a wildcard it must be a whole ID: "12345" would match no account.
    expect(() => policyOf('rules: [{ name: a, match: { account: "12345" }, action: export }]')).toThrow(
      /must be a 12-digit account ID/,
    );
  });
});
